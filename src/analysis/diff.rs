//! Two images compared: size per layer, which layers differ (by uncompressed digest), the
//! regular files added, removed, grown, shrunk or changed in the final filesystems, and how
//! reclaimable bytes and caches moved. Works for any two sources. Memory grows with the
//! number of visible files of both images, never with their bytes.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::findings::step;
use super::waste::WasteReport;
use crate::image::Image;
use crate::index::{path, ContentDigest, EntryKind, ROOT};

/// One side of a layer pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSide {
    pub diff_id: String,
    pub size_bytes: u64,
    pub step: String,
}

/// Layer `index` of both images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerPair {
    pub index: usize,
    pub a: Option<LayerSide>,
    pub b: Option<LayerSide>,
    /// Both images have this very layer (same uncompressed digest) here.
    pub same: bool,
}

/// How a visible regular file differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileChangeKind {
    Added,
    Removed,
    Grown,
    Shrunk,
    /// Same size, different content.
    Changed,
}

impl FileChangeKind {
    /// The word every output uses for the change.
    pub fn word(self) -> &'static str {
        match self {
            FileChangeKind::Added => "added",
            FileChangeKind::Removed => "removed",
            FileChangeKind::Grown => "grown",
            FileChangeKind::Shrunk => "shrunk",
            FileChangeKind::Changed => "changed",
        }
    }
}

/// One visible regular file that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    /// No leading `/`.
    pub path: String,
    pub change: FileChangeKind,
    pub a_size: Option<u64>,
    pub b_size: Option<u64>,
}

impl FileChange {
    /// Bytes B has more (negative: fewer).
    pub fn delta(&self) -> i64 {
        signed_delta(self.a_size.unwrap_or(0), self.b_size.unwrap_or(0))
    }
}

/// `b - a`, saturating at the ends of `i64`.
pub fn signed_delta(a: u64, b: u64) -> i64 {
    (b as i128 - a as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// A cache's bytes in both images (by kind and path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheDelta {
    pub kind: String,
    pub path: String,
    pub a_bytes: u64,
    pub b_bytes: u64,
}

/// Figures of both images side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub a: u64,
    pub b: u64,
}

/// One finding of A, measured against B: of the files its fix would remove, how many bytes B
/// still shows (same path, same content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingInB {
    pub kind: super::findings::FindingKind,
    pub practice: Option<super::findings::Practice>,
    pub layer: Option<usize>,
    /// Its share of A's estimate.
    pub savings_bytes: u64,
    /// Bytes of its files (its whole claim, shared or not).
    pub claimed_bytes: u64,
    /// Bytes of its files B's final filesystem still shows, byte for byte.
    pub still_in_b_bytes: u64,
    /// The largest of those files (up to five), no leading `/`.
    pub still_in_b: Vec<String>,
}

/// A's estimate set beside what B measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EstimateCheck {
    /// A's estimated savings and B's.
    pub estimated_savings_bytes: Pair,
    /// How much smaller B is than A (0 when it is not).
    pub measured_reduction_bytes: u64,
    /// Of A's estimate, the bytes whose files B no longer shows.
    pub gone_in_b_bytes: u64,
    /// A's findings with a claim, in A's order.
    pub findings: Vec<FindingInB>,
}

/// Everything that differs between image A and image B.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDiff {
    pub size_bytes: Pair,
    pub layer_count: Pair,
    pub reclaimable_bytes: Pair,
    pub cache_bytes: Pair,
    pub duplicate_bytes: Pair,
    pub findings: Pair,
    /// Leading layers both images share.
    pub shared_layers: usize,
    pub layers: Vec<LayerPair>,
    /// Files that differ, largest change first.
    pub files: Vec<FileChange>,
    pub files_added: usize,
    pub files_removed: usize,
    pub files_grown: usize,
    pub files_shrunk: usize,
    pub files_changed: usize,
    /// Caches whose bytes differ.
    pub caches: Vec<CacheDelta>,
    /// A's findings and estimate against what B shows: which fixes B made.
    pub estimate: EstimateCheck,
}

impl ImageDiff {
    /// The summary's figures in the order every diff view shows them: label, the pair, and
    /// whether it is a byte count.
    pub fn summary(&self) -> [(&'static str, Pair, bool); 6] {
        [
            ("Size", self.size_bytes, true),
            ("Layers", self.layer_count, false),
            ("Reclaimable", self.reclaimable_bytes, true),
            ("Caches", self.cache_bytes, true),
            ("Duplicates", self.duplicate_bytes, true),
            ("Findings", self.findings, false),
        ]
    }
}

/// Regular files visible in the final filesystem: path → (size, content digest).
fn visible_files(image: &Image) -> HashMap<String, (u64, Option<ContentDigest>)> {
    let tree = &image.tree;
    let mut out = HashMap::new();
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return out;
    };
    tree.walk(ROOT, &mut |n| {
        if let Some(e) = tree.visible_entry(n, last) {
            if e.kind == EntryKind::File {
                out.insert(path::escape(&tree.path(n)), (e.size, e.digest()));
            }
        }
    });
    out
}

fn side(image: &Image, i: usize) -> Option<LayerSide> {
    image.layers.get(i).map(|l| LayerSide {
        diff_id: l.diff_id.to_string(),
        size_bytes: l.size,
        step: step(l),
    })
}

/// Compares A and B (each with its waste report).
pub fn diff(a: &Image, wa: &WasteReport, b: &Image, wb: &WasteReport) -> ImageDiff {
    let n = a.layers.len().max(b.layers.len());
    let layers: Vec<LayerPair> = (0..n)
        .map(|i| {
            let (x, y) = (side(a, i), side(b, i));
            let same = matches!((&x, &y), (Some(x), Some(y)) if x.diff_id == y.diff_id);
            LayerPair {
                index: i,
                a: x,
                b: y,
                same,
            }
        })
        .collect();
    let shared_layers = layers.iter().take_while(|l| l.same).count();

    let (fa, fb) = (visible_files(a), visible_files(b));
    let mut files = Vec::new();
    for (p, &(sa, da)) in &fa {
        let change = match fb.get(p) {
            None => Some(FileChangeKind::Removed),
            Some(&(sb, _)) if sb > sa => Some(FileChangeKind::Grown),
            Some(&(sb, _)) if sb < sa => Some(FileChangeKind::Shrunk),
            Some(&(_, db)) if db != da => Some(FileChangeKind::Changed),
            Some(_) => None,
        };
        if let Some(change) = change {
            files.push(FileChange {
                path: p.clone(),
                change,
                a_size: Some(sa),
                b_size: fb.get(p).map(|f| f.0),
            });
        }
    }
    for (p, &(sb, _)) in &fb {
        if !fa.contains_key(p) {
            files.push(FileChange {
                path: p.clone(),
                change: FileChangeKind::Added,
                a_size: None,
                b_size: Some(sb),
            });
        }
    }
    files.sort_by(|x, y| {
        y.delta()
            .unsigned_abs()
            .cmp(&x.delta().unsigned_abs())
            .then_with(|| x.path.cmp(&y.path))
    });
    let count = |k| files.iter().filter(|f| f.change == k).count();

    let mut caches: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for c in &wa.caches {
        let e = caches.entry((c.kind.clone(), c.path.clone())).or_default();
        e.0 = e.0.saturating_add(c.size_bytes);
    }
    for c in &wb.caches {
        let e = caches.entry((c.kind.clone(), c.path.clone())).or_default();
        e.1 = e.1.saturating_add(c.size_bytes);
    }
    let caches = caches
        .into_iter()
        .filter(|(_, (x, y))| x != y)
        .map(|((kind, path), (a_bytes, b_bytes))| CacheDelta {
            kind,
            path,
            a_bytes,
            b_bytes,
        })
        .collect();

    let estimate = check_estimate(a, wa, wb, &fb);
    let pair = |x: u64, y: u64| Pair { a: x, b: y };
    ImageDiff {
        size_bytes: pair(wa.image_size_bytes, wb.image_size_bytes),
        layer_count: pair(a.layers.len() as u64, b.layers.len() as u64),
        reclaimable_bytes: pair(wa.reclaimable_bytes, wb.reclaimable_bytes),
        cache_bytes: pair(wa.cache_bytes, wb.cache_bytes),
        duplicate_bytes: pair(wa.duplicate_bytes, wb.duplicate_bytes),
        findings: pair(wa.findings.len() as u64, wb.findings.len() as u64),
        shared_layers,
        layers,
        files_added: count(FileChangeKind::Added),
        files_removed: count(FileChangeKind::Removed),
        files_grown: count(FileChangeKind::Grown),
        files_shrunk: count(FileChangeKind::Shrunk),
        files_changed: count(FileChangeKind::Changed),
        files,
        caches,
        estimate,
    }
}

/// A's findings' claims against B's final filesystem.
fn check_estimate(
    a: &Image,
    wa: &WasteReport,
    wb: &WasteReport,
    fb: &HashMap<String, (u64, Option<ContentDigest>)>,
) -> EstimateCheck {
    let claimed: std::collections::HashSet<(usize, usize)> = wa
        .findings
        .iter()
        .flat_map(|f| f.claim.iter().copied())
        .collect();
    let view = super::final_view::FinalView::new(a);
    // B still has a claimed file when it shows the same content at the same path, unless A
    // keeps a copy of its own there that no finding claims (then the claimed one is an extra
    // copy, as after a chmod -R, and B has only the one).
    let in_b = |l: usize, e: usize| {
        let entry = a.tree.layer(l).entry(e);
        let same_in_b = fb
            .get(&entry.display_path())
            .is_some_and(|&(size, digest)| size == entry.size && digest == entry.digest());
        let kept_in_a = a
            .tree
            .find(entry.path)
            .and_then(|n| view.origin(n))
            .and_then(|o| o.entry.map(|oe| (o.layer, oe)))
            .is_some_and(|(ol, oe)| {
                (ol, oe) != (l, e)
                    && !claimed.contains(&(ol, oe))
                    && a.tree.layer(ol).entry(oe).digest() == entry.digest()
            });
        same_in_b && !kept_in_a
    };
    let size = |l: usize, e: usize| a.tree.layer(l).entry(e).content_size();
    let mut seen = std::collections::HashSet::new();
    let mut gone = 0u64;
    let mut findings = Vec::new();
    for f in wa.findings.iter().filter(|f| !f.claim.is_empty()) {
        let (mut total, mut still) = (0u64, 0u64);
        let mut kept: Vec<(u64, String)> = Vec::new();
        for &(l, e) in &f.claim {
            let n = size(l, e);
            total = total.saturating_add(n);
            let in_b = in_b(l, e);
            if in_b {
                still = still.saturating_add(n);
                kept.push((n, a.tree.layer(l).entry(e).display_path()));
            }
            if seen.insert((l, e)) && !in_b {
                gone = gone.saturating_add(n);
            }
        }
        kept.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
        findings.push(FindingInB {
            kind: f.kind,
            practice: f.practice,
            layer: f.layer,
            savings_bytes: f.savings_bytes,
            claimed_bytes: total,
            still_in_b_bytes: still,
            still_in_b: kept.into_iter().take(5).map(|k| k.1).collect(),
        });
    }
    EstimateCheck {
        estimated_savings_bytes: Pair {
            a: wa.estimate.savings_bytes,
            b: wb.estimate.savings_bytes,
        },
        measured_reduction_bytes: wa.image_size_bytes.saturating_sub(wb.image_size_bytes),
        gone_in_b_bytes: gone,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;
    use crate::analysis::waste::{analyze, WasteOptions};

    #[test]
    fn files_layers_waste_and_caches_that_differ() {
        let base = || ("base", vec![file("bin/sh", 100, 1)]);
        let a = image(
            vec![
                base(),
                (
                    "apt",
                    vec![file("var/lib/apt/lists/P", 500, 2), file("etc/conf", 10, 3)],
                ),
                ("app", vec![file("app/x", 40, 4), file("app/same", 7, 5)]),
                ("rm", vec![whiteout("app/x")]),
            ],
            None,
        );
        let b = image(
            vec![
                base(),
                ("apt", vec![file("etc/conf", 12, 6)]),
                ("app", vec![file("app/y", 30, 7), file("app/same", 7, 8)]),
            ],
            Some("app"),
        );
        let (wa, wb) = (
            analyze(&a, &WasteOptions::default()),
            analyze(&b, &WasteOptions::default()),
        );
        let d = diff(&a, &wa, &b, &wb);
        // The fixture names layers by index, so layer 0 is the same in both.
        assert_eq!(d.shared_layers, 3);
        assert_eq!(d.layers.len(), 4);
        assert!(d.layers[3].b.is_none() && !d.layers[3].same);
        assert_eq!(d.size_bytes, Pair { a: 657, b: 149 });
        assert_eq!(d.reclaimable_bytes, Pair { a: 40, b: 0 });
        assert_eq!(d.cache_bytes, Pair { a: 500, b: 0 });
        let got: Vec<_> = d
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.change, f.delta()))
            .collect();
        assert_eq!(
            got,
            [
                ("var/lib/apt/lists/P", FileChangeKind::Removed, -500),
                ("app/y", FileChangeKind::Added, 30),
                ("etc/conf", FileChangeKind::Grown, 2),
                ("app/same", FileChangeKind::Changed, 0),
            ]
        );
        assert_eq!((d.files_added, d.files_removed, d.files_grown), (1, 1, 1));
        assert_eq!(d.caches.len(), 1);
        assert_eq!((d.caches[0].a_bytes, d.caches[0].b_bytes), (500, 0));
    }
}
