//! The example configs in `assets/` work as the README says.

use std::process::Command;

use layerlens::tui::config::Config;
use layerlens::tui::keymap::Key;

#[test]
fn example_ci_config_runs_rules_and_budgets_on_the_testdata_image() {
    let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args([
            "--ci",
            "--ci-config",
            "assets/dive-ci.yaml",
            "testdata/classic.docker.tar",
        ])
        .env_remove("CI")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]"));
    assert!(text.contains("  PASS: maxImageSize\n  PASS: maxLayerSize\n  PASS: maxLayerCount\n"));
    assert!(text.contains(
        "FAIL: maxReclaimableBytes: reclaimable bytes (shipped but hidden): 1.44 MB (1443467 bytes), 443 kB (443467 bytes) over the budget of 1.00 MB (1000000 bytes)"
    ));
    assert!(text.contains("FAIL: maxCacheBytes: cache bytes (caches and leftovers still visible): 410 kB (409600 bytes)"));
    assert!(
        text.contains("Budgets:FAIL [Total:6] [Passed:3] [Failed:2] [Skipped:1]"),
        "{text}"
    );
}

#[test]
fn example_ui_config_parses_with_dive_names() {
    let config = Config::from_yaml(include_str!("../assets/config.yaml")).unwrap();
    assert!(!config.prefs.show.unmodified);
    assert!(config.prefs.show.added && config.prefs.show.modified && config.prefs.show.removed);
    assert_eq!(config.prefs.pane_width, 0.5);
    assert!(config.prefs.show_attributes && !config.prefs.collapse_dir && !config.prefs.aggregated);
    assert_eq!(
        config.keymap.keys("page-down"),
        [Key::parse("pgdn").unwrap(), Key::parse("d").unwrap()]
    );
    assert_eq!(
        config.keymap.keys("quit"),
        [Key::parse("ctrl+c").unwrap(), Key::parse("q").unwrap()]
    );
}
