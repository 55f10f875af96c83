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

use std::sync::Arc;

use super::layer_view::{decode, LayerView, CHANGE, DIR};
use super::path_index::{PathIndex, NO_POS};
use super::tree::{ChangeFilter, Collapsed, Row, WindowRow};
use crate::index::NodeId;

/// A pre-order of the merged tree's nodes in name order: the node at each position and one
/// past the last position of its subtree. The [`PathIndex`] holds it.
#[derive(Debug, Default)]
pub struct Preorder {
    pub nodes: Vec<NodeId>,
    pub end: Vec<u32>,
}

/// The order a listing walks each directory's children in.
#[derive(Clone, Copy)]
pub(super) enum Order<'a> {
    /// By name: the [`PathIndex`]'s positions, as they are.
    Name(&'a PathIndex),
    /// By a view's size, largest first (ties by name): each directory's children sorted the
    /// first time a walk reaches them ([`LayerView::sorted_children`]), so a key sorts only
    /// the directories on the way to the rows it reads.
    Size(&'a PathIndex, &'a LayerView),
}

/// A directory's children still to walk, in an [`Order`].
#[derive(Clone)]
enum Kids {
    /// Positions from `next` up to `end`, skipping from sibling to sibling.
    Span { next: usize, end: usize },
    /// A sorted list of positions, from `at` on.
    List { list: Arc<[u32]>, at: usize },
}

impl Order<'_> {
    fn index(&self) -> &PathIndex {
        match self {
            Order::Name(index) | Order::Size(index, _) => index,
        }
    }

    /// The children of the node at position `p`, in this order.
    fn kids(&self, p: usize) -> Kids {
        let index = self.index();
        let end = index.end(p);
        match self {
            // None or one child: every order lists it the same.
            Order::Size(_, view) if p + 1 < end && index.end(p + 1) < end => Kids::List {
                list: view.sorted_children(index, p),
                at: 0,
            },
            _ => Kids::Span { next: p + 1, end },
        }
    }
}

/// A directory's children still to walk backwards, last first.
enum KidsBack {
    /// A span's children, gathered into the walk's shared list from `from` on: a span leads
    /// from each child to the next only, so they are read forward once (as many steps as
    /// walking past them), then taken from the end. The walk's top directory owns the
    /// list's end.
    Span { from: usize },
    /// A sorted list's children before `at`.
    List { list: Arc<[u32]>, at: usize },
}

impl Order<'_> {
    /// The children of the node at position `p` to walk backwards: all of them, or with
    /// `before` those before that child (`None` when it is not one). A sorted list is walked
    /// where it is; a span's children go to the end of `gathered`.
    fn kids_back(
        &self,
        p: usize,
        before: Option<usize>,
        gathered: &mut Vec<u32>,
    ) -> Option<KidsBack> {
        match self.kids(p) {
            Kids::Span { mut next, end } => {
                let from = gathered.len();
                while next < end && Some(next) != before {
                    gathered.push(next as u32);
                    next = self.index().end(next);
                }
                if before.is_some_and(|b| b != next) {
                    gathered.truncate(from);
                    return None;
                }
                Some(KidsBack::Span { from })
            }
            Kids::List { list, .. } => {
                let at = match before {
                    Some(b) => list.iter().position(|&c| c as usize == b)?,
                    None => list.len(),
                };
                Some(KidsBack::List { list, at })
            }
        }
    }
}

impl KidsBack {
    fn prev(&mut self, gathered: &mut Vec<u32>) -> Option<usize> {
        match self {
            KidsBack::Span { from } => {
                if gathered.len() > *from {
                    gathered.pop().map(|c| c as usize)
                } else {
                    None
                }
            }
            KidsBack::List { list, at } => {
                *at = at.checked_sub(1)?;
                Some(list[*at] as usize)
            }
        }
    }
}

impl Kids {
    fn next(&mut self, index: &PathIndex) -> Option<usize> {
        match self {
            Kids::Span { next, end } => {
                let c = *next;
                (c < *end).then(|| {
                    *next = index.end(c);
                    c
                })
            }
            Kids::List { list, at } => {
                let c = *list.get(*at)?;
                *at += 1;
                Some(c as usize)
            }
        }
    }
}

/// Which positions are wanted. Whether a subtree holds one is a look at its first few
/// positions (where a dense search answers), else a subtraction of how many are wanted before
/// each position, counted once on the first such question (scanning every subtree instead
/// would cost a path 100,000 deep the square of its depth).
struct Wanted<'a> {
    at: &'a [bool],
    before: std::cell::OnceCell<Vec<u32>>,
}

impl<'a> Wanted<'a> {
    /// How many positions a subtree's look covers before counting.
    const LOOK: usize = 64;

    fn new(at: &'a [bool]) -> Wanted<'a> {
        Wanted {
            at,
            before: std::cell::OnceCell::new(),
        }
    }

    fn at(&self, p: usize) -> bool {
        self.at[p]
    }

    /// Whether a node strictly below position `p` is wanted.
    fn below(&self, index: &PathIndex, p: usize) -> bool {
        let (from, to) = (p + 1, index.end(p));
        let look = to.min(from + Self::LOOK);
        if self.at[from..look].iter().any(|&w| w) {
            return true;
        }
        if look == to {
            return false;
        }
        let before = self.before.get_or_init(|| {
            let mut before = Vec::with_capacity(self.at.len() + 1);
            let mut n = 0u32;
            before.push(n);
            for &w in self.at {
                n += u32::from(w);
                before.push(n);
            }
            before
        });
        before[to] > before[look]
    }
}

/// The children of `p` largest first in `view` (ties in name order: children's positions
/// rise with their names), each size read once.
pub(super) fn sorted_children(index: &PathIndex, view: &LayerView, p: usize) -> Arc<[u32]> {
    let mut kids: Vec<(std::cmp::Reverse<u64>, u32)> = index
        .children(p)
        .map(|c| (std::cmp::Reverse(view.size_at(c)), c as u32))
        .collect();
    kids.sort_unstable();
    kids.into_iter().map(|(_, c)| c).collect()
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
    pub order: Order<'a>,
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
    /// Its children not walked yet.
    kids: Kids,
    /// Its row (`u32::MAX` for the root), the parent of its children's rows.
    row: u32,
    /// Whether it is its parent's last shown child.
    last: bool,
}

/// A directory whose children a backward walk goes through.
struct Back {
    /// Its position (0, the root, has no row and is never wanted).
    dir: usize,
    /// Its children not walked yet, last first.
    kids: KidsBack,
}

impl Listing<'_> {
    fn count_at(&self, p: usize) -> usize {
        self.counts[p] as usize
    }

    /// The next child in `kids` that has a row.
    fn next_shown(&self, kids: &mut Kids) -> Option<usize> {
        let index = self.order.index();
        while let Some(c) = kids.next(index) {
            if self.count_at(c) > 0 {
                return Some(c);
            }
        }
        None
    }

    /// Whether `kids` holds another child with a row (without walking past it).
    fn more_shown(&self, kids: &Kids) -> bool {
        self.next_shown(&mut kids.clone()).is_some()
    }

    /// Up to `count` rows from row `start` on, each with its index and tree guides.
    pub fn rows_from(&self, start: usize, count: usize) -> Vec<WindowRow> {
        let mut out = Vec::new();
        let index = self.order.index();
        if count == 0 || start >= self.total || index.is_empty() {
            return out;
        }
        let mut stack = vec![Open {
            kids: self.order.kids(0),
            row: u32::MAX,
            last: true,
        }];
        // Down to row `start`: past every subtree before it, into every one holding it.
        let (mut index, mut left) = (0, start);
        let mut p = loop {
            let top = stack
                .last_mut()
                .expect("the root stays open on the way down");
            let Some(c) = self.next_shown(&mut top.kids) else {
                return out;
            };
            let v = self.count_at(c);
            if left >= v {
                left -= v;
                index += v;
                continue;
            }
            if left == 0 {
                break c;
            }
            left -= 1;
            let last = !self.more_shown(&top.kids);
            stack.push(Open {
                kids: self.order.kids(c),
                row: index as u32,
                last,
            });
            index += 1;
        };
        // Then row after row: into an expanded directory, else to the next sibling shown
        // (of the row or of a directory above it).
        loop {
            let top = stack.last().expect("a row's parent is open");
            let last = !self.more_shown(&top.kids);
            let node = self.order.index().node(p);
            let code = self.codes[p];
            let is_dir = code & DIR != 0;
            let row = Row {
                node,
                parent: top.row,
                depth: (stack.len() - 1) as u32,
                change: decode(code).expect("a node with a row has a change"),
                is_dir,
                collapsed: is_dir && self.collapsed.contains(node),
                last,
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
            if self.count_at(p) > 1 {
                let mut kids = self.order.kids(p);
                let first = self
                    .next_shown(&mut kids)
                    .expect("a count above 1 is a child's");
                stack.push(Open {
                    kids,
                    row: (index - 1) as u32,
                    last,
                });
                p = first;
                continue;
            }
            p = loop {
                let top = stack
                    .last_mut()
                    .expect("the root is popped only past the last row");
                if let Some(c) = self.next_shown(&mut top.kids) {
                    break c;
                }
                stack.pop();
                if stack.is_empty() {
                    return out;
                }
            };
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
        let index = self.order.index();
        // Down from the root: past the rows of the siblings before each ancestor.
        let (mut dir, mut row) = (0, 0);
        for &target in chain.iter().rev() {
            let mut kids = self.order.kids(dir);
            loop {
                let c = kids.next(index)?;
                if c == target {
                    break;
                }
                row += self.count_at(c);
            }
            if self.count_at(target) == 0 {
                return None;
            }
            if target == p as usize {
                return Some(row);
            }
            // An ancestor: its children have rows only while it is an expanded directory.
            if self.codes[target] & DIR == 0 || self.collapsed.contains(index.node(target)) {
                return None;
            }
            row += 1;
            dir = target;
        }
        None
    }

    /// Calls `f` with every node that `wanted` marks (by position) and that has a row when
    /// nothing is collapsed, in display order, until `f` returns false. In a size order the
    /// walk goes only into subtrees holding such a node, so that it sorts only the directories
    /// on the way to them.
    pub fn for_each_wanted(&self, wanted: &[bool], f: impl FnMut(NodeId) -> bool) {
        let index = match self.order {
            Order::Name(index) => {
                self.scan_wanted(index, wanted, f);
                return;
            }
            Order::Size(index, _) => index,
        };
        if index.is_empty() {
            return;
        }
        self.walk_wanted(vec![self.order.kids(0)], &Wanted::new(wanted), f);
    }

    /// The first node after `node` in display order that [`Listing::for_each_wanted`] would
    /// call `f` with (`node` must have a row when nothing is collapsed). Walks on from `node`,
    /// so it sorts only the directories between the two.
    pub fn next_wanted(&self, wanted: &[bool], node: NodeId) -> Option<NodeId> {
        let index = self.order.index();
        let (p, chain) = self.path_to(node)?;
        // Each ancestor's children, past the one on the way to `node`; then `node`'s own.
        let mut stack = Vec::with_capacity(chain.len());
        for w in chain.windows(2) {
            let mut kids = self.order.kids(w[0]);
            while kids.next(index)? != w[1] {}
            stack.push(kids);
        }
        let wanted = Wanted::new(wanted);
        if self.codes[p] & DIR != 0 && wanted.below(index, p) {
            stack.push(self.order.kids(p));
        }
        let mut next = None;
        self.walk_wanted(stack, &wanted, |n| {
            next = Some(n);
            false
        });
        next
    }

    /// The last node in display order that [`Listing::for_each_wanted`] would call `f` with.
    /// Walks backwards from the end, so it sorts only the directories on the way to it.
    pub fn last_wanted(&self, wanted: &[bool]) -> Option<NodeId> {
        if self.order.index().is_empty() {
            return None;
        }
        let mut gathered = Vec::new();
        let kids = self.order.kids_back(0, None, &mut gathered)?;
        let stack = vec![Back { dir: 0, kids }];
        self.walk_wanted_back(stack, gathered, &Wanted::new(wanted))
    }

    /// The last node before `node` in display order that [`Listing::for_each_wanted`] would
    /// call `f` with (`node` must have a row when nothing is collapsed): the mirror of
    /// [`Listing::next_wanted`]. Before a node come, in each directory on its path, the
    /// children before the one on the path (each after its own subtree), then the directory.
    pub fn prev_wanted(&self, wanted: &[bool], node: NodeId) -> Option<NodeId> {
        let (_, chain) = self.path_to(node)?;
        let mut gathered = Vec::new();
        let mut stack = Vec::with_capacity(chain.len());
        for w in chain.windows(2) {
            let kids = self.order.kids_back(w[0], Some(w[1]), &mut gathered)?;
            stack.push(Back { dir: w[0], kids });
        }
        self.walk_wanted_back(stack, gathered, &Wanted::new(wanted))
    }

    /// The position of `node` and the positions from the root down to it; `None` for the
    /// root or a node the root does not reach.
    fn path_to(&self, node: NodeId) -> Option<(usize, Vec<usize>)> {
        let p = *self.positions.get(node as usize)? as usize;
        if p == NO_POS as usize || p == 0 {
            return None;
        }
        let mut chain = vec![p];
        while let Some(&a) = chain.last().filter(|&&a| a != 0) {
            chain.push(self.parent[a] as usize);
        }
        chain.reverse();
        Some((p, chain))
    }

    /// [`Listing::for_each_wanted`]'s walk backwards, from the children still in `stack`, to
    /// the first node it meets (in display order, the last). Going backwards, a directory
    /// comes after its children, when its frame is done.
    fn walk_wanted_back(
        &self,
        mut stack: Vec<Back>,
        mut gathered: Vec<u32>,
        wanted: &Wanted,
    ) -> Option<NodeId> {
        let index = self.order.index();
        while let Some(top) = stack.last_mut() {
            let Some(p) = top.kids.prev(&mut gathered) else {
                let dir = top.dir;
                stack.pop();
                if dir != 0 && self.counts[dir] != 0 && wanted.at(dir) {
                    return Some(index.node(dir));
                }
                continue;
            };
            if self.counts[p] == 0 {
                continue;
            }
            if self.codes[p] & DIR != 0 && wanted.below(index, p) {
                let kids = self.order.kids_back(p, None, &mut gathered)?;
                stack.push(Back { dir: p, kids });
            } else if wanted.at(p) {
                return Some(index.node(p));
            }
        }
        None
    }

    /// [`Listing::for_each_wanted`]'s walk, from the children still in `stack`.
    fn walk_wanted(
        &self,
        mut stack: Vec<Kids>,
        wanted: &Wanted,
        mut f: impl FnMut(NodeId) -> bool,
    ) {
        let index = self.order.index();
        while let Some(top) = stack.last_mut() {
            let Some(p) = top.next(index) else {
                stack.pop();
                continue;
            };
            if self.counts[p] == 0 {
                continue;
            }
            if wanted.at(p) && !f(index.node(p)) {
                return;
            }
            if self.codes[p] & DIR != 0 && wanted.below(index, p) {
                stack.push(self.order.kids(p));
            }
        }
    }

    /// How many nodes [`Listing::for_each_wanted`] would call `f` with (in any order).
    pub fn count_wanted(&self, wanted: &[bool]) -> usize {
        let mut n = 0;
        self.scan_wanted(self.order.index(), wanted, |_| {
            n += 1;
            true
        });
        n
    }

    /// [`Listing::for_each_wanted`] in name order: a scan of the positions, past every
    /// subtree not shown.
    fn scan_wanted(&self, index: &PathIndex, wanted: &[bool], mut f: impl FnMut(NodeId) -> bool) {
        let mut p = 1;
        while p < index.len() {
            let shown = self.counts[p] != 0;
            if shown && wanted[p] && !f(index.node(p)) {
                return;
            }
            p = if shown && self.codes[p] & DIR != 0 {
                p + 1
            } else {
                index.end(p)
            };
        }
    }
}
