//! Waste analysis end to end on generated images: exact bytes of reclaimable groups, caches
//! and findings in the JSON; budgets and their exit codes; config errors; and dive's CI text
//! unchanged when no budget is asked for. The reports' formats are in `reports.rs`, the diff in
//! `diff.rs`.

mod common;

use std::process::Command;

use common::wasteful::{json, wasteful, write};
use common::{bytes, layerlens, F};

#[test]
fn json_reports_exact_bytes_of_every_kind_of_waste() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let (code, v) = json(&["--format", "json", img.to_str().unwrap()]);
    assert_eq!(code, 0);
    let i = &v["image"];
    // Both ways agree: shipped − visible = the reclaimable groups' sum.
    assert_eq!(i["shippedFileBytes"], 14923);
    assert_eq!(i["visibleFileBytes"], 14923 - 5000 - 1200);
    assert_eq!(i["reclaimableBytes"], 6200);
    let groups: Vec<_> = i["reclaimable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["layer"].as_u64().unwrap(),
                g["hiddenByLayer"].as_u64().unwrap(),
                g["hiddenBy"].as_str().unwrap().to_string(),
                g["path"].as_str().unwrap().to_string(),
                g["sizeBytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (3, 4, "deleted".into(), "data/big.bin".into(), 5000),
            (5, 6, "directory-removed".into(), "build".into(), 1200),
        ]
    );
    let caches: Vec<_> = i["caches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["path"].as_str().unwrap().to_string(),
                c["sizeBytes"].as_u64().unwrap(),
                c["layer"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        caches,
        [
            ("apt-lists".into(), "var/lib/apt/lists".into(), 3500, 1),
            ("git".into(), "app/.git".into(), 2023, 7),
            ("pip".into(), "root/.cache/pip".into(), 1200, 2),
            (
                "apt-archives".into(),
                "var/cache/apt/archives".into(),
                700,
                1
            ),
        ]
    );
    assert_eq!(i["cacheBytes"], 3500 + 2023 + 1200 + 700);
    let kinds: Vec<_> = i["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["sizeBytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("deleted-later", 5000),
            ("cache", 3500),
            ("git", 2023),
            ("cache", 1200),
            ("directory-deleted-later", 1200),
            ("cache", 700),
            ("root-user", 0),
        ]
    );
    assert_eq!(
        i["findings"][0]["message"],
        "layer 3 (RUN step 3) adds a 5.00 kB file /data/big.bin that layer 4 (RUN step 4) \
         deletes: the bytes still ship"
    );
    // Per layer: added / removed files and bytes later hidden.
    let l = &v["layer"];
    assert_eq!(l[3]["hiddenBytes"], 5000);
    assert_eq!(l[4]["filesRemoved"], 1);
    assert_eq!(l[6]["filesRemoved"], 2);
    assert_eq!(l[7]["filesAdded"], 3);
    // dive's keys are still there, and no CI verdicts outside CI mode.
    assert!(i["efficiencyScore"].is_number());
    assert!(v.get("ci").is_none());
}

#[test]
fn budgets_decide_the_exit_code_and_show_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let img = img.to_str().unwrap();
    let cfg = dir.path().join(".dive-ci");
    let write_cfg = |budgets: &str| {
        std::fs::write(
            &cfg,
            format!(
                "rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n\
                 layerlens:\n  budgets:\n{budgets}"
            ),
        )
        .unwrap()
    };
    // Image size is 14923 bytes: 15KB passes, 14.5KiB (14848) fails.
    write_cfg("    maxImageSize: 15KB\n    maxReclaimableBytes: 6200\n    maxLayerCount: 8\n");
    let (code, out, _) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(
            "Budgets:\n  PASS: maxImageSize\n  SKIP: maxLayerSize: budget not set\n  \
             PASS: maxLayerCount\n  PASS: maxReclaimableBytes\n  SKIP: maxCacheBytes: budget not set\n  \
             SKIP: maxGrowth: budget not set\nBudgets:PASS [Total:6] [Passed:3] [Failed:0] [Skipped:3]\n\n"
        ),
        "{out}"
    );
    write_cfg("    maxImageSize: 14.5KiB\n    maxCacheBytes: 7423\n    maxLayerSize: 5000\n");
    let (code, out, _) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "  FAIL: maxImageSize: image size: 14.9 kB (14923 bytes), 75 bytes over the budget \
             of 14.8 kB (14848 bytes); fixing the findings would save about 13.6 kB (the \
             largest, delete in the same layer, never later: 5.00 kB)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  PASS: maxLayerSize\n  SKIP: maxLayerCount"),
        "{out}"
    );
    assert!(out.contains("  PASS: maxCacheBytes\n"), "{out}");
    // dive's own tally still passes: only the budgets failed.
    assert!(out.contains("Result:PASS [Total:3]"), "{out}");

    // The same verdicts as JSON, JUnit and GitHub commands.
    let (code, v) = {
        let (code, out, _) = layerlens(&["--ci", "--format", "json", img], Some(dir.path()));
        (
            code,
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        )
    };
    assert_eq!(code, 1);
    assert_eq!(v["ci"]["passed"], false);
    assert_eq!(v["ci"]["budgets"][0]["name"], "maxImageSize");
    assert_eq!(v["ci"]["budgets"][0]["status"], "fail");
    assert_eq!(v["ci"]["budgets"][0]["actual"], 14923);
    assert_eq!(v["ci"]["budgets"][0]["limit"], 14848);
    assert_eq!(v["ci"]["rules"][0]["status"], "skip");

    let (code, out, _) = layerlens(&["--format", "junit", img], Some(dir.path()));
    assert_eq!(code, 1);
    assert!(out.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"layerlens\" tests=\"9\" failures=\"1\" errors=\"0\" skipped=\"6\">\n"
    ), "{out}");
    assert!(out.contains(
        "    <testcase classname=\"layerlens.budgets\" name=\"maxImageSize\">\n      <failure message=\"image size: 14.9 kB (14923 bytes), 75 bytes over the budget of 14.8 kB (14848 bytes); fixing the findings would save about 13.6 kB (the largest, delete in the same layer, never later: 5.00 kB)\" type=\"budgets\">"
    ), "{out}");
    assert!(out.contains("    <testcase classname=\"layerlens.budgets\" name=\"maxLayerSize\"/>\n"));

    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let gh = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--format", "github", img])
        .current_dir(dir.path())
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(gh.status.code(), Some(1));
    let out = String::from_utf8(gh.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "::error title=layerlens budgets maxImageSize::maxImageSize: image size: 14.9 kB (14923 bytes), 75 bytes over the budget of 14.8 kB (14848 bytes); fixing the findings would save about 13.6 kB (the largest, delete in the same layer, never later: 5.00 kB)"
    );
    assert!(lines[1].starts_with("::warning title=layerlens deleted-later::layer 3 (RUN step 3)"));
    assert_eq!(
        *lines.last().unwrap(),
        "layerlens: FAIL (1 failed), image 14923 bytes, estimated savings 13623 bytes, reclaimable 6200 bytes, caches 7423 bytes"
    );
    // Appended, not replaced: a second run adds a second summary.
    let again = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--format", "github", img])
        .current_dir(dir.path())
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let empty = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--format", "github", img])
        .current_dir(dir.path())
        .env_remove("CI")
        .env("GITHUB_STEP_SUMMARY", "")
        .output()
        .unwrap();
    assert_eq!(
        empty.status.code(),
        Some(1),
        "an empty GITHUB_STEP_SUMMARY is not an error"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(md.matches("### layerlens: ").count(), 2, "{md}");
    assert!(md.starts_with("earlier step\n### layerlens: "), "{md}");
    assert!(
        md.contains("| maxImageSize | ❌ fail | image size: 14.9 kB"),
        "{md}"
    );
}

#[test]
fn exclusions_and_custom_caches_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    std::fs::write(
        dir.path().join(".dive-ci"),
        "layerlens:\n  exclude: [/data, \"**/.git\"]\n  caches:\n    - kind: python-app\n      path: app/*.py\n      fix: ship a wheel\n",
    )
    .unwrap();
    let (code, out, _) = layerlens(
        &["--format", "json", img.to_str().unwrap()],
        Some(dir.path()),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["image"]["reclaimableBytes"], 1200,
        "the /data file is excluded"
    );
    // The layers' hidden bytes are the same files: they add up to the reclaimable bytes.
    let per_layer: Vec<u64> = v["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["hiddenBytes"].as_u64().unwrap())
        .collect();
    assert_eq!(per_layer.iter().sum::<u64>(), 1200, "{per_layer:?}");
    let kinds: Vec<&str> = v["image"]["caches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["apt-lists", "pip", "apt-archives", "python-app"]);
    // Exclusions leave the image's size alone.
    assert_eq!(v["image"]["sizeBytes"], 14923);
}

#[test]
fn config_errors_exit_2_naming_the_key_and_dive_text_stays_dive_s() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let img = img.to_str().unwrap();
    std::fs::write(
        dir.path().join(".dive-ci"),
        "layerlens:\n  budgets:\n    maxLayerSize: twenty\n",
    )
    .unwrap();
    let (code, out, err) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err.trim(),
        "layerlens: error: .dive-ci: layerlens.budgets.maxLayerSize 'twenty' is not a size like 20MB or 20MiB (or 'disabled')"
    );
    // Without budgets, --ci prints dive's text and nothing more.
    let clean = tempfile::tempdir().unwrap();
    let (_, out, _) = layerlens(&["--ci", img], Some(clean.path()));
    assert!(out.ends_with("[Warn:0] [Skipped:1]\n\n"), "{out}");
    assert!(!out.contains("Budgets"));
}

#[test]
fn baseline_growth_budget() {
    let dir = tempfile::tempdir().unwrap();
    let layers = wasteful();
    let img = write(dir.path(), "w.tar", &layers);
    let base = write(dir.path(), "base.tar", &layers[..3]);
    // The baseline (layers 0-2) holds 1000 + 4200 + 1200 = 6400 bytes: growth 8523.
    std::fs::write(
        dir.path().join("b.yaml"),
        "layerlens:\n  budgets:\n    maxGrowth: 8KB\n",
    )
    .unwrap();
    let args = |limit: &'static str| {
        std::fs::write(
            dir.path().join("b.yaml"),
            format!("rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\nlayerlens:\n  budgets:\n    maxGrowth: {limit}\n"),
        )
        .unwrap();
        layerlens(
            &[
                "--ci",
                "--ci-config",
                dir.path().join("b.yaml").to_str().unwrap(),
                "--baseline",
                base.to_str().unwrap(),
                img.to_str().unwrap(),
            ],
            None,
        )
    };
    let (code, out, _) = args("8KB");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(
        "  FAIL: maxGrowth: the image grew by 8.52 kB (8523 bytes), 523 bytes over the budget of \
         8.00 kB (8000 bytes) (14923 bytes against the baseline's 6400); fixing the findings \
         would save about 13.6 kB (the largest, delete in the same layer, never later: 5.00 kB)\n"
    ), "{out}");
    let (code, out, _) = args("8523");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("  PASS: maxGrowth\n"), "{out}");
}

#[test]
fn a_layerlens_config_file_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let img = img.to_str().unwrap();
    // .layerlens.yaml in the working directory: keys at the top, SI and IEC units.
    std::fs::write(
        dir.path().join(".layerlens.yaml"),
        "budgets:\n  maxImageSize: 14.5KiB\n  maxReclaimableBytes: 6.2kB\nexclude: [\"**/.git\"]\n",
    )
    .unwrap();
    let (code, out, err) = layerlens(&["--ci", "--format", "json", img], Some(dir.path()));
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let budgets: Vec<_> = v["ci"]["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["status"].as_str().unwrap().to_string(),
                b["limit"].clone(),
            )
        })
        .collect();
    assert_eq!(
        budgets[0],
        ("maxImageSize".into(), "fail".into(), 14848.into())
    );
    assert_eq!(
        budgets[3],
        ("maxReclaimableBytes".into(), "pass".into(), 6200.into())
    );
    assert_eq!(v["image"]["cacheBytes"], 7423 - 2023, ".git excluded");

    // --config names another file, and wins over .layerlens.yaml; diff reads it too.
    let other = dir.path().join("ll.yaml");
    std::fs::write(&other, "layerlens:\n  exclude: [data]\n").unwrap();
    let other = other.to_str().unwrap();
    let (code, out, _) = layerlens(
        &["--config", other, "--format", "json", img],
        Some(dir.path()),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["image"]["reclaimableBytes"], 1200);
    assert_eq!(v["image"]["cacheBytes"], 7423);
    let (code, out, _) = layerlens(
        &["diff", img, img, "--config", other, "--format", "json"],
        None,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["reclaimableBytes"],
        serde_json::json!({"a": 1200, "b": 1200})
    );

    // A bad key in it is exit 2 naming the key; settings in both files are exit 2 naming both.
    std::fs::write(
        dir.path().join("bad.yaml"),
        "budgets:\n  maxLayerSize: 3 apples\n",
    )
    .unwrap();
    let (code, out, err) = layerlens(&["--ci", "--config", "bad.yaml", img], Some(dir.path()));
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err.trim(),
        "layerlens: error: bad.yaml: budgets.maxLayerSize '3 apples' is not a size like 20MB or 20MiB (or 'disabled')"
    );
    std::fs::write(
        dir.path().join(".dive-ci"),
        "layerlens:\n  budgets: {maxLayerCount: 3}\n",
    )
    .unwrap();
    let (code, _, err) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "layerlens: error: .dive-ci: layerlens settings are also in .layerlens.yaml; keep them in one file"
    );
    let (code, _, err) = layerlens(&["--ci", "--config", "missing.yaml", img], Some(dir.path()));
    assert_eq!(code, 2);
    assert!(err.contains("missing.yaml"), "{err}");
}

#[test]
fn json_file_carries_the_waste_keys_too() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let out = dir.path().join("out.json");
    let (code, stdout, _) = layerlens(
        &["--json", out.to_str().unwrap(), img.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(stdout, "");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let i = &v["image"];
    assert_eq!(i["reclaimableBytes"], 6200);
    assert_eq!(i["cacheBytes"], 7423);
    assert_eq!(i["caches"][0]["path"], "var/lib/apt/lists");
    assert_eq!(i["caches"][0]["kind"], "apt-lists");
    assert_eq!(i["caches"][0]["sizeBytes"], 3500);
    assert_eq!(i["caches"][0]["layer"], 1);
    assert_eq!(i["findings"].as_array().unwrap().len(), 7);
    assert_eq!(i["runsAsRoot"], true);
    assert_eq!(v["layer"][3]["hiddenBytes"], 5000);
    // The same document as --format json.
    let (_, same) = json(&["--format", "json", img.to_str().unwrap()]);
    assert_eq!(v, same);
}

/// dive #347: paths excluded in the layerlens settings are left out of dive's rules too (the
/// JSON keeps dive's own figures), and the CI text says so.
#[test]
fn exclusions_apply_to_dive_s_rules() {
    let dir = tempfile::tempdir().unwrap();
    let img = common::testdata("classic.docker.tar");
    let img = img.to_str().unwrap();
    // Without exclusions dive's rules fail (efficiency 0.6839485312125025, 75.9 % user waste).
    let (code, out, _) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!(code, 1, "{out}");
    std::fs::write(
        dir.path().join(".layerlens.yaml"),
        "exclude: [data/big.bin, app]\n",
    )
    .unwrap();
    let (code, out, _) = layerlens(&["--ci", img], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "Analyzing image...\n  (without the paths of 2 exclude patterns in the layerlens settings)\n  \
             efficiency: 99.9984 %\n  wastedBytes: 52 bytes (52 B)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("Count  Wasted Space  File Path\n    2          52 B  /etc/layerlens/app.conf\nResults:\n"),
        "{out}"
    );
    assert!(
        out.contains("Result:PASS [Total:3] [Passed:2] [Failed:0]"),
        "{out}"
    );
    let (code, out, _) = layerlens(&["--ci", "--format", "json", img], Some(dir.path()));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["image"]["inefficientBytes"], 1625374,
        "dive's figure, unchanged"
    );
    assert_eq!(v["ci"]["rules"][2]["status"], "pass");
}

/// Duplicates (a hardlink is not one) and an opaque directory, read from real tar bytes.
#[test]
fn duplicates_and_an_opaque_directory_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![
        vec![
            F::File("bin/sh", bytes(1000, 1)),
            F::File("usr/lib/libx.so", bytes(4000, 2)),
            F::Hardlink("usr/lib/libx.so.1", "usr/lib/libx.so"),
        ],
        vec![
            F::File("opt/app/libx.so", bytes(4000, 2)),
            F::File("opt/app/other", bytes(4000, 3)),
            F::File("srv/www/index.html", bytes(700, 4)),
            F::File("srv/www/img.png", bytes(300, 5)),
        ],
        vec![
            F::Dir("srv/www"),
            F::Opaque("srv/www"),
            F::File("srv/www/index.html", bytes(50, 6)),
        ],
    ];
    let img = write(dir.path(), "d.tar", &layers);
    let (code, v) = json(&["--format", "json", img.to_str().unwrap()]);
    assert_eq!(code, 0);
    let i = &v["image"];
    assert_eq!(i["shippedFileBytes"], 14050);
    assert_eq!(i["visibleFileBytes"], 13050);
    assert_eq!(i["reclaimableBytes"], 1000);
    // index.html is written again by the opaque layer (overwritten); img.png only vanishes.
    assert_eq!(
        i["reclaimable"],
        serde_json::json!([
            {"layer": 1, "hiddenByLayer": 2, "hiddenBy": "overwritten",
             "path": "srv/www/index.html", "files": 1, "sizeBytes": 700, "metadataOnly": false},
            {"layer": 1, "hiddenByLayer": 2, "hiddenBy": "directory-removed",
             "path": "srv/www", "files": 1, "sizeBytes": 300, "metadataOnly": false}
        ])
    );
    assert_eq!(i["duplicateBytes"], 4000);
    assert_eq!(
        i["duplicates"],
        serde_json::json!([{"sizeBytes": 4000, "wastedBytes": 4000,
            "paths": ["opt/app/libx.so", "usr/lib/libx.so"], "layers": [1, 0]}])
    );
    let kinds: Vec<_> = i["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["sizeBytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("directory-deleted-later", 300),
            ("root-user", 0),
            ("duplicate", 4000),
            ("overwritten", 700)
        ]
    );
    assert_eq!(
        i["findings"][3]["message"],
        "layer 2 (RUN step 2) replaces /srv/www/index.html from layer 1 (RUN step 1): the old \
         700 B still ship"
    );
    assert_eq!(
        i["findings"][0]["message"],
        "layer 1 (RUN step 1) writes 300 B in 1 file under /srv/www that layer 2 (RUN step 2) \
         deletes: the bytes still ship"
    );
}

/// A file deleted by name while a hardlink to it stays is still in the image: not reclaimable.
/// Deleting every name makes it so.
#[test]
fn a_hardlink_keeps_the_bytes_of_a_deleted_name() {
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![
        vec![
            F::File("bin/sh", bytes(1000, 1)),
            F::File("usr/bin/python3.11", bytes(5000, 2)),
            F::Hardlink("usr/bin/python3", "usr/bin/python3.11"),
            F::File("opt/a", bytes(700, 3)),
            F::Hardlink("opt/b", "opt/a"),
        ],
        vec![
            F::Whiteout("usr/bin/python3.11"),
            F::Whiteout("opt/a"),
            F::Whiteout("opt/b"),
        ],
    ];
    let img = write(dir.path(), "h.tar", &layers);
    let (code, v) = json(&["--format", "json", img.to_str().unwrap()]);
    assert_eq!(code, 0);
    let i = &v["image"];
    assert_eq!(i["shippedFileBytes"], 6700);
    assert_eq!(i["visibleFileBytes"], 6000);
    assert_eq!(i["reclaimableBytes"], 700);
    assert_eq!(i["reclaimable"][0]["path"], "opt/a");
    assert_eq!(i["reclaimable"].as_array().unwrap().len(), 1);
}
