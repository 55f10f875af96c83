//! The parallel loading path (layers on a pool, each layer's stages pipelined) against the
//! sequential one (`LAYERLENS_THREADS=1`): the same images give byte-identical outputs (dive's
//! JSON, ours, the text report, CI mode) and the same errors.

mod common;

use std::path::Path;
use std::process::Command;

use common::{
    bytes, docker_save, docker_save_tars, layer_tar, oci_layout_files, tar_of, testdata,
    write_tree, Comp, F,
};

/// Runs layerlens with `LAYERLENS_THREADS` set; returns (exit code, stdout, stderr).
fn run(threads: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(args)
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .env("LAYERLENS_THREADS", threads)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every output of `image` is the same with 1 thread and with `threads`; returns the
/// sequential JSON report for the caller's own checks.
fn same_outputs(image: &str, threads: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let mut json = serde_json::Value::Null;
    for args in [
        vec!["--format", "json"],
        vec!["--format", "text"],
        vec!["--ci"],
        vec!["--ci", "--format", "json"],
    ] {
        let mut args = args.clone();
        args.push(image);
        let seq = run("1", &args);
        let par = run(threads, &args);
        assert_eq!(seq, par, "{image} {args:?} with {threads} threads");
        assert!(seq.0 == 0 || seq.0 == 1, "{image} {args:?}: {seq:?}");
        if args[..2] == ["--format", "json"] {
            json = serde_json::from_str(&seq.1).unwrap();
        }
    }
    // dive's JSON, written to a file.
    let a = dir.path().join("seq.json");
    let b = dir.path().join("par.json");
    run("1", &["-j", a.to_str().unwrap(), image]);
    run(threads, &["-j", b.to_str().unwrap(), image]);
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 100, "{image}: dive JSON of {} bytes", a.len());
    assert_eq!(a, b, "{image}: dive JSON with {threads} threads");
    json
}

/// The same failure (exit code and message) with 1 thread and with `threads`.
fn same_error(image: &str, threads: &str) -> String {
    let seq = run("1", &["--ci", image]);
    let par = run(threads, &["--ci", image]);
    assert_eq!(seq, par, "{image} with {threads} threads");
    assert_eq!(seq.0, 2, "{image}: {seq:?}");
    seq.2
}

#[test]
fn testdata_images_are_the_same_either_way() {
    for name in [
        "classic.docker.tar",
        "classic.docker25.tar",
        "classic.oci",
        "classic.oci-archive.tar",
        "classic.oci-zstd",
        "tiny.docker.tar",
        "tiny.oci",
        "multiarch.oci",
    ] {
        let p = testdata(name);
        for threads in ["2", "5"] {
            same_outputs(p.to_str().unwrap(), threads);
        }
    }
}

/// Layers of very different sizes (the pool takes the largest first), several over the
/// pipeline's 1 MiB chunk, with files straddling chunk boundaries, duplicates across layers
/// and deletions.
fn uneven_layers() -> Vec<Vec<F>> {
    let mut layers = Vec::new();
    for l in 0..9u8 {
        let mut files = vec![F::Dir("data")];
        let count = [1, 40, 3, 200, 7, 90, 1, 25, 12][l as usize];
        for f in 0..count {
            let size = ((f * 7919 + l as usize * 104_729) % 40_000) + 1;
            let name: &'static str = Box::leak(format!("data/l{l}-f{f}").into_boxed_str());
            files.push(F::File(name, bytes(size, l.wrapping_add(f as u8))));
        }
        if l > 0 {
            // The same content as a file of layer 0, and a deletion of one of layer 1's.
            files.push(F::File("data/copy", bytes(123_456, 9)));
            if l == 4 {
                files.push(F::Whiteout("data/l1-f3"));
            }
        }
        layers.push(files);
    }
    layers
}

#[test]
fn generated_images_are_the_same_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let layers = uneven_layers();
    let save = dir.path().join("save.tar");
    std::fs::write(&save, docker_save(&layers)).unwrap();
    let json = same_outputs(save.to_str().unwrap(), "3");
    assert_eq!(json["layer"].as_array().unwrap().len(), 9, "{json}");

    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let files = oci_layout_files(&layers, comp);
        let layout = dir.path().join(format!("layout-{comp:?}"));
        write_tree(&layout, &files);
        let a = same_outputs(layout.to_str().unwrap(), "2");
        let archive = dir.path().join(format!("oci-{comp:?}.tar"));
        std::fs::write(&archive, tar_of(&files)).unwrap();
        let b = same_outputs(&format!("oci-archive:{}", archive.display()), "4");
        assert_eq!(a["layer"], b["layer"]);
        assert_eq!(
            a["image"]["sizeBytes"], json["image"]["sizeBytes"],
            "{comp:?}"
        );
    }

    let naive = common::advice::write_python_naive(dir.path());
    same_outputs(naive.to_str().unwrap(), "2");
}

#[test]
fn a_stream_on_stdin_reads_like_the_file_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("save.tar");
    std::fs::write(&save, docker_save(&uneven_layers())).unwrap();
    let from_file = run("1", &["--format", "json", save.to_str().unwrap()]);
    assert_eq!(from_file.0, 0, "{from_file:?}");
    for threads in ["1", "2"] {
        // Through a pipe, which cannot seek.
        let mut child = Command::new(env!("CARGO_BIN_EXE_layerlens"))
            .args(["--format", "json", "docker-archive:/dev/stdin"])
            .env_remove("CI")
            .env("LAYERLENS_THREADS", threads)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let tarball = std::fs::read(&save).unwrap();
        let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &tarball));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert_eq!(out.status.code(), Some(0), "{threads} threads");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let f: serde_json::Value = serde_json::from_str(&from_file.1).unwrap();
        assert_eq!(v["layer"], f["layer"], "{threads} threads");
        assert_eq!(v["image"]["sizeBytes"], f["image"]["sizeBytes"]);
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn broken_images_fail_the_same_way_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let layers = uneven_layers();
    let full = docker_save(&layers);

    // Cut inside a layer: the seekable pass finds a member running past the end.
    for cut in [full.len() / 2 + 100, full.len() - 3000, 700] {
        let p = write(dir.path(), &format!("cut-{cut}.tar"), &full[..cut]);
        let e = same_error(&p, "2");
        assert!(e.contains("truncated at byte"), "{e}");
    }

    // A layer whose bytes no longer match the config's diff_id.
    let mut tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    let good = docker_save_tars(tars.clone());
    let at = good
        .windows(b"l3-f10".len())
        .position(|w| w == b"l3-f10")
        .unwrap();
    let mut flipped = good.clone();
    // A byte of the file data after that name's header block.
    flipped[at - at % 512 + 512 + 40] ^= 1;
    let p = write(dir.path(), "flipped.tar", &flipped);
    let e = same_error(&p, "3");
    assert!(e.contains("layer diff_id"), "{e}");

    // A layer that is not a valid tar past its first header.
    let mut bad = tars[5].clone();
    // The second entry's header checksum.
    bad[512 + 148] ^= 0x11;
    tars[5] = bad;
    let p = write(dir.path(), "badtar.tar", &docker_save_tars(tars));
    let e = same_error(&p, "2");
    assert!(e.contains("checksum"), "{e}");

    // OCI layout: layer 2 corrupt and layer 6 missing; the first in order wins.
    let files = oci_layout_files(&layers, Comp::Gzip);
    let layout = dir.path().join("layout");
    write_tree(&layout, &files);
    let manifest: Vec<String> = {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let d = index["manifests"][0]["digest"].as_str().unwrap();
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(layout.join("blobs/sha256").join(&d[7..])).unwrap(),
        )
        .unwrap();
        m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap()[7..].to_string())
            .collect()
    };
    let blob = |i: usize| layout.join("blobs/sha256").join(&manifest[i]);
    std::fs::remove_file(blob(6)).unwrap();
    let e = same_error(layout.to_str().unwrap(), "4");
    assert!(e.contains(&manifest[6]), "{e}");
    let mut gz = std::fs::read(blob(2)).unwrap();
    let n = gz.len();
    gz.truncate(n / 2);
    std::fs::write(blob(2), gz).unwrap();
    let e = same_error(layout.to_str().unwrap(), "4");
    assert!(e.contains(&manifest[2]), "{e}");
    assert!(!e.contains(&manifest[6]), "{e}");
}

#[test]
fn threads_setting_is_read_and_bad_values_fall_back() {
    // Any value gives the same results: 0 and junk mean "the cores there are".
    let p = testdata("tiny.docker.tar");
    let p = p.to_str().unwrap();
    let base = run("1", &["--format", "json", p]);
    assert_eq!(base.0, 0);
    for t in ["0", "junk", "64"] {
        assert_eq!(run(t, &["--format", "json", p]), base, "{t}");
    }
}
