//! The terminal UI: frames drawn into ratatui's TestBackend by scripted actions (insta
//! snapshots), and the real binary in tmux.

mod common;

use std::os::unix::ffi::OsStrExt;
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
    // The tree pane is 38 columns: the attributes would leave no room for names, so they are
    // left out, and the names are there.
    assert!(s.contains("│Filetree") && !s.contains("Permission"), "{s}");
    assert!(s.contains("└── bin"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
    // Wrapped (ctrl+p), rows carry their attributes again, over several lines.
    update(&mut app, Action::ToggleWrap);
    let s = screen(&app);
    assert!(s.contains("Permission") && s.contains("drwxr-xr-x"), "{s}");
    // Wide again: attributes and names side by side.
    run(
        &mut app,
        &[
            Action::ToggleWrap,
            Action::Resize {
                width: 120,
                height: 40,
            },
        ],
    );
    let s = screen(&app);
    assert!(
        s.contains("drwxr-xr-x       0:0      1.98 MB  └── bin"),
        "{s}"
    );
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
    // While typing, the tree is already on the match and the status line counts matches.
    let s = screen(&app);
    assert!(s.contains("Search: models█  1 match "), "{s}");
    assert!(tree_text(&s).contains("models.py"), "{s}");
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
    assert!(s.contains("Why /data/big.bin"), "{s}");
    // Written by layer 4, deleted by layer 10, each with its bytes and command.
    assert!(
        s.contains("│4       added        1.05 MB  mkdir -p /data"),
        "{s}"
    );
    assert!(
        s.contains("│10      removed      1.05 MB  rm /data/big.bin"),
        "{s}"
    );
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

// --- odd names and a huge directory ---------------------------------------------------------

/// One layer: `odd/` with names that are not UTF-8, hold control characters, are very long or
/// wide; and `huge/` with `n` files.
fn odd_layer(n: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &[u8], data: &[u8], kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, std::ffi::OsStr::from_bytes(name), data)
            .unwrap();
    };
    add(b"odd/", b"", tar::EntryType::Directory);
    let long = format!("odd/{}end", "long-name-".repeat(30));
    for name in [
        &b"odd/caf\xc3\xa9"[..],
        b"odd/bad\xff\xfename",
        b"odd/tab\there",
        b"odd/esc\x1b[31mred",
        b"odd/new\nline",
        "odd/wide-日本語".as_bytes(),
        long.as_bytes(),
    ] {
        add(name, b"hello\n", tar::EntryType::Regular);
    }
    add(b"huge/", b"", tar::EntryType::Directory);
    for i in 0..n {
        add(
            format!("huge/f{i:06}").as_bytes(),
            b"",
            tar::EntryType::Regular,
        );
    }
    b.into_inner().unwrap()
}

/// The tree pane's text (right of the middle border), its lines joined.
fn tree_text(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let right: String = chars[chars.len() / 2 + 1..].iter().collect();
            right.trim_end_matches([' ', '│']).to_string()
        })
        .collect()
}

fn odd_app(w: u16, h: u16, n: usize) -> App {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("odd.tar");
    std::fs::write(&tar, common::docker_save_tars(vec![odd_layer(n)])).unwrap();
    let mut image = load(
        tar.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    image.reference = "odd.tar".into();
    let analysis = Analysis::compute(&image);
    let mut app = App::with_image(Arc::new(image), Some(analysis), w, h);
    app.reference = "odd.tar".into();
    app
}

#[test]
fn odd_names_are_escaped_and_never_reach_the_terminal_raw() {
    let mut app = odd_app(100, 24, 3);
    run(&mut app, &[Action::ToggleView, Action::ToggleAttributes]);
    let s = screen(&app);
    for shown in [
        "café",
        r"bad\xff\xfename",
        r"tab\x09here",
        r"esc\x1b[31mred",
        r"new\x0aline",
    ] {
        assert!(s.contains(shown), "{shown} in\n{s}");
    }
    // A wide character takes two cells (the second one blank).
    assert!(s.contains("wide-日 本 語"), "{s}");
    // No control character reaches a cell.
    let t = draw(&app);
    assert!(t
        .backend()
        .buffer()
        .content()
        .iter()
        .all(|c| !c.symbol().chars().any(char::is_control)));
    // The long name is cut at the pane's edge; with wrap on (ctrl+p) all of it is on screen.
    let full = format!("{}end", "long-name-".repeat(30));
    assert!(!tree_text(&s).contains(&full));
    let long = app
        .browse
        .as_ref()
        .unwrap()
        .tree
        .rows()
        .iter()
        .position(|r| {
            let b = app.browse.as_ref().unwrap();
            b.image.tree.name(r.node).starts_with(b"long-name-")
        })
        .unwrap();
    run(&mut app, &vec![Action::Down; long]);
    run(&mut app, &[Action::ToggleWrap]);
    let s = screen(&app);
    assert!(tree_text(&s).contains(&full), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_directory_with_100k_files_renders_and_scrolls_fast() {
    let mut app = odd_app(120, 40, 100_000);
    let rows = app.browse.as_ref().unwrap().tree.rows().len();
    assert_eq!(rows, 2 + 7 + 100_000);
    update(&mut app, Action::ToggleView);
    let h = app.tree_height();
    // Every key, update and draw, well under a second even in a debug build: nothing is
    // proportional to the square of the directory's size.
    let mut worst = Duration::ZERO;
    let mut key = |app: &mut App, a: Action| {
        let t = Instant::now();
        update(app, a);
        draw(app);
        worst = worst.max(t.elapsed());
    };
    for _ in 0..3 {
        key(&mut app, Action::PageDown);
    }
    let b = app.browse.as_ref().unwrap();
    let first_shown = b.tree.offset();
    assert_eq!(b.tree.selected(), 3 * h);
    let s = screen(&app);
    // Rows 0..9 are odd/, its 7 files and huge/; then the files in order.
    let want = format!("f{:06}", b.tree.selected() - 9);
    assert!(s.contains(&want), "{want} in\n{s}");
    assert!(first_shown > 0);
    for a in [
        Action::ToggleSort,
        Action::ToggleCollapseAll,
        Action::ToggleCollapseAll,
        Action::ToggleKind(layerlens::index::Change::Added),
        Action::ToggleKind(layerlens::index::Change::Added),
        Action::CompareAll,
        Action::PageDown,
        Action::Up,
    ] {
        key(&mut app, a);
    }
    update(&mut app, Action::StartSearch);
    for c in "f099999".chars() {
        update(&mut app, Action::InputChar(c));
    }
    key(&mut app, Action::InputSubmit);
    let b = app.browse.as_ref().unwrap();
    assert_eq!(
        b.image.tree.path(b.selected_node().unwrap()),
        b"huge/f099999"
    );
    assert!(screen(&app).contains("f099999"));
    assert!(worst < Duration::from_secs(1), "slowest key took {worst:?}");
}

// --- the real binary in tmux -------------------------------------------------------------

fn tmux(args: &[&str]) -> String {
    if args.first() == Some(&"new-session") {
        // Tests run in parallel: a session started just as another test kills the last one
        // can land on the exiting tmux server and vanish. Start it again then.
        let session = args
            .iter()
            .position(|a| *a == "-s")
            .map(|i| args[i + 1])
            .expect("a named session");
        for _ in 0..5 {
            let _ = Command::new("tmux").args(args).output().expect("tmux runs");
            std::thread::sleep(Duration::from_millis(100));
            let alive = Command::new("tmux")
                .args(["has-session", "-t", session])
                .status()
                .is_ok_and(|s| s.success());
            if alive {
                break;
            }
        }
        return String::new();
    }
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until every needle is on screen at once (a capture can catch a frame half drawn).
fn wait_for_all(session: &str, needles: &[&str]) -> String {
    let start = Instant::now();
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if needles.iter().all(|n| s.contains(n)) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `needle` is no longer on screen. Used after Escape: a key sent while the escape
/// byte is still unread would reach the terminal as one Alt+key sequence.
fn wait_gone(session: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if !s.contains(needle) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
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

/// Whether tmux can run; without it the test is skipped, unless LAYERLENS_SERVICES says the
/// services (tmux among them) were set up, and then it fails.
fn have_tmux() -> bool {
    let have = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        if std::env::var_os("LAYERLENS_SERVICES").is_some() {
            panic!("LAYERLENS_SERVICES is set but tmux is not installed");
        }
        eprintln!("skipped: tmux is not installed (set LAYERLENS_SERVICES=1 to require it)");
    }
    have
}

#[test]
fn real_binary_in_tmux() {
    if !have_tmux() {
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
    // ctrl+m (sent as enter by the terminal) hides modified files, as in dive; ctrl+p wraps.
    tmux(&["send-keys", "-t", &session, "C-m"]);
    let s = wait_for(&session, "hiding modified, unmodified");
    assert!(s.contains("hiding modified, unmodified"), "{s}");
    tmux(&["send-keys", "-t", &session, "C-p"]);
    let s = wait_for(&session, "· wrap");
    assert!(s.contains("· wrap"), "{s}");
    // ctrl+space collapses every directory: data/ is shown collapsed, big.bin is not.
    tmux(&["send-keys", "-t", &session, "C-Space"]);
    let s = wait_for(&session, "▸ data");
    assert!(
        s.contains("└── ▸ data") && !tree_text(&s).contains("big.bin"),
        "{s}"
    );
    // Search jumps into the collapsed directory.
    tmux(&["send-keys", "-t", &session, "/", "big", "Enter"]);
    let s = wait_for(&session, "search 'big': 1 of 1");
    assert!(tree_text(&s).contains("└── big.bin"), "{s}");
    tmux(&["send-keys", "-t", &session, "?"]);
    let s = wait_for(&session, "toggle-collapse-all-dir");
    assert!(s.contains("Help"), "{s}");
    tmux(&["send-keys", "-t", &session, "Escape"]);
    let s = wait_gone(&session, "toggle-collapse-all-dir");
    assert!(!s.contains("toggle-collapse-all-dir"), "{s}");
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

/// Runs the binary in tmux under `sh`, then prints its exit code and the terminal's modes, and
/// waits; returns the screen once the exit line is there, and the pane's `#{alternate_on}
/// #{mouse_any_flag}` flags.
fn run_to_exit(name: &str, env: &str, image: &str) -> (String, String) {
    let session = format!("layerlens-{name}-{}", std::process::id());
    let script = format!(
        "env -u CI XDG_CONFIG_HOME=/nonexistent {env} {} {image}; \
         echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; \
         echo; echo done-done; sleep 30",
        env!("CARGO_BIN_EXE_layerlens"),
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "100",
        "-y",
        "30",
        "sh",
        "-c",
        &script,
    ]);
    let _guard = KillOnDrop(session.clone());
    let s = wait_for(&session, "done-done");
    let flags = tmux(&[
        "display-message",
        "-p",
        "-t",
        &session,
        "#{alternate_on} #{mouse_any_flag}",
    ]);
    (s, flags.trim().to_string())
}

#[test]
fn real_binary_restores_the_terminal_on_error_and_on_panic() {
    if !have_tmux() {
        return;
    }
    // A file that is not an image: the UI opens, loading fails, the terminal comes back and the
    // error is one line on it, exit code 2.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-an-image.tar");
    std::fs::write(&bad, vec![7u8; 5000]).unwrap();
    let (s, flags) = run_to_exit("error", "", bad.to_str().unwrap());
    assert!(s.contains("exit=2"), "{s}");
    assert!(
        s.contains("not-an-image.tar"),
        "the error names the file:\n{s}"
    );
    let cooked = |s: &str| s.lines().any(|l| l.trim() == "icanon echo");
    assert!(cooked(&s), "canonical mode and echo again:\n{s}");
    assert_eq!(flags, "0 0", "main screen, no mouse reporting");
    // A panic (a debug-build test seam panics once the image is shown): the same, exit 101.
    if cfg!(debug_assertions) {
        let (s, flags) = run_to_exit(
            "panic",
            "LAYERLENS_TEST_PANIC=1",
            &testdata("classic.docker.tar"),
        );
        assert!(s.contains("exit=101"), "{s}");
        assert!(
            s.contains("LAYERLENS_TEST_PANIC"),
            "the panic message is shown:\n{s}"
        );
        assert!(cooked(&s), "canonical mode and echo again:\n{s}");
        assert_eq!(flags, "0 0", "main screen, no mouse reporting");
    }
}

struct KillOnDrop(String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

#[test]
fn a_long_command_is_wrapped_whole_or_says_it_is_cut_and_v_shows_it() {
    // 120x40: layer 6's command (five `&&` steps) is wrapped, all of it.
    let mut app = app(120, 40);
    run(&mut app, &vec![Action::Down; 6]);
    let s = screen(&app);
    let left: String = s
        .lines()
        .map(|l| {
            l.chars()
                .take(60)
                .collect::<String>()
                .trim_matches(['│', ' '])
                .to_string()
        })
        .collect();
    assert!(
        left.contains("echo \"CFLAGS=-O2\" > /tmp/build/config.mk"),
        "{s}"
    );
    assert!(!s.contains("more lines"));
    // 80x24 has no room for it: the pane says so, and v (layers pane) shows the command.
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(s.contains("more lines: v in the layers pane"), "{s}");
    update(&mut app, Action::ViewFile);
    let s = screen(&app);
    assert!(s.contains("Layer 6 command"), "{s}");
    assert!(s.contains("config.mk"), "{s}");
    insta::assert_snapshot!(draw(&app).backend());
}

/// Any size draws (a panic in a draw would leave a broken terminal): each screen at sizes down to
/// 1×1, and back to 80×24 whole.
#[test]
fn tiny_terminals_draw_without_panicking_and_grow_back() {
    let mut app = app(120, 40);
    let states: Vec<Vec<Action>> = vec![
        vec![],
        vec![Action::ToggleView, Action::PageDown, Action::ToggleWrap],
        vec![Action::ShowHelp, Action::PageDown],
        vec![Action::ShowWaste, Action::Down],
        vec![Action::ToggleView, Action::ShowWhy],
        vec![Action::StartSearch, Action::InputChar('b')],
        vec![Action::StartFilter, Action::InputChar('x')],
    ];
    for (w, h) in [
        (1, 1),
        (2, 2),
        (10, 3),
        (20, 5),
        (30, 8),
        (40, 10),
        (79, 23),
    ] {
        for actions in &states {
            update(
                &mut app,
                Action::Resize {
                    width: w,
                    height: h,
                },
            );
            run(&mut app, actions);
            let s = screen(&app);
            assert_eq!(s.lines().count(), h as usize);
            if (w, h) == (40, 10) && actions.is_empty() {
                assert!(s.contains("Layers"), "{s}");
            }
            run(&mut app, &[Action::InputCancel, Action::CloseOverlay]);
        }
    }
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
    );
    let s = screen(&app);
    assert!(
        s.contains("Layer Details") && s.contains("Image Details"),
        "{s}"
    );
}

/// The help lists every binding with the keys it has now (a rebinding shows), scrolled to the end
/// on a small screen.
#[test]
fn help_scrolls_through_every_binding_with_its_current_keys() {
    use layerlens::tui::keymap::COMMANDS;
    let mut app = app(80, 24);
    app.keymap.bind("quit", "ctrl+q, Q").unwrap();
    update(&mut app, Action::ShowHelp);
    let mut seen = String::new();
    let mut pages = 0;
    loop {
        seen.push_str(&screen(&app));
        let before = format!("{:?}", app.browse.as_ref().unwrap().overlay);
        update(&mut app, Action::PageDown);
        if format!("{:?}", app.browse.as_ref().unwrap().overlay) == before {
            break;
        }
        pages += 1;
    }
    assert!(pages >= 1, "24 rows cannot hold the whole help");
    for (name, _, _) in COMMANDS {
        let keys: Vec<String> = app.keymap.keys(name).iter().map(|k| k.label()).collect();
        assert!(!keys.is_empty(), "{name} has a key");
        let want = format!("{name:<26} {}", keys.join(" "));
        assert!(seen.contains(&want), "'{want}' in the help:\n{seen}");
    }
    assert!(
        seen.contains(&format!("{:<26} ctrl+q Q ", "quit")),
        "{seen}"
    );
    assert!(seen.contains("config.yaml"), "the footer is reached");
    assert!(seen.contains("enter shows the file in the tree"), "{seen}");
    assert!(seen.contains("y overwrites"), "{seen}");
}

/// The foreground colours (as palette indexes: 2 is green) of the SGR sequences in a
/// `capture-pane -e` screen.
fn fg_colours(screen: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for seq in screen.split("\x1b[").skip(1) {
        let Some(end) = seq.find(|c: char| !(c.is_ascii_digit() || c == ';')) else {
            continue;
        };
        if !seq[end..].starts_with('m') {
            continue;
        }
        let params: Vec<u16> = seq[..end]
            .split(';')
            .filter_map(|p| p.parse().ok())
            .collect();
        let mut i = 0;
        while i < params.len() {
            match params[i] {
                p @ 30..=37 => out.push(p - 30),
                p @ 90..=97 => out.push(p - 90 + 8),
                // 38;5;N, 38;2;R;G;B (an RGB colour is pushed as 256), and 48 (background).
                c @ (38 | 48) => {
                    let (n, skip) = match params.get(i + 1) {
                        Some(5) => (params.get(i + 2).copied().unwrap_or(0), 2),
                        _ => (256, 4),
                    };
                    if c == 38 {
                        out.push(n);
                    }
                    i += skip;
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// The real binary quits on q with the terminal restored, and NO_COLOR (set and not empty) draws
/// no colour at all, while without it added files are green. Mouse clicks and the wheel arrive
/// through the terminal and move the selection.
#[test]
fn real_binary_quits_cleanly_and_honours_no_color() {
    if !have_tmux() {
        return;
    }
    for no_color in ["", "1"] {
        let session = format!("layerlens-quit{no_color}-{}", std::process::id());
        let script = format!(
            "env -u CI -u NO_COLOR XDG_CONFIG_HOME=/nonexistent {} {} {}; \
             echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; \
             echo; echo done-done; sleep 30",
            if no_color.is_empty() {
                String::new()
            } else {
                format!("NO_COLOR={no_color}")
            },
            env!("CARGO_BIN_EXE_layerlens"),
            testdata("classic.docker.tar"),
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
            "sh",
            "-c",
            &script,
        ]);
        let _guard = KillOnDrop(session.clone());
        let s = wait_for(&session, "Image efficiency score");
        assert!(s.contains("Image efficiency score"), "{s}");
        let styled = tmux(&["capture-pane", "-p", "-e", "-t", &session]);
        let colours = fg_colours(&styled);
        if no_color.is_empty() {
            assert!(colours.contains(&2), "added files are green: {colours:?}");
        } else {
            assert!(colours.is_empty(), "NO_COLOR: no colour, got {colours:?}");
            // Still usable: the selection is shown reversed.
            assert!(styled.contains("\x1b[7m"), "{styled:?}");
        }
        // The mouse, as the terminal reports it (SGR 1006, 1-based cells): a click on the
        // layers pane's fourth row selects layer 3, the wheel down over it moves to layer 4.
        tmux(&[
            "send-keys",
            "-t",
            &session,
            "-l",
            "\x1b[<0;10;6M\x1b[<0;10;6m",
        ]);
        let s = wait_for(&session, "Layer: 3 of 13");
        assert!(s.contains("Layer: 3 of 13"), "{s}");
        tmux(&["send-keys", "-t", &session, "-l", "\x1b[<65;10;6M"]);
        let s = wait_for(&session, "Layer: 4 of 13");
        assert!(s.contains("Layer: 4 of 13"), "{s}");
        // Resized to 80×24: redrawn to fit, with the narrow tree's layout.
        tmux(&["resize-window", "-t", &session, "-x", "80", "-y", "24"]);
        let s = wait_for_all(&session, &["│Filetree", "Image Details", "q Quit"]);
        assert!(
            s.contains("│Filetree") && s.contains("Image Details"),
            "{s}"
        );
        assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
        tmux(&["send-keys", "-t", &session, "q"]);
        let s = wait_for(&session, "done-done");
        assert!(s.contains("exit=0"), "{s}");
        assert!(
            s.lines().any(|l| l.trim() == "icanon echo"),
            "cooked mode again:\n{s}"
        );
        let flags = tmux(&[
            "display-message",
            "-p",
            "-t",
            &session,
            "#{alternate_on} #{mouse_any_flag}",
        ]);
        assert_eq!(flags.trim(), "0 0", "main screen, no mouse reporting");
    }
}

/// A text file or a command holding escape sequences is shown escaped, and no control
/// character reaches a cell of any screen (titles and messages included).
#[test]
fn escape_sequences_in_a_file_or_a_title_never_reach_the_terminal() {
    let mut app = app(100, 30);
    update(
        &mut app,
        Action::FileRead {
            title: "t\x1b[2Jx".into(),
            text: "plain\nesc\x1b[31mred\x1b[0m bell\x07 cr\rover del\x7f c1\u{9b}31m\tend\n"
                .into(),
        },
    );
    let s = screen(&app);
    assert!(
        s.contains(r"esc\x1b[31mred\x1b[0m bell\x07 cr\x0dover del\x7f c1\x9b31m    end"),
        "{s}"
    );
    // The title is not laid out as text: its escape is replaced.
    assert!(s.contains("t?[2Jx"), "{s}");
    let t = draw(&app);
    assert!(t
        .backend()
        .buffer()
        .content()
        .iter()
        .all(|c| !c.symbol().chars().any(char::is_control)));
}

/// The real binary reads a file back from its layer (v) and extracts it (ctrl+e) to exactly the
/// typed path: an existing file only after y, never through a symlink.
#[test]
fn real_binary_views_and_extracts_a_file() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = format!("layerlens-extract-{}", std::process::id());
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
    let _guard = KillOnDrop(session.clone());
    let keys = |k: &[&str]| {
        let mut args = vec!["send-keys", "-t", &session];
        args.extend_from_slice(k);
        tmux(&args);
    };
    let typed = |text: &str| {
        tmux(&["send-keys", "-t", &session, "-l", text]);
    };
    wait_for(&session, "Image efficiency score");
    // Layer 3 wrote /etc/layerlens/app.conf ("mode=debug\n", 11 bytes).
    keys(&["j", "j", "j"]);
    wait_for(&session, "Layer: 3 of 13");
    keys(&["/"]);
    typed("app.conf");
    keys(&["Enter"]);
    let s = wait_for(&session, "search 'app.conf': 1 of 1");
    assert!(s.contains("search 'app.conf': 1 of 1"), "{s}");
    keys(&["v"]);
    let s = wait_for_all(&session, &["app.conf (layer 3)", "│mode=debug "]);
    assert!(s.contains("/etc/layerlens/app.conf (layer 3)"), "{s}");
    // The file's one line, alone on its row of the overlay.
    assert!(s.lines().any(|l| l.contains("│mode=debug ")), "{s}");
    keys(&["Escape"]);
    let s = wait_gone(&session, "│mode=debug ");
    assert!(!s.contains("│mode=debug "), "{s}");
    // Extract to a new path.
    let out = dir.path().join("out.conf");
    let extract = |to: &std::path::Path| {
        keys(&["C-e"]);
        wait_for(&session, "Extract to path:");
        typed(to.to_str().unwrap());
        keys(&["Enter"]);
    };
    extract(&out);
    let s = wait_for(&session, "wrote 11 bytes");
    assert!(s.contains("wrote 11 bytes to"), "{s}");
    assert_eq!(std::fs::read(&out).unwrap(), b"mode=debug\n");
    // It exists now: n keeps it, y overwrites it.
    std::fs::write(&out, b"keep").unwrap();
    extract(&out);
    let s = wait_for(&session, "overwrite? (y/n)");
    assert!(s.contains("exists, overwrite? (y/n)"), "{s}");
    keys(&["n"]);
    let s = wait_for(&session, "not extracted");
    assert!(s.contains("not extracted"), "{s}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep");
    extract(&out);
    wait_for(&session, "overwrite? (y/n)");
    keys(&["y"]);
    let s = wait_for(&session, "wrote 11 bytes");
    assert!(s.contains("wrote 11 bytes to"), "{s}");
    assert_eq!(std::fs::read(&out).unwrap(), b"mode=debug\n");
    // A symlink at the destination is refused, and what it points to is untouched.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"untouched").unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    extract(&link);
    let s = wait_for(&session, "a symlink");
    assert!(s.contains("is a directory or a symlink"), "{s}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["link", "out.conf", "victim"]);
    keys(&["q"]);
}

/// The real binary reads a dive config (dive's own spellings) from `$XDG_CONFIG_HOME`, and a bad
/// one is an error naming the file, exit 2, before the terminal changes mode.
#[test]
fn real_binary_reads_a_dive_config_from_xdg_config_home() {
    if !have_tmux() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("layerlens")).unwrap();
    let config = home.path().join("layerlens/config.yaml");
    std::fs::write(
        &config,
        "log:\n  enabled: false\nkeybinding:\n  quit: Ctrl+Q\n  toggle-view: Tab\n  \
         page-down: PgDn\ndiff:\n  hide:\n    - unmodified\nlayer:\n  \
         show-aggregated-changes: true\n",
    )
    .unwrap();
    let session = format!("layerlens-config-{}", std::process::id());
    let script = format!(
        "env -u CI XDG_CONFIG_HOME={} {} {}; echo \"exit=$?\"; echo done-done; sleep 30",
        home.path().display(),
        env!("CARGO_BIN_EXE_layerlens"),
        testdata("classic.docker.tar"),
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
        "sh",
        "-c",
        &script,
    ]);
    let _guard = KillOnDrop(session.clone());
    let s = wait_for(&session, "Image efficiency score");
    assert!(
        s.contains("Aggregated Layer Contents · hiding unmodified"),
        "{s}"
    );
    // q is no longer quit (it is typed nowhere: nothing happens); ctrl+q is.
    tmux(&["send-keys", "-t", &session, "q"]);
    std::thread::sleep(Duration::from_millis(300));
    let s = tmux(&["capture-pane", "-p", "-t", &session]);
    assert!(!s.contains("done-done"), "q quit:\n{s}");
    tmux(&["send-keys", "-t", &session, "C-q"]);
    let s = wait_for(&session, "done-done");
    assert!(s.contains("exit=0"), "{s}");
    // A bad value: one line naming the file and the key, exit 2.
    std::fs::write(&config, "keybinding:\n  quit: Hyper+Q\n").unwrap();
    let (s, flags) = run_to_exit(
        "badconfig",
        &format!("XDG_CONFIG_HOME={}", home.path().display()),
        &testdata("classic.docker.tar"),
    );
    assert!(s.contains("exit=2"), "{s}");
    assert!(s.contains("config.yaml") && s.contains("quit"), "{s}");
    assert_eq!(flags, "0 0");
}
