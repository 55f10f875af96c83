//! Alpine's package database: `lib/apk/db/installed` (one paragraph of `K:value` lines per
//! installed package) and `etc/apk/world` (the names the user asked for).
//!
//! Only the text database of apk-tools 2 (and apk-tools 3, which still writes it) is read.
//! Files are `F:` (a directory) followed by `R:` lines (names in it); checksums (`Z:`,
//! `C:`), ownership (`a:`, `M:`) and descriptions are skipped.

use super::{components, lines, normalize_path, AllocBudget, PkgDbError};

const INSTALLED: &str = "apk installed";

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApkPackage {
    /// `P:`.
    pub name: String,
    /// `V:`, e.g. `1.36.1-r29`.
    pub version: String,
    /// `A:`, e.g. `x86_64`; empty when missing.
    pub architecture: String,
    /// `o:`, the aport the package was built from (`busybox` for `ssl_client`).
    pub origin: Option<String>,
    /// `I:`, in bytes.
    pub installed_size: Option<u64>,
    /// `D:` without version constraints, conflicts (`!name`) left out. Provider names such as
    /// `so:libc.musl-x86_64.so.1` and `cmd:sh` are kept as written.
    pub depends: Vec<String>,
    /// `p:` without versions (`cmd:getconf=1.2.5-r0` gives `cmd:getconf`).
    pub provides: Vec<String>,
    /// The directories the package owns (`F:`), relative to the image root.
    pub directories: Vec<String>,
    /// The files (`F:` + `/` + `R:`), relative to the image root.
    pub files: Vec<String>,
}

/// Parses `lib/apk/db/installed`.
///
/// A line that is not `K:value` or blank, a package without `P:`, or an `I:` that is not a
/// number makes the whole file an error. A file path that would climb out of the root is
/// dropped.
pub fn parse_installed(bytes: &[u8]) -> Result<Vec<ApkPackage>, PkgDbError> {
    let text = String::from_utf8_lossy(bytes);
    let budget = AllocBudget::for_input(bytes.len());
    let mut packages = Vec::new();
    let mut current: Option<(usize, ApkPackage)> = None;
    // The directory of the `R:` lines that follow, normalised ("" for the root); `None` when
    // the `F:` climbed out of the root, which drops its files.
    let mut dir: Option<String> = Some(String::new());

    for (i, line) in lines(&text).enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            if let Some((start, pkg)) = current.take() {
                packages.push(finish(start, pkg)?);
            }
            continue;
        }
        let (key, value) = match line.as_bytes() {
            [k, b':', ..] if k.is_ascii_alphabetic() => (*k, &line[2..]),
            _ => {
                let shown: String = line.chars().take(40).collect();
                return Err(PkgDbError::malformed(
                    INSTALLED,
                    format!(
                        "line {number}: '{}' is not a 'K:value' line",
                        shown.escape_debug()
                    ),
                ));
            }
        };
        let (_, pkg) = current.get_or_insert_with(|| {
            dir = Some(String::new());
            (number, ApkPackage::default())
        });
        match key {
            b'P' => pkg.name = value.to_string(),
            b'V' => pkg.version = value.to_string(),
            b'A' => pkg.architecture = value.to_string(),
            b'o' => pkg.origin = Some(value.to_string()),
            b'I' => {
                let size = value.trim().parse().map_err(|_| {
                    PkgDbError::malformed(
                        INSTALLED,
                        format!("line {number}: installed size '{value}' is not a number"),
                    )
                })?;
                pkg.installed_size = Some(size);
            }
            b'D' => pkg.depends = dependency_names(value),
            b'p' => pkg.provides = dependency_names(value),
            b'F' => {
                dir = components(value).map(|parts| parts.join("/"));
                if let Some(d) = dir.as_ref().filter(|d| !d.is_empty()) {
                    pkg.directories.push(d.clone());
                }
            }
            b'R' => {
                let path = match dir.as_deref() {
                    None => None,
                    Some("") => normalize_path(value),
                    Some(d) => normalize_path(&format!("{d}/{value}")),
                };
                if let Some(path) = path {
                    if !budget.take(path.len() + std::mem::size_of::<String>()) {
                        return Err(PkgDbError::malformed(
                            INSTALLED,
                            format!(
                                "line {number}: the file paths take more than 4 times the \
                                 database's size in memory; this is not a real package database"
                            ),
                        ));
                    }
                    pkg.files.push(path);
                }
            }
            _ => {}
        }
    }
    if let Some((start, pkg)) = current.take() {
        packages.push(finish(start, pkg)?);
    }
    Ok(packages)
}

fn finish(start: usize, pkg: ApkPackage) -> Result<ApkPackage, PkgDbError> {
    if pkg.name.is_empty() {
        return Err(PkgDbError::malformed(
            INSTALLED,
            format!("package at line {start} has no P: (name) line"),
        ));
    }
    Ok(pkg)
}

/// Names from a space-separated dependency list: constraints (`>=1.2`, `=1.2`, `~1.2`, `<2`)
/// and pinned repositories (`@edge`) are cut, conflicts (`!name`) are left out.
fn dependency_names(value: &str) -> Vec<String> {
    value
        .split_whitespace()
        .filter(|dep| !dep.starts_with('!'))
        .filter_map(|dep| {
            let end = dep.find(['<', '>', '=', '~', '@']).unwrap_or(dep.len());
            let name = &dep[..end];
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// Parses `etc/apk/world`: the packages installed explicitly, names only (`curl>=8` gives
/// `curl`, `foo@edge` gives `foo`, a conflict `!foo` is left out).
pub fn parse_world(bytes: &[u8]) -> Vec<String> {
    dependency_names(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    /// Three packages in the form apk-tools 2.14 writes `lib/apk/db/installed` on Alpine 3.20
    /// (written for this test in that form; fields, order and values follow what apk writes,
    /// file checksums shortened).
    const INSTALLED_SAMPLE: &str = "\
C:Q1f/8Fi6Lw2yfiUArkC7mGtPS8+Xw=
P:musl
V:1.2.5-r0
A:x86_64
S:411323
I:662528
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1712327606
c:6cc1fc4e4cc8dfc4a1d0e8bce8cdb6ea9a4a7c5b
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1xkLQ5YIKo5Jyl0gq6ZBrd0l0aUg=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

C:Q1ExS9ycMFJWwUCakBIfLuZDX1f3g=
P:busybox
V:1.36.1-r29
A:x86_64
S:512019
I:946176
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1716284410
c:1fd0e7a1d2ba9b5a5a6f4e0f3ab2e8d2b8b3e0a1
D:so:libc.musl-x86_64.so.1
p:cmd:busybox=1.36.1-r29
r:busybox-initscripts
F:bin
R:busybox
a:0:0:755
Z:Q1WUwBY0eOGgzhVxTZxu/MXjKvxs4=
F:etc
R:securetty
Z:Q1mB95Hq2NUTZ599RDiSsj9w5FrOU=
R:udhcpd.conf
Z:Q1EgLFjj67ou3eMqp4m3r2ZjnQ7QU=
F:etc/logrotate.d
R:acpid
Z:Q1TylyCINVmnS+A/Tead4vZhE7Bks=
F:usr
F:usr/share
F:usr/share/udhcpc
R:default.script
a:0:0:755
Z:Q1HWpG3eQD8Uoi4mks2E3SSvOAUhY=

C:Q1Y1yWvoNJN6Lc9Ey/Om5x2q4wI4s=
P:ssl_client
V:1.36.1-r29
A:x86_64
S:4731
I:14336
T:EXternal ssl_client for busybox wget
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1716284410
c:1fd0e7a1d2ba9b5a5a6f4e0f3ab2e8d2b8b3e0a1
D:so:libc.musl-x86_64.so.1 so:libcrypto.so.3 so:libssl.so.3 !busybox-extras>1.0 pkgconf>=1.2 bar~2 baz=3
i:busybox=1.36.1-r29 libssl3
p:cmd:ssl_client=1.36.1-r29
F:usr
F:usr/bin
R:ssl_client
a:0:0:755
Z:Q1v75wJJbE1VRXJCr4ZJLuJ0L7mBg=
";

    #[test]
    fn reads_installed_packages() {
        let pkgs = parse_installed(INSTALLED_SAMPLE.as_bytes()).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("musl", "1.2.5-r0"),
                ("busybox", "1.36.1-r29"),
                ("ssl_client", "1.36.1-r29")
            ]
        );
        let musl = &pkgs[0];
        assert_eq!(musl.architecture, "x86_64");
        assert_eq!(musl.installed_size, Some(662528));
        assert_eq!(musl.provides, ["so:libc.musl-x86_64.so.1"]);
        assert!(musl.depends.is_empty());
        assert_eq!(
            musl.files,
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );

        let busybox = &pkgs[1];
        assert_eq!(busybox.depends, ["so:libc.musl-x86_64.so.1"]);
        assert_eq!(busybox.provides, ["cmd:busybox"]);
        assert_eq!(
            busybox.files,
            [
                "bin/busybox",
                "etc/securetty",
                "etc/udhcpd.conf",
                "etc/logrotate.d/acpid",
                "usr/share/udhcpc/default.script"
            ]
        );
        assert_eq!(
            busybox.directories,
            [
                "bin",
                "etc",
                "etc/logrotate.d",
                "usr",
                "usr/share",
                "usr/share/udhcpc"
            ]
        );

        let ssl = &pkgs[2];
        assert_eq!(ssl.origin.as_deref(), Some("busybox"));
        assert_eq!(
            ssl.depends,
            [
                "so:libc.musl-x86_64.so.1",
                "so:libcrypto.so.3",
                "so:libssl.so.3",
                "pkgconf",
                "bar",
                "baz"
            ]
        );
        assert_eq!(ssl.files, ["usr/bin/ssl_client"]);
    }

    #[test]
    fn escaping_paths_are_dropped() {
        let db = "P:evil\nV:1\nF:../../etc\nR:shadow\nF:usr\nR:../../../root\nR:ok\n";
        let pkgs = parse_installed(db.as_bytes()).unwrap();
        assert_eq!(pkgs[0].files, ["usr/ok"]);
        assert_eq!(pkgs[0].directories, ["usr"]);
    }

    #[test]
    fn malformed_databases_say_where() {
        let e = parse_installed(b"P:a\nV:1\n\nV:2\nA:x86_64\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "apk installed: package at line 4 has no P: (name) line"
        );
        let e = parse_installed(b"P:a\nI:lots\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "apk installed: line 2: installed size 'lots' is not a number"
        );
        let e = parse_installed(b"P:a\nname=b\n").unwrap_err();
        assert!(
            e.to_string().starts_with("apk installed: line 2: 'name=b'"),
            "{e}"
        );
        assert_eq!(parse_installed(b"\n\n").unwrap(), vec![]);
    }

    #[test]
    fn a_long_shared_directory_cannot_blow_up_memory() {
        // One 64 KiB directory and 200,000 one-letter names would expand to 13 GB of paths.
        let mut db = format!("P:bomb\nF:{}\n", "d".repeat(65536));
        for _ in 0..200_000 {
            db.push_str("R:x\n");
        }
        let e = parse_installed(db.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("not a real package database"), "{e}");
    }

    #[test]
    fn reads_world() {
        let world = "alpine-baselayout\nbusybox\ncurl>=8.5\nfoo@edge\n!bar\nca-certificates\n";
        assert_eq!(
            parse_world(world.as_bytes()),
            [
                "alpine-baselayout",
                "busybox",
                "curl",
                "foo",
                "ca-certificates"
            ]
        );
    }

    #[test]
    fn random_and_damaged_input_never_panics() {
        let alphabet = b"PVAIDFRpoZa:=>~!@/.. \n\n0123456789so:cmd:";
        let mut errors = 0;
        for input in fuzz::inputs(INSTALLED_SAMPLE.as_bytes(), alphabet, 3000) {
            match parse_installed(&input) {
                Ok(pkgs) => {
                    for p in &pkgs {
                        assert!(!p.name.is_empty());
                        p.files.iter().for_each(|f| fuzz::assert_clean_path(f));
                        p.directories
                            .iter()
                            .for_each(|d| fuzz::assert_clean_path(d));
                    }
                }
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.database(), "apk installed");
                }
            }
            assert!(parse_world(&input).iter().all(|w| !w.is_empty()));
        }
        assert!(errors > 100, "garbage must be refused, got {errors} errors");
    }
}
