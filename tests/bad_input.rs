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
    assert!(error_of(&missing).contains("missing.tar: no such file or directory; name a docker"));
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
    let e = image.tree.layer(0).entry(0);
    assert_eq!(e.path, b"caf\xff.txt");
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

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// An OCI layout of [`simple_layers`] whose config, manifest and index are edited as JSON
/// before they are stored; each edited document's digest and size go into the one that names
/// it. Returns the layout's files and the config's and the manifest's digests.
fn edited_layout(
    config_edit: impl FnOnce(&mut serde_json::Value),
    manifest_edit: impl FnOnce(&mut serde_json::Value),
    index_edit: impl FnOnce(&mut serde_json::Value),
) -> (Vec<(String, Vec<u8>)>, String, String) {
    let mut files = oci_layout_files(&simple_layers(), Comp::None);
    let json = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).ok();
    let find = |files: &[(String, Vec<u8>)], key: &str| {
        files
            .iter()
            .position(|(_, b)| json(b).is_some_and(|v| v.get(key).is_some()))
            .unwrap()
    };
    let store = |files: &mut Vec<(String, Vec<u8>)>, at: usize, v: &serde_json::Value| {
        let bytes = serde_json::to_vec(v).unwrap();
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        files[at] = (format!("blobs/sha256/{}", &digest[7..]), bytes.clone());
        (digest, bytes.len())
    };
    let c = find(&files, "rootfs");
    let mut config = json(&files[c].1).unwrap();
    config_edit(&mut config);
    let (config_digest, config_size) = store(&mut files, c, &config);
    let m = find(&files, "layers");
    let mut manifest = json(&files[m].1).unwrap();
    manifest["config"]["digest"] = config_digest.clone().into();
    manifest["config"]["size"] = config_size.into();
    manifest_edit(&mut manifest);
    let (manifest_digest, manifest_size) = store(&mut files, m, &manifest);
    let i = files.iter().position(|(n, _)| n == "index.json").unwrap();
    let mut index = json(&files[i].1).unwrap();
    index["manifests"][0]["digest"] = manifest_digest.clone().into();
    index["manifests"][0]["size"] = manifest_size.into();
    index_edit(&mut index);
    files[i].1 = serde_json::to_vec(&index).unwrap();
    (files, config_digest, manifest_digest)
}

/// The one-line error layerlens gives on a layout (or `oci:DIR:TAG` when `tag` is set).
fn layout_error(files: &[(String, Vec<u8>)], tag: Option<&str>) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), files);
    let shown = dir.path().display().to_string();
    let reference = match tag {
        Some(t) => format!("oci:{shown}:{t}"),
        None => shown.clone(),
    };
    let (code, out, err) = layerlens(&["--ci", &reference], None);
    assert_eq!(code, 2, "stdout {out} stderr {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    (lines[0].replace(&shown, "DIR"), shown)
}

/// A document that does not parse says which document, which field and what was expected,
/// not oci-spec's bare "serde failed".
#[test]
fn unparsable_documents_name_the_document_and_the_field() {
    let (files, _, _) = edited_layout(|_| {}, |_| {}, |i| i["manifests"][0]["size"] = "12".into());
    let (e, _) = layout_error(&files, None);
    assert_eq!(
        e,
        "layerlens: error: DIR/index.json is not a valid image index: manifests[0].size: \
         invalid type: string \"12\", expected u64 at line 1 column 227"
    );

    let (files, _, manifest) = edited_layout(
        |_| {},
        |m| {
            m["layers"][1].as_object_mut().unwrap().remove("digest");
        },
        |_| {},
    );
    let (e, _) = layout_error(&files, None);
    assert_eq!(
        e,
        format!(
            "layerlens: error: manifest {manifest} is not a valid image manifest: layers[1]: \
             missing field `digest` at line 1 column 387"
        )
    );

    let (files, config, _) = edited_layout(
        |c| c["rootfs"]["diff_ids"] = "sha256:abc".into(),
        |_| {},
        |_| {},
    );
    let (e, _) = layout_error(&files, None);
    assert_eq!(
        e,
        format!(
            "layerlens: error: config {config} is not a valid image config: rootfs.diff_ids: \
             invalid type: string \"sha256:abc\", expected a sequence at line 1 column 183"
        )
    );
}

/// Two manifests that share a tag (`org.opencontainers.image.ref.name`): the tag names no
/// one image, and the message says so, with or without the tag asked for.
#[test]
fn a_tag_two_manifests_share_is_named() {
    let (mut files, _, first) = edited_layout(|_| {}, |_| {}, |_| {});
    // A second manifest (its own annotation makes it another document) under the same tag.
    let m = files
        .iter()
        .position(|(_, b)| b.starts_with(b"{") && b.windows(8).any(|w| w == b"\"layers\""))
        .unwrap();
    let mut second: serde_json::Value = serde_json::from_slice(&files[m].1).unwrap();
    second["annotations"] = serde_json::json!({"copy": "2"});
    let bytes = serde_json::to_vec(&second).unwrap();
    let hex = sha256_hex(&bytes);
    let i = files.iter().position(|(n, _)| n == "index.json").unwrap();
    let mut index: serde_json::Value = serde_json::from_slice(&files[i].1).unwrap();
    let mut desc = index["manifests"][0].clone();
    desc["digest"] = format!("sha256:{hex}").into();
    desc["size"] = bytes.len().into();
    index["manifests"].as_array_mut().unwrap().push(desc);
    files[i].1 = serde_json::to_vec(&index).unwrap();
    files.push((format!("blobs/sha256/{hex}"), bytes));
    let expected = format!(
        "layerlens: error: tag 'latest' names 2 manifests in DIR/index.json ({first}, \
         sha256:{hex}); a tag must name one image"
    );
    let (e, _) = layout_error(&files, Some("latest"));
    assert_eq!(e, expected);
    let (e, _) = layout_error(&files, None);
    assert_eq!(e, expected);
}

/// An index with nothing to read says so: one that lists only artifacts, and one whose only
/// entry is an index with nothing in it.
#[test]
fn an_index_with_no_image_manifest_says_so() {
    let sbom = "application/vnd.example.sbom+json";
    let (files, _, _) = edited_layout(
        |_| {},
        |m| m["artifactType"] = sbom.into(),
        |i| i["manifests"][0]["artifactType"] = sbom.into(),
    );
    let (e, _) = layout_error(&files, None);
    assert_eq!(
        e,
        "layerlens: error: DIR/index.json lists no image manifest, only an artifact \
         (application/vnd.example.sbom+json)"
    );

    let (mut files, _, _) = edited_layout(|_| {}, |_| {}, |_| {});
    let empty = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.to_vec();
    let hex = sha256_hex(&empty);
    let i = files.iter().position(|(n, _)| n == "index.json").unwrap();
    let mut index: serde_json::Value = serde_json::from_slice(&files[i].1).unwrap();
    index["manifests"] = serde_json::json!([{
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{hex}"), "size": empty.len(),
    }]);
    files[i].1 = serde_json::to_vec(&index).unwrap();
    files.push((format!("blobs/sha256/{hex}"), empty));
    let (e, _) = layout_error(&files, None);
    assert_eq!(
        e,
        format!("layerlens: error: index sha256:{hex} lists no image manifest: it is empty")
    );
}
