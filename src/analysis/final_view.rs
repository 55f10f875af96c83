//! The final filesystem, computed once: for every path of the merged tree, where its visible
//! state comes from after the last layer. The analyses that ask "what does the image show?"
//! for many paths read this array rather than each walking the tree's events again.

use crate::image::Image;
use crate::index::{EntryKind, EntryRef, MergedTree, NodeId, Origin, ROOT};

/// Where each path's final state comes from (`None`: not in the final filesystem).
#[derive(Debug, Clone)]
pub struct FinalView {
    origins: Vec<Option<Origin>>,
    /// The last layer (the final filesystem is the state after it).
    pub last: usize,
}

impl FinalView {
    /// One pass over the tree. An image with no layers has an empty view.
    pub fn new(image: &Image) -> FinalView {
        let tree = &image.tree;
        let mut origins = vec![None; tree.node_count()];
        let Some(last) = tree.layer_count().checked_sub(1) else {
            return FinalView { origins, last: 0 };
        };
        origins[ROOT as usize] = tree.visible(ROOT, last);
        tree.walk(ROOT, &mut |n| {
            // A child of a path that is gone is gone too; skip the ancestor walk.
            if origins[tree.parent(n) as usize].is_some() {
                origins[n as usize] = tree.visible(n, last);
            }
        });
        FinalView { origins, last }
    }

    /// Where a path's final state comes from.
    pub fn origin(&self, n: NodeId) -> Option<Origin> {
        self.origins.get(n as usize).copied().flatten()
    }

    /// The visible entry of a path (`None` for a missing path or an implied directory).
    pub fn entry<'a>(&self, tree: &'a MergedTree, n: NodeId) -> Option<EntryRef<'a>> {
        self.origin(n).and_then(|o| tree.entry(o))
    }

    /// The visible regular file at a path: where it comes from and its entry.
    pub fn file<'a>(
        &self,
        tree: &'a MergedTree,
        n: NodeId,
    ) -> Option<(usize, usize, EntryRef<'a>)> {
        let o = self.origin(n)?;
        let e = tree.entry(o)?;
        (e.kind == EntryKind::File).then(|| (o.layer, o.entry.unwrap_or_default(), e))
    }

    /// Calls `f` for every visible regular file below `id` (the node, its layer, its entry).
    pub fn files_below(
        &self,
        tree: &MergedTree,
        id: NodeId,
        f: &mut dyn FnMut(NodeId, usize, usize, EntryRef),
    ) {
        if let Some((l, e, entry)) = self.file(tree, id) {
            f(id, l, e, entry);
        }
        tree.walk(id, &mut |n| {
            if let Some((l, e, entry)) = self.file(tree, n) {
                f(n, l, e, entry);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn agrees_with_the_tree_at_the_last_layer() {
        let img = image(
            vec![
                ("a", vec![dir("d"), file("d/x", 5, 1), file("keep", 3, 2)]),
                ("b", vec![whiteout("d"), file("keep", 4, 3)]),
            ],
            None,
        );
        let v = FinalView::new(&img);
        let t = &img.tree;
        for n in 0..t.node_count() as NodeId {
            assert_eq!(v.origin(n), t.visible(n, 1), "node {n}");
        }
        let mut seen = Vec::new();
        v.files_below(t, ROOT, &mut |n, l, _, e| seen.push((t.path(n), l, e.size)));
        assert_eq!(seen, [(b"keep".to_vec(), 1, 4)]);
    }
}
