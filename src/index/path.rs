//! Layer entry paths: normalisation as Docker applies it when it unpacks a layer, and escaping
//! for display. Paths are bytes (a Linux file name need not be UTF-8).

use std::fmt::Write;

/// Why an entry path cannot be placed in the image filesystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("entry name '{0}' climbs out of the image root with '..'")]
    EscapesRoot(String),
    #[error("entry name contains a NUL byte")]
    Nul,
    #[error(
        "entry name '{name}' is {depth} components deep; layerlens reads paths of at most \
         {MAX_DEPTH} components"
    )]
    TooDeep { name: String, depth: usize },
}

/// The deepest path layerlens accepts, in components. Linux cannot open a path longer than
/// 4,096 bytes in one call, so Docker extracts nothing deeper than about 2,048 components; the
/// limit is far above that, and every part of layerlens is iterative up to it (tested at
/// 100,000). A name is also at most 1 MiB long (`tarstream`).
pub const MAX_DEPTH: usize = 200_000;

/// A name for an error message: escaped, and cut after 120 characters with its length, so a
/// 1 MiB name still makes a one-line error.
pub fn escape_short(name: &[u8]) -> String {
    const SHOWN: usize = 120;
    if name.len() <= SHOWN {
        return escape(name);
    }
    let mut cut = SHOWN;
    while cut > 0 && !name.is_char_boundary_at(cut) {
        cut -= 1;
    }
    format!("{}... ({} bytes)", escape(&name[..cut]), name.len())
}

/// Whether `i` starts a UTF-8 character (or is past a byte that is not UTF-8).
trait CharBoundary {
    fn is_char_boundary_at(&self, i: usize) -> bool;
}

impl CharBoundary for [u8] {
    fn is_char_boundary_at(&self, i: usize) -> bool {
        self.get(i).is_none_or(|&b| (b as i8) >= -0x40)
    }
}

/// Normalises a tar entry name the way Docker's `UnpackLayer` places it under the root:
/// `./` prefixes, empty and `.` components are dropped, `..` pops a component, a leading `/`
/// is relative to the root (where `..` stays at the root). A relative name that climbs above
/// the root is refused, as Docker refuses it. The result has no leading or trailing `/`;
/// the root itself is the empty path.
pub fn normalize(name: &[u8]) -> Result<Vec<u8>, PathError> {
    if name.contains(&0) {
        return Err(PathError::Nul);
    }
    // Most names are already normal (`usr/bin/env`, a directory's `usr/bin/`): copied as they
    // are, without splitting them into a list and joining it again.
    let trimmed = name.strip_suffix(b"/").unwrap_or(name);
    if !trimmed.is_empty()
        && memchr::memchr_iter(b'/', trimmed).count() < MAX_DEPTH
        && trimmed
            .split(|&b| b == b'/')
            .all(|part| !matches!(part, b"" | b"." | b".."))
    {
        return Ok(trimmed.to_vec());
    }
    normalize_parts(name)
}

/// [`normalize`] component by component, for every name.
fn normalize_parts(name: &[u8]) -> Result<Vec<u8>, PathError> {
    let rooted = name.first() == Some(&b'/');
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in name.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                if parts.pop().is_none() && !rooted {
                    return Err(PathError::EscapesRoot(escape_short(name)));
                }
            }
            other => parts.push(other),
        }
    }
    if parts.len() > MAX_DEPTH {
        return Err(PathError::TooDeep {
            name: escape_short(name),
            depth: parts.len(),
        });
    }
    Ok(parts.join(&b'/'))
}

/// The last component of a normalised path (the whole path when it has no `/`).
pub fn file_name(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// How many leading bytes `a` and `b` share, compared eight at a time (paths sorted next to
/// each other share most of theirs).
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let word = |s: &[u8], i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let mut i = 0;
    while i + 8 <= n {
        let diff = word(a, i) ^ word(b, i);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// The parent of a normalised path (empty for a top-level name).
pub fn parent(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[..i],
        None => b"",
    }
}

/// Shows a path as text: valid UTF-8 as is, control characters and bytes that are not UTF-8
/// as `\xNN`, so every name is printable and distinct names stay distinct.
pub fn escape(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    escape_into(&mut out, path);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, path: &[u8]) {
    // Printable ASCII, by far the most common, is its own escape.
    if path.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        if let Ok(plain) = std::str::from_utf8(path) {
            out.push_str(plain);
            return;
        }
    }
    for chunk in path.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The shared prefix, eight bytes at a time, is the one a byte at a time finds, for
        /// lengths around the word's and the difference anywhere.
        #[test]
        fn common_prefix_is_the_bytewise_one(
            a in proptest::collection::vec(0u8..4, 0..40),
            b in proptest::collection::vec(0u8..4, 0..40),
            shared in 0usize..40,
        ) {
            // Mostly equal heads, so that long prefixes are common.
            let mut b = b;
            for (i, x) in a.iter().take(shared).enumerate() {
                if i < b.len() {
                    b[i] = *x;
                }
            }
            let naive = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            prop_assert_eq!(common_prefix(&a, &b), naive);
            prop_assert_eq!(common_prefix(&b, &a), naive);
        }
    }

    fn n(s: &str) -> Result<String, PathError> {
        normalize(s.as_bytes()).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn cleans_like_docker() {
        assert_eq!(n("./etc//passwd").unwrap(), "etc/passwd");
        assert_eq!(n("usr/lib/").unwrap(), "usr/lib");
        assert_eq!(n("./").unwrap(), "");
        assert_eq!(n("a/b/../c").unwrap(), "a/c");
        assert_eq!(n("/etc/hosts").unwrap(), "etc/hosts");
        assert_eq!(n("/../../etc/hosts").unwrap(), "etc/hosts");
    }

    /// The shortcut for names already normal gives what the component walk gives, on every
    /// name of up to 7 characters over `a`, `.` and `/`.
    #[test]
    fn the_shortcut_agrees_with_the_walk() {
        let mut names = vec![Vec::new()];
        for _ in 0..7 {
            let longer: Vec<Vec<u8>> = names
                .iter()
                .filter(|n| n.len() == names.last().map_or(0, |l| l.len()))
                .flat_map(|n| b"a./".iter().map(move |&c| [&n[..], &[c]].concat()))
                .collect();
            names.extend(longer);
        }
        assert_eq!(names.len(), 1 + 3 + 9 + 27 + 81 + 243 + 729 + 2187);
        for name in &names {
            assert_eq!(
                normalize(name).map_err(|e| e.to_string()),
                normalize_parts(name).map_err(|e| e.to_string()),
                "{}",
                String::from_utf8_lossy(name)
            );
        }
    }

    #[test]
    fn refuses_escapes() {
        assert!(matches!(n("../etc/passwd"), Err(PathError::EscapesRoot(_))));
        assert!(matches!(n("a/../../b"), Err(PathError::EscapesRoot(_))));
    }

    #[test]
    fn escapes_non_utf8_and_controls() {
        assert_eq!(escape(b"caf\xc3\xa9"), "café");
        assert_eq!(escape(b"bad\xff\xfename"), "bad\\xff\\xfename");
        assert_eq!(escape(b"new\nline"), "new\\x0aline");
    }

    #[test]
    fn the_ascii_shortcut_escapes_as_the_walk_does() {
        // Every string of one or two bytes, and each byte inside printable text.
        let walk = |p: &[u8]| {
            let mut out = String::new();
            for chunk in p.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if c.is_control() {
                        let mut buf = [0u8; 4];
                        for b in c.encode_utf8(&mut buf).bytes() {
                            out.push_str(&format!("\\x{b:02x}"));
                        }
                    } else {
                        out.push(c);
                    }
                }
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            out
        };
        for a in 0..=255u8 {
            let text = [b'a', b'-', a, b'z'];
            assert_eq!(escape(&text), walk(&text));
            assert_eq!(escape(&[a]), walk(&[a]));
            for b in 0..=255u8 {
                assert_eq!(escape(&[a, b]), walk(&[a, b]));
            }
        }
        assert_eq!(escape(b"tab\there"), "tab\\x09here");
        assert_eq!(escape(b"del\x7f"), "del\\x7f");
    }

    #[test]
    fn splits_names() {
        assert_eq!(file_name(b"a/b/c"), b"c");
        assert_eq!(parent(b"a/b/c"), b"a/b");
        assert_eq!(parent(b"a"), b"");
    }
}
