//! What `--help`, the man page and the completion scripts say beyond the flags: the usage
//! forms, exit codes, environment variables, config files and the UI's help key. **One text,
//! three outputs**: `SECTIONS` is written into `--help`'s after-help and into the man page's
//! own sections, so they cannot disagree.

use std::io::Write;

use clap::{CommandFactory, FromArgMatches};

use super::args::{Args, Shell};
use super::{EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::error::{Error, Result};

/// The usage forms (clap's own line would read `[IMAGE] <COMMAND>`, as if both were needed).
pub const USAGE: &str = "layerlens [OPTIONS] IMAGE
       layerlens [OPTIONS] build [--ci] [--format FORMAT] [--json FILE] DOCKER-BUILD-ARGS...
       layerlens [OPTIONS] diff [--format text|json] [--json FILE] A B
       layerlens completions bash|zsh|fish
       layerlens man";

/// One titled list of the help's extra text: each item a name and what it means.
pub struct Section {
    /// The man page's section title (`EXIT STATUS`).
    pub title: &'static str,
    /// `--help`'s heading (`Exit codes`).
    pub heading: &'static str,
    pub items: &'static [(&'static str, &'static str)],
}

/// Exit codes, environment, files, the UI: what `--help` and the man page add to the flags.
pub const SECTIONS: &[Section] = &[
    Section {
        title: "EXIT STATUS",
        heading: "Exit codes",
        items: &[
            ("0", "passed, or nothing was checked"),
            ("1", "a CI rule or budget failed"),
            (
                "2",
                "an error: bad arguments or config, an image that cannot be read \
                 (a closed stdout pipe is not an error)",
            ),
        ],
    },
    Section {
        title: "ENVIRONMENT",
        heading: "Environment",
        items: &[
            (
                "DOCKER_HOST",
                "the Docker daemon for docker:// and bare names (else the current \
                 context of ~/.docker/config.json, else /var/run/docker.sock)",
            ),
            (
                "CONTAINER_HOST",
                "podman's API service for podman:// (else \
                 $XDG_RUNTIME_DIR/podman/podman.sock, else /run/podman/podman.sock)",
            ),
            (
                "REGISTRY_AUTH_FILE",
                "registry credentials in podman's auth.json format, read first for registry://",
            ),
            (
                "DOCKER_CONFIG",
                "the folder of Docker's config.json (credentials, credHelpers, credsStore, \
                 the current context); default ~/.docker",
            ),
            ("NO_COLOR", "no colours, on a terminal too"),
            ("CI", "CI=true turns CI mode on, as --ci does"),
            (
                "GITHUB_STEP_SUMMARY",
                "with --format github, the file the Markdown summary is appended to",
            ),
        ],
    },
    Section {
        title: "FILES",
        heading: "Config files",
        items: &[
            (
                ".dive-ci",
                "dive's CI rules (rules:) and a layerlens: section, in the working \
                 directory; --ci-config FILE names another",
            ),
            (
                ".layerlens.yaml",
                "layerlens's settings (budgets, exclude, caches), in the working directory; \
                 --config FILE names another",
            ),
            (
                "$XDG_CONFIG_HOME/layerlens/config.yaml",
                "the interactive UI's keys and options, in dive's format (else \
                 ~/.config/layerlens/config.yaml)",
            ),
        ],
    },
    Section {
        title: "INTERACTIVE UI",
        heading: "Interactive UI",
        items: &[
            (
                "IMAGE",
                "on a terminal, without --ci, --format or --json, layerlens opens the \
                 interactive UI",
            ),
            ("?", "in the UI, every key binding and what it does"),
            ("q, ctrl+c", "quit the UI"),
        ],
    },
];

/// The command line's definition, with the text of [`SECTIONS`] after the flags.
pub fn command() -> clap::Command {
    Args::command().after_help(after_help())
}

/// Parses the process's arguments against [`command`].
pub fn parse() -> std::result::Result<Args, clap::Error> {
    let mut cmd = command();
    let matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Args::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// `--help`'s after-help: every section, each item's name in a column.
pub fn after_help() -> String {
    const NAME: usize = 22;
    const WIDTH: usize = 100;
    let mut out = String::new();
    for section in SECTIONS {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(section.heading);
        out.push_str(":\n");
        for (name, what) in section.items {
            // The text starts in column NAME + 3, after the name and at least one space.
            let mut line = format!("  {name:<width$}", width = NAME + 1);
            if name.len() > NAME {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(NAME + 3);
            }
            for word in what.split(' ') {
                if line.len() + 1 + word.len() > WIDTH && !line.trim().is_empty() {
                    out.push_str(line.trim_end());
                    out.push('\n');
                    line = " ".repeat(NAME + 3);
                }
                if !line.ends_with(' ') {
                    line.push(' ');
                }
                line.push_str(word);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// `layerlens completions SHELL`: the shell's completion script for every subcommand and flag.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = command();
    let mut out = Vec::new();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(generator, &mut cmd, "layerlens", &mut out);
    out
}

/// `layerlens man`: the man page (section 1), clap's sections and ours.
pub fn man_page() -> Result<Vec<u8>> {
    let man = clap_mangen::Man::new(Args::command());
    let mut out = Vec::new();
    let failed = |e| Error::Write {
        what: "the man page".into(),
        source: e,
    };
    man.render_title(&mut out).map_err(failed)?;
    man.render_name_section(&mut out).map_err(failed)?;
    man.render_synopsis_section(&mut out).map_err(failed)?;
    man.render_description_section(&mut out).map_err(failed)?;
    man.render_options_section(&mut out).map_err(failed)?;
    man.render_subcommands_section(&mut out).map_err(failed)?;
    let mut roff = roff::Roff::new();
    for section in SECTIONS {
        roff.control("SH", [section.title]);
        for (name, what) in section.items {
            roff.control("TP", []);
            roff.text([roff::bold(*name)]);
            roff.text([roff::roman(*what)]);
        }
    }
    roff.to_writer(&mut out).map_err(failed)?;
    man.render_version_section(&mut out).map_err(failed)?;
    out.flush().map_err(failed)?;
    // Each part rendered alone starts with roff's quote-character preamble; keep the first.
    let text = String::from_utf8_lossy(&out);
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let rest = text
        .strip_prefix(preamble)
        .unwrap_or(&text)
        .replace(preamble, "");
    Ok(format!("{preamble}{rest}").into_bytes())
}

// The exit codes named in SECTIONS are the ones `run` returns.
const _: () = assert!(EXIT_OK == 0 && EXIT_FAILED == 1 && EXIT_ERROR == 2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_keeps_names_in_a_column_and_lines_short() {
        let text = after_help();
        assert!(
            text.starts_with("Exit codes:\n  0                      passed"),
            "{text}"
        );
        assert!(text.contains("\n  NO_COLOR               no colours, on a terminal too\n"));
        // A name longer than the column sits on its own line.
        let indent = " ".repeat(25);
        assert!(text.contains(&format!(
            "\n  $XDG_CONFIG_HOME/layerlens/config.yaml\n{indent}the interactive UI's keys"
        )));
        for line in text.lines() {
            assert!(line.len() <= 100, "{line}");
        }
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }
}
