//! `layerlens diff A B` on generated images: the wasteful image against its fixed twin, and
//! one image read from different source kinds.

mod common;

use common::layerlens;
use common::wasteful::{fixed, json, wasteful, write};

#[test]
fn diff_of_the_wasteful_image_and_its_fixed_twin() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.tar", &wasteful());
    let b = write(dir.path(), "b.tar", &fixed());
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, v) = json(&["diff", a, b, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(v["sizeBytes"], serde_json::json!({"a": 14923, "b": 1320}));
    assert_eq!(
        v["reclaimableBytes"],
        serde_json::json!({"a": 6200, "b": 0})
    );
    assert_eq!(v["cacheBytes"], serde_json::json!({"a": 7423, "b": 0}));
    assert_eq!(v["layerCount"], serde_json::json!({"a": 8, "b": 3}));
    // Layer 0 is the same tar in both; layer 1 differs.
    assert_eq!(v["sharedLayers"], 1);
    assert_eq!(v["layers"][0]["same"], true);
    assert_eq!(v["layers"][7]["b"], serde_json::Value::Null);
    assert_eq!(
        (&v["filesAdded"], &v["filesRemoved"], &v["filesGrown"]),
        (&0.into(), &6.into(), &1.into())
    );
    assert_eq!(
        v["files"][0],
        serde_json::json!({"path": "var/lib/apt/lists/deb_Packages", "change": "removed", "aSize": 3000, "bSize": null})
    );
    let grown: Vec<_> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == "grown")
        .collect();
    assert_eq!(grown[0]["path"], "app/main.py");
    assert_eq!(
        (&grown[0]["aSize"], &grown[0]["bSize"]),
        (&300.into(), &320.into())
    );
    assert_eq!(v["caches"].as_array().unwrap().len(), 4);

    let (code, text, _) = layerlens(&["diff", a, b], None);
    assert_eq!(code, 0);
    assert!(
        text.contains("  Size              14.9 kB ->    1.32 kB  (-13.6 kB, -13603 bytes)\n"),
        "{text}"
    );
    assert!(
        text.contains("Files: 0 added, 6 removed, 1 grown, 0 shrunk, 0 changed\n"),
        "{text}"
    );
    assert!(
        text.contains("  removed    -3.00 kB  /var/lib/apt/lists/deb_Packages\n"),
        "{text}"
    );
    // A's findings measured against B: every byte A's estimate names is gone in B.
    assert!(
        text.contains(
            "A's findings against B: A's estimate 13.6 kB, B measures 13.6 kB smaller\n  the \
             estimate is 100 % of the measured reduction; files the findings name and B no \
             longer has: 13.6 kB (100 % of the reduction)\n"
        ),
        "{text}"
    );
    let e = &v["estimate"];
    // B is 20 bytes bigger than A without the claimed files: main.py grew.
    assert_eq!(e["estimatedSavingsBytes"]["a"], 13_623);
    assert_eq!(e["measuredReductionBytes"], 13_603);
    assert_eq!(e["goneInBBytes"], 13_623);
    assert_eq!(e["findings"][0]["kind"], "deleted-later");
    assert_eq!(e["findings"][0]["stillInBBytes"], 0);
    let (code, _, err) = layerlens(&["diff", a, b, "--format", "junit"], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'junit' for '--format <FORMAT>'")
            && err.contains("[possible values: text, json, html]"),
        "{err}"
    );
    // Before `diff`, the top-level --format is checked the same way.
    let (code, _, err) = layerlens(&["--format", "github", "diff", a, b], None);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "layerlens: error: --format github: diff writes text, json or html"
    );
}

#[test]
fn diff_across_source_kinds_of_the_same_image_finds_nothing() {
    let docker = common::testdata("classic.docker.tar");
    let docker = docker.to_str().unwrap();
    for other in [
        "oci:testdata/classic.oci",
        "oci-archive:testdata/classic.oci-archive.tar",
    ] {
        let other = other.replace(
            "testdata/",
            &format!("{}/testdata/", env!("CARGO_MANIFEST_DIR")),
        );
        let (code, v) = json(&["diff", docker, &other, "--format", "json"]);
        assert_eq!(code, 0);
        assert_eq!(v["sharedLayers"], 13, "{other}");
        assert_eq!(
            v["sizeBytes"],
            serde_json::json!({"a": 4123785, "b": 4123785})
        );
        assert_eq!(
            v["reclaimableBytes"],
            serde_json::json!({"a": 1443467, "b": 1443467})
        );
        for key in [
            "filesAdded",
            "filesRemoved",
            "filesGrown",
            "filesShrunk",
            "filesChanged",
        ] {
            assert_eq!(v[key], 0, "{key} {other}");
        }
        assert_eq!(v["files"], serde_json::json!([]));
        assert!(v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["same"] == true));
    }
}
