//! Path patterns for caches and exclusions: `/`-separated segments, `*` and `?` within a
//! segment, `**` for any number of segments. Patterns and paths have no leading `/` (one is
//! stripped if given).

/// A compiled path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<String>,
    /// Segments without wildcards: a path must contain each one to match (a cheap test
    /// that rejects almost every path before the real match).
    literals: Vec<String>,
    /// The first segment, when it has no wildcard.
    first_literal: Option<String>,
    /// Whether the pattern has a `**` segment.
    deep: bool,
}

impl PathPattern {
    /// Compiles a pattern; `None` when it is empty.
    pub fn new(text: &str) -> Option<PathPattern> {
        let trimmed = text.trim().trim_start_matches('/').trim_end_matches('/');
        if trimmed.is_empty() {
            return None;
        }
        let segments: Vec<String> = trimmed.split('/').map(str::to_string).collect();
        let literals = segments
            .iter()
            .filter(|s| !s.contains(['*', '?']))
            .cloned()
            .collect();
        Some(PathPattern {
            text: trimmed.to_string(),
            first_literal: Some(segments[0].clone()).filter(|f| !f.contains(['*', '?'])),
            deep: segments.iter().any(|s| s == "**"),
            segments,
            literals,
        })
    }

    /// The pattern as written (without a leading `/`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first segment, when it has no wildcard: only paths that begin with it can match.
    pub fn first_literal(&self) -> Option<&str> {
        self.first_literal.as_deref()
    }

    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        self.match_root(path).is_some()
    }

    /// Whether `path` matches the pattern or lies below something that does (so `exclude:
    /// [var/cache]` covers `var/cache/x`).
    pub fn covers(&self, path: &str) -> bool {
        self.covers_parts(&split(path))
    }

    /// [`Self::covers`] for a path already split at `/`.
    pub fn covers_parts(&self, parts: &[&str]) -> bool {
        if !self.may_match(parts) {
            return false;
        }
        let pat: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        shortest_match(&pat, parts).is_some()
    }

    /// When `path` matches, how many of its leading segments name the thing that matched:
    /// up to where a trailing `**` begins (`var/lib/apt/lists/**` → `var/lib/apt/lists`,
    /// `**/.git/**` → `src/app/.git`), otherwise the path's parent directory.
    pub fn match_root(&self, path: &str) -> Option<usize> {
        self.match_root_parts(&split(path))
    }

    /// [`Self::match_root`] for a path already split at `/`.
    pub fn match_root_parts(&self, parts: &[&str]) -> Option<usize> {
        if !self.may_match(parts) {
            return None;
        }
        let pat: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        if pat.last() == Some(&"**") {
            let head = &pat[..pat.len() - 1];
            // The shortest prefix of the path that matches the head, with at least one
            // segment left below it.
            shortest_match(head, parts).filter(|&n| n < parts.len())
        } else if seg_match(&pat, parts) {
            Some(parts.len().saturating_sub(1))
        } else {
            None
        }
    }

    /// A necessary condition for a match: every literal segment occurs in the path, and a
    /// literal first segment is the path's first.
    fn may_match(&self, parts: &[&str]) -> bool {
        if let Some(first) = &self.first_literal {
            if parts.first() != Some(&first.as_str()) {
                return false;
            }
        }
        if !self.deep && parts.len() < self.segments.len() {
            return false;
        }
        self.literals.iter().all(|l| parts.contains(&l.as_str()))
    }
}

/// A path's segments (a leading `/` ignored).
pub fn split(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

fn seg_match(pat: &[&str], parts: &[&str]) -> bool {
    wildcard_match(
        pat,
        parts,
        |p| *p == "**",
        |p, s| name_match(p.as_bytes(), s.as_bytes()),
    )
}

/// The fewest leading segments of `parts` (one at least) that `pat` matches. A simulation of
/// the pattern as an automaton, one segment at a time: `pat.len() × parts.len()` steps at
/// most, where trying every prefix would be quadratic in the path's depth.
fn shortest_match(pat: &[&str], parts: &[&str]) -> Option<usize> {
    let star = |p: &str| p == "**";
    // active[i]: the first i pattern segments can match the segments consumed so far.
    let mut active = vec![false; pat.len() + 1];
    let mut next = vec![false; pat.len() + 1];
    active[0] = true;
    close_over_stars(&mut active, pat, star);
    for (n, part) in parts.iter().enumerate() {
        next.iter_mut().for_each(|a| *a = false);
        for i in 0..pat.len() {
            if !active[i] {
                continue;
            }
            if star(pat[i]) {
                next[i] = true;
            } else if name_match(pat[i].as_bytes(), part.as_bytes()) {
                next[i + 1] = true;
            }
        }
        close_over_stars(&mut next, pat, star);
        std::mem::swap(&mut active, &mut next);
        if active[pat.len()] {
            return Some(n + 1);
        }
        if !active.iter().any(|&a| a) {
            return None;
        }
    }
    None
}

/// A star may match nothing: whatever reaches it also reaches the segment after it.
fn close_over_stars(active: &mut [bool], pat: &[&str], star: impl Fn(&str) -> bool) {
    for i in 0..pat.len() {
        if active[i] && star(pat[i]) {
            active[i + 1] = true;
        }
    }
}

/// `*` and `?` within one path segment.
fn name_match(p: &[u8], s: &[u8]) -> bool {
    wildcard_match(p, s, |c| *c == b'*', |c, b| *c == b'?' || c == b)
}

/// Whether `items` match `pat`, where a pattern element `is_star` matches any run of items
/// (none included) and any other element matches one item when `one` says so. Iterative,
/// with the classic single backtrack point: at most `pat.len() × items.len()` steps, however
/// deep a path or long a name, and no recursion.
fn wildcard_match<P, S>(
    pat: &[P],
    items: &[S],
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, &S) -> bool,
) -> bool {
    let (mut p, mut i) = (0, 0);
    // After the last star seen: the pattern position after it, and the item it resumes at.
    let mut star: Option<(usize, usize)> = None;
    while i < items.len() {
        if p < pat.len() && is_star(&pat[p]) {
            p += 1;
            star = Some((p, i));
        } else if p < pat.len() && one(&pat[p], &items[i]) {
            p += 1;
            i += 1;
        } else if let Some((after, from)) = star {
            p = after;
            i = from + 1;
            star = Some((after, from + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(is_star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(p: &str, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.split('/').collect();
        PathPattern::new(p)
            .unwrap()
            .match_root(path)
            .map(|n| parts[..n].join("/"))
    }

    #[test]
    fn roots_name_the_cache_directory() {
        assert_eq!(
            root("var/lib/apt/lists/**", "var/lib/apt/lists/partial/x").as_deref(),
            Some("var/lib/apt/lists")
        );
        assert_eq!(
            root("**/.git/**", "app/.git/objects/ab/cd").as_deref(),
            Some("app/.git")
        );
        assert_eq!(
            root(
                "var/cache/apt/archives/*.deb",
                "var/cache/apt/archives/curl_8.deb"
            )
            .as_deref(),
            Some("var/cache/apt/archives")
        );
        assert_eq!(
            root("home/*/.cache/pip/**", "home/app/.cache/pip/x").as_deref(),
            Some("home/app/.cache/pip")
        );
        assert_eq!(root("var/lib/apt/lists/**", "var/lib/apt/lists"), None);
        assert_eq!(root("var/cache/apt/*.bin", "var/cache/apt/x/y.bin"), None);
        assert_eq!(root("a?c", "abc").as_deref(), Some(""));
    }

    #[test]
    fn covers_includes_everything_below() {
        let p = PathPattern::new("/var/cache/").unwrap();
        assert!(p.covers("var/cache/apk/x"));
        assert!(p.covers("var/cache"));
        assert!(!p.covers("var/cached"));
        assert!(PathPattern::new("  ").is_none());
    }
}
