//! Listing the tree pane's rows: one scan over the [`PathIndex`]'s pre-order (or a view's
//! size order, another pre-order of the same positions), skipping whole subtrees that are
//! absent, collapsed or already known to show something.
//!
//! A directory that does not match by itself is shown only as the way to a match below it;
//! a collapsed one is shown only while something below it is. **The rows are exactly those
//! of a depth-first walk over the merged tree's children** (the property test in `tree.rs`
//! holds the two equal).

use super::layer_view::{decode, LayerView, CHANGE, DIR};
use super::path_index::PathIndex;
use super::tree::{ChangeFilter, Collapsed, Row};
use crate::index::NodeId;

/// A pre-order of the merged tree's nodes: the node at each place and one past the last
/// place of its subtree. The [`PathIndex`] holds the name order; a view its size order.
#[derive(Debug, Default)]
pub struct Preorder {
    pub nodes: Vec<NodeId>,
    pub end: Vec<u32>,
    /// A view's order only: the node's code ([`LayerView::code`]) at each place, so that a
    /// scan in that order reads one array front to back instead of one byte per node
    /// scattered over the view.
    pub codes: Vec<u8>,
}

/// What decides the rows, borrowed for one scan.
pub(super) struct Scan<'a> {
    /// The nodes in the order rows are listed.
    pub nodes: &'a [NodeId],
    pub end: &'a [u32],
    /// Each node's [`LayerView::code`], in the scan's order.
    pub codes: &'a [u8],
    pub show: ChangeFilter,
    /// Per node, whether the path filter matches (`None`: no filter).
    pub filter: Option<&'a [bool]>,
    /// Per node, whether it is in the set the tree is limited to.
    pub only: Option<&'a [bool]>,
    pub collapsed: &'a Collapsed,
    /// A node whose row is wanted: [`Scan::run`] says where it is.
    pub find: Option<NodeId>,
}

/// A directory whose children are being listed.
struct Open {
    /// Where its subtree ends, in the scan's order.
    end: usize,
    /// Its row (`u32::MAX` for the root), the parent of its children's rows.
    row: u32,
    /// Its children's depth.
    depth: u32,
    /// Whether it matches by itself.
    self_match: bool,
    /// Whether its children get rows (else it only asks whether any is shown).
    emit: bool,
    any: bool,
    last_row: Option<usize>,
}

impl Scan<'_> {
    /// Fills `rows` (cleared first). Returns the row of `find`, if it has one.
    pub fn run(&self, rows: &mut Vec<Row>) -> Option<usize> {
        rows.clear();
        let n = self.nodes.len();
        if n == 0 {
            return None;
        }
        // Whether each change kind is shown, by its code.
        let mut shows = [false; (CHANGE + 1) as usize];
        for (i, s) in shows.iter_mut().enumerate() {
            *s = decode(i as u8).is_some_and(|c| self.show.shows(c));
        }
        let find = self.find.unwrap_or(u32::MAX);
        // Where `find`'s row was pushed last (a row pushed may be dropped again).
        let mut found = None;
        let mut stack = vec![Open {
            end: n,
            row: u32::MAX,
            depth: 0,
            self_match: true,
            emit: true,
            any: false,
            last_row: None,
        }];
        let mut q = 1;
        while let Some(top) = stack.last_mut() {
            if q >= top.end {
                let done = stack.pop().expect("just looked at");
                if let Some(i) = done.last_row {
                    rows[i].last = true;
                }
                if let Some(parent) = stack.last_mut() {
                    if settle(rows, parent, done.row as usize, done.self_match, done.any) {
                        q = parent.end;
                    }
                }
                continue;
            }
            let size = self.end[q] as usize - q;
            let k = self.nodes[q];
            let code = self.codes[q];
            let Some(change) = decode(code) else {
                q += size;
                continue;
            };
            let is_dir = code & DIR != 0;
            let self_match = shows[(code & CHANGE) as usize]
                && self.filter.is_none_or(|f| f[k as usize])
                && self
                    .only
                    .is_none_or(|o| o.get(k as usize).copied().unwrap_or(false));
            let row = rows.len();
            let collapsed = is_dir && self.collapsed.contains(k);
            if top.emit {
                if k == find {
                    found = Some(row);
                }
                rows.push(Row {
                    node: k,
                    parent: top.row,
                    depth: top.depth,
                    change,
                    is_dir,
                    collapsed,
                    last: false,
                });
            }
            let emit_below = top.emit && !collapsed;
            if is_dir && (emit_below || !self_match) {
                let depth = top.depth + 1;
                stack.push(Open {
                    end: q + size,
                    row: row as u32,
                    depth,
                    self_match,
                    emit: emit_below,
                    any: false,
                    last_row: None,
                });
                q += 1;
                continue;
            }
            q += size;
            if settle(rows, top, row, self_match, false) {
                q = top.end;
            }
        }
        found.filter(|&r| rows.get(r).is_some_and(|row| row.node == find))
    }
}

/// Decides a child's row once what is below it is known. Returns true when the directory is
/// done early: it was only asked whether anything below is shown, and something is.
fn settle(rows: &mut Vec<Row>, top: &mut Open, row: usize, self_match: bool, below: bool) -> bool {
    if self_match || below {
        top.any = true;
        if !top.emit {
            return true;
        }
        top.last_row = Some(row);
    } else if top.emit {
        rows.truncate(row);
    }
    false
}

/// The nodes in pre-order with each directory's children largest first (ties in name
/// order): the size sort's order, for one view.
pub(super) fn size_order(index: &PathIndex, view: &LayerView) -> Preorder {
    let mut out = Preorder {
        nodes: Vec::with_capacity(index.len()),
        end: Vec::with_capacity(index.len()),
        codes: Vec::with_capacity(index.len()),
    };
    let mut stack = vec![0usize];
    let mut kids = Vec::new();
    while let Some(p) = stack.pop() {
        let q = out.nodes.len();
        let k = index.node(p);
        out.nodes.push(k);
        out.end.push((q + index.end(p) - p) as u32);
        out.codes.push(view.code_at(p));
        kids.clear();
        kids.extend(index.children(p));
        kids.sort_by_key(|&c| std::cmp::Reverse(view.size_at(c)));
        stack.extend(kids.iter().rev());
    }
    out
}
