//! Duplicates: identical content at different visible paths of the final image. Hardlinks
//! are not duplicates (they share one copy); empty files are ignored.

use serde::Serialize;

use crate::image::Image;
use crate::index::{path, ContentDigest, EntryKind, NodeId, ROOT};

/// One content shipped at several visible paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DuplicateSet {
    /// Size of one copy.
    pub size_bytes: u64,
    /// Bytes a single copy would save: size × (copies − 1).
    pub wasted_bytes: u64,
    /// The paths, sorted, no leading `/`.
    pub paths: Vec<String>,
    /// The layer that wrote each path, in the same order.
    pub layers: Vec<usize>,
    /// Each copy's node and entry, in the same order.
    #[serde(skip)]
    pub copies: Vec<(NodeId, usize)>,
}

/// Every set of two or more visible regular files with the same content, most wasted bytes
/// first. Paths `excluded` says are skipped.
pub fn find_duplicates(image: &Image, excluded: &dyn Fn(&str) -> bool) -> Vec<DuplicateSet> {
    let tree = &image.tree;
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return Vec::new();
    };
    // Every visible non-empty file as (content, size, node, layer, entry), sorted so that
    // equal contents sit together (no map with an allocation per distinct content); paths are
    // built only for contents seen more than once.
    let mut files: Vec<(ContentDigest, u64, NodeId, usize, usize)> = Vec::new();
    tree.walk(ROOT, &mut |n| {
        let Some(origin) = tree.visible(n, last) else {
            return;
        };
        let Some(e) = tree.entry(origin) else {
            return;
        };
        if e.kind != EntryKind::File || e.size == 0 {
            return;
        }
        if let Some(digest) = e.digest() {
            files.push((
                digest,
                e.size,
                n,
                origin.layer,
                origin.entry.unwrap_or_default(),
            ));
        }
    });
    files.sort_unstable_by_key(|&(digest, size, n, ..)| (digest, size, n));
    let mut out: Vec<DuplicateSet> = files
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter(|v| v.len() > 1)
        .filter_map(|v| {
            let size = v[0].1;
            let mut v: Vec<(String, usize, NodeId, usize)> = v
                .iter()
                .map(|&(_, _, n, layer, entry)| (path::escape(&tree.path(n)), layer, n, entry))
                .filter(|(p, ..)| !excluded(p))
                .collect();
            if v.len() < 2 {
                return None;
            }
            v.sort();
            Some(DuplicateSet {
                size_bytes: size,
                wasted_bytes: size.saturating_mul(v.len() as u64 - 1),
                paths: v.iter().map(|(p, ..)| p.clone()).collect(),
                layers: v.iter().map(|(_, l, ..)| *l).collect(),
                copies: v.iter().map(|(_, _, n, e)| (*n, *e)).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.wasted_bytes
            .cmp(&a.wasted_bytes)
            .then_with(|| a.paths.cmp(&b.paths))
    });
    out
}

/// Bytes all duplicate sets could save.
pub fn duplicate_bytes(sets: &[DuplicateSet]) -> u64 {
    sets.iter().fold(0, |a, s| a.saturating_add(s.wasted_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn same_content_at_two_paths_counts_the_extra_copies() {
        let img = image(
            vec![
                (
                    "a",
                    vec![file("a/x", 100, 1), file("a/y", 100, 2), file("e1", 0, 9)],
                ),
                (
                    "b",
                    vec![file("b/x", 100, 1), file("c/x", 100, 1), file("e2", 0, 9)],
                ),
                ("c", vec![file("a/y", 100, 1), whiteout("c/x")]),
            ],
            None,
        );
        let d = find_duplicates(&img, &|_| false);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].paths, ["a/x", "a/y", "b/x"]);
        assert_eq!(d[0].layers, [0, 2, 1]);
        assert_eq!(d[0].wasted_bytes, 200);
        assert_eq!(duplicate_bytes(&d), 200);
        let d = find_duplicates(&img, &|p| p == "a/y");
        assert_eq!(d[0].wasted_bytes, 100);
    }
}
