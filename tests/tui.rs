//! The terminal UI: frames drawn into ratatui's TestBackend by scripted actions (insta
//! snapshots), and the real binary in tmux.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, Analysis, App, LoadProgress};
use layerlens::tui::view::render;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn testdata(name: &str) -> String {
    format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn app(w: u16, h: u16) -> App {
    let mut image = load(
        &testdata("classic.docker.tar"),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    // Stable across machines: the reference shown is the file name only.
    image.reference = "classic.docker.tar".into();
    let analysis = Analysis::compute(&image);
    let mut app = App::with_image(Arc::new(image), Some(analysis), w, h);
    // Stable across machines: the reference shown is the file name only.
    app.reference = "classic.docker.tar".into();
    app
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    t.draw(|f| render(app, f)).unwrap();
    t
}

fn screen(app: &App) -> String {
    let t = draw(app);
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn run(app: &mut App, actions: &[Action]) {
    for a in actions {
        update(app, a.clone());
    }
}

#[test]
fn loading_screen_shows_progress() {
    let mut app = App::loading("big.tar", Default::default(), true, 80, 24);
    update(
        &mut app,
        Action::Progress(LoadProgress {
            bytes_done: 50_000_000,
            bytes_total: Some(200_000_000),
            layers_done: 2,
            layers_total: Some(4),
        }),
    );
    let s = screen(&app);
    assert!(s.contains("layers indexed: 2 of 4"));
    assert!(s.contains("bytes read: 50"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn main_screen_at_120x40_on_layer_five_of_the_tree() {
    let mut app = app(120, 40);
    run(
        &mut app,
        &vec![Action::Down; 5]
            .into_iter()
            .chain([Action::ToggleView, Action::Down, Action::Down])
            .collect::<Vec<_>>(),
    );
    let s = screen(&app);
    assert!(s.contains("Current Layer Contents"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn main_screen_fits_80x24_and_redraws_on_resize() {
    let mut app = app(120, 40);
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(s.contains("Layers"));
    assert!(s.contains("Image Details"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn aggregated_view_hiding_unmodified_files_sorted_by_size() {
    let mut app = app(120, 40);
    run(
        &mut app,
        &[
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::CompareAll,
            Action::ToggleView,
            Action::ToggleKind(layerlens::index::Change::Unmodified),
            Action::ToggleSort,
        ],
    );
    let s = screen(&app);
    assert!(s.contains("Aggregated Layer Contents · by size"));
    assert!(s.contains("hiding unmodified"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn filter_search_and_collapse() {
    let mut app = app(120, 40);
    let last = app.browse.as_ref().unwrap().image.layers.len() - 1;
    run(&mut app, &vec![Action::Down; last]);
    run(&mut app, &[Action::ToggleView, Action::ToggleCollapseAll]);
    let collapsed = app.browse.as_ref().unwrap().tree.rows().len();
    run(&mut app, &[Action::StartSearch]);
    for c in "models".chars() {
        update(&mut app, Action::InputChar(c));
    }
    update(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    let sel = b.tree.selected_row().unwrap().node;
    assert_eq!(b.image.tree.path(sel), b"app/lib/models.py");
    assert!(
        b.tree.rows().len() > collapsed,
        "search expands the way to the match"
    );
    // The filter keeps only matching paths and their parents.
    run(&mut app, &[Action::StartFilter]);
    for c in "util".chars() {
        update(&mut app, Action::InputChar(c));
    }
    update(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    let names: Vec<_> = b
        .tree
        .rows()
        .iter()
        .map(|r| b.image.tree.path(r.node))
        .collect();
    assert!(names.iter().any(|p| p == b"app/lib/util.py"), "{names:?}");
    assert!(!names.iter().any(|p| p == b"app/lib/models.py"));
    assert!(screen(&app).contains("filter: util"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn wasted_bytes_view_and_jump_to_the_layer_that_wrote_it() {
    let mut app = app(120, 40);
    update(&mut app, Action::ShowWaste);
    let s = screen(&app);
    assert!(s.contains("Wasted bytes"));
    assert!(s.contains("data/big.bin"));
    insta::assert_snapshot!("wasted_overlay", draw(&app).backend());
    let first = app
        .browse
        .as_ref()
        .unwrap()
        .analysis
        .as_ref()
        .unwrap()
        .hidden[0]
        .clone();
    update(&mut app, Action::Enter);
    let b = app.browse.as_ref().unwrap();
    assert!(b.overlay.is_none());
    assert_eq!(b.layer, first.layer);
    assert_eq!(b.tree.selected_row().unwrap().node, first.node);
    // Why: every layer that touched the path.
    update(&mut app, Action::ShowWhy);
    let s = screen(&app);
    assert!(s.contains("Why /"));
    assert!(s.contains("added"));
    insta::assert_snapshot!("why_overlay", draw(&app).backend());
}

#[test]
fn help_lists_every_binding_and_no_color_draws_without_colour() {
    let mut app = app(120, 40);
    app.color = false;
    update(&mut app, Action::ShowHelp);
    let s = screen(&app);
    for name in [
        "toggle-collapse-all-dir",
        "compare-all",
        "search-next",
        "extract-file",
    ] {
        assert!(s.contains(name), "{name}");
    }
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert!(buf
        .content()
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset));
    insta::assert_snapshot!(t.backend());
}

// --- the real binary in tmux -------------------------------------------------------------

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(session: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if s.contains(needle) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn real_binary_in_tmux() {
    let have_tmux = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_tmux {
        if std::env::var_os("LAYERLENS_SERVICES").is_some() {
            panic!("LAYERLENS_SERVICES is set but tmux is not installed");
        }
        eprintln!("skipped: tmux is not installed (set LAYERLENS_SERVICES=1 to require it)");
        return;
    }
    let session = format!("layerlens-e2e-{}", std::process::id());
    let cmd = format!(
        "env -u CI XDG_CONFIG_HOME=/nonexistent {} {}",
        env!("CARGO_BIN_EXE_layerlens"),
        testdata("classic.docker.tar")
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ]);
    let guard = KillOnDrop(session.clone());
    let s = wait_for(&session, "Image efficiency score");
    assert!(s.contains("Layers"), "{s}");
    assert!(s.contains("└── bin"), "{s}");
    // Layer 4 (dd of /data/big.bin), then into the tree.
    for _ in 0..4 {
        tmux(&["send-keys", "-t", &session, "j"]);
    }
    tmux(&["send-keys", "-t", &session, "Tab"]);
    let s = wait_for(&session, "Layer: 4 of 13");
    assert!(s.contains("Layer: 4 of 13"), "{s}");
    // ctrl+u hides unmodified files: what layer 4 wrote is left.
    tmux(&["send-keys", "-t", &session, "C-u"]);
    let s = wait_for(&session, "└── big.bin");
    assert!(s.contains("hiding unmodified"), "{s}");
    assert!(s.contains("└── big.bin"), "{s}");
    assert!(!s.contains("acpid"), "{s}");
    tmux(&["send-keys", "-t", &session, "?"]);
    let s = wait_for(&session, "toggle-collapse-all-dir");
    assert!(s.contains("Help"), "{s}");
    tmux(&["send-keys", "-t", &session, "Escape"]);
    tmux(&["send-keys", "-t", &session, "q"]);
    let start = Instant::now();
    while tmux(&["has-session", "-t", &session]).is_empty()
        && Command::new("tmux")
            .args(["has-session", "-t", &session])
            .status()
            .is_ok_and(|s| s.success())
        && start.elapsed() < Duration::from_secs(5)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let alive = Command::new("tmux")
        .args(["has-session", "-t", &session])
        .status()
        .is_ok_and(|s| s.success());
    assert!(!alive, "q quits");
    drop(guard);
}

struct KillOnDrop(String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}
