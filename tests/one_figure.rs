//! One figure, one value: every figure that several outputs show (the summary, `--format text`,
//! JSON, JUnit, GitHub, `diff` and the UI) is the same number, rounded by the one rule of
//! `layerlens::units`, read here from all of them for one image.

mod common;

use layerlens::tui::app::update;
use layerlens::units::{efficiency, human_bytes, percent};

fn run(args: &[&str], env_summary: Option<&std::path::Path>) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_layerlens"));
    cmd.args(args)
        .env_remove("CI")
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(p) = env_summary {
        cmd.env("GITHUB_STEP_SUMMARY", p);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_output_shows_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::advice::write_python_naive(dir.path());
    let img = path.to_str().unwrap();

    let json: serde_json::Value =
        serde_json::from_str(&run(&["--format", "json", img], None)).unwrap();
    let i = &json["image"];
    let n = |k: &str| i[k].as_u64().unwrap();
    let (size, reclaimable, caches, savings, estimated, wasted) = (
        n("sizeBytes"),
        n("reclaimableBytes"),
        n("cacheBytes"),
        n("estimatedSavingsBytes"),
        n("estimatedSizeBytes"),
        n("inefficientBytes"),
    );
    let score = efficiency(i["efficiencyScore"].as_f64().unwrap());
    assert_eq!(size - savings, estimated);
    let added: Vec<u64> = json["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["filesAdded"].as_u64().unwrap())
        .collect();

    let summary = run(&[img], None);
    assert!(
        summary.contains(&format!("Total size: {} in 7 layers", human_bytes(size))),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("Image efficiency score (dive's): {score}\n")),
        "{summary}"
    );
    assert!(summary.contains(&format!(
        "Potential wasted space (dive's): {} ({wasted} bytes)\n",
        human_bytes(wasted)
    )));
    assert!(summary.contains(&format!(
        "Reclaimable: {} ({reclaimable} bytes) ship",
        human_bytes(reclaimable)
    )));
    assert!(summary.contains(&format!(
        "would take the image to about {} (−{})",
        human_bytes(estimated),
        percent(savings, size)
    )));

    let text = run(&["--format", "text", img], None);
    assert!(text.contains(&format!(
        "Size: {} ({size} bytes) in 7 layers",
        human_bytes(size)
    )));
    assert!(text.contains(&format!(
        "from {} to about {} (−{}, {} less)",
        human_bytes(size),
        human_bytes(estimated),
        percent(savings, size),
        human_bytes(savings)
    )));
    assert!(text.contains(&format!(
        "Reclaimable: {} ({reclaimable} bytes)",
        human_bytes(reclaimable)
    )));
    assert!(text.contains(&format!(
        "Caches and leftovers: {} ({caches} bytes)",
        human_bytes(caches)
    )));
    // The layers table's Added column is the JSON's filesAdded.
    let table: Vec<u64> = text
        .lines()
        .skip_while(|l| !l.starts_with("Layers:"))
        .skip(2)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(table, added, "{text}");

    let junit = run(&["--format", "junit", img], None);
    assert!(junit.contains(&format!(
        "image size {size} bytes, estimated savings {savings} bytes, reclaimable {reclaimable} bytes, caches {caches} bytes"
    )));
    let md = dir.path().join("summary.md");
    let github = run(&["--format", "github", img], Some(&md));
    assert!(github.contains(&format!(
        "image {size} bytes, estimated savings {savings} bytes, reclaimable {reclaimable} bytes, caches {caches} bytes"
    )));
    let md = std::fs::read_to_string(&md).unwrap();
    for (what, v) in [
        ("Image size", size),
        ("Estimated savings (the findings' fixes)", savings),
        ("Reclaimable (hidden by later layers)", reclaimable),
        ("Caches and leftovers", caches),
    ] {
        assert!(
            md.contains(&format!("| {what} | {v} | {} |", human_bytes(v))),
            "{md}"
        );
    }

    let diff = run(&["diff", img, img], None);
    let h = human_bytes;
    assert!(
        diff.contains(&format!(
            "  Size           {:>10} -> {:>10}",
            h(size),
            h(size)
        )),
        "{diff}"
    );
    assert!(diff.contains(&format!(
        "  Reclaimable    {:>10} -> {:>10}",
        h(reclaimable),
        h(reclaimable)
    )));
    assert!(
        diff.contains(&format!("A's estimate {}", h(savings))),
        "{diff}"
    );

    // The UI, on layer 2 (the install).
    let mut app = common::screen::app_of(&path, "py.tar", 140, 45);
    for _ in 0..2 {
        update(&mut app, layerlens::tui::app::Action::Down);
    }
    let s = common::screen::screen(&app);
    for needle in [
        format!("Total Image size: {}", h(size)),
        format!("Potential wasted space: {}", h(wasted)),
        format!("Image efficiency score: {score}"),
        format!("Reclaimable (w): {}", h(reclaimable)),
        format!(
            "Estimate (f): about {} (−{}, {} less)",
            h(estimated),
            percent(savings, size),
            h(savings)
        ),
        format!("Files: {} added", added[2]),
    ] {
        assert!(s.contains(&needle), "{needle} not in\n{s}");
    }
}
