//! Hostile and malformed images (issue 11): paths 100,000 components deep, a layer listed
//! thousands of times, an image with no layers, layer members that are not layers, a
//! compressed `docker save`, oversized documents, OCI blobs that are devices or FIFOs or the
//! wrong size, and names and commands holding escape sequences and newlines. Each one ends
//! with exit 0, 1 or 2 and one clear line, in bounded time and memory.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{bytes, layer_tar, oci_layout_files, tar_of, write_tree, Comp, F};
use layerlens::analysis::waste::WasteOptions;
use layerlens::source::{load, LoadOptions, NoProgress};
use layerlens::tui::app::{update, Action, Analysis, App};
use sha2::{Digest as _, Sha256};

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// A legacy `docker save` archive of these layer tars, with `manifest.json` listing the
/// members `order` names (indexes into `tars`), and the config's history commands `commands`.
fn save_listing(tars: &[Vec<u8>], order: &[usize], commands: &[&str], user: &str) -> Vec<u8> {
    let hashes: Vec<String> = tars
        .iter()
        .map(|t| format!("sha256:{}", sha256_hex(t)))
        .collect();
    let diff_ids: Vec<&String> = order.iter().map(|&i| &hashes[i]).collect();
    let history: Vec<serde_json::Value> = order
        .iter()
        .enumerate()
        .map(|(n, _)| {
            let c = commands.get(n).copied().unwrap_or("true");
            serde_json::json!({ "created_by": format!("/bin/sh -c {c}") })
        })
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": { "Env": ["PATH=/bin"], "User": user },
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    }))
    .unwrap();
    let mut files = Vec::new();
    let names: Vec<String> = (0..tars.len())
        .map(|i| format!("{i:064x}/layer.tar"))
        .collect();
    for (i, t) in tars.iter().enumerate() {
        files.push((names[i].clone(), t.clone()));
    }
    files.push(("config.json".to_string(), config));
    let layers: Vec<&String> = order.iter().map(|&i| &names[i]).collect();
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": "config.json", "RepoTags": ["hostile:latest"], "Layers": layers,
    }]))
    .unwrap();
    files.push(("manifest.json".to_string(), manifest));
    tar_of(&files)
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

/// Runs the binary with a deadline and an address-space limit (`ulimit -v`, KiB); returns
/// (exit code, stdout, stderr, elapsed).
fn run_bounded(args: &[&str], limit_kib: u64, deadline: Duration) -> (i32, String, String) {
    let bin = env!("CARGO_BIN_EXE_layerlens");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib}; exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).unwrap();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).unwrap();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("layerlens {args:?} ran past {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = String::from_utf8_lossy(&out_t.join().unwrap()).into_owned();
    let err = String::from_utf8_lossy(&err_t.join().unwrap()).into_owned();
    (status.code().unwrap_or(-1), out, err)
}

/// One GiB of address space and a minute: generous for every case here, and far below what
/// the quadratic and per-repeat costs these tests guard against would need.
fn run(args: &[&str]) -> (i32, String, String) {
    run_bounded(args, 1 << 20, Duration::from_secs(60))
}

/// Asserts an exit code 2 whose stderr is exactly one line holding `needle`.
fn assert_one_line_error(args: &[&str], needle: &str) {
    let (code, _, err) = run(args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(
        err.len() < 1000,
        "{args:?}: an error line of {} bytes",
        err.len()
    );
}

fn deep(depth: usize, leaf: &str) -> String {
    format!("{}{leaf}", "d/".repeat(depth))
}

/// Layer 0 writes `f` (1,000 bytes) at the bottom of a `depth`-deep path and `g` (500 bytes)
/// half-way down; layer 1 deletes `g`.
fn deep_image(depth: usize) -> Vec<u8> {
    let l0 = layer_tar(&[
        F::PaxFile(deep(depth, "f"), bytes(1000, 1)),
        F::PaxFile(deep(depth / 2, "g"), bytes(500, 2)),
    ]);
    let l1 = layer_tar(&[F::PaxFile(deep(depth / 2, ".wh.g"), Vec::new())]);
    save_listing(&[l0, l1], &[0, 1], &["write", "delete"], "")
}

#[test]
fn a_path_100000_components_deep_goes_through_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let image = write(dir.path(), "deep.tar", &deep_image(100_000));
    let img = image.to_str().unwrap();

    let (code, out, _) = run(&["--ci", img]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("  efficiency: 66.6667 %"), "{out}");
    assert!(out.contains("  wastedBytes: 500 bytes (500 B)"), "{out}");

    let (code, out, err) = run(&["--json", "-", img]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["image"]["sizeBytes"], 1500);
    assert_eq!(j["image"]["inefficientBytes"], 500);

    let (code, out, err) = run(&["--format", "json", img]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        j["image"]["reclaimableBytes"],
        500,
        "{}",
        &out[..out.len().min(2000)]
    );

    let (code, out, err) = run(&["--format", "text", img]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("500 B"), "{}", &out[..out.len().min(2000)]);

    for format in ["junit", "github"] {
        let (code, out, err) = run(&["--ci", "--format", format, img]);
        assert_eq!(code, 1, "{format}: {err}");
        assert!(out.contains("lowestEfficiency"), "{format}");
    }

    let (code, out, err) = run(&[img]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("efficiency"), "{out}");

    let (code, out, err) = run(&["diff", img, img]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 B"), "{out}");
}

#[test]
fn a_path_deeper_than_the_limit_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let l0 = layer_tar(&[F::PaxFile(deep(200_001, "f"), bytes(10, 1))]);
    let image = write(
        dir.path(),
        "deeper.tar",
        &save_listing(&[l0], &[0], &[], ""),
    );
    assert_one_line_error(
        &["--ci", image.to_str().unwrap()],
        "is 200002 components deep; layerlens reads paths of at most 200000 components",
    );
}

/// Runs `f` on a thread with a 256 KiB stack: a recursion over a path's depth would overflow
/// it long before 100,000 components (and abort the whole test binary).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn app_for(path: &Path) -> App {
    let image = load(
        path.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let analysis = Analysis::compute(&image, &WasteOptions::default());
    App::with_image(Arc::new(image), Some(analysis), 100, 30)
}

fn screen(app: &App) -> String {
    let mut t =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(app.width, app.height)).unwrap();
    t.draw(|f| layerlens::tui::view::render(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[test]
fn the_ui_loads_walks_and_draws_a_100000_deep_tree_on_a_small_stack() {
    let dir = tempfile::tempdir().unwrap();
    let image = write(dir.path(), "deep.tar", &deep_image(100_000));
    let frames = on_small_stack(move || {
        let mut app = app_for(&image);
        let mut frames = vec![screen(&app)];
        for a in [
            Action::ToggleView,
            Action::Down,
            Action::ToggleCollapseAll,
            Action::ToggleCollapseAll,
            Action::CompareAll,
            Action::ToggleSort,
            Action::StartSearch,
            Action::InputChar('g'),
            Action::InputSubmit,
            Action::SearchNext,
            Action::SearchPrev,
            Action::StartSearch,
            Action::InputChar('d'),
            Action::InputSubmit,
            Action::SearchPrev,
            Action::SearchPrev,
            Action::SearchNext,
            Action::SearchNext,
            Action::StartFilter,
            Action::InputChar('f'),
            Action::InputSubmit,
            Action::ShowWaste,
        ] {
            update(&mut app, a);
            frames.push(screen(&app));
        }
        frames
    });
    // The first frame lists the top of the tree: the path starts with `d` under `d`.
    assert!(
        frames[0].contains("├── d") || frames[0].contains("└── d"),
        "{}",
        frames[0]
    );
    // Searching for `g` found the file half-way down (the selection moved onto its row), its
    // only match: `n` and `N` stay on it.
    let found = &frames[9];
    assert!(found.contains("g"), "{found}");
    assert!(found.contains("search 'g': 1 of 1"), "{found}");
    assert_eq!(frames[10], frames[9]);
    assert_eq!(frames[11], frames[9]);
    // Every path holds a `d`: `N` from the first walks back to the last match, at the bottom
    // of the path, and on to the one before; `n` comes back and wraps to the first.
    let at = |frame: &String| {
        let (_, rest) = frame.split_once("search 'd': ").expect(frame);
        let (pos, rest) = rest.split_once(" of ").expect(frame);
        let count = rest.split_whitespace().next().expect(frame);
        (
            pos.parse::<usize>().unwrap(),
            count.parse::<usize>().unwrap(),
        )
    };
    let count = at(&frames[14]).1;
    assert!(count > 100_000, "{count}");
    let walked: Vec<_> = frames[14..19].iter().map(at).collect();
    assert_eq!(
        walked,
        [1, count, count - 1, count, 1].map(|pos| (pos, count))
    );
    assert_ne!(frames[15], frames[14]);
    assert_ne!(frames[16], frames[15]);
    // The hidden-bytes overlay names the deleted 500 bytes.
    assert!(
        frames.last().unwrap().contains("500 B"),
        "{}",
        frames.last().unwrap()
    );
}

#[test]
fn a_layer_listed_thousands_of_times_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<F> = (0..2000)
        .map(|i| F::PaxFile(format!("f/{i}"), vec![b'x'; 10]))
        .collect();
    let tar = layer_tar(&files);
    let order = vec![0; 5000];
    let image = write(
        dir.path(),
        "many.tar",
        &save_listing(&[tar], &order, &[], ""),
    );
    assert_one_line_error(
        &["--format", "json", image.to_str().unwrap()],
        "lists 5000 layers; layerlens reads images of at most 1000 layers",
    );

    // The same as an OCI layout: the manifest is refused before any blob is read.
    let mut files = oci_layout_files(&[vec![F::File("a", vec![1; 10])]], Comp::None);
    let manifest_at = files
        .iter()
        .position(|(p, d)| {
            p.starts_with("blobs/")
                && serde_json::from_slice::<serde_json::Value>(d)
                    .is_ok_and(|v| v["layers"].is_array())
        })
        .unwrap();
    let mut m: serde_json::Value = serde_json::from_slice(&files[manifest_at].1).unwrap();
    let layer = m["layers"][0].clone();
    m["layers"] = serde_json::Value::Array(vec![layer; 5000]);
    let bytes_m = serde_json::to_vec(&m).unwrap();
    let hex_m = sha256_hex(&bytes_m);
    let old_hex = files[manifest_at].0.rsplit('/').next().unwrap().to_string();
    files[manifest_at] = (format!("blobs/sha256/{hex_m}"), bytes_m.clone());
    for (p, d) in &mut files {
        if p == "index.json" {
            let text = String::from_utf8(d.clone()).unwrap();
            let mut idx: serde_json::Value = serde_json::from_str(&text).unwrap();
            idx["manifests"][0]["digest"] = format!("sha256:{hex_m}").into();
            idx["manifests"][0]["size"] = bytes_m.len().into();
            assert!(text.contains(&old_hex));
            *d = serde_json::to_vec(&idx).unwrap();
        }
    }
    let layout = dir.path().join("layout");
    write_tree(&layout, &files);
    assert_one_line_error(
        &["--ci", layout.to_str().unwrap()],
        "the image manifest lists 5000 layers; layerlens reads images of at most 1000 layers",
    );
}

#[test]
fn a_layer_listed_1000_times_costs_one_index() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<F> = (0..2000)
        .map(|i| F::PaxFile(format!("f/{i}"), vec![b'x'; 10]))
        .collect();
    let tar = layer_tar(&files);
    let image = write(
        dir.path(),
        "k.tar",
        &save_listing(&[tar], &[0; 1000], &[], ""),
    );
    // 1,000 copies of a 2,000-file index would not fit in 1 GiB beside the merged tree's
    // events; shared, it does. dive's figures: every file is written 1,000 times.
    let (code, out, err) = run_bounded(
        &["--ci", image.to_str().unwrap()],
        1 << 20,
        Duration::from_secs(120),
    );
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("wastedBytes: 20000000 bytes (20 MB)"), "{out}");
}

#[test]
fn an_image_with_no_layers_survives_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let image = write(dir.path(), "empty.tar", &save_listing(&[], &[], &[], ""));
    let mut app = app_for(&image);
    for a in [
        Action::ToggleView,
        Action::ToggleCollapseAll,
        Action::ToggleView,
        Action::StartSearch,
        Action::InputChar('x'),
        Action::InputSubmit,
        Action::StartFilter,
        Action::InputChar('y'),
        Action::InputSubmit,
        Action::CompareAll,
        Action::ToggleSort,
        Action::ToggleCollapse,
        Action::Down,
        Action::PageDown,
        Action::ShowWaste,
        Action::CloseOverlay,
        Action::ShowFindings,
        Action::CloseOverlay,
        Action::ShowPackages,
        Action::CloseOverlay,
    ] {
        update(&mut app, a.clone());
        let s = screen(&app);
        assert!(s.contains("Layers"), "after {a:?}:\n{s}");
    }
    let (code, out, err) = run(&["--ci", image.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Result:PASS"), "{out}");
}

fn small_tar() -> Vec<u8> {
    layer_tar(&[F::File("etc/hello", b"hello\n".to_vec())])
}

/// A docker save whose layer member is `member` (not a tar) and whose diff_id is its hash.
fn save_with_member(member: Vec<u8>) -> Vec<u8> {
    save_listing(&[member], &[0], &[], "")
}

#[test]
fn a_layer_member_that_is_not_a_layer_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let p = write(dir.path(), "random.tar", &save_with_member(random));
    assert_one_line_error(
        &[p.to_str().unwrap()],
        "is not a layer: it is neither a tar nor gzip or zstd data (it starts with the bytes",
    );
    let p = write(
        dir.path(),
        "json.tar",
        &save_with_member(br#"{"not": "a layer"}"#.to_vec()),
    );
    assert_one_line_error(
        &[p.to_str().unwrap()],
        r#"is not a layer: it is neither a tar nor gzip or zstd data (it starts with "{"not": "a layer""#,
    );
}

#[test]
fn zstd_with_a_skippable_frame_first_is_a_layer() {
    let dir = tempfile::tempdir().unwrap();
    let tar = small_tar();
    let mut blob = vec![0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4];
    blob.extend(zstd::encode_all(&tar[..], 3).unwrap());
    // The diff_id is the tar's; the member is the compressed blob.
    let mut save = save_listing(std::slice::from_ref(&tar), &[0], &[], "");
    let name = format!("{:064x}/layer.tar", 0);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ar = tar::Archive::new(&save[..]);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        files.push((path.clone(), if path == name { blob.clone() } else { data }));
    }
    save = tar_of(&files);
    let p = write(dir.path(), "skippable.tar", &save);
    let (code, out, err) = run(&["--json", "-", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["image"]["sizeBytes"], 6);
}

#[test]
fn a_compressed_docker_save_reads_as_docker_load_reads_it() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let save = save_listing(&[small_tar()], &[0], &[], "");
    let plain = write(dir.path(), "plain.tar", &save);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&save).unwrap();
    let gz = write(dir.path(), "save.tar.gz", &gz.finish().unwrap());
    let zst = write(
        dir.path(),
        "save.tar.zst",
        &zstd::encode_all(&save[..], 3).unwrap(),
    );
    let (_, want, _) = run(&["--json", "-", plain.to_str().unwrap()]);
    for p in [&gz, &zst] {
        let (code, out, err) = run(&["--json", "-", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, want);
    }
    let xz = write(
        dir.path(),
        "save.tar.xz",
        &[0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2],
    );
    assert_one_line_error(
        &[xz.to_str().unwrap()],
        "is compressed with xz, which layerlens does not read",
    );
}

#[test]
fn an_oversized_manifest_is_named_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = b"[{\"Config\": \"config.json\", \"Layers\": []}]".to_vec();
    manifest.resize(17_000_000, b' ');
    let files = vec![("manifest.json".to_string(), manifest)];
    let p = write(dir.path(), "big-manifest.tar", &tar_of(&files));
    assert_one_line_error(&[p.to_str().unwrap()], "manifest manifest.json in ");
    assert_one_line_error(
        &[p.to_str().unwrap()],
        "is 17000000 bytes, more than the 16777216 bytes layerlens reads of a document",
    );
}

#[test]
fn an_exhausted_document_budget_is_named_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    // Sixteen 16 MiB documents (JSON-like, so not layers) fill the 256 MiB kept before
    // manifest.json streams past.
    let filler = {
        let mut v = b"{\"pad\": \"".to_vec();
        v.resize(16 << 20, b'a');
        v
    };
    let mut files: Vec<(String, Vec<u8>)> = (0..16)
        .map(|i| (format!("pad{i}.json"), filler.clone()))
        .collect();
    files.push((
        "manifest.json".to_string(),
        br#"[{"Config": "config.json", "Layers": []}]"#.to_vec(),
    ));
    let p = write(dir.path(), "budget.tar", &tar_of(&files));
    assert_one_line_error(
        &[p.to_str().unwrap()],
        "was not read: the archive's documents before it already add up to the 268435456 bytes",
    );
}

/// An OCI layout of one small layer, with the layer blob's path returned.
fn layout_with_layer(dir: &Path) -> (PathBuf, PathBuf, usize) {
    let files = oci_layout_files(&[vec![F::File("a", vec![1; 100])]], Comp::None);
    let layout = dir.join("layout");
    write_tree(&layout, &files);
    let (path, data) = &files[0];
    (layout.clone(), layout.join(path), data.len())
}

#[test]
fn layout_blobs_that_are_not_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, blob, _) = layout_with_layer(dir.path());
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &blob).unwrap();
    assert_one_line_error(
        &["--ci", layout.to_str().unwrap()],
        "is not a regular file but a character device: refused",
    );
    std::fs::remove_file(&blob).unwrap();
    let status = Command::new("mkfifo").arg(&blob).status().unwrap();
    assert!(status.success());
    assert_one_line_error(
        &["--ci", layout.to_str().unwrap()],
        "is not a regular file but a FIFO: refused",
    );
}

#[test]
fn a_layout_blob_of_the_wrong_size_names_both_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let (layout, blob, len) = layout_with_layer(dir.path());
    let mut data = std::fs::read(&blob).unwrap();
    data.extend_from_slice(&[0; 512]);
    std::fs::write(&blob, &data).unwrap();
    assert_one_line_error(
        &["--ci", layout.to_str().unwrap()],
        &format!("is {} bytes but its descriptor says {len}", len + 512),
    );
    data.truncate(len - 100);
    std::fs::write(&blob, &data).unwrap();
    assert_one_line_error(
        &["--ci", layout.to_str().unwrap()],
        &format!("is {} bytes but its descriptor says {len}", len - 100),
    );
}

const EVIL: &str =
    "app/\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;TITLE\x07x\n::error title=INJECTED::boom";

/// Names, a history command and the image's `User` with escape sequences and newlines.
fn evil_image() -> Vec<u8> {
    let name = EVIL.to_string();
    let l0 = layer_tar(&[
        F::PaxFile(name.clone(), bytes(5000, 1)),
        F::PaxFile("app/.env\x1b[31m".into(), b"SECRET=1\n".to_vec()),
        F::PaxFile("var/cache/apt/archives/a\x1b[2J.deb".into(), bytes(3000, 2)),
    ]);
    let l1 = layer_tar(&[F::PaxFile(name.clone(), bytes(6000, 3))]);
    let l2 = layer_tar(&[F::PaxFile(
        format!("app/.wh.{}", name.split_once('/').unwrap().1),
        Vec::new(),
    )]);
    let cmd = "echo \x1b]52;c;aGk=\x07 \n::error title=CMD::x";
    save_listing(
        &[l0, l1, l2],
        &[0, 1, 2],
        &[cmd, cmd, cmd],
        "root\x1b]0;USER\x07\n::error::u",
    )
}

fn assert_inert(what: &str, text: &str) {
    let controls: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        controls.is_empty(),
        "{what}: control characters {controls:?} in\n{text}"
    );
    for line in text.lines() {
        assert!(
            !line.starts_with("::error title=INJECTED")
                && !line.starts_with("::error title=CMD")
                && !line.starts_with("::error::u"),
            "{what}: a line an image wrote: {line}"
        );
    }
}

#[test]
fn escape_sequences_and_newlines_from_an_image_never_reach_the_output_raw() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "evil.tar", &evil_image());
    let img = p.to_str().unwrap();
    let summary = dir.path().join("summary.md");
    for args in [
        vec!["--ci", img],
        vec!["--format", "text", img],
        vec!["--ci", "--format", "text", img],
        vec!["--ci", "--format", "github", img],
        vec!["--ci", "--format", "junit", img],
        vec![img],
        vec!["diff", img, img],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
            .args(&args)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        assert!(code == 0 || code == 1, "{args:?}: {code}");
        assert_inert(
            &format!("{args:?} stdout"),
            &String::from_utf8_lossy(&out.stdout),
        );
        assert_inert(
            &format!("{args:?} stderr"),
            &String::from_utf8_lossy(&out.stderr),
        );
    }
    assert_inert("step summary", &std::fs::read_to_string(&summary).unwrap());
    // dive's CI text names the path escaped, where dive would print it raw.
    let (_, out, _) = run(&["--ci", img]);
    assert!(
        out.contains("/app/\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\x1b]0;TITLE\\x07x\\x0a::error title=INJECTED::boom"),
        "{out}"
    );
    // An error that quotes a name from the archive is one inert line.
    let mut files = vec![(
        "manifest.json".to_string(),
        serde_json::to_vec(&serde_json::json!([{
            "Config": "c\u{1b}[2J.json", "Layers": ["x\u{1b}]0;T\u{7}\n::error::e/layer.tar"]
        }]))
        .unwrap(),
    )];
    files.push(("c\u{1b}[2J.json".to_string(), b"{}".to_vec()));
    let p = write(dir.path(), "evil-error.tar", &tar_of(&files));
    let (code, _, err) = run(&[p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_inert("error", &err);
}
