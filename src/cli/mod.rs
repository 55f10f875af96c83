//! The command line: arguments, and running one invocation to an exit code. `main` only maps
//! errors to exit codes; everything else starts here.

mod args;
mod build;

pub use args::{Args, Command, SourceArg};

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use crate::analysis::dive;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::report::{dive_ci, dive_json, summary};
use crate::source::progress_bar::ProgressBar;
use crate::source::{self, LoadOptions, NoProgress, Platform, Progress};

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
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = LoadOptions {
        platform: args.platform.as_deref().map(Platform::parse).transpose()?,
        pull: args.pull,
        insecure: args.insecure,
    };
    let reference = match (&args.command, &args.image) {
        (Some(Command::Build { args: build_args }), _) => build::docker_build(build_args)?,
        (None, Some(image)) => image.clone(),
        (None, None) => return Err(Error::Config("name an image to open".into())),
    };
    // On a terminal, without a report asked for, browse the image interactively.
    if !ci && args.json.is_none() && io::IsTerminal::is_terminal(&io::stdout()) {
        return crate::tui::run(&reference, args.source.map(SourceArg::kind), &opts);
    }
    let bar = ProgressBar::for_stderr(&reference);
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &NoProgress,
    };
    let image = source::load(
        &reference,
        args.source.map(SourceArg::kind),
        &opts,
        progress,
    )?;
    drop(bar);
    let analysis = dive::analyze(&image);
    if let Some(target) = &args.json {
        write_json(target, &image, &analysis)?;
    }
    if let Some((rules, config_file)) = rules {
        let results = dive_ci::evaluate(&rules, &analysis);
        let preamble = dive_ci::CiPreamble {
            config_file,
            source: image.source.prefix().to_string(),
            location: source::ImageSpec::location(&reference),
        };
        print_stdout(&dive_ci::render(&preamble, &analysis, &results, color))?;
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

/// The rules in force and the file they came from (`None`: dive's defaults).
fn ci_rules(args: &Args) -> Result<(dive_ci::DiveRules, Option<String>)> {
    let (from_file, file) = match &args.ci_config {
        Some(p) => (
            dive_ci::RuleSettings::from_file(p)?,
            Some(p.display().to_string()),
        ),
        None if Path::new(".dive-ci").is_file() => (
            dive_ci::RuleSettings::from_file(Path::new(".dive-ci"))?,
            Some(".dive-ci".to_string()),
        ),
        None => (dive_ci::RuleSettings::default(), None),
    };
    let flags = dive_ci::RuleSettings {
        lowest_efficiency: args.lowest_efficiency.clone(),
        highest_wasted_bytes: args.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: args.highest_user_wasted_percent.clone(),
    };
    Ok((flags.over(from_file).into_rules()?, file))
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
