//! Shared test helpers: fixture images built in code (each test states the layers it needs),
//! and the comparison of layerlens's dive-compatible JSON with dive's.
#![allow(dead_code)]

pub mod advice;
pub mod fake_registry;
pub mod live;
pub mod screen;
pub mod tarcraft;
pub mod tmux;
pub mod wasteful;

use std::path::{Path, PathBuf};

use layerlens::image::LayerPreview;
use layerlens::source::manifest::ImageConfig;
use layerlens::source::Progress;
use sha2::{Digest as _, Sha256};

/// Says that the running test is skipped, and why, where a plain `cargo test` shows it: straight
/// to the process's stderr, which libtest does not capture (it captures `eprintln!`, and shows
/// that only for failed tests).
pub fn skip(why: &str) {
    use std::io::Write as _;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(std::io::stderr().lock(), "\nskipped {test}: {why}");
}

/// One tar entry of a fixture layer.
#[derive(Clone, Debug)]
pub enum F {
    Dir(&'static str),
    File(&'static str, Vec<u8>),
    /// A file with an explicit mode.
    FileMode(&'static str, Vec<u8>, u32),
    Symlink(&'static str, &'static str),
    Hardlink(&'static str, &'static str),
    /// `.wh.NAME` for the given path.
    Whiteout(&'static str),
    /// `DIR/.wh..wh..opq`.
    Opaque(&'static str),
    /// A regular file whose name is written as a PAX `path` record.
    PaxFile(String, Vec<u8>),
    /// A regular file with a long name (GNU `L` record when over 100 bytes).
    LongFile(String, Vec<u8>),
}

/// `n` deterministic bytes.
pub fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h
}

/// The tar stream of one layer.
pub fn layer_tar(entries: &[F]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            F::Dir(p) => {
                let mut h = header(tar::EntryType::Directory, 0, 0o755);
                b.append_data(&mut h, format!("{p}/"), &[][..]).unwrap();
            }
            F::File(p, data) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o644);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            F::FileMode(p, data, mode) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64, *mode);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            F::Symlink(p, target) => {
                let mut h = header(tar::EntryType::Symlink, 0, 0o777);
                b.append_link(&mut h, p, target).unwrap();
            }
            F::Hardlink(p, target) => {
                let mut h = header(tar::EntryType::Link, 0, 0o644);
                b.append_link(&mut h, p, target).unwrap();
            }
            F::Whiteout(p) => {
                let (dir, name) = match p.rsplit_once('/') {
                    Some((d, n)) => (format!("{d}/"), n),
                    None => (String::new(), *p),
                };
                let mut h = header(tar::EntryType::Regular, 0, 0o644);
                b.append_data(&mut h, format!("{dir}.wh.{name}"), &[][..])
                    .unwrap();
            }
            F::Opaque(dir) => {
                let mut h = header(tar::EntryType::Regular, 0, 0o644);
                b.append_data(&mut h, format!("{dir}/.wh..wh..opq"), &[][..])
                    .unwrap();
            }
            F::PaxFile(p, data) => {
                b.append_pax_extensions([("path", p.as_bytes())]).unwrap();
                let mut h = tar::Header::new_ustar();
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                h.set_mode(0o644);
                h.set_path("pax-placeholder").unwrap();
                h.set_cksum();
                b.append(&h, &data[..]).unwrap();
            }
            F::LongFile(p, data) => {
                let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o644);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn config_json(diff_ids: &[String], commands: &[&str]) -> Vec<u8> {
    let history: Vec<serde_json::Value> = commands
        .iter()
        .map(|c| serde_json::json!({ "created_by": format!("/bin/sh -c {c}") }))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Env": ["PATH=/bin"] },
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "history": history,
    }))
    .unwrap()
}

fn append_file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut h = header(tar::EntryType::Regular, data.len() as u64, 0o644);
    b.append_data(&mut h, name, data).unwrap();
}

/// Each layer's tar, their diff_ids, and a config naming them (history `step N`).
fn layers_and_config(layers: &[Vec<F>]) -> (Vec<Vec<u8>>, Vec<String>, Vec<u8>) {
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    let diff_ids: Vec<String> = tars
        .iter()
        .map(|t| format!("sha256:{}", sha256_hex(t)))
        .collect();
    let commands: Vec<String> = (0..layers.len()).map(|i| format!("step {i}")).collect();
    let cmd_refs: Vec<&str> = commands.iter().map(String::as_str).collect();
    let config = config_json(&diff_ids, &cmd_refs);
    (tars, diff_ids, config)
}

/// A layer tar whose entry names and link names are written into the headers exactly as
/// given (the tar crate would drop a leading `./`), as `docker import` of a tarball writes
/// them. Each entry: (name, type flag, link name, content).
pub fn raw_layer(entries: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
    let mut layer = Vec::new();
    for (name, flag, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(if *flag == b'5' { 0o755 } else { 0o644 });
        h.set_entry_type(tar::EntryType::new(*flag));
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        layer.extend_from_slice(h.as_bytes());
        layer.extend_from_slice(data);
        layer.resize(layer.len().div_ceil(512) * 512, 0);
    }
    layer.extend_from_slice(&[0; 1024]);
    layer
}

/// A single-entry layer tar whose name is written raw into the header (no normalisation by
/// the tar crate), for names the crate would refuse.
pub fn raw_name_layer(name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let mut layer = h.as_bytes().to_vec();
    let mut padded = data.to_vec();
    padded.resize(data.len().div_ceil(512) * 512, 0);
    layer.extend_from_slice(&padded);
    layer.extend_from_slice(&[0; 1024]);
    layer
}

/// A legacy `docker save` archive (`<id>/layer.tar`, `<config>.json`, `manifest.json` last).
pub fn docker_save(layers: &[Vec<F>]) -> Vec<u8> {
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    docker_save_tars(tars)
}

/// [`docker_save`] of layer tars built by the caller (for names `F` cannot hold).
pub fn docker_save_tars(tars: Vec<Vec<u8>>) -> Vec<u8> {
    docker_save_split(tars, false).0
}

/// A `docker save` archive whose config and `manifest.json` come first (`manifest_first`) or
/// last (as `docker save` writes them), and the offset where each layer member's data ends.
pub fn docker_save_split(tars: Vec<Vec<u8>>, manifest_first: bool) -> (Vec<u8>, Vec<usize>) {
    let diff_ids: Vec<String> = tars
        .iter()
        .map(|t| format!("sha256:{}", sha256_hex(t)))
        .collect();
    let commands: Vec<String> = (0..tars.len()).map(|i| format!("step {i}")).collect();
    let cmd_refs: Vec<&str> = commands.iter().map(String::as_str).collect();
    let config = config_json(&diff_ids, &cmd_refs);
    let config_name = format!("{}.json", sha256_hex(&config));
    let layer_paths: Vec<String> = (0..tars.len())
        .map(|i| {
            let id = sha256_hex(format!("{i}{}", diff_ids[i]).as_bytes());
            format!("{id}/layer.tar")
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["fixture:latest"],
        "Layers": layer_paths,
    }]))
    .unwrap();
    let mut b = tar::Builder::new(Vec::new());
    if manifest_first {
        append_file(&mut b, &config_name, &config);
        append_file(&mut b, "manifest.json", &manifest);
    }
    let mut ends = Vec::new();
    for (p, t) in layer_paths.iter().zip(&tars) {
        append_file(&mut b, p, t);
        ends.push(b.get_ref().len());
    }
    if !manifest_first {
        append_file(&mut b, &config_name, &config);
        append_file(&mut b, "manifest.json", &manifest);
    }
    (b.into_inner().unwrap(), ends)
}

/// What a load told its [`Progress`] about the layers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Known(Vec<LayerPreview>),
    Indexed(usize, u64),
    /// `layer_done`: a layer (or layer-like member) finished.
    Done,
}

/// A [`Progress`] that records the layers it hears of.
#[derive(Default)]
pub struct Recorder(std::sync::Mutex<Vec<Heard>>);

impl Recorder {
    pub fn heard(&self) -> Vec<Heard> {
        self.0.lock().unwrap().clone()
    }
}

impl Progress for Recorder {
    fn layers_known(&self, _config: &ImageConfig, layers: &[LayerPreview]) {
        self.0.lock().unwrap().push(Heard::Known(layers.to_vec()));
    }
    fn layer_indexed(&self, index: usize, size: u64) {
        self.0.lock().unwrap().push(Heard::Indexed(index, size));
    }
    fn layer_done(&self, _done: usize, _total: Option<usize>) {
        self.0.lock().unwrap().push(Heard::Done);
    }
}

/// How an OCI fixture's layers are stored.
#[derive(Clone, Copy, Debug)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

/// An OCI layout directory's files: (relative path, bytes). Layers compressed as asked.
pub fn oci_layout_files(layers: &[Vec<F>], comp: Comp) -> Vec<(String, Vec<u8>)> {
    use std::io::Write;
    let (tars, _, config) = layers_and_config(layers);
    let mut files = Vec::new();
    let mut descs = Vec::new();
    for t in &tars {
        let (blob, mt) = match comp {
            Comp::None => (t.clone(), "application/vnd.oci.image.layer.v1.tar"),
            Comp::Gzip => {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(t).unwrap();
                (
                    gz.finish().unwrap(),
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                )
            }
            Comp::Zstd => (
                zstd::encode_all(&t[..], 3).unwrap(),
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ),
        };
        let hex = sha256_hex(&blob);
        descs.push(serde_json::json!({"mediaType": mt, "digest": format!("sha256:{hex}"), "size": blob.len()}));
        files.push((format!("blobs/sha256/{hex}"), blob));
    }
    let config_hex = sha256_hex(&config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{config_hex}"), "size": config.len()},
        "layers": descs,
    }))
    .unwrap();
    let manifest_hex = sha256_hex(&manifest);
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": format!("sha256:{manifest_hex}"), "size": manifest.len(),
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
    }))
    .unwrap();
    files.push((format!("blobs/sha256/{config_hex}"), config));
    files.push((format!("blobs/sha256/{manifest_hex}"), manifest));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    files.push(("index.json".into(), index));
    files
}

/// Writes files under `dir`.
pub fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (p, data) in files {
        let full = dir.join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, data).unwrap();
    }
}

/// A tar of files (an OCI archive when given an OCI layout's files).
pub fn tar_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, data) in files {
        append_file(&mut b, p, data);
    }
    b.into_inner().unwrap()
}

/// The repository's testdata directory.
pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// Runs the layerlens binary; returns (exit code, stdout, stderr).
pub fn layerlens(args: &[&str], cwd: Option<&Path>) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_layerlens"));
    cmd.args(args).env_remove("CI").env("NO_COLOR", "1");
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that layerlens's dive-compatible JSON says what dive's says: every layer's index,
/// id, digestId, sizeBytes, command and fileList (each value as written, `linkName` raw); the
/// image's sizeBytes, inefficientBytes, efficiencyScore (within 1e-9) and the fileReference
/// list **in dive's order** (ties included: dive's order is part of its output).
pub fn assert_dive_equal(ours: &serde_json::Value, dive: &serde_json::Value, what: &str) {
    let ol = ours["layer"].as_array().unwrap();
    let dl = dive["layer"].as_array().unwrap();
    assert_eq!(ol.len(), dl.len(), "{what}: layer count");
    for (o, d) in ol.iter().zip(dl) {
        for k in ["index", "id", "digestId", "sizeBytes", "command"] {
            assert_eq!(o[k], d[k], "{what}: layer {} {k}", d["index"]);
        }
        let keys = [
            "path", "typeFlag", "linkName", "size", "fileMode", "uid", "gid", "isDir",
        ];
        let pick = |v: &serde_json::Value| -> Vec<Vec<serde_json::Value>> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|f| keys.iter().map(|k| f[*k].clone()).collect())
                .collect()
        };
        assert_eq!(
            pick(&o["fileList"]),
            pick(&d["fileList"]),
            "{what}: layer {} fileList",
            d["index"]
        );
    }
    let (oi, di) = (&ours["image"], &dive["image"]);
    assert_eq!(oi["sizeBytes"], di["sizeBytes"], "{what}: sizeBytes");
    assert_eq!(
        oi["inefficientBytes"], di["inefficientBytes"],
        "{what}: inefficientBytes"
    );
    let (oe, de) = (
        oi["efficiencyScore"].as_f64().unwrap(),
        di["efficiencyScore"].as_f64().unwrap(),
    );
    assert!(
        (oe - de).abs() < 1e-9,
        "{what}: efficiencyScore {oe} vs dive {de}"
    );
    let refs = |v: &serde_json::Value| {
        let r: Vec<(u64, u64, String)> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["count"].as_u64().unwrap(),
                            x["sizeBytes"].as_u64().unwrap(),
                            x["file"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        r
    };
    assert_eq!(
        refs(&oi["fileReference"]),
        refs(&di["fileReference"]),
        "{what}: fileReference"
    );
}
