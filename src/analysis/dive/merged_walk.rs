//! dive's pass over the merged tree's node ids: no tree per layer, no stack tree, no paths.
//!
//! dive's tree of one layer is the layer's paths and their parents, plus a `.wh.NAME` leaf for
//! each whiteout. Every one of those paths is a node of the merged tree (a whiteout's node is
//! the path it deletes), and the merged tree keeps children in dive's bytewise order, so the
//! layer's children-first walk is the merged tree's children-first order restricted to the
//! layer's nodes, with each whiteout leaf slotted in where its `.wh.` name sorts among its
//! siblings. dive's stack of the layers below is a "present" flag and the info a layer left,
//! per node. Everything is arrays indexed by node id, reused from layer to layer.
//!
//! This holds when no name in the image starts with `.wh.` (a whiteout leaf and a directory
//! of the same name would be one node in dive's tree) and none is `.` or `..` or empty (dive
//! splits and joins those differently): [`applies`] checks, and the caller uses
//! [`super::reference`] for the rest.

use std::collections::HashMap;

use super::{DiveFileRecord, Tally};
use crate::index::{EntryKind, MergedTree, NodeId, ROOT};

/// Whether this walk describes dive's trees for `tree` exactly.
pub(super) fn applies(tree: &MergedTree) -> bool {
    let odd = |name: &[u8]| name.starts_with(b".wh.") || matches!(name, b"" | b"." | b"..");
    (1..tree.node_count() as NodeId).all(|id| !odd(tree.name(id)))
        && tree.layers().iter().all(|layer| {
            layer.iter().all(|e| {
                e.kind != EntryKind::Whiteout || !(e.path.is_empty() || e.path.ends_with(b"/"))
            })
        })
}

/// One node of a layer's dive tree, in the order dive's walk reaches it: 16 bytes, sort key
/// included (a layer of a million paths holds a million of them).
#[derive(Debug, Clone, Copy)]
struct Visit {
    /// The sort key (see [`LayerWalks::walk`]) shifted left by two, [`WHITEOUT`] and [`LEAF`]
    /// below it. Keys shared by two visits are whiteout leaves' only, whose flags are equal, so
    /// the flags never change the order.
    key: u64,
    /// The merged node: the path itself, or for a whiteout leaf the path it deletes.
    id: NodeId,
    /// The layer's entry for this node, the last one when it lists the path twice ([`NONE`]:
    /// none).
    entry: u32,
}

/// A whiteout leaf.
const WHITEOUT: u64 = 1;
/// No child in this layer's tree.
const LEAF: u64 = 2;

impl Visit {
    fn new(key: u64, id: NodeId, whiteout: bool, leaf: bool, entry: u32) -> Visit {
        let flags = if whiteout { WHITEOUT } else { 0 } | if leaf { LEAF } else { 0 };
        Visit {
            key: key << 2 | flags,
            id,
            entry,
        }
    }

    fn whiteout(&self) -> bool {
        self.key & WHITEOUT != 0
    }

    fn leaf(&self) -> bool {
        self.key & LEAF != 0
    }

    fn entry(&self) -> Option<u32> {
        (self.entry != NONE).then_some(self.entry)
    }
}

const NONE: u32 = u32::MAX;

/// The merged tree's children-first order, and per layer the nodes of dive's tree in it.
///
/// Per node it keeps 16 bytes (a million-node image: 16 MB). What only whiteouts need (where
/// a sibling's subtree starts, how deep a parent is) is worked out for the few nodes asked,
/// and remembered, so no node is visited twice for it however hostile the image.
struct LayerWalks<'a> {
    tree: &'a MergedTree,
    /// Each node's position in the merged tree's children-first walk (the root is last).
    post: Vec<u32>,
    /// Per node, the last layer (plus one) that put it in its tree / gave it a child there,
    /// and the entry it carries there.
    in_layer: Vec<u32>,
    has_child: Vec<u32>,
    entry: Vec<u32>,
    /// The position where a node's subtree starts in the walk, for the nodes asked so far.
    first: HashMap<NodeId, u32>,
    /// The depth of a node (the root's is 0), for the nodes asked so far.
    depth: HashMap<NodeId, u32>,
}

impl<'a> LayerWalks<'a> {
    fn new(tree: &'a MergedTree) -> LayerWalks<'a> {
        let n = tree.node_count();
        let mut post = vec![0u32; n];
        let mut position = 0u32;
        // (node, how many of its children were entered)
        let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = *top;
            if let Some(&c) = tree.children(id).get(next) {
                top.1 += 1;
                stack.push((c, 0));
                continue;
            }
            post[id as usize] = position;
            position += 1;
            stack.pop();
        }
        LayerWalks {
            tree,
            post,
            in_layer: vec![0; n],
            has_child: vec![0; n],
            entry: vec![NONE; n],
            first: HashMap::new(),
            depth: HashMap::new(),
        }
    }

    /// Where `id`'s subtree starts in the walk: the position of its first leaf (down the
    /// first children). Every node on the way shares that leaf, so each is remembered.
    fn first(&mut self, id: NodeId) -> u32 {
        if let Some(&at) = self.first.get(&id) {
            return at;
        }
        let mut chain = vec![id];
        let mut at = None;
        while let Some(&c) = self.tree.children(chain[chain.len() - 1]).first() {
            if let Some(&known) = self.first.get(&c) {
                at = Some(known);
                break;
            }
            chain.push(c);
        }
        let at = at.unwrap_or_else(|| self.post[chain[chain.len() - 1] as usize]);
        self.first.extend(chain.into_iter().map(|n| (n, at)));
        at
    }

    /// `id`'s depth (the root's is 0); every ancestor on the way is remembered.
    fn depth(&mut self, id: NodeId) -> u32 {
        let mut chain = Vec::new();
        let mut a = id;
        let mut depth = loop {
            if a == ROOT {
                break 0;
            }
            if let Some(&d) = self.depth.get(&a) {
                break d;
            }
            chain.push(a);
            a = self.tree.parent(a);
        };
        for &n in chain.iter().rev() {
            depth += 1;
            self.depth.insert(n, depth);
        }
        depth
    }

    /// Puts `id` and its missing ancestors in layer `stamp`'s tree.
    fn add_with_parents(&mut self, mut id: NodeId, stamp: u32, nodes: &mut Vec<NodeId>) {
        while id != ROOT && self.in_layer[id as usize] != stamp {
            self.in_layer[id as usize] = stamp;
            self.entry[id as usize] = NONE;
            nodes.push(id);
            id = self.tree.parent(id);
            self.has_child[id as usize] = stamp;
        }
    }

    /// Layer `li`'s dive tree, every node but the root, children first in name order.
    fn walk(&mut self, li: usize) -> Vec<Visit> {
        self.walk_by(li, None)
    }

    /// [`LayerWalks::walk`], its nodes put in order by a descent of the merged tree or by a
    /// sort as `descent` says, else as [`LayerWalks::by_descent`] finds cheaper.
    fn walk_by(&mut self, li: usize, descent: Option<bool>) -> Vec<Visit> {
        let tree = self.tree;
        let stamp = li as u32 + 1;
        let layer = tree.layer(li);
        // Whiteouts as (node, entry), in the layer's order.
        let (mut nodes, mut whiteouts) = (Vec::new(), Vec::<(NodeId, u32)>::new());
        for (ei, id) in tree.layer_entries(li) {
            match layer.entry(ei).kind {
                EntryKind::Opaque => {}
                EntryKind::Whiteout => {
                    whiteouts.push((id, ei as u32));
                    let parent = tree.parent(id);
                    self.add_with_parents(parent, stamp, &mut nodes);
                    self.has_child[parent as usize] = stamp;
                }
                _ => {
                    self.add_with_parents(id, stamp, &mut nodes);
                    self.entry[id as usize] = ei as u32;
                }
            }
        }
        // One leaf per whited-out path, carrying the layer's last whiteout of it (the sort is
        // stable: a path's whiteouts stay in the layer's order).
        whiteouts.sort_by_key(|&(id, _)| id);
        whiteouts.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = later.1;
            }
            same
        });
        // Sort keys: a node at position p is 2p + 1; a whiteout leaf goes in the gap before
        // position g (2g), where g is the start of the first sibling whose name sorts after
        // its `.wh.` name, or its parent's own position when none does. Gaps nest: a gap can
        // open several subtrees at once, and an outer sibling's whiteout comes first.
        let mut leaves: Vec<Visit> = Vec::with_capacity(whiteouts.len());
        for &(id, ei) in &whiteouts {
            let parent = tree.parent(id);
            let siblings = tree.children(parent);
            let name = tree.name(id);
            let after = siblings.partition_point(|&s| {
                tree.name(s).iter().cmp(b".wh.".iter().chain(name)) == std::cmp::Ordering::Less
            });
            let gap = match siblings.get(after) {
                Some(&s) => self.first(s),
                None => self.post[parent as usize],
            };
            self.depth(parent);
            leaves.push(Visit::new(2 * u64::from(gap), id, true, true, ei));
        }
        let depth = &self.depth;
        let depth_of = |id: NodeId| match id {
            ROOT => 0,
            _ => depth.get(&id).copied().unwrap_or(0),
        };
        let in_order = |a: &Visit, b: &Visit| {
            a.key.cmp(&b.key).then_with(|| {
                // Only whiteout leaves share a key: outer parents first, then by name.
                let (pa, pb) = (tree.parent(a.id), tree.parent(b.id));
                depth_of(pa)
                    .cmp(&depth_of(pb))
                    .then_with(|| tree.name(a.id).cmp(tree.name(b.id)))
            })
        };
        if !descent.unwrap_or_else(|| self.by_descent(stamp, &nodes)) {
            let mut keyed: Vec<Visit> = nodes.iter().map(|&id| self.visit(id, stamp)).collect();
            keyed.append(&mut leaves);
            keyed.sort_unstable_by(in_order);
            return keyed;
        }
        // The nodes come out of the descent in key order; the leaves, sorted apart, are
        // merged in (no node's key equals a leaf's: one is odd, the other even).
        leaves.sort_unstable_by(in_order);
        let mut keyed = Vec::with_capacity(nodes.len() + leaves.len());
        let mut leaves = leaves.into_iter().peekable();
        self.descend(stamp, |walks, id| {
            let v = walks.visit(id, stamp);
            while let Some(leaf) = leaves.next_if(|l| l.key < v.key) {
                keyed.push(leaf);
            }
            keyed.push(v);
        });
        keyed.extend(leaves);
        keyed
    }

    /// The visit of node `id` in layer `stamp`'s tree.
    fn visit(&self, id: NodeId, stamp: u32) -> Visit {
        Visit::new(
            2 * u64::from(self.post[id as usize]) + 1,
            id,
            false,
            self.has_child[id as usize] != stamp,
            self.entry[id as usize],
        )
    }

    /// Whether layer `stamp`'s `nodes` are better put in order by a descent of the merged
    /// tree ([`LayerWalks::descend`]) than by sorting: the descent reads every child of the
    /// layer's directories, the layer's or not, which a layer adding a few files to a large
    /// directory would pay for at each layer. It is taken while it reads at most 16 children
    /// per node of the layer (a sort compares about log2 of the count per node).
    fn by_descent(&self, stamp: u32, nodes: &[NodeId]) -> bool {
        const READS_PER_NODE: usize = 16;
        let budget = nodes.len().saturating_mul(READS_PER_NODE);
        let mut reads = self.tree.children(ROOT).len();
        for &id in nodes {
            if self.has_child[id as usize] == stamp {
                reads += self.tree.children(id).len();
                if reads > budget {
                    return false;
                }
            }
        }
        reads <= budget
    }

    /// Calls `f` with every node of layer `stamp`'s tree but the root, children first in
    /// name order, which is the order of their positions in the merged walk: the merged
    /// tree's children-first walk, going only into the layer's nodes.
    fn descend(&self, stamp: u32, mut f: impl FnMut(&Self, NodeId)) {
        let tree = self.tree;
        // (directory, how many of its children were looked at)
        let mut stack: Vec<(NodeId, usize)> = vec![(ROOT, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = *top;
            let kids = tree.children(id);
            let found = kids[next..]
                .iter()
                .position(|&c| self.in_layer[c as usize] == stamp);
            match found {
                Some(i) => {
                    top.1 = next + i + 1;
                    let c = kids[next + i];
                    if self.has_child[c as usize] == stamp {
                        stack.push((c, 0));
                    } else {
                        f(self, c);
                    }
                }
                None => {
                    stack.pop();
                    if id != ROOT {
                        f(self, id);
                    }
                }
            }
        }
    }
}

/// dive's stack of the layers walked so far: which paths exist, and the size and kind the
/// last layer to add each one gave it (a path added only as a parent has size 0 and is no
/// directory, which is all its absent info ever counts for).
struct Stacked {
    present: Vec<bool>,
    size: Vec<i64>,
    dir: Vec<bool>,
}

impl Stacked {
    fn new(n: usize) -> Stacked {
        let mut present = vec![false; n];
        present[ROOT as usize] = true;
        Stacked {
            present,
            size: vec![0; n],
            dir: vec![false; n],
        }
    }

    /// dive's `Stack` of one layer's tree onto this one: whiteouts remove, others add.
    fn stack(&mut self, tree: &MergedTree, li: usize, walk: &[Visit]) {
        let layer = tree.layer(li);
        for v in walk {
            if v.whiteout() {
                if self.present[tree.parent(v.id) as usize] && self.present[v.id as usize] {
                    self.remove(tree, v.id);
                }
                continue;
            }
            let mut a = v.id;
            while !self.present[a as usize] {
                self.present[a as usize] = true;
                self.size[a as usize] = 0;
                self.dir[a as usize] = false;
                a = tree.parent(a);
            }
            let (size, dir) = v.entry().map_or((0, false), |e| {
                let e = layer.entry(e as usize);
                (e.size as i64, e.kind == EntryKind::Dir)
            });
            self.size[v.id as usize] = size;
            self.dir[v.id as usize] = dir;
        }
    }

    /// Present nodes of the subtree at `id`, `id` included.
    fn subtree(&self, tree: &MergedTree, id: NodeId, f: &mut dyn FnMut(NodeId)) {
        let mut todo = vec![id];
        while let Some(n) = todo.pop() {
            f(n);
            todo.extend(
                tree.children(n)
                    .iter()
                    .filter(|&&c| self.present[c as usize]),
            );
        }
    }

    fn remove(&mut self, tree: &MergedTree, id: NodeId) {
        let mut gone = Vec::new();
        self.subtree(tree, id, &mut |n| gone.push(n));
        for n in gone {
            self.present[n as usize] = false;
        }
    }

    fn subtree_size(&self, tree: &MergedTree, id: NodeId) -> i64 {
        let mut total = 0;
        self.subtree(tree, id, &mut |n| total += self.size[n as usize]);
        total
    }
}

/// Per node, dive's tally and whether it has one (a tally that never got a size still counts:
/// its min stays -1). A path tallied once has its cumulative size equal to its min, so only
/// paths tallied twice or more (the inefficient ones, few) keep it apart: 13 bytes a node
/// instead of the 25 of a `Tally` and a flag.
struct Tallies {
    on: Vec<bool>,
    count: Vec<u32>,
    min: Vec<i64>,
    cum: HashMap<NodeId, i64>,
}

impl Tallies {
    fn new(n: usize) -> Tallies {
        Tallies {
            on: vec![false; n],
            count: vec![Tally::NEW.count; n],
            min: vec![Tally::NEW.min; n],
            cum: HashMap::new(),
        }
    }

    fn get(&self, id: NodeId) -> Tally {
        let (count, min) = (self.count[id as usize], self.min[id as usize]);
        let cum = match count {
            0 => Tally::NEW.cum,
            1 => min,
            _ => self.cum.get(&id).copied().unwrap_or_default(),
        };
        Tally { count, cum, min }
    }

    /// [`Tally::add`] to `id`'s tally.
    fn add(&mut self, id: NodeId, size: i64) -> bool {
        let mut t = self.get(id);
        let inefficient = t.add(size);
        self.count[id as usize] = t.count;
        self.min[id as usize] = t.min;
        if t.count >= 2 {
            self.cum.insert(id, t.cum);
        }
        inefficient
    }
}

/// See [`super::reference::tally`]: the same sums and records, by node id.
pub(super) fn tally(
    tree: &MergedTree,
    excluded: Option<&dyn Fn(&str) -> bool>,
) -> (i64, i64, Vec<DiveFileRecord>) {
    let n = tree.node_count();
    let mut walks = LayerWalks::new(tree);
    let mut stacked = Stacked::new(n);
    let mut tallies = Tallies::new(n);
    let mut inefficient: Vec<NodeId> = Vec::new();
    for li in 0..tree.layer_count() {
        let walk = walks.walk(li);
        if li == 0 {
            // dive looks whiteouts of layers 0 and 1 up in layer 0's own tree.
            stacked.stack(tree, li, &walk);
        }
        let layer = tree.layer(li);
        for v in walk.iter().filter(|v| v.leaf()) {
            tallies.on[v.id as usize] = true;
            let size = if v.whiteout() {
                if !stacked.present[v.id as usize] {
                    // dive stops this layer's walk here, leaving the record at min = -1.
                    break;
                }
                if stacked.dir[v.id as usize] {
                    stacked.subtree_size(tree, v.id)
                } else {
                    0
                }
            } else {
                v.entry().map_or(0, |e| layer.entry(e as usize).size as i64)
            };
            if tallies.add(v.id, size) {
                inefficient.push(v.id);
            }
        }
        if li >= 1 {
            stacked.stack(tree, li, &walk);
        }
    }
    if let Some(excluded) = excluded {
        for (id, t) in tallies.on.iter_mut().enumerate() {
            if *t && excluded(&String::from_utf8_lossy(&tree.path(id as NodeId))) {
                *t = false;
            }
        }
    }
    let (mut min_sum, mut cum_sum) = (0i64, 0i64);
    for id in (0..n as NodeId).filter(|&id| tallies.on[id as usize]) {
        let t = tallies.get(id);
        min_sum += t.min;
        cum_sum += t.cum;
    }
    let inefficient = inefficient
        .into_iter()
        .filter_map(|id| {
            let t = tallies.get(id);
            tallies.on[id as usize].then(|| DiveFileRecord {
                path: format!("/{}", String::from_utf8_lossy(&tree.path(id))),
                count: t.count as usize,
                cumulative_size: t.cum,
                min_size: t.min,
            })
        })
        .collect();
    (min_sum, cum_sum, inefficient)
}

/// See [`super::reference::layer_file_lists`].
pub(super) fn layer_file_lists(tree: &MergedTree) -> Vec<Vec<Option<(usize, usize)>>> {
    let mut walks = LayerWalks::new(tree);
    (0..tree.layer_count())
        .map(|li| {
            walks
                .walk(li)
                .iter()
                .map(|v| v.entry().map(|e| (li, e as usize)))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::analysis::testing::{arb_layers, image};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// A layer's walk is the same whether its nodes are put in order by the descent of the
        /// merged tree or by the sort (whiteout leaves merged in or sorted with them).
        #[test]
        fn descent_and_sort_walk_alike(layers in arb_layers(
            &["a", "b", "-x", ".a", "z~"],
            4,
            &[EntryKind::File, EntryKind::Dir, EntryKind::Whiteout, EntryKind::Opaque],
            12,
            5,
        )) {
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let (mut by_descent, mut by_sort) = (LayerWalks::new(&img.tree), LayerWalks::new(&img.tree));
            for li in 0..img.tree.layer_count() {
                let (a, b) = (by_descent.walk_by(li, Some(true)), by_sort.walk_by(li, Some(false)));
                let key = |v: &Visit| (v.key, v.id, v.entry);
                prop_assert_eq!(a.iter().map(key).collect::<Vec<_>>(), b.iter().map(key).collect::<Vec<_>>());
            }
        }
    }

    /// A layer adding one file to a directory of many is put in order by a sort: a descent
    /// would read every child of the directory. The layer that made them descends.
    #[test]
    fn a_few_files_in_a_large_directory_are_sorted() {
        use crate::analysis::testing::file;
        let many: Vec<_> = (0..100)
            .map(|i| file(&format!("d/f{i:03}"), 1, 0))
            .collect();
        let img = image(
            vec![("RUN a", many), ("RUN b", vec![file("d/new", 1, 0)])],
            None,
        );
        let mut walks = LayerWalks::new(&img.tree);
        let nodes_of = |walks: &mut LayerWalks, li: usize| {
            let mut nodes = Vec::new();
            for (_, id) in img.tree.layer_entries(li) {
                walks.add_with_parents(id, li as u32 + 1, &mut nodes);
            }
            nodes
        };
        let first = nodes_of(&mut walks, 0);
        let second = nodes_of(&mut walks, 1);
        // `d` and its files; then `d/new` and `d`, whose descent reads `d`'s 101 children.
        assert_eq!((first.len(), second.len()), (101, 2));
        assert!(walks.by_descent(1, &first));
        assert!(!walks.by_descent(2, &second));
    }

    /// A tally read back from the three arrays is the `Tally` that the same sizes build.
    #[test]
    fn tallies_keep_only_the_cumulative_sizes_that_differ_from_the_min() {
        let mut tallies = Tallies::new(3);
        let mut tally = [Tally::NEW; 3];
        for (id, size) in [(1, 40), (2, 7), (2, 0), (2, 30)] {
            assert_eq!(tallies.add(id, size), tally[id as usize].add(size));
        }
        for id in 0..3 {
            let (a, b) = (tallies.get(id), tally[id as usize]);
            assert_eq!((a.count, a.cum, a.min), (b.count, b.cum, b.min));
        }
        assert_eq!(
            (tallies.get(0).cum, tallies.get(0).min, tallies.get(2).cum),
            (0, -1, 37)
        );
        // Only the path tallied more than once keeps its cumulative size apart.
        assert_eq!(tallies.cum.len(), 1);
    }

    /// The flags sit below the key: they never reorder two keys, and read back as set.
    #[test]
    fn a_visit_is_16_bytes_and_keeps_its_key_order() {
        assert_eq!(std::mem::size_of::<Visit>(), 16);
        let keys = [0u64, 1, 2, 3, 2 * u64::from(u32::MAX) + 1];
        for (i, &a) in keys.iter().enumerate() {
            for &b in &keys[i + 1..] {
                for fa in [false, true] {
                    for fb in [false, true] {
                        assert!(
                            Visit::new(a, 0, fa, fb, NONE).key < Visit::new(b, 0, fb, fa, 7).key
                        );
                    }
                }
            }
        }
        let v = Visit::new(5, 9, true, false, 3);
        assert_eq!(
            (v.whiteout(), v.leaf(), v.entry(), v.id),
            (true, false, Some(3), 9)
        );
        let v = Visit::new(5, 9, false, true, NONE);
        assert_eq!((v.whiteout(), v.leaf(), v.entry()), (false, true, None));
    }
}
