//! The reports on generated images: the human text, JUnit and GitHub output well-formed
//! whatever the paths hold, and colour only on a terminal, never with NO_COLOR.

mod common;

use std::process::Command;

use common::wasteful::{wasteful, write};
use common::{bytes, layerlens, F};

#[test]
fn text_report_names_sizes_and_fixes_without_colour_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let img = write(dir.path(), "w.tar", &wasteful());
    let (code, out, _) = layerlens(&["--format", "text", img.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(!out.contains('\x1b'));
    assert!(
        out.contains("Size: 14.9 kB (14923 bytes) in 8 layers\n"),
        "{out}"
    );
    assert!(out.contains("Reclaimable: 6.20 kB (6200 bytes)"), "{out}");
    assert!(out.contains(
        "  warning: layer 7 (RUN step 7) leaves a 2.02 kB git repository at /app/.git\n      fix: clone with --depth 1 and remove .git in the same RUN, or clone in a build stage and COPY --from only the files\n"
    ), "{out}");
    assert!(
        out.contains(
            "  5.00 kB  /data/big.bin  (1 file, written by layer 3, deleted by layer 4)\n"
        ),
        "{out}"
    );
    assert!(!out.contains("Results:"), "no verdicts outside CI mode");
}

/// Every `&` in `xml` starts an entity, and no `<` or `"` sits inside an attribute value or
/// text where it does not belong: what an XML parser needs to read the document.
fn assert_well_formed_text(xml: &str) {
    for (i, _) in xml.match_indices('&') {
        let rest = &xml[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare & at {i}: {xml}"
        );
    }
    // Between tags, no markup characters; inside a tag, attribute values hold no < or >.
    let mut in_tag = false;
    let mut in_value = false;
    for c in xml.chars() {
        match (in_tag, in_value, c) {
            (false, _, '<') => in_tag = true,
            (false, _, '>') => panic!("bare > in text: {xml}"),
            (true, false, '>') => in_tag = false,
            (true, _, '"') => in_value = !in_value,
            (true, true, '<' | '>') => panic!("markup in an attribute value: {xml}"),
            _ => {}
        }
    }
    assert!(!in_tag && !in_value);
}

#[test]
fn junit_and_github_escape_what_paths_hold() {
    let dir = tempfile::tempdir().unwrap();
    let odd = "srv/R&D <\"50%\">";
    let layers = vec![
        vec![F::Dir("bin"), F::File("bin/sh", bytes(1000, 1))],
        vec![F::File(
            Box::leak(format!("{odd}/.git/objects/p").into_boxed_str()),
            bytes(600, 2),
        )],
    ];
    let img = write(dir.path(), "odd.tar", &layers);
    let img = img.to_str().unwrap();
    std::fs::write(
        dir.path().join(".layerlens.yaml"),
        "budgets: {maxCacheBytes: 500}\n",
    )
    .unwrap();
    let (code, out, err) = layerlens(&["--format", "junit", img], Some(dir.path()));
    assert_eq!(code, 1, "{err}");
    assert_well_formed_text(&out);
    assert!(
        out.contains(
            "Warning: layer 1 (RUN step 1) leaves a 600 B git repository at \
             /srv/R&amp;D &lt;&quot;50%&quot;&gt;/.git: clone with --depth 1 and remove .git in \
             the same RUN, or clone in a build stage and COPY --from only the files\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("name=\"maxCacheBytes\">\n      <failure message=\"cache bytes (caches and leftovers still visible): 600 bytes, 100 bytes over the budget of 500 bytes\""),
        "{out}"
    );

    let (code, out, _) = layerlens(&["--format", "github", img], Some(dir.path()));
    assert_eq!(code, 1);
    let git = out
        .lines()
        .find(|l| l.starts_with("::warning title=layerlens git::"))
        .unwrap();
    assert_eq!(
        git,
        "::warning title=layerlens git::layer 1 (RUN step 1) leaves a 600 B git repository at \
         /srv/R&D <\"50%25\">/.git: clone with --depth 1 and remove .git in the same RUN, or \
         clone in a build stage and COPY --from only the files"
    );
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), stdout and stderr merged;
/// `None` when `script` is not installed.
fn on_a_terminal(args: &str, no_color: bool) -> Option<String> {
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} {args}", env!("CARGO_BIN_EXE_layerlens")),
        "/dev/null",
    ])
    .env_remove("CI")
    .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn colour_on_a_terminal_only_and_never_with_no_color() {
    let img = common::testdata("classic.docker.tar");
    let args = format!("--format text {}", img.display());
    let Some(tty) = on_a_terminal(&args, false) else {
        common::skip("util-linux's script is not installed");
        return;
    };
    assert!(
        tty.contains("\x1b[1mSize:\x1b[0m 4.12 MB (4123785 bytes) in 13 layers"),
        "{tty:?}"
    );
    let plain = on_a_terminal(&args, true).unwrap();
    assert!(
        plain.contains("\nSize: 4.12 MB (4123785 bytes) in 13 layers"),
        "{plain:?}"
    );
    // The progress bar's line clearing on stderr is all that is left: no SGR codes.
    assert!(
        !plain.contains("\x1b[1m") && !plain.contains("m\x1b[0m"),
        "{plain:?}"
    );
    let (_, piped, _) = layerlens(&args.split(' ').collect::<Vec<_>>(), None);
    assert!(!piped.contains('\x1b'));
}
