//! The UI's state ([`App`]) and its messages ([`Action`]). State changes only in
//! [`update`](super::update::update) (re-exported here). **No I/O**: reading a file's bytes or
//! extracting it is asked for as an [`Effect`], which the event loop runs in the background
//! and answers with an `Action`.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::layout::Rect;

use super::config::{Config, Prefs};
use super::keymap::Keymap;
use super::layout::Areas;
use super::tree::{CompareMode, FileTree};
pub use super::update::update;
use crate::analysis::dive::DiveAnalysis;
use crate::analysis::hidden::HiddenFile;
use crate::analysis::waste::{WasteOptions, WasteReport};
use crate::image::{Image, LayerPreview};
use crate::index::{Change, NodeId, Origin};

/// Everything that can happen to the UI.
#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    ToggleView,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    CompareLayer,
    CompareAll,
    ToggleCollapse,
    ToggleCollapseAll,
    ToggleKind(Change),
    ToggleAttributes,
    ToggleWrap,
    ToggleSort,
    StartFilter,
    ClearFilter,
    StartSearch,
    StartExtract,
    InputChar(char),
    InputBackspace,
    InputSubmit,
    InputCancel,
    SearchNext,
    SearchPrev,
    ShowWaste,
    ShowFindings,
    ShowPackages,
    ShowWhy,
    ViewFile,
    ShowHelp,
    CloseOverlay,
    Enter,
    /// Mouse wheel over a cell (`delta` rows, negative is up).
    Scroll {
        column: u16,
        row: u16,
        delta: i8,
    },
    Click {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
    // Answers from background work.
    Progress(LoadProgress),
    /// The manifest and config are read: the image's layers, none indexed yet.
    LayersKnown(Arc<Vec<LayerPreview>>),
    /// Layer `index` is indexed, and `size` is its size as the loaded image says.
    LayerIndexed {
        index: usize,
        size: u64,
    },
    Loaded(Arc<Image>),
    Analyzed(Arc<Analysis>),
    LoadFailed(String),
    FileRead {
        title: String,
        text: String,
    },
    Extracted(Result<String, ExtractRefusal>),
}

/// Why an extraction did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractRefusal {
    /// The destination exists; ask before overwriting it.
    Exists(PathBuf),
    Failed(String),
}

/// How far loading has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadProgress {
    pub bytes_done: u64,
    pub bytes_total: Option<u64>,
    pub layers_done: usize,
    pub layers_total: Option<usize>,
}

/// The layers while they are indexed: the browse layout's layers pane, before the tree exists.
/// Sizes are the loaded image's own (`Layer::size`), each filled in as its layer is indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub layers: Arc<Vec<LayerPreview>>,
    /// Each layer's size, once it is indexed.
    pub sizes: Vec<Option<u64>>,
    /// The selected layer, kept when the image is loaded.
    pub layer: usize,
    pub layer_offset: usize,
}

impl Preview {
    pub fn new(layers: Arc<Vec<LayerPreview>>) -> Preview {
        Preview {
            sizes: vec![None; layers.len()],
            layers,
            layer: 0,
            layer_offset: 0,
        }
    }

    /// How many layers are indexed.
    pub fn indexed(&self) -> usize {
        self.sizes.iter().filter(|s| s.is_some()).count()
    }

    /// The image's size, once every layer's is known (the sum the loaded image shows).
    pub fn total(&self) -> Option<u64> {
        self.sizes.iter().copied().sum()
    }

    /// Moves the selection by `delta` layers, keeping it in a window `height` rows high.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let n = self.layers.len();
        if n == 0 {
            return;
        }
        self.layer = self.layer.saturating_add_signed(delta).min(n - 1);
        let height = height.max(1);
        if self.layer < self.layer_offset {
            self.layer_offset = self.layer;
        } else if self.layer >= self.layer_offset + height {
            self.layer_offset = self.layer + 1 - height;
        }
    }
}

/// Analysis results computed after the first frame.
#[derive(Debug)]
pub struct Analysis {
    pub dive: DiveAnalysis,
    /// The files behind the waste analysis's reclaimable bytes (excluded paths left out).
    pub hidden: Vec<HiddenFile>,
    /// The waste analysis with the user's settings (exclusions, cache patterns); its
    /// per-layer figures are the files added, modified and removed the details show.
    pub waste: WasteReport,
}

impl Analysis {
    /// Computes everything the details panes and the wasted-bytes and findings views show.
    pub fn compute(image: &Image, opts: &WasteOptions) -> Analysis {
        // dive's pass and ours, one on each core.
        std::thread::scope(|s| {
            let waste = s.spawn(|| crate::analysis::waste::analyze_with_hidden(image, opts));
            let dive = crate::analysis::dive::analyze(image);
            let (waste, hidden) = waste
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            Analysis {
                dive,
                hidden,
                waste,
            }
        })
    }
}

/// Background work `update` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Read up to 1 MiB of a file from the layer that wrote it.
    ReadFile {
        layer: usize,
        path: Vec<u8>,
        title: String,
    },
    /// Copy a file's bytes to exactly `dest`.
    Extract {
        layer: usize,
        path: Vec<u8>,
        dest: PathBuf,
        overwrite: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
}

/// What a prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Filter,
    Search,
    Extract,
    /// "Overwrite this file?" (y to confirm).
    Overwrite(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub prompt: Prompt,
    pub text: String,
}

/// A window over the main screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help {
        offset: usize,
    },
    Waste {
        selected: usize,
        offset: usize,
    },
    /// The waste analysis's findings; `selected` is a finding, `offset` a line.
    Findings {
        selected: usize,
        offset: usize,
    },
    /// The installed packages, largest first.
    Packages {
        selected: usize,
        offset: usize,
    },
    Why {
        node: NodeId,
        offset: usize,
    },
    File {
        title: String,
        text: String,
        offset: usize,
    },
}

/// A search's matches and where we are in them.
///
/// The matches are known from both ends, as far as the keys have walked: typing finds the
/// count and the first; each `n` past the first ones known finds one more, walking on from
/// the one before; each `N` back past the last ones known (or from the first, to the last)
/// finds one more, walking back. Listing them all in order would sort, in a size order,
/// every directory holding one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub needle: String,
    /// How many paths match.
    pub count: usize,
    /// The first matches in display order, as far as they are known.
    pub hits: Vec<NodeId>,
    /// The last matches, as far as they are known, last first (`tail[0]` is match
    /// `count - 1`). Never overlaps `hits`.
    pub tail: Vec<NodeId>,
    /// Which match is selected, in `0..count`.
    pub pos: usize,
    /// [`FileTree::shown_version`] when it was typed: the matches are positions in those
    /// rows, so the search ends when they change.
    pub shown: u64,
}

impl Search {
    /// A search just typed in the rows of `tree`: its count and first match.
    pub fn new(needle: String, count: usize, first: NodeId, tree: &FileTree) -> Search {
        Search {
            needle,
            count,
            hits: vec![first],
            tail: Vec::new(),
            pos: 0,
            shown: tree.shown_version(),
        }
    }

    /// Whether every match is known.
    pub fn complete(&self) -> bool {
        self.hits.len() + self.tail.len() >= self.count
    }

    /// Match `pos` in display order, if it is known.
    pub fn hit(&self, pos: usize) -> Option<NodeId> {
        if let Some(&h) = self.hits.get(pos) {
            return Some(h);
        }
        let back = self.count.checked_sub(pos + 1)?;
        self.tail.get(back).copied()
    }
}

/// The browsing state once the image is loaded.
#[derive(Debug)]
pub struct Browse {
    pub image: Arc<Image>,
    pub analysis: Option<Arc<Analysis>>,
    pub focus: Pane,
    pub layer: usize,
    pub layer_offset: usize,
    /// The first inefficient file shown in the image details (the wheel scrolls them).
    pub image_offset: usize,
    pub tree: FileTree,
    pub attributes: bool,
    /// Long tree lines wrap instead of being cut (dive's ctrl+p).
    pub wrap: bool,
    pub overlay: Option<Overlay>,
    pub input: Option<Input>,
    pub search: Option<Search>,
    /// The selected node and the focus when the search prompt opened: esc goes back there.
    pub search_from: Option<(Option<NodeId>, Pane)>,
}

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    pub reference: String,
    pub progress: LoadProgress,
    /// The layers while the image loads, once its manifest and config are read.
    pub preview: Option<Preview>,
    pub browse: Option<Browse>,
    pub keymap: Keymap,
    /// How the browser starts (the config file's `diff`, `filetree` and `layer` settings).
    pub prefs: Prefs,
    /// false under NO_COLOR.
    pub color: bool,
    pub width: u16,
    pub height: u16,
    /// A one-line note in the status bar (errors, results).
    pub message: Option<String>,
    pub quit: bool,
    /// Work for the event loop to run; drained after every update.
    pub effects: Vec<Effect>,
}

impl App {
    /// The state while `reference` loads.
    pub fn loading(reference: &str, config: Config, color: bool, width: u16, height: u16) -> App {
        App {
            reference: reference.to_string(),
            progress: LoadProgress::default(),
            preview: None,
            browse: None,
            keymap: config.keymap,
            prefs: config.prefs,
            color,
            width,
            height,
            message: None,
            quit: false,
            effects: Vec::new(),
        }
    }

    /// A loaded app (tests and benchmarks): the image, and optionally its analysis.
    pub fn with_image(image: Arc<Image>, analysis: Option<Analysis>, w: u16, h: u16) -> App {
        let mut app = App::loading(&image.reference.clone(), Config::default(), true, w, h);
        update(&mut app, Action::Loaded(image));
        if let Some(a) = analysis {
            update(&mut app, Action::Analyzed(Arc::new(a)));
        }
        app
    }

    /// The screen areas at the current size.
    pub fn areas(&self) -> Areas {
        Areas::for_app(self, Rect::new(0, 0, self.width, self.height))
    }

    /// Rows of file tree visible at once.
    pub fn tree_height(&self) -> usize {
        self.areas().tree_rows.height as usize
    }

    /// Rows of the layers list visible at once.
    pub fn layers_height(&self) -> usize {
        self.areas().layer_rows.height as usize
    }

    /// Overlay rows visible at once.
    pub fn overlay_height(&self) -> usize {
        self.areas().overlay.height.saturating_sub(3) as usize
    }
}

impl Browse {
    /// The node of the selected tree row.
    pub fn selected_node(&self) -> Option<NodeId> {
        self.tree.selected_row().map(|r| r.node)
    }

    /// The entry the selected row shows: what the layer left there, or for a removed path,
    /// what was there before.
    pub(super) fn selected_origin(&self) -> Option<Origin> {
        let r = self.tree.selected_row()?;
        let t = &self.image.tree;
        match r.change {
            Change::Removed => {
                let from = match self.tree.options.mode {
                    CompareMode::Layer => self.layer.checked_sub(1)?,
                    CompareMode::Aggregated => 0,
                };
                t.visible(r.node, from)
            }
            _ => t.visible(r.node, self.layer),
        }
    }

    pub(super) fn select_layer(&mut self, layer: usize, height: usize) {
        let n = self.image.layers.len();
        if n == 0 {
            return;
        }
        self.layer = layer.min(n - 1);
        if self.layer < self.layer_offset {
            self.layer_offset = self.layer;
        } else if self.layer >= self.layer_offset + height.max(1) {
            self.layer_offset = self.layer + 1 - height.max(1);
        }
        self.tree.set_layer(&self.image.tree, self.layer);
    }

    /// Rows of the why view for a node: (layer, change, bytes).
    pub fn why_rows(&self, node: NodeId) -> Vec<(usize, Change, u64)> {
        let t = &self.image.tree;
        let mut out = Vec::new();
        for l in 0..self.image.layers.len() {
            let wrote = t.visible(node, l).is_some_and(|o| o.layer == l);
            let change = t.change_in_layer(node, l);
            if wrote || change == Some(Change::Removed) {
                let size = if wrote {
                    t.visible_entry(node, l).map_or(0, |e| e.content_size())
                } else {
                    l.checked_sub(1)
                        .and_then(|p| t.visible_entry(node, p))
                        .map_or(0, |e| e.content_size())
                };
                let change = match change {
                    Some(Change::Unmodified) | None => Change::Unmodified,
                    Some(c) => c,
                };
                out.push((l, change, size));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{load, LoadOptions, NoProgress};
    use crate::tui::tree_pane::{row_text, tree_lines};

    /// The classic testdata image (13 layers), loaded and analysed, at `w`×`h`.
    fn classic(w: u16, h: u16, config: Config) -> App {
        let root = env!("CARGO_MANIFEST_DIR");
        let image = load(
            &format!("{root}/testdata/classic.docker.tar"),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .unwrap();
        let analysis = Analysis::compute(&image, &Default::default());
        let mut app = App::loading("classic", config, true, w, h);
        update(&mut app, Action::Loaded(Arc::new(image)));
        update(&mut app, Action::Analyzed(Arc::new(analysis)));
        app
    }

    fn b(app: &App) -> &Browse {
        app.browse.as_ref().unwrap()
    }

    /// [`classic`] at 120×40, on layer 12 (the one that writes the Python files).
    fn classic_at_layer_12() -> App {
        let mut app = classic(120, 40, Config::default());
        let bb = app.browse.as_mut().unwrap();
        bb.layer = 12;
        bb.tree.set_layer(&bb.image.tree, 12);
        app
    }

    /// Opens a prompt (`/`, `f`, ...), types `text` into it and presses enter.
    fn type_in(app: &mut App, start: Action, text: &str) {
        update(app, start);
        for c in text.chars() {
            update(app, Action::InputChar(c));
        }
        update(app, Action::InputSubmit);
    }

    fn selected_path(app: &App) -> String {
        let b = b(app);
        String::from_utf8_lossy(&b.image.tree.path(b.selected_node().unwrap())).into_owned()
    }

    /// Selects a path in the tree of the current layer.
    fn select(app: &mut App, p: &str) {
        let b = app.browse.as_mut().unwrap();
        let node = b.image.tree.find(p.as_bytes()).unwrap();
        assert!(b.tree.reveal(&b.image.tree, node), "{p} is shown");
        b.focus = Pane::Tree;
    }

    #[test]
    fn mouse_wheel_scrolls_the_pane_under_it_and_click_selects() {
        let mut app = classic(120, 40, Config::default());
        let a = app.areas();
        // Wheel over the layers pane moves the layer.
        let (lx, ly) = (a.layer_rows.x + 2, a.layer_rows.y + 1);
        update(
            &mut app,
            Action::Scroll {
                column: lx,
                row: ly,
                delta: 1,
            },
        );
        update(
            &mut app,
            Action::Scroll {
                column: lx,
                row: ly,
                delta: 1,
            },
        );
        assert_eq!(b(&app).layer, 2);
        update(
            &mut app,
            Action::Scroll {
                column: lx,
                row: ly,
                delta: -1,
            },
        );
        assert_eq!(b(&app).layer, 1);
        // A click on a layer's row selects that layer.
        update(
            &mut app,
            Action::Click {
                column: lx,
                row: a.layer_rows.y + 4,
            },
        );
        assert_eq!(b(&app).layer, 4);
        assert_eq!(b(&app).focus, Pane::Layers);
        // Wheel over the tree scrolls it by 3 rows and keeps the selection on screen.
        let (tx, ty) = (a.tree_rows.x + 5, a.tree_rows.y + 2);
        update(
            &mut app,
            Action::Scroll {
                column: tx,
                row: ty,
                delta: 1,
            },
        );
        assert_eq!(b(&app).tree.offset(), 3);
        assert_eq!(b(&app).tree.selected(), 3);
        // A click on a tree row selects the row drawn there, and focuses the tree.
        update(
            &mut app,
            Action::Click {
                column: tx,
                row: a.tree_rows.y + 5,
            },
        );
        assert_eq!(b(&app).focus, Pane::Tree);
        assert_eq!(b(&app).tree.selected(), 8);
        // A second click on a directory collapses or expands it.
        update(&mut app, Action::ToggleCollapseAll);
        let rows = b(&app).tree.all_rows().len();
        let lines = tree_lines(b(&app), a.tree_rows.width, a.tree_rows.height);
        let (k, &(dir, _)) = lines
            .iter()
            .enumerate()
            .find(|(_, (i, _))| {
                let r = b(&app).tree.all_rows()[*i];
                r.is_dir && b(&app).tree.view().size(r.node) > 0 && *i != b(&app).tree.selected()
            })
            .unwrap();
        let y = a.tree_rows.y + k as u16;
        update(&mut app, Action::Click { column: tx, row: y });
        assert_eq!(b(&app).tree.selected(), dir);
        assert_eq!(b(&app).tree.all_rows().len(), rows);
        update(&mut app, Action::Click { column: tx, row: y });
        assert!(!b(&app).tree.all_rows()[dir].collapsed);
        assert!(b(&app).tree.all_rows().len() > rows);
        // Outside every pane: nothing happens.
        update(&mut app, Action::Click { column: 0, row: 39 });
        assert_eq!(b(&app).tree.selected(), dir);
        // The wheel over an open overlay scrolls the overlay, not the tree.
        let before = b(&app).tree.offset();
        update(&mut app, Action::ShowHelp);
        update(
            &mut app,
            Action::Scroll {
                column: tx,
                row: ty,
                delta: 1,
            },
        );
        assert_eq!(b(&app).overlay, Some(Overlay::Help { offset: 1 }));
        assert_eq!(b(&app).tree.offset(), before);
    }

    #[test]
    fn overlay_scrolling_stops_at_the_last_page() {
        let mut app = classic(120, 40, Config::default());
        update(&mut app, Action::ShowHelp);
        for _ in 0..200 {
            update(&mut app, Action::PageDown);
        }
        let Some(Overlay::Help { offset }) = b(&app).overlay else {
            panic!("help is open")
        };
        let len = super::super::overlay::overlay_len(b(&app), &Overlay::Help { offset: 0 }, 100);
        assert_eq!(offset, len.saturating_sub(app.overlay_height()));
        update(&mut app, Action::Up);
        let Some(Overlay::Help { offset: after }) = b(&app).overlay else {
            panic!("help is open")
        };
        assert_eq!(after + 1, offset.max(1));
        update(&mut app, Action::CloseOverlay);
        assert!(b(&app).overlay.is_none());
    }

    #[test]
    fn config_prefs_set_the_starting_view() {
        let config = Config::from_yaml(
            "diff:\n  hide: [unmodified]\nfiletree:\n  collapse-dir: true\n  \
             show-attributes: false\nlayer:\n  show-aggregated-changes: true\n",
        )
        .unwrap();
        let app = classic(120, 40, config);
        let t = &b(&app).tree;
        assert_eq!(t.options.mode, CompareMode::Aggregated);
        assert!(!t.options.show.unmodified);
        assert!(!b(&app).attributes);
        // Every directory starts collapsed: only top-level rows.
        assert!(t.all_rows().iter().all(|r| r.depth == 0));
        assert!(t.all_rows().iter().any(|r| r.is_dir && r.collapsed));
    }

    #[test]
    fn wrap_mode_gives_a_long_row_several_lines_and_keeps_the_selection_whole() {
        let mut app = classic(60, 24, Config::default());
        for _ in 0..12 {
            update(&mut app, Action::Down);
        }
        update(&mut app, Action::ToggleView);
        let a = app.areas();
        let (w, h) = (a.tree_rows.width, a.tree_rows.height);
        let cut = tree_lines(b(&app), w, h);
        assert_eq!(cut.len(), h as usize, "{cut:?} {a:?}");
        assert!(cut.iter().enumerate().all(|(k, (i, _))| *i == k));
        update(&mut app, Action::ToggleWrap);
        assert!(b(&app).wrap);
        let wrapped = tree_lines(b(&app), w, h);
        // With attributes on at 30 columns, rows need more than one line each.
        assert!(wrapped.windows(2).any(|p| p[0].0 == p[1].0), "{wrapped:?}");
        assert!(wrapped.iter().all(|(_, l)| l.chars().count() <= w as usize));
        // Move far down: the selected row is entirely on screen.
        for _ in 0..40 {
            update(&mut app, Action::Down);
        }
        let sel = b(&app).tree.selected();
        let lines = tree_lines(b(&app), w, h);
        let last = lines.iter().rposition(|(i, _)| *i == sel).unwrap();
        assert!(last < h as usize);
        let full = crate::tui::view::wrap_text(
            &row_text(b(&app), &b(&app).tree.rows_from(sel, 1)[0]),
            w as usize,
        );
        assert_eq!(lines.iter().filter(|(i, _)| *i == sel).count(), full.len());
        // A click on a wrapped row's second line selects that row.
        let (k, (row, _)) = lines
            .iter()
            .enumerate()
            .find(|(k, (i, _))| *k > 0 && lines[k - 1].0 == *i && *i != sel)
            .unwrap();
        let row = *row;
        update(
            &mut app,
            Action::Click {
                column: a.tree_rows.x,
                row: a.tree_rows.y + k as u16,
            },
        );
        assert_eq!(b(&app).tree.selected(), row);
    }

    #[test]
    fn view_and_extract_ask_for_background_work_on_the_right_layer() {
        let mut app = classic(120, 40, Config::default());
        update(&mut app, Action::Down); // layer 1 writes app/lib
        let layer = (0..13)
            .find(|&l| {
                let t = &b(&app).image.tree;
                let n = t.find(b"app/lib/models.py").unwrap();
                t.visible(n, l).is_some()
            })
            .unwrap();
        app.browse.as_mut().unwrap().layer = 12;
        let b12 = app.browse.as_mut().unwrap();
        b12.tree.set_layer(&b12.image.tree, 12);
        select(&mut app, "app/lib/models.py");
        update(&mut app, Action::ViewFile);
        let Some(Effect::ReadFile { layer: l, path, .. }) = app.effects.pop() else {
            panic!("a read was asked for")
        };
        assert_eq!(path, b"app/lib/models.py");
        // The layer that wrote the bytes, not the one being looked at.
        let wrote = b(&app)
            .image
            .tree
            .visible(b(&app).image.tree.find(b"app/lib/models.py").unwrap(), 12)
            .unwrap()
            .layer;
        assert_eq!(l, wrote);
        assert!(l >= layer);
        update(
            &mut app,
            Action::FileRead {
                title: "t".into(),
                text: "a\nb\n".into(),
            },
        );
        assert!(matches!(b(&app).overlay, Some(Overlay::File { .. })));
        update(&mut app, Action::CloseOverlay);
        // Extract: a prompt, then exactly the typed path.
        update(&mut app, Action::StartExtract);
        for c in "/tmp/out file".chars() {
            update(&mut app, Action::InputChar(c));
        }
        update(&mut app, Action::InputSubmit);
        assert_eq!(
            app.effects.pop(),
            Some(Effect::Extract {
                layer: wrote,
                path: b"app/lib/models.py".to_vec(),
                dest: PathBuf::from("/tmp/out file"),
                overwrite: false
            })
        );
        // It exists: ask; 'n' writes nothing, 'y' overwrites.
        let exists = || Action::Extracted(Err(ExtractRefusal::Exists("/tmp/out file".into())));
        update(&mut app, exists());
        assert!(app.message.as_deref().unwrap().contains("overwrite"));
        update(&mut app, Action::InputChar('n'));
        assert!(app.effects.is_empty());
        assert_eq!(app.message.as_deref(), Some("not extracted"));
        // Enter is not a yes.
        update(&mut app, exists());
        update(&mut app, Action::InputSubmit);
        assert!(app.effects.is_empty());
        assert!(b(&app).input.is_none());
        assert_eq!(app.message.as_deref(), Some("not extracted"));
        update(&mut app, exists());
        update(&mut app, Action::InputChar('y'));
        assert!(matches!(
            app.effects.pop(),
            Some(Effect::Extract {
                overwrite: true,
                ..
            })
        ));
        // An empty path writes nothing; a directory can't be extracted.
        update(&mut app, Action::StartExtract);
        update(&mut app, Action::InputSubmit);
        assert!(app.effects.is_empty());
        select(&mut app, "app/lib");
        update(&mut app, Action::StartExtract);
        assert!(b(&app).input.is_none());
        assert!(app.message.as_deref().unwrap().contains("regular file"));
    }

    /// Every hidden file's why view names the layer that wrote it and the one that hid it,
    /// whether that layer deleted it, its directory, or wrote over it.
    #[test]
    fn why_names_the_writer_and_the_hider_of_every_hidden_file() {
        use crate::analysis::hidden::HiddenBy;
        let app = classic(120, 40, Config::default());
        let a = b(&app).analysis.clone().unwrap();
        let mut kinds = std::collections::HashSet::new();
        for h in &a.hidden {
            let rows = b(&app).why_rows(h.node);
            assert!(
                rows.iter()
                    .any(|&(l, c, n)| l == h.layer && c != Change::Removed && n == h.size),
                "{} written by {}: {rows:?}",
                h.path,
                h.layer
            );
            let want = match h.hidden_by {
                HiddenBy::Overwritten => Change::Modified,
                HiddenBy::Deleted | HiddenBy::DirectoryRemoved => Change::Removed,
            };
            assert!(
                rows.iter()
                    .any(|&(l, c, _)| l == h.hidden_by_layer && c == want),
                "{} hidden by {} ({:?}): {rows:?}",
                h.path,
                h.hidden_by_layer,
                h.hidden_by
            );
            kinds.insert(format!("{:?}", h.hidden_by));
        }
        assert_eq!(
            kinds.len(),
            3,
            "deleted, directory removed, overwritten: {kinds:?}"
        );
    }

    /// pgup / pgdn page through the layers in the layers pane, and through the rows in the tree.
    #[test]
    fn page_keys_work_in_both_panes() {
        let mut app = classic(120, 40, Config::default());
        let page = app.layers_height();
        assert_eq!(page, 10);
        update(&mut app, Action::PageDown);
        assert_eq!(b(&app).layer, 10);
        assert_eq!(b(&app).layer_offset, 1, "the selected layer is on screen");
        update(&mut app, Action::PageDown);
        assert_eq!(b(&app).layer, 12, "stops at the last layer");
        update(&mut app, Action::PageUp);
        assert_eq!(b(&app).layer, 2);
        update(&mut app, Action::PageUp);
        assert_eq!((b(&app).layer, b(&app).layer_offset), (0, 0));
        // The last layer's tree has many rows.
        update(&mut app, Action::PageDown);
        update(&mut app, Action::PageDown);
        update(&mut app, Action::ToggleView);
        let rows = app.tree_height();
        assert!(b(&app).tree.all_rows().len() > 3 * rows);
        // The selection stayed on the node it was on (bin/).
        let start = b(&app).tree.selected();
        assert_eq!(selected_path(&app), "bin");
        update(&mut app, Action::PageDown);
        assert_eq!(b(&app).tree.selected(), start + rows);
        assert_eq!(b(&app).layer, 12, "the tree's keys leave the layer alone");
        update(&mut app, Action::PageDown);
        update(&mut app, Action::PageUp);
        assert_eq!(b(&app).tree.selected(), start + rows);
        update(&mut app, Action::PageUp);
        update(&mut app, Action::PageUp);
        assert_eq!(b(&app).tree.selected(), 0);
    }

    #[test]
    fn search_jumps_between_matches_with_n_and_shift_n() {
        let mut app = classic_at_layer_12();
        type_in(&mut app, Action::StartSearch, ".py");
        let hits = b(&app).search.as_ref().unwrap().count;
        assert!(hits >= 2, "{hits}");
        let first = selected_path(&app);
        assert!(first.contains(".py"));
        update(&mut app, Action::SearchNext);
        let second = selected_path(&app);
        assert_ne!(first, second);
        assert!(second.contains(".py"));
        update(&mut app, Action::SearchPrev);
        assert_eq!(selected_path(&app), first);
        update(&mut app, Action::SearchPrev); // wraps to the last match
        assert_eq!(b(&app).search.as_ref().unwrap().pos, hits - 1);
        // The selected row is in the scroll window.
        let t = &b(&app).tree;
        assert!(t.selected() >= t.offset() && t.selected() < t.offset() + app.tree_height());
    }

    /// Typing a search finds the count and the first match only; each `n` finds the next in
    /// display order (here the size order), walking on from the last known; `N` at the first
    /// finds the last, and each `N` the one before, walking back from the first known from
    /// the end. Where the two meet every match is known, and `n` and `N` wrap.
    #[test]
    fn search_in_size_order_finds_the_matches_from_either_end() {
        let mut app = classic_at_layer_12();
        let bb = app.browse.as_mut().unwrap();
        let needles = ["e", "a", "o", "s", "i"];
        let by_name: Vec<_> = needles
            .iter()
            .map(|n| bb.tree.search(&bb.image.tree, n))
            .collect();
        update(&mut app, Action::ToggleSort);
        let bb = app.browse.as_mut().unwrap();
        // A needle whose matches the size order puts in another order.
        let (needle, all) = needles
            .iter()
            .zip(by_name)
            .map(|(n, by_name)| (n, by_name, bb.tree.search(&bb.image.tree, n)))
            .find(|(_, by_name, all)| all.len() >= 4 && *all != *by_name)
            .map(|(n, _, all)| (*n, all))
            .expect("a needle the two orders list differently");
        let last = all.len() - 1;
        bb.tree.forget_views();
        let type_search = |app: &mut App| type_in(app, Action::StartSearch, needle);
        let selected = |app: &App| b(app).tree.selected_row().map(|r| r.node);
        let search = |app: &App| b(app).search.clone().unwrap();
        let known = |s: &Search| (s.hits.clone(), s.tail.clone(), s.pos, s.complete());
        let press = |app: &mut App, a: Action, pos: usize| {
            update(app, a);
            assert_eq!(selected(app), Some(all[pos]), "match {pos}");
            assert_eq!(search(app).pos, pos);
        };

        // Typed: the count and the first only. `n` walks on through them all, and wraps.
        type_search(&mut app);
        let s = search(&app);
        assert_eq!(s.count, all.len());
        assert_eq!(known(&s), (vec![all[0]], vec![], 0, false));
        assert_eq!(selected(&app), Some(all[0]));
        for pos in (1..=last).chain([0]) {
            press(&mut app, Action::SearchNext, pos);
        }
        assert_eq!(known(&search(&app)), (all.clone(), vec![], 0, true));
        press(&mut app, Action::SearchPrev, last);

        // Typed again: `N` at the first goes to the last, found alone.
        type_search(&mut app);
        press(&mut app, Action::SearchPrev, last);
        assert_eq!(
            known(&search(&app)),
            (vec![all[0]], vec![all[last]], last, false)
        );
        // Each `N` finds the one before, back to the first, where the two ends meet.
        for pos in (1..last).rev() {
            press(&mut app, Action::SearchPrev, pos);
            assert_eq!(search(&app).tail.len(), all.len() - pos);
        }
        press(&mut app, Action::SearchPrev, 0);
        let back: Vec<_> = all[1..].iter().rev().copied().collect();
        assert_eq!(known(&search(&app)), (vec![all[0]], back, 0, true));
        // All known: `n` and `N` step and wrap both ways.
        press(&mut app, Action::SearchNext, 1);
        press(&mut app, Action::SearchPrev, 0);
        press(&mut app, Action::SearchPrev, last);
        press(&mut app, Action::SearchNext, 0);

        // Typed again: `n` twice, then `N` back to the first, to the last, and on back to
        // the ones `n` found; then `n` from there on to the last and round.
        type_search(&mut app);
        press(&mut app, Action::SearchNext, 1);
        press(&mut app, Action::SearchNext, 2);
        press(&mut app, Action::SearchPrev, 1);
        press(&mut app, Action::SearchPrev, 0);
        press(&mut app, Action::SearchPrev, last);
        for pos in (2..last).rev() {
            press(&mut app, Action::SearchPrev, pos);
        }
        let s = search(&app);
        assert_eq!(
            (s.hits.len() + s.tail.len(), s.complete()),
            (all.len(), true)
        );
        for pos in (3..=last).chain([0]) {
            press(&mut app, Action::SearchNext, pos);
        }
        let s = search(&app);
        assert_eq!(
            (s.hits.len(), s.tail.len()),
            (3, all.len() - 3),
            "nothing found twice"
        );
    }

    /// A search's matches are positions in the rows it was typed in: a change of what is
    /// shown or of its order ends it (here in size order, where a kept search would have
    /// stepped from its known matches into the other order). The same toggle twice, or a
    /// compare mode already on, changes nothing and keeps it.
    #[test]
    fn a_change_of_the_rows_ends_the_search() {
        let changes: [(&str, &[Action]); 6] = [
            ("sort", &[Action::ToggleSort]),
            ("compare mode", &[Action::CompareAll]),
            ("a kind hidden", &[Action::ToggleKind(Change::Unmodified)]),
            ("a filter", &[Action::StartFilter, Action::InputChar('a')]),
            ("another layer", &[Action::ToggleView, Action::Up]),
            ("the sort back", &[Action::ToggleSort, Action::ToggleSort]),
        ];
        for (what, actions) in changes {
            let mut app = classic_at_layer_12();
            update(&mut app, Action::ToggleSort);
            type_in(&mut app, Action::StartSearch, ".py");
            update(&mut app, Action::SearchNext);
            let s = b(&app).search.clone().unwrap();
            assert!(s.count >= 3 && s.pos == 1, "{what}: {}, {}", s.count, s.pos);
            let before = selected_path(&app);
            for a in actions {
                update(&mut app, a.clone());
            }
            assert!(b(&app).search.is_none(), "{what}");
            update(&mut app, Action::InputCancel);
            update(&mut app, Action::SearchNext);
            assert_eq!(
                app.message.as_deref(),
                Some("no search: press / to search"),
                "{what}"
            );
            // The same rows, only ordered or compared otherwise: the selected path stays.
            if matches!(what, "sort" | "compare mode" | "the sort back") {
                assert_eq!(selected_path(&app), before, "{what}: the selection stays");
            }
        }
        // Nothing changes: the search goes on from where it was.
        let mut app = classic_at_layer_12();
        type_in(&mut app, Action::StartSearch, ".py");
        update(&mut app, Action::SearchNext);
        update(&mut app, Action::CompareLayer);
        update(&mut app, Action::ToggleCollapseAll);
        update(&mut app, Action::SearchNext);
        assert_eq!(b(&app).search.as_ref().unwrap().pos, 2);
    }

    /// The tree jumps as the search is typed; no match (or esc) goes back to where it started.
    #[test]
    fn search_jumps_as_you_type_and_esc_goes_back() {
        let mut app = classic_at_layer_12();
        update(&mut app, Action::ToggleCollapseAll);
        let start = selected_path(&app);
        assert!(!start.contains('/'), "{start}: a top-level directory");
        assert_eq!(b(&app).focus, Pane::Layers);
        update(&mut app, Action::StartSearch);
        for c in "model".chars() {
            update(&mut app, Action::InputChar(c));
        }
        // Still typing, and already there, inside a collapsed directory.
        assert!(b(&app).input.is_some());
        assert_eq!(selected_path(&app), "app/lib/models.py");
        assert_eq!(b(&app).focus, Pane::Tree);
        assert_eq!(b(&app).search.as_ref().unwrap().count, 1);
        // A character that leaves no match: back to the start; backspace finds it again.
        update(&mut app, Action::InputChar('z'));
        assert!(b(&app).search.is_none());
        assert_eq!(selected_path(&app), start);
        update(&mut app, Action::InputBackspace);
        assert_eq!(selected_path(&app), "app/lib/models.py");
        // Esc: back where the search started, focus included.
        update(&mut app, Action::InputCancel);
        assert_eq!(selected_path(&app), start);
        assert_eq!(b(&app).focus, Pane::Layers);
        assert!(b(&app).search.is_none() && b(&app).input.is_none());
        // Enter keeps the match, and n / N work from it.
        update(&mut app, Action::StartSearch);
        for c in ".py".chars() {
            update(&mut app, Action::InputChar(c));
        }
        let first = selected_path(&app);
        update(&mut app, Action::InputSubmit);
        assert_eq!(selected_path(&app), first);
        assert!(b(&app).search_from.is_none());
        update(&mut app, Action::SearchNext);
        assert_ne!(selected_path(&app), first);
    }
}
