//! Driving the real binary in tmux (send-keys, capture-pane), and reading a captured screen.

use std::process::Command;
use std::time::{Duration, Instant};

/// The shipped testdata image the end-to-end tests open.
pub fn classic() -> String {
    format!("{}/testdata/classic.docker.tar", env!("CARGO_MANIFEST_DIR"))
}

/// The tree pane's text (right of the middle border), its lines joined.
pub fn tree_text(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let right: String = chars[chars.len() / 2 + 1..].iter().collect();
            right.trim_end_matches([' ', '│']).to_string()
        })
        .collect()
}

/// Starts `command` in a detached session of `width`×`height`; the session ends when the
/// returned guard drops.
pub fn start(session: &str, width: u16, height: u16, command: &[&str]) -> KillOnDrop {
    let (w, h) = (width.to_string(), height.to_string());
    let mut args = vec!["new-session", "-d", "-s", session, "-x", &w, "-y", &h];
    args.extend_from_slice(command);
    tmux(&args);
    KillOnDrop(session.to_string())
}

pub fn tmux(args: &[&str]) -> String {
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
pub fn wait_for_all(session: &str, needles: &[&str]) -> String {
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
pub fn wait_gone(session: &str, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if !s.contains(needle) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the screen satisfies `done` (a frame may be caught half drawn: a test that
/// reads more than one text waits for all of it).
pub fn wait_until(session: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let s = tmux(&["capture-pane", "-p", "-t", session]);
        if done(&s) || start.elapsed() > Duration::from_secs(20) {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn wait_for(session: &str, needle: &str) -> String {
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
pub fn have_tmux() -> bool {
    let have = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        if std::env::var_os("LAYERLENS_SERVICES").is_some() {
            panic!("LAYERLENS_SERVICES is set but tmux is not installed");
        }
        super::skip("tmux is not installed (bash .ci/test installs it)");
    }
    have
}

pub struct KillOnDrop(pub String);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}
