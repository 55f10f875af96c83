//! A layer's view: per-node facts (the change shown, size, is-dir) for one (layer, compare
//! mode), as flat arrays indexed by [`NodeId`] and computed from the merged tree. **No per-layer
//! tree copy**: a view costs about 10 bytes a node, and [`super::tree::FileTree`] keeps a few.

use std::sync::OnceLock;

use super::flatten::Preorder;
use super::path_index::PathIndex;
use crate::index::{Change, EntryKind, MergedTree, NodeId, ROOT};

/// What the tree pane compares the selected layer against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMode {
    /// Layer `i` against layers `0..i` (dive's "Current Layer Contents").
    Layer,
    /// Layers `1..=i` against layer 0 (dive's "Aggregated Layer Contents").
    Aggregated,
}

const NONE: u8 = 0;

fn encode(c: Option<Change>) -> u8 {
    match c {
        None => NONE,
        Some(Change::Added) => 1,
        Some(Change::Modified) => 2,
        Some(Change::Removed) => 3,
        Some(Change::Unmodified) => 4,
    }
}

fn decode(b: u8) -> Option<Change> {
    match b {
        1 => Some(Change::Added),
        2 => Some(Change::Modified),
        3 => Some(Change::Removed),
        4 => Some(Change::Unmodified),
        _ => None,
    }
}

/// Per-node facts for one (layer, mode): flat arrays, indexed by node id.
#[derive(Debug)]
pub struct LayerView {
    pub layer: usize,
    pub mode: CompareMode,
    /// The change shown for each node (a directory whose contents changed shows `Modified`);
    /// `NONE` when the path exists on neither side.
    change: Vec<u8>,
    /// A file's size, or the total of a directory's files.
    size: Vec<u64>,
    dir: Vec<bool>,
    /// The size sort's order of the [`PathIndex`]'s positions, made on first use.
    size_order: OnceLock<Preorder>,
}

/// What decides most nodes at every layer, computed once per image: the layer of a node's
/// only event when nothing else can hide it ([`MergedTree::sole_origin`]), and what it is
/// then. A view reads these flat arrays for such nodes and asks the merged tree only about
/// the others (paths written twice, whited out, or under a reset directory).
#[derive(Debug, Default)]
pub struct NodeFacts {
    /// The layer that writes the node, `ASK` when the merged tree must be asked.
    first: Vec<u32>,
    /// A file's size (0 for anything else).
    size: Vec<u64>,
    dir: Vec<bool>,
    /// Each node's parent, as a flat array for the pass that adds children into parents.
    parent: Vec<NodeId>,
}

/// `NodeFacts::first` for a node the merged tree decides.
const ASK: u32 = u32::MAX;

/// A mark on a node's change while its children are added in: one of them changed.
const DIRTY: u8 = 0x80;

impl NodeFacts {
    pub fn new(tree: &MergedTree) -> NodeFacts {
        let n = tree.node_count();
        let mut facts = NodeFacts {
            first: vec![ASK; n],
            size: vec![0; n],
            dir: vec![false; n],
            parent: (0..n as NodeId).map(|id| tree.parent(id)).collect(),
        };
        for id in 1..n as NodeId {
            let i = id as usize;
            let Some(o) = tree.sole_origin(id) else {
                continue;
            };
            facts.first[i] = o.layer as u32;
            match tree.entry(o) {
                None => facts.dir[i] = true,
                Some(e) if e.kind == EntryKind::Dir => facts.dir[i] = true,
                Some(e) if e.kind == EntryKind::File => facts.size[i] = e.size,
                Some(_) => {}
            }
        }
        facts
    }

    /// Facts that know nothing: every node is asked of the merged tree (the tests' oracle).
    #[cfg(test)]
    fn none(tree: &MergedTree) -> NodeFacts {
        let n = tree.node_count();
        NodeFacts {
            first: vec![ASK; n],
            size: vec![0; n],
            dir: vec![false; n],
            parent: (0..n as NodeId).map(|id| tree.parent(id)).collect(),
        }
    }
}

impl LayerView {
    /// Computes the view of `layer` in `mode`, in one pass from the last node to the first:
    /// node ids grow from parents to children, so a node's children are done (and added
    /// into it) before the node itself.
    pub fn compute(
        tree: &MergedTree,
        facts: &NodeFacts,
        layer: usize,
        mode: CompareMode,
    ) -> LayerView {
        let from = match mode {
            CompareMode::Layer => layer.checked_sub(1),
            CompareMode::Aggregated => (layer > 0).then_some(0),
        };
        let n = tree.node_count();
        let mut change = vec![NONE; n];
        let mut size = vec![0u64; n];
        let mut dir = vec![false; n];
        let (layer32, from32) = (layer as u32, from.map(|f| f as u32));
        let unmodified = encode(Some(Change::Unmodified));
        for id in (1..n as NodeId).rev() {
            let i = id as usize;
            let first = facts.first[i];
            let (own, own_size, own_dir) = if first != ASK {
                // Written once, never hidden: there from layer `first` on.
                if first > layer32 {
                    continue;
                }
                let c = if from32.is_some_and(|f| f >= first) {
                    Change::Unmodified
                } else {
                    Change::Added
                };
                (c, facts.size[i], facts.dir[i])
            } else {
                let (c, before, after) = tree.compare(id, from, layer);
                let at = match c {
                    None => continue,
                    Some(Change::Removed) => before,
                    Some(_) => after,
                };
                let (mut s, mut d) = (0, false);
                if let Some(o) = at {
                    match tree.entry(o) {
                        None => d = true,
                        Some(e) if e.kind == EntryKind::Dir => d = true,
                        Some(e) if e.kind == EntryKind::File => s = e.size,
                        Some(_) => {}
                    }
                }
                (c.unwrap_or(Change::Unmodified), s, d)
            };
            // A directory whose contents changed shows as modified.
            let mut c = encode(Some(own));
            if c == unmodified && change[i] & DIRTY != 0 {
                c = encode(Some(Change::Modified));
            }
            change[i] = c;
            size[i] += own_size;
            dir[i] = own_dir;
            let p = facts.parent[i] as usize;
            size[p] += size[i];
            if c != unmodified {
                change[p] |= DIRTY;
            }
        }
        change[ROOT as usize] = if change[ROOT as usize] & DIRTY != 0 {
            encode(Some(Change::Modified))
        } else {
            unmodified
        };
        dir[ROOT as usize] = true;
        // A node on neither side may still carry its children's mark.
        for c in change.iter_mut() {
            if *c & DIRTY != 0 {
                *c = NONE;
            }
        }
        LayerView {
            layer,
            mode,
            change,
            size,
            dir,
            size_order: OnceLock::new(),
        }
    }

    /// The nodes in pre-order with each directory's children largest first (ties in name
    /// order), computed once per view.
    pub fn size_order(&self, index: &PathIndex) -> &Preorder {
        self.size_order
            .get_or_init(|| super::flatten::size_order(index, self))
    }

    /// The change shown for a node, `None` when it is on neither side.
    pub fn change(&self, id: NodeId) -> Option<Change> {
        decode(self.change[id as usize])
    }

    /// A file's size or a directory's total.
    pub fn size(&self, id: NodeId) -> u64 {
        self.size[id as usize]
    }

    pub fn is_dir(&self, id: NodeId) -> bool {
        self.dir[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analysis::testing::{arb_layers, file, image};
    use crate::index::EntryKind;

    const NAMES: [&str; 4] = ["a", "b", ".a", "-x"];
    /// Files and directories twice as often as whiteouts and opaque markers.
    const KINDS: [EntryKind; 6] = [
        EntryKind::File,
        EntryKind::File,
        EntryKind::Dir,
        EntryKind::Dir,
        EntryKind::Whiteout,
        EntryKind::Opaque,
    ];

    fn facts_of(v: &LayerView) -> (Vec<u8>, Vec<u64>, Vec<bool>) {
        (v.change.clone(), v.size.clone(), v.dir.clone())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// A view read from the per-image facts equals the one the merged tree answers for
        /// every node, at every layer in both modes.
        #[test]
        fn facts_give_the_merged_trees_answers(
            layers in arb_layers(&NAMES, 4, &KINDS, 12, 5)
        ) {
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let tree = &img.tree;
            let facts = NodeFacts::new(tree);
            let ask = NodeFacts::none(tree);
            for layer in 0..tree.layer_count() {
                for mode in [CompareMode::Layer, CompareMode::Aggregated] {
                    prop_assert_eq!(
                        facts_of(&LayerView::compute(tree, &facts, layer, mode)),
                        facts_of(&LayerView::compute(tree, &ask, layer, mode))
                    );
                }
            }
        }
    }

    #[test]
    fn a_path_written_once_is_read_from_the_facts() {
        let img = image(
            vec![
                ("RUN a", vec![file("a/x", 5, 1), file("b", 7, 2)]),
                ("RUN b", vec![file("b", 9, 3), file("c/y", 4, 4)]),
            ],
            None,
        );
        let tree = &img.tree;
        let facts = NodeFacts::new(tree);
        let id = |p: &str| tree.find(p.as_bytes()).unwrap() as usize;
        // a/x and c/y once each (and their implied directories); b twice: asked.
        assert_eq!(facts.first[id("a/x")], 0);
        assert_eq!(facts.size[id("a/x")], 5);
        assert!(facts.dir[id("a")]);
        assert_eq!(facts.first[id("c/y")], 1);
        assert_eq!(facts.first[id("b")], ASK);
        let v = LayerView::compute(tree, &facts, 1, CompareMode::Layer);
        assert_eq!(v.change(id("a/x") as NodeId), Some(Change::Unmodified));
        assert_eq!(v.change(id("c/y") as NodeId), Some(Change::Added));
        assert_eq!(v.change(id("b") as NodeId), Some(Change::Modified));
        assert_eq!(v.size(ROOT), 5 + 9 + 4);
        let v0 = LayerView::compute(tree, &facts, 0, CompareMode::Layer);
        assert_eq!(v0.change(id("c/y") as NodeId), None);
    }
}
