//! What clap cannot check alone: flags that make no sense together, rule flags outside CI
//! mode or out of range, and `build`'s own flags folded into the top-level ones. **Every flag
//! given either acts or is refused**, before any image is read.

use std::io::IsTerminal;

use super::args::{Args, Command, Format};
use crate::error::{Error, Result};
use crate::report::dive_ci::RuleSettings;

/// Whether CI mode is on: `--ci`, a CI-only format, or `CI=true` (as dive reads it).
pub fn ci_mode(args: &Args) -> bool {
    args.ci
        || matches!(args.format, Some(Format::Junit | Format::Github))
        || std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Checks the arguments and moves `build`'s `--ci`, `--format` and `--json` to the top level,
/// where the rest of `run` reads them.
pub fn check(args: &mut Args) -> Result<()> {
    if let (Some(image), Some(command)) = (&args.image, &args.command) {
        return Err(Error::Config(format!(
            "'{image}' and `{}`: give an IMAGE or a command, not both",
            command_name(command)
        )));
    }
    if args.image.as_deref() == Some("-") && std::io::stdin().is_terminal() {
        return Err(Error::Config(
            "'-' reads a docker save stream from standard input, which is a terminal here: \
             pipe one in (docker save IMAGE | layerlens -)"
                .into(),
        ));
    }
    if let Some(Command::Build {
        ci, format, json, ..
    }) = &mut args.command
    {
        args.ci |= *ci;
        args.format = once("--format", args.format.take(), format.take())?;
        args.json = once("--json", args.json.take(), json.take())?;
    }
    let rule_flags = [
        ("--lowestEfficiency", args.lowest_efficiency.is_some()),
        ("--highestWastedBytes", args.highest_wasted_bytes.is_some()),
        (
            "--highestUserWastedPercent",
            args.highest_user_wasted_percent.is_some(),
        ),
    ];
    if let Some(Command::Diff { .. }) = &args.command {
        let ignored = [
            ("--ci", args.ci),
            ("--baseline", args.baseline.is_some()),
            ("--dockerfile", args.dockerfile.is_some()),
        ];
        if let Some((flag, _)) = ignored.iter().chain(&rule_flags).find(|(_, set)| *set) {
            return Err(Error::Config(format!(
                "{flag} does not apply to diff (it takes --format text|json, --json FILE, \
                 --config, --source, --platform, --pull, --insecure)"
            )));
        }
        return Ok(());
    }
    if let Some((flag, _)) = rule_flags.iter().find(|(_, set)| *set) {
        if !ci_mode(args) {
            return Err(Error::Config(format!(
                "{flag} is a CI rule and acts only in CI mode: add --ci (or --format \
                 junit|github, or set CI=true)"
            )));
        }
    }
    RuleSettings {
        lowest_efficiency: args.lowest_efficiency.clone(),
        highest_wasted_bytes: args.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: args.highest_user_wasted_percent.clone(),
    }
    .check_flags()
}

/// A value that may be given before or after `build`, but not both.
fn once<T>(flag: &str, top: Option<T>, build: Option<T>) -> Result<Option<T>> {
    match (top, build) {
        (Some(_), Some(_)) => Err(Error::Config(format!(
            "{flag} is given both before and after `build`; give it once"
        ))),
        (top, build) => Ok(top.or(build)),
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Build { .. } => "build",
        Command::Diff { .. } => "diff",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
    }
}
