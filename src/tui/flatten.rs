//! Listing the tree pane's rows without listing them all. One reverse pass over the
//! [`PathIndex`]'s positions counts the rows each subtree shows ([`Shown::count`]); with
//! those counts, the rows of a scroll window, a node's row and the row count are each found
//! by walking down from the root, skipping every subtree before them by its count. The order
//! walked is the name order or a view's size order (another pre-order of the same positions);
//! the counts do not depend on it.
//!
//! A directory that does not match by itself is shown only as the way to a match below it;
//! a collapsed one is shown only while something below it is. **The rows are exactly those
//! of a depth-first walk over the merged tree's children** (the property test in
//! `tree_reference.rs` holds the two equal).

use super::layer_view::{decode, LayerView, CHANGE, DIR};
use super::path_index::{PathIndex, NO_POS};
use super::tree::{ChangeFilter, Collapsed, Row, WindowRow};
use crate::index::NodeId;

/// A pre-order of the merged tree's nodes: the node at each place and one past the last
/// place of its subtree. The [`PathIndex`] holds the name order; a view its size order.
#[derive(Debug, Default)]
pub struct Preorder {
    pub nodes: Vec<NodeId>,
    pub end: Vec<u32>,
    /// A view's size order only: the [`PathIndex`] position of the node at each place (empty
    /// in the name order, where places are positions).
    pub pos: Vec<u32>,
}

impl Preorder {
    /// The [`PathIndex`] position of the node at place `q`.
    fn pos(&self, q: usize) -> usize {
        if self.pos.is_empty() {
            q
        } else {
            self.pos[q] as usize
        }
    }

    fn end(&self, q: usize) -> usize {
        self.end[q] as usize
    }
}

/// What decides which nodes are shown, borrowed for one count. Arrays are by position.
pub(super) struct Shown<'a> {
    pub nodes: &'a [NodeId],
    /// Each node's [`LayerView`] code.
    pub codes: &'a [u8],
    /// Each node's parent's position.
    pub parent: &'a [u32],
    pub show: ChangeFilter,
    /// Per position, whether the path filter matches (`None`: no filter).
    pub filter: Option<&'a [bool]>,
    /// Per node id, whether it is in the set the tree is limited to.
    pub only: Option<&'a [bool]>,
    pub collapsed: &'a Collapsed,
}

impl Shown<'_> {
    /// Fills `counts` (by position) with the rows each subtree shows: 0 when its node has no
    /// row, 1 for a file or a collapsed directory, else 1 and its children's. The root's is
    /// the row count (it has no row of its own), which is returned.
    ///
    /// One pass from the last position to the first: a node's children are counted (and
    /// added into its slot) before the node.
    pub fn count(&self, counts: &mut Vec<u32>) -> usize {
        let n = self.codes.len();
        counts.clear();
        counts.resize(n, 0);
        if n == 0 {
            return 0;
        }
        // Whether each change kind is shown, by its code.
        let mut shows = [false; (CHANGE + 1) as usize];
        for (i, s) in shows.iter_mut().enumerate() {
            *s = decode(i as u8).is_some_and(|c| self.show.shows(c));
        }
        if self.only.is_none() && self.collapsed.is_empty() {
            // The common case, without a branch that depends on the node: what a node counts
            // is arithmetic on its code, its filter bit and its children's count.
            for i in (1..n).rev() {
                let code = self.codes[i];
                let present = u32::from(code & CHANGE != 0);
                let self_match =
                    u32::from(shows[(code & CHANGE) as usize] && self.filter.is_none_or(|f| f[i]));
                let below = counts[i];
                let dir = u32::from(code & DIR != 0);
                let dir_count = (1 + below) * (self_match | u32::from(below != 0));
                let v = present * (dir * dir_count + (1 - dir) * self_match);
                counts[i] = v;
                counts[self.parent[i] as usize] += v;
            }
            return counts[0] as usize;
        }
        for i in (1..n).rev() {
            let code = self.codes[i];
            let v = if code & CHANGE == 0 {
                0
            } else {
                let k = self.nodes[i];
                let self_match = shows[(code & CHANGE) as usize]
                    && self.filter.is_none_or(|f| f[i])
                    && self
                        .only
                        .is_none_or(|o| o.get(k as usize).copied().unwrap_or(false));
                if code & DIR == 0 {
                    u32::from(self_match)
                } else {
                    let below = counts[i];
                    if !self_match && below == 0 {
                        0
                    } else if self.collapsed.contains(k) {
                        1
                    } else {
                        1 + below
                    }
                }
            };
            counts[i] = v;
            counts[self.parent[i] as usize] += v;
        }
        counts[0] as usize
    }
}

/// The rows, read from the counts in one order. Walks only what leads to the rows asked for.
pub(super) struct Listing<'a> {
    pub order: &'a Preorder,
    /// Each node's [`LayerView`] code, by position.
    pub codes: &'a [u8],
    /// [`Shown::count`]'s counts, by position.
    pub counts: &'a [u32],
    /// Each node's parent's position, by position.
    pub parent: &'a [u32],
    /// Each node's position, by node id.
    pub positions: &'a [u32],
    pub collapsed: &'a Collapsed,
    /// How many rows.
    pub total: usize,
}

/// A directory whose children are being listed.
struct Open {
    /// Where its subtree ends, in the order's places.
    end: usize,
    /// Its row (`u32::MAX` for the root), the parent of its children's rows.
    row: u32,
    /// Whether it is its parent's last shown child.
    last: bool,
}

impl Listing<'_> {
    fn count_at(&self, q: usize) -> usize {
        self.counts[self.order.pos(q)] as usize
    }

    /// The first place from `q` (a child's) up to `end` whose node has a row, skipping from
    /// sibling to sibling.
    fn next_shown(&self, mut q: usize, end: usize) -> Option<usize> {
        while q < end {
            if self.count_at(q) > 0 {
                return Some(q);
            }
            q = self.order.end(q);
        }
        None
    }

    /// Up to `count` rows from row `start` on, each with its index and tree guides.
    pub fn rows_from(&self, start: usize, count: usize) -> Vec<WindowRow> {
        let mut out = Vec::new();
        let n = self.order.nodes.len();
        if count == 0 || start >= self.total || n == 0 {
            return out;
        }
        let mut stack = vec![Open {
            end: n,
            row: u32::MAX,
            last: true,
        }];
        // Down to row `start`: past every subtree before it, into every one holding it.
        let (mut q, mut index, mut left) = (1, 0, start);
        loop {
            let end = stack.last().map_or(n, |o| o.end);
            let Some(c) = self.next_shown(q, end) else {
                return out;
            };
            let v = self.count_at(c);
            if left >= v {
                left -= v;
                index += v;
                q = self.order.end(c);
                continue;
            }
            if left == 0 {
                q = c;
                break;
            }
            left -= 1;
            stack.push(Open {
                end: self.order.end(c),
                row: index as u32,
                last: self.next_shown(self.order.end(c), end).is_none(),
            });
            index += 1;
            q = c + 1;
        }
        // Then row after row: into an expanded directory, else to the next sibling shown
        // (of the row or of a directory above it).
        loop {
            let Some(top) = stack.last() else {
                return out;
            };
            let next = self.next_shown(self.order.end(q), top.end);
            let p = self.order.pos(q);
            let node = self.order.nodes[q];
            let code = self.codes[p];
            let is_dir = code & DIR != 0;
            let row = Row {
                node,
                parent: top.row,
                depth: (stack.len() - 1) as u32,
                change: decode(code).expect("a node with a row has a change"),
                is_dir,
                collapsed: is_dir && self.collapsed.contains(node),
                last: next.is_none(),
            };
            out.push(WindowRow {
                index,
                row,
                ancestors_last: stack[1..].iter().map(|o| o.last).collect(),
            });
            if out.len() >= count {
                return out;
            }
            index += 1;
            if self.count_at(q) > 1 {
                let end = self.order.end(q);
                stack.push(Open {
                    end,
                    row: (index - 1) as u32,
                    last: next.is_none(),
                });
                q = self
                    .next_shown(q + 1, end)
                    .expect("a count above 1 is a child's");
                continue;
            }
            let mut next = next;
            while next.is_none() {
                let done = stack
                    .pop()
                    .expect("the root is popped only past the last row");
                let Some(top) = stack.last() else {
                    return out;
                };
                next = self.next_shown(done.end, top.end);
            }
            q = next.expect("just found");
        }
    }

    /// The row of `node`, if it has one.
    pub fn row_of(&self, node: NodeId) -> Option<usize> {
        let p = *self.positions.get(node as usize)?;
        if p == NO_POS || p == 0 || self.counts[p as usize] == 0 {
            return None;
        }
        let mut chain = vec![p as usize];
        while let Some(&a) = chain.last().filter(|&&a| a != 0) {
            chain.push(self.parent[a] as usize);
        }
        chain.pop();
        // Down from the root: past the rows of the siblings before each ancestor.
        let (mut place, mut index) = (0, 0);
        for &target in chain.iter().rev() {
            let end = self.order.end(place);
            let mut q = place + 1;
            while q < end && self.order.pos(q) != target {
                index += self.count_at(q);
                q = self.order.end(q);
            }
            if q >= end || self.count_at(q) == 0 {
                return None;
            }
            if target == p as usize {
                return Some(index);
            }
            // An ancestor: its children have rows only while it is an expanded directory.
            if self.codes[target] & DIR == 0 || self.collapsed.contains(self.order.nodes[q]) {
                return None;
            }
            index += 1;
            place = q;
        }
        None
    }

    /// Calls `f` with every node that has a row when nothing is collapsed, in display order,
    /// and its position.
    pub fn for_each_shown(&self, mut f: impl FnMut(NodeId, usize)) {
        let n = self.order.nodes.len();
        let mut q = 1;
        while q < n {
            let p = self.order.pos(q);
            let shown = self.counts[p] != 0;
            // Into a shown directory; past anything else (a file's subtree is itself).
            let next = if shown && self.codes[p] & DIR != 0 {
                q + 1
            } else {
                self.order.end(q)
            };
            if shown {
                f(self.order.nodes[q], p);
            }
            q = next;
        }
    }
}

/// The nodes in pre-order with each directory's children largest first (ties in name
/// order): the size sort's order, for one view.
pub(super) fn size_order(index: &PathIndex, view: &LayerView) -> Preorder {
    let mut out = Preorder {
        nodes: Vec::with_capacity(index.len()),
        end: Vec::with_capacity(index.len()),
        pos: Vec::with_capacity(index.len()),
    };
    let mut stack = vec![0usize];
    // (largest first, then the position: children's positions rise in name order), each size
    // read once, sorted in place (no scratch buffer per directory).
    let mut kids: Vec<(std::cmp::Reverse<u64>, usize)> = Vec::new();
    while let Some(p) = stack.pop() {
        let q = out.nodes.len();
        let k = index.node(p);
        out.nodes.push(k);
        out.end.push((q + index.end(p) - p) as u32);
        out.pos.push(p as u32);
        kids.clear();
        kids.extend(
            index
                .children(p)
                .map(|c| (std::cmp::Reverse(view.size_at(c)), c)),
        );
        kids.sort_unstable();
        stack.extend(kids.iter().rev().map(|&(_, c)| c));
    }
    out
}
