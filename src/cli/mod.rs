//! The command line: arguments, and running one invocation to an exit code. `main` only maps
//! errors to exit codes; everything else starts here.

mod args;

pub use args::{Args, SourceArg};

use std::io::{self, Write};
use std::path::Path;

use crate::analysis::dive;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::report::{dive_ci, dive_json, summary};
use crate::source::{self, LoadOptions, NoProgress, Platform};

/// Exit code: every rule passed (or nothing was checked).
pub const EXIT_OK: i32 = 0;
/// Exit code: a CI rule or budget failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: an error (bad input, bad config, unreadable image).
pub const EXIT_ERROR: i32 = 2;

/// Runs one invocation and returns its exit code.
pub fn run(args: Args) -> Result<i32> {
    let ci = args.ci || std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    // Configuration errors are found before any image is read.
    let rules = if ci { Some(ci_rules(&args)?) } else { None };
    let opts = LoadOptions {
        platform: args.platform.as_deref().map(Platform::parse).transpose()?,
    };
    // On a terminal, without a report asked for, browse the image interactively.
    if !ci && args.json.is_none() && io::IsTerminal::is_terminal(&io::stdout()) {
        return crate::tui::run(&args.image, args.source.map(SourceArg::kind), &opts);
    }
    let image = source::load(
        &args.image,
        args.source.map(SourceArg::kind),
        &opts,
        &NoProgress,
    )?;
    let analysis = dive::analyze(&image);
    if let Some(target) = &args.json {
        write_json(target, &image, &analysis)?;
    }
    if let Some(rules) = rules {
        let results = dive_ci::evaluate(&rules, &analysis);
        print_stdout(&dive_ci::render(&analysis, &results))?;
        return Ok(if dive_ci::passed(&results) {
            EXIT_OK
        } else {
            EXIT_FAILED
        });
    }
    if args.json.is_none() {
        print_stdout(&summary::render(&image, &analysis))?;
    }
    Ok(EXIT_OK)
}

fn ci_rules(args: &Args) -> Result<dive_ci::DiveRules> {
    let from_file = match &args.ci_config {
        Some(p) => dive_ci::RuleSettings::from_file(p)?,
        None if Path::new(".dive-ci").is_file() => {
            dive_ci::RuleSettings::from_file(Path::new(".dive-ci"))?
        }
        None => dive_ci::RuleSettings::default(),
    };
    let flags = dive_ci::RuleSettings {
        lowest_efficiency: args.lowest_efficiency.clone(),
        highest_wasted_bytes: args.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: args.highest_user_wasted_percent.clone(),
    };
    flags.over(from_file).into_rules()
}

fn write_json(target: &str, image: &Image, analysis: &dive::DiveAnalysis) -> Result<()> {
    let export = dive_json::export(image, analysis);
    let mut text = serde_json::to_string(&export).map_err(|e| Error::Write {
        what: "JSON".into(),
        source: io::Error::other(e),
    })?;
    text.push('\n');
    if target == "-" {
        return print_stdout(&text);
    }
    std::fs::write(target, text).map_err(|source| Error::Write {
        what: target.into(),
        source,
    })
}

/// Writes to stdout; a closed pipe (`layerlens ... | head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Write {
            what: "stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}
