//! Hostile, broken and odd inputs: each gives one line naming what is wrong and exit code 2,
//! never a panic, and nothing is written.

mod common;

use std::path::Path;

use common::{
    bytes, docker_save, layer_tar, layerlens, oci_layout_files, raw_name_layer, testdata,
    write_tree, Comp, F,
};
use layerlens::source::{self, LoadOptions, NoProgress};

/// Loads an image that must load.
fn load_ok(p: &Path) -> layerlens::Image {
    source::load(
        p.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap()
}

/// Runs layerlens on `image` and returns its one-line error.
fn error_of(image: &Path) -> String {
    let (code, out, err) = layerlens(&["--ci", image.to_str().unwrap()], None);
    assert_eq!(
        code,
        2,
        "exit code for {}: stdout {out} stderr {err}",
        image.display()
    );
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    let line = lines[0];
    assert!(line.starts_with("layerlens: error: "), "{line}");
    line.to_string()
}

fn simple_layers() -> Vec<Vec<F>> {
    vec![
        vec![F::Dir("etc"), F::File("etc/a", bytes(5000, 1))],
        vec![F::Dir("etc"), F::File("etc/b", bytes(100, 2))],
    ]
}

#[test]
fn truncated_tarball() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(testdata("classic.docker.tar")).unwrap();
    let p = dir.path().join("cut.tar");
    std::fs::write(&p, &full[..full.len() / 2 + 100]).unwrap();
    let e = error_of(&p);
    assert!(e.contains("cut.tar: truncated at byte"), "{e}");
}

#[test]
fn corrupt_gzip_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = oci_layout_files(&simple_layers(), Comp::Gzip);
    let (name, blob) = &mut files[0];
    let mid = blob.len() / 2;
    for b in &mut blob[20..mid] {
        *b = b.wrapping_add(77);
    }
    let digest = format!("sha256:{}", name.rsplit('/').next().unwrap());
    write_tree(dir.path(), &files);
    let e = error_of(dir.path());
    assert!(e.contains(&format!("layer {digest}")), "{e}");
}

#[test]
fn missing_blob() {
    let dir = tempfile::tempdir().unwrap();
    let files = oci_layout_files(&simple_layers(), Comp::Gzip);
    write_tree(dir.path(), &files);
    std::fs::remove_file(dir.path().join(&files[1].0)).unwrap();
    let digest = format!("sha256:{}", files[1].0.rsplit('/').next().unwrap());
    let e = error_of(dir.path());
    assert!(
        e.ends_with(&format!(
            "layer {digest} is missing from {}",
            dir.path().display()
        )),
        "{e}"
    );
}

/// A docker save archive with a replaced manifest.json.
fn with_manifest(manifest: &[u8]) -> Vec<u8> {
    let good = docker_save(&simple_layers());
    let mut archive = tar::Archive::new(&good[..]);
    let mut b = tar::Builder::new(Vec::new());
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        if name == Path::new("manifest.json") {
            data = manifest.to_vec();
        }
        let mut h = e.header().clone();
        h.set_size(data.len() as u64);
        b.append_data(&mut h, &name, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn manifest_names_a_layer_that_is_not_there() {
    let good = docker_save(&simple_layers());
    let mut archive = tar::Archive::new(&good[..]);
    let config = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .find(|n| n.ends_with(".json") && n != "manifest.json")
        .unwrap();
    let manifest =
        format!(r#"[{{"Config":"{config}","Layers":["nothere/layer.tar","x/layer.tar"]}}]"#);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    std::fs::write(&p, with_manifest(manifest.as_bytes())).unwrap();
    let e = error_of(&p);
    assert!(
        e.ends_with(&format!(
            "layer nothere/layer.tar is missing from {}",
            p.display()
        )),
        "{e}"
    );
}

#[test]
fn invalid_json() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    std::fs::write(&p, with_manifest(b"[{\"Config\": ")).unwrap();
    let e = error_of(&p);
    assert!(e.contains("manifest.json is not valid JSON"), "{e}");
}

#[test]
fn blob_digest_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = oci_layout_files(&simple_layers(), Comp::None);
    // Same size, different content: only the digest can tell.
    let replacement = layer_tar(&[F::Dir("etc"), F::File("etc/b", bytes(100, 9))]);
    assert_eq!(replacement.len(), files[1].1.len());
    let named = format!("sha256:{}", files[1].0.rsplit('/').next().unwrap());
    files[1].1 = replacement;
    write_tree(dir.path(), &files);
    let e = error_of(dir.path());
    assert!(
        e.contains(&format!(
            "layer blob {named} does not match its content, which hashes to sha256:"
        )),
        "{e}"
    );
}

#[test]
fn diff_id_mismatch() {
    let layer = layer_tar(&[F::File("a", bytes(10, 1))]);
    let wrong = format!("sha256:{}", "ab".repeat(32));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    std::fs::write(&p, raw_docker_save_ids(&[layer], Some(vec![wrong.clone()]))).unwrap();
    let e = error_of(&p);
    assert!(
        e.contains(&format!(
            "layer diff_id {wrong} does not match its content, which hashes to sha256:"
        )),
        "{e}"
    );
}

#[test]
fn empty_and_random_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    assert!(error_of(&empty).ends_with("empty.tar is empty"));
    let random = dir.path().join("random.bin");
    std::fs::write(&random, bytes(4096, 7)).unwrap();
    let e = error_of(&random);
    assert!(
        e.contains("random.bin: invalid tar header at byte 0"),
        "{e}"
    );
    let missing = dir.path().join("missing.tar");
    assert!(error_of(&missing).contains("is not an existing file or directory"));
}

#[test]
fn escaping_entry_names_are_refused_and_absolute_ones_normalised() {
    let dir = tempfile::tempdir().unwrap();
    let layer = raw_name_layer(b"../../evil.txt", b"");
    let p = dir.path().join("evil.tar");
    std::fs::write(&p, raw_docker_save(&[layer])).unwrap();
    let e = error_of(&p);
    assert!(
        e.contains("entry name '../../evil.txt' climbs out of the image root"),
        "{e}"
    );

    let layer = raw_name_layer(b"/etc/hosts", b"");
    let p = dir.path().join("abs.tar");
    std::fs::write(&p, raw_docker_save(&[layer])).unwrap();
    let image = load_ok(&p);
    assert!(image.tree.find(b"etc/hosts").is_some());
}

/// A legacy docker save archive around raw layer tars.
fn raw_docker_save(layers: &[Vec<u8>]) -> Vec<u8> {
    raw_docker_save_ids(layers, None)
}

/// The same, with the config's diff_ids given (to make them lie).
fn raw_docker_save_ids(layers: &[Vec<u8>], ids: Option<Vec<String>>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let diff_ids: Vec<String> = ids.unwrap_or_else(|| {
        layers
            .iter()
            .map(|l| format!("sha256:{}", hex::encode(Sha256::digest(l))))
            .collect()
    });
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut paths = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let p = format!("l{i}/layer.tar");
        add(&p, l);
        paths.push(p);
    }
    add("config.json", &config);
    add(
        "manifest.json",
        &serde_json::to_vec(&serde_json::json!([{"Config": "config.json", "Layers": paths}]))
            .unwrap(),
    );
    b.into_inner().unwrap()
}

#[test]
fn non_utf8_names_are_shown_escaped() {
    let layer = raw_name_layer(b"caf\xff.txt", b"abc");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("odd.tar");
    std::fs::write(&p, raw_docker_save(&[layer])).unwrap();
    let image = load_ok(&p);
    let e = &image.tree.layer(0).entries[0];
    assert_eq!(&*e.path, b"caf\xff.txt");
    assert_eq!(e.display_path(), "caf\\xff.txt");
    let (code, out, _) = layerlens(&[p.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(out.contains("1 paths"), "{out}");
}

#[test]
fn a_huge_claimed_size_is_a_truncation_not_an_allocation() {
    let mut h = tar::Header::new_gnu();
    h.set_path("big").unwrap();
    h.set_size(1 << 40);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let layer = h.as_bytes().to_vec();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.tar");
    std::fs::write(&p, raw_docker_save(&[layer])).unwrap();
    let e = error_of(&p);
    assert!(e.contains("truncated"), "{e}");
}

#[test]
fn nothing_is_written_besides_the_named_report() {
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("img.tar");
    std::fs::write(&image, docker_save(&simple_layers())).unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    let before = listing(dir.path());
    let (code, _, _) = layerlens(&["--ci", "img.tar"], Some(dir.path()));
    assert_eq!(code, 0);
    let (code, _, _) = layerlens(&["img.tar"], Some(dir.path()));
    assert_eq!(code, 0);
    assert_eq!(listing(dir.path()), before);
    let (code, _, _) = layerlens(&["--json", "report.json", "img.tar"], Some(dir.path()));
    assert_eq!(code, 0);
    let mut after = before.clone();
    after.push("report.json".into());
    after.sort();
    assert_eq!(listing(dir.path()), after);
}

/// Thousands of damaged variants of a real image: every one loads or fails cleanly.
#[test]
fn mutated_archives_never_panic() {
    let good = docker_save(&[
        vec![
            F::Dir("a"),
            F::File("a/x", bytes(700, 1)),
            F::Symlink("a/l", "x"),
        ],
        vec![
            F::Dir("a"),
            F::Whiteout("a/x"),
            F::Opaque("a"),
            F::LongFile("a/".to_string() + &"n".repeat(130), bytes(9, 2)),
        ],
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.tar");
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut failures = 0;
    for round in 0..600 {
        let mut m = good.clone();
        match round % 3 {
            0 => {
                let at = (next() as usize) % m.len();
                m[at] ^= 1 << (next() % 8);
            }
            1 => {
                let at = (next() as usize) % m.len();
                m.truncate(at);
            }
            _ => {
                for _ in 0..8 {
                    let at = (next() as usize) % m.len();
                    m[at] = next() as u8;
                }
            }
        }
        std::fs::write(&p, &m).unwrap();
        if source::load(
            p.to_str().unwrap(),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .is_err()
        {
            failures += 1;
        }
    }
    // Most damage is caught (digests, checksums, truncation); none of it panics.
    assert!(failures > 400, "{failures} of 600 mutations were rejected");
}
