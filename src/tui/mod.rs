//! The terminal UI. **The only module that imports ratatui or crossterm.**
//!
//! The Elm Architecture: [`app::App`] is plain state, [`keymap::map_key`] turns a key into an
//! [`app::Action`], [`app::update`] applies it, [`view::render`] draws `&App`. Loading, analysis,
//! reading and extracting files run on background threads and come back as actions, so the
//! screen shows progress from the first moment and never blocks on I/O.

pub mod app;
pub mod config;
pub mod details;
pub mod findings;
mod flatten;
pub mod keymap;
pub mod layer_view;
pub mod layout;
pub mod overlay;
mod packages;
pub mod path_filter;
pub mod path_index;
pub mod tree;
pub mod tree_pane;
#[cfg(test)]
mod tree_reference;
pub mod update;
pub mod view;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, MouseButton, MouseEventKind};
use crossterm::execute;

use app::{Action, Analysis, App, Effect, ExtractRefusal, LoadProgress};
use config::Config;
use keymap::{map_key, Context};

use crate::analysis::waste::WasteOptions;
use crate::dockerfile::DockerfileInput;
use crate::error::{Error, Result};
use crate::image::{LayerPreview, SourceKind};
use crate::source::extract::{self, ExtractError, FileText};
use crate::source::manifest::ImageConfig;
use crate::source::{self, LoadOptions, Progress};

/// Most bytes of a file the viewer reads.
const VIEW_LIMIT: u64 = 1 << 20;

/// What the event loop receives: terminal events and answers from background work.
enum Msg {
    Term(Event),
    Action(Action),
}

/// Sends loading progress to the UI thread, at most every 50 ms (and on every layer), and the
/// layers as soon as they are known, labelled with the Dockerfile as the loaded image will be.
struct ChannelProgress {
    tx: Mutex<Sender<Msg>>,
    dockerfile: Option<DockerfileInput>,
    total: AtomicU64,
    done: AtomicU64,
    layers: AtomicUsize,
    layers_total: AtomicUsize,
    last: Mutex<Instant>,
}

impl ChannelProgress {
    fn send(&self, force: bool) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if !force && last.elapsed() < Duration::from_millis(50) {
            return;
        }
        *last = Instant::now();
        let total = self.total.load(Ordering::Relaxed);
        let lt = self.layers_total.load(Ordering::Relaxed);
        let p = LoadProgress {
            bytes_done: self.done.load(Ordering::Relaxed),
            bytes_total: (total > 0).then_some(total),
            layers_done: self.layers.load(Ordering::Relaxed),
            layers_total: (lt > 0).then_some(lt),
        };
        self.action(Action::Progress(p));
    }

    fn action(&self, action: Action) {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let _ = tx.send(Msg::Action(action));
    }
}

impl Progress for ChannelProgress {
    fn total_bytes(&self, bytes: u64) {
        self.total.store(bytes, Ordering::Relaxed);
        self.send(true);
    }
    fn advance(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
        self.send(false);
    }
    fn layer_done(&self, done: usize, total: Option<usize>) {
        self.layers.store(done, Ordering::Relaxed);
        if let Some(t) = total {
            self.layers_total.store(t, Ordering::Relaxed);
        }
        self.send(true);
    }
    fn layers_known(&self, config: &ImageConfig, layers: &[LayerPreview]) {
        let mut layers = layers.to_vec();
        if let Some(df) = &self.dockerfile {
            // A Dockerfile that does not parse is reported when the image is loaded; until
            // then the layers show their commands.
            let _ = df.label_preview(config, &mut layers);
        }
        self.action(Action::LayersKnown(Arc::new(layers)));
    }
    fn layer_indexed(&self, index: usize, size: u64) {
        self.action(Action::LayerIndexed { index, size });
    }
}

/// Whether colours are off (<https://no-color.org>: set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Opens the UI on `reference`: loads it in the background while showing progress, then
/// browses until the user quits. The terminal is restored on return, on error and on panic.
pub fn run(
    reference: &str,
    forced: Option<SourceKind>,
    opts: &LoadOptions,
    waste: WasteOptions,
    dockerfile: Option<DockerfileInput>,
) -> Result<i32> {
    // A bad config file is reported before the terminal changes mode.
    let config = Config::load().map_err(Error::Config)?;
    let mut terminal = ratatui::init();
    // ratatui's panic hook leaves raw mode and the alternate screen; this one, run first,
    // also stops mouse reporting, which would otherwise fill the shell with escape codes.
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), event::DisableMouseCapture);
        ratatui_hook(info);
    }));
    let _ = execute!(std::io::stdout(), event::EnableMouseCapture);
    let result = event_loop(
        &mut terminal,
        reference,
        forced,
        opts,
        (waste, dockerfile),
        config,
    );
    let _ = execute!(std::io::stdout(), event::DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    reference: &str,
    forced: Option<SourceKind>,
    opts: &LoadOptions,
    labels: (WasteOptions, Option<DockerfileInput>),
    config: Config,
) -> Result<i32> {
    let size = terminal.size().map_err(|e| Error::io("terminal", e))?;
    let mut app = App::loading(reference, config, !no_color(), size.width, size.height);
    let (tx, rx) = mpsc::channel::<Msg>();
    spawn_loader(
        tx.clone(),
        reference.to_string(),
        forced,
        opts.clone(),
        labels,
    );
    spawn_input(tx.clone());
    let draw = |app: &App, terminal: &mut ratatui::DefaultTerminal| {
        terminal
            .draw(|f| view::render(app, f))
            .map(|_| ())
            .map_err(|e| Error::io("terminal", e))
    };
    draw(&app, terminal)?;
    loop {
        let first = rx
            .recv()
            .map_err(|_| Error::Source("the UI's input thread stopped".into()))?;
        // Apply everything that is waiting, then draw once.
        let mut next = Some(first);
        while let Some(msg) = next {
            if let Some(action) = to_action(&app, msg) {
                if let Action::LoadFailed(why) = &action {
                    return Err(Error::Source(why.clone()));
                }
                app::update(&mut app, action);
                // A test seam (debug builds only): the end-to-end test checks that a panic
                // restores the terminal.
                #[cfg(debug_assertions)]
                if app.browse.is_some()
                    && std::env::var_os("LAYERLENS_TEST_PANIC").is_some_and(|v| v == "1")
                {
                    panic!("LAYERLENS_TEST_PANIC");
                }
            }
            let effects: Vec<Effect> = app.effects.drain(..).collect();
            for effect in effects {
                spawn_effect(&app, effect, opts, tx.clone());
            }
            if app.quit {
                return Ok(crate::cli::EXIT_OK);
            }
            next = rx.try_recv().ok();
        }
        draw(&app, terminal)?;
    }
}

fn context(app: &App) -> Context {
    match &app.browse {
        None => Context::Loading,
        Some(b) if b.input.is_some() => Context::Input,
        Some(b) if b.overlay.is_some() => Context::Overlay,
        Some(b) if b.focus == app::Pane::Layers => Context::Layers,
        Some(_) => Context::Tree,
    }
}

/// Turns a message into an action: keys through the keymap, mouse by position.
fn to_action(app: &App, msg: Msg) -> Option<Action> {
    match msg {
        Msg::Action(a) => Some(a),
        Msg::Term(Event::Key(k)) => map_key(&app.keymap, context(app), &k),
        Msg::Term(Event::Resize(width, height)) => Some(Action::Resize { width, height }),
        Msg::Term(Event::Mouse(m)) => match m.kind {
            MouseEventKind::ScrollUp => Some(Action::Scroll {
                column: m.column,
                row: m.row,
                delta: -1,
            }),
            MouseEventKind::ScrollDown => Some(Action::Scroll {
                column: m.column,
                row: m.row,
                delta: 1,
            }),
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            _ => None,
        },
        Msg::Term(_) => None,
    }
}

fn spawn_loader(
    tx: Sender<Msg>,
    reference: String,
    forced: Option<SourceKind>,
    opts: LoadOptions,
    (waste, dockerfile): (WasteOptions, Option<DockerfileInput>),
) {
    std::thread::spawn(move || {
        let progress = ChannelProgress {
            tx: Mutex::new(tx.clone()),
            dockerfile: dockerfile.clone(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            layers: AtomicUsize::new(0),
            layers_total: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        };
        let loaded = source::load(&reference, forced, &opts, &progress).and_then(|mut image| {
            if let Some(df) = &dockerfile {
                df.label(&mut image)
                    .map_err(|e| Error::Config(format!("{}: {e}", df.path)))?;
            }
            Ok(image)
        });
        match loaded {
            Ok(image) => {
                let image = Arc::new(image);
                if tx.send(Msg::Action(Action::Loaded(image.clone()))).is_err() {
                    return;
                }
                let analysis = Analysis::compute(&image, &waste);
                let _ = tx.send(Msg::Action(Action::Analyzed(Arc::new(analysis))));
            }
            Err(e) => {
                let _ = tx.send(Msg::Action(Action::LoadFailed(e.to_string())));
            }
        }
    });
}

fn spawn_input(tx: Sender<Msg>) {
    std::thread::spawn(move || {
        while let Ok(ev) = event::read() {
            if tx.send(Msg::Term(ev)).is_err() {
                break;
            }
        }
    });
}

/// What the file viewer shows for what was read: the text, with a last line saying so when the
/// read stopped at `limit` (a multi-byte character cut there is dropped, so within 3 bytes).
fn viewer_text(found: FileText, limit: u64) -> String {
    match found {
        FileText::Text(mut text) => {
            if text.len() as u64 + 3 >= limit {
                text.push_str(&format!(
                    "\n… only the first {} are shown: ctrl+e extracts the whole file",
                    view::size(limit)
                ));
            }
            text
        }
        FileText::Binary(n) => {
            format!("(binary file: not shown; {n} bytes looked at; ctrl+e extracts it)")
        }
    }
}

/// Runs a file read or an extraction on its own thread; a registry is asked with the options
/// the image loaded with (`--insecure`, the stall timeout).
fn spawn_effect(app: &App, effect: Effect, opts: &LoadOptions, tx: Sender<Msg>) {
    let Some(b) = &app.browse else { return };
    let image = b.image.clone();
    let opts = opts.clone();
    std::thread::spawn(move || {
        let action = match effect {
            Effect::ReadFile { layer, path, title } => {
                match extract::read_text(&image, layer, &path, VIEW_LIMIT, &opts) {
                    Ok(found) => Action::FileRead {
                        title,
                        text: viewer_text(found, VIEW_LIMIT),
                    },
                    Err(e) => Action::Extracted(Err(ExtractRefusal::Failed(e.to_string()))),
                }
            }
            Effect::Extract {
                layer,
                path,
                dest,
                overwrite,
            } => Action::Extracted(
                match extract::extract_to(&image, layer, &path, &dest, overwrite, &opts) {
                    Ok(n) => Ok(format!("wrote {n} bytes to {}", dest.display())),
                    Err(ExtractError::Exists(p)) => Err(ExtractRefusal::Exists(p)),
                    Err(ExtractError::Image(e)) => Err(ExtractRefusal::Failed(e.to_string())),
                },
            ),
        };
        let _ = tx.send(Msg::Action(action));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_says_when_a_file_is_cut_at_the_limit() {
        assert_eq!(viewer_text(FileText::Text("a\nb\n".into()), 100), "a\nb\n");
        let cut = viewer_text(FileText::Text("x".repeat(99)), 100);
        assert!(cut.starts_with(&"x".repeat(99)));
        assert!(
            cut.ends_with("\n… only the first 100 B are shown: ctrl+e extracts the whole file"),
            "{cut}"
        );
        assert_eq!(
            viewer_text(FileText::Binary(42), 100),
            "(binary file: not shown; 42 bytes looked at; ctrl+e extracts it)"
        );
    }
}
