//! The command line: arguments, and running one invocation to an exit code. `main` only maps
//! errors to exit codes; everything else starts here.

mod args;
mod build;
mod checks;
mod help;

pub use args::{Args, Command, DiffFormat, Format, Shell, SourceArg};
pub use help::{command, parse, SECTIONS};

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use crate::analysis::dive;
use crate::analysis::waste::{self, WasteReport};
use crate::config::LayerlensConfig;
use crate::error::{Error, Result};
use crate::image::{Image, SourceKind};
use crate::index::Keep;
use crate::report::budget::{self, Verdicts};
use crate::report::{diff_text, dive_ci, dive_json, github, html, junit, summary, waste_text};
use crate::source::progress_bar::ProgressBar;
use crate::source::{self, LoadOptions, NoProgress, Platform, Progress};

/// Exit code: every rule passed (or nothing was checked).
pub const EXIT_OK: i32 = 0;
/// Exit code: a CI rule or budget failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: an error (bad input, bad config, unreadable image).
pub const EXIT_ERROR: i32 = 2;

/// Runs one invocation and returns its exit code.
pub fn run(mut args: Args) -> Result<i32> {
    match &args.command {
        Some(Command::Completions { shell }) => {
            print_bytes(&help::completions(*shell))?;
            return Ok(EXIT_OK);
        }
        Some(Command::Man) => {
            print_bytes(&help::man_page()?)?;
            return Ok(EXIT_OK);
        }
        _ => {}
    }
    checks::check(&mut args)?;
    if let Some(Command::Diff { a, b, format, json }) = &args.command {
        return run_diff(&args, a, b, *format, json.as_deref());
    }
    let ci = checks::ci_mode(&args);
    // Configuration errors are found before any image is read.
    let config_file = config_file(&args);
    let rules = if ci {
        Some(ci_rules(&args, config_file.as_deref())?)
    } else {
        None
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = load_options(&args)?;
    // Checked before anything is built or the terminal is touched, in every mode.
    let settings = settings(&args, config_file.as_deref())?;
    let dockerfile = dockerfile(&args)?;
    let reference = match (&args.command, &args.image) {
        (
            Some(Command::Build {
                args: build_args, ..
            }),
            _,
        ) => build::docker_build(build_args)?,
        (Some(_), _) => return Err(Error::Config("this command takes no image".into())),
        (None, Some(image)) => image.clone(),
        (None, None) => return Err(Error::Config("name an image to open".into())),
    };
    // On a terminal, without a report asked for, browse the image interactively.
    if !ci
        && args.json.is_none()
        && args.html.is_none()
        && args.format.is_none()
        && io::IsTerminal::is_terminal(&io::stdout())
    {
        return crate::tui::run(
            &reference,
            args.source.map(SourceArg::kind),
            &opts,
            settings.waste_options(),
            dockerfile,
        );
    }
    let budgets_shown = settings.budgets.any() || args.baseline.is_some();
    // dive's CI text alone reads no waste analysis: it runs only for the outputs that do, on a
    // second core beside dive's pass. Without it no package document is read, so none is kept.
    let waste_needed = !(rules.is_some()
        && args.format.is_none()
        && args.json.is_none()
        && args.html.is_none()
        && !budgets_shown);
    let keep = if waste_needed {
        Keep::Documents
    } else {
        Keep::Nothing
    };
    let mut image = load(
        &reference,
        args.source.map(SourceArg::kind),
        &LoadOptions {
            keep,
            ..opts.clone()
        },
    )?;
    if let Some(df) = &dockerfile {
        df.label(&mut image)
            .map_err(|e| Error::Config(format!("{}: {e}", df.path)))?;
    }
    // The process ends after the report: freeing a million entries one by one would only
    // delay the exit (0.1 s at 1M files).
    let image = std::mem::ManuallyDrop::new(image);
    let baseline_size = match &args.baseline {
        // Only its size is read.
        Some(b) => Some(
            load(
                b,
                None,
                &LoadOptions {
                    keep: Keep::Nothing,
                    ..opts.clone()
                },
            )?
            .size(),
        ),
        None => None,
    };
    let wopts = settings.waste_options();
    let (analysis, waste_report) = std::thread::scope(|s| {
        let waste = waste_needed.then(|| s.spawn(|| waste::analyze(&image, &wopts)));
        let analysis = dive::analyze(&image);
        let waste = waste.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (analysis, waste)
    });
    let waste_cell = std::cell::OnceCell::new();
    if let Some(w) = waste_report {
        let _ = waste_cell.set(w);
    }
    let waste = || {
        waste_cell.get_or_init(|| {
            // Only an image loaded with its documents can say which packages own its bytes.
            debug_assert!(waste_needed, "the waste analysis was not planned for");
            waste::analyze(&image, &wopts)
        })
    };
    let budgets_needed =
        budgets_shown || args.json.is_some() || args.html.is_some() || args.format.is_some();
    // dive's rules judge the image without the excluded paths (dive #347); the JSON keeps
    // dive's own figures.
    let without_excluded = (rules.is_some() && !wopts.exclude.is_empty())
        .then(|| dive::analyze_excluding(&image, &|p| wopts.is_excluded(p)));
    let judged = without_excluded.as_ref().unwrap_or(&analysis);
    let verdicts = rules.as_ref().map(|(rules, _)| {
        Verdicts::new(
            dive_ci::evaluate(rules, judged),
            if budgets_needed {
                budget::evaluate(&settings.budgets, &image, waste(), baseline_size)
            } else {
                Vec::new()
            },
        )
    });
    if let Some(target) = &args.json {
        write_json(target, &image, &analysis, waste(), verdicts.as_ref())?;
    }
    if let Some(target) = &args.html {
        let page = html::render(&image, &analysis, waste(), verdicts.as_ref());
        write_to(target, &page)?;
    }
    let code = match &verdicts {
        Some(v) if !v.passed => EXIT_FAILED,
        _ => EXIT_OK,
    };
    match args.format {
        Some(Format::Text) => print_stdout(&waste_text::render(
            &image,
            waste(),
            verdicts.as_ref(),
            color,
        ))?,
        Some(Format::Json) => write_json("-", &image, &analysis, waste(), verdicts.as_ref())?,
        Some(Format::Html) => {
            print_stdout(&html::render(&image, &analysis, waste(), verdicts.as_ref()))?
        }
        Some(Format::Junit) => {
            if let Some(v) = &verdicts {
                print_stdout(&junit::render(&reference, waste(), v))?;
            }
        }
        Some(Format::Github) => {
            if let Some(v) = &verdicts {
                print_stdout(&github::render_commands(waste(), v))?;
                // Set but empty (outside a job step) means no summary file.
                if let Some(path) =
                    std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
                {
                    append(
                        Path::new(&path),
                        &github::render_summary(&reference, waste(), v),
                    )?;
                }
            }
        }
        None => match (&rules, &verdicts) {
            (Some((_, file)), Some(v)) => {
                let preamble = dive_ci::CiPreamble {
                    config_file: file.clone(),
                    source: image.source.prefix().to_string(),
                    location: source::ImageSpec::location(&reference),
                    exclusions: if without_excluded.is_some() {
                        wopts.exclude.len()
                    } else {
                        0
                    },
                };
                let mut text = dive_ci::render(&preamble, judged, &v.rules, color);
                // dive's text stays dive's; budgets follow only when asked for.
                if budgets_shown {
                    text.push_str(&waste_text::render_budgets(v, color));
                }
                print_stdout(&text)?;
            }
            _ if args.json.is_none() && args.html.is_none() => {
                print_stdout(&summary::render(&image, &analysis, waste()))?
            }
            _ => {}
        },
    }
    Ok(code)
}

/// `layerlens diff A B`: text, JSON or HTML on stdout, the JSON to `--json FILE` too; exit 0.
fn run_diff(
    args: &Args,
    a: &str,
    b: &str,
    format: Option<DiffFormat>,
    json: Option<&str>,
) -> Result<i32> {
    // `--format` and `--json` may also come before `diff`.
    let format = match (format, args.format) {
        (Some(f), _) => Some(f),
        (None, None) => None,
        (None, Some(Format::Text)) => Some(DiffFormat::Text),
        (None, Some(Format::Json)) => Some(DiffFormat::Json),
        (None, Some(Format::Html)) => Some(DiffFormat::Html),
        (None, Some(f)) => {
            return Err(Error::Config(format!(
                "--format {}: diff writes text, json or html",
                format!("{f:?}").to_lowercase()
            )))
        }
    };
    let json_file = match (json, &args.json) {
        (Some(_), Some(_)) => {
            return Err(Error::Config(
                "--json is given both before and after `diff`; give it once".into(),
            ))
        }
        (j, top) => j.or(top.as_deref()),
    };
    // As without diff: `--json FILE` alone writes only the JSON.
    let stdout = match (format, json_file) {
        (None, Some(_)) => None,
        (f, _) => Some(f.unwrap_or(DiffFormat::Text)),
    };
    let settings = settings(args, config_file(args).as_deref())?;
    let opts = load_options(args)?;
    let kind = args.source.map(SourceArg::kind);
    let (ia, ib) = (load(a, kind, &opts)?, load(b, kind, &opts)?);
    let wopts = settings.waste_options();
    let (wa, wb) = (waste::analyze(&ia, &wopts), waste::analyze(&ib, &wopts));
    let d = crate::analysis::diff::diff(&ia, &wa, &ib, &wb);
    let to_json = || -> Result<String> {
        let mut json = serde_json::to_string(&d).map_err(|e| Error::Write {
            what: "JSON".into(),
            source: io::Error::other(e),
        })?;
        json.push('\n');
        Ok(json)
    };
    if let Some(target) = json_file {
        write_to(target, &to_json()?)?;
    }
    match stdout {
        Some(DiffFormat::Text) => print_stdout(&diff_text::render(a, b, &d))?,
        Some(DiffFormat::Json) => print_stdout(&to_json()?)?,
        Some(DiffFormat::Html) => {
            print_stdout(&html::render_diff(a, b, (&ia, &wa), (&ib, &wb), &d))?
        }
        None => {}
    }
    Ok(EXIT_OK)
}

/// The Dockerfile to pair with the image: `--dockerfile`, else the one `layerlens build` built.
/// Read (at most 1 MiB and a byte) before any image is loaded.
fn dockerfile(args: &Args) -> Result<Option<crate::dockerfile::DockerfileInput>> {
    let (path, target) = match (&args.dockerfile, &args.command) {
        (Some(p), _) => (p.clone(), args.target.clone()),
        (
            None,
            Some(Command::Build {
                args: build_args, ..
            }),
        ) => match build::dockerfile_of(build_args) {
            Some(found) => found,
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let shown = path.display().to_string();
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&shown, e))?;
    let mut text = String::new();
    io::Read::read_to_string(
        &mut io::Read::take(file, crate::dockerfile::MAX_DOCKERFILE_BYTES as u64 + 1),
        &mut text,
    )
    .map_err(|e| Error::io(&shown, e))?;
    Ok(Some(crate::dockerfile::DockerfileInput {
        path: shown,
        text,
        target,
    }))
}

/// Loads an image, with a progress bar on a terminal.
fn load(reference: &str, kind: Option<SourceKind>, opts: &LoadOptions) -> Result<Image> {
    let bar = ProgressBar::for_stderr(reference);
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &NoProgress,
    };
    source::load(reference, kind, opts, progress)
}

/// How to load, from the command line. Documents are kept unless the caller says otherwise.
fn load_options(args: &Args) -> Result<LoadOptions> {
    Ok(LoadOptions {
        platform: args.platform.as_deref().map(Platform::parse).transpose()?,
        pull: args.pull,
        insecure: args.insecure,
        registry_stall_timeout: args
            .registry_stall_timeout
            .map(std::time::Duration::from_secs),
        keep: Keep::Documents,
    })
}

/// The CI config file in force: `--ci-config`, else `.dive-ci` when it exists.
fn config_file(args: &Args) -> Option<String> {
    match &args.ci_config {
        Some(p) => Some(p.display().to_string()),
        None if Path::new(".dive-ci").is_file() => Some(".dive-ci".to_string()),
        None => None,
    }
}

/// layerlens's settings: from `--config`, else `.layerlens.yaml` when it exists, else the
/// `layerlens:` section of the dive CI file.
fn settings(args: &Args, dive_ci: Option<&str>) -> Result<LayerlensConfig> {
    let own = match &args.config {
        Some(p) => Some(p.clone()),
        None => Some(std::path::PathBuf::from(".layerlens.yaml")).filter(|p| p.is_file()),
    };
    LayerlensConfig::load(dive_ci.map(Path::new), own.as_deref())
}

/// The rules in force and the file they came from (`None`: dive's defaults).
fn ci_rules(args: &Args, file: Option<&str>) -> Result<(dive_ci::DiveRules, Option<String>)> {
    let from_file = match file {
        Some(p) => dive_ci::RuleSettings::from_file(Path::new(p))?,
        None => dive_ci::RuleSettings::default(),
    };
    let flags = dive_ci::RuleSettings {
        lowest_efficiency: args.lowest_efficiency.clone(),
        highest_wasted_bytes: args.highest_wasted_bytes.clone(),
        highest_user_wasted_percent: args.highest_user_wasted_percent.clone(),
    };
    Ok((
        flags.over(from_file).into_rules()?,
        file.map(str::to_string),
    ))
}

/// Appends to a file (the GitHub step summary).
fn append(path: &Path, text: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(|source| Error::Write {
            what: path.display().to_string(),
            source,
        })?;
    f.write_all(text.as_bytes()).map_err(|source| Error::Write {
        what: path.display().to_string(),
        source,
    })
}

fn write_json(
    target: &str,
    image: &Image,
    analysis: &dive::DiveAnalysis,
    waste: &WasteReport,
    verdicts: Option<&Verdicts>,
) -> Result<()> {
    let export = dive_json::export(image, analysis, waste, verdicts);
    // Two-space indentation, as dive's `json.MarshalIndent`.
    let mut text = serde_json::to_string_pretty(&export).map_err(|e| Error::Write {
        what: "JSON".into(),
        source: io::Error::other(e),
    })?;
    text.push('\n');
    write_to(target, &text)
}

/// Writes a report to the file the user named, or to stdout for '-'.
fn write_to(target: &str, text: &str) -> Result<()> {
    if target == "-" {
        return print_stdout(text);
    }
    std::fs::write(target, text).map_err(|source| Error::Write {
        what: target.into(),
        source,
    })
}

/// Writes to stdout; a closed pipe (`layerlens ... | head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    print_bytes(text.as_bytes())
}

fn print_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Write {
            what: "stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}
