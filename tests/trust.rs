//! No false findings, and none missed: secrets known by their first bytes, no finding of 0
//! bytes (apt's empty lock is not a cache), and a group of overwrites that share only the root
//! named by its folders, never `/`.

mod common;

use common::advice::{docker_save_with, run};
use common::{bytes, F};

fn json(layers: &[Vec<F>], history: &[common::advice::Step]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar");
    std::fs::write(&p, docker_save_with(layers, history, "app")).unwrap();
    let (code, out, err) = common::layerlens(&["--format", "json", p.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["image"].clone()
}

const KEY: &[u8] =
    b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx3\n-----END RSA PRIVATE KEY-----\n";
const CERT: &[u8] =
    b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n";

#[test]
fn secrets_are_known_by_their_first_bytes_not_only_by_name() {
    let image = json(
        &[
            vec![
                F::File("etc/ssl/private/server.key", KEY.to_vec()),
                F::File(
                    "srv/certs/tls.pem",
                    [b"Bag Attributes\n".as_slice(), KEY].concat(),
                ),
                F::File("srv/certs/ca.pem", CERT.to_vec()),
                F::File(
                    "root/.config/containers/auth.json",
                    br#"{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz"}}}"#.to_vec(),
                ),
                F::File("srv/app/settings.json", br#"{"theme": "dark"}"#.to_vec()),
            ],
            vec![F::Whiteout("etc/ssl/private/server.key")],
        ],
        &[
            run("/bin/sh -c #(nop) COPY dir:abc in / "),
            run("/bin/sh -c rm /etc/ssl/private/server.key"),
        ],
    );
    let secrets: Vec<(String, String, bool)> = image["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["evidence"].as_str().unwrap().to_string(),
                s["visible"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        secrets,
        [
            (
                "etc/ssl/private/server.key".into(),
                "private-key".into(),
                false
            ),
            ("srv/certs/tls.pem".into(), "private-key".into(), true),
            (
                "root/.config/containers/auth.json".into(),
                "registry-credentials".into(),
                true
            ),
        ]
    );
    let messages: Vec<&str> = image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            // Largest first.
            "layer 0 (COPY dir:abc in /) writes /srv/certs/tls.pem, a private key (its first \
             bytes say so), and the image still has it",
            "layer 0 (COPY dir:abc in /) writes /etc/ssl/private/server.key, a private key (its \
             first bytes say so), and though a later layer deletes or replaces it, this copy \
             still ships in layer 0",
            "layer 0 (COPY dir:abc in /) writes /root/.config/containers/auth.json, registry \
             credentials (a JSON file with \"auths\"), and the image still has it",
        ]
    );
}

#[test]
fn no_finding_of_zero_bytes_and_apt_s_lock_is_not_a_cache() {
    // A well-built image: apt cleaned up, leaving its empty lock files and partial folders.
    let image = json(
        &[vec![
            F::File("usr/bin/curl", bytes(500, 1)),
            F::File("var/lib/apt/lists/lock", Vec::new()),
            F::Dir("var/lib/apt/lists/partial"),
            F::File("var/cache/apt/archives/lock", Vec::new()),
            F::Dir("var/cache/apt/archives/partial"),
            F::File("tmp/.keep", Vec::new()),
        ]],
        &[run(
            "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
        )],
    );
    assert_eq!(image["caches"], serde_json::json!([]));
    assert_eq!(image["cacheBytes"], 0);
    assert_eq!(image["findings"], serde_json::json!([]));
}

#[test]
fn overwrites_that_share_only_the_root_are_named_by_their_folders() {
    let image = json(
        &[
            vec![
                F::File("etc/app.conf", bytes(100, 1)),
                F::File("usr/lib/app.so", bytes(3000, 2)),
            ],
            vec![
                F::File("etc/app.conf", bytes(120, 3)),
                F::File("usr/lib/app.so", bytes(3100, 4)),
            ],
        ],
        &[
            run("/bin/sh -c make install"),
            run("/bin/sh -c make install-again"),
        ],
    );
    let g = &image["reclaimable"][0];
    assert_eq!(
        g["path"], "usr/lib/app.so",
        "the largest file, not the root"
    );
    assert_eq!(g["paths"], serde_json::json!(["etc", "usr"]));
    assert_eq!(g["sizeBytes"], 3100);
    let f = &image["findings"][0];
    assert_eq!(
        f["message"],
        "layer 1 (RUN make install-again) replaces 2 files from layer 0 (RUN make install) in \
         /etc and /usr (the largest /usr/lib/app.so): the old 3.10 kB still ship"
    );
}

/// A later install that upgrades a package of the base ships both versions; that is said, but
/// not counted in the estimate: the fixed image may well keep the old version.
#[test]
fn package_upgrades_are_said_and_not_claimed() {
    let status = |version: &str| {
        format!(
            "Package: liblzma5\nStatus: install ok installed\nPriority: required\nSection: libs\n\
             Installed-Size: 300\nMaintainer: Jonathan Nieder <jrnieder@gmail.com>\n\
             Architecture: amd64\nVersion: {version}\nDescription: XZ-format compression library\n \
             XZ is the successor to the Lempel-Ziv/Markov-chain Algorithm.\n"
        )
        .into_bytes()
    };
    let list = b"/.\n/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1\n".to_vec();
    // The old library, status file and list file.
    let old = (9_000 + status("5.4.1-0.2").len() + list.len()) as u64;
    let image = json(
        &[
            vec![
                F::File("usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", bytes(9000, 1)),
                F::File("var/lib/dpkg/status", status("5.4.1-0.2")),
                F::File("var/lib/dpkg/info/liblzma5:amd64.list", list.clone()),
            ],
            vec![
                F::File("usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", bytes(9100, 2)),
                F::File("var/lib/dpkg/status", status("5.4.1-1")),
                F::File("var/lib/dpkg/info/liblzma5:amd64.list", list),
            ],
        ],
        &[
            run("/bin/sh -c #(nop) ADD file:abc in / "),
            run("/bin/sh -c apt-get install -y xz-utils"),
        ],
    );
    let upgrade = image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("upgrades packages"))
        .unwrap();
    assert_eq!(
        upgrade["message"],
        "layer 1 (RUN apt-get install -y xz-utils) upgrades packages that layer 0 (ADD file:abc \
         in /) installed: the old versions' 9.34 kB (3 files) still ship"
    );
    assert_eq!(upgrade["severity"], "info");
    assert_eq!(upgrade["sizeBytes"], old);
    assert_eq!(upgrade["savingsBytes"], 0);
}

/// Nothing an image holds reaches a terminal raw: package names and versions, database
/// warnings, a history command, paths: every text output shows control characters escaped.
#[test]
fn text_outputs_never_carry_the_image_s_control_characters() {
    let status = b"Package: evil\x1b[2J\nStatus: install ok installed\nPriority: optional\n\
Architecture: amd64\nVersion: 1.0\x07\nDescription: x\n x\n"
        .to_vec();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.tar");
    let layers = vec![
        vec![
            F::File("var/lib/dpkg/status", status),
            F::File(
                "var/lib/dpkg/info/evil\x1b[2J.list",
                b"/usr/bin/evil\n".to_vec(),
            ),
            F::File("usr/bin/evil", bytes(300, 1)),
            F::File(
                "lib/apk/db/installed",
                b"P:x\x1b]0;pwned\x07\nV:\n\x00\xff".to_vec(),
            ),
        ],
        vec![F::File("tmp/\x1b[31mred", bytes(2000, 2))],
    ];
    std::fs::write(
        &p,
        docker_save_with(
            &layers,
            &[
                run("/bin/sh -c #(nop) ADD file:abc in / "),
                run("/bin/sh -c echo \x1b[2J\x07 > /tmp/x"),
            ],
            "",
        ),
    )
    .unwrap();
    let img = p.to_str().unwrap();
    for args in [
        vec!["--format", "text", img],
        vec![img],
        vec!["diff", img, img],
    ] {
        let (code, out, err) = common::layerlens(&args, None);
        assert_eq!(code, 0, "{err}");
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?}: {out:?}"
        );
        assert!(!err.chars().any(|c| c == '\x1b' || c == '\x07'), "{err:?}");
    }
    // Shown escaped, as paths are.
    let (_, text, _) = common::layerlens(&["--format", "text", img], None);
    assert!(text.contains(r"evil\x1b[2J 1.0\x07"), "{text}");
    assert!(text.contains(r"(RUN echo \x1b[2J\x07 > /tmp/x)"), "{text}");
}
