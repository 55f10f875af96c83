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
    assert_eq!(
        err,
        "layerlens: error: --highestWastedBytes: 'lots' is not a size like 20MB or 20MiB (or \
         'disabled')\n"
    );
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

#[test]
fn help_says_the_usage_exit_codes_environment_and_files() {
    let (code, out, _) = layerlens(&["--help"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "Usage: layerlens [OPTIONS] IMAGE\n       layerlens [OPTIONS] build [--ci] [--format \
             FORMAT] [--json FILE] DOCKER-BUILD-ARGS...\n       layerlens [OPTIONS] diff \
             [--format text|json] [--json FILE] A B\n       layerlens completions \
             bash|zsh|fish\n       layerlens man\n"
        ),
        "{out}"
    );
    assert!(!out.contains("[IMAGE] <COMMAND>"), "{out}");
    assert!(
        out.contains(
            "Exit codes:\n  0                      passed, or nothing was checked\n  1         \
             \x20            a CI rule or budget failed\n  2                      an error"
        ),
        "{out}"
    );
    for needle in [
        "\n  DOCKER_HOST            the Docker daemon",
        "\n  CONTAINER_HOST         podman's API service",
        "\n  REGISTRY_AUTH_FILE     registry credentials",
        "\n  DOCKER_CONFIG          the folder of Docker's config.json",
        "\n  NO_COLOR               no colours",
        "\n  CI                     CI=true turns CI mode on",
        "\n  .dive-ci               dive's CI rules",
        "\n  .layerlens.yaml        layerlens's settings",
        "\n  $XDG_CONFIG_HOME/layerlens/config.yaml\n",
        "\n  ?                      in the UI, every key binding",
        "CI rule (with --ci): fail when efficiency is below this",
    ] {
        assert!(out.contains(needle), "{needle:?} in {out}");
    }
    // -h says the same after its shorter flag list.
    let (_, short, _) = layerlens(&["-h"], None);
    assert!(short.contains("\nExit codes:\n") && short.contains("\nEnvironment:\n"));
}

#[test]
fn diff_help_lists_only_the_formats_diff_writes() {
    let (code, out, _) = layerlens(&["diff", "--help"], None);
    assert_eq!(code, 0);
    assert!(out.contains("[possible values: text, json, html]"), "{out}");
    assert!(!out.contains("junit") && !out.contains("github"), "{out}");
    assert!(out.contains("--json <FILE>"), "{out}");
}

#[test]
fn diff_writes_its_json_to_the_file_named_before_or_after_diff() {
    let tiny = testdata("tiny.docker.tar").display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (code, text, _) = layerlens(&["diff", &tiny, &classic()], None);
    assert_eq!(code, 0);
    for args in [
        vec!["diff", "--json", "d.json", &tiny, &classic()],
        vec!["--json", "d.json", "diff", &tiny, &classic()],
    ] {
        let _ = std::fs::remove_file(dir.path().join("d.json"));
        let (code, out, err) = layerlens(&args, Some(dir.path()));
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "{args:?}");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("d.json")).unwrap()).unwrap();
        assert_eq!(v["sizeBytes"]["a"], 1982277, "{v}");
    }
    // With --format text as well, the text goes to stdout as without --json.
    let (code, out, _) = layerlens(
        &[
            "diff",
            "--json",
            "d.json",
            "--format",
            "text",
            &tiny,
            &classic(),
        ],
        Some(dir.path()),
    );
    assert_eq!((code, out), (0, text));
    // Flags that diff would ignore are refused.
    let (code, _, err) = layerlens(&["--ci", "diff", &tiny, &classic()], None);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "layerlens: error: --ci does not apply to diff (it takes --format text|json, --json FILE, \
         --config, --source, --platform, --pull, --insecure)\n"
    );
    let (code, _, err) = layerlens(&["--json", "a", "diff", "--json", "b", &tiny, &tiny], None);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "layerlens: error: --json is given both before and after `diff`; give it once\n"
    );
}

/// A stand-in for the docker client: records its arguments, writes an image ID to --iidfile.
fn fake_docker(dir: &std::path::Path) -> std::path::PathBuf {
    let script = dir.join("docker");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {}/args\nwhile [ $# -gt 0 ]; do\n  \
             if [ \"$1\" = --iidfile ]; then echo sha256:0123 > \"$2\"; fi\n  shift\ndone\n",
            dir.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    script
}

#[test]
fn build_takes_its_own_flags_before_dockers_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let docker = fake_docker(dir.path());
    // The build's Dockerfile is read (for --dockerfile's pairing) before docker runs.
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args([
            "build", "--ci", "--format", "junit", "--json", "r.json", "-t", "app:dev", "--ci",
            "--format", "x", ".",
        ])
        .current_dir(dir.path())
        .env_remove("CI")
        .env("LAYERLENS_DOCKER", &docker)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    // The daemon is not there: the build ran, then loading the image failed.
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("layerlens: error: cannot reach the docker API at unix:///nonexistent"),
        "{err}"
    );
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    // layerlens's flags before the first other argument are its own; from there on, docker's.
    assert_eq!(args[0..2], ["build", "--iidfile"]);
    assert_eq!(
        args[3..],
        ["-t", "app:dev", "--ci", "--format", "x", "."],
        "{args:?}"
    );
    let (code, _, err) = layerlens(
        &["--format", "json", "build", "--format", "text", "."],
        None,
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "layerlens: error: --format is given both before and after `build`; give it once\n"
    );
}

#[test]
fn a_dash_reads_a_docker_save_stream_from_stdin() {
    let (_, from_file, _) = layerlens(&["--json", "-", &classic()], None);
    let mut child = Command::new(env!("CARGO_BIN_EXE_layerlens"))
        .args(["--json", "-", "-"])
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
}

#[test]
fn a_dash_with_a_terminal_on_stdin_is_refused_not_a_hang() {
    let line = format!("{} --ci -", env!("CARGO_BIN_EXE_layerlens"));
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("CI")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "layerlens: error: '-' reads a docker save stream from standard input, which is a \
         terminal here: pipe one in (docker save IMAGE | layerlens -)\r\n"
    );
}

#[test]
fn a_missing_path_is_no_such_file_not_a_daemon_lookup() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    for image in [
        "app.tar",
        "./x",
        "out/image",
        "/nonexistent/app",
        "img.tar.gz",
    ] {
        let (code, out, err) = layerlens(&["--ci", image], Some(dir.path()));
        assert_eq!((code, out.as_str()), (2, ""), "{image}");
        assert_eq!(
            err,
            format!(
                "layerlens: error: {image}: no such file or directory; name a docker save \
                 tarball, an OCI layout directory or an OCI archive (prefixes docker-archive:, \
                 oci:, oci-archive:), '-' for standard input, or an image (docker://, \
                 podman://, registry://)\n"
            )
        );
    }
}

#[test]
fn rule_flags_act_only_in_ci_mode_and_only_in_range() {
    let (code, out, err) = layerlens(&["--lowestEfficiency", "0.5", &classic()], None);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "layerlens: error: --lowestEfficiency is a CI rule and acts only in CI mode: add --ci \
         (or --format junit|github, or set CI=true)\n"
    );
    let (code, _, err) = layerlens(&["--highestWastedBytes", "2MB", &classic()], None);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("layerlens: error: --highestWastedBytes is a CI rule"),
        "{err}"
    );
    // CI mode from CI=true or a CI format: the flag acts.
    let (code, out, _) = layerlens(
        &["--format", "junit", "--lowestEfficiency", "0.5", &classic()],
        None,
    );
    assert_eq!(code, 1, "{out}");
    for (flag, value) in [
        ("--lowestEfficiency", "2"),
        ("--highestUserWastedPercent", "-0.1"),
        ("--lowestEfficiency", "NaN"),
    ] {
        let (code, out, err) = layerlens(&["--ci", flag, value, &classic()], None);
        assert_eq!((code, out.as_str()), (2, ""));
        assert_eq!(
            err,
            format!(
                "layerlens: error: {flag}: '{value}' is not between 0 and 1 (a ratio: 0.9 is \
                 90 %)\n"
            )
        );
    }
    // The same range in a .dive-ci, named as a key.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 90\n",
    )
    .unwrap();
    let (code, _, err) = layerlens(&["--ci", &classic()], Some(dir.path()));
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "layerlens: error: rules.lowestEfficiency: '90' is not between 0 and 1 (a ratio: 0.9 is \
         90 %)\n"
    );
}

#[test]
fn an_image_and_a_command_together_are_refused() {
    let (code, _, err) = layerlens(&["app.tar", "diff", "a", "b"], None);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "layerlens: error: 'app.tar' and `diff`: give an IMAGE or a command, not both\n"
    );
}

#[test]
fn completions_name_every_subcommand_and_flag() {
    let (code, bash, _) = layerlens(&["completions", "bash"], None);
    assert_eq!(code, 0);
    assert!(bash.starts_with("_layerlens() {"), "{bash}");
    assert!(bash.contains("complete -F _layerlens"), "{bash}");
    for word in [
        "build",
        "diff",
        "completions",
        "man",
        "--lowestEfficiency",
        "--highestUserWastedPercent",
        "--ci-config",
        "--format",
        "--baseline",
        "--dockerfile",
    ] {
        assert!(bash.contains(word), "{word}");
    }
    // diff's own formats.
    assert!(bash.contains("text json"), "{bash}");
    let (code, zsh, _) = layerlens(&["completions", "zsh"], None);
    assert_eq!(code, 0);
    assert!(zsh.starts_with("#compdef layerlens"), "{zsh}");
    assert!(
        zsh.contains("'--lowestEfficiency=[CI rule (with --ci)"),
        "{zsh}"
    );
    let (code, fish, _) = layerlens(&["completions", "fish"], None);
    assert_eq!(code, 0);
    assert!(
        fish.contains(
            "complete -c layerlens -n \"__fish_layerlens_needs_command\" -l lowestEfficiency"
        ),
        "{fish}"
    );
    let (code, _, err) = layerlens(&["completions", "powershell"], None);
    assert_eq!(code, 2);
    assert!(err.contains("[possible values: bash, zsh, fish]"), "{err}");
}

#[test]
fn the_man_page_has_a_synopsis_and_the_exit_codes() {
    let (code, man, _) = layerlens(&["man"], None);
    assert_eq!(code, 0);
    assert!(man.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{man}");
    assert!(man.contains("\n.TH layerlens 1 "), "{man}");
    assert!(man.contains("\n.SH NAME\nlayerlens \\- "), "{man}");
    assert!(
        man.contains("\n.SH SYNOPSIS\n\\fBlayerlens\\fR [OPTIONS] IMAGE\n.br\n"),
        "{man}"
    );
    assert!(
        man.contains("\n\\fBlayerlens\\fR completions bash|zsh|fish\n"),
        "{man}"
    );
    // The roff preamble once, not once per section.
    assert_eq!(man.matches(".el .ds Aq").count(), 1, "{man}");
    assert!(
        man.contains(
            "\n.SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\npassed, or nothing was checked\n.TP\n\
             \\fB1\\fR\na CI rule or budget failed\n"
        ),
        "{man}"
    );
    assert!(man.contains("\n.SH ENVIRONMENT\n"), "{man}");
    assert!(man.contains("\\fBREGISTRY_AUTH_FILE\\fR"), "{man}");
    assert!(man.contains("\n.SH FILES\n"), "{man}");
}

/// Runs `command` (a shell line) in a pseudo-terminal `cols` columns wide, through `script`;
/// returns every byte the terminal received.
fn on_a_pty(cols: u16, command: &str) -> String {
    let line = format!("stty cols {cols} rows 24; {command}");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("CI")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The lines a terminal drew, escape sequences taken out: each redraw starts at `\r`.
fn drawn_lines(tty: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = tty.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters, then one final byte in @..~.
            for d in chars.by_ref() {
                if ('@'..='~').contains(&d) {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_progress_line_fits_the_terminal_and_redraws_in_place() {
    let dir = tempfile::tempdir().unwrap();
    // A label longer than 80 columns: it is what gives way.
    let long = dir
        .path()
        .join(format!("{}.tar", "a-very-long-image-name".repeat(4)));
    std::fs::copy(classic(), &long).unwrap();
    let bin = env!("CARGO_BIN_EXE_layerlens");
    for cols in [80u16, 160] {
        let tty = on_a_pty(cols, &format!("{bin} --json /dev/null {}", long.display()));
        // Nothing but the progress line reached the terminal, and no line feed: it redrew
        // in place, once per layer at least (13 layers), and was erased at the end.
        assert!(!tty.contains('\n'), "{cols}: {tty:?}");
        let lines = drawn_lines(&tty);
        assert!(lines.len() >= 13, "{cols}: {lines:?}");
        for l in &lines {
            assert!(l.chars().count() <= cols as usize, "{cols}: {l:?}");
            // Every line is ours, from the first: the label, then the figures.
            assert!(
                l.starts_with("/tmp/") && l.contains(" layer"),
                "{cols}: {l:?}"
            );
        }
        let last = lines.last().unwrap();
        assert!(
            last.contains("%  13 layers  ") && last.contains(" / 4.36 MB"),
            "{cols}: {last:?}"
        );
        assert!(tty.ends_with("\r\x1b[2K"), "{cols}: {tty:?}");
        if cols == 160 {
            assert!(
                last.starts_with(&long.display().to_string()[..40]),
                "{last:?}"
            );
            assert!(last.contains(" [####"), "the bar at 160 columns: {last:?}");
        }
    }
    // A slow stream of unknown length: the rate shows, and the line still fits.
    let fifo = dir.path().join("stream");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let tarball = std::fs::read(classic()).unwrap();
    for cols in [80u16, 160] {
        let fifo2 = fifo.clone();
        let data = tarball.clone();
        let writer = std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo2).unwrap();
            for chunk in data.chunks(data.len() / 20 + 1) {
                std::io::Write::write_all(&mut f, chunk).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(60));
            }
        });
        let tty = on_a_pty(
            cols,
            &format!("{bin} --json /dev/null - < {}", fifo.display()),
        );
        writer.join().unwrap();
        assert!(!tty.contains('\n'), "{cols}: {tty:?}");
        let lines = drawn_lines(&tty);
        for l in &lines {
            assert!(l.chars().count() <= cols as usize, "{cols}: {l:?}");
        }
        assert!(
            lines
                .iter()
                .any(|l| l.contains(" MB/s") || l.contains(" kB/s")),
            "{cols}: {lines:?}"
        );
    }
    // Not a terminal: nothing on stderr.
    let (code, _, err) = layerlens(&["--json", "/dev/null", &classic()], None);
    assert_eq!((code, err.as_str()), (0, ""));
}
