//! Advice on generated images with real-format package databases: package attribution, every
//! finding kind with its bytes and its sentence, the estimate (the findings' shares add up to
//! it, no byte counted twice), the suggested `.dockerignore`, and damaged databases.

mod common;

use std::path::{Path, PathBuf};

use common::advice::{self, Step};
use common::{bytes, F};
use serde_json::Value;

fn archive(dir: &Path, name: &str, layers: &[Vec<F>], history: &[Step], user: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, advice::docker_save_with(layers, history, user)).unwrap();
    p
}

fn json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    let (code, out, err) = common::layerlens(&args, None);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out).unwrap()["image"].clone()
}

/// (kind, sizeBytes, savingsBytes, message) of every finding, in report order.
fn findings(image: &Value) -> Vec<(String, u64, u64, String)> {
    image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["sizeBytes"].as_u64().unwrap(),
                f["savingsBytes"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (name, ecosystem, sizeBytes, layer, auto) of every package.
fn packages(image: &Value) -> Vec<(String, String, u64, Value, Value)> {
    image["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["ecosystem"].as_str().unwrap().to_string(),
                p["sizeBytes"].as_u64().unwrap(),
                p["layer"].clone(),
                p["auto"].clone(),
            )
        })
        .collect()
}

fn f(kind: &str, size: u64, savings: u64, message: &str) -> (String, u64, u64, String) {
    (kind.into(), size, savings, message.into())
}

fn p(
    name: &str,
    eco: &str,
    size: u64,
    layer: u64,
    auto: Value,
) -> (String, String, u64, Value, Value) {
    (name.into(), eco.into(), size, layer.into(), auto)
}

const COPY: &str = "layer 3 (COPY dir:0123456789ab… in /app)";
const INSTALL: &str = "layer 2 (RUN apt-get install -y python3 build-essential)";

#[test]
fn python_service_built_the_naive_way() {
    let dir = tempfile::tempdir().unwrap();
    let (layers, history) = advice::python_naive();
    let image = json(&archive(dir.path(), "py.tar", &layers, &history, ""), &[]);

    // dpkg through usr-merged symlinks (libc6's /lib/..., openssl's /bin/...), apt's marks,
    // pip's REQUESTED, RECORD paths outside site-packages (../../../bin/flask).
    assert_eq!(
        packages(&image),
        [
            p("gcc-12", "dpkg", 80_000, 2, true.into()),
            p("libc6", "dpkg", 27_000, 0, false.into()),
            p("python3", "dpkg", 10_000, 2, false.into()),
            p("libpython3.11", "dpkg", 8_000, 2, true.into()),
            // serving.py, RECORD (114 B), INSTALLER.
            p("werkzeug", "python", 5_000 + 114 + 4, 4, true.into()),
            // copyright, changelog.gz, os-release (145 B).
            p("base-files", "dpkg", 1_500 + 3_000 + 145, 0, false.into()),
            p("libisl23", "dpkg", 4_000, 2, true.into()),
            // __init__.py, bin/flask, METADATA (121 B), INSTALLER, RECORD (247 B), REQUESTED.
            p(
                "Flask",
                "python",
                3_000 + 220 + 121 + 4 + 247,
                4,
                false.into()
            ),
            p("libc6-dev", "dpkg", 3_000, 2, true.into()),
            p("ca-certificates", "dpkg", 2_500, 2, true.into()),
            p("openssl", "dpkg", 1_200, 2, true.into()),
            p("build-essential", "dpkg", 100, 2, false.into()),
        ]
    );
    let owned: u64 = packages(&image).iter().map(|p| p.2).sum();
    assert_eq!(
        owned + image["unownedBytes"].as_u64().unwrap(),
        image["visibleFileBytes"].as_u64().unwrap(),
        "every visible byte is in one package or in none"
    );
    assert_eq!(image["packageWarnings"], serde_json::json!([]));
    assert_eq!(image["base"]["layers"], 1);
    assert_eq!(image["base"]["evidence"], "imported");
    assert_eq!(image["base"]["distribution"]["id"], "debian");

    let got = findings(&image);
    let want = [
        f("toolchain", 87_100, 87_100, &format!("{INSTALL} installs a build toolchain that the running program does not need: build-essential, gcc-12, libc6-dev, with 1 package that only they need (87.1 kB)")),
        f("dockerignore", 46_667, 46_667, &format!("{COPY} copies 46.7 kB that a .dockerignore would keep out of the image (local data 40.0 kB, version control 5.02 kB, Python bytecode 900 B, tests 700 B, .env files 46 B)")),
        f("cache", 25_000, 25_000, &format!("{INSTALL} wrote 25.0 kB of apt package archives (.deb) that the image still ships at /var/cache/apt/archives")),
        f("base", 10_000, 10_000, "the base image (layer 0: Debian GNU/Linux 12 (bookworm)) is 33.5 kB, 13 % of the image; it ships 10.0 kB of documentation, man pages and locales (/usr/share/locale 7.00 kB, /usr/share/doc 3.00 kB) that a -slim variant leaves out"),
        f("cache", 9_000, 9_000, "layer 1 (RUN apt-get update) wrote 9.00 kB of apt lists that the image still ships at /var/lib/apt/lists"),
        f("cache", 6_000, 6_000, "layer 4 (RUN pip install --break-system-packages -r /app/requirement…) wrote 6.00 kB of pip cache that the image still ships at /root/.cache/pip"),
        f("recommends", 3_700, 3_700, &format!("{INSTALL} installs 2 packages (3.70 kB) only because other packages recommend them: apt-get install ran without --no-install-recommends (the largest: ca-certificates 2.50 kB, openssl 1.20 kB)")),
        f("cache", 3_400, 3_400, &format!("{INSTALL} wrote 3.40 kB of apt package cache that the image still ships at /var/cache/apt")),
        f("split-steps", 3_300, 3_300, "layers 1 and 2 each run apt-get in a RUN of their own: each rewrites the package database and state files, and the old copies (1 file, 3.30 kB) still ship"),
        f("docs", 3_100, 3_100, "layer 2 adds 3.10 kB of documentation, man pages and locales that a container never reads (/usr/share/doc 2.00 kB, /usr/share/man 1.10 kB)"),
        f("rewritten", 1_236, 1_213, &format!("layer 6 (RUN chmod -R 755 /app) writes 3 files from {COPY} under /app again with the same content (a chmod, chown or touch): 1.24 kB ship twice")),
        f("directory-deleted-later", 40_000, 0, &format!("{COPY} writes 40.0 kB in 1 file under /app/data that layer 5 (RUN rm -rf /app/data) deletes: the bytes still ship")),
        f("cache-order", 14_710, 0, &format!("layer 4 (RUN pip install --break-system-packages -r /app/requirement…) installs dependencies after {COPY} copied the whole source (7 files besides requirements.txt): any source change rebuilds this layer and pushes its 14.7 kB again")),
        f("secret", 23, 0, &format!("{COPY} writes /app/.env, a likely secret, and though a later layer deletes or replaces it, this copy still ships in layer 3")),
        f("secret", 23, 0, "layer 6 (RUN chmod -R 755 /app) writes /app/.env, a likely secret, and the image still has it"),
        f("root-user", 0, 0, "the image runs as root"),
        f("overwritten", 686, 686, &format!("{INSTALL} replaces /var/lib/dpkg/status from layer 0: the old 686 B still ship")),
        f("overwritten", 3_300, 0, &format!("{INSTALL} replaces /var/cache/apt/pkgcache.bin from layer 1 (RUN apt-get update): the old 3.30 kB still ship")),
        f("duplicate", 4, 0, "1 set of identical files inside installed packages (4 B in extra copies), such as one distribution's shared changelogs and licences"),
        f("update-alone", 0, 0, "layer 1 (RUN apt-get update) updates the package index in a step of its own: the build cache keeps that layer, so a later install can use stale lists, and the lists ship"),
    ];
    assert_eq!(got, want);

    // One estimate: the shares add up to it, and it is the union of the files claimed.
    let shares: u64 = got.iter().map(|f| f.2).sum();
    assert_eq!(image["estimatedSavingsBytes"], shares);
    assert_eq!(shares, 199_166);
    assert_eq!(image["estimatedSizeBytes"], 250_616 - 199_166);
    let practice = |kind: &str| {
        image["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap()["practice"]
            .clone()
    };
    assert_eq!(practice("toolchain"), "multi-stage");
    assert_eq!(practice("recommends"), "no-install-recommends");
    assert_eq!(practice("dockerignore"), "dockerignore");
    assert_eq!(practice("cache-order"), "cache-order");
    assert_eq!(practice("split-steps"), "combine-runs");
    assert_eq!(practice("base"), "small-base");
    assert_eq!(
        image["dockerignore"],
        serde_json::json!([".git", "**/__pycache__", ".env*", "tests", "data"])
    );
}

#[test]
fn the_text_report_leads_with_the_estimate_and_lists_packages_and_the_dockerignore() {
    let dir = tempfile::tempdir().unwrap();
    let (layers, history) = advice::python_naive();
    let p = archive(dir.path(), "py.tar", &layers, &history, "");
    let (code, out, err) = common::layerlens(&["--format", "text", p.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "Size: 251 kB (250616 bytes) in 7 layers");
    assert_eq!(
        lines[2],
        "Estimate: fixing the findings below would take the image from 251 kB to about 51.5 kB \
         (−79 %, 199 kB less)"
    );
    assert_eq!(
        lines[3],
        "Base image: layer 0, Debian GNU/Linux 12 (bookworm): 33.5 kB (13 % of the image)"
    );
    assert!(out.contains(
        "\nPackages: 12 packages own 149 kB; 56.2 kB is in no package\n     Size  Kind     Layer  \
         Auto    Package\n  80.0 kB  dpkg         2  auto    gcc-12 12.2.0-14+deb12u1\n"
    ));
    assert!(out.contains("      practice: multi-stage builds\n      saves: 87.1 kB\n"));
    assert!(out.ends_with(
        "\nSuggested .dockerignore: (what the COPYs brought in that the program never reads)\n  \
         .git\n  **/__pycache__\n  .env*\n  tests\n  data\n"
    ));
}

/// `--ci` with dive's rules alone loads no package database; every CI output that shows packages
/// loads them: the same packages and base as outside CI mode, and dive's text unchanged.
#[test]
fn ci_mode_reads_the_packages_whenever_an_output_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = advice::write_python_naive(dir.path());
    let img = p.to_str().unwrap();
    let plain = json(&p, &[]);
    let (code, out, err) = common::layerlens(&["--ci", "--format", "json", img], None);
    assert_eq!(code, 0, "{err}");
    let ci: Value = serde_json::from_str(&out).unwrap();
    let report = dir.path().join("r.json");
    let (code, dive_text, err) =
        common::layerlens(&["--ci", "--json", report.to_str().unwrap(), img], None);
    assert_eq!(code, 0, "{err}");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(packages(&plain).len(), 12);
    assert_eq!(plain["base"]["distribution"]["id"], "debian");
    for shown in [&ci["image"], &file["image"]] {
        assert_eq!(packages(shown), packages(&plain));
        assert_eq!(shown["base"], plain["base"]);
        assert_eq!(shown["unownedBytes"], plain["unownedBytes"]);
    }
    let (code, alone, _) = common::layerlens(&["--ci", img], None);
    assert_eq!(code, 0);
    assert!(alone.contains("  efficiency: 96.9332 %\n"), "{alone}");
    assert!(
        alone.contains("Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]\n"),
        "{alone}"
    );
    assert_eq!(alone, dive_text);
}

#[test]
fn node_service_ships_dev_dependencies_and_a_host_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    let (layers, history) = advice::node_naive();
    let image = json(
        &archive(dir.path(), "node.tar", &layers, &history, "node"),
        &[],
    );
    assert_eq!(
        packages(&image),
        [
            // Each with its package.json.
            p("typescript", "npm", 30_000 + 62, 2, false.into()),
            p("express", "npm", 4_000 + 60, 2, false.into()),
            p("tslib", "npm", 2_000 + 57, 2, true.into()),
            p("left-pad", "npm", 600 + 60, 1, true.into()),
        ]
    );
    let dev: Vec<Value> = image["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dev"].clone())
        .collect();
    assert_eq!(dev, [true.into(), false.into(), true.into(), Value::Null]);
    assert_eq!(
        findings(&image),
        [
            f("npm-dev-dependencies", 32_119, 32_119, "layer 2 (RUN npm install) ships 2 npm packages (32.1 kB) that npm's lockfile marks as development-only: typescript and what they need"),
            f("cache", 7_000, 7_000, "layer 2 (RUN npm install) wrote 7.00 kB of npm cache that the image still ships at /root/.npm"),
            f("git", 2_721, 2_721, "layer 3 (RUN git clone https://example.com/tool.git /opt/tool) leaves a 2.72 kB git repository at /opt/tool/.git"),
            f("dockerignore", 660, 660, "layer 1 (COPY . /app) copies 660 B that a .dockerignore would keep out of the image (a host node_modules 660 B)"),
            f("cache-order", 43_635, 0, "layer 2 (RUN npm install) installs dependencies after layer 1 (COPY . /app) copied the whole source (2 files besides package.json): any source change rebuilds this layer and pushes its 43.6 kB again"),
            f("base", 0, 0, "the base image (layer 0: Debian GNU/Linux 12 (bookworm)) is 9.10 kB, 16 % of the image"),
        ]
    );
    assert_eq!(image["dockerignore"], serde_json::json!(["node_modules"]));
}

#[test]
fn apk_toolchain_and_world() {
    let dir = tempfile::tempdir().unwrap();
    let (layers, history) = advice::alpine();
    let image = json(
        &archive(dir.path(), "alpine.tar", &layers, &history, ""),
        &[],
    );
    assert_eq!(
        packages(&image),
        [
            p("gcc", "apk", 49_000, 1, false.into()),
            p("musl", "apk", 6_000, 0, false.into()),
            p("binutils", "apk", 3_000, 1, true.into()),
        ]
    );
    let got = findings(&image);
    assert_eq!(
        got[0],
        f("toolchain", 52_000, 52_000, "layer 1 (RUN apk add gcc) installs a build toolchain that the running program does not need: gcc, binutils (52.0 kB)")
    );
    assert_eq!(
        got.last().unwrap(),
        &f(
            "base",
            0,
            0,
            "the base image (layer 0: Alpine Linux v3.19) is 6.34 kB, 9 % of the image"
        )
    );
}

#[test]
fn damaged_databases_are_warnings_and_the_rest_of_the_report_stands() {
    let dir = tempfile::tempdir().unwrap();
    let (mut layers, history) = advice::python_naive();
    // Layer 2's status file cut mid-paragraph after a line with no colon; pip's RECORD garbage.
    let status = layers[2]
        .iter_mut()
        .find_map(|e| match e {
            F::File("var/lib/dpkg/status", data) => Some(data),
            _ => None,
        })
        .unwrap();
    status.truncate(700);
    status.extend_from_slice(b"\nthis line is not a field\n");
    for e in layers[4].iter_mut() {
        if let F::File(p, data) = e {
            if p.ends_with("flask-3.0.0.dist-info/RECORD") {
                *data = b"flask/__init__.py,sha256=def,lots\n".to_vec();
            }
        }
    }
    let image = json(&archive(dir.path(), "bad.tar", &layers, &history, ""), &[]);
    let warnings: Vec<&str> = image["packageWarnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("/var/lib/dpkg/status (layer 2): dpkg status: ")
            && warnings[0].ends_with(": its packages are not attributed"),
        "{}",
        warnings[0]
    );
    assert_eq!(
        warnings[1],
        "/usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/RECORD (layer 4): RECORD: \
         line 1: size 'lots' is not a number: its package is not attributed"
    );
    // Only werkzeug is left; every finding that needs no package data is still there.
    let names: Vec<String> = packages(&image).into_iter().map(|p| p.0).collect();
    assert_eq!(names, ["werkzeug"]);
    let kinds: Vec<String> = findings(&image).into_iter().map(|f| f.0).collect();
    for k in [
        "dockerignore",
        "cache",
        "rewritten",
        "cache-order",
        "secret",
        "root-user",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    // Without dpkg's data the compilers are still found by their folders, and nothing can be
    // said about Recommends.
    assert!(!kinds.iter().any(|x| x == "recommends"));
    let toolchain = findings(&image)
        .into_iter()
        .find(|f| f.0 == "toolchain")
        .unwrap();
    assert_eq!(
        toolchain,
        f("toolchain", 50_000 + 3_000, 50_000 + 3_000, &format!("{INSTALL} installs a build toolchain that the running program does not need: compilers and headers outside any package (53.0 kB)"))
    );
}

#[test]
fn a_database_too_large_to_read_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let big = 16 * 1024 * 1024 + 1;
    let layers = vec![vec![
        F::File("var/lib/dpkg/status", vec![b'x'; big]),
        F::File("usr/bin/sh", bytes(100, 1)),
    ]];
    let image = json(
        &archive(
            dir.path(),
            "big.tar",
            &layers,
            &[advice::run("/bin/sh -c x")],
            "app",
        ),
        &[],
    );
    assert_eq!(
        image["packageWarnings"],
        serde_json::json!([format!(
            "/var/lib/dpkg/status (layer 0) is {big} bytes, over the 16777216 bytes layerlens \
             reads of it: the packages it lists are not attributed"
        )])
    );
    assert_eq!(image["unownedBytes"], big as u64 + 100);
}

#[test]
fn rpm_sqlite_databases_are_read() {
    let db = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pkgdb/rpmdb.sqlite"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![vec![
        F::File("usr/lib/sysimage/rpm/rpmdb.sqlite", db),
        F::File("usr/bin/hello-layer", bytes(26, 1)),
    ]];
    let image = json(
        &archive(
            dir.path(),
            "rpm.tar",
            &layers,
            &[advice::run("/bin/sh -c x")],
            "app",
        ),
        &[],
    );
    let names: Vec<(String, String)> = image["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        names.contains(&("hello-layer".into(), "2:1.2.3-4".into())),
        "{names:?}"
    );
    assert!(
        names.contains(&("greeting-data".into(), "1.0-3".into())),
        "{names:?}"
    );
}
