//! Reclaimable bytes, grouped the way a person would fix them: [`hidden_files`] lists every
//! shipped-but-invisible file; here they become one group per deleted file, per deleted
//! directory and per overwriting layer, each naming the layer that wrote the bytes and the
//! layer that hid them. **The groups' bytes sum to shipped minus visible file bytes** (less
//! whatever the user excluded).

use std::collections::BTreeMap;

use serde::Serialize;

use super::hidden::{hidden_files, HiddenBy, HiddenFile};
use crate::image::Image;
use crate::index::{path, EntryKind, NodeId, ROOT};

/// Hidden bytes with one cause and one fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WasteGroup {
    /// The layer that wrote the bytes.
    pub layer: usize,
    /// The layer that hid them.
    pub hidden_by_layer: usize,
    pub hidden_by: HiddenBy,
    /// The deleted file, the deleted directory, or (overwrites) the deepest directory holding
    /// every overwritten file (`""` for the root); no leading `/`.
    pub path: String,
    pub files: usize,
    pub size_bytes: u64,
    /// Overwrites only: every later copy has the same content (a `chmod -R` or `chown -R`).
    pub metadata_only: bool,
    /// Overwrites whose files share no folder but the root: the top-level folders (or files)
    /// they are in, so the group is never named `/`. Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// The hidden files, as (layer, entry) of the layer that wrote them.
    #[serde(skip)]
    pub instances: Vec<(usize, usize)>,
    /// The hidden files' nodes in the merged tree, in the order of `instances`.
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

/// Hidden files and their groups.
#[derive(Debug, Clone, Default)]
pub struct Reclaimable {
    /// Sum of the items' bytes.
    pub total_bytes: u64,
    pub items: Vec<HiddenFile>,
    /// Largest first.
    pub groups: Vec<WasteGroup>,
}

/// Hidden files not `excluded`, grouped.
pub fn reclaimable(image: &Image, excluded: &dyn Fn(&str) -> bool) -> Reclaimable {
    group_hidden(image, hidden_files(image), excluded)
}

/// Groups [`hidden_files`]'s list (already computed), leaving out what is `excluded`.
pub fn group_hidden(
    image: &Image,
    hidden: Vec<HiddenFile>,
    excluded: &dyn Fn(&str) -> bool,
) -> Reclaimable {
    let items: Vec<HiddenFile> = hidden.into_iter().filter(|h| !excluded(&h.path)).collect();
    let tree = &image.tree;
    type Key = (usize, usize, u8, String);
    let mut groups: BTreeMap<Key, WasteGroup> = BTreeMap::new();
    let mut dirs: BTreeMap<Key, String> = BTreeMap::new();
    for h in &items {
        let (tag, gpath) = match h.hidden_by {
            HiddenBy::Deleted => (0, h.path.clone()),
            HiddenBy::DirectoryRemoved => {
                // The topmost directory above the file that the hiding layer replaced with
                // something else (a file, a link, a whiteout or an opaque marker).
                let (mut top, mut a) = (None, tree.parent(h.node));
                while a != ROOT {
                    if tree.non_dir_at(a, h.hidden_by_layer) {
                        top = Some(a);
                    }
                    a = tree.parent(a);
                }
                let dir = top.map_or_else(|| h.path.clone(), |a| path::escape(&tree.path(a)));
                (1, dir)
            }
            HiddenBy::Overwritten => (2, String::new()),
        };
        let metadata_only = h.hidden_by == HiddenBy::Overwritten && {
            let mine = tree.layer(h.layer).entry(h.entry).digest();
            tree.visible_entry(h.node, h.hidden_by_layer)
                .is_some_and(|later| later.kind == EntryKind::File && later.digest() == mine)
        };
        let g = groups
            .entry((h.layer, h.hidden_by_layer, tag, gpath.clone()))
            .or_insert_with(|| WasteGroup {
                layer: h.layer,
                hidden_by_layer: h.hidden_by_layer,
                hidden_by: h.hidden_by,
                path: if tag == 2 {
                    h.path.clone()
                } else {
                    gpath.clone()
                },
                files: 0,
                size_bytes: 0,
                metadata_only: true,
                paths: Vec::new(),
                instances: Vec::new(),
                nodes: Vec::new(),
            });
        if tag == 2 {
            // The deepest directory holding every overwritten file of the group.
            let parent = h.path.rsplit_once('/').map_or("", |(d, _)| d);
            dirs.entry((h.layer, h.hidden_by_layer, tag, gpath.clone()))
                .and_modify(|d| *d = common_prefix(d, parent))
                .or_insert_with(|| parent.to_string());
        }
        g.files += 1;
        g.size_bytes = g.size_bytes.saturating_add(h.size);
        g.metadata_only &= metadata_only;
        g.instances.push((h.layer, h.entry));
        g.nodes.push(h.node);
        if tag == 2 {
            let top = h.path.split('/').next().unwrap_or_default();
            if !g.paths.iter().any(|p| p == top) {
                g.paths.push(top.to_string());
            }
        }
    }
    for (key, dir) in dirs {
        if let Some(g) = groups.get_mut(&key) {
            // Only the root in common: name the top-level folders, and keep the largest
            // file as the path (items come largest first).
            if g.files > 1 && dir.is_empty() {
                g.paths.sort();
            } else {
                g.paths.clear();
                if g.files > 1 {
                    g.path = dir;
                }
            }
        }
    }
    let mut groups: Vec<WasteGroup> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        b.size_bytes
            .cmp(&a.size_bytes)
            .then_with(|| a.path.cmp(&b.path))
    });
    Reclaimable {
        total_bytes: items.iter().fold(0, |a, h| a.saturating_add(h.size)),
        items,
        groups,
    }
}

/// The longest common run of leading `/`-separated segments of two directory paths.
fn common_prefix(a: &str, b: &str) -> String {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hidden::{shipped_file_bytes, visible_file_bytes};
    use crate::analysis::testing::*;

    #[test]
    fn groups_deletes_directories_and_overwrites_and_agree_with_the_totals() {
        let img = image(
            vec![
                ("base", vec![file("bin/sh", 10, 1)]),
                ("dd big", vec![file("data/big.bin", 5000, 2)]),
                (
                    "build",
                    vec![
                        file("tmp/build/a.o", 300, 3),
                        file("tmp/build/obj/b.o", 200, 4),
                    ],
                ),
                (
                    "COPY app",
                    vec![
                        file("app/a.py", 40, 5),
                        file("app/lib/b.py", 50, 6),
                        file("app/lib/c", 10, 8),
                    ],
                ),
                (
                    "chmod -R",
                    vec![
                        file("app/a.py", 40, 5),
                        file("app/lib/b.py", 50, 6),
                        file("app/lib/c", 10, 8),
                    ],
                ),
                ("rm", vec![whiteout("data/big.bin"), whiteout("tmp/build")]),
                ("conf", vec![file("bin/sh", 12, 7)]),
            ],
            None,
        );
        let r = reclaimable(&img, &|_| false);
        assert_eq!(r.total_bytes, 5000 + 500 + 100 + 10);
        assert_eq!(
            r.total_bytes,
            shipped_file_bytes(&img) - visible_file_bytes(&img)
        );
        let got: Vec<_> = r
            .groups
            .iter()
            .map(|g| {
                (
                    g.layer,
                    g.hidden_by_layer,
                    g.hidden_by,
                    g.path.as_str(),
                    g.files,
                    g.size_bytes,
                    g.metadata_only,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, 5, HiddenBy::Deleted, "data/big.bin", 1, 5000, false),
                (2, 5, HiddenBy::DirectoryRemoved, "tmp/build", 2, 500, false),
                (3, 4, HiddenBy::Overwritten, "app", 3, 100, true),
                (0, 6, HiddenBy::Overwritten, "bin/sh", 1, 10, false),
            ]
        );
        let r = reclaimable(&img, &|p| p.starts_with("tmp/"));
        assert_eq!(r.total_bytes, 5110);
    }

    /// A file under several directories the hiding layer removed is grouped under the
    /// topmost of them; a file put where a directory was removes it too.
    #[test]
    fn a_removed_directory_groups_under_the_topmost_one_removed() {
        let img = image(
            vec![
                (
                    "a",
                    vec![file("x/y/f", 30, 1), file("x/g", 20, 2), file("p/q", 5, 3)],
                ),
                ("b", vec![whiteout("x/y"), whiteout("x"), file("p", 1, 4)]),
            ],
            None,
        );
        let r = reclaimable(&img, &|_| false);
        let got: Vec<_> = r
            .groups
            .iter()
            .map(|g| (g.hidden_by, g.path.as_str(), g.files, g.size_bytes))
            .collect();
        assert_eq!(
            got,
            [
                (HiddenBy::DirectoryRemoved, "x", 2, 50),
                (HiddenBy::DirectoryRemoved, "p", 1, 5),
            ]
        );
    }

    #[test]
    fn opaque_directory_counts_as_a_removed_directory() {
        let img = image(
            vec![
                ("a", vec![dir("d"), file("d/old", 70, 1)]),
                ("b", vec![dir("d"), opaque("d"), file("d/new", 2, 2)]),
            ],
            None,
        );
        let r = reclaimable(&img, &|_| false);
        assert_eq!(r.groups.len(), 1);
        assert_eq!(r.groups[0].hidden_by, HiddenBy::DirectoryRemoved);
        assert_eq!(r.groups[0].path, "d");
        assert_eq!(r.groups[0].size_bytes, 70);
    }
}
