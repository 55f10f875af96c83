//! The file-tree model: which rows the tree pane shows for a layer, a compare mode, change-kind
//! toggles, a path filter, a sort order and a set of collapsed directories. Plain data, no
//! drawing (like gitui's `filetreelist`).
//!
//! **No per-layer tree copy is ever made**: a [`LayerView`] is a few flat arrays indexed by
//! [`NodeId`] (change, size, is-dir), computed once per (layer, mode) from the merged tree and
//! kept in a small cache. Rows are re-flattened from it on every option change, which is a
//! single walk over the tree without allocation per node.

use std::collections::HashSet;

use super::path_filter::{Cursor, PathFilter};

pub use super::layer_view::{CompareMode, LayerView};
use crate::index::{Change, MergedTree, NodeId, ROOT};

/// How siblings are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Name,
    /// Largest first, ties by name.
    Size,
}

/// Which change kinds are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeFilter {
    pub added: bool,
    pub modified: bool,
    pub removed: bool,
    pub unmodified: bool,
}

impl Default for ChangeFilter {
    fn default() -> Self {
        ChangeFilter {
            added: true,
            modified: true,
            removed: true,
            unmodified: true,
        }
    }
}

impl ChangeFilter {
    /// Whether rows of this kind are shown.
    pub fn shows(&self, c: Change) -> bool {
        match c {
            Change::Added => self.added,
            Change::Modified => self.modified,
            Change::Removed => self.removed,
            Change::Unmodified => self.unmodified,
        }
    }

    /// Flips one kind.
    pub fn toggle(&mut self, c: Change) {
        let flag = match c {
            Change::Added => &mut self.added,
            Change::Modified => &mut self.modified,
            Change::Removed => &mut self.removed,
            Change::Unmodified => &mut self.unmodified,
        };
        *flag = !*flag;
    }
}

/// One row of the tree pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    /// Index of the parent's row (`u32::MAX` at the top level).
    pub parent: u32,
    /// 0 for children of the root.
    pub depth: u32,
    pub change: Change,
    pub is_dir: bool,
    pub collapsed: bool,
    /// The last shown child of its parent (for the tree guides).
    pub last: bool,
    pub size: u64,
}

/// The options that decide which rows are shown.
#[derive(Debug, Clone)]
pub struct TreeOptions {
    pub mode: CompareMode,
    pub sort: SortOrder,
    pub show: ChangeFilter,
    /// The path filter as typed.
    pub filter: String,
    filter_re: Option<PathFilter>,
    /// Only these nodes (and the directories above them), with what they are (`package
    /// libc6`): a package's files, from the packages view.
    pub only: Option<Only>,
}

/// A set of nodes the tree is limited to, and its name for the pane's title.
#[derive(Debug, Clone)]
pub struct Only {
    pub what: String,
    pub nodes: std::sync::Arc<Vec<bool>>,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            mode: CompareMode::Layer,
            sort: SortOrder::Name,
            show: ChangeFilter::default(),
            filter: String::new(),
            filter_re: None,
            only: None,
        }
    }
}

/// How many (layer, mode) views are kept; each costs ~10 bytes a node.
const VIEW_CACHE: usize = 6;

/// The tree pane's model.
#[derive(Debug)]
pub struct FileTree {
    layer: usize,
    pub options: TreeOptions,
    collapsed: HashSet<NodeId>,
    views: Vec<LayerView>,
    rows: Vec<Row>,
    selected: usize,
    offset: usize,
}

impl FileTree {
    /// The model for layer 0, everything expanded.
    pub fn new(tree: &MergedTree) -> FileTree {
        FileTree::with_options(tree, ChangeFilter::default(), false, false)
    }

    /// The model for layer 0 with the config file's starting options: the change kinds shown,
    /// the aggregated view, and every directory collapsed.
    pub fn with_options(
        tree: &MergedTree,
        show: ChangeFilter,
        aggregated: bool,
        collapse_all: bool,
    ) -> FileTree {
        let mut t = FileTree {
            layer: 0,
            options: TreeOptions::default(),
            collapsed: HashSet::new(),
            views: Vec::new(),
            rows: Vec::new(),
            selected: 0,
            offset: 0,
        };
        t.options.show = show;
        if aggregated {
            t.options.mode = CompareMode::Aggregated;
        }
        if collapse_all {
            tree.walk(ROOT, &mut |n| {
                if n != ROOT && !tree.children(n).is_empty() {
                    t.collapsed.insert(n);
                }
            });
        }
        // Even an image with no layers gets its (empty) view, so every key has one to act on.
        t.rebuild(tree);
        t
    }

    pub fn layer(&self) -> usize {
        self.layer
    }

    /// The view for the current layer and mode (computing it if needed).
    fn ensure_view(&mut self, tree: &MergedTree) -> usize {
        let (layer, mode) = (self.layer, self.options.mode);
        if let Some(i) = self
            .views
            .iter()
            .position(|v| v.layer == layer && v.mode == mode)
        {
            return i;
        }
        if self.views.len() >= VIEW_CACHE {
            self.views.remove(0);
        }
        self.views.push(LayerView::compute(tree, layer, mode));
        self.views.len() - 1
    }

    /// Drops the cached per-layer views but the current one, so that the next layer switch
    /// computes its view afresh (benchmarks measure that cold switch).
    pub fn forget_views(&mut self) {
        let (layer, mode) = (self.layer, self.options.mode);
        self.views.retain(|v| v.layer == layer && v.mode == mode);
    }

    /// The current (layer, mode) view. Always present after construction.
    pub fn view(&self) -> &LayerView {
        let (layer, mode) = (self.layer, self.options.mode);
        self.views
            .iter()
            .find(|v| v.layer == layer && v.mode == mode)
            .expect("the current view is computed by rebuild")
    }

    /// Re-flattens the rows, keeping the selected node selected when it is still shown.
    pub fn rebuild(&mut self, tree: &MergedTree) {
        let keep = self.selected_row().map(|r| r.node);
        let vi = self.ensure_view(tree);
        let view = &self.views[vi];
        let mut rows = std::mem::take(&mut self.rows);
        rows.clear();
        let mut path = Vec::new();
        let mut ctx = Flatten {
            tree,
            view,
            options: &self.options,
            collapsed: &self.collapsed,
            rows: &mut rows,
            path: &mut path,
            cache: self.options.filter_re.as_ref().and_then(PathFilter::cache),
        };
        ctx.run(ROOT, true);
        self.rows = rows;
        self.selected = keep
            .and_then(|n| self.rows.iter().position(|r| r.node == n))
            .unwrap_or_else(|| self.selected.min(self.rows.len().saturating_sub(1)));
    }

    /// Shows another layer.
    pub fn set_layer(&mut self, tree: &MergedTree, layer: usize) {
        self.layer = layer;
        self.rebuild(tree);
    }

    pub fn set_mode(&mut self, tree: &MergedTree, mode: CompareMode) {
        self.options.mode = mode;
        self.rebuild(tree);
    }

    pub fn toggle_kind(&mut self, tree: &MergedTree, c: Change) {
        self.options.show.toggle(c);
        self.rebuild(tree);
    }

    pub fn toggle_sort(&mut self, tree: &MergedTree) {
        self.options.sort = match self.options.sort {
            SortOrder::Name => SortOrder::Size,
            SortOrder::Size => SortOrder::Name,
        };
        self.rebuild(tree);
    }

    /// Sets the path filter (a regex; text that is not a valid regex matches literally).
    pub fn set_filter(&mut self, tree: &MergedTree, pattern: &str) {
        self.options.filter = pattern.to_string();
        self.options.filter_re = PathFilter::new(pattern);
        self.rebuild(tree);
    }

    /// Limits the tree to a set of nodes (`None`: everything again).
    pub fn set_only(&mut self, tree: &MergedTree, only: Option<Only>) {
        self.options.only = only;
        self.rebuild(tree);
    }

    /// Collapses or expands the selected directory.
    pub fn toggle_collapse(&mut self, tree: &MergedTree) {
        let Some(r) = self.selected_row().copied() else {
            return;
        };
        if !r.is_dir {
            return;
        }
        if !self.collapsed.remove(&r.node) {
            self.collapsed.insert(r.node);
        }
        self.rebuild(tree);
    }

    /// Collapses every directory, or expands all when any top-level one is collapsed already.
    pub fn toggle_collapse_all(&mut self, tree: &MergedTree) {
        if self.collapsed.is_empty() {
            let view = self.view();
            let mut all = HashSet::new();
            tree.walk(ROOT, &mut |n| {
                if view.is_dir(n) && view.change(n).is_some() {
                    all.insert(n);
                }
            });
            self.collapsed = all;
        } else {
            self.collapsed.clear();
        }
        self.rebuild(tree);
    }

    /// Expands the selected directory (right / l).
    pub fn expand(&mut self, tree: &MergedTree) {
        if let Some(r) = self.selected_row().copied() {
            if r.is_dir && self.collapsed.remove(&r.node) {
                self.rebuild(tree);
            }
        }
    }

    /// Collapses the selected directory, or moves to its parent (left / h).
    pub fn collapse_or_parent(&mut self, tree: &MergedTree) {
        let Some(r) = self.selected_row().copied() else {
            return;
        };
        if r.is_dir && !r.collapsed {
            self.collapsed.insert(r.node);
            self.rebuild(tree);
        } else if r.parent != u32::MAX {
            self.selected = r.parent as usize;
        }
    }

    /// Selects a node, expanding its ancestors; false when it is not shown (filtered out or
    /// absent from this layer).
    pub fn reveal(&mut self, tree: &MergedTree, node: NodeId) -> bool {
        let mut a = tree.parent(node);
        let mut changed = false;
        while a != ROOT {
            changed |= self.collapsed.remove(&a);
            a = tree.parent(a);
        }
        if changed {
            self.rebuild(tree);
        }
        match self.rows.iter().position(|r| r.node == node) {
            Some(i) => {
                self.selected = i;
                true
            }
            None => false,
        }
    }

    /// Every shown node (collapsed or not) whose path contains `needle`, in display order.
    pub fn search(&self, tree: &MergedTree, needle: &str) -> Vec<NodeId> {
        let mut out = Vec::new();
        if needle.is_empty() {
            return out;
        }
        let mut rows = Vec::new();
        let mut path = Vec::new();
        let none = HashSet::new();
        let mut ctx = Flatten {
            tree,
            view: self.view(),
            options: &self.options,
            collapsed: &none,
            rows: &mut rows,
            path: &mut path,
            cache: self.options.filter_re.as_ref().and_then(PathFilter::cache),
        };
        ctx.run(ROOT, true);
        // Each row's path is its parent row's plus `/name`: carry the matcher's state down
        // the rows (a parent's row comes before its children's), so the search costs the
        // length of the names, not of every full path (quadratic in a deep tree).
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

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.rows.get(self.selected)
    }

    pub fn is_collapsed(&self, node: NodeId) -> bool {
        self.collapsed.contains(&node)
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let max = self.rows.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(max);
    }

    /// Selects a row by index (a mouse click), clamped.
    pub fn select(&mut self, row: usize) {
        self.selected = row.min(self.rows.len().saturating_sub(1));
    }

    /// The first row of the scroll window.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Scrolls the window (of `height` rows) so the selection is inside it.
    pub fn scroll_to_selection(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max = self.rows.len().saturating_sub(height);
        self.offset = self.offset.min(max);
    }

    /// Scrolls the window without moving the selection further than needed (mouse wheel).
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.rows.len().saturating_sub(height.max(1));
        self.offset = self.offset.saturating_add_signed(delta).min(max);
        if self.selected < self.offset {
            self.selected = self.offset;
        } else if self.selected >= self.offset + height {
            self.selected = self.offset + height.saturating_sub(1);
        }
    }

    /// The rows of the scroll window.
    pub fn window(&self, height: usize) -> &[Row] {
        let start = self.offset.min(self.rows.len());
        let end = (start + height).min(self.rows.len());
        &self.rows[start..end]
    }

    /// For a row, whether each ancestor level (outermost first) is its parent's last child:
    /// what the tree guides need to draw `│` or blank.
    pub fn ancestors_last(&self, row: usize) -> Vec<bool> {
        let mut out = Vec::new();
        let mut p = self.rows[row].parent;
        while p != u32::MAX {
            let r = &self.rows[p as usize];
            out.push(r.last);
            p = r.parent;
        }
        out.reverse();
        out
    }
}

/// A substring matcher fed a byte at a time (Knuth–Morris–Pratt): the state is how much of
/// the needle the text seen so far ends with.
struct Substring<'a> {
    needle: &'a [u8],
    /// For each prefix length, the longest proper border (prefix that is also a suffix).
    border: Vec<usize>,
}

impl<'a> Substring<'a> {
    fn new(needle: &'a [u8]) -> Self {
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

    fn len(&self) -> usize {
        self.needle.len()
    }

    /// The state after `bytes`, from state `at`.
    fn feed(&self, mut at: usize, bytes: &[u8]) -> usize {
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

struct Flatten<'a> {
    tree: &'a MergedTree,
    view: &'a LayerView,
    options: &'a TreeOptions,
    collapsed: &'a HashSet<NodeId>,
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
        let root = self
            .options
            .filter_re
            .as_ref()
            .map(|f| f.root(&mut self.cache));
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
            if let Some(f) = self.options.filter_re.as_ref() {
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
            let collapsed = is_dir && self.collapsed.contains(&k);
            if top.emit {
                self.rows.push(Row {
                    node: k,
                    parent: top.parent_row,
                    depth: top.depth,
                    change,
                    is_dir,
                    collapsed,
                    last: false,
                    size: self.view.size(k),
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
    use super::*;
    use crate::index::{Entry, EntryKind, LayerIndex};

    fn e(path: &str, kind: EntryKind, size: u64, digest: u128) -> Entry {
        Entry {
            path: path.as_bytes().into(),
            kind,
            type_flag: if kind == EntryKind::Dir { b'5' } else { b'0' },
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link: None,
            digest: (kind == EntryKind::File).then_some(digest),
            hint: Default::default(),
        }
    }

    /// Layer 0: etc/{a,b}, usr/bin/{big,small}; layer 1: modifies etc/a, adds etc/c,
    /// removes usr/bin/small.
    fn sample() -> MergedTree {
        let l0 = vec![
            e("etc", EntryKind::Dir, 0, 0),
            e("etc/a", EntryKind::File, 10, 1),
            e("etc/b", EntryKind::File, 20, 2),
            e("usr", EntryKind::Dir, 0, 0),
            e("usr/bin", EntryKind::Dir, 0, 0),
            e("usr/bin/big", EntryKind::File, 1000, 3),
            e("usr/bin/small", EntryKind::File, 5, 4),
        ];
        let l1 = vec![
            e("etc/a", EntryKind::File, 11, 9),
            e("etc/c", EntryKind::File, 30, 5),
            e("usr/bin/small", EntryKind::Whiteout, 0, 0),
        ];
        MergedTree::build(
            [l0, l1]
                .into_iter()
                .map(|entries| LayerIndex {
                    entries,
                    documents: Vec::new(),
                    ..Default::default()
                })
                .collect(),
        )
    }

    fn shown(t: &FileTree, tree: &MergedTree) -> Vec<String> {
        t.rows()
            .iter()
            .map(|r| {
                let c = match r.change {
                    Change::Added => '+',
                    Change::Modified => '~',
                    Change::Removed => '-',
                    Change::Unmodified => ' ',
                };
                format!(
                    "{}{c}{}",
                    "  ".repeat(r.depth as usize),
                    String::from_utf8_lossy(tree.name(r.node))
                )
            })
            .collect()
    }

    #[test]
    fn layer_zero_is_all_added_and_fully_expanded() {
        let tree = sample();
        let t = FileTree::new(&tree);
        assert_eq!(
            shown(&t, &tree),
            [
                "+etc",
                "  +a",
                "  +b",
                "+usr",
                "  +bin",
                "    +big",
                "    +small"
            ]
        );
        assert_eq!(t.rows()[0].size, 30);
        assert_eq!(t.rows()[3].size, 1005);
    }

    #[test]
    fn second_layer_shows_changes_and_propagates_modified_to_directories() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.set_layer(&tree, 1);
        assert_eq!(
            shown(&t, &tree),
            [
                "~etc",
                "  ~a",
                "   b",
                "  +c",
                "~usr",
                "  ~bin",
                "     big",
                "    -small"
            ]
        );
        // A removed file keeps the size it had.
        assert_eq!(t.rows()[7].size, 5);
    }

    #[test]
    fn hiding_unmodified_keeps_parents_of_changes() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.set_layer(&tree, 1);
        t.toggle_kind(&tree, Change::Unmodified);
        assert_eq!(
            shown(&t, &tree),
            ["~etc", "  ~a", "  +c", "~usr", "  ~bin", "    -small"]
        );
        t.toggle_kind(&tree, Change::Modified);
        // Directories stay as the path to what is still shown.
        assert_eq!(
            shown(&t, &tree),
            ["~etc", "  +c", "~usr", "  ~bin", "    -small"]
        );
        t.toggle_kind(&tree, Change::Removed);
        assert_eq!(shown(&t, &tree), ["~etc", "  +c"]);
    }

    #[test]
    fn collapse_expand_and_selection_follow_the_node() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.move_by(3); // usr
        assert_eq!(tree.name(t.selected_row().unwrap().node), b"usr");
        t.toggle_collapse(&tree);
        assert_eq!(shown(&t, &tree), ["+etc", "  +a", "  +b", "+usr"]);
        assert!(t.selected_row().unwrap().collapsed);
        t.expand(&tree);
        assert_eq!(t.rows().len(), 7);
        t.move_by(2); // big
        t.collapse_or_parent(&tree); // a file: go to its parent
        assert_eq!(tree.name(t.selected_row().unwrap().node), b"bin");
        t.collapse_or_parent(&tree); // an expanded dir: collapse it
        assert_eq!(t.rows().len(), 5);
        // Something is collapsed: expand everything; then collapse everything.
        t.toggle_collapse_all(&tree);
        assert_eq!(t.rows().len(), 7);
        t.toggle_collapse_all(&tree);
        assert_eq!(shown(&t, &tree), ["+etc", "+usr"]);
    }

    #[test]
    fn filter_keeps_matches_and_their_parents() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.set_filter(&tree, "bi.");
        assert_eq!(
            shown(&t, &tree),
            ["+usr", "  +bin", "    +big", "    +small"]
        );
        t.set_filter(&tree, "b$");
        assert_eq!(shown(&t, &tree), ["+etc", "  +b"]);
        // Not a valid regex: matched literally.
        t.set_filter(&tree, "a(");
        assert!(t.rows().is_empty());
        t.set_filter(&tree, "");
        assert_eq!(t.rows().len(), 7);
    }

    #[test]
    fn a_collapsed_directory_is_shown_only_while_something_below_it_is() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.set_layer(&tree, 1);
        t.toggle_collapse_all(&tree);
        assert_eq!(shown(&t, &tree), ["~etc", "~usr"]);
        // usr/ (modified itself) holds an unmodified and a removed file; etc/ an added one.
        t.toggle_kind(&tree, Change::Modified);
        t.toggle_kind(&tree, Change::Unmodified);
        assert_eq!(shown(&t, &tree), ["~etc", "~usr"]);
        t.toggle_kind(&tree, Change::Removed);
        assert_eq!(shown(&t, &tree), ["~etc"]);
        t.toggle_kind(&tree, Change::Removed);
        t.toggle_kind(&tree, Change::Modified);
        t.toggle_kind(&tree, Change::Unmodified);
        // A filter matching inside a collapsed directory keeps it, collapsed.
        t.set_filter(&tree, "small");
        assert_eq!(shown(&t, &tree), ["~usr"]);
        assert!(t.rows()[0].collapsed);
        t.set_filter(&tree, "nothing-matches");
        assert!(t.rows().is_empty());
    }

    #[test]
    fn sort_by_size_puts_the_largest_first() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.toggle_sort(&tree);
        assert_eq!(
            shown(&t, &tree),
            [
                "+usr",
                "  +bin",
                "    +big",
                "    +small",
                "+etc",
                "  +b",
                "  +a"
            ]
        );
    }

    #[test]
    fn aggregated_mode_compares_with_layer_zero() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.set_mode(&tree, CompareMode::Aggregated);
        // Layer 0 against nothing: everything added.
        assert!(t.rows().iter().all(|r| r.change == Change::Added));
        t.set_layer(&tree, 1);
        assert_eq!(t.rows()[1].change, Change::Modified);
    }

    #[test]
    fn window_scroll_and_guides() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.move_by(100);
        assert_eq!(t.selected(), 6);
        t.scroll_to_selection(3);
        assert_eq!(t.offset(), 4);
        assert_eq!(t.window(3).len(), 3);
        t.move_by(-6);
        t.scroll_to_selection(3);
        assert_eq!(t.offset(), 0);
        t.scroll_by(10, 3);
        assert_eq!((t.offset(), t.selected()), (4, 4));
        // small: parent bin is the last child of usr, which is the last top-level row.
        assert_eq!(t.ancestors_last(6), [true, true]);
        assert!(t.rows()[6].last);
        assert!(!t.rows()[5].last);
    }

    #[test]
    fn search_finds_inside_collapsed_directories_and_reveal_expands() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        t.toggle_collapse_all(&tree);
        let hits = t.search(&tree, "sma");
        assert_eq!(hits, [tree.find(b"usr/bin/small").unwrap()]);
        assert!(t.reveal(&tree, hits[0]));
        assert_eq!(tree.name(t.selected_row().unwrap().node), b"small");
        t.set_filter(&tree, "etc");
        assert!(!t.reveal(&tree, hits[0]));
    }

    #[test]
    fn only_a_set_of_nodes_and_their_directories() {
        let tree = sample();
        let mut t = FileTree::new(&tree);
        let mut nodes = vec![false; tree.node_count()];
        let keep = tree.find(b"usr/bin/big").unwrap();
        nodes[keep as usize] = true;
        t.set_only(
            &tree,
            Some(Only {
                what: "package dash".into(),
                nodes: std::sync::Arc::new(nodes),
            }),
        );
        assert_eq!(shown(&t, &tree), ["+usr", "  +bin", "    +big"]);
        t.set_only(&tree, None);
        assert_eq!(t.rows().len(), 7);
    }
}
