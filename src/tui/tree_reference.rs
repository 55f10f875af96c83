//! The tree pane's rows as they were listed before the [`super::path_index::PathIndex`]: a
//! depth-first walk over the merged tree's children, the filter's cursor and the search's
//! matcher carried down. Kept as the oracle the property tests hold the fast scans to.

use super::layer_view::LayerView;
use super::path_filter::{Cursor, PathFilter};
use super::path_index::Substring;
use super::tree::{Collapsed, Row, SortOrder, TreeOptions};
use crate::index::{MergedTree, NodeId, ROOT};

/// The rows for `options` and `collapsed`, as the depth-first walk lists them.
pub(super) fn rows(
    tree: &MergedTree,
    view: &LayerView,
    options: &TreeOptions,
    filter: Option<&PathFilter>,
    collapsed: &Collapsed,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut path = Vec::new();
    let mut ctx = Flatten {
        tree,
        view,
        options,
        filter,
        collapsed,
        rows: &mut rows,
        path: &mut path,
        cache: filter.and_then(PathFilter::cache),
    };
    ctx.run(ROOT, true);
    rows
}

/// Every shown node (collapsed or not) whose path contains `needle`, in display order.
pub(super) fn search(
    tree: &MergedTree,
    view: &LayerView,
    options: &TreeOptions,
    filter: Option<&PathFilter>,
    needle: &str,
) -> Vec<NodeId> {
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let rows = rows(tree, view, options, filter, &Collapsed::default());
    let finder = Substring::new(needle.as_bytes());
    let mut state: Vec<(usize, bool)> = Vec::with_capacity(rows.len());
    for r in &rows {
        let (mut at, mut found) = match r.parent {
            u32::MAX => (0, false),
            p => {
                let (at, found) = state[p as usize];
                let at = finder.feed(at, b"/");
                (at, found || at == finder.len())
            }
        };
        for &b in tree.name(r.node) {
            at = finder.feed(at, &[b]);
            found |= at == finder.len();
        }
        if found {
            out.push(r.node);
        }
        state.push((at, found));
    }
    out
}

struct Flatten<'a> {
    tree: &'a MergedTree,
    view: &'a LayerView,
    options: &'a TreeOptions,
    filter: Option<&'a PathFilter>,
    collapsed: &'a Collapsed,
    rows: &'a mut Vec<Row>,
    path: &'a mut Vec<u8>,
    /// The path filter's lazy DFA states, for this walk.
    cache: Option<regex_automata::hybrid::dfa::Cache>,
}

/// One directory being listed by [`Flatten::run`]: what [`Flatten`]'s recursive form would
/// keep on the call stack, kept on a heap stack instead (a path can be 100,000 deep).
struct Frame<'a> {
    kids: std::borrow::Cow<'a, [NodeId]>,
    next: usize,
    depth: u32,
    parent_row: u32,
    emit: bool,
    any: bool,
    last_row: Option<usize>,
    /// The child whose own children are being listed: its row, the path length before its
    /// name, and whether it matches by itself.
    pending: Option<(usize, usize, bool)>,
    /// The path filter's progress along this directory's path.
    cursor: Option<Cursor>,
}

impl<'a> Flatten<'a> {
    fn frame(
        &self,
        node: NodeId,
        depth: u32,
        parent_row: u32,
        emit: bool,
        cursor: Option<Cursor>,
    ) -> Frame<'a> {
        let tree: &'a MergedTree = self.tree;
        let kids = tree.children(node);
        let kids = match self.options.sort {
            SortOrder::Name => std::borrow::Cow::Borrowed(kids),
            SortOrder::Size => {
                let mut v = kids.to_vec();
                v.sort_by_key(|n| std::cmp::Reverse(self.view.size(*n)));
                std::borrow::Cow::Owned(v)
            }
        };
        Frame {
            kids,
            next: 0,
            depth,
            parent_row,
            emit,
            any: false,
            last_row: None,
            pending: None,
            cursor,
        }
    }

    /// Pushes rows for `node`'s shown descendants (when `emit`); returns whether any is shown
    /// (emitted or hidden by a collapsed ancestor). A directory that does not match by
    /// itself is shown only as the way to a match below it.
    fn run(&mut self, node: NodeId, emit: bool) -> bool {
        let root = self.filter.map(|f| f.root(&mut self.cache));
        let mut stack = vec![self.frame(node, 0, u32::MAX, emit, root)];
        // What the frame just popped answered, for its parent's pending child.
        let mut answer: Option<bool> = None;
        while let Some(top) = stack.last_mut() {
            if let Some(below) = answer.take() {
                let (row, plen, self_match) = top.pending.take().unwrap_or_default();
                if self.settle(top, row, plen, self_match, below) {
                    stack.pop();
                    answer = Some(true);
                    continue;
                }
            }
            let Some(&k) = top.kids.get(top.next) else {
                if let Some(i) = top.last_row {
                    self.rows[i].last = true;
                }
                answer = Some(top.any);
                stack.pop();
                continue;
            };
            top.next += 1;
            let Some(change) = self.view.change(k) else {
                continue;
            };
            let is_dir = self.view.is_dir(k);
            // The path is built only when a filter needs it: most rebuilds have none.
            let plen = self.path.len();
            let mut cursor = None;
            let mut filter_match = true;
            if let Some(f) = self.filter {
                let name = self.tree.name(k);
                self.path.push(b'/');
                self.path.extend_from_slice(name);
                let from = top.cursor.unwrap_or_else(|| f.root(&mut self.cache));
                let (c, here) = f.step(&mut self.cache, from, name, self.path);
                cursor = Some(c);
                filter_match = here;
            }
            let self_match = self.options.show.shows(change)
                && filter_match
                && self
                    .options
                    .only
                    .as_ref()
                    .is_none_or(|o| o.nodes.get(k as usize).copied().unwrap_or(false));
            let row = self.rows.len();
            let collapsed = is_dir && self.collapsed.contains(k);
            if top.emit {
                self.rows.push(Row {
                    node: k,
                    parent: top.parent_row,
                    depth: top.depth,
                    change,
                    is_dir,
                    collapsed,
                    last: false,
                });
            }
            let emit_below = top.emit && !collapsed;
            if is_dir && (emit_below || !self_match) {
                top.pending = Some((row, plen, self_match));
                let depth = top.depth + 1;
                let child = self.frame(k, depth, row as u32, emit_below, cursor);
                stack.push(child);
                continue;
            }
            if self.settle(top, row, plen, self_match, false) {
                stack.pop();
                answer = Some(true);
            }
        }
        answer.unwrap_or(false)
    }

    /// Decides a child's row once what is below it is known. Returns true when the frame is
    /// done early: it was only asked whether anything below is shown, and something is.
    fn settle(
        &mut self,
        top: &mut Frame<'_>,
        row: usize,
        plen: usize,
        self_match: bool,
        below: bool,
    ) -> bool {
        self.path.truncate(plen);
        if self_match || below {
            top.any = true;
            if !top.emit {
                return true;
            }
            top.last_row = Some(row);
        } else if top.emit {
            self.rows.truncate(row);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::tree::{CompareMode, FileTree, Only, Row};
    use crate::analysis::testing::{arb_layers, image};
    use crate::index::{Change, MergedTree, NodeId, OwnedEntry};

    /// Names that sort around each other and around `/` and `.`.
    const NAMES: [&str; 6] = ["a", "b", "ab", "-x", ".a", "bé"];

    fn layers() -> impl Strategy<Value = Vec<Vec<OwnedEntry>>> {
        use crate::index::EntryKind::*;
        arb_layers(&NAMES, 5, &[File, File, Dir, Dir, Whiteout, Opaque], 16, 4)
    }

    /// Filters: literal ones (with and without `/`), regexes, and one that is no regex.
    const FILTERS: [&str; 12] = [
        "", "a", "b", "ab", "a/b", "/a", "^/a", "b$", "a(", r"\ba\b", "é", "-x|.a",
    ];
    const NEEDLES: [&str; 7] = ["a", "b", "a/b", "/a", "b/", "é", "x"];

    #[derive(Debug, Clone)]
    struct Options {
        layer: usize,
        aggregated: bool,
        hide: [bool; 4],
        size_sort: bool,
        filter: usize,
        only: Option<u32>,
        collapse: u32,
    }

    fn options() -> impl Strategy<Value = Options> {
        (
            0..4usize,
            any::<bool>(),
            any::<[bool; 4]>(),
            any::<bool>(),
            0..FILTERS.len(),
            proptest::option::of(1..5u32),
            0..4u32,
        )
            .prop_map(
                |(layer, aggregated, hide, size_sort, filter, only, collapse)| Options {
                    layer,
                    aggregated,
                    hide,
                    size_sort,
                    filter,
                    only,
                    collapse,
                },
            )
    }

    /// A tree set up with `o`, every change going through the public setters.
    fn set_up(tree: &MergedTree, layers: usize, o: &Options) -> FileTree {
        let mut t = FileTree::new(tree);
        t.set_layer(tree, o.layer % layers);
        if o.aggregated {
            t.set_mode(tree, CompareMode::Aggregated);
        }
        let kinds = [
            Change::Added,
            Change::Modified,
            Change::Removed,
            Change::Unmodified,
        ];
        for (hide, kind) in o.hide.iter().zip(kinds) {
            if *hide {
                t.toggle_kind(tree, kind);
            }
        }
        if o.size_sort {
            t.toggle_sort(tree);
        }
        t.set_filter(tree, FILTERS[o.filter]);
        if let Some(m) = o.only {
            let nodes = (0..tree.node_count())
                .map(|i| (i as u32).is_multiple_of(m))
                .collect();
            t.set_only(
                tree,
                Some(Only {
                    what: "some".into(),
                    nodes: std::sync::Arc::new(nodes),
                }),
            );
        }
        // Collapse every `collapse`th directory shown (0: none, 1: all).
        if o.collapse > 0 {
            let dirs: Vec<_> = t
                .all_rows()
                .iter()
                .filter(|r| r.is_dir)
                .map(|r| r.node)
                .collect();
            for (i, d) in dirs.into_iter().enumerate() {
                if (i as u32).is_multiple_of(o.collapse) {
                    t.collapse_for_test(tree, d);
                }
            }
        }
        t
    }

    /// For row `i` of `rows`, whether each ancestor (outermost first) is its parent's last
    /// shown child, read from the rows' parents.
    fn guides(rows: &[Row], i: usize) -> Vec<bool> {
        let mut out = Vec::new();
        let mut p = rows[i].parent;
        while p != u32::MAX {
            out.push(rows[p as usize].last);
            p = rows[p as usize].parent;
        }
        out.reverse();
        out
    }

    /// Every window of the tree, its guides, the row count and each node's row are what the
    /// walk's rows `expected` say.
    fn check_reads(t: &FileTree, tree: &MergedTree, expected: &[Row]) -> Result<(), TestCaseError> {
        let n = expected.len();
        prop_assert_eq!(t.row_count(), n);
        for start in 0..=n + 1 {
            for count in [1, 2, 5] {
                let got = t.rows_from(start, count);
                let want: Vec<usize> = (start..(start + count).min(n)).collect();
                prop_assert_eq!(got.iter().map(|w| w.index).collect::<Vec<_>>(), want);
                for w in &got {
                    prop_assert_eq!(w.row, expected[w.index]);
                    prop_assert_eq!(&w.ancestors_last, &guides(expected, w.index));
                }
            }
        }
        for id in 0..tree.node_count() as NodeId {
            let want = expected.iter().position(|r| r.node == id);
            prop_assert_eq!(t.row_of_for_test(id), want, "node {}", id);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The rows read from the counts (windows, guides, a node's row) are the walk's, and
        /// a key that changes the rows keeps the selected node selected while it is shown
        /// (else the selection stays where it was, within the rows).
        #[test]
        fn reads_and_selection_are_the_walks(
            layers in layers(),
            o in options(),
            pick in 0..64usize,
            kind in 0..4usize,
        ) {
            let n = layers.len();
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let tree = &img.tree;
            let mut t = set_up(tree, n, &o);
            let before = t.reference_rows(tree);
            check_reads(&t, tree, &before)?;
            let sel = pick % before.len().max(1);
            t.select(sel);
            prop_assert_eq!(t.selected_row().copied(), before.get(sel).copied());
            let kinds = [Change::Added, Change::Modified, Change::Removed, Change::Unmodified];
            t.toggle_kind(tree, kinds[kind]);
            let after = t.reference_rows(tree);
            check_reads(&t, tree, &after)?;
            let kept = before
                .get(sel)
                .and_then(|r| after.iter().position(|a| a.node == r.node));
            let want = kept.unwrap_or(sel.min(after.len().saturating_sub(1)));
            prop_assert_eq!(t.selected(), want);
            prop_assert_eq!(t.selected_row().copied(), after.get(want).copied());
            // The other order: the same rows shown, the selected node still selected.
            let node = t.selected_row().map(|r| r.node);
            t.toggle_sort(tree);
            let sorted = t.reference_rows(tree);
            check_reads(&t, tree, &sorted)?;
            prop_assert_eq!(t.selected_row().map(|r| r.node), node);
            // Back to options counted before (the counts kept), and through collapsing all
            // and expanding all.
            t.toggle_kind(tree, kinds[kind]);
            check_reads(&t, tree, &t.reference_rows(tree))?;
            t.toggle_collapse_all(tree);
            check_reads(&t, tree, &t.reference_rows(tree))?;
            t.toggle_collapse_all(tree);
            check_reads(&t, tree, &t.reference_rows(tree))?;
        }

        /// A search cut into runs, each on its own thread, marks what one run marks, wherever
        /// the cuts fall (inside a matching directory's subtree too).
        #[test]
        fn runs_mark_what_one_run_marks(layers in layers()) {
            let n = layers.len();
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let tree = &img.tree;
            let index = super::super::path_index::PathIndex::new(tree);
            for needle in ["a", "b", "ab", ".", "é", "x"] {
                let mut one = vec![false; index.len()];
                index.contains_in_runs(tree, needle.as_bytes(), 1, &mut one);
                prop_assert_eq!(&index.contains(tree, needle.as_bytes(), false), &one);
                for runs in 2..=5 {
                    let mut cut = vec![false; index.len()];
                    index.contains_in_runs(tree, needle.as_bytes(), runs, &mut cut);
                    prop_assert_eq!(&cut, &one, "{} in {} runs, {} layers", needle, runs, n);
                }
            }
        }

        /// The scan over the pre-order lists the rows the depth-first walk lists, and a search
        /// finds what the walk's search finds, for any options.
        #[test]
        fn the_scan_is_the_walk(layers in layers(), o in options()) {
            let n = layers.len();
            let img = image(layers.into_iter().map(|l| ("RUN x", l)).collect(), None);
            let tree = &img.tree;
            let mut t = set_up(tree, n, &o);
            prop_assert_eq!(t.all_rows(), t.reference_rows(tree));
            for needle in NEEDLES {
                let expected = t.reference_search(tree, needle);
                // What typing reads (the count and the first, found without the others)
                // first, so that no full search has sorted a directory before it.
                let first = t.search_first(tree, needle);
                prop_assert_eq!(first, (expected.len(), expected.first().copied()), "{}", needle);
                // And each next one, walking on from the one before.
                let mut stepped: Vec<NodeId> = first.1.into_iter().collect();
                while let Some(&last) = stepped.last() {
                    match t.search_next(tree, needle, last) {
                        Some(n) => stepped.push(n),
                        None => break,
                    }
                    prop_assert!(stepped.len() <= expected.len(), "{}", needle);
                }
                prop_assert_eq!(&stepped, &expected, "{}", needle);
                prop_assert_eq!(t.search(tree, needle), expected, "{}", needle);
            }
            // Backwards, in a tree set up afresh (no directory sorted yet): the last, then
            // each one before, walking back from the one after.
            let mut t = set_up(tree, n, &o);
            for needle in NEEDLES {
                let expected = t.reference_search(tree, needle);
                let last = t.search_last(tree, needle);
                prop_assert_eq!(last, expected.last().copied(), "{}", needle);
                let mut stepped: Vec<NodeId> = last.into_iter().collect();
                while let Some(&first) = stepped.last() {
                    match t.search_prev(tree, needle, first) {
                        Some(n) => stepped.push(n),
                        None => break,
                    }
                    prop_assert!(stepped.len() <= expected.len(), "{}", needle);
                }
                stepped.reverse();
                prop_assert_eq!(&stepped, &expected, "{}", needle);
            }
            // Flipping the sort back and forth uses the cached orders.
            t.toggle_sort(tree);
            prop_assert_eq!(t.all_rows(), t.reference_rows(tree));
            t.toggle_sort(tree);
            prop_assert_eq!(t.all_rows(), t.reference_rows(tree));
        }
    }
}
