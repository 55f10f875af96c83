//! Words of an instruction as Docker reads them: splitting on whitespace outside quotes,
//! removing quotes and escapes, and `$NAME` / `${NAME}` references. The matcher cannot know a
//! build's arguments, so a reference becomes a wildcard ([`WILD`]) in a [`Pattern`].

/// Stands for a variable's value in a template string. A history string never holds it.
pub(crate) const WILD: char = '\u{0}';

/// Whitespace as Docker's parser splits on it (`[\t\v\f\r ]`; a line holds no `\n`).
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r' | '\n')
}

/// Every run of whitespace as one space, trimmed: the form both sides are compared in.
pub(crate) fn collapse(s: &str) -> String {
    s.split(is_blank)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits on whitespace outside quotes, keeping quotes and escapes in the words (BuildKit's
/// `parseWords`, used for ENV, LABEL and ARG before their values are processed).
pub(crate) fn split_words(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            None if is_blank(c) => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ => {}
        }
        word.push(c);
        if c == escape && quote != Some('\'') {
            if let Some(next) = chars.next() {
                word.push(next);
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A word with its quotes and escapes processed and every variable reference replaced by
/// [`WILD`]: what the builder records after expanding it, with the values unknown.
pub(crate) fn template(word: &str, escape: char) -> String {
    expand(word, escape, &mut |_, _| WILD.to_string())
}

/// Processes quotes and escapes like Docker's shell lexer; `var(name, raw)` gives the text that
/// replaces a reference (`raw` is the reference as written, `$X` or `${X:-d}`).
pub(crate) fn expand(
    word: &str,
    escape: char,
    var: &mut dyn FnMut(&str, &str) -> String,
) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (None, '\'') | (None, '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (Some('\''), _) => out.push(c),
            (_, '$') => {
                let (len, text) = reference(&chars[i..], var);
                out.push_str(&text);
                i += len;
                continue;
            }
            (None, _) if c == escape => {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                }
                i += 2;
                continue;
            }
            (Some('"'), _) if c == escape => {
                // Inside double quotes the escape only escapes a quote, `$` or itself.
                match chars.get(i + 1) {
                    Some(&next) if next == '"' || next == '$' || next == escape => {
                        out.push(next);
                        i += 2;
                        continue;
                    }
                    _ => out.push(c),
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// A `$` reference at the start of `chars`: how many chars it takes and its replacement.
fn reference(chars: &[char], var: &mut dyn FnMut(&str, &str) -> String) -> (usize, String) {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if chars.get(1) == Some(&'{') {
        let Some(close) = chars.iter().position(|&c| c == '}') else {
            return (chars.len(), chars.iter().collect());
        };
        let raw: String = chars[..=close].iter().collect();
        let inner: String = chars[2..close].iter().collect();
        let name: String = inner.chars().take_while(|&c| is_name(c)).collect();
        return (close + 1, var(&name, &raw));
    }
    let len = chars[1..].iter().take_while(|&&c| is_name(c)).count();
    if len == 0 {
        return (1, "$".to_string());
    }
    let raw: String = chars[..=len].iter().collect();
    (len + 1, var(&raw[1..], &raw))
}

/// Literal text with wildcards between the parts: `a*b` is `["a", "b"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    parts: Vec<String>,
}

impl Pattern {
    /// A pattern from a template string (whitespace collapsed, [`WILD`] as the wildcard).
    pub(crate) fn new(template: &str) -> Pattern {
        Pattern {
            parts: collapse(template).split(WILD).map(str::to_string).collect(),
        }
    }

    /// Whether `text` (whitespace collapsed) fits the pattern.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let text = collapse(text);
        let (first, rest) = self.parts.split_first().expect("split yields one part");
        let Some(mut tail) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some((last, middle)) = rest.split_last() else {
            return tail.is_empty();
        };
        for part in middle {
            match tail.find(part.as_str()) {
                Some(at) => tail = &tail[at + part.len()..],
                None => return false,
            }
        }
        tail.ends_with(last.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes_and_split_outside_them() {
        assert_eq!(
            split_words(r#"A=b  C="two words" D='x y' E=a\ b"#, '\\'),
            ["A=b", r#"C="two words""#, "D='x y'", r"E=a\ b"]
        );
        assert_eq!(split_words("P=C:\\x Q=`\"", '`'), ["P=C:\\x", "Q=`\""]);
    }

    #[test]
    fn templates_remove_quotes_and_mark_variables() {
        let w = WILD;
        assert_eq!(template(r#"OTHER="two words""#, '\\'), "OTHER=two words");
        assert_eq!(template("Z='$lit'", '\\'), "Z=$lit");
        assert_eq!(template("$X/multi/", '\\'), format!("{w}/multi/"));
        assert_eq!(template("${X:-d}/a$", '\\'), format!("{w}/a$"));
        assert_eq!(template(r#""a\"b\c" \$x"#, '\\'), r#"a"b\c $x"#);
        assert_eq!(template(r"C:\dir", '`'), r"C:\dir");
    }

    #[test]
    fn patterns_match_with_wildcards_and_collapsed_whitespace() {
        let p = Pattern::new(&format!("X={WILD}/bin  Y=q"));
        assert!(p.matches("X=/xdir/bin Y=q"));
        assert!(p.matches("X=a b/bin   Y=q"));
        assert!(!p.matches("X=/xdir/bin Y=qq"));
        assert!(Pattern::new("USER 0").matches(" USER   0 "));
        assert!(!Pattern::new("a").matches("ab"));
        assert!(Pattern::new(&format!("{WILD}")).matches("anything"));
    }
}
