//! The real binary in tmux: keys sent with send-keys, the screen read with capture-pane, on the
//! shipped testdata image. Needs tmux (installed by `.ci/test`).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{
    classic, have_tmux, start, tmux, tree_text, wait_for, wait_for_all, wait_gone, wait_until,
};

#[test]
fn real_binary_in_tmux() {
    if !have_tmux() {
        return;
    }
    let session = format!("layerlens-e2e-{}", std::process::id());
    let cmd = format!(
        "env -u CI XDG_CONFIG_HOME=/nonexistent {} {}",
        env!("CARGO_BIN_EXE_layerlens"),
        classic()
    );
    let guard = start(&session, 120, 40, &[&cmd]);
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
    // The findings, and enter on the second: the layer whose /app files a chmod -R copied.
    tmux(&["send-keys", "-t", &session, "f"]);
    let s = wait_for(
        &session,
        "Findings: fixing them takes the image from 4.12 MB",
    );
    assert!(s.contains("writes 5 files from layer 7"), "{s}");
    tmux(&["send-keys", "-t", &session, "j"]);
    tmux(&["send-keys", "-t", &session, "Enter"]);
    let s = wait_for(&session, "Layer: 7 of 13");
    assert!(!s.contains("Findings:"), "{s}");
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
    let _guard = start(&session, 100, 30, &["sh", "-c", &script]);
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
        let (s, flags) = run_to_exit("panic", "LAYERLENS_TEST_PANIC=1", &classic());
        assert!(s.contains("exit=101"), "{s}");
        assert!(
            s.contains("LAYERLENS_TEST_PANIC"),
            "the panic message is shown:\n{s}"
        );
        assert!(cooked(&s), "canonical mode and echo again:\n{s}");
        assert_eq!(flags, "0 0", "main screen, no mouse reporting");
    }
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
            classic(),
        );
        let _guard = start(&session, 120, 40, &["sh", "-c", &script]);
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
        classic()
    );
    let _guard = start(&session, 120, 40, &[&cmd]);
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
        classic(),
    );
    let _guard = start(&session, 120, 40, &["sh", "-c", &script]);
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
        &classic(),
    );
    assert!(s.contains("exit=2"), "{s}");
    assert!(s.contains("config.yaml") && s.contains("quit"), "{s}");
    assert_eq!(flags, "0 0");
}

/// The real binary hands `--config`'s exclusions to the UI: the findings leave /data out (its
/// 1,048,576 bytes), where without the file they count them.
#[test]
fn real_binary_findings_follow_the_config_file() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("layerlens.yaml");
    std::fs::write(&config, "exclude:\n  - /data\n").unwrap();
    for (name, args, want) in [
        (
            "plain",
            String::new(),
            "from 4.12 MB to about 2.27 MB (−45 %)",
        ),
        (
            "excluded",
            format!("--config {}", config.display()),
            "from 4.12 MB to about 3.32 MB (−20 %)",
        ),
    ] {
        let session = format!("layerlens-findings-{name}-{}", std::process::id());
        let cmd = format!(
            "env -u CI XDG_CONFIG_HOME=/nonexistent {} {args} {}",
            env!("CARGO_BIN_EXE_layerlens"),
            classic()
        );
        let _guard = start(&session, 120, 40, &[&cmd]);
        wait_for(&session, "Image efficiency score");
        tmux(&["send-keys", "-t", &session, "f"]);
        let s = wait_for(&session, want);
        assert!(s.contains(want), "{s}");
    }
}

/// The packages view in the real binary: `p` lists the packages of a generated image with
/// real-format dpkg and pip databases, `enter` limits the tree to one package's files, `esc`
/// shows everything again.
#[test]
fn real_binary_packages_view() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = common::advice::write_python_naive(dir.path());
    let session = format!("layerlens-packages-{}", std::process::id());
    let cmd = format!(
        "env -u CI XDG_CONFIG_HOME=/nonexistent {} {}",
        env!("CARGO_BIN_EXE_layerlens"),
        path.display()
    );
    let _guard = start(&session, 200, 50, &[&cmd]);
    let s = wait_for(&session, "Estimate (f): about 51.5 kB");
    assert!(s.contains("Image efficiency score"), "{s}");
    tmux(&["send-keys", "-t", &session, "p"]);
    let s = wait_for(&session, "Packages: 12 own 149 kB");
    assert!(
        s.contains("80.0 kB  dpkg        2  auto   gcc-12 12.2.0-14+deb12u1"),
        "{s}"
    );
    assert!(
        s.contains("3.59 kB  python      4  asked  Flask 3.0.0"),
        "{s}"
    );
    // gcc-12 is the first: its files, and nothing else, in the final image's tree.
    tmux(&["send-keys", "-t", &session, "Enter"]);
    let s = wait_for(&session, "only dpkg package gcc-12");
    let tree = tree_text(&s);
    assert!(tree.contains("x86_64-linux-gnu-gcc-12"), "{s}");
    assert!(tree.contains("cc1"), "{s}");
    assert!(!tree.contains("python3.11"), "{s}");
    tmux(&["send-keys", "-t", &session, "Escape"]);
    wait_gone(&session, "only dpkg package");
    // The whole tree again (waited for: the first capture without the limit's title may be
    // a frame half drawn).
    let everything = |s: &str| tree_text(s).contains("python3.11") || s.contains("└── usr");
    let s = wait_until(&session, everything);
    assert!(everything(&s), "{s}");
    tmux(&["send-keys", "-t", &session, "q"]);
}

/// The real binary reading a stream that stops after its first layer: the layers pane is on
/// screen with every command, the first layer's size and `…` for the others, before the image
/// is loaded; once the rest arrives, the tree, and the same sizes.
#[test]
fn real_binary_shows_the_layers_pane_while_the_image_streams() {
    use common::{bytes, docker_save_split, layer_tar, F};
    use std::io::Write;
    if !have_tmux() {
        return;
    }
    let layers = [
        vec![F::Dir("etc"), F::File("etc/first", bytes(300_000, 1))],
        vec![F::File("etc/second", bytes(70_000, 2))],
        vec![F::File("third", bytes(5_000, 3))],
    ];
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    let (archive, ends) = docker_save_split(tars, true);
    let dir = tempfile::tempdir().unwrap();
    // The loaded image's own sizes, from the same bytes as a file.
    let whole = dir.path().join("whole.tar");
    std::fs::write(&whole, &archive).unwrap();
    let image = layerlens::source::load(
        whole.to_str().unwrap(),
        None,
        &layerlens::source::LoadOptions::default(),
        &layerlens::source::NoProgress,
    )
    .unwrap();
    let sizes: Vec<String> = image
        .layers
        .iter()
        .map(|l| layerlens::units::human_bytes(l.size))
        .collect();
    let fifo = dir.path().join("stream.tar");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(&archive[..ends[0]]).unwrap();
            f.flush().unwrap();
            // The rest only when the test has seen the first frame (or gave up).
            let _ = wait.recv();
            let _ = f.write_all(&archive[ends[0]..]);
        })
    };
    let session = format!("layerlens-stream-{}", std::process::id());
    let cmd = format!(
        "env -u CI XDG_CONFIG_HOME=/nonexistent {} docker-archive:{}",
        env!("CARGO_BIN_EXE_layerlens"),
        fifo.display()
    );
    let guard = start(&session, 120, 40, &[&cmd]);
    let first = format!("  0 {:>9}  step 0", sizes[0]);
    let s = wait_for_all(&session, &["Cmp       Size  Command", &first]);
    let _ = go.send(());
    writer.join().unwrap();
    assert!(s.contains(&first), "{s}");
    assert!(s.contains("  1         …  step 1"), "{s}");
    assert!(s.contains("  2         …  step 2"), "{s}");
    assert!(s.contains("layers indexed: 1 of 3"), "{s}");
    assert!(
        !s.contains("Filetree"),
        "no tree before the image is loaded: {s}"
    );
    // The rest arrives: the tree, and the sizes the layers pane showed are the image's.
    let s = wait_for(&session, "Image efficiency score");
    assert!(s.contains("Filetree"), "{s}");
    for (i, size) in sizes.iter().enumerate() {
        let row = format!("  {i} {size:>9}  step {i}");
        assert!(s.contains(&row), "{row}\n{s}");
    }
    tmux(&["send-keys", "-t", &session, "q"]);
    wait_gone(&session, "Cmp");
    drop(guard);
}
