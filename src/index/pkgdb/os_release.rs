//! `etc/os-release` and `usr/lib/os-release`: which distribution an image is built on.
//!
//! The format is shell-like `KEY=value` lines (os-release(5)): values may be quoted with `"`
//! or `'`, and backslash escapes `$`, `"`, `\` and `` ` `` inside double quotes. Lines that are
//! not assignments are skipped, so any bytes give a result.

/// Where os-release lives, in the order systemd reads them (the first that exists wins).
pub const PATHS: &[&str] = &["etc/os-release", "usr/lib/os-release"];

/// The fields layerlens uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID`: `debian`, `alpine`, `fedora`...; `linux` when missing, as os-release(5) says.
    pub id: String,
    /// `ID_LIKE`: the distributions this one derives from (`rhel centos fedora`).
    pub id_like: Vec<String>,
    /// `NAME`: `Debian GNU/Linux`.
    pub name: Option<String>,
    /// `VERSION`: `12 (bookworm)`.
    pub version: Option<String>,
    /// `VERSION_ID`: `12`, `3.20.3`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`: `bookworm`.
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`: `Debian GNU/Linux 12 (bookworm)`.
    pub pretty_name: Option<String>,
}

/// Parses os-release. Empty values count as missing.
pub fn parse(bytes: &[u8]) -> OsRelease {
    let text = String::from_utf8_lossy(bytes);
    let mut os = OsRelease {
        id: String::new(),
        id_like: Vec::new(),
        name: None,
        version: None,
        version_id: None,
        version_codename: None,
        pretty_name: None,
    };
    for line in super::lines(&text) {
        let line = line.trim_start();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(raw);
        let slot = match key {
            "ID" => {
                os.id = value;
                continue;
            }
            "ID_LIKE" => {
                os.id_like = value.split_whitespace().map(str::to_string).collect();
                continue;
            }
            "NAME" => &mut os.name,
            "VERSION" => &mut os.version,
            "VERSION_ID" => &mut os.version_id,
            "VERSION_CODENAME" => &mut os.version_codename,
            "PRETTY_NAME" => &mut os.pretty_name,
            _ => continue,
        };
        *slot = (!value.is_empty()).then_some(value);
    }
    if os.id.is_empty() {
        os.id = "linux".to_string();
    }
    os
}

/// A value as the shell reads it: quotes removed, escapes applied, an unquoted blank or `#`
/// ends it (the rest of the line is a comment or a second word os-release does not allow).
fn unquote(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), _) => out.push(c),
            (Some(_), '\\') => match chars.next() {
                Some(n @ ('$' | '"' | '\\' | '`')) => out.push(n),
                Some('\n') | None => {}
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
            },
            (Some(_), _) => out.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '\\') => out.extend(chars.next()),
            (None, c) if c.is_whitespace() || c == '#' => break,
            (None, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;

    /// Debian bookworm's `usr/lib/os-release`.
    const DEBIAN: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"#;

    /// Alpine 3.20's `etc/os-release`.
    const ALPINE: &str = r#"NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
"#;

    /// Fedora 40's container image `usr/lib/os-release`.
    const FEDORA: &str = r#"NAME="Fedora Linux"
VERSION="40 (Container Image)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40 (Container Image)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
DOCUMENTATION_URL="https://docs.fedoraproject.org/en-US/fedora/f40/system-administrators-guide/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
REDHAT_BUGZILLA_PRODUCT="Fedora"
REDHAT_BUGZILLA_PRODUCT_VERSION=40
REDHAT_SUPPORT_PRODUCT="Fedora"
REDHAT_SUPPORT_PRODUCT_VERSION=40
SUPPORT_END=2025-05-13
VARIANT="Container Image"
VARIANT_ID=container
"#;

    #[test]
    fn reads_debian() {
        let os = parse(DEBIAN.as_bytes());
        assert_eq!(os.id, "debian");
        assert!(os.id_like.is_empty());
        assert_eq!(os.name.as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(os.version.as_deref(), Some("12 (bookworm)"));
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn reads_alpine_and_fedora() {
        let alpine = parse(ALPINE.as_bytes());
        assert_eq!(alpine.id, "alpine");
        assert_eq!(alpine.version_id.as_deref(), Some("3.20.3"));
        assert_eq!(alpine.version_codename, None);
        assert_eq!(alpine.pretty_name.as_deref(), Some("Alpine Linux v3.20"));

        let fedora = parse(FEDORA.as_bytes());
        assert_eq!(fedora.id, "fedora");
        assert_eq!(fedora.version_id.as_deref(), Some("40"));
        assert_eq!(fedora.version_codename, None, "an empty value is missing");
        assert_eq!(fedora.version.as_deref(), Some("40 (Container Image)"));
    }

    #[test]
    fn reads_id_like_quotes_and_escapes() {
        let text = "# Rocky-style\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n\
                    NAME='Single Quoted \\ name'\nPRETTY_NAME=\"say \\\"hi\\\" for \\$5 \\n\"\n\
                    VERSION=plain\\ word # comment\nVERSION_ID=\"unterminated\n";
        let os = parse(text.as_bytes());
        assert_eq!(os.id, "rocky");
        assert_eq!(os.id_like, ["rhel", "centos", "fedora"]);
        assert_eq!(os.name.as_deref(), Some("Single Quoted \\ name"));
        assert_eq!(os.pretty_name.as_deref(), Some("say \"hi\" for $5 \\n"));
        assert_eq!(os.version.as_deref(), Some("plain word"));
        assert_eq!(os.version_id.as_deref(), Some("unterminated"));
    }

    #[test]
    fn missing_id_is_linux() {
        assert_eq!(parse(b"").id, "linux");
        assert_eq!(parse(b"ID=\n").id, "linux");
    }

    #[test]
    fn random_and_damaged_input_never_panics() {
        let mut debian_ids = 0;
        for input in fuzz::inputs(DEBIAN.as_bytes(), b"=\"'\\\n #IDNAME_$`", 3000) {
            let os = parse(&input);
            assert!(!os.id.is_empty());
            debian_ids += usize::from(os.id == "debian");
        }
        // Truncations past the ID line and most mutations keep it.
        assert!(debian_ids > 300, "{debian_ids}");
    }
}
