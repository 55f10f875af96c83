//! The tree's path filter: dive's regex over each row's full path (`/usr/bin/ls`), matched
//! incrementally down the tree. Each directory keeps the state of a lazy DFA after its own
//! path, and a child's state is its parent's advanced over `/name`, so filtering costs the
//! length of the names, not of every full path (quadratic in a tree 100,000 deep). Should the
//! lazy DFA give up (it may, on some Unicode word boundaries), the regex is run on the full
//! path instead, as before.

use regex::Regex;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::Input;

/// A compiled path filter.
#[derive(Debug, Clone)]
pub struct PathFilter {
    re: Regex,
    dfa: Option<DFA>,
    /// The text, when the pattern matches it literally: no regex metacharacter (or not a
    /// valid regex), and no U+FFFD, which the regex would also find where a path's bytes are
    /// not UTF-8.
    literal: Option<String>,
}

/// How far the filter got along one path.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    /// The DFA's state after the path (`None`: the DFA gave up; use the regex).
    state: Option<LazyStateID>,
    /// Whether a match already ended inside the path, so every path below it matches too.
    matched: bool,
}

impl PathFilter {
    /// The filter for a pattern: a regex, or, when the text is not a valid regex, the text
    /// matched literally. `None` for an empty pattern.
    pub fn new(pattern: &str) -> Option<PathFilter> {
        if pattern.is_empty() {
            return None;
        }
        let (re, literal) = match Regex::new(pattern) {
            Ok(re) => (re, regex::escape(pattern) == pattern),
            Err(_) => (Regex::new(&regex::escape(pattern)).ok()?, true),
        };
        let literal = (literal && !pattern.contains('\u{FFFD}')).then(|| pattern.to_string());
        let dfa = DFA::new(re.as_str()).ok();
        Some(PathFilter { re, dfa, literal })
    }

    /// The text the pattern matches literally, if it does: paths then match when they
    /// contain it.
    pub fn literal(&self) -> Option<&str> {
        self.literal.as_deref()
    }

    /// A cache for the DFA's states, for one walk over the tree.
    pub fn cache(&self) -> Option<Cache> {
        self.dfa.as_ref().map(DFA::create_cache)
    }

    /// The cursor at the root, before any `/name`.
    pub fn root(&self, cache: &mut Option<Cache>) -> Cursor {
        let state = match (&self.dfa, cache.as_mut()) {
            (Some(dfa), Some(cache)) => dfa.start_state_forward(cache, &Input::new("")).ok(),
            _ => None,
        };
        Cursor {
            state,
            matched: false,
        }
    }

    /// Advances `parent`'s cursor over `/name`; returns the child's cursor and whether the
    /// child's full path (`path`, already `/`-joined) matches.
    pub fn step(
        &self,
        cache: &mut Option<Cache>,
        parent: Cursor,
        name: &[u8],
        path: &[u8],
    ) -> (Cursor, bool) {
        if parent.matched {
            return (parent, true);
        }
        if let (Some(dfa), Some(cache), Some(mut sid)) = (&self.dfa, cache.as_mut(), parent.state) {
            let mut ok = true;
            let mut matched = false;
            for &b in std::iter::once(&b'/').chain(name) {
                match dfa.next_state(cache, sid, b) {
                    Ok(next) => sid = next,
                    Err(_) => {
                        ok = false;
                        break;
                    }
                }
                if sid.is_match() {
                    matched = true;
                    break;
                }
                if sid.is_dead() || sid.is_quit() {
                    ok = !sid.is_quit();
                    break;
                }
            }
            if ok {
                let here = matched
                    || (!sid.is_dead()
                        && dfa
                            .next_eoi_state(cache, sid)
                            .is_ok_and(|eoi| eoi.is_match()));
                let cursor = Cursor {
                    state: Some(sid),
                    matched,
                };
                return (cursor, here);
            }
        }
        let here = self.re.is_match(&String::from_utf8_lossy(path));
        (
            Cursor {
                state: None,
                matched: false,
            },
            here,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks `/a/b/...` component by component; returns which prefixes match.
    fn walk(pattern: &str, path: &str) -> Vec<bool> {
        let f = PathFilter::new(pattern).unwrap();
        let mut cache = f.cache();
        let mut cursor = f.root(&mut cache);
        let mut full = Vec::new();
        let mut out = Vec::new();
        for name in path.split('/').filter(|n| !n.is_empty()) {
            full.push(b'/');
            full.extend_from_slice(name.as_bytes());
            let (next, here) = f.step(&mut cache, cursor, name.as_bytes(), &full);
            // The incremental answer is the regex's on the whole path.
            assert_eq!(
                here,
                f.re.is_match(&String::from_utf8_lossy(&full)),
                "{pattern} {full:?}"
            );
            out.push(here);
            cursor = next;
        }
        out
    }

    #[test]
    fn agrees_with_the_regex_on_every_prefix() {
        assert_eq!(walk("bin", "/usr/bin/ls"), [false, true, true]);
        assert_eq!(walk(r"\.txt$", "/a.txt/b/c.txt"), [true, false, true]);
        assert_eq!(walk("^/usr/l", "/usr/lib/x"), [false, true, true]);
        assert_eq!(walk(r"\bls\b", "/usr/bin/ls/x"), [false, false, true, true]);
        assert_eq!(walk("a/b", "/a/b/c"), [false, true, true]);
        // Not a regex: matched literally.
        assert_eq!(walk("lib(", "/lib(/x"), [true, true]);
        assert_eq!(walk("é", "/café/x"), [true, true]);
    }
}
