//! The command line: CI rules from flags and `.dive-ci`, exit codes, JSON to stdout, pipes.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{layerlens, testdata};

fn classic() -> String {
    testdata("classic.docker.tar").display().to_string()
}

#[test]
fn exit_codes_follow_the_rules() {
    let (code, out, _) = layerlens(
        &["--ci", testdata("tiny.docker.tar").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]"),
        "{out}"
    );

    let (code, out, _) = layerlens(&["--ci", &classic()], None);
    assert_eq!(code, 1);
    assert!(
        out.contains("Result:FAIL [Total:3] [Passed:0] [Failed:2]"),
        "{out}"
    );

    // Loosened by flags, classic passes: efficiency 0.684, user waste 0.759, 1625374 bytes.
    let (code, out, _) = layerlens(
        &[
            "--ci",
            "--lowestEfficiency",
            "0.6",
            "--highestUserWastedPercent",
            "0.8",
            "--highestWastedBytes",
            "2MB",
            &classic(),
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("  PASS: highestWastedBytes\n"), "{out}");

    let (code, out, _) = layerlens(
        &[
            "--ci",
            "--highestWastedBytes",
            "1.5MiB",
            "--lowestEfficiency",
            "disabled",
            "--highestUserWastedPercent",
            "disabled",
            &classic(),
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("  FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=1625374 > threshold=1572864)"),
        "{out}"
    );
}

#[test]
fn dive_ci_file_is_read_from_the_working_directory_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 0.5\n  highestUserWastedPercent: 0.9\n  highestWastedBytes: disabled\n",
    )
    .unwrap();
    let (code, out, _) = layerlens(&["--ci", &classic()], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("  Using CI config: .dive-ci\n"), "{out}");
    let (code, _, _) = layerlens(
        &["--ci", "--lowestEfficiency", "0.99", &classic()],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
}

#[test]
fn config_errors_are_exit_2_and_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("rules.yaml");
    std::fs::write(&cfg, "rules:\n  lowestEfficiency: abc\n").unwrap();
    let (code, out, err) = layerlens(
        &["--ci", "--ci-config", cfg.to_str().unwrap(), &classic()],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err.trim(),
        "layerlens: error: rules.lowestEfficiency: 'abc' is not a number (or 'disabled')"
    );
    let (code, _, err) = layerlens(
        &["--ci", "--ci-config", "/nonexistent/rules.yaml", &classic()],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/rules.yaml"), "{err}");
    let (code, _, err) = layerlens(&["--ci", "--highestWastedBytes", "lots", &classic()], None);
    assert_eq!(code, 2);
    assert!(err.contains("rules.highestWastedBytes: 'lots'"), "{err}");
}

#[test]
fn ci_env_turns_ci_mode_on() {
    let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .arg(testdata("tiny.docker.tar"))
        .env("CI", "true")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Result:PASS"));
}

#[test]
fn json_to_stdout_and_file() {
    let (code, out, _) = layerlens(
        &["--json", "-", testdata("tiny.docker.tar").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["image"]["sizeBytes"], 1982277);
    assert_eq!(
        v["layer"][2]["command"],
        "echo \"hello from layerlens\" > /hello.txt"
    );

    // An existing file is replaced, not appended to.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.json");
    std::fs::write(&f, "x".repeat(10_000_000)).unwrap();
    let (code, _, _) = layerlens(
        &[
            "--json",
            f.to_str().unwrap(),
            testdata("tiny.docker.tar").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    assert_eq!(v["layer"].as_array().unwrap().len(), 3);
}

#[test]
fn summary_names_layers_and_sizes() {
    let (code, out, _) = layerlens(&[&classic()], None);
    assert_eq!(code, 0);
    assert!(out.contains("Total size: 4.12 MB in 13 layers"), "{out}");
    assert!(
        out.contains("  4    1.05 MB  mkdir -p /data && dd if=/dev/urandom of=/data/big.bin"),
        "{out}"
    );
    // dive's figures in dive's words, ours in ours.
    assert!(out.contains("Image efficiency score (dive's): 68.39 %\nPotential wasted space (dive's): 1.63 MB (1625374 bytes)\nReclaimable: 1.44 MB (1443467 bytes) ship but are hidden in the final image\nEstimate: fixing 7 findings would take the image to about 2.27 MB (−45 %); --format text says how\n"), "{out}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--json", "-"])
        .arg(testdata("classic.docker.tar"))
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_and_bad_flags() {
    let (code, out, _) = layerlens(&["--help"], None);
    assert_eq!(code, 0);
    assert!(out.contains("--lowestEfficiency"));
    let (code, _, err) = layerlens(&["--no-such-flag", "x"], None);
    assert_eq!(code, 2);
    assert!(err.contains("--no-such-flag"));
}

#[test]
fn a_docker_save_stream_on_stdin_reads_like_the_file() {
    let (code, from_file, _) = layerlens(&["--json", "-", &classic()], None);
    assert_eq!(code, 0);
    // Through a pipe, which has no length and cannot seek.
    let mut child = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--json", "-", "docker-archive:/dev/stdin"])
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let tarball = std::fs::read(classic()).unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &tarball));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let a: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["image"], b["image"]);
    assert_eq!(a["layer"], b["layer"]);
    // An empty stream is a clear error, not a hang.
    let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--ci", "docker-archive:/dev/stdin"])
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "layerlens: error: /dev/stdin is not a docker save archive: it has no manifest.json"
    );
}

#[test]
fn a_bad_layerlens_config_stops_the_ui_before_the_terminal_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".layerlens.yaml"),
        "budgets:\n  maxImageSize: huge\n",
    )
    .unwrap();
    let image = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/tiny.docker.tar");
    // `script` gives layerlens a terminal, so it would open the UI.
    let cmd = format!("{} {}", env!("CARGO_BIN_EXE_layerlens"), image.display());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{tty:?}");
    assert_eq!(
        tty,
        "layerlens: error: .layerlens.yaml: budgets.maxImageSize 'huge' is not a size like 20MB \
         or 20MiB (or 'disabled')\r\n"
    );
}
