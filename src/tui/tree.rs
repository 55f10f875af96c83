//! The file-tree model: which rows the tree pane shows for a layer, a compare mode, change-kind
//! toggles, a path filter, a sort order and a set of collapsed directories. Plain data, no
//! drawing (like gitui's `filetreelist`).
//!
//! **No per-layer tree copy is ever made**: a [`LayerView`] is two flat arrays in the
//! [`PathIndex`]'s order (change and is-dir in one byte, size), computed once per (layer,
//! mode) from the per-image [`NodeFacts`] and kept in a small cache. **The rows are never
//! all listed**: on an option change one pass counts the rows each subtree shows
//! (`flatten.rs`; the last few counts are kept), and the rows of the scroll window, the
//! selection's row and the row count are read from those counts. Which paths match the filter or a search is one pass over the
//! [`PathIndex`]'s order, and the last few answers are kept, so a backspace costs no pass at
//! all.

use super::flatten::{Listing, Order, Shown};
use super::path_filter::PathFilter;
use super::path_index::PathIndex;

use super::layer_view::{decode, Buffers, DIR};
pub use super::layer_view::{CompareMode, LayerView, NodeFacts};
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
}

/// A row of a scroll window, with what drawing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowRow {
    /// Which row it is.
    pub index: usize,
    pub row: Row,
    /// For each ancestor level (outermost first), whether that ancestor is its parent's last
    /// shown child: what the tree guides need to draw `│` or blank.
    pub ancestors_last: Vec<bool>,
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

/// How many (layer, mode) views are kept; each costs ~9 bytes a node (18 once sorted by
/// size).
const VIEW_CACHE: usize = 6;

/// How many filter and search answers are kept; each costs a byte a node.
const MATCH_CACHE: usize = 8;

/// The collapsed directories: a flag per node.
#[derive(Debug, Default, Clone)]
pub struct Collapsed {
    flags: Vec<bool>,
    count: usize,
    /// Changed on every change, to a number no other set had (0: never changed).
    generation: u64,
}

/// The last [`Collapsed::generation`] given out.
static COLLAPSED_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Collapsed {
    /// Names the set's content: two sets with the same version hold the same directories.
    fn version(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.generation
        }
    }

    fn changed(&mut self) {
        self.generation =
            COLLAPSED_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    }

    pub fn contains(&self, node: NodeId) -> bool {
        self.count > 0 && self.flags.get(node as usize).copied().unwrap_or(false)
    }

    /// Returns whether it was not collapsed already.
    pub fn insert(&mut self, node: NodeId) -> bool {
        let i = node as usize;
        if self.flags.len() <= i {
            self.flags.resize(i + 1, false);
        }
        let new = !self.flags[i];
        self.flags[i] = true;
        self.count += usize::from(new);
        if new {
            self.changed();
        }
        new
    }

    /// Returns whether it was collapsed.
    pub fn remove(&mut self, node: NodeId) -> bool {
        let was = self.contains(node);
        if was {
            self.flags[node as usize] = false;
            self.count -= 1;
            self.changed();
        }
        was
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn clear(&mut self) {
        if self.count > 0 {
            self.flags.iter_mut().for_each(|f| *f = false);
            self.count = 0;
            self.changed();
        }
    }
}

/// How many row counts are kept (the current one included); each costs 4 bytes a node.
const COUNT_CACHE: usize = 4;

/// What decides a row count: the counts for equal keys are equal.
#[derive(Debug)]
struct CountKey {
    layer: usize,
    mode: CompareMode,
    show: ChangeFilter,
    filter: String,
    /// Held, so that its address names it while the key lives.
    only: Option<std::sync::Arc<Vec<bool>>>,
    collapsed: u64,
}

impl CountKey {
    fn same(&self, o: &CountKey) -> bool {
        let only = match (&self.only, &o.only) {
            (None, None) => true,
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        };
        only && (self.layer, self.mode, self.show, self.collapsed)
            == (o.layer, o.mode, o.show, o.collapsed)
            && self.filter == o.filter
    }
}

/// What a cached set of matching paths answers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    /// The path filter's pattern (full paths, `/a/b`).
    Filter(String),
    /// A search's text (paths as `a/b`).
    Search(String),
}

/// The last few answers to "which paths match" (by position), most recent last.
#[derive(Debug, Default)]
struct MatchCache {
    entries: Vec<(Query, Vec<bool>)>,
}

impl MatchCache {
    fn get_or_insert_with(&mut self, q: Query, f: impl FnOnce() -> Vec<bool>) -> &[bool] {
        match self.entries.iter().position(|(k, _)| *k == q) {
            Some(i) => {
                let e = self.entries.remove(i);
                self.entries.push(e);
            }
            None => {
                if self.entries.len() >= MATCH_CACHE {
                    self.entries.remove(0);
                }
                let v = f();
                self.entries.push((q, v));
            }
        }
        &self.entries.last().expect("just pushed").1
    }

    fn get(&self, q: &Query) -> Option<&[bool]> {
        self.entries
            .iter()
            .find(|(k, _)| k == q)
            .map(|(_, v)| v.as_slice())
    }
}

/// The tree pane's model.
#[derive(Debug)]
pub struct FileTree {
    layer: usize,
    pub options: TreeOptions,
    collapsed: Collapsed,
    index: PathIndex,
    facts: NodeFacts,
    matches: MatchCache,
    views: Vec<LayerView>,
    /// The arrays of the last view dropped, for the next one computed.
    spare: Option<Buffers>,
    /// The rows each subtree shows, by position ([`Shown::count`]), their sum, and what
    /// they were counted for.
    counts: Vec<u32>,
    total: usize,
    counted: Option<CountKey>,
    /// The last few counts before those, most recent last: a key that goes back (a
    /// backspace, a kind shown again, the last layer) finds its rows counted.
    earlier_counts: Vec<(CountKey, Vec<u32>, usize)>,
    /// The array of counts last dropped, for the next one counted.
    spare_counts: Vec<u32>,
    /// Changes each time which nodes are shown or their order changes (layer, compare mode,
    /// kinds shown, sort, filter, limit): what a search's known matches were found in.
    shown: u64,
    selected: usize,
    /// The selected row, kept as the selection moves (a key that changes the rows asks which
    /// node was selected after it changed the options the rows are read with).
    selected_row: Option<Row>,
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
        // Two passes over every node, each on its own core when there is one.
        let (index, facts) = std::thread::scope(|s| {
            let index = s.spawn(|| PathIndex::new(tree));
            let facts = NodeFacts::new(tree);
            (index.join(), facts)
        });
        let index = match index {
            Ok(index) => index,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let facts = facts.in_order(&index);
        let mut t = FileTree {
            layer: 0,
            options: TreeOptions::default(),
            collapsed: Collapsed::default(),
            index,
            facts,
            matches: MatchCache::default(),
            views: Vec::new(),
            spare: None,
            counts: Vec::new(),
            total: 0,
            counted: None,
            earlier_counts: Vec::new(),
            spare_counts: Vec::new(),
            shown: 0,
            selected: 0,
            selected_row: None,
            offset: 0,
        };
        t.options.show = show;
        if aggregated {
            t.options.mode = CompareMode::Aggregated;
        }
        if collapse_all {
            for p in 1..t.index.len() {
                if t.index.end(p) > p + 1 {
                    t.collapsed.insert(t.index.node(p));
                }
            }
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
            self.spare = Some(self.views.remove(0).into_buffers());
        }
        let view = LayerView::compute(
            tree,
            &self.facts,
            &self.index,
            layer,
            mode,
            self.spare.take(),
        );
        self.views.push(view);
        self.views.len() - 1
    }

    /// Drops the cached per-layer views but the current one, and the row counts but the
    /// current ones, so that the next layer switch computes its view and counts afresh
    /// (benchmarks measure that cold switch). One dropped view's arrays and one array of
    /// counts are kept for it, as when a full cache drops its oldest.
    pub fn forget_views(&mut self) {
        if let Some((_, counts, _)) = self.earlier_counts.drain(..).next() {
            self.spare_counts = counts;
        }
        let (layer, mode) = (self.layer, self.options.mode);
        let (keep, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut self.views)
            .into_iter()
            .partition(|v| v.layer == layer && v.mode == mode);
        self.views = keep;
        if let Some(v) = dropped.into_iter().next() {
            self.spare = Some(v.into_buffers());
        }
    }

    /// The current (layer, mode) view. Always present after construction.
    pub fn view(&self) -> &LayerView {
        let (layer, mode) = (self.layer, self.options.mode);
        self.views
            .iter()
            .find(|v| v.layer == layer && v.mode == mode)
            .expect("the current view is computed by rebuild")
    }

    /// The filter's matches, per position (computed once per pattern while it stays cached).
    fn filter_matches(&mut self, tree: &MergedTree) {
        let Some(f) = self.options.filter_re.as_ref() else {
            return;
        };
        let index = &self.index;
        let q = Query::Filter(self.options.filter.clone());
        self.matches.get_or_insert_with(q, || match f.literal() {
            Some(text) => index.contains(tree, text.as_bytes(), true),
            None => index.filter_matches(tree, f),
        });
    }

    /// Counts the rows again, keeping the selected node selected when it is still shown.
    pub fn rebuild(&mut self, tree: &MergedTree) {
        let keep = self.selected_row.map(|r| r.node);
        let vi = self.ensure_view(tree);
        self.filter_matches(tree);
        self.count(vi);
        let kept = keep.and_then(|k| self.listing().row_of(k));
        self.selected = kept.unwrap_or_else(|| self.selected.min(self.total.saturating_sub(1)));
        self.refresh_selected();
    }

    /// Counts the rows of view `vi` with the current options, unless they are counted.
    fn count(&mut self, vi: usize) {
        let key = CountKey {
            layer: self.layer,
            mode: self.options.mode,
            show: self.options.show,
            filter: self.options.filter.clone(),
            only: self.options.only.as_ref().map(|o| o.nodes.clone()),
            collapsed: self.collapsed.version(),
        };
        if self.counted.as_ref().is_some_and(|k| k.same(&key)) {
            return;
        }
        let earlier = &mut self.earlier_counts;
        let (counts, total) = match earlier.iter().position(|(k, _, _)| k.same(&key)) {
            Some(i) => {
                let (_, counts, total) = earlier.remove(i);
                (counts, total)
            }
            None => {
                let mut counts = if earlier.len() + 1 >= COUNT_CACHE {
                    earlier.remove(0).1
                } else {
                    std::mem::take(&mut self.spare_counts)
                };
                let total = self.shown(vi).count(&mut counts);
                (counts, total)
            }
        };
        let last = std::mem::replace(&mut self.counts, counts);
        if let Some(k) = self.counted.replace(key) {
            self.earlier_counts.push((k, last, self.total));
        }
        self.total = total;
    }

    /// What decides which nodes of view `vi` are shown, with the current options (the
    /// filter's matches computed already).
    fn shown(&self, vi: usize) -> Shown<'_> {
        Shown {
            nodes: &self.index.preorder().nodes,
            codes: self.views[vi].codes(),
            parent: self.facts.parents(),
            show: self.options.show,
            filter: self.options.filter_re.as_ref().and_then(|_| {
                self.matches
                    .get(&Query::Filter(self.options.filter.clone()))
            }),
            only: self.options.only.as_ref().map(|o| o.nodes.as_slice()),
            collapsed: &self.collapsed,
        }
    }

    /// The rows as the counts give them, in the current order.
    fn listing(&self) -> Listing<'_> {
        let view = self.view();
        let order = match self.options.sort {
            SortOrder::Name => Order::Name(&self.index),
            SortOrder::Size => Order::Size(&self.index, view),
        };
        Listing {
            order,
            codes: view.codes(),
            counts: &self.counts,
            parent: self.facts.parents(),
            positions: self.index.positions(),
            collapsed: &self.collapsed,
            total: self.total,
        }
    }

    /// Reads the selected row again after the selection moved.
    fn refresh_selected(&mut self) {
        self.selected_row = self
            .listing()
            .rows_from(self.selected, 1)
            .pop()
            .map(|w| w.row);
    }

    /// Shows another layer.
    pub fn set_layer(&mut self, tree: &MergedTree, layer: usize) {
        self.shown_changes(self.layer != layer);
        self.layer = layer;
        self.rebuild(tree);
    }

    pub fn set_mode(&mut self, tree: &MergedTree, mode: CompareMode) {
        self.shown_changes(self.options.mode != mode);
        self.options.mode = mode;
        self.rebuild(tree);
    }

    pub fn toggle_kind(&mut self, tree: &MergedTree, c: Change) {
        self.shown_changes(true);
        self.options.show.toggle(c);
        self.rebuild(tree);
    }

    /// Which version of the shown nodes and their order this is: see [`FileTree::shown`].
    pub fn shown_version(&self) -> u64 {
        self.shown
    }

    fn shown_changes(&mut self, changes: bool) {
        self.shown += u64::from(changes);
    }

    /// Sorts by the other order. The same rows, so the counts hold (they do not depend on
    /// the order); only the selected node's row is looked up again.
    pub fn toggle_sort(&mut self, _tree: &MergedTree) {
        self.shown_changes(true);
        let keep = self.selected_row.map(|r| r.node);
        self.options.sort = match self.options.sort {
            SortOrder::Name => SortOrder::Size,
            SortOrder::Size => SortOrder::Name,
        };
        if let Some(i) = keep.and_then(|k| self.listing().row_of(k)) {
            self.selected = i;
        }
        self.refresh_selected();
    }

    /// Sets the path filter (a regex; text that is not a valid regex matches literally).
    pub fn set_filter(&mut self, tree: &MergedTree, pattern: &str) {
        self.shown_changes(self.options.filter != pattern);
        self.options.filter = pattern.to_string();
        self.options.filter_re = PathFilter::new(pattern);
        self.rebuild(tree);
    }

    /// Limits the tree to a set of nodes (`None`: everything again).
    pub fn set_only(&mut self, tree: &MergedTree, only: Option<Only>) {
        self.shown_changes(self.options.only.is_some() || only.is_some());
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
        if !self.collapsed.remove(r.node) {
            self.collapsed.insert(r.node);
        }
        self.rebuild(tree);
    }

    /// Collapses every directory, or expands all when any top-level one is collapsed already.
    pub fn toggle_collapse_all(&mut self, tree: &MergedTree) {
        if self.collapsed.is_empty() {
            let view = self.view();
            let mut all = Collapsed::default();
            for p in 1..self.index.len() {
                let code = view.code_at(p);
                if code & DIR != 0 && decode(code).is_some() {
                    all.insert(self.index.node(p));
                }
            }
            self.collapsed = all;
        } else {
            self.collapsed.clear();
        }
        self.rebuild(tree);
    }

    /// Expands the selected directory (right / l).
    pub fn expand(&mut self, tree: &MergedTree) {
        if let Some(r) = self.selected_row().copied() {
            if r.is_dir && self.collapsed.remove(r.node) {
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
            self.refresh_selected();
        }
    }

    /// Selects a node, expanding its ancestors; false when it is not shown (filtered out or
    /// absent from this layer).
    pub fn reveal(&mut self, tree: &MergedTree, node: NodeId) -> bool {
        let mut a = tree.parent(node);
        let mut changed = false;
        while a != ROOT {
            changed |= self.collapsed.remove(a);
            a = tree.parent(a);
        }
        if changed {
            self.rebuild(tree);
        }
        match self.listing().row_of(node) {
            Some(i) => {
                self.selected = i;
                self.refresh_selected();
                true
            }
            None => false,
        }
    }

    /// Every shown node (collapsed or not) whose path contains `needle`, in display order.
    /// A walk over all of them (in a size order, sorting every directory holding one): for
    /// tests and tools, never for a key.
    pub fn search(&mut self, tree: &MergedTree, needle: &str) -> Vec<NodeId> {
        let mut hits = Vec::new();
        if let Some((listing, found)) = self.search_matches(tree, needle) {
            listing.for_each_wanted(found, |n| {
                hits.push(n);
                true
            });
        }
        hits
    }

    /// How many nodes [`FileTree::search`] finds, and the first of them: what typing a search
    /// needs, without putting every match in display order (in a size order, that sorts every
    /// directory holding one; here only those on the way to the first).
    pub fn search_first(&mut self, tree: &MergedTree, needle: &str) -> (usize, Option<NodeId>) {
        let Some((listing, found)) = self.search_matches(tree, needle) else {
            return (0, None);
        };
        let mut first = None;
        listing.for_each_wanted(found, |n| {
            first = Some(n);
            false
        });
        (listing.count_wanted(found), first)
    }

    /// The match of [`FileTree::search`] after `node` (one of them), without listing them
    /// all: `n`'s next step while the matches are known only up to `node`.
    pub fn search_next(&mut self, tree: &MergedTree, needle: &str, node: NodeId) -> Option<NodeId> {
        let (listing, found) = self.search_matches(tree, needle)?;
        listing.next_wanted(found, node)
    }

    /// The last match of [`FileTree::search`], without listing them all: `N`'s wrap from
    /// the first match (in a size order, only the directories on the way to it are sorted).
    pub fn search_last(&mut self, tree: &MergedTree, needle: &str) -> Option<NodeId> {
        let (listing, found) = self.search_matches(tree, needle)?;
        listing.last_wanted(found)
    }

    /// The match of [`FileTree::search`] before `node` (one of them), without listing them
    /// all: `N`'s step while the matches are known only from `node` on.
    pub fn search_prev(&mut self, tree: &MergedTree, needle: &str, node: NodeId) -> Option<NodeId> {
        let (listing, found) = self.search_matches(tree, needle)?;
        listing.prev_wanted(found, node)
    }

    /// The listing, and which paths contain `needle` by position (computed unless cached);
    /// `None` for an empty needle.
    fn search_matches(
        &mut self,
        tree: &MergedTree,
        needle: &str,
    ) -> Option<(Listing<'_>, &[bool])> {
        if needle.is_empty() {
            return None;
        }
        self.ensure_view(tree);
        self.filter_matches(tree);
        let index = &self.index;
        let q = Query::Search(needle.to_string());
        self.matches
            .get_or_insert_with(q.clone(), || index.contains(tree, needle.as_bytes(), false));
        Some((self.listing(), self.matches.get(&q).expect("just computed")))
    }

    /// How many rows are shown.
    pub fn row_count(&self) -> usize {
        self.total
    }

    /// Up to `count` rows from row `start` on: found by walking down to them, so a window
    /// costs about its height, whatever the row count.
    pub fn rows_from(&self, start: usize, count: usize) -> Vec<WindowRow> {
        self.listing().rows_from(start, count)
    }

    /// Every row. A walk over all of them: for tests and tools, never for a key or a frame.
    pub fn all_rows(&self) -> Vec<Row> {
        self.rows_from(0, self.total)
            .into_iter()
            .map(|w| w.row)
            .collect()
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.selected_row.as_ref()
    }

    pub fn is_collapsed(&self, node: NodeId) -> bool {
        self.collapsed.contains(node)
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: isize) {
        if self.total == 0 {
            return;
        }
        let max = self.total - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(max);
        self.refresh_selected();
    }

    /// Selects a row by index (a mouse click), clamped.
    pub fn select(&mut self, row: usize) {
        self.selected = row.min(self.total.saturating_sub(1));
        self.refresh_selected();
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
        let max = self.total.saturating_sub(height);
        self.offset = self.offset.min(max);
    }

    /// Scrolls the window without moving the selection further than needed (mouse wheel).
    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let max = self.total.saturating_sub(height.max(1));
        self.offset = self.offset.saturating_add_signed(delta).min(max);
        let selected = self.selected;
        if self.selected < self.offset {
            self.selected = self.offset;
        } else if self.selected >= self.offset + height {
            self.selected = self.offset + height.saturating_sub(1);
        }
        if self.selected != selected {
            self.refresh_selected();
        }
    }

    /// The rows of the scroll window.
    pub fn window(&self, height: usize) -> Vec<WindowRow> {
        self.rows_from(self.offset, height)
    }
}

#[cfg(test)]
impl FileTree {
    /// The rows as the depth-first walk lists them: the oracle for the scan.
    pub(super) fn reference_rows(&self, tree: &MergedTree) -> Vec<Row> {
        super::tree_reference::rows(
            tree,
            self.view(),
            &self.options,
            self.options.filter_re.as_ref(),
            &self.collapsed,
        )
    }

    /// A search as the depth-first walk does it.
    pub(super) fn reference_search(&self, tree: &MergedTree, needle: &str) -> Vec<NodeId> {
        super::tree_reference::search(
            tree,
            self.view(),
            &self.options,
            self.options.filter_re.as_ref(),
            needle,
        )
    }

    /// The row of a node, if it has one.
    pub(super) fn row_of_for_test(&self, node: NodeId) -> Option<usize> {
        self.listing().row_of(node)
    }

    /// Collapses a directory, selected or not.
    pub(super) fn collapse_for_test(&mut self, tree: &MergedTree, node: NodeId) {
        self.collapsed.insert(node);
        self.rebuild(tree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{EntryKind, LayerIndex, OwnedEntry};

    fn e(path: &str, kind: EntryKind, size: u64, digest: u128) -> OwnedEntry {
        OwnedEntry {
            path: path.as_bytes().into(),
            kind,
            type_flag: if kind == EntryKind::Dir { b'5' } else { b'0' },
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link: None,
            content: crate::index::content_digest(digest),
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
        MergedTree::build([l0, l1].into_iter().map(LayerIndex::from_entries).collect())
    }

    fn shown(t: &FileTree, tree: &MergedTree) -> Vec<String> {
        t.all_rows()
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
        assert_eq!(t.view().size(t.all_rows()[0].node), 30);
        assert_eq!(t.view().size(t.all_rows()[3].node), 1005);
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
        assert_eq!(t.view().size(t.all_rows()[7].node), 5);
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
        assert_eq!(t.all_rows().len(), 7);
        t.move_by(2); // big
        t.collapse_or_parent(&tree); // a file: go to its parent
        assert_eq!(tree.name(t.selected_row().unwrap().node), b"bin");
        t.collapse_or_parent(&tree); // an expanded dir: collapse it
        assert_eq!(t.all_rows().len(), 5);
        // Something is collapsed: expand everything; then collapse everything.
        t.toggle_collapse_all(&tree);
        assert_eq!(t.all_rows().len(), 7);
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
        assert!(t.all_rows().is_empty());
        t.set_filter(&tree, "");
        assert_eq!(t.all_rows().len(), 7);
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
        assert!(t.all_rows()[0].collapsed);
        t.set_filter(&tree, "nothing-matches");
        assert!(t.all_rows().is_empty());
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
        assert!(t.all_rows().iter().all(|r| r.change == Change::Added));
        t.set_layer(&tree, 1);
        assert_eq!(t.all_rows()[1].change, Change::Modified);
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
        assert_eq!(t.rows_from(6, 1)[0].ancestors_last, [true, true]);
        assert!(t.all_rows()[6].last);
        assert!(!t.all_rows()[5].last);
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
        assert_eq!(t.all_rows().len(), 7);
    }
}
