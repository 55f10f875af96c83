//! File sources: every way the same image arrives gives the same analysis; layouts, archives,
//! compressions, tags and platforms.

mod common;

use common::{
    bytes, docker_save, layerlens, oci_layout_files, tar_of, testdata, write_tree, Comp, F,
};
use layerlens::analysis::dive;
use layerlens::image::SourceKind;
use layerlens::source::{self, LoadOptions, NoProgress, Platform};

fn load(reference: &str) -> layerlens::Image {
    source::load(reference, None, &LoadOptions::default(), &NoProgress).unwrap()
}

/// Per layer: each entry's path, size and content digest.
type Entries = Vec<Vec<(String, u64, Option<layerlens::index::ContentDigest>)>>;

/// What must not depend on how the image arrived: per-layer entries and dive's figures.
fn fingerprint(image: &layerlens::Image) -> (Entries, Vec<String>, u64, u64) {
    let layers = image
        .tree
        .layers()
        .iter()
        .map(|l| {
            l.iter()
                .map(|e| (e.display_path(), e.size, e.digest()))
                .collect()
        })
        .collect();
    let diff_ids = image.layers.iter().map(|l| l.diff_id.to_string()).collect();
    let a = dive::analyze(image);
    (layers, diff_ids, a.wasted_bytes, a.size_bytes)
}

#[test]
fn every_testdata_form_of_classic_gives_the_same_analysis() {
    let base = load(testdata("classic.docker.tar").to_str().unwrap());
    assert_eq!(base.source, SourceKind::DockerArchive);
    assert_eq!(base.layers.len(), 13);
    let want = fingerprint(&base);
    for (reference, kind) in [
        (
            format!(
                "docker-archive:{}",
                testdata("classic.docker25.tar").display()
            ),
            SourceKind::DockerArchive,
        ),
        (
            format!("oci:{}", testdata("classic.oci").display()),
            SourceKind::OciLayout,
        ),
        (
            format!("oci:{}:latest", testdata("classic.oci").display()),
            SourceKind::OciLayout,
        ),
        (
            testdata("classic.oci").display().to_string(),
            SourceKind::OciLayout,
        ),
        (
            format!(
                "oci-archive:{}",
                testdata("classic.oci-archive.tar").display()
            ),
            SourceKind::OciArchive,
        ),
        (
            testdata("classic.oci-archive.tar").display().to_string(),
            SourceKind::OciArchive,
        ),
        (
            testdata("classic.oci-zstd").display().to_string(),
            SourceKind::OciLayout,
        ),
    ] {
        let image = load(&reference);
        assert_eq!(image.source, kind, "{reference}");
        assert_eq!(fingerprint(&image), want, "{reference}");
    }
}

#[test]
fn compression_is_detected_and_verified() {
    use layerlens::source::blob::Compression;
    let gz = load(testdata("classic.oci").to_str().unwrap());
    assert!(gz.layers.iter().all(|l| l.compression == Compression::Gzip));
    let zst = load(testdata("classic.oci-zstd").to_str().unwrap());
    assert!(zst
        .layers
        .iter()
        .all(|l| l.compression == Compression::Zstd));
    let plain = load(testdata("classic.docker.tar").to_str().unwrap());
    assert!(plain
        .layers
        .iter()
        .all(|l| l.compression == Compression::None));
    // The blob digests differ, the diff_ids (uncompressed) do not.
    assert_ne!(gz.layers[0].blob_digest, zst.layers[0].blob_digest);
    assert_eq!(gz.layers[0].diff_id, zst.layers[0].diff_id);
    assert_eq!(gz.layers[0].diff_id, plain.layers[0].blob_digest);
}

#[test]
fn generated_layouts_in_every_compression_agree() {
    let layers = vec![
        vec![F::Dir("etc"), F::File("etc/a", bytes(3000, 1))],
        vec![
            F::Dir("etc"),
            F::Whiteout("etc/a"),
            F::File("etc/b", bytes(100, 2)),
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    let docker = dir.path().join("img.tar");
    std::fs::write(&docker, docker_save(&layers)).unwrap();
    let want = fingerprint(&load(docker.to_str().unwrap()));
    for (name, comp) in [
        ("plain", Comp::None),
        ("gzip", Comp::Gzip),
        ("zstd", Comp::Zstd),
    ] {
        let files = oci_layout_files(&layers, comp);
        let layout = dir.path().join(name);
        write_tree(&layout, &files);
        assert_eq!(
            fingerprint(&load(layout.to_str().unwrap())),
            want,
            "{name} layout"
        );
        let archive = dir.path().join(format!("{name}.tar"));
        std::fs::write(&archive, tar_of(&files)).unwrap();
        assert_eq!(
            fingerprint(&load(archive.to_str().unwrap())),
            want,
            "{name} archive"
        );
    }
}

#[test]
fn history_pairs_with_layers_skipping_empty_entries() {
    let image = load(testdata("classic.docker.tar").to_str().unwrap());
    let commands: Vec<String> = image.layers.iter().map(|l| l.command()).collect();
    assert!(commands[0].starts_with("#(nop) COPY file:"), "{commands:?}");
    assert_eq!(commands[1], "/bin/busybox --install -s /bin");
    assert_eq!(
        commands[12].split(" && ").next(),
        Some("echo \"mode=production\" > /etc/layerlens/app.conf")
    );
    assert!(commands.iter().all(|c| !c.contains("ENV")), "{commands:?}");
    let empty = image
        .config
        .history
        .iter()
        .filter(|h| h.empty_layer)
        .count();
    assert!(empty >= 1, "ENV makes an empty history entry");
    assert_eq!(image.config.history.len() - empty, image.layers.len());
}

#[test]
fn multi_platform_index_picks_the_platform_or_lists_them() {
    let dir = testdata("multiarch.oci");
    let amd = source::load(
        dir.to_str().unwrap(),
        None,
        &LoadOptions {
            platform: Some(Platform::parse("linux/amd64").unwrap()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(amd.config.architecture, "amd64");
    let arm = source::load(
        dir.to_str().unwrap(),
        None,
        &LoadOptions {
            platform: Some(Platform::parse("linux/arm64").unwrap()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(arm.config.architecture, "arm64");
    let err = source::load(
        dir.to_str().unwrap(),
        None,
        &LoadOptions {
            platform: Some(Platform::parse("linux/s390x").unwrap()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("platform linux/s390x is not in this image; it has: "),
        "{err}"
    );
    assert!(
        err.contains("linux/amd64") && err.contains("linux/arm64"),
        "{err}"
    );

    let (code, _, stderr) = layerlens(
        &[
            "--platform",
            "linux/s390x",
            "--json",
            "-",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("it has: linux/amd64"), "{stderr}");
}

#[test]
fn unknown_tag_lists_the_tags() {
    let reference = format!("oci:{}:nope", testdata("classic.oci").display());
    let err = source::load(&reference, None, &LoadOptions::default(), &NoProgress).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tag 'nope' is not in this image layout; it has: latest"
    );
}

#[test]
fn source_flag_forces_the_reading() {
    let tar = testdata("classic.docker25.tar");
    let (code, out, err) = layerlens(
        &[
            "--source",
            "oci-archive",
            "--json",
            "-",
            tar.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Read through index.json, the same layers arrive.
    assert_eq!(v["layer"].as_array().unwrap().len(), 13);
    assert_eq!(v["image"]["inefficientBytes"], 1625374);
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// A legacy `docker save` archive in which names are only names: the config stored at
/// `config_name`, each layer at its path, and the config's `rootfs.diff_ids` as given.
fn named_archive(config_name: &str, layers: &[(String, Vec<u8>)], diff_ids: &[String]) -> Vec<u8> {
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
    for (path, data) in layers {
        add(path, data);
    }
    add(config_name, &config);
    let paths: Vec<&String> = layers.iter().map(|(p, _)| p).collect();
    let manifest = serde_json::json!([{"Config": config_name, "Layers": paths}]);
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    b.into_inner().unwrap()
}

/// In a legacy `docker save` archive, `manifest.json`'s `Config` and `Layers` are paths, not
/// digests (docker load, dive, go-containerregistry and containers/image read them as such):
/// a config named by a hex that is not its sha256, or a layer under `blobs/sha256/` whose
/// name is not its digest, loads and gives the same analysis. The layers are still checked
/// against the config's `diff_ids`, which are digests.
#[test]
fn legacy_archive_names_are_paths_not_digests() {
    use std::io::Write;
    let layers = vec![
        vec![F::Dir("etc"), F::File("etc/a", bytes(3000, 1))],
        vec![
            F::Dir("etc"),
            F::Whiteout("etc/a"),
            F::File("etc/b", bytes(100, 2)),
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    let normal = dir.path().join("normal.tar");
    std::fs::write(&normal, docker_save(&layers)).unwrap();
    let want = fingerprint(&load(normal.to_str().unwrap()));

    let tars: Vec<Vec<u8>> = layers.iter().map(|l| common::layer_tar(l)).collect();
    let diff_ids: Vec<String> = tars
        .iter()
        .map(|t| format!("sha256:{}", sha256_hex(t)))
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tars[0]).unwrap();
    let gzipped = gz.finish().unwrap();
    let not_its_digest = format!("{}.json", sha256_hex(b"another config"));
    for (what, config_name, paths) in [
        (
            "config named by another digest, a gzip layer named by its diff_id",
            not_its_digest.as_str(),
            [
                format!("blobs/sha256/{}", sha256_hex(&tars[0])),
                "layers/1.tar".to_string(),
            ],
        ),
        (
            "config.json, layers by name",
            "config.json",
            ["abc/layer.tar".to_string(), "def.tar".to_string()],
        ),
    ] {
        let contents = [gzipped.clone(), tars[1].clone()];
        let named: Vec<(String, Vec<u8>)> = paths.into_iter().zip(contents).collect();
        let p = dir.path().join("named.tar");
        std::fs::write(&p, named_archive(config_name, &named, &diff_ids)).unwrap();
        let image = source::load(
            p.to_str().unwrap(),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(fingerprint(&image), want, "{what}");
    }

    // A layer whose content is not what diff_ids says is still refused.
    let wrong = common::layer_tar(&[F::File("etc/b", bytes(100, 3))]);
    let named = vec![
        ("abc/layer.tar".to_string(), tars[0].clone()),
        ("def.tar".to_string(), wrong.clone()),
    ];
    let p = dir.path().join("lying.tar");
    std::fs::write(&p, named_archive("config.json", &named, &diff_ids)).unwrap();
    let err = source::load(
        p.to_str().unwrap(),
        None,
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "layer diff_id {} does not match its content, which hashes to sha256:{}",
            diff_ids[1],
            sha256_hex(&wrong)
        )
    );
}

/// Checks what a load told its progress of the layers against the loaded image: the layers
/// first, each with the command the image's layer has, then each layer's size exactly as the
/// image says; and, when `early`, every size before the final announcement (as each layer was
/// indexed, not at the end).
fn check_heard(heard: &[common::Heard], image: &layerlens::Image, early: bool, what: &str) {
    use common::Heard;
    let heard: Vec<Heard> = heard
        .iter()
        .filter(|h| **h != Heard::Done)
        .cloned()
        .collect();
    let Some(Heard::Known(first)) = heard.first() else {
        panic!("{what}: the layers come first: {heard:?}")
    };
    let commands = |ls: &[layerlens::image::LayerPreview]| -> Vec<String> {
        ls.iter().map(|l| l.command()).collect()
    };
    let want: Vec<String> = image.layers.iter().map(|l| l.command()).collect();
    assert_eq!(commands(first), want, "{what}");
    let mut sized = vec![false; image.layers.len()];
    // Early sizes come between the first announcement and the next (a repeat at the end).
    let next_known = heard[1..]
        .iter()
        .position(|h| matches!(h, Heard::Known(_)))
        .map_or(heard.len(), |k| k + 1);
    for (k, h) in heard.iter().enumerate() {
        match h {
            Heard::Known(ls) => assert_eq!(commands(ls), want, "{what}"),
            Heard::Indexed(i, size) => {
                assert_eq!(*size, image.layers[*i].size, "{what}: layer {i}");
                if !early || k < next_known {
                    sized[*i] = true;
                }
            }
            Heard::Done => {}
        }
    }
    assert!(
        sized.iter().all(|&s| s),
        "{what}: every layer's size: {heard:?}"
    );
}

/// Every source tells its progress the layers before it indexes them, and each one's size
/// (the figure the loaded image shows) as it is indexed.
#[test]
fn sources_tell_the_layers_before_loading_them_and_each_size_as_it_is_indexed() {
    let layers = vec![
        vec![F::Dir("etc"), F::File("etc/a", bytes(3000, 1))],
        vec![F::File("etc/b", bytes(70_000, 2))],
        vec![F::File("c", bytes(10, 3)), F::Whiteout("etc/a")],
    ];
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("image.tar");
    std::fs::write(&archive, docker_save(&layers)).unwrap();
    let layout = dir.path().join("oci");
    write_tree(&layout, &oci_layout_files(&layers, Comp::Gzip));
    let oci_archive = dir.path().join("oci.tar");
    std::fs::write(&oci_archive, tar_of(&oci_layout_files(&layers, Comp::None))).unwrap();
    for (reference, early) in [
        // A file: the header pass reads the manifest, then the layers are indexed.
        (format!("docker-archive:{}", archive.display()), true),
        (format!("oci:{}", layout.display()), true),
        (format!("oci-archive:{}", oci_archive.display()), true),
    ] {
        let rec = common::Recorder::default();
        let image = source::load(&reference, None, &LoadOptions::default(), &rec).unwrap();
        let heard = rec.heard();
        assert!(
            matches!(heard[0], common::Heard::Known(_)),
            "{reference}: known before any layer is done: {heard:?}"
        );
        check_heard(&heard, &image, early, &reference);
    }
    // Streams: the layers are known when the manifest and config have streamed past, before
    // the layers after them; when they come last, at the end.
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| common::layer_tar(l)).collect();
    for manifest_first in [true, false] {
        let (bytes, _) = common::docker_save_split(tars.clone(), manifest_first);
        let rec = common::Recorder::default();
        let image = source::archive::read_archive(
            std::io::Cursor::new(bytes),
            "stream",
            "stream",
            source::archive::ArchiveKind::Detect,
            None,
            &LoadOptions::default(),
            &rec,
        )
        .unwrap();
        let heard = rec.heard();
        check_heard(&heard, &image, true, "stream");
        // Known before any layer is indexed, or only once all are.
        let known = heard
            .iter()
            .position(|h| matches!(h, common::Heard::Known(_)))
            .unwrap();
        let done = heard.iter().filter(|h| **h == common::Heard::Done);
        let done_before = heard[..known].iter().filter(|h| **h == common::Heard::Done);
        let expect = if manifest_first { 0 } else { done.count() };
        assert_eq!(done_before.count(), expect, "{heard:?}");
    }
}

/// A registry: the layers are known once the manifest and config are fetched, before any layer
/// is downloaded, and each size comes as its layer is indexed.
#[test]
fn a_registry_tells_the_layers_before_downloading_them() {
    use common::fake_registry::{Fake, FakeRegistry};
    let fake = FakeRegistry::start(Fake::Token { credentials: false });
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let rec = common::Recorder::default();
    let image = source::load(&reference, None, &LoadOptions::default(), &rec).unwrap();
    let heard = rec.heard();
    assert!(matches!(heard[0], common::Heard::Known(_)), "{heard:?}");
    check_heard(&heard, &image, true, &reference);
}
