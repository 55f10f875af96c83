//! Parsers for the package databases that ship inside images (dpkg, apk, rpm, Python, npm) and
//! for `os-release`. Each turns the bytes of one file into plain records; none knows of tars,
//! layers or images.
//!
//! **Every input is untrusted and no input panics.** A database that is truncated, garbage or
//! hostile gives a [`PkgDbError`] naming the database kind and what is wrong; the whole file is
//! refused, not the damaged record alone (a database that is damaged anywhere is not trusted
//! anywhere). The files that only refine another (`extended_states`, `world`, `.list`,
//! `installed-files.txt`, `os-release`) skip what they cannot read instead.
//!
//! Memory and time stay linear in the input: no count read from a file is allocated before it
//! is checked against the bytes that are left, and what rpm headers and apk's shared
//! directories expand to is held to a budget of four times the input. The constant is the
//! per-record cost of `String` and `Vec`: a pathological file of one-letter records (`a,a,a`
//! in a `Depends`) costs a few dozen bytes per input byte, so callers should cap each kind near
//! its real size (a dpkg status file is a few MB) rather than at the 256 MiB ceiling.
//!
//! Paths in records are relative to the image root: no leading `/`, no empty or `.`
//! components. A path whose `..` would climb above the root is dropped, not an error (see
//! [`normalize_path`]). Names that are not UTF-8 are kept with U+FFFD in place of the bad
//! bytes (package databases practically never hold such names).

pub mod apk;
pub mod dpkg;
pub mod npm;
pub mod os_release;
pub mod python;
pub mod rpm;

use std::cell::Cell;

use serde::{Deserialize, Serialize};

/// The package manager whose database a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Dpkg,
    Apk,
    Rpm,
    Python,
    Npm,
}

impl Ecosystem {
    /// The lowercase name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Dpkg => "dpkg",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::Python => "python",
            Ecosystem::Npm => "npm",
        }
    }
}

/// A package database that could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkgDbError {
    /// The bytes are not a database of the kind their path says, or the database is damaged
    /// (truncated, or its counts and offsets point outside it).
    #[error("{db}: {what}")]
    Malformed {
        /// The kind of database, as users know it ("dpkg status", "rpmdb.sqlite").
        db: &'static str,
        /// What is wrong, with a line number or offset where one helps.
        what: String,
    },
}

impl PkgDbError {
    pub(crate) fn malformed(db: &'static str, what: impl Into<String>) -> Self {
        PkgDbError::Malformed {
            db,
            what: what.into(),
        }
    }

    /// The kind of database that could not be read.
    pub fn database(&self) -> &'static str {
        match self {
            PkgDbError::Malformed { db, .. } => db,
        }
    }
}

/// Normalises a path from a package database to the image-root-relative form the layer index
/// uses: a leading `/` is dropped, empty and `.` components are removed, `..` removes the
/// component before it. Returns `None` for the root itself and for a path whose `..` would
/// climb above the root (such an entry names nothing inside the image).
pub fn normalize_path(path: &str) -> Option<String> {
    components(path)
        .filter(|parts| !parts.is_empty())
        .map(|parts| parts.join("/"))
}

/// Places `rel`, a path some database wrote relative to a directory (Python's RECORD and
/// installed-files.txt, npm's lockfile keys), in the image: joined to `base_dir` (a directory
/// relative to the image root) and normalised. An absolute `rel` is taken from the root.
/// `None` when the result climbs out of the root or is the root itself.
pub fn resolve_relative(base_dir: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        normalize_path(rel)
    } else {
        normalize_path(&format!("{base_dir}/{rel}"))
    }
}

/// The components of a path as [`normalize_path`] cleans it; empty for the root, `None` when
/// a `..` climbs above the root.
pub(crate) fn components(path: &str) -> Option<Vec<&str>> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts)
}

/// Bounds the memory a parser builds from what a file claims: strings and arrays whose counts
/// come from the file (rpm headers), and paths made by joining a shared directory to many names
/// (apk's `F:` + `R:`, rpm's `DIRNAMES` + `BASENAMES`). Without it, a hostile database with one
/// long directory and millions of one-byte names would expand quadratically, and a header of
/// empty strings would cost 24 bytes of `String` per byte. The allowance is four times the
/// input plus 1 MiB; real databases use about a third of it.
#[derive(Debug)]
pub(crate) struct AllocBudget {
    left: Cell<usize>,
}

impl AllocBudget {
    pub(crate) fn for_input(input_len: usize) -> Self {
        AllocBudget {
            left: Cell::new(input_len.saturating_mul(4).saturating_add(1 << 20)),
        }
    }

    /// Takes `n` bytes from the budget; false when the budget is spent.
    pub(crate) fn take(&self, n: usize) -> bool {
        match self.left.get().checked_sub(n) {
            Some(left) => {
                self.left.set(left);
                true
            }
            None => false,
        }
    }
}

/// Splits text into lines on `\n`, dropping a `\r` before it (files edited on Windows).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Deterministic pseudo-random inputs for the parsers' no-panic tests.
#[cfg(test)]
pub(crate) mod fuzz {
    /// xorshift64*: tiny and good enough to shake a parser.
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Self {
            Rng(seed | 1)
        }

        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        pub(crate) fn below(&mut self, n: usize) -> usize {
            if n == 0 {
                0
            } else {
                (self.next() % n as u64) as usize
            }
        }
    }

    /// `count` byte strings: random bytes, random bytes over an alphabet the text formats care
    /// about, truncations of `sample`, and copies of `sample` with a few bytes changed.
    pub(crate) fn inputs(sample: &[u8], alphabet: &[u8], count: usize) -> Vec<Vec<u8>> {
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15 ^ sample.len() as u64);
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let input = match i % 4 {
                0 => (0..rng.below(300)).map(|_| rng.next() as u8).collect(),
                1 => (0..rng.below(600))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect(),
                2 => sample[..rng.below(sample.len() + 1)].to_vec(),
                _ => {
                    let mut s = sample.to_vec();
                    for _ in 0..=rng.below(8) {
                        if s.is_empty() {
                            break;
                        }
                        let at = rng.below(s.len());
                        s[at] = if rng.below(2) == 0 {
                            rng.next() as u8
                        } else {
                            alphabet[rng.below(alphabet.len())]
                        };
                    }
                    s
                }
            };
            out.push(input);
        }
        out
    }

    /// Checks the path invariant every record keeps.
    pub(crate) fn assert_clean_path(path: &str) {
        assert!(!path.is_empty(), "empty path");
        assert!(!path.starts_with('/'), "leading slash: {path:?}");
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
            "unnormalised path: {path:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path("/usr/bin/ls").as_deref(), Some("usr/bin/ls"));
        assert_eq!(
            normalize_path("./etc//hosts/").as_deref(),
            Some("etc/hosts")
        );
        assert_eq!(
            normalize_path("usr/lib/../bin/x").as_deref(),
            Some("usr/bin/x")
        );
        assert_eq!(normalize_path("/."), None);
        assert_eq!(normalize_path(""), None);
        assert_eq!(normalize_path("/../etc/passwd"), None);
        assert_eq!(normalize_path("usr/../../etc"), None);
    }

    #[test]
    fn ecosystem_names_match_serde() {
        for eco in [
            Ecosystem::Dpkg,
            Ecosystem::Apk,
            Ecosystem::Rpm,
            Ecosystem::Python,
            Ecosystem::Npm,
        ] {
            let json = serde_json::to_string(&eco).unwrap();
            assert_eq!(json, format!("\"{}\"", eco.as_str()));
            assert_eq!(serde_json::from_str::<Ecosystem>(&json).unwrap(), eco);
        }
    }

    #[test]
    fn error_names_the_database() {
        let e = PkgDbError::malformed("dpkg status", "paragraph at line 3 has no Package field");
        assert_eq!(
            e.to_string(),
            "dpkg status: paragraph at line 3 has no Package field"
        );
        assert_eq!(e.database(), "dpkg status");
    }

    #[test]
    fn budget_runs_out() {
        let b = AllocBudget {
            left: Cell::new(10),
        };
        assert!(b.take(6));
        assert!(b.take(4));
        assert!(!b.take(1));
    }

    #[test]
    fn rng_is_deterministic_and_spread() {
        let mut a = fuzz::Rng::new(7);
        let mut b = fuzz::Rng::new(7);
        let xs: Vec<u64> = (0..100).map(|_| a.next()).collect();
        assert_eq!(xs, (0..100).map(|_| b.next()).collect::<Vec<_>>());
        let mut seen = xs.iter().map(|x| x % 16).collect::<Vec<_>>();
        seen.sort_unstable();
        seen.dedup();
        assert!(seen.len() > 12);
    }
}
