//! An index over the merged tree's paths for the tree pane: every node in name-ordered
//! pre-order (a directory's subtree is one contiguous run of positions), and which paths
//! contain a text or match a filter, computed by linear passes over that order.
//!
//! **Position 0 is the root, and a node's subtree is `pos..end[pos]`**, so listing the rows
//! is a scan that skips whole subtrees, with no pointer chasing and no recursion.

use std::sync::{Arc, OnceLock};

use memchr::memmem;

use super::flatten::Preorder;
use super::path_filter::{Cursor, PathFilter};
use crate::index::{MergedTree, NodeId, ROOT};

/// The fewest positions a thread searches: below it, threads cost more than they save.
const PARALLEL_MIN: usize = 65_536;

/// A node's position when the root does not reach it.
pub const NO_POS: u32 = u32::MAX;

/// The merged tree's nodes in pre-order, children by name (the tree pane's name order).
#[derive(Debug)]
pub struct PathIndex {
    /// The node at each position, and one past the last position of each subtree.
    preorder: Preorder,
    /// Each node's position (`NO_POS` for a node the root does not reach), shared with the
    /// views, whose arrays are in this order.
    positions: Arc<[u32]>,
    /// The names, for substring searches: built on the first search.
    names: OnceLock<Names>,
}

/// Every name in pre-order, `/`-separated (a name never holds a `/`), and where each starts.
#[derive(Debug)]
struct Names {
    bytes: Vec<u8>,
    starts: Vec<usize>,
}

impl PathIndex {
    /// The pre-order of `tree`, walked with an explicit stack.
    pub fn new(tree: &MergedTree) -> PathIndex {
        let n = tree.node_count();
        let mut order = Vec::with_capacity(n);
        let mut end = Vec::with_capacity(n);
        // Positions whose subtree is still open, one per depth.
        let mut open: Vec<u32> = Vec::new();
        let mut stack: Vec<(NodeId, u32)> = vec![(ROOT, 0)];
        while let Some((node, depth)) = stack.pop() {
            let p = order.len() as u32;
            while open.len() > depth as usize {
                let q = open.pop().unwrap_or_default();
                end[q as usize] = p;
            }
            order.push(node);
            end.push(0);
            open.push(p);
            stack.extend(tree.children(node).iter().rev().map(|&c| (c, depth + 1)));
        }
        let total = order.len() as u32;
        for q in open {
            end[q as usize] = total;
        }
        let mut positions = vec![NO_POS; n];
        for (p, &k) in order.iter().enumerate() {
            positions[k as usize] = p as u32;
        }
        PathIndex {
            positions: positions.into(),
            preorder: Preorder { nodes: order, end },
            names: OnceLock::new(),
        }
    }

    /// Each node's position, `NO_POS` for none.
    pub fn positions(&self) -> &Arc<[u32]> {
        &self.positions
    }

    /// The name order, for a scan.
    pub fn preorder(&self) -> &Preorder {
        &self.preorder
    }

    /// How many positions (nodes reachable from the root).
    pub fn len(&self) -> usize {
        self.preorder.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.preorder.nodes.is_empty()
    }

    /// The node at a position.
    pub fn node(&self, pos: usize) -> NodeId {
        self.preorder.nodes[pos]
    }

    /// One past the last position of the subtree at `pos`.
    pub fn end(&self, pos: usize) -> usize {
        self.preorder.end[pos] as usize
    }

    /// The positions of `pos`'s children, in name order.
    pub fn children(&self, pos: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.end(pos);
        let first = Some(pos + 1).filter(|&c| c < end);
        std::iter::successors(first, move |&c| Some(self.end(c)).filter(|&e| e < end))
    }

    fn names(&self, tree: &MergedTree) -> &Names {
        self.names.get_or_init(|| {
            let mut bytes = Vec::new();
            let mut starts = Vec::with_capacity(self.preorder.nodes.len());
            for &k in &self.preorder.nodes {
                bytes.push(b'/');
                starts.push(bytes.len());
                bytes.extend_from_slice(tree.name(k));
            }
            Names { bytes, starts }
        })
    }

    /// Per position, whether its path contains `needle`: the path is `/a/b` when
    /// `leading_slash` (the filter's form), else `a/b` (the search's). By position, so that
    /// marking a subtree and reading the answer in the counting pass go front to back.
    pub fn contains(&self, tree: &MergedTree, needle: &[u8], leading_slash: bool) -> Vec<bool> {
        let mut out = vec![false; self.len()];
        if self.preorder.nodes.is_empty() {
            return out;
        }
        if needle.is_empty() {
            // Every path contains the empty text (the root's too).
            out.iter_mut().for_each(|m| *m = true);
            return out;
        }
        if !needle.contains(&b'/') {
            self.contains_in_a_name(tree, needle, &mut out);
        } else {
            self.contains_across_names(tree, needle, leading_slash, &mut out);
        }
        out
    }

    /// A needle without `/` lies inside one name: one substring search over all the names,
    /// then each hit's subtree matches. The positions are cut into a run per core, each
    /// searched on its own thread; a subtree that a hit marks past its run's end is marked
    /// on after they join.
    fn contains_in_a_name(&self, tree: &MergedTree, needle: &[u8], out: &mut [bool]) {
        let runs = std::thread::available_parallelism()
            .map_or(1, |c| c.get())
            .min(8)
            .min(self.len().div_ceil(PARALLEL_MIN));
        self.contains_in_runs(tree, needle, runs, out);
    }

    /// [`PathIndex::contains_in_a_name`] in `runs` runs.
    pub(super) fn contains_in_runs(
        &self,
        tree: &MergedTree,
        needle: &[u8],
        runs: usize,
        out: &mut [bool],
    ) {
        let names = self.names(tree);
        let n = self.len();
        let finder = memmem::Finder::new(needle);
        let runs = runs.max(1);
        // Cut where the names' bytes are shared out evenly.
        let mut cuts: Vec<usize> = (1..runs)
            .map(|i| {
                names
                    .starts
                    .partition_point(|&s| s < names.bytes.len() * i / runs)
            })
            .filter(|&c| c > 0 && c < n)
            .collect();
        cuts.dedup();
        let bounds: Vec<(usize, usize)> = std::iter::once(0)
            .chain(cuts.iter().copied())
            .zip(cuts.iter().copied().chain(std::iter::once(n)))
            .collect();
        std::thread::scope(|scope| {
            let mut rest = &mut *out;
            let mut handles = Vec::new();
            for &(lo, hi) in &bounds {
                let (run, tail) = rest.split_at_mut(hi - lo);
                rest = tail;
                let finder = &finder;
                if hi == n {
                    // The last run on this thread.
                    self.contains_in_run(names, finder, lo, hi, run);
                } else {
                    handles.push(
                        scope.spawn(move || self.contains_in_run(names, finder, lo, hi, run)),
                    );
                }
            }
            for h in handles {
                if let Err(panic) = h.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        });
        // A hit's subtree past its run: the hit is an ancestor of the next run's first
        // position, and the outermost such ancestor marks the most.
        for &cut in &cuts {
            let mut node = self.node(cut);
            let mut end = cut;
            while node != ROOT {
                node = tree.parent(node);
                let a = self.positions[node as usize] as usize;
                if out[a] {
                    end = end.max(self.end(a));
                }
            }
            out[cut..end].fill(true);
        }
    }

    /// [`PathIndex::contains_in_a_name`] over positions `lo..hi` (`out` holds theirs), as
    /// if the positions before `lo` matched nothing.
    fn contains_in_run(
        &self,
        names: &Names,
        finder: &memmem::Finder<'_>,
        lo: usize,
        hi: usize,
        out: &mut [bool],
    ) {
        // The names' bytes of the run, each name after its `/`.
        let stop = names.starts.get(hi).map_or(names.bytes.len(), |&s| s - 1);
        let mut from = names.starts[lo];
        // The name the last hit was in: hits come in order, so the next one's name is found
        // forward from it: a few names ahead by steps (a short needle hits nearly every
        // name), further by galloping (a search costs the log of the names skipped, and
        // reads only near them), never by a binary search over every name.
        let starts = &names.starts[..hi];
        let mut p = lo;
        while let Some(at) = finder.find(&names.bytes[from..stop]) {
            let at = from + at;
            let mut steps = 0;
            while steps < 8 && starts.get(p + 1).is_some_and(|&s| s <= at) {
                p += 1;
                steps += 1;
            }
            let ahead = &starts[p..];
            // ahead[0] <= at; find `hi` with ahead[hi / 2] <= at < ahead[hi] (or the end).
            let mut up = 1;
            while up < ahead.len() && ahead[up] <= at {
                up *= 2;
            }
            let down = up / 2;
            let up = up.min(ahead.len());
            p += down + ahead[down..up].partition_point(|&s| s <= at) - 1;
            // The hit's whole subtree matches (within the run); the next hit to look for is
            // past it (a hit inside it changes nothing).
            let end = self.end(p).min(hi);
            out[p - lo..end - lo].fill(true);
            match starts.get(end) {
                Some(&next) => from = next,
                None => break,
            }
            p = end;
        }
    }

    /// A needle with a `/` may span names: a substring matcher's state carried down from
    /// each directory to its children.
    fn contains_across_names(
        &self,
        tree: &MergedTree,
        needle: &[u8],
        leading_slash: bool,
        out: &mut [bool],
    ) {
        let finder = Substring::new(needle);
        // Open ancestors: (end of subtree, matcher state after the path, found).
        let mut open: Vec<(usize, usize, bool)> = vec![(self.len(), 0, false)];
        for (p, m) in out.iter_mut().enumerate().skip(1) {
            while open.last().is_some_and(|&(end, _, _)| p >= end) {
                open.pop();
            }
            let &(_, at, found) = open
                .last()
                .expect("the root's subtree holds every position");
            let k = self.preorder.nodes[p];
            let (mut at, mut found) = (at, found);
            if leading_slash || open.len() > 1 {
                at = finder.feed(at, b"/");
                found |= at == finder.len();
            }
            for &b in tree.name(k) {
                at = finder.feed(at, &[b]);
                found |= at == finder.len();
            }
            *m = found;
            open.push((self.end(p), at, found));
        }
    }

    /// Per position, whether its full path (`/a/b`) matches the filter: the filter's cursor
    /// carried down from each directory to its children.
    pub fn filter_matches(&self, tree: &MergedTree, filter: &PathFilter) -> Vec<bool> {
        let mut out = vec![false; self.len()];
        if self.preorder.nodes.is_empty() {
            return out;
        }
        let mut cache = filter.cache();
        let root = filter.root(&mut cache);
        let mut path = Vec::new();
        // Open ancestors: (end of subtree, cursor after the path, the path's length).
        let mut open: Vec<(usize, Cursor, usize)> = vec![(self.len(), root, 0)];
        for (p, m) in out.iter_mut().enumerate().skip(1) {
            while open.last().is_some_and(|&(end, _, _)| p >= end) {
                open.pop();
            }
            let &(_, cursor, plen) = open
                .last()
                .expect("the root's subtree holds every position");
            let k = self.preorder.nodes[p];
            let name = tree.name(k);
            path.truncate(plen);
            path.push(b'/');
            path.extend_from_slice(name);
            let (c, here) = filter.step(&mut cache, cursor, name, &path);
            *m = here;
            open.push((self.end(p), c, path.len()));
        }
        out
    }
}

/// A substring matcher fed a byte at a time (Knuth–Morris–Pratt): the state is how much of
/// the needle the text seen so far ends with.
pub(super) struct Substring<'a> {
    needle: &'a [u8],
    /// For each prefix length, the longest proper border (prefix that is also a suffix).
    border: Vec<usize>,
}

impl<'a> Substring<'a> {
    pub(super) fn new(needle: &'a [u8]) -> Self {
        let mut border = vec![0; needle.len() + 1];
        let mut k = 0;
        for i in 1..needle.len() {
            while k > 0 && needle[i] != needle[k] {
                k = border[k];
            }
            if needle[i] == needle[k] {
                k += 1;
            }
            border[i + 1] = k;
        }
        Substring { needle, border }
    }

    pub(super) fn len(&self) -> usize {
        self.needle.len()
    }

    /// The state after `bytes`, from state `at`.
    pub(super) fn feed(&self, mut at: usize, bytes: &[u8]) -> usize {
        for &b in bytes {
            if at == self.needle.len() {
                at = self.border[at];
            }
            while at > 0 && self.needle[at] != b {
                at = self.border[at];
            }
            if self.needle.get(at) == Some(&b) {
                at += 1;
            }
        }
        at
    }
}
