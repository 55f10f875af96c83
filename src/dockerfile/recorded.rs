//! What a builder writes in a history entry's `created_by` for each instruction, read back
//! ([`Recorded`]), and what an instruction should have written ([`Expected`]), so the two can be
//! compared. The forms, as observed, are tabled in [`super::pair`]'s documentation.

use std::collections::BTreeSet;

use super::parse::{exec_form, heredoc_marker, Instruction, Keyword};
use super::words::{collapse, is_blank, split_words, template, Pattern, WILD};

/// Which builder wrote an entry, told by its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builder {
    /// The legacy builder: `/bin/sh -c #(nop)  ENV A=b`, `/bin/sh -c make`.
    Legacy,
    /// BuildKit: `ENV A=b`, `RUN /bin/sh -c make # buildkit`.
    BuildKit,
}

/// A history entry's `created_by`, read as an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub keyword: Keyword,
    /// What follows the keyword, whitespace collapsed, without ` # buildkit`. For a RUN, the
    /// command with its `|N ARG=v` prefix and shell: `|1 V=2 /bin/sh -c make`.
    pub body: String,
    pub builder: Builder,
}

impl Recorded {
    pub(crate) fn read(created_by: &str) -> Option<Recorded> {
        let text = created_by.trim();
        let text = text.strip_suffix("# buildkit").unwrap_or(text).trim_end();
        let (first, rest) = text.split_once(is_blank).unwrap_or((text, ""));
        // BuildKit writes the keyword first, in upper case; the legacy builder a shell first.
        if let Some(keyword) =
            Keyword::parse(first).filter(|_| first.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Some(Recorded {
                keyword,
                body: collapse(rest),
                builder: Builder::BuildKit,
            });
        }
        if let Some((_, nop)) = text.split_once("#(nop)") {
            let nop = nop.trim_start();
            let (word, rest) = nop.split_once(is_blank).unwrap_or((nop, ""));
            return Some(Recorded {
                keyword: Keyword::parse(word)?,
                body: collapse(rest),
                builder: Builder::Legacy,
            });
        }
        if text.is_empty() {
            return None;
        }
        // A legacy RUN: `[|N ARG=v ...] /bin/sh -c cmd`, or an exec form's words.
        Some(Recorded {
            keyword: Keyword::Run,
            body: collapse(text),
            builder: Builder::Legacy,
        })
    }
}

/// How well an instruction fits a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Keyword and arguments agree: this instruction wrote this entry.
    Same,
    /// Same keyword, different arguments: probably this instruction, but the Dockerfile
    /// changed since (or a rule here is too strict). Not a pairing.
    Differs,
    /// Different keywords.
    Unrelated,
}

/// What an instruction should have written, prepared for comparison.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    keyword: Keyword,
    rule: Rule,
}

#[derive(Debug, Clone)]
enum Rule {
    /// RUN: the command; `shell` is the shell it runs under (empty for the exec form).
    Run { command: String, shell: String },
    /// COPY and ADD.
    Copy {
        chown: Option<Pattern>,
        chmod: Option<Pattern>,
        /// Sources and destination, as BuildKit writes them.
        all: Pattern,
        /// The destination alone, for the legacy form `file:<hash> in <dest>`.
        dest: Pattern,
    },
    /// The body as a whole.
    Text(Pattern),
    /// WORKDIR: histories hold the absolute path; a relative one must end the recorded one.
    Workdir(Pattern),
    /// EXPOSE as a set of `port/proto`; `None` when a variable makes it unknowable.
    Expose(Option<BTreeSet<String>>),
    /// HEALTHCHECK: the recorded struct starts with this (its options are not compared).
    Prefix(String),
    /// Matches any entry with the keyword (an instruction whose text cannot be checked).
    Any,
}

impl Expected {
    /// What `inst` should have written, `shell` being the SHELL in force (`["/bin/sh", "-c"]`
    /// unless a SHELL instruction changed it).
    pub(crate) fn new(inst: &Instruction, shell: &[String]) -> Expected {
        let esc = inst.escape;
        let items = |args: &str| -> Vec<String> {
            exec_form(args).unwrap_or_else(|| {
                args.split(is_blank)
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect()
            })
        };
        let rule = match inst.keyword {
            Keyword::Run => run_rule(inst, shell),
            Keyword::Copy | Keyword::Add => {
                let words: Vec<String> = items(&inst.args)
                    .iter()
                    .map(|w| match heredoc_marker(w) {
                        Some((name, _, _)) => format!("<<{name}"),
                        None => template(w, esc),
                    })
                    .collect();
                let dest = words.last().cloned().unwrap_or_default();
                Rule::Copy {
                    chown: inst.flag("chown").map(|v| Pattern::new(&template(v, esc))),
                    chmod: inst.flag("chmod").map(|v| Pattern::new(&template(v, esc))),
                    all: Pattern::new(&words.join(" ")),
                    dest: Pattern::new(&dest),
                }
            }
            Keyword::Env | Keyword::Label => Rule::Text(Pattern::new(&key_values(inst))),
            Keyword::Arg => {
                let words: Vec<String> = split_words(&inst.args, esc)
                    .iter()
                    .map(|w| template(w, esc))
                    .collect();
                Rule::Text(Pattern::new(&words.join(" ")))
            }
            Keyword::Workdir => {
                let path = trim_slashes(&template(&inst.args, esc));
                if path.starts_with('/') || path.starts_with(WILD) || path.contains(':') {
                    Rule::Workdir(Pattern::new(&path))
                } else {
                    Rule::Workdir(Pattern::new(&format!("{WILD}/{path}")))
                }
            }
            Keyword::User | Keyword::Stopsignal => {
                Rule::Text(Pattern::new(&template(&inst.args, esc)))
            }
            Keyword::Maintainer => Rule::Text(Pattern::new(&inst.args.replace(WILD, ""))),
            Keyword::Volume => {
                let v: Vec<String> = items(&inst.args).iter().map(|w| template(w, esc)).collect();
                Rule::Text(Pattern::new(&format!("[{}]", v.join(" "))))
            }
            Keyword::Shell => match inst.exec_form() {
                Some(v) => Rule::Text(Pattern::new(
                    &format!("[{}]", v.join(" ")).replace(WILD, ""),
                )),
                None => Rule::Any,
            },
            Keyword::Cmd | Keyword::Entrypoint => {
                let v = inst.exec_form().unwrap_or_else(|| {
                    let mut v = shell.to_vec();
                    v.push(inst.args.clone());
                    v
                });
                Rule::Text(Pattern::new(&quoted_list(&v).replace(WILD, "")))
            }
            Keyword::Healthcheck => healthcheck_rule(inst),
            Keyword::Expose => Rule::Expose(expose_set(
                &items(&inst.args)
                    .iter()
                    .map(|w| template(w, esc))
                    .collect::<Vec<_>>(),
            )),
            Keyword::Onbuild => {
                // The legacy builder writes the trigger as written, keyword in upper case.
                let (word, rest) = inst.args.split_once(is_blank).unwrap_or((&inst.args, ""));
                let text = format!("{} {rest}", word.to_ascii_uppercase()).replace(WILD, "");
                Rule::Text(Pattern::new(&text))
            }
            Keyword::From => Rule::Any,
        };
        Expected {
            keyword: inst.keyword,
            rule,
        }
    }

    /// How well this instruction fits a recorded entry.
    pub(crate) fn fit(&self, rec: &Recorded) -> Fit {
        if rec.keyword != self.keyword {
            return Fit::Unrelated;
        }
        let same = match &self.rule {
            Rule::Run { command, shell } => run_fits(command, shell, &rec.body),
            Rule::Copy {
                chown,
                chmod,
                all,
                dest,
            } => copy_fits(rec, chown.as_ref(), chmod.as_ref(), all, dest),
            Rule::Text(p) => p.matches(&rec.body),
            Rule::Workdir(p) => p.matches(&trim_slashes(&rec.body)),
            Rule::Expose(None) | Rule::Any => true,
            Rule::Expose(Some(set)) => {
                let body = rec.body.strip_prefix("map[").unwrap_or(&rec.body);
                let body = body.strip_suffix(']').unwrap_or(body);
                let words: Vec<String> = body
                    .split(' ')
                    .map(|w| w.strip_suffix(":{}").unwrap_or(w).to_string())
                    .collect();
                expose_set(&words).as_ref() == Some(set)
            }
            Rule::Prefix(p) => rec.body.starts_with(p.as_str()),
        };
        if same {
            Fit::Same
        } else {
            Fit::Differs
        }
    }
}

/// RUN's command as the builders pass it to the shell, heredocs included (BuildKit's rules in
/// `dispatchRun`: a RUN that is only `<<EOF` runs the body itself, or `/dev/pipes/EOF` when the
/// body starts with `#!`; otherwise each body and delimiter is appended after a newline).
fn run_rule(inst: &Instruction, shell: &[String]) -> Rule {
    if let Some(v) = inst.exec_form() {
        return Rule::Run {
            command: collapse(&v.join(" ")),
            shell: String::new(),
        };
    }
    let command = match inst.heredocs.as_slice() {
        [] => inst.args.clone(),
        [doc] if heredoc_marker(&inst.args).is_some() => {
            if doc.body.starts_with("#!") {
                format!("/dev/pipes/{}", doc.name)
            } else {
                doc.body.clone()
            }
        }
        docs => {
            let mut full = inst.args.clone();
            for doc in docs {
                full.push('\n');
                full.push_str(&doc.body);
                full.push_str(&doc.name);
            }
            full
        }
    };
    Rule::Run {
        command: collapse(&command),
        shell: collapse(&shell.join(" ")),
    }
}

/// `body` is `[|N ARG=v ...] [shell] command`. The arguments' values may hold spaces, so the
/// prefix is recognised by its start and by what must follow it. When the shell differs from
/// the one tracked (a base image's SHELL), any shell whose last word is `-c` or `/c` will do;
/// so will the command alone.
fn run_fits(command: &str, shell: &str, body: &str) -> bool {
    let with_shell = if shell.is_empty() {
        command.to_string()
    } else {
        format!("{shell} {command}")
    };
    let has_args = body.starts_with('|');
    if body == with_shell || (has_args && body.ends_with(&format!(" {with_shell}"))) {
        return true;
    }
    if shell.is_empty() {
        return false;
    }
    // Other builders (kaniko) record the command without a shell.
    if body == command {
        return true;
    }
    let Some(before) = body.strip_suffix(command).and_then(|b| b.strip_suffix(' ')) else {
        return false;
    };
    let flag = before.rsplit(' ').next().unwrap_or("");
    flag == "-c" || flag.eq_ignore_ascii_case("/c")
}

fn copy_fits(
    rec: &Recorded,
    chown: Option<&Pattern>,
    chmod: Option<&Pattern>,
    all: &Pattern,
    dest: &Pattern,
) -> bool {
    let flag_fits = |want: Option<&Pattern>, got: Option<&str>| match (want, got) {
        (Some(w), Some(g)) => w.matches(g),
        (None, None) => true,
        // BuildKit before 0.11 dropped --chown and --chmod: only a recorded flag must agree.
        (Some(_), None) => rec.builder == Builder::BuildKit,
        (None, Some(_)) => false,
    };
    match rec.builder {
        Builder::Legacy => {
            // `[--chown=U:G]<file|dir|multi|...>:<hash> in <dest> `
            let Some((source, got_dest)) = rec.body.split_once(" in ") else {
                return false;
            };
            let got_chown = source.strip_prefix("--chown=").map(|rest| {
                // The legacy builder glues the owner to the source: `--chown=1:1dir:<hash>`.
                let before_hash = rest.rsplit_once(':').map_or(rest, |(b, _)| b);
                ["multi", "file", "dir"]
                    .iter()
                    .find_map(|kind| before_hash.strip_suffix(kind))
                    .unwrap_or(before_hash)
            });
            flag_fits(chown, got_chown) && dest.matches(got_dest)
        }
        Builder::BuildKit => {
            let mut rest = rec.body.as_str();
            let (mut got_chown, mut got_chmod) = (None, None);
            while let Some(r) = rest.strip_prefix("--") {
                let (word, tail) = r.split_once(' ').unwrap_or((r, ""));
                if let Some(v) = word.strip_prefix("chown=") {
                    got_chown = Some(v);
                } else if let Some(v) = word.strip_prefix("chmod=") {
                    got_chmod = Some(v);
                }
                rest = tail;
            }
            flag_fits(chown, got_chown) && flag_fits(chmod, got_chmod) && all.matches(rest)
        }
    }
}

/// ENV and LABEL as `k=v k2=v2`, quotes removed; the old `ENV key value` form too.
fn key_values(inst: &Instruction) -> String {
    let esc = inst.escape;
    let words = split_words(&inst.args, esc);
    match words.first() {
        Some(first) if !first.contains('=') => {
            let (key, value) = inst.args.split_once(is_blank).unwrap_or((&inst.args, ""));
            format!("{}={}", template(key, esc), template(value.trim(), esc))
        }
        _ => words
            .iter()
            .map(|w| {
                let (k, v) = w.split_once('=').unwrap_or((w, ""));
                format!("{}={}", template(k, esc), template(v, esc))
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn healthcheck_rule(inst: &Instruction) -> Rule {
    let (word, rest) = inst.args.split_once(is_blank).unwrap_or((&inst.args, ""));
    let rest = rest.trim();
    let test: Vec<String> = if word.eq_ignore_ascii_case("NONE") {
        vec!["NONE".into()]
    } else if !word.eq_ignore_ascii_case("CMD") {
        return Rule::Any;
    } else if let Some(v) = exec_form(rest) {
        std::iter::once("CMD".to_string()).chain(v).collect()
    } else {
        vec!["CMD-SHELL".into(), rest.to_string()]
    };
    Rule::Prefix(collapse(&format!("&{{{}", quoted_list(&test))))
}

/// `["a" "b"]`: Go's `%q` of a string slice, as CMD and ENTRYPOINT are recorded.
fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Ports as `port/proto` (tcp by default, ranges spelled out as BuildKit does); `None` when a
/// variable or an oversized range makes the set unknowable.
fn expose_set(words: &[String]) -> Option<BTreeSet<String>> {
    let mut set = BTreeSet::new();
    for word in words.iter().filter(|w| !w.is_empty()) {
        if word.contains(WILD) {
            return None;
        }
        let (ports, proto) = word.split_once('/').unwrap_or((word, "tcp"));
        let proto = proto.to_ascii_lowercase();
        match ports.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                if b < a || b - a > 4096 {
                    return None;
                }
                set.extend((a..=b).map(|p| format!("{p}/{proto}")));
            }
            None => {
                set.insert(format!("{ports}/{proto}"));
            }
        }
    }
    Some(set)
}

fn trim_slashes(path: &str) -> String {
    let path = collapse(path);
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && path.starts_with('/') {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests;
