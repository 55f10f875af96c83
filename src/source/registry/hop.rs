//! Where a registry request may go. Every hop (the first URL, each redirect's target, each
//! token service a challenge names) is checked **before any connection is made**: HTTPS, or
//! plain HTTP only to a loopback host or with `--insecure`. Redirects are followed by the
//! client itself, at most [`MAX_REDIRECTS`] of them, and credentials are sent only to the
//! origin (scheme, host and port) they were meant for, never across a redirect to another.

use ureq::http::Uri;

use super::reference::is_loopback_host;

/// How many redirects one request may follow.
pub const MAX_REDIRECTS: usize = 10;

/// An absolute `http://` or `https://` URL, split into what the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub url: String,
    https: bool,
    /// As the URL spells it, lowercased; IPv6 addresses keep their brackets.
    host: String,
    port: u16,
}

impl Hop {
    /// Parses an absolute HTTP(S) URL; anything else (another scheme, no host) is `None`.
    pub fn parse(url: &str) -> Option<Hop> {
        let uri: Uri = url.parse().ok()?;
        let https = match uri.scheme_str()?.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host = uri.host().filter(|h| !h.is_empty())?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Hop {
            url: url.to_string(),
            https,
            host,
            port,
        })
    }

    /// `host:port`, as errors show it (never the path or query, which may hold signatures).
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Whether two URLs are the same origin: credentials meant for one may go to the other.
    pub fn same_origin(&self, other: &Hop) -> bool {
        self.https == other.https && self.host == other.host && self.port == other.port
    }

    /// Why this hop may not be taken, if it may not: plain HTTP off loopback without
    /// `--insecure`.
    pub fn refusal(&self, insecure: bool) -> Option<String> {
        if self.https || insecure || is_loopback_host(&self.host) {
            return None;
        }
        Some(format!(
            "{} is plain HTTP and not on loopback (plain HTTP is allowed only to localhost, \
             127.0.0.0/8 and ::1, or with --insecure)",
            self.host_port()
        ))
    }

    /// Resolves a redirect's `Location` against this URL.
    pub fn join(&self, location: &str) -> Option<Hop> {
        let location = location.trim();
        let scheme = if self.https { "https" } else { "http" };
        let absolute = if location.starts_with("//") {
            format!("{scheme}:{location}")
        } else if location.starts_with('/') {
            format!("{scheme}://{}{location}", self.authority())
        } else if has_scheme(location) {
            location.to_string()
        } else {
            // A relative path: beside the last segment of this URL's path.
            let path = self.path();
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            format!("{scheme}://{}{dir}{location}", self.authority())
        };
        Hop::parse(&absolute)
    }

    fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn path(&self) -> String {
        self.url
            .parse::<Uri>()
            .ok()
            .map(|u| u.path().to_string())
            .unwrap_or_else(|| "/".to_string())
    }
}

/// Whether a `Location` starts with a scheme (`http:`, `ftp:`, ...) rather than a path.
fn has_scheme(location: &str) -> bool {
    let Some((scheme, _)) = location.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether a status asks the client to fetch the same thing elsewhere.
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// A `Location` value fit for an error message: control characters escaped, cut short.
pub fn shown_location(location: &str) -> String {
    let escaped: String = location
        .chars()
        .take(200)
        .flat_map(char::escape_debug)
        .collect();
    if location.chars().count() > 200 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_or_when_insecure() {
        for ok in [
            "https://registry.example/v2/",
            "http://127.0.0.1:5000/v2/",
            "http://127.9.9.9/v2/",
            "http://localhost:5000/v2/",
            "http://[::1]:5000/v2/",
        ] {
            assert_eq!(Hop::parse(ok).unwrap().refusal(false), None, "{ok}");
        }
        let off = Hop::parse("http://192.0.2.1:5000/token").unwrap();
        let why = off.refusal(false).unwrap();
        assert!(
            why.starts_with("192.0.2.1:5000 is plain HTTP and not on loopback"),
            "{why}"
        );
        assert_eq!(off.refusal(true), None);
        assert!(Hop::parse("ftp://192.0.2.1/x").is_none());
        assert!(Hop::parse("/relative").is_none());
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Hop::parse("http://127.0.0.1:5000/v2/").unwrap();
        let same = Hop::parse("http://127.0.0.1:5000/v2/app/blobs/x").unwrap();
        let other_port = Hop::parse("http://127.0.0.1:5001/v2/").unwrap();
        let https = Hop::parse("https://127.0.0.1:5000/v2/").unwrap();
        assert!(a.same_origin(&same));
        assert!(!a.same_origin(&other_port));
        assert!(!a.same_origin(&https));
        let implicit = Hop::parse("https://Registry.Example/v2/").unwrap();
        let explicit = Hop::parse("https://registry.example:443/x").unwrap();
        assert!(implicit.same_origin(&explicit));
    }

    #[test]
    fn resolves_locations() {
        let base = Hop::parse("http://127.0.0.1:5000/v2/app/blobs/sha256:ab").unwrap();
        let cases = [
            ("/elsewhere/x", "http://127.0.0.1:5000/elsewhere/x"),
            ("//cdn.example/b?sig=1", "http://cdn.example/b?sig=1"),
            (
                "https://cdn.example/blob?sig=1",
                "https://cdn.example/blob?sig=1",
            ),
            ("other", "http://127.0.0.1:5000/v2/app/blobs/other"),
        ];
        for (location, want) in cases {
            assert_eq!(base.join(location).unwrap().url, want, "{location}");
        }
        assert!(base.join("file:///etc/passwd").is_none());
        assert!(base.join("javascript:alert(1)").is_none());
        assert_eq!(
            base.join("http://192.0.2.1:5000/x").unwrap().host_port(),
            "192.0.2.1:5000"
        );
    }

    #[test]
    fn escapes_what_it_shows_and_encodes_queries() {
        assert_eq!(shown_location("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            encode_query_value("repository:fake/app:pull"),
            "repository%3Afake%2Fapp%3Apull"
        );
    }
}
