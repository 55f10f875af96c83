//! Live sources against real services: the Docker daemon, podman's API service and two
//! registries on loopback (anonymous, and htpasswd basic auth), as `.ci/test` starts them;
//! plus failures: a daemon that is not running, an image that does not exist, refused
//! credentials, a registry that drops a layer half-way, a blob whose digest is wrong. Each
//! failure is a clear error and exit code 2, within a time limit (never a hang).

mod common;

use std::time::Duration;

use common::fake_registry::{Fake, FakeRegistry};
use common::live::*;
use layerlens::image::SourceKind;
use layerlens::source::{self, LoadOptions, NoProgress, Platform};
use layerlens::Error;

const LIMIT: Duration = Duration::from_secs(120);

fn load(reference: &str) -> layerlens::Image {
    load_with(reference, &LoadOptions::default())
}

fn load_with(reference: &str, opts: &LoadOptions) -> layerlens::Image {
    source::load(reference, None, opts, &NoProgress)
        .unwrap_or_else(|e| panic!("loading {reference}: {e}"))
}

fn load_err(reference: &str) -> Error {
    match source::load(reference, None, &LoadOptions::default(), &NoProgress) {
        Ok(_) => panic!("{reference} loaded but should have failed"),
        Err(e) => e,
    }
}

#[test]
fn docker_equals_its_docker_save_tarball() {
    require!(docker_up(), "the Docker daemon");
    docker_load("classic.docker.tar");
    let dir = tempfile::tempdir().unwrap();
    let saved = docker_save("classic:latest", dir.path());
    let from_file = load(saved.to_str().unwrap());
    let from_daemon = load("docker://classic:latest");
    assert_eq!(from_daemon.source, SourceKind::Docker);
    assert_eq!(from_daemon.layers.len(), 13);
    assert_eq!(from_daemon.config_digest, from_file.config_digest);
    assert_eq!(analysis(&from_daemon), analysis(&from_file));
    // The daemon streams the same archive: even the blob digests agree.
    let blobs = |i: &layerlens::Image| -> Vec<String> {
        i.layers.iter().map(|l| l.blob_digest.to_string()).collect()
    };
    assert_eq!(blobs(&from_daemon), blobs(&from_file));
    // A bare image reference (no such path) goes to Docker too, as with dive.
    let bare = load("classic:latest");
    assert_eq!(bare.source, SourceKind::Docker);
    assert_eq!(analysis(&bare), analysis(&from_file));
}

#[test]
fn docker_cli_matches_the_committed_tarball_report() {
    require!(docker_up(), "the Docker daemon");
    docker_load("tiny.docker.tar");
    let tar = testdata("tiny.docker.tar");
    let file = layerlens(&["--json", "-", tar.to_str().unwrap()], &[], LIMIT);
    let live = layerlens(&["--json", "-", "docker://tiny:latest"], &[], LIMIT);
    assert_eq!((file.code, live.code), (0, 0), "{}", live.stderr);
    assert_eq!(live.stdout, file.stdout);
    // stderr is not a terminal here: no progress bar, no escape codes.
    assert_eq!(live.stderr, "");
}

#[test]
fn docker_missing_image_says_so() {
    require!(docker_up(), "the Docker daemon");
    let out = layerlens(&["docker://layerlens-no-such-image:nope"], &[], LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("image 'layerlens-no-such-image:nope' is not in the Docker daemon")
            && out.stderr.contains("--pull"),
        "{}",
        out.stderr
    );
}

#[test]
fn docker_pull_fetches_first() {
    require!(docker_up(), "the Docker daemon");
    let reg = anon_registry();
    require!(tcp_up(&reg), "the anonymous registry");
    let name = format!("{reg}/layerlens/pull-me:1");
    skopeo_push(
        &format!("docker-archive:{}", testdata("tiny.docker.tar").display()),
        &name,
        false,
        false,
    );
    // Remove it from the daemon (ignore "no such image"), so only --pull can bring it.
    let _ = std::process::Command::new(docker_cli())
        .args(["rmi", "-f", &name])
        .output();
    let err = load_err(&format!("docker://{name}"));
    assert!(
        err.to_string().contains("is not in the Docker daemon"),
        "{err}"
    );
    let opts = LoadOptions {
        pull: true,
        ..Default::default()
    };
    let image = load_with(&format!("docker://{name}"), &opts);
    let file = load(testdata("tiny.docker.tar").to_str().unwrap());
    assert_eq!(analysis(&image), analysis(&file));
}

#[test]
fn docker_build_opens_what_it_built() {
    require!(docker_up(), "the Docker daemon");
    docker_load("tiny.docker.tar");
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("built.txt"), "built by layerlens test\n").unwrap();
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM tiny:latest\nCOPY built.txt /built.txt\n",
    )
    .unwrap();
    let cli = docker_cli();
    let out = layerlens(
        &["--json", "-", "build", "-q", ctx.path().to_str().unwrap()],
        &[("DOCKER_BUILDKIT", "0"), ("LAYERLENS_DOCKER", cli.as_str())],
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let layers = v["layer"].as_array().unwrap();
    assert_eq!(layers.len(), 4);
    let last = &layers[3];
    assert_eq!(last["fileList"][0]["path"], "built.txt");
    assert_eq!(last["fileList"][0]["size"], 24);
    assert!(last["command"].as_str().unwrap().contains("COPY"), "{last}");
}

#[test]
fn docker_build_takes_layerlens_flags_first_and_names_the_image_by_its_tag() {
    require!(docker_up(), "the Docker daemon");
    docker_load("tiny.docker.tar");
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("Dockerfile"), "FROM tiny:latest\n").unwrap();
    let cli = docker_cli();
    let tag = "layerlens-build-tag:1";
    let out = layerlens(
        &[
            "build",
            "--format",
            "junit",
            "-q",
            "-t",
            tag,
            ctx.path().to_str().unwrap(),
        ],
        &[("DOCKER_BUILDKIT", "0"), ("LAYERLENS_DOCKER", cli.as_str())],
        LIMIT,
    );
    let _ = std::process::Command::new(&cli).args(["rmi", tag]).output();
    // tiny passes dive's default rules; the report names the image by its tag, not its ID.
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("<testsuite name=\"layerlens docker://layerlens-build-tag:1\""),
        "{}",
        out.stdout
    );
}

#[test]
fn docker_not_running_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let sock = format!("unix://{}/docker.sock", dir.path().display());
    // A socket file with nobody listening, and no socket file at all.
    std::os::unix::net::UnixListener::bind(dir.path().join("docker.sock"))
        .map(drop)
        .unwrap();
    for host in [sock.as_str(), "unix:///nonexistent/docker.sock"] {
        let out = layerlens(&["docker://tiny:latest"], &[("DOCKER_HOST", host)], LIMIT);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("cannot reach the docker API at {host}"))
                && out.stderr.contains("DOCKER_HOST"),
            "{}",
            out.stderr
        );
        assert!(out.elapsed < Duration::from_secs(10));
    }
}

#[test]
fn podman_equals_the_docker_save_tarball() {
    require!(podman_up(), "the podman API service");
    podman_load_tiny();
    let host = podman_host();
    let file = layerlens(
        &["--json", "-", testdata("tiny.docker.tar").to_str().unwrap()],
        &[],
        LIMIT,
    );
    let live = layerlens(
        &["--json", "-", "podman://localhost/tiny:latest"],
        &[("CONTAINER_HOST", host.as_str())],
        LIMIT,
    );
    assert_eq!(live.code, 0, "{}", live.stderr);
    let strip = |s: &str| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
        for l in v["layer"].as_array_mut().unwrap() {
            for k in ["id", "blobDigest", "blobSizeBytes", "compression"] {
                l.as_object_mut().unwrap().remove(k);
            }
        }
        v
    };
    assert_eq!(strip(&live.stdout), strip(&file.stdout));
    let sourced = layerlens(
        &["--source", "podman", "tiny:latest"],
        &[("CONTAINER_HOST", host.as_str())],
        LIMIT,
    );
    assert_eq!(sourced.code, 0, "{}", sourced.stderr);
    assert!(sourced.stdout.contains("(podman)"), "{}", sourced.stdout);
}

#[test]
fn podman_missing_image_and_missing_service() {
    require!(podman_up(), "the podman API service");
    let host = podman_host();
    let out = layerlens(
        &["podman://layerlens-no-such-image:nope"],
        &[("CONTAINER_HOST", host.as_str())],
        LIMIT,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is not in the podman service"),
        "{}",
        out.stderr
    );
    let gone = layerlens(
        &["podman://tiny"],
        &[("CONTAINER_HOST", "unix:///nonexistent/podman.sock")],
        LIMIT,
    );
    assert_eq!(gone.code, 2);
    assert!(
        gone.stderr.contains("podman system service"),
        "{}",
        gone.stderr
    );
}

#[test]
fn registry_equals_the_docker_save_tarball_by_tag_and_by_digest() {
    let reg = anon_registry();
    require!(tcp_up(&reg), "the anonymous registry");
    let tar = testdata("classic.docker.tar");
    skopeo_push(
        &format!("docker-archive:{}", tar.display()),
        &format!("{reg}/layerlens/classic:1"),
        false,
        false,
    );
    let file = load(tar.to_str().unwrap());
    let by_tag = load(&format!("registry://{reg}/layerlens/classic:1"));
    assert_eq!(by_tag.source, SourceKind::Registry);
    assert_eq!(by_tag.config_digest, file.config_digest);
    assert_eq!(analysis(&by_tag), analysis(&file));
    let digest = by_tag.manifest_digest.clone().unwrap();
    let by_digest = load(&format!("registry://{reg}/layerlens/classic@{digest}"));
    assert_eq!(by_digest.manifest_digest, Some(digest));
    assert_eq!(analysis(&by_digest), analysis(&file));
    // A digest the registry does not hold.
    let zero = format!("sha256:{}", "0".repeat(64));
    let err = load_err(&format!("registry://{reg}/layerlens/classic@{zero}"));
    assert!(
        err.to_string().contains(&format!(
            "has no manifest {zero} in repository layerlens/classic"
        )),
        "{err}"
    );
}

#[test]
fn registry_multi_arch_honours_platform() {
    let reg = anon_registry();
    require!(tcp_up(&reg), "the anonymous registry");
    let layout = testdata("multiarch.oci");
    skopeo_push(
        &format!("oci:{}:latest", layout.display()),
        &format!("{reg}/layerlens/multi:1"),
        false,
        true,
    );
    for p in ["linux/amd64", "linux/arm64"] {
        let opts = LoadOptions {
            platform: Some(Platform::parse(p).unwrap()),
            ..Default::default()
        };
        let live = load_with(&format!("registry://{reg}/layerlens/multi:1"), &opts);
        let local = load_with(layout.to_str().unwrap(), &opts);
        assert_eq!(live.manifest_digest, local.manifest_digest, "{p}");
        assert_eq!(live.config.architecture, p.split('/').nth(1).unwrap());
        assert_eq!(analysis(&live), analysis(&local));
    }
    let opts = LoadOptions {
        platform: Some(Platform::parse("linux/s390x").unwrap()),
        ..Default::default()
    };
    let err = source::load(
        &format!("registry://{reg}/layerlens/multi:1"),
        None,
        &opts,
        &NoProgress,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "platform linux/s390x is not in this image; it has: linux/amd64, linux/arm64/v8"
    );
}

fn auth_fixture() -> Option<String> {
    let reg = auth_registry();
    if !tcp_up(&reg) {
        return None;
    }
    static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        skopeo_push(
            &format!("docker-archive:{}", testdata("tiny.docker.tar").display()),
            &format!("{reg}/layerlens/tiny:1"),
            true,
            false,
        )
    });
    Some(reg)
}

fn auths_json(reg: &str, user: &str, pass: &str) -> String {
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!(r#"{{"auths":{{"{reg}":{{"auth":"{auth}"}}}}}}"#)
}

#[test]
fn registry_basic_auth_from_docker_config_and_auth_file() {
    let reg = auth_fixture();
    require!(reg.is_some(), "the htpasswd registry");
    let reg = reg.unwrap();
    let tiny = layerlens(
        &["--json", "-", testdata("tiny.docker.tar").to_str().unwrap()],
        &[],
        LIMIT,
    );
    let reference = format!("registry://{reg}/layerlens/tiny:1");
    let home = tempfile::tempdir().unwrap();
    let empty = home.path().to_str().unwrap();

    // DOCKER_CONFIG/config.json "auths".
    let docker_cfg = tempfile::tempdir().unwrap();
    std::fs::write(
        docker_cfg.path().join("config.json"),
        auths_json(&reg, AUTH_USER, AUTH_PASS),
    )
    .unwrap();
    let out = layerlens(
        &["--json", "-", &reference],
        &[
            ("DOCKER_CONFIG", docker_cfg.path().to_str().unwrap()),
            ("HOME", empty),
        ],
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let diff_ids = |s: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v["layer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diffId"].clone())
            .collect()
    };
    assert_eq!(diff_ids(&out.stdout), diff_ids(&tiny.stdout));

    // REGISTRY_AUTH_FILE (podman's auth.json), with an empty Docker config.
    let auth_file = home.path().join("auth.json");
    std::fs::write(
        &auth_file,
        auths_json(&format!("http://{reg}"), AUTH_USER, AUTH_PASS),
    )
    .unwrap();
    let out = layerlens(
        &["--json", "-", &reference],
        &[
            ("REGISTRY_AUTH_FILE", auth_file.to_str().unwrap()),
            ("DOCKER_CONFIG", empty),
        ],
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(diff_ids(&out.stdout), diff_ids(&tiny.stdout));
}

#[test]
fn registry_credentials_from_a_credential_helper() {
    let reg = auth_fixture();
    require!(reg.is_some(), "the htpasswd registry");
    let reg = reg.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let helper = dir.path().join("docker-credential-layerlens-test");
    // The helper checks it is asked for this registry, as Docker's protocol says.
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n[ \"$server\" = \"{reg}\" ] || \
             {{ echo 'credentials not found in native keychain'; exit 1; }}\n\
             printf '{{\"ServerURL\":\"%s\",\"Username\":\"{AUTH_USER}\",\"Secret\":\"{AUTH_PASS}\"}}' \"$server\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        format!(r#"{{"credHelpers":{{"{reg}":"layerlens-test"}}}}"#),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = layerlens(
        &[&format!("registry://{reg}/layerlens/tiny:1")],
        &[
            ("DOCKER_CONFIG", dir.path().to_str().unwrap()),
            ("PATH", &path),
        ],
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("in 3 layers"), "{}", out.stdout);
}

#[test]
fn registry_refused_and_missing_credentials() {
    let reg = auth_fixture();
    require!(reg.is_some(), "the htpasswd registry");
    let reg = reg.unwrap();
    let reference = format!("registry://{reg}/layerlens/tiny:1");
    let cfg = tempfile::tempdir().unwrap();
    let cfg_dir = cfg.path().to_str().unwrap();
    // No credentials at all.
    let out = layerlens(
        &[&reference],
        &[("DOCKER_CONFIG", cfg_dir), ("REGISTRY_AUTH_FILE", "")],
        LIMIT,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "registry {reg} requires credentials and none are configured for it"
        )),
        "{}",
        out.stderr
    );
    // Wrong password: refused, the user named, the password not shown.
    std::fs::write(
        cfg.path().join("config.json"),
        auths_json(&reg, AUTH_USER, "not-the-password"),
    )
    .unwrap();
    let out = layerlens(&[&reference], &[("DOCKER_CONFIG", cfg_dir)], LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "registry {reg} refused the credentials for user '{AUTH_USER}'"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("not-the-password"));
}

#[test]
fn registry_that_drops_the_connection_mid_layer() {
    let fake = FakeRegistry::start(Fake::DropMidLayer);
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let out = layerlens(&[&reference], &[], Duration::from_secs(60));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("layer {}", fake.layer_digest))
            && out
                .stderr
                .contains(&format!("of {} bytes", fake.layer_size))
            && out.stderr.contains("dropped the connection"),
        "{}",
        out.stderr
    );
    assert!(out.elapsed < Duration::from_secs(30));
}

#[test]
fn reading_a_file_later_keeps_the_stall_timeout_the_image_loaded_with() {
    // The file viewer and ctrl+e download the layer again: with the options the image loaded
    // with, a registry that stalls fails after the 1 s given, not after the 30 s default.
    let fake = FakeRegistry::start(Fake::StallAfterFirstLayer);
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let opts = LoadOptions {
        registry_stall_timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let image = load_with(&reference, &opts);
    let started = std::time::Instant::now();
    let Err(err) =
        layerlens::source::extract::read_text(&image, 0, b"data/blob.bin", 1 << 20, &opts)
    else {
        panic!("the second download stalls: reading the file cannot succeed");
    };
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(10),
        "{waited:?}: {err}"
    );
    assert!(err.to_string().contains("1 s"), "{err}");
}

#[test]
fn registry_blob_with_the_wrong_digest() {
    let fake = FakeRegistry::start(Fake::WrongDigest);
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let err = load_err(&reference);
    match &err {
        Error::DigestMismatch { what, expected, .. } => {
            assert_eq!(what, "layer blob");
            assert_eq!(expected, &fake.layer_digest);
        }
        other => panic!("expected a digest mismatch, got: {other}"),
    }
    let out = layerlens(&[&reference], &[], Duration::from_secs(60));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "layer blob {} does not match its content",
            fake.layer_digest
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn registry_bearer_tokens_anonymous_and_with_credentials() {
    // Anonymous: the token service gives a pull token to anyone; the layer is read with it.
    let fake = FakeRegistry::start(Fake::Token { credentials: false });
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let empty = tempfile::tempdir().unwrap();
    let no_creds = [
        ("DOCKER_CONFIG", empty.path().to_str().unwrap()),
        ("REGISTRY_AUTH_FILE", ""),
    ];
    let out = layerlens(&["--json", "-", &reference], &no_creds, LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["layer"][0]["blobDigest"], fake.layer_digest.as_str());
    assert_eq!(json["image"]["sizeBytes"], 256 * 1024);

    // With credentials: the token service wants Basic user:pass, taken from DOCKER_CONFIG.
    let fake = FakeRegistry::start(Fake::Token { credentials: true });
    let reference = format!("registry://{}/fake/app:1", fake.addr);
    let out = layerlens(&[&reference], &no_creds, LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "registry {} requires credentials and none are configured for it",
            fake.addr
        )),
        "{}",
        out.stderr
    );
    let cfg = tempfile::tempdir().unwrap();
    let with_cfg = [
        ("DOCKER_CONFIG", cfg.path().to_str().unwrap()),
        ("REGISTRY_AUTH_FILE", ""),
    ];
    std::fs::write(
        cfg.path().join("config.json"),
        auths_json(&fake.addr, "user", "wrong"),
    )
    .unwrap();
    let out = layerlens(&[&reference], &with_cfg, LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "registry {} refused the credentials for user 'user'",
            fake.addr
        )) && !out.stderr.contains("wrong"),
        "{}",
        out.stderr
    );
    std::fs::write(
        cfg.path().join("config.json"),
        auths_json(&fake.addr, "user", "pass"),
    )
    .unwrap();
    let out = layerlens(
        &["--json", "-", &reference],
        &[
            ("DOCKER_CONFIG", cfg.path().to_str().unwrap()),
            ("REGISTRY_AUTH_FILE", ""),
        ],
        LIMIT,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["layer"][0]["blobDigest"], fake.layer_digest.as_str());
}

#[test]
fn registry_not_running_and_plain_http_refused_off_loopback() {
    // Nothing listens on port 1 of loopback.
    let out = layerlens(&["registry://127.0.0.1:1/app:1"], &[], LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot reach registry 127.0.0.1:1"),
        "{}",
        out.stderr
    );
    // A non-loopback name that cannot resolve: HTTPS only, and the error says why.
    let out = layerlens(&["registry://registry.invalid/app:1"], &[], LIMIT);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("over HTTPS") && out.stderr.contains("--insecure"),
        "{}",
        out.stderr
    );
}

/// Runs layerlens under `script`, so its stderr is a terminal; returns what the terminal got.
fn on_a_terminal(args: &str) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_layerlens"));
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("CI")
        .env("COLUMNS", "200")
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn progress_bar_only_on_a_terminal() {
    let tar = testdata("classic.docker.tar");
    let tty = on_a_terminal(&format!("--json /dev/null {}", tar.display()));
    // Drawn with carriage return + erase-line, counting layers and bytes of the known total,
    // then erased.
    assert!(tty.contains("\r\x1b[2K"), "{tty:?}");
    assert!(tty.contains("13 layers"), "{tty:?}");
    assert!(tty.contains(" / 4.36 MB"), "{tty:?}");
    assert!(tty.ends_with("\r\x1b[2K"), "{tty:?}");
    // Not a terminal: nothing on stderr.
    let piped = layerlens(&["--json", "/dev/null", tar.to_str().unwrap()], &[], LIMIT);
    assert_eq!((piped.code, piped.stderr.as_str()), (0, ""));
    require!(docker_up(), "the Docker daemon");
    docker_load("classic.docker.tar");
    // From the daemon the layer count is known up front.
    let tty = on_a_terminal("--json /dev/null docker://classic:latest");
    assert!(tty.contains("13/13 layers"), "{tty:?}");
}
