//! Debian's package database: `var/lib/dpkg/status` (and distroless's one-package files in
//! `var/lib/dpkg/status.d/`), the file lists `var/lib/dpkg/info/<pkg>[:<arch>].list`, and apt's
//! `var/lib/apt/extended_states` (which packages were installed only as dependencies).
//!
//! All three are deb822 paragraphs (`Field: value` lines, continuation lines start with a space
//! or tab, paragraphs separated by blank lines) or plain lines. Only the fields layerlens uses
//! are kept: no descriptions, no checksums, no conffiles.

use std::borrow::Cow;

use super::{lines, normalize_path, PkgDbError};

const STATUS: &str = "dpkg status";

/// One package paragraph of a dpkg status file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DpkgPackage {
    pub name: String,
    /// Empty when the paragraph has no `Version` (only for packages that are not installed).
    pub version: String,
    /// `amd64`, `all`...; empty when the paragraph has none.
    pub architecture: String,
    /// The last word of `Status` is `installed` ("install ok installed"). A paragraph without
    /// `Status` counts as installed: distroless writes one file per installed package, made
    /// with `dpkg-deb --field`, which has no `Status`.
    pub installed: bool,
    /// `Essential: yes`.
    pub essential: bool,
    pub priority: Option<String>,
    /// `Installed-Size`, in KiB as dpkg counts them.
    pub installed_size_kib: Option<u64>,
    /// The source package's name, without the version `Source` may carry (`bash (5.2.15-2)`).
    pub source: Option<String>,
    /// Each inner list is one group of alternatives (`a | b`), names only.
    pub depends: Vec<Vec<String>>,
    pub pre_depends: Vec<Vec<String>>,
    pub recommends: Vec<Vec<String>>,
    pub suggests: Vec<Vec<String>>,
    /// Virtual package names this package provides, names only.
    pub provides: Vec<String>,
}

/// One paragraph of apt's `extended_states`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedState {
    pub name: String,
    pub architecture: Option<String>,
    /// `Auto-Installed: 1`: apt installed it only to satisfy a dependency.
    pub auto: bool,
}

/// Parses `var/lib/dpkg/status` or a distroless `var/lib/dpkg/status.d/<name>` file.
///
/// A line that is neither a field, a continuation nor blank, a paragraph without `Package`, or
/// an `Installed-Size` that is not a number makes the whole file an error: such a file was not
/// written by dpkg.
pub fn parse_status(bytes: &[u8]) -> Result<Vec<DpkgPackage>, PkgDbError> {
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    for_each_paragraph(&text, Some(STATUS), |start, fields| {
        packages.push(status_paragraph(start, fields)?);
        Ok(())
    })?;
    Ok(packages)
}

fn status_paragraph(start: usize, fields: &[Field<'_>]) -> Result<DpkgPackage, PkgDbError> {
    let mut pkg = DpkgPackage {
        installed: true,
        ..DpkgPackage::default()
    };
    let mut has_name = false;
    for field in fields {
        let value = field.value.trim();
        match field.name.to_ascii_lowercase().as_str() {
            "package" => {
                pkg.name = value.to_string();
                has_name = !value.is_empty();
            }
            "version" => pkg.version = value.to_string(),
            "architecture" => pkg.architecture = value.to_string(),
            "status" => pkg.installed = value.split_whitespace().last() == Some("installed"),
            "essential" => pkg.essential = value.eq_ignore_ascii_case("yes"),
            "priority" => pkg.priority = Some(value.to_string()),
            "installed-size" => {
                let kib = value.parse().map_err(|_| {
                    PkgDbError::malformed(
                        STATUS,
                        format!(
                            "line {}: Installed-Size '{value}' is not a number",
                            field.line
                        ),
                    )
                })?;
                pkg.installed_size_kib = Some(kib);
            }
            "source" => {
                pkg.source = value.split_whitespace().next().map(str::to_string);
            }
            "depends" => pkg.depends = relations(value),
            "pre-depends" => pkg.pre_depends = relations(value),
            "recommends" => pkg.recommends = relations(value),
            "suggests" => pkg.suggests = relations(value),
            "provides" => pkg.provides = relations(value).into_iter().flatten().collect(),
            _ => {}
        }
    }
    if !has_name {
        return Err(PkgDbError::malformed(
            STATUS,
            format!("paragraph at line {start} has no Package field"),
        ));
    }
    Ok(pkg)
}

/// Parses a dependency field into groups of alternatives, names only: `libc6 (>= 2.36),
/// debconf | debconf-2.0, python3:any [amd64] <!nocheck>` gives `[[libc6], [debconf,
/// debconf-2.0], [python3]]`.
fn relations(value: &str) -> Vec<Vec<String>> {
    value
        .split(',')
        .map(|group| {
            group
                .split('|')
                .filter_map(|alt| {
                    let alt = alt.trim();
                    let end = alt
                        .find(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '<'))
                        .unwrap_or(alt.len());
                    let name = &alt[..end];
                    let name = name.split(':').next().unwrap_or(name);
                    (!name.is_empty()).then(|| name.to_string())
                })
                .collect::<Vec<_>>()
        })
        .filter(|group| !group.is_empty())
        .collect()
}

/// Parses a `.list` file: one absolute path per line, directories included. Paths come back
/// relative to the image root; the root itself (`/.`) and paths that climb out of it are
/// dropped.
pub fn parse_list(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    lines(&text).filter_map(normalize_path).collect()
}

/// The package (and architecture, for multi-arch packages) a `.list` file belongs to, from
/// its path: `var/lib/dpkg/info/libc6:amd64.list` gives `("libc6", Some("amd64"))`. `None`
/// when the file name is not `<name>[:<arch>].list`.
pub fn list_file_package(path: &str) -> Option<(String, Option<String>)> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".list")?;
    let (name, arch) = match stem.split_once(':') {
        Some((name, arch)) => {
            if arch.is_empty() || arch.contains(':') {
                return None;
            }
            (name, Some(arch.to_string()))
        }
        None => (stem, None),
    };
    (!name.is_empty()).then(|| (name.to_string(), arch))
}

/// Parses apt's `var/lib/apt/extended_states`. Lines that are not fields and paragraphs
/// without `Package` are skipped: the file only refines what the status file says.
pub fn parse_extended_states(bytes: &[u8]) -> Vec<ExtendedState> {
    let text = String::from_utf8_lossy(bytes);
    let mut states = Vec::new();
    let _ = for_each_paragraph(&text, None, |_, fields| {
        let mut name = None;
        let mut architecture = None;
        let mut auto = false;
        for field in fields {
            let value = field.value.trim();
            match field.name.to_ascii_lowercase().as_str() {
                "package" if !value.is_empty() => name = Some(value.to_string()),
                "architecture" if !value.is_empty() => architecture = Some(value.to_string()),
                "auto-installed" => auto = value == "1",
                _ => {}
            }
        }
        if let Some(name) = name {
            states.push(ExtendedState {
                name,
                architecture,
                auto,
            });
        }
        Ok(())
    });
    states
}

/// One `Name: value` field. `value` holds the first line, plus the continuation lines of
/// relationship fields (which deb822 allows to be folded); the continuation lines of other
/// fields carry descriptions and conffiles, which layerlens does not keep.
struct Field<'a> {
    name: &'a str,
    value: Cow<'a, str>,
    line: usize,
}

/// Fields whose continuation lines are part of the value layerlens reads.
fn is_folded_relation(name: &str) -> bool {
    [
        "depends",
        "pre-depends",
        "recommends",
        "suggests",
        "provides",
    ]
    .iter()
    .any(|f| name.eq_ignore_ascii_case(f))
}

/// Calls `f` with each paragraph's first line number and fields. With `strict` naming the
/// database, a line that is neither a field, a continuation of one nor blank is an error;
/// without, such lines are skipped.
fn for_each_paragraph<'a>(
    text: &'a str,
    strict: Option<&'static str>,
    mut f: impl FnMut(usize, &[Field<'a>]) -> Result<(), PkgDbError>,
) -> Result<(), PkgDbError> {
    let mut fields: Vec<Field<'a>> = Vec::new();
    let mut start = 0;
    for (i, line) in lines(text).enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            if !fields.is_empty() {
                f(start, &fields)?;
                fields.clear();
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match fields.last_mut() {
                Some(last) if is_folded_relation(last.name) => {
                    let value = last.value.to_mut();
                    value.push(' ');
                    value.push_str(line.trim());
                }
                Some(_) => {}
                None => {
                    if let Some(db) = strict {
                        return Err(PkgDbError::malformed(
                            db,
                            format!("line {number}: continuation line with no field before it"),
                        ));
                    }
                }
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                if fields.is_empty() {
                    start = number;
                }
                fields.push(Field {
                    name,
                    value: Cow::Borrowed(value),
                    line: number,
                });
            }
            _ => {
                if let Some(db) = strict {
                    let shown: String = line.chars().take(40).collect();
                    return Err(PkgDbError::malformed(
                        db,
                        format!(
                            "line {number}: '{}' is not a 'Field: value' line",
                            shown.escape_debug()
                        ),
                    ));
                }
            }
        }
    }
    if !fields.is_empty() {
        f(start, &fields)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    /// Six paragraphs of a Debian bookworm `var/lib/dpkg/status`, as dpkg wrote them.
    const STATUS_SAMPLE: &[u8] = include_bytes!("../../../tests/fixtures/pkgdb/dpkg-status");

    /// `dpkg-deb --field base-files_12.4+deb12u15_amd64.deb`: what distroless puts in
    /// `var/lib/dpkg/status.d/base-files`.
    const DISTROLESS_BASE_FILES: &str = "\
Package: base-files
Version: 12.4+deb12u15
Architecture: amd64
Essential: yes
Maintainer: Santiago Vila <sanvila@debian.org>
Installed-Size: 341
Pre-Depends: awk
Breaks: debian-security-support (<< 2019.04.25), initscripts (<< 2.88dsf-13.3), sendfile (<< 2.1b.20080616-5.2~)
Replaces: base, dpkg (<= 1.15.0), miscutils
Provides: base
Section: admin
Priority: required
Multi-Arch: foreign
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system, and
 several important miscellaneous files, such as /etc/debian_version,
 /etc/host.conf, /etc/issue, /etc/motd, /etc/profile, and others,
 and the text of several common licenses in use on Debian systems.
";

    fn names(groups: &[Vec<String>]) -> Vec<Vec<&str>> {
        groups
            .iter()
            .map(|g| g.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn reads_a_real_status_file() {
        let pkgs = parse_status(STATUS_SAMPLE).unwrap();
        let got: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            got,
            ["base-files", "bash", "libc6", "libgcc-s1", "mawk", "zlib1g"]
        );
        assert!(pkgs
            .iter()
            .all(|p| p.installed && p.architecture == "amd64"));

        let bash = &pkgs[1];
        assert_eq!(bash.version, "5.2.15-2+b8");
        assert!(bash.essential);
        assert_eq!(bash.priority.as_deref(), Some("required"));
        assert_eq!(bash.installed_size_kib, Some(7164));
        assert_eq!(bash.source.as_deref(), Some("bash"));
        assert_eq!(names(&bash.depends), [["base-files"], ["debianutils"]]);
        assert_eq!(names(&bash.pre_depends), [["libc6"], ["libtinfo6"]]);
        assert_eq!(names(&bash.recommends), [["bash-completion"]]);
        assert_eq!(names(&bash.suggests), [["bash-doc"]]);

        let libc = &pkgs[2];
        assert!(!libc.essential);
        assert_eq!(libc.source.as_deref(), Some("glibc"));
        assert_eq!(libc.suggests.len(), 6);
        assert_eq!(libc.suggests[1], ["debconf", "debconf-2.0"]);

        assert_eq!(pkgs[3].provides, ["libgcc1"]);
        assert_eq!(pkgs[4].provides, ["awk"]);
        assert_eq!(pkgs[5].version, "1:1.2.13.dfsg-1");
        assert_eq!(pkgs[5].source.as_deref(), Some("zlib"));
        assert_eq!(pkgs[0].source, None);
    }

    #[test]
    fn reads_a_distroless_status_d_file() {
        let pkgs = parse_status(DISTROLESS_BASE_FILES.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 1);
        let p = &pkgs[0];
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("base-files", "12.4+deb12u15")
        );
        assert!(p.installed, "no Status field means installed");
        assert!(p.essential);
        assert_eq!(names(&p.pre_depends), [["awk"]]);
        assert_eq!(p.provides, ["base"]);
    }

    #[test]
    fn config_files_only_is_not_installed() {
        let text = "Package: old\r\nStatus: deinstall ok config-files\r\nVersion: 1\r\n\r\n\
                    Package: half\nStatus: install reinstreq half-installed\nVersion: 2\n";
        let pkgs = parse_status(text.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert!(!pkgs[0].installed);
        assert_eq!(pkgs[0].version, "1");
        assert!(!pkgs[1].installed);
    }

    #[test]
    fn reads_folded_relationship_fields() {
        let text = "Package: a\nDepends: libc6 (>= 2.36),\n libssl3 | libssl1.1,\n\tzlib1g\n\
                    Description: short\n long text: with a colon\n";
        let pkgs = parse_status(text.as_bytes()).unwrap();
        assert_eq!(
            names(&pkgs[0].depends),
            vec![vec!["libc6"], vec!["libssl3", "libssl1.1"], vec!["zlib1g"]]
        );
    }

    #[test]
    fn strips_versions_arches_and_profiles() {
        let r = relations("python3:any (>= 3.11~), libfoo [amd64 i386] | libbar <!nocheck>, , x");
        assert_eq!(
            names(&r),
            vec![vec!["python3"], vec!["libfoo", "libbar"], vec!["x"]]
        );
    }

    #[test]
    fn malformed_status_files_say_where() {
        let e = parse_status(b"Package: a\n\nVersion: 1\nArchitecture: all\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dpkg status: paragraph at line 3 has no Package field"
        );
        let e = parse_status(b"Package: a\nInstalled-Size: abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "dpkg status: line 2: Installed-Size 'abc' is not a number"
        );
        let e = parse_status(b"Package: a\nno colon here\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("dpkg status: line 2: 'no colon here'"),
            "{e}"
        );
        let e = parse_status(b" leading continuation\n").unwrap_err();
        assert!(e.to_string().contains("line 1: continuation"), "{e}");
        assert_eq!(parse_status(b"").unwrap(), vec![]);
    }

    #[test]
    fn reads_a_real_list_file() {
        // var/lib/dpkg/info/libgcc-s1:amd64.list on Debian bookworm.
        let list = "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libgcc_s.so.1\n/usr\n\
                    /usr/share\n/usr/share/doc\n/usr/share/lintian\n/usr/share/lintian/overrides\n\
                    /usr/share/lintian/overrides/libgcc-s1\n/usr/share/doc/libgcc-s1\n";
        let paths = parse_list(list.as_bytes());
        assert_eq!(paths.len(), 10, "the root is dropped");
        assert_eq!(paths[0], "lib");
        assert_eq!(paths[2], "lib/x86_64-linux-gnu/libgcc_s.so.1");
        assert_eq!(paths[9], "usr/share/doc/libgcc-s1");
        assert_eq!(
            parse_list(b"/../etc/shadow\n/usr/./bin//x\n"),
            ["usr/bin/x"]
        );
    }

    #[test]
    fn names_list_files() {
        let p = |s| list_file_package(s);
        assert_eq!(
            p("var/lib/dpkg/info/libc6:amd64.list"),
            Some(("libc6".into(), Some("amd64".into())))
        );
        assert_eq!(
            p("var/lib/dpkg/info/mawk.list"),
            Some(("mawk".into(), None))
        );
        assert_eq!(p("var/lib/dpkg/info/mawk.md5sums"), None);
        assert_eq!(p("var/lib/dpkg/info/.list"), None);
        assert_eq!(p("x/libc6:.list"), None);
        assert_eq!(p("x/a:b:c.list"), None);
    }

    #[test]
    fn reads_real_extended_states() {
        // The head of var/lib/apt/extended_states on Debian bookworm, plus a package the user
        // marked manual again (apt writes Auto-Installed: 0 then).
        let text = "Package: dpkg\nArchitecture: amd64\nAuto-Installed: 1\n\n\
                    Package: libsmartcols1\nArchitecture: amd64\nAuto-Installed: 1\n\n\
                    Package: curl\nArchitecture: amd64\nAuto-Installed: 0\n\n\
                    garbage line\nArchitecture: amd64\n";
        let states = parse_extended_states(text.as_bytes());
        assert_eq!(states.len(), 3);
        assert_eq!(states[0].name, "dpkg");
        assert_eq!(states[0].architecture.as_deref(), Some("amd64"));
        assert!(states[0].auto && states[1].auto && !states[2].auto);
    }

    #[test]
    fn random_and_damaged_input_never_panics() {
        let alphabet = b"Package: Status installed Depends ( ) | , : \n\n \t-Installed-Size 12ab";
        let mut errors = 0;
        for input in fuzz::inputs(STATUS_SAMPLE, alphabet, 3000) {
            match parse_status(&input) {
                Ok(pkgs) => assert!(pkgs.iter().all(|p| !p.name.is_empty())),
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.database(), "dpkg status");
                }
            }
            for path in parse_list(&input) {
                fuzz::assert_clean_path(&path);
            }
            assert!(parse_extended_states(&input)
                .iter()
                .all(|s| !s.name.is_empty()));
        }
        assert!(errors > 100, "garbage must be refused, got {errors} errors");
    }
}
