//! Two images compared: size per layer, which layers differ (by uncompressed digest), the
//! regular files added, removed, grown, shrunk or changed in the final filesystems, and how
//! reclaimable bytes and caches moved. Works for any two sources. Memory grows with the
//! number of visible files of both images, never with their bytes.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::findings::step;
use super::waste::WasteReport;
use crate::image::Image;
use crate::index::{path, EntryKind, ROOT};

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
}

/// Regular files visible in the final filesystem: path → (size, content digest).
fn visible_files(image: &Image) -> HashMap<String, (u64, Option<u128>)> {
    let tree = &image.tree;
    let mut out = HashMap::new();
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return out;
    };
    tree.walk(ROOT, &mut |n| {
        if let Some(e) = tree.visible_entry(n, last) {
            if e.kind == EntryKind::File {
                out.insert(path::escape(&tree.path(n)), (e.size, e.digest));
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
