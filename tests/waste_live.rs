//! Waste analysis on real images built by the Docker daemon: one made the classic wrong ways
//! (apt lists and .debs left behind, a pip cache, a large file deleted in a later layer, a
//! directory deleted later, `.git` copied in, running as root) and its fixed twin (cleanup in
//! the same RUN, no pip cache, a multi-stage build, a `.dockerignore`, a non-root user). No
//! network: busybox `dd` writes the files apt-get and pip would leave, where they leave them.
//! Asserts the exact bytes of each finding, the budgets' verdicts and exit codes, and the diff.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::live::*;

const LIMIT: Duration = Duration::from_secs(120);
const WRONG: &str = "layerlens-waste-wrong:test";
const FIXED: &str = "layerlens-waste-fixed:test";
const LABEL: &str = "layerlens-test=waste";

const WRONG_DOCKERFILE: &str = r#"FROM scratch
LABEL layerlens-test=waste
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
# apt-get update && apt-get install, no cleanup
RUN mkdir -p /var/lib/apt/lists/partial /var/cache/apt/archives \
 && dd if=/dev/urandom of=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages bs=1024 count=300 2>/dev/null \
 && dd if=/dev/urandom of=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease bs=1024 count=20 2>/dev/null \
 && dd if=/dev/urandom of=/var/cache/apt/archives/curl_7.88.1-10_amd64.deb bs=1024 count=100 2>/dev/null
# pip install without --no-cache-dir
RUN mkdir -p /root/.cache/pip/http/a/b /usr/local/lib/python3.11/site-packages/requests \
 && dd if=/dev/urandom of=/root/.cache/pip/http/a/b/0f3c9e1d bs=1024 count=200 2>/dev/null \
 && dd if=/dev/urandom of=/usr/local/lib/python3.11/site-packages/requests/api.py bs=1024 count=50 2>/dev/null
# a large download, deleted in a later layer
RUN mkdir -p /data && dd if=/dev/urandom of=/data/model.bin bs=1024 count=1024 2>/dev/null
# a build directory, deleted in a later layer
RUN mkdir -p /build/obj \
 && dd if=/dev/urandom of=/build/obj/main.o bs=1024 count=64 2>/dev/null \
 && dd if=/dev/urandom of=/build/app bs=1024 count=32 2>/dev/null \
 && mkdir -p /usr/local/bin && cp /build/app /usr/local/bin/app
COPY app/ /app/
RUN rm /data/model.bin
RUN rm -rf /build
"#;

const FIXED_DOCKERFILE: &str = r#"FROM scratch AS build
LABEL layerlens-test=waste
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /build/obj \
 && dd if=/dev/urandom of=/build/obj/main.o bs=1024 count=64 2>/dev/null \
 && dd if=/dev/urandom of=/build/app bs=1024 count=32 2>/dev/null

FROM scratch
LABEL layerlens-test=waste
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
# update, install and clean up in one RUN
RUN mkdir -p /var/lib/apt/lists/partial /var/cache/apt/archives \
 && dd if=/dev/urandom of=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages bs=1024 count=300 2>/dev/null \
 && dd if=/dev/urandom of=/var/cache/apt/archives/curl_7.88.1-10_amd64.deb bs=1024 count=100 2>/dev/null \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
# pip install --no-cache-dir: only the installed package
RUN mkdir -p /usr/local/lib/python3.11/site-packages/requests \
 && dd if=/dev/urandom of=/usr/local/lib/python3.11/site-packages/requests/api.py bs=1024 count=50 2>/dev/null
# download, use and delete in one RUN
RUN mkdir -p /data && dd if=/dev/urandom of=/data/model.bin bs=1024 count=1024 2>/dev/null && rm /data/model.bin
COPY --from=build /build/app /usr/local/bin/app
COPY app/ /app/
USER 1000
"#;

/// Bytes of the app's files (`main.py`, `util.py`) and of its `.git` (HEAD, one pack).
const MAIN_PY: usize = 3000;
const UTIL_PY: usize = 1500;
const GIT_HEAD: usize = 23;
const GIT_PACK: usize = 20_000;
/// A `.env` with a token in it, copied in with the app by the wrong image.
const DOT_ENV: &[u8] = b"API_TOKEN=not-a-real-token-0123456789\n";

fn context(dir: &Path, dockerfile: &str, dockerignore: bool) {
    std::fs::copy("/bin/busybox", dir.join("busybox")).unwrap();
    std::fs::create_dir_all(dir.join("app/.git/objects/pack")).unwrap();
    std::fs::write(dir.join("app/main.py"), common::bytes(MAIN_PY, 1)).unwrap();
    std::fs::write(dir.join("app/util.py"), common::bytes(UTIL_PY, 2)).unwrap();
    std::fs::write(dir.join("app/.git/HEAD"), common::bytes(GIT_HEAD, 3)).unwrap();
    std::fs::write(
        dir.join("app/.git/objects/pack/pack-1.pack"),
        common::bytes(GIT_PACK, 4),
    )
    .unwrap();
    std::fs::write(dir.join("app/.env"), DOT_ENV).unwrap();
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    if dockerignore {
        std::fs::write(dir.join(".dockerignore"), "app/.git\napp/.env\n").unwrap();
    }
}

fn docker() -> Command {
    let mut c = Command::new(docker_cli());
    c.env("DOCKER_HOST", docker_host())
        .env("DOCKER_BUILDKIT", "0");
    c
}

fn build(tag: &str, dockerfile: &str, dockerignore: bool) {
    let ctx = tempfile::tempdir().unwrap();
    context(ctx.path(), dockerfile, dockerignore);
    run(docker().args(["build", "-q", "-t", tag]).arg(ctx.path()));
}

/// Removes the test's images (both tags and the untagged build stage) even when a test fails.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker().args(["rmi", "-f", WRONG, FIXED]).output();
        if let Ok(out) = docker()
            .args(["images", "-q", "--filter", &format!("label={LABEL}")])
            .output()
        {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = docker().args(["rmi", "-f"]).args(&ids).output();
            }
        }
    }
}

fn json_of(out: &Outcome) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr))
}

#[test]
fn wrong_and_fixed_images_from_a_real_daemon() {
    require!(docker_up(), "the Docker daemon");
    let _cleanup = Cleanup;
    build(WRONG, WRONG_DOCKERFILE, false);
    build(FIXED, FIXED_DOCKERFILE, true);
    let busybox = std::fs::metadata("/bin/busybox").unwrap().len();
    let k = 1024u64;
    let wrong = format!("docker://{WRONG}");
    let fixed = format!("docker://{FIXED}");
    let app = (MAIN_PY + UTIL_PY) as u64;
    let git = (GIT_HEAD + GIT_PACK) as u64;

    // The wrong image: every mistake, with the bytes it costs.
    let out = layerlens(&["--format", "json", &wrong], &[], LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    let i = &v["image"];
    let layers = 9;
    assert_eq!(i["layerCount"], layers);
    // The build layer holds main.o (64 KiB), app (32 KiB) and its copy in /usr/local/bin.
    let env = DOT_ENV.len() as u64;
    let size = busybox + 420 * k + 250 * k + 1024 * k + 128 * k + app + git + env;
    assert_eq!(i["sizeBytes"], size);
    assert_eq!(i["reclaimableBytes"], 1024 * k + 96 * k);
    assert_eq!(
        i["reclaimableBytes"].as_u64().unwrap(),
        i["shippedFileBytes"].as_u64().unwrap() - i["visibleFileBytes"].as_u64().unwrap()
    );
    let findings: Vec<(String, Option<u64>, Option<u64>, u64)> = i["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["layer"].as_u64(),
                f["hiddenByLayer"].as_u64(),
                f["sizeBytes"].as_u64().unwrap(),
            )
        })
        .collect();
    let f = |kind: &str, layer: Option<u64>, hid: Option<u64>, bytes: u64| {
        (kind.to_string(), layer, hid, bytes)
    };
    assert_eq!(
        findings,
        [
            f("deleted-later", Some(4), Some(7), 1024 * k),
            f("cache", Some(2), None, 320 * k),
            f("cache", Some(3), None, 200 * k),
            f("cache", Some(2), None, 100 * k),
            f("directory-deleted-later", Some(5), Some(8), 96 * k),
            // The COPY brought .git and .env in: a .dockerignore keeps both out.
            f("dockerignore", Some(6), None, git + env),
            f("secret", Some(6), None, env),
            f("root-user", None, None, 0),
        ]
    );
    let messages: Vec<&str> = i["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].starts_with("layer 4 (RUN mkdir -p /data && dd if=/dev/urandom of=/data/")
            && messages[0].ends_with(
                ") adds a 1.05 MB file /data/model.bin that layer 7 (RUN rm /data/model.bin) \
                 deletes: the bytes still ship"
            ),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("of apt lists that the image still ships at /var/lib/apt/lists"));
    assert!(
        messages[5].starts_with("layer 6 (COPY dir:")
            && messages[5].contains(") copies 20.1 kB that a .dockerignore would keep out of the image (version control 20.0 kB, .env files 38 B)"),
        "{}",
        messages[5]
    );
    assert!(
        messages[6].ends_with(") writes /app/.env, a likely secret, and the image still has it"),
        "{}",
        messages[6]
    );
    assert_eq!(i["secrets"][0]["path"], "app/.env");
    let caches: Vec<(&str, u64)> = i["caches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["sizeBytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        caches,
        [
            ("apt-lists", 320 * k),
            ("pip", 200 * k),
            ("apt-archives", 100 * k),
            ("git", git)
        ]
    );

    // The fixed twin: nothing to report.
    let out = layerlens(&["--format", "json", &fixed], &[], LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json_of(&out);
    let i = &v["image"];
    assert_eq!(i["sizeBytes"], busybox + 50 * k + 32 * k + app);
    assert_eq!(i["reclaimableBytes"], 0);
    assert_eq!(i["cacheBytes"], 0);
    assert_eq!(i["findings"], serde_json::json!([]));
    assert_eq!(i["user"], "1000");

    // Budgets: the wrong image fails them, the fixed one passes, and the exit codes say so.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: disabled\n\
         layerlens:\n  budgets:\n    maxImageSize: 3MB\n    maxLayerSize: 2MiB\n    \
         maxReclaimableBytes: 100KiB\n    maxCacheBytes: 10KB\n    maxGrowth: 100kB\n",
    )
    .unwrap();
    let ci = |image: &str| {
        let cfg = dir.path().join(".dive-ci");
        layerlens(
            &[
                "--ci",
                "--ci-config",
                cfg.to_str().unwrap(),
                "--baseline",
                &fixed,
                "--format",
                "junit",
                image,
            ],
            &[],
            LIMIT,
        )
    };
    let out = ci(&wrong);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for (budget, failed) in [
        ("maxImageSize", size > 3_000_000),
        ("maxLayerSize", false),
        ("maxReclaimableBytes", true),
        ("maxCacheBytes", true),
        ("maxGrowth", true),
    ] {
        let case = format!("<testcase classname=\"layerlens.budgets\" name=\"{budget}\"");
        let at = out
            .stdout
            .find(&case)
            .unwrap_or_else(|| panic!("{budget}: {}", out.stdout));
        let rest = &out.stdout[at + case.len()..];
        assert_eq!(
            rest.starts_with(">\n      <failure"),
            failed,
            "{budget}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout.contains(&format!(
            "reclaimable bytes (shipped but hidden): 1.15 MB ({} bytes), 1.04 MB ({} bytes) over \
             the budget of 102 kB (102400 bytes)",
            1120 * k,
            1120 * k - 102_400
        )),
        "{}",
        out.stdout
    );
    let out = ci(&fixed);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("failures=\"0\""), "{}", out.stdout);

    // The diff between them.
    let out = layerlens(&["diff", &wrong, &fixed, "--format", "json"], &[], LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = json_of(&out);
    assert_eq!(d["sizeBytes"]["a"], size);
    assert_eq!(
        d["reclaimableBytes"],
        serde_json::json!({"a": 1120 * k, "b": 0})
    );
    assert_eq!(
        d["cacheBytes"],
        serde_json::json!({"a": 620 * k + git, "b": 0})
    );
    // The busybox COPY and install layers are identical tars in both images.
    assert_eq!(d["sharedLayers"], 2);
    let removed: Vec<&str> = d["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == "removed")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        [
            "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
            "root/.cache/pip/http/a/b/0f3c9e1d",
            "var/cache/apt/archives/curl_7.88.1-10_amd64.deb",
            "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
            "app/.git/objects/pack/pack-1.pack",
            "app/.env",
            "app/.git/HEAD",
        ]
    );
    assert_eq!(d["filesAdded"], 0);

    // One image from the daemon and from a `docker save` tarball of it: nothing differs.
    let saved = tempfile::tempdir().unwrap();
    let tar = saved.path().join("wrong.tar");
    run(docker().args(["save", "-o"]).arg(&tar).arg(WRONG));
    let archive = format!("docker-archive:{}", tar.display());
    let out = layerlens(&["diff", &wrong, &archive, "--format", "json"], &[], LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = json_of(&out);
    assert_eq!(d["sharedLayers"], layers);
    assert_eq!(d["sizeBytes"], serde_json::json!({"a": size, "b": size}));
    for key in [
        "filesAdded",
        "filesRemoved",
        "filesGrown",
        "filesShrunk",
        "filesChanged",
    ] {
        assert_eq!(d[key], 0, "{key}");
    }
}
