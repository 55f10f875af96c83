//! A layer's view: per-node facts (the change shown, size, is-dir) for one (layer, compare
//! mode), as flat arrays in the path index's name order, computed from per-image
//! [`NodeFacts`] without asking the merged tree. **No per-layer tree copy**: a view costs
//! about 9 bytes a node, and [`super::tree::FileTree`] keeps a few.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::path_index::{PathIndex, NO_POS};
use crate::index::{Change, EntryKind, EntryRef, MergedTree, NodeId};

/// What the tree pane compares the selected layer against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareMode {
    /// Layer `i` against layers `0..i` (dive's "Current Layer Contents").
    Layer,
    /// Layers `1..=i` against layer 0 (dive's "Aggregated Layer Contents").
    Aggregated,
}

/// A view's arrays (codes, sizes), kept from a dropped view for the next.
pub(super) type Buffers = (Vec<u8>, Vec<u64>);

const NONE: u8 = 0;
/// The change's bits in a node's code.
pub(super) const CHANGE: u8 = 0x07;
/// A node's code's mark for a directory.
pub(super) const DIR: u8 = 0x40;

fn encode(c: Option<Change>) -> u8 {
    match c {
        None => NONE,
        Some(Change::Added) => 1,
        Some(Change::Modified) => 2,
        Some(Change::Removed) => 3,
        Some(Change::Unmodified) => 4,
    }
}

/// The change a node's code holds.
pub(super) fn decode(b: u8) -> Option<Change> {
    match b & CHANGE {
        1 => Some(Change::Added),
        2 => Some(Change::Modified),
        3 => Some(Change::Removed),
        4 => Some(Change::Unmodified),
        _ => None,
    }
}

/// Per-node facts for one (layer, mode): flat arrays in the [`PathIndex`]'s name order
/// (position `p` is the node at `p`), so that computing a view and listing its rows in name
/// order read them front to back.
#[derive(Debug)]
pub struct LayerView {
    pub layer: usize,
    pub mode: CompareMode,
    /// The change shown for each node (a directory whose contents changed shows `Modified`),
    /// `NONE` when the path exists on neither side, with `DIR` set for a directory: what a
    /// row needs, in one byte.
    code: Vec<u8>,
    /// A file's size, or the total of a directory's files.
    size: Vec<u64>,
    /// Each node's position (the index's).
    positions: Arc<[u32]>,
    /// The size sort's order of each directory's children (by position), sorted the first
    /// time a listing walks them.
    sorted: Mutex<HashMap<u32, Arc<[u32]>>>,
}

/// What decides every node at every layer, computed once per image, so that a view never
/// asks the merged tree. Most nodes are written once and never hidden
/// ([`MergedTree::sole_origin`]): the layer that writes them and what they are then. The
/// others (paths written twice, whited out, or under a reset directory) get a short timeline:
/// their state from each layer at which it changes on.
#[derive(Debug, Default)]
pub struct NodeFacts {
    /// The layer that writes the node; `TIMELINE | k` for the node with the `k`th timeline;
    /// `ASK` when the merged tree must be asked (the tests' oracle). By node id until
    /// [`NodeFacts::in_order`], by position after (as are the next three).
    first: Vec<u32>,
    /// A file's size (0 for anything else).
    size: Vec<u64>,
    dir: Vec<bool>,
    /// Each node's parent, for the pass that adds children into parents.
    parent: Vec<u32>,
    /// Where each timeline starts in `steps`, and one past the last one's end.
    timeline: Vec<u32>,
    steps: Vec<Step>,
}

/// A path's state from `layer` on, until its timeline's next step.
#[derive(Debug, Clone, Copy)]
struct Step {
    layer: u32,
    /// `ABSENT`, or which object the path is, shifted left once, with the low bit set for a
    /// directory. Two states of a path are the same object (unmodified between them) exactly
    /// when they hold the same number: `MergedTree::compare`'s rule, numbered once.
    object: u32,
    /// A file's size (0 for anything else).
    size: u64,
}

const ABSENT: u32 = 0;

/// `NodeFacts::first` for a node the merged tree decides.
const ASK: u32 = u32::MAX;

/// `NodeFacts::first`'s mark for a node with a timeline.
const TIMELINE: u32 = 1 << 31;

/// A mark on a node's change while its children are added in: one of them changed.
const DIRTY: u8 = 0x80;

impl NodeFacts {
    pub fn new(tree: &MergedTree) -> NodeFacts {
        let n = tree.node_count();
        let mut facts = NodeFacts::asking(tree);
        let mut layers = Vec::new();
        // One object per distinct entry of the node being numbered (implied directories are 1).
        let mut objects: Vec<EntryRef> = Vec::new();
        for id in 1..n as NodeId {
            let i = id as usize;
            let Some(o) = tree.sole_origin(id) else {
                let k = facts.timeline.len() - 1;
                if k as u32 >= ASK & !TIMELINE {
                    continue;
                }
                tree.turning_layers(id, &mut layers);
                objects.clear();
                let mut last = ABSENT;
                for &l in &layers {
                    let (object, size) = match tree.visible(id, l) {
                        None => (ABSENT, 0),
                        Some(o) => match tree.entry(o) {
                            None => ((1 << 1) | 1, 0),
                            Some(e) => {
                                let nth = match objects.iter().position(|x| x.same_object(&e)) {
                                    Some(nth) => nth,
                                    None => {
                                        objects.push(e);
                                        objects.len() - 1
                                    }
                                };
                                let dir = u32::from(e.kind == EntryKind::Dir);
                                let size = if e.kind == EntryKind::File { e.size } else { 0 };
                                (((nth as u32 + 2) << 1) | dir, size)
                            }
                        },
                    };
                    if object != last {
                        last = object;
                        facts.steps.push(Step {
                            layer: l as u32,
                            object,
                            size,
                        });
                    }
                }
                facts.first[i] = TIMELINE | k as u32;
                facts.timeline.push(facts.steps.len() as u32);
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

    /// Facts that know nothing: every node is asked of the merged tree. [`NodeFacts::new`]
    /// fills them in; the tests use them as the oracle.
    fn asking(tree: &MergedTree) -> NodeFacts {
        let n = tree.node_count();
        NodeFacts {
            first: vec![ASK; n],
            size: vec![0; n],
            dir: vec![false; n],
            parent: (0..n as NodeId).map(|id| tree.parent(id)).collect(),
            timeline: vec![0],
            steps: Vec::new(),
        }
    }

    /// The facts by position in `index`'s name order, each parent as a position: a view's
    /// pass then reads them front to back, and adds each node into a parent it saw last.
    pub fn in_order(self, index: &PathIndex) -> NodeFacts {
        let nodes = &index.preorder().nodes;
        let positions = index.positions();
        NodeFacts {
            first: nodes.iter().map(|&k| self.first[k as usize]).collect(),
            size: nodes.iter().map(|&k| self.size[k as usize]).collect(),
            dir: nodes.iter().map(|&k| self.dir[k as usize]).collect(),
            parent: nodes
                .iter()
                .map(|&k| positions[self.parent[k as usize] as usize])
                .collect(),
            timeline: self.timeline,
            steps: self.steps,
        }
    }

    /// Each node's parent's position, by position (after [`NodeFacts::in_order`]).
    pub(super) fn parents(&self) -> &[u32] {
        &self.parent
    }

    /// The `k`th timeline's state after `layer` (`None`: absent).
    fn state(&self, k: u32, layer: u32) -> Option<Step> {
        let k = k as usize;
        let steps = &self.steps[self.timeline[k] as usize..self.timeline[k + 1] as usize];
        steps
            .iter()
            .rev()
            .find(|s| s.layer <= layer)
            .filter(|s| s.object != ABSENT)
            .copied()
    }
}

/// The fewest nodes whose view is computed on two threads.
const SPLIT_MIN: usize = 1 << 17;

/// What one pass over the positions reads.
struct Pass<'a> {
    tree: &'a MergedTree,
    facts: &'a NodeFacts,
    index: &'a PathIndex,
    layer: usize,
    from: Option<usize>,
}

impl Pass<'_> {
    /// Decides the nodes at `range`, last first, into `change` and `size`, which start at
    /// position `base`: each node's code and size (its children's added in before it), added
    /// into its parent, or handed to `hand` (parent, size, changed) when the parent lies
    /// before `base`.
    fn run(
        &self,
        range: std::ops::Range<usize>,
        base: usize,
        change: &mut [u8],
        size: &mut [u64],
        mut hand: impl FnMut(usize, u64, bool),
    ) {
        let (facts, tree, index) = (self.facts, self.tree, self.index);
        let (from, layer) = (self.from, self.layer);
        let (layer32, from32) = (layer as u32, from.map(|f| f as u32));
        let unmodified = encode(Some(Change::Unmodified));
        for i in range.rev() {
            let first = facts.first[i];
            let (own, own_size, own_dir) = if first & TIMELINE == 0 {
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
            } else if first != ASK {
                let k = first & !TIMELINE;
                let before = from32.and_then(|f| facts.state(k, f));
                let (c, at) = match (before, facts.state(k, layer32)) {
                    (None, None) => continue,
                    (None, Some(a)) => (Change::Added, a),
                    (Some(b), None) => (Change::Removed, b),
                    (Some(b), Some(a)) if b.object == a.object => (Change::Unmodified, a),
                    (Some(_), Some(a)) => (Change::Modified, a),
                };
                (c, at.size, at.object & 1 == 1)
            } else {
                let (c, before, after) = tree.compare(index.node(i), from, layer);
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
            if c == unmodified && change[i - base] & DIRTY != 0 {
                c = encode(Some(Change::Modified));
            }
            change[i - base] = if own_dir { c | DIR } else { c };
            size[i - base] += own_size;
            let p = facts.parent[i] as usize;
            if p < base {
                hand(p, size[i - base], c != unmodified);
                continue;
            }
            size[p - base] += size[i - base];
            if c != unmodified {
                change[p - base] |= DIRTY;
            }
        }
    }
}

/// Adds in what the later half of a cut pass handed to nodes before the cut: along the path
/// from the cut's parent up to the root (only those hold a later-half child), the sizes and
/// the changed marks, and from each node present, its own growth and (when it turns from
/// unmodified to modified) its mark to its parent, as one pass would have.
///
/// `handed` is in the order the later half handed it, one entry per ancestor at most, the
/// root's first: walking back from the end, the last positions are the root's later
/// children, and each ancestor's later children follow its child on the path's subtree.
fn add_above(
    parent: &[u32],
    cut: usize,
    handed: &[(usize, u64, bool)],
    change: &mut [u8],
    size: &mut [u64],
) {
    let mut handed = handed.iter().rev().peekable();
    let unmodified = encode(Some(Change::Unmodified));
    let (mut grew, mut dirty) = (0u64, false);
    let mut a = parent[cut] as usize;
    loop {
        let (h_size, h_dirty) = handed
            .next_if(|h| h.0 == a)
            .map_or((0, false), |&(_, sz, d)| (sz, d));
        let (add, marked) = (grew + h_size, dirty || h_dirty);
        size[a] += add;
        if a == 0 {
            if marked {
                change[0] |= DIRTY;
            }
            break;
        }
        if change[a] & CHANGE == 0 {
            // On neither side: nothing of it reaches its parent.
            change[a] |= if marked { DIRTY } else { 0 };
            (grew, dirty) = (0, false);
        } else {
            let turns = marked && change[a] & CHANGE == unmodified;
            if turns {
                change[a] = (change[a] & !CHANGE) | encode(Some(Change::Modified));
            }
            (grew, dirty) = (add, turns);
        }
        a = parent[a] as usize;
    }
}

impl LayerView {
    /// Computes the view of `layer` in `mode` from `facts` ([`NodeFacts::in_order`] over
    /// `index`), in one pass from the last position to the first: in pre-order, a node's
    /// children are done (and added into it) before the node itself.
    pub fn compute(
        tree: &MergedTree,
        facts: &NodeFacts,
        index: &PathIndex,
        layer: usize,
        mode: CompareMode,
        reuse: Option<Buffers>,
    ) -> LayerView {
        Self::compute_split(tree, facts, index, layer, mode, reuse, None)
    }

    /// [`LayerView::compute`], its pass cut in two at position `split` (`None`: at the
    /// middle when it is worth a thread, else not cut).
    fn compute_split(
        tree: &MergedTree,
        facts: &NodeFacts,
        index: &PathIndex,
        layer: usize,
        mode: CompareMode,
        reuse: Option<Buffers>,
        split: Option<usize>,
    ) -> LayerView {
        let from = match mode {
            CompareMode::Layer => layer.checked_sub(1),
            CompareMode::Aggregated => (layer > 0).then_some(0),
        };
        let n = index.len();
        // A dropped view's arrays, when there is one: the same bytes, without asking the
        // system for fresh pages (and faulting each in).
        let (mut change, mut size) = reuse.unwrap_or_default();
        change.clear();
        change.resize(n, NONE);
        size.clear();
        size.resize(n, 0);
        let pass = Pass {
            tree,
            facts,
            index,
            layer,
            from,
        };
        // Two halves at once when there are cores and nodes enough: the later half's nodes
        // whose parents lie in the earlier half hand their part in, and it is added along
        // the path above the cut afterwards.
        let cut = match split {
            Some(c) => c.clamp(1, n.max(1)),
            None if n >= SPLIT_MIN
                && std::thread::available_parallelism().is_ok_and(|c| c.get() > 1) =>
            {
                n / 2
            }
            None => n.max(1),
        };
        if cut >= n {
            pass.run(1..n, 0, &mut change, &mut size, |_, _, _| {});
        } else {
            let (change_a, change_b) = change.split_at_mut(cut);
            let (size_a, size_b) = size.split_at_mut(cut);
            // (parent, size, changed), one entry per run of children of one parent: a
            // parent's later children are consecutive, so it is about one per ancestor.
            let mut handed: Vec<(usize, u64, bool)> = Vec::new();
            std::thread::scope(|s| {
                let later = s.spawn(|| {
                    pass.run(cut..n, cut, change_b, size_b, |p, sz, dirty| {
                        match handed.last_mut() {
                            Some(h) if h.0 == p => {
                                h.1 += sz;
                                h.2 |= dirty;
                            }
                            _ => handed.push((p, sz, dirty)),
                        }
                    })
                });
                pass.run(1..cut, 0, change_a, size_a, |_, _, _| {});
                later
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
            });
            add_above(&facts.parent, cut, &handed, &mut change, &mut size);
        }
        let unmodified = encode(Some(Change::Unmodified));
        if n > 0 {
            // Position 0 is the root.
            change[0] = if change[0] & DIRTY != 0 {
                encode(Some(Change::Modified))
            } else {
                unmodified
            } | DIR;
        }
        // A node on neither side may still carry its children's mark.
        for c in change.iter_mut() {
            if *c & DIRTY != 0 {
                *c = NONE;
            }
        }
        LayerView {
            layer,
            mode,
            code: change,
            size,
            positions: index.positions().clone(),
            sorted: Mutex::default(),
        }
    }

    /// The children of the directory at position `p`, largest first (ties in name order),
    /// sorted once per view.
    pub(super) fn sorted_children(&self, index: &PathIndex, p: usize) -> Arc<[u32]> {
        let mut sorted = self.sorted.lock().unwrap_or_else(PoisonError::into_inner);
        sorted
            .entry(p as u32)
            .or_insert_with(|| super::flatten::sorted_children(index, self, p))
            .clone()
    }

    /// The view's arrays, for the next view to fill.
    pub(super) fn into_buffers(self) -> Buffers {
        (self.code, self.size)
    }

    /// Each node's code, in the [`PathIndex`]'s name order.
    pub(super) fn codes(&self) -> &[u8] {
        &self.code
    }

    /// The code of the node at a position.
    pub(super) fn code_at(&self, pos: usize) -> u8 {
        self.code[pos]
    }

    /// The size of the node at a position.
    pub(super) fn size_at(&self, pos: usize) -> u64 {
        self.size[pos]
    }

    fn pos(&self, id: NodeId) -> Option<usize> {
        let p = *self.positions.get(id as usize)?;
        (p != NO_POS).then_some(p as usize)
    }

    /// The change shown for a node, `None` when it is on neither side.
    pub fn change(&self, id: NodeId) -> Option<Change> {
        self.pos(id).and_then(|p| decode(self.code[p]))
    }

    /// A file's size or a directory's total.
    pub fn size(&self, id: NodeId) -> u64 {
        self.pos(id).map_or(0, |p| self.size[p])
    }

    pub fn is_dir(&self, id: NodeId) -> bool {
        self.pos(id).is_some_and(|p| self.code[p] & DIR != 0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analysis::testing::{arb_layers, file, image};
    use crate::index::{EntryKind, ROOT};

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

    fn facts_of(v: &LayerView) -> (Vec<u8>, Vec<u64>) {
        (v.code.clone(), v.size.clone())
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
            let index = PathIndex::new(tree);
            let facts = NodeFacts::new(tree).in_order(&index);
            let ask = NodeFacts::asking(tree).in_order(&index);
            for layer in 0..tree.layer_count() {
                for mode in [CompareMode::Layer, CompareMode::Aggregated] {
                    let view = LayerView::compute(tree, &facts, &index, layer, mode, None);
                    prop_assert_eq!(
                        facts_of(&view),
                        facts_of(&LayerView::compute(tree, &ask, &index, layer, mode, None))
                    );
                    // By node id, each node is the merged tree's answer.
                    for id in 1..tree.node_count() as NodeId {
                        let (c, _, _) = tree.compare(id, match mode {
                            CompareMode::Layer => layer.checked_sub(1),
                            CompareMode::Aggregated => (layer > 0).then_some(0),
                        }, layer);
                        let shown = view.change(id);
                        // A path whose contents changed shows as modified.
                        let expected = match (c, shown) {
                            (Some(Change::Unmodified), Some(Change::Modified)) => shown,
                            _ => c,
                        };
                        prop_assert_eq!(shown, expected);
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// A view computed in two halves, cut at any position, is the view computed in one
        /// pass: sizes, codes, marks of changed contents, at every layer in both modes.
        #[test]
        fn a_cut_pass_is_the_whole_pass(layers in arb_layers(&NAMES, 4, &KINDS, 12, 5)) {
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let tree = &img.tree;
            let index = PathIndex::new(tree);
            let facts = NodeFacts::new(tree).in_order(&index);
            for layer in 0..tree.layer_count() {
                for mode in [CompareMode::Layer, CompareMode::Aggregated] {
                    let whole = LayerView::compute_split(
                        tree, &facts, &index, layer, mode, None, Some(index.len()),
                    );
                    for cut in 1..index.len() {
                        let halves = LayerView::compute_split(
                            tree, &facts, &index, layer, mode, None, Some(cut),
                        );
                        prop_assert_eq!(facts_of(&halves), facts_of(&whole), "cut at {}", cut);
                    }
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
        let index = PathIndex::new(tree);
        let facts = NodeFacts::new(tree);
        let id = |p: &str| tree.find(p.as_bytes()).unwrap() as usize;
        // a/x and c/y once each (and their implied directories); b twice: asked.
        assert_eq!(facts.first[id("a/x")], 0);
        assert_eq!(facts.size[id("a/x")], 5);
        assert!(facts.dir[id("a")]);
        assert_eq!(facts.first[id("c/y")], 1);
        assert_eq!(facts.first[id("b")], TIMELINE);
        // b: a file of 7 bytes from layer 0, another object of 9 from layer 1.
        assert_eq!(
            facts.state(0, 0).map(|s| (s.object, s.size)),
            Some((2 << 1, 7))
        );
        assert_eq!(
            facts.state(0, 1).map(|s| (s.object, s.size)),
            Some((3 << 1, 9))
        );
        let facts = facts.in_order(&index);
        let v = LayerView::compute(tree, &facts, &index, 1, CompareMode::Layer, None);
        assert_eq!(v.change(id("a/x") as NodeId), Some(Change::Unmodified));
        assert_eq!(v.change(id("c/y") as NodeId), Some(Change::Added));
        assert_eq!(v.change(id("b") as NodeId), Some(Change::Modified));
        assert_eq!(v.size(ROOT), 5 + 9 + 4);
        let v0 = LayerView::compute(tree, &facts, &index, 0, CompareMode::Layer, None);
        assert_eq!(v0.change(id("c/y") as NodeId), None);
    }
}
