//! Escaping for the HTML report. **Every string that comes from an image goes through
//! [`image_text`]**: control characters and bytes that are not UTF-8 become `\xNN` (as in the
//! terminal outputs), then `& < > " '` become entities, so the same function is safe in text,
//! in attribute values and in SVG `<title>`s. No string from an image is ever put in a
//! `<script>` or `<style>`.

use std::borrow::Cow;

use crate::index::path;

/// `& < > " '` as entities; everything else as it is. For text we wrote ourselves, or text
/// already passed through [`path::escape`].
pub fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text from an image (a file name, a command, a message naming paths): control characters
/// as `\xNN`, then [`html`]. Idempotent on its own `\xNN` (a backslash is not a control
/// character).
pub fn image_text(s: &str) -> String {
    if s.chars().any(char::is_control) {
        html(&path::escape(s.as_bytes())).into_owned()
    } else {
        html(s).into_owned()
    }
}

/// Longest path shown whole; a longer one keeps its head and tail around `…`.
const MAX_PATH_CHARS: usize = 240;

/// A path (or name) from the index, control characters and bytes that are not UTF-8 as `\xNN`,
/// then entities; its middle cut out past
/// [`MAX_PATH_CHARS`] characters (a path can be 100,000 folders deep).
pub fn image_path(b: &[u8]) -> String {
    let shown = path::escape(b);
    let n = shown.chars().count();
    if n <= MAX_PATH_CHARS {
        return html(&shown).into_owned();
    }
    let head: String = shown.chars().take(MAX_PATH_CHARS / 3).collect();
    let tail: String = shown.chars().skip(n - MAX_PATH_CHARS * 2 / 3).collect();
    html(&format!("{head}…{tail}")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_control_bytes_never_pass() {
        assert_eq!(html("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert!(matches!(html("plain"), Cow::Borrowed("plain")));
        assert_eq!(
            image_text("<script>alert(\"x\")</script>\x1b[31m\n"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\\x1b[31m\\x0a"
        );
        assert_eq!(image_path(b"a\xffb<"), "a\\xffb&lt;");
        assert_eq!(image_text(&path::escape(b"\x07")), "\\x07");
        let deep = "a/".repeat(100_000) + "leaf";
        let shown = image_path(deep.as_bytes());
        assert_eq!(shown.chars().count(), 241);
        assert!(shown.starts_with("a/a/") && shown.ends_with("/a/leaf") && shown.contains('…'));
    }
}
