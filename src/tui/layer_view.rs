//! A layer's view: per-node facts (the change shown, size, is-dir) for one (layer, compare
//! mode), as flat arrays indexed by [`NodeId`] and computed from the merged tree. **No per-layer
//! tree copy**: a view costs about 10 bytes a node, and [`super::tree::FileTree`] keeps a few.

use std::sync::OnceLock;

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
    size_order: OnceLock<Vec<u32>>,
}

impl LayerView {
    /// Computes the view of `layer` in `mode`. Node ids grow from parents to children, so one
    /// backward pass adds children into parents.
    pub fn compute(tree: &MergedTree, layer: usize, mode: CompareMode) -> LayerView {
        let from = match mode {
            CompareMode::Layer => layer.checked_sub(1),
            CompareMode::Aggregated => (layer > 0).then_some(0),
        };
        let n = tree.node_count();
        let mut change = vec![NONE; n];
        let mut size = vec![0u64; n];
        let mut dir = vec![false; n];
        for id in 1..n as NodeId {
            let i = id as usize;
            let c = tree.change_between(id, from, layer);
            change[i] = encode(c);
            let at = match c {
                None => continue,
                Some(Change::Removed) => from.unwrap_or(layer),
                Some(_) => layer,
            };
            if let Some(o) = tree.visible(id, at) {
                match tree.entry(o) {
                    None => dir[i] = true,
                    Some(e) if e.kind == EntryKind::Dir => dir[i] = true,
                    Some(e) if e.kind == EntryKind::File => size[i] = e.size,
                    Some(_) => {}
                }
            }
        }
        change[ROOT as usize] = encode(Some(Change::Unmodified));
        dir[ROOT as usize] = true;
        for id in (1..n as NodeId).rev() {
            let i = id as usize;
            if change[i] == NONE {
                continue;
            }
            let p = tree.parent(id) as usize;
            size[p] += size[i];
            if change[i] != encode(Some(Change::Unmodified))
                && change[p] == encode(Some(Change::Unmodified))
            {
                change[p] = encode(Some(Change::Modified));
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

    /// The index's positions in pre-order with each directory's children largest first
    /// (ties in name order), computed once per view.
    pub fn size_order(&self, index: &PathIndex) -> &[u32] {
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
