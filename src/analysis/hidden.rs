//! Hidden bytes: regular-file bytes that ship in some layer but are not visible in the final
//! filesystem, because a later layer (or a later entry of the same layer) overwrote them, or
//! deleted the file or a directory above it. Each item names the layer that wrote the bytes
//! and the layer that hid them.

use std::collections::HashMap;

use serde::Serialize;

use super::EntrySet;
use crate::image::Image;
use crate::index::{EntryKind, MergedTree, NodeId, Origin};

/// How bytes came to be hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HiddenBy {
    /// A later layer wrote the same path again (the copy you keep is the later one).
    Overwritten,
    /// A later layer deleted the file (a whiteout).
    Deleted,
    /// A later layer deleted a directory above the file, made it opaque, or replaced it with
    /// something that is not a directory.
    DirectoryRemoved,
}

/// One regular file's bytes that ship but cannot be seen in the final image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenFile {
    #[serde(skip)]
    pub node: NodeId,
    /// Path, escaped for display, no leading `/`.
    pub path: String,
    /// Bytes shipped.
    pub size: u64,
    /// The layer that wrote the bytes.
    pub layer: usize,
    /// Index of the entry in that layer.
    #[serde(skip)]
    pub entry: usize,
    /// The layer that hid them.
    pub hidden_by_layer: usize,
    pub hidden_by: HiddenBy,
}

/// Every hidden regular file, largest first (ties by path, then layer).
pub fn hidden_files(image: &Image) -> Vec<HiddenFile> {
    hidden_of(image, &visible_contents(image))
}

/// [`hidden_files`] and [`visible_file_bytes`] from one walk of the final filesystem (at a
/// million paths the walk costs tens of milliseconds).
pub fn hidden_and_visible_bytes(image: &Image) -> (Vec<HiddenFile>, u64) {
    let visible = visible_contents(image);
    (hidden_of(image, &visible), visible_bytes(image, &visible))
}

/// The regular files not in `visible`, largest first (ties by path, then layer).
fn hidden_of(image: &Image, visible: &EntrySet) -> Vec<HiddenFile> {
    let tree = &image.tree;
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (li, layer) in tree.layers().iter().enumerate() {
        // Each entry's node, from the tree's own record (no path lookups).
        let mut nodes = vec![None; layer.len()];
        for (ei, node) in tree.layer_entries(li) {
            nodes[ei] = Some(node);
        }
        for (ei, entry) in layer.iter().enumerate() {
            if entry.kind != EntryKind::File || entry.size == 0 || visible.contains(li, ei) {
                continue;
            }
            let Some(node) = nodes[ei] else {
                continue;
            };
            let mine = Origin {
                layer: li,
                entry: Some(ei),
            };
            let (hidden_by_layer, hidden_by) = who_hid(tree, node, mine, last);
            out.push(HiddenFile {
                node,
                path: entry.display_path(),
                size: entry.size,
                layer: li,
                entry: ei,
                hidden_by_layer,
                hidden_by,
            });
        }
    }
    out.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then(a.path.cmp(&b.path))
            .then(a.layer.cmp(&b.layer))
    });
    out
}

/// The first layer at which `mine` stopped being what the path shows, and how.
fn who_hid(tree: &MergedTree, node: NodeId, mine: Origin, last: usize) -> (usize, HiddenBy) {
    for j in mine.layer..=last {
        match tree.visible(node, j) {
            Some(o) if o == mine => continue,
            Some(_) => return (j, HiddenBy::Overwritten),
            None => {
                // Deleted: by a whiteout on the path itself, or by something above it.
                let own_whiteout = tree.whiteout_at(node, j);
                let how = if own_whiteout {
                    HiddenBy::Deleted
                } else {
                    HiddenBy::DirectoryRemoved
                };
                return (j, how);
            }
        }
    }
    // Not visible even in its own layer: a later entry of the same layer replaced it.
    (mine.layer, HiddenBy::Overwritten)
}

/// Bytes of all regular files in all layers.
pub fn shipped_file_bytes(image: &Image) -> u64 {
    image
        .tree
        .layers()
        .iter()
        .flat_map(|l| l.iter())
        .filter(|e| e.kind == EntryKind::File)
        .fold(0u64, |a, e| a.saturating_add(e.size))
}

/// Bytes of the regular files visible in the final filesystem, each content once.
pub fn visible_file_bytes(image: &Image) -> u64 {
    visible_bytes(image, &visible_contents(image))
}

/// Bytes of the entries in `visible`.
fn visible_bytes(image: &Image, visible: &EntrySet) -> u64 {
    let tree = &image.tree;
    (0..tree.layer_count()).fold(0, |a, l| {
        tree.layer(l)
            .iter()
            .enumerate()
            .filter(|&(e, _)| visible.contains(l, e))
            .fold(a, |a, (_, entry)| a.saturating_add(entry.size))
    })
}

/// The regular-file entries (layer, entry) whose bytes the final filesystem still shows: at
/// their own path, or through a visible hardlink to them. A file deleted by name while a
/// hardlink to it stays is not gone: the hardlink holds its bytes.
fn visible_contents(image: &Image) -> EntrySet {
    let tree = &image.tree;
    let mut out = EntrySet::new(image);
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return out;
    };
    // Per layer with hardlinks: the file entries by path (a tar's hardlink names an earlier
    // entry of the same tar).
    let mut files_by_path: HashMap<usize, HashMap<&[u8], usize>> = HashMap::new();
    tree.walk(crate::index::ROOT, &mut |n| {
        let Some(
            origin @ Origin {
                entry: Some(ei), ..
            },
        ) = tree.visible(n, last)
        else {
            return;
        };
        let li = origin.layer;
        let e = tree.layer(li).entry(ei);
        match (e.kind, e.hardlink_target()) {
            (EntryKind::File, _) => {
                out.insert((li, ei));
            }
            (EntryKind::Hardlink, Some(target)) => {
                let files = files_by_path.entry(li).or_insert_with(|| {
                    tree.layer(li)
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.kind == EntryKind::File)
                        .map(|(i, e)| (e.path, i))
                        .collect()
                });
                if let Some(&ti) = files.get(&*target).filter(|&&ti| ti < ei) {
                    out.insert((li, ti));
                }
            }
            _ => {}
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{self, LoadOptions, NoProgress};

    #[test]
    fn classic_testdata_hidden_bytes_agree_both_ways() {
        let image = source::load(
            concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/classic.docker.tar"),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .unwrap();
        let hidden = hidden_files(&image);
        let total: u64 = hidden.iter().map(|h| h.size).sum();
        assert_eq!(
            total,
            shipped_file_bytes(&image) - visible_file_bytes(&image)
        );
        assert!(
            total > 1 << 20,
            "the 1 MiB file deleted later is hidden: {total}"
        );
        let big = &hidden[0];
        assert_eq!(big.size, 1 << 20);
        assert_eq!(big.hidden_by, HiddenBy::Deleted);
        assert!(big.hidden_by_layer > big.layer);
    }

    /// Reclaimable bytes measured both ways (the sum of the hidden files, and all shipped
    /// file bytes minus the visible ones) agree on every real image in testdata, in every form.
    #[test]
    fn every_testdata_image_agrees_both_ways() {
        let cases: [(&str, u64); 8] = [
            ("tiny.docker.tar", 0),
            ("tiny.oci", 0),
            ("classic.docker.tar", CLASSIC),
            ("classic.docker25.tar", CLASSIC),
            ("classic.oci", CLASSIC),
            ("classic.oci-archive.tar", CLASSIC),
            ("classic.oci-zstd", CLASSIC),
            ("multiarch.oci", 0),
        ];
        // The 1 MiB file deleted, /tmp/build deleted, the chmod -R copy of /app, app.conf's 11 B.
        const CLASSIC: u64 = 1_048_576 + 106_507 + 288_373 + 11;
        for (name, want) in cases {
            let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
            let opts = LoadOptions {
                platform: Some(crate::source::Platform::parse("linux/amd64").unwrap()),
                ..LoadOptions::default()
            };
            let image = source::load(&path, None, &opts, &NoProgress).unwrap();
            let hidden: u64 = hidden_files(&image).iter().map(|h| h.size).sum();
            let shipped = shipped_file_bytes(&image);
            let visible = visible_file_bytes(&image);
            assert_eq!(hidden, shipped - visible, "{name}");
            assert_eq!(hidden, want, "{name}");
            assert!(
                visible > 1_900_000,
                "{name}: busybox is visible ({visible})"
            );
        }
    }

    /// Whole directories removed (a whiteout on the directory, an opaque marker, a file put
    /// where a directory was) and re-created: both ways agree, with the exact bytes.
    #[test]
    fn removed_directories_agree_both_ways() {
        use crate::analysis::testing::*;
        let img = image(
            vec![
                (
                    "a",
                    vec![
                        dir("d"),
                        file("d/old", 70, 1),
                        file("d/sub/deep", 30, 2),
                        file("e/x", 5, 3),
                        file("f/y", 9, 4),
                        file("keep", 1, 5),
                    ],
                ),
                ("b", vec![dir("d"), opaque("d"), file("d/new", 2, 6)]),
                ("c", vec![whiteout("e"), file("f", 4, 7)]),
                ("d", vec![file("e/x", 6, 8)]),
            ],
            None,
        );
        let hidden = hidden_files(&img);
        let got: Vec<_> = hidden
            .iter()
            .map(|h| {
                (
                    h.path.as_str(),
                    h.size,
                    h.layer,
                    h.hidden_by_layer,
                    h.hidden_by,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("d/old", 70, 0, 1, HiddenBy::DirectoryRemoved),
                ("d/sub/deep", 30, 0, 1, HiddenBy::DirectoryRemoved),
                ("f/y", 9, 0, 2, HiddenBy::DirectoryRemoved),
                ("e/x", 5, 0, 2, HiddenBy::DirectoryRemoved),
            ]
        );
        assert_eq!(shipped_file_bytes(&img), 70 + 30 + 5 + 9 + 1 + 2 + 4 + 6);
        assert_eq!(visible_file_bytes(&img), 1 + 2 + 4 + 6);
        assert_eq!(
            hidden.iter().map(|h| h.size).sum::<u64>(),
            shipped_file_bytes(&img) - visible_file_bytes(&img)
        );
    }
}
