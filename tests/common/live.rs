//! Helpers for tests against real services (Docker daemon, podman API service, registries on
//! loopback) that `.ci/test` starts. A service that does not answer skips the test, unless
//! `LAYERLENS_SERVICES=1`, where it fails it. Fixture images are loaded or pushed once per
//! test binary, idempotently.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use layerlens::analysis::dive;
use layerlens::report::dive_json;
use layerlens::Image;

pub const AUTH_USER: &str = "layerlens";
pub const AUTH_PASS: &str = "layerlens-test";

/// Whether the services must be up (CI), so that an unreachable one fails the test.
pub fn services_required() -> bool {
    std::env::var("LAYERLENS_SERVICES").is_ok_and(|v| v == "1")
}

/// Returns from the test (skips) when `$ok` is false, or fails it under LAYERLENS_SERVICES=1.
#[macro_export]
macro_rules! require {
    ($ok:expr, $what:expr) => {
        if !$ok {
            if $crate::common::live::services_required() {
                panic!("{} is not reachable but LAYERLENS_SERVICES=1", $what);
            }
            $crate::common::skip(&format!("{} is not reachable", $what));
            return;
        }
    };
}

pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

fn socket_answers(sock: &str) -> bool {
    let path = sock.strip_prefix("unix://").unwrap_or(sock);
    let Ok(mut s) = UnixStream::connect(path) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.") && answer.contains(" 200 ")
}

pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

pub fn podman_host() -> String {
    std::env::var("LAYERLENS_PODMAN_SOCK")
        .unwrap_or_else(|_| "unix:///run/podman/podman.sock".into())
}

pub fn docker_up() -> bool {
    socket_answers(&docker_host())
}

pub fn podman_up() -> bool {
    socket_answers(&podman_host())
}

pub fn anon_registry() -> String {
    std::env::var("LAYERLENS_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into())
}

pub fn auth_registry() -> String {
    std::env::var("LAYERLENS_AUTH_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5001".into())
}

pub fn tcp_up(addr: &str) -> bool {
    addr.parse()
        .ok()
        .and_then(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).ok())
        .is_some()
}

/// The docker client that matches the daemon (Debian's; a newer one may refuse API 1.41).
pub fn docker_cli() -> String {
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker".into()
    } else {
        "docker".into()
    }
}

/// Runs a command to success, or fails the test with its output.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `docker load`s a testdata archive, once per test binary.
pub fn docker_load(archive: &str) {
    static TINY: OnceLock<()> = OnceLock::new();
    static CLASSIC: OnceLock<()> = OnceLock::new();
    let cell = if archive.starts_with("tiny") {
        &TINY
    } else {
        &CLASSIC
    };
    cell.get_or_init(|| {
        run(Command::new(docker_cli())
            .env("DOCKER_HOST", docker_host())
            .args(["load", "-q", "-i"])
            .arg(testdata(archive)));
    });
}

/// Loads testdata/tiny.docker.tar into podman's storage (vfs, as the service uses).
pub fn podman_load_tiny() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        run(Command::new("podman")
            .args(["--storage-driver", "vfs", "load", "-q", "-i"])
            .arg(testdata("tiny.docker.tar")));
    });
}

/// Pushes a testdata image to a registry with skopeo (`src` like `docker-archive:PATH`).
pub fn skopeo_push(src: &str, dest: &str, creds: bool, all: bool) {
    let mut cmd = Command::new("skopeo");
    cmd.args(["copy", "-q", "--dest-tls-verify=false"]);
    if all {
        cmd.arg("--all");
    }
    if creds {
        cmd.args(["--dest-creds", &format!("{AUTH_USER}:{AUTH_PASS}")]);
    }
    run(cmd.arg(src).arg(format!("docker://{dest}")));
}

/// `docker save`s an image to a file in `dir`.
pub fn docker_save(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join("saved.tar");
    run(Command::new(docker_cli())
        .env("DOCKER_HOST", docker_host())
        .args(["save", "-o"])
        .arg(&out)
        .arg(name));
    out
}

/// dive's analysis of an image as JSON, without what depends on how the blobs were stored
/// (compression, blob digests and sizes, archive member names).
pub fn analysis(image: &Image) -> serde_json::Value {
    let a = dive::analyze(image);
    let w = layerlens::analysis::waste::analyze(image, &Default::default());
    let mut v = serde_json::to_value(dive_json::export(image, &a, &w, None)).unwrap();
    for layer in v["layer"].as_array_mut().unwrap() {
        let o = layer.as_object_mut().unwrap();
        for k in ["id", "blobDigest", "blobSizeBytes", "compression"] {
            o.remove(k);
        }
    }
    v
}

/// What a run of the binary gave.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs the layerlens binary with extra environment, failing the test if it runs longer
/// than `limit` (a hang) and killing it then.
pub fn layerlens(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_layerlens"));
    // CI=true would switch on dive's CI mode (text after the JSON); the tests ask for it
    // explicitly when they want it.
    cmd.args(args)
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("layerlens {args:?} still running after {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
        elapsed: start.elapsed(),
    }
}
