//! Per-layer statistics: size, what the layer added, modified and removed (directories not
//! counted), and how many of its bytes later layers hid.

use serde::Serialize;

use super::hidden::HiddenFile;
use crate::image::Image;
use crate::index::{Change, EntryKind};

/// One layer's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerStats {
    pub index: usize,
    pub command: String,
    /// dive's layer size: the sum of its tar header sizes.
    pub size_bytes: u64,
    pub files_added: usize,
    pub files_modified: usize,
    pub files_removed: usize,
    /// Bytes this layer wrote that the final image does not show (of the files in `hidden`:
    /// the waste analysis hands the ones not excluded, so the layers add up to its
    /// reclaimable bytes).
    pub hidden_bytes: u64,
}

/// Figures for every layer; `hidden` is [`super::hidden::hidden_files`]'s list, or part of it.
pub fn layer_stats(image: &Image, hidden: &[HiddenFile]) -> Vec<LayerStats> {
    let tree = &image.tree;
    let mut hidden_bytes = vec![0u64; image.layers.len()];
    for h in hidden {
        if let Some(b) = hidden_bytes.get_mut(h.layer) {
            *b = b.saturating_add(h.size);
        }
    }
    image
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (mut added, mut modified, mut removed) = (0, 0, 0);
            for (node, change) in tree.changes_in_layer(i) {
                // A directory's own change is not a file's; implied directories neither.
                let before = i.checked_sub(1).and_then(|b| tree.visible(node, b));
                let after = tree.visible(node, i);
                let is_dir = |o: Option<crate::index::Origin>| {
                    o.is_some_and(|o| tree.entry(o).is_none_or(|e| e.kind == EntryKind::Dir))
                };
                let dir = match change {
                    Change::Removed => is_dir(before),
                    _ => is_dir(after),
                };
                if dir {
                    continue;
                }
                match change {
                    Change::Added => added += 1,
                    Change::Modified => modified += 1,
                    Change::Removed => removed += 1,
                    Change::Unmodified => {}
                }
            }
            LayerStats {
                index: i,
                command: layer.command(),
                size_bytes: layer.size,
                files_added: added,
                files_modified: modified,
                files_removed: removed,
                hidden_bytes: hidden_bytes[i],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hidden::hidden_files;
    use crate::analysis::testing::*;

    #[test]
    fn counts_added_modified_removed_and_hidden_bytes() {
        let img = image(
            vec![
                (
                    "base",
                    vec![dir("etc"), file("etc/a", 10, 1), file("etc/b", 20, 2)],
                ),
                (
                    "dl",
                    vec![dir("tmp"), file("tmp/x", 300, 3), file("tmp/y", 5, 4)],
                ),
                (
                    "edit",
                    vec![file("etc/a", 11, 5), whiteout("tmp"), file("new", 1, 6)],
                ),
            ],
            None,
        );
        let s = layer_stats(&img, &hidden_files(&img));
        let got: Vec<_> = s
            .iter()
            .map(|l| {
                (
                    l.size_bytes,
                    l.files_added,
                    l.files_modified,
                    l.files_removed,
                    l.hidden_bytes,
                )
            })
            .collect();
        assert_eq!(
            got,
            [(30, 2, 0, 0, 10), (305, 2, 0, 0, 305), (12, 1, 1, 2, 0)]
        );
        assert_eq!(s[2].command, "edit");
    }
}
