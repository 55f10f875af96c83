//! Reads a Dockerfile into stages and instructions the way BuildKit's parser does: parser
//! directives, comments, line continuations, flags, heredocs. Every instruction keeps its
//! 1-based first and last line. Bad input is an error naming the line, never a panic.

use std::fmt;

use super::words::{is_blank, split_words};

/// The largest Dockerfile read, in bytes.
pub const MAX_DOCKERFILE_BYTES: usize = 1 << 20;

/// Why a Dockerfile could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DockerfileError {
    #[error(
        "the Dockerfile is {size} bytes; layerlens reads Dockerfiles of up to {max} bytes \
         (1 MiB)"
    )]
    TooLarge { size: usize, max: usize },
    #[error("Dockerfile line {line}: unknown instruction {word:?}")]
    UnknownInstruction { line: usize, word: String },
    #[error("Dockerfile line {line}: {keyword} comes before the first FROM, where only ARG may")]
    BeforeFrom { line: usize, keyword: Keyword },
    #[error("Dockerfile line {line}: the heredoc <<{name} has no line {name:?} that ends it")]
    UnterminatedHeredoc { line: usize, name: String },
    #[error("Dockerfile line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("the Dockerfile has no FROM instruction")]
    NoFrom,
}

/// A Dockerfile instruction's keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

const KEYWORDS: [(Keyword, &str); 18] = [
    (Keyword::Add, "ADD"),
    (Keyword::Arg, "ARG"),
    (Keyword::Cmd, "CMD"),
    (Keyword::Copy, "COPY"),
    (Keyword::Entrypoint, "ENTRYPOINT"),
    (Keyword::Env, "ENV"),
    (Keyword::Expose, "EXPOSE"),
    (Keyword::From, "FROM"),
    (Keyword::Healthcheck, "HEALTHCHECK"),
    (Keyword::Label, "LABEL"),
    (Keyword::Maintainer, "MAINTAINER"),
    (Keyword::Onbuild, "ONBUILD"),
    (Keyword::Run, "RUN"),
    (Keyword::Shell, "SHELL"),
    (Keyword::Stopsignal, "STOPSIGNAL"),
    (Keyword::User, "USER"),
    (Keyword::Volume, "VOLUME"),
    (Keyword::Workdir, "WORKDIR"),
];

impl Keyword {
    /// The keyword for a word in any case (`run`, `Run`, `RUN`).
    pub fn parse(word: &str) -> Option<Keyword> {
        KEYWORDS
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(word))
            .map(|(k, _)| *k)
    }

    /// The keyword in upper case, as Dockerfiles and image histories write it.
    pub fn as_str(self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, name)| name)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A here-document attached to a RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter, without quotes: `EOF` for `<<EOF`, `<<-EOF` and `<<"EOF"`.
    pub name: String,
    /// The lines between the instruction and the delimiter, each with its newline; with
    /// `<<-`, leading tabs removed from every line (as BuildKit does).
    pub body: String,
    /// `<<-`: leading tabs were stripped.
    pub strip_tabs: bool,
    /// Unquoted delimiter: variables in the body are expanded.
    pub expand: bool,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: Keyword,
    /// Leading `--name=value` flags, as `("name", "value")`; `("link", "")` for `--link`.
    pub flags: Vec<(String, String)>,
    /// The text after the keyword and flags, continuation lines joined as Docker joins them
    /// (escape and newline removed, everything else kept), trimmed.
    pub args: String,
    pub heredocs: Vec<Heredoc>,
    /// 1-based line of the keyword.
    pub line: usize,
    /// 1-based last line, continuation and heredoc lines included.
    pub end_line: usize,
    /// The escape character in force (`\`, or `` ` `` with `# escape=```), needed to read
    /// `args`' quotes.
    pub escape: char,
}

impl Instruction {
    /// A flag's value: `Some("")` for a flag given without one.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The exec (JSON) form's items, for `RUN ["a", "b"]` and the like; `None` for the shell
    /// form. Any keyword: JSON only means exec form where Docker reads it so.
    pub fn exec_form(&self) -> Option<Vec<String>> {
        exec_form(&self.args)
    }
}

pub(crate) fn exec_form(args: &str) -> Option<Vec<String>> {
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(args).ok()
}

/// A build stage: one FROM and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The `AS` name, lower-cased as BuildKit stores it.
    pub name: Option<String>,
    /// The image or stage the stage starts from, as written (`${BASE}` unexpanded).
    pub base: String,
    /// `--platform=` of the FROM.
    pub platform: Option<String>,
    /// 1-based line of the FROM.
    pub line: usize,
    pub instructions: Vec<Instruction>,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `# syntax=` directive.
    pub syntax: Option<String>,
    /// The escape character (`\` unless `# escape=`).
    pub escape: char,
    /// ARGs before the first FROM (usable in FROM lines only).
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

/// Reads a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
    if text.len() > MAX_DOCKERFILE_BYTES {
        return Err(DockerfileError::TooLarge {
            size: text.len(),
            max: MAX_DOCKERFILE_BYTES,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader {
        lines: text.split_inclusive('\n').collect(),
        next: 0,
        escape: '\\',
        syntax: None,
        directives_done: false,
        seen: Vec::new(),
    };
    let mut file = Dockerfile {
        syntax: None,
        escape: '\\',
        global_args: Vec::new(),
        stages: Vec::new(),
    };
    while let Some(inst) = reader.instruction()? {
        if inst.keyword == Keyword::From {
            file.stages.push(stage(inst)?);
        } else if let Some(stage) = file.stages.last_mut() {
            stage.instructions.push(inst);
        } else if inst.keyword == Keyword::Arg {
            file.global_args.push(inst);
        } else {
            return Err(DockerfileError::BeforeFrom {
                line: inst.line,
                keyword: inst.keyword,
            });
        }
    }
    if file.stages.is_empty() {
        return Err(DockerfileError::NoFrom);
    }
    file.syntax = reader.syntax;
    file.escape = reader.escape;
    Ok(file)
}

fn stage(from: Instruction) -> Result<Stage, DockerfileError> {
    let words: Vec<&str> = from
        .args
        .split(is_blank)
        .filter(|w| !w.is_empty())
        .collect();
    let name = match words.as_slice() {
        [_] => None,
        [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => {
            return Err(DockerfileError::Syntax {
                line: from.line,
                message: "FROM needs an image, optionally followed by AS and a name".into(),
            })
        }
    };
    Ok(Stage {
        name,
        base: words[0].to_string(),
        platform: from.flag("platform").map(str::to_string),
        line: from.line,
        instructions: Vec::new(),
    })
}

struct Reader<'a> {
    /// Lines with their `\n`.
    lines: Vec<&'a str>,
    /// Index of the next line; its 1-based number is `next + 1`.
    next: usize,
    escape: char,
    syntax: Option<String>,
    directives_done: bool,
    seen: Vec<String>,
}

fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

impl Reader<'_> {
    /// The next instruction, or `None` at the end.
    fn instruction(&mut self) -> Result<Option<Instruction>, DockerfileError> {
        while self.next < self.lines.len() {
            let first = trim_newline(self.lines[self.next]).trim_start();
            self.next += 1;
            let start = self.next;
            self.directive(first, start)?;
            if first.starts_with('#') {
                continue;
            }
            let (mut buf, mut done) = self.trim_continuation(first);
            if done && buf.is_empty() {
                continue;
            }
            // Continuation lines: comments and blank lines inside are skipped, as BuildKit does.
            while !done && self.next < self.lines.len() {
                let line = trim_newline(self.lines[self.next]);
                self.next += 1;
                if is_comment(line) || line.trim_start().is_empty() {
                    continue;
                }
                let (part, end) = self.trim_continuation(line);
                buf.push_str(&part);
                done = end;
            }
            return self.finish(&buf, start).map(Some);
        }
        Ok(None)
    }

    /// Reads a parser directive (`# escape=`, `# syntax=`); the first line that is not one
    /// ends them.
    fn directive(&mut self, line: &str, number: usize) -> Result<(), DockerfileError> {
        if self.directives_done {
            return Ok(());
        }
        let parsed = line.strip_prefix('#').and_then(|rest| {
            let (key, value) = rest.split_once('=')?;
            let key = key.trim();
            let valid = key.starts_with(|c: char| c.is_ascii_alphabetic())
                && key.chars().all(|c| c.is_ascii_alphanumeric());
            let value = value.trim();
            (valid && !value.is_empty()).then(|| (key.to_ascii_lowercase(), value.to_string()))
        });
        let Some((key, value)) =
            parsed.filter(|(k, _)| matches!(k.as_str(), "escape" | "syntax" | "check"))
        else {
            self.directives_done = true;
            return Ok(());
        };
        let syntax = |message: String| DockerfileError::Syntax {
            line: number,
            message,
        };
        if self.seen.contains(&key) {
            return Err(syntax(format!(
                "only one {key} parser directive can be used"
            )));
        }
        self.seen.push(key.clone());
        match key.as_str() {
            "escape" => match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => {
                    return Err(syntax(format!(
                        "invalid escape character {value:?}: use ` or \\"
                    )))
                }
            },
            "syntax" => self.syntax = Some(value),
            _ => {}
        }
        Ok(())
    }

    /// Removes a trailing escape (and spaces after it); `true` when the line ends there.
    /// An escaped escape (`\\`) at the end does not continue the line.
    fn trim_continuation(&self, line: &str) -> (String, bool) {
        let trimmed = line.trim_end_matches([' ', '\t']);
        if let Some(before) = trimmed.strip_suffix(self.escape) {
            if !before.ends_with(self.escape) || before.is_empty() {
                return (before.to_string(), false);
            }
        }
        (line.to_string(), true)
    }

    fn finish(&mut self, buf: &str, start: usize) -> Result<Instruction, DockerfileError> {
        let line = buf.trim_matches(is_blank);
        let (word, rest) = line.split_once(is_blank).unwrap_or((line, ""));
        let keyword = Keyword::parse(word).ok_or_else(|| DockerfileError::UnknownInstruction {
            line: start,
            word: word.to_string(),
        })?;
        let (flags, args) = flags(rest, self.escape);
        let mut inst = Instruction {
            keyword,
            flags,
            args: args.trim_matches(is_blank).to_string(),
            heredocs: Vec::new(),
            line: start,
            end_line: start,
            escape: self.escape,
        };
        if keyword == Keyword::Onbuild {
            let trigger = inst.args.split(is_blank).next().unwrap_or("");
            match Keyword::parse(trigger) {
                Some(Keyword::Onbuild | Keyword::From | Keyword::Maintainer) | None => {
                    return Err(DockerfileError::Syntax {
                        line: start,
                        message: format!("ONBUILD cannot trigger {trigger:?}"),
                    })
                }
                Some(_) => {}
            }
        }
        if may_hold_heredoc(&inst) && line.contains("<<") {
            for (name, strip_tabs, expand) in heredoc_markers(line) {
                let body = self.heredoc_body(&name, strip_tabs, start)?;
                inst.heredocs.push(Heredoc {
                    name,
                    body,
                    strip_tabs,
                    expand,
                });
            }
        }
        inst.end_line = self.next.max(start);
        Ok(inst)
    }

    fn heredoc_body(
        &mut self,
        name: &str,
        strip_tabs: bool,
        start: usize,
    ) -> Result<String, DockerfileError> {
        let mut body = String::new();
        while self.next < self.lines.len() {
            let raw = self.lines[self.next];
            self.next += 1;
            let line = trim_newline(raw);
            let candidate = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == name {
                return Ok(body);
            }
            body.push_str(if strip_tabs {
                raw.trim_start_matches('\t')
            } else {
                raw
            });
        }
        Err(DockerfileError::UnterminatedHeredoc {
            line: start,
            name: name.to_string(),
        })
    }
}

/// RUN, COPY and ADD (also as ONBUILD's trigger) in shell form may carry heredocs.
fn may_hold_heredoc(inst: &Instruction) -> bool {
    let (keyword, args) = if inst.keyword == Keyword::Onbuild {
        let (word, rest) = inst.args.split_once(is_blank).unwrap_or((&inst.args, ""));
        (Keyword::parse(word), rest.trim_start())
    } else {
        (Some(inst.keyword), inst.args.as_str())
    };
    matches!(keyword, Some(Keyword::Run | Keyword::Copy | Keyword::Add))
        && exec_form(args).is_none()
}

/// The heredocs a line opens, in order: `(name, strip tabs, expand)`. A word is a heredoc when
/// it reads `[fd]<<[-]NAME` and NAME is one word once quotes are removed (BuildKit's rule).
pub(crate) fn heredoc_markers(line: &str) -> Vec<(String, bool, bool)> {
    split_words(line, '\\')
        .iter()
        .filter_map(|word| heredoc_marker(word))
        .collect()
}

pub(crate) fn heredoc_marker(word: &str) -> Option<(String, bool, bool)> {
    let rest = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(is_blank);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let words = split_words(rest, '\\');
    if words.len() != 1 {
        return None;
    }
    let name = super::words::expand(rest, '\\', &mut |_, raw| raw.to_string());
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = quotes(&name) == quotes(rest);
    Some((name, strip_tabs, expand))
}

/// Splits leading `--flag[=value]` words off (quotes and escapes inside a flag are processed),
/// BuildKit's `extractBuilderFlags`. A bare `--` ends the flags.
fn flags(line: &str, escape: char) -> (Vec<(String, String)>, &str) {
    let mut flags = Vec::new();
    let mut rest = line.trim_start_matches(is_blank);
    while rest.starts_with("--") {
        let mut word = String::new();
        let mut quote: Option<char> = None;
        let mut end = rest.len();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            match quote {
                None if is_blank(c) => {
                    end = i;
                    break;
                }
                None if c == '\'' || c == '"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ if c == escape => {
                    if let Some((_, next)) = chars.next() {
                        word.push(next);
                    }
                }
                _ => word.push(c),
            }
        }
        rest = rest[end..].trim_start_matches(is_blank);
        if word == "--" {
            break;
        }
        let word = &word[2..];
        let (name, value) = word.split_once('=').unwrap_or((word, ""));
        flags.push((name.to_string(), value.to_string()));
    }
    (flags, rest)
}

#[cfg(test)]
mod tests;
