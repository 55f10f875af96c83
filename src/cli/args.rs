//! Command-line arguments (clap), with dive's flag names where dive has one.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::image::SourceKind;

/// Where the bytes in a container image come from, and which of them are wasted.
#[derive(Debug, Parser)]
#[command(
    name = "layerlens",
    version,
    about,
    long_about = None,
    subcommand_negates_reqs = true,
    override_usage = super::help::USAGE
)]
pub struct Args {
    /// The image: a docker save tarball, an OCI layout directory or an OCI archive, with an
    /// optional prefix (docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH[:TAG]); or a live
    /// image: docker://NAME, podman://NAME, registry://REF, or a bare NAME (Docker); '-' for a
    /// docker save stream on standard input.
    #[arg(required = true)]
    pub image: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Write dive's JSON report (plus layerlens's keys) to FILE, or '-' for stdout.
    #[arg(long, short = 'j', value_name = "FILE")]
    pub json: Option<String>,

    /// Write the HTML report (one self-contained file: treemap, layers, findings, and with
    /// --ci the verdicts) to FILE, or '-' for stdout.
    #[arg(long, value_name = "FILE")]
    pub html: Option<String>,

    /// CI mode: print dive's CI report and exit 1 when a rule fails (also when CI=true).
    #[arg(long)]
    pub ci: bool,

    /// dive CI rules file (YAML); default .dive-ci when it exists.
    #[arg(long = "ci-config", value_name = "FILE")]
    pub ci_config: Option<PathBuf>,

    /// layerlens config file (YAML: budgets, exclude, caches); default .layerlens.yaml when it
    /// exists. The same keys may instead sit in a `layerlens:` section of the dive CI file.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// CI rule (with --ci): fail when efficiency is below this (0..1, or 'disabled'). dive's
    /// default 0.9.
    #[arg(
        long = "lowestEfficiency",
        allow_negative_numbers = true,
        value_name = "RATIO"
    )]
    pub lowest_efficiency: Option<String>,

    /// CI rule (with --ci): fail when wasted bytes exceed this (20MB, 20MiB, or 'disabled').
    /// Default disabled.
    #[arg(
        long = "highestWastedBytes",
        allow_negative_numbers = true,
        value_name = "SIZE"
    )]
    pub highest_wasted_bytes: Option<String>,

    /// CI rule (with --ci): fail when wasted / user bytes exceeds this (0..1, or 'disabled').
    /// dive's default 0.1.
    #[arg(
        long = "highestUserWastedPercent",
        allow_negative_numbers = true,
        value_name = "RATIO"
    )]
    pub highest_user_wasted_percent: Option<String>,

    /// Report format: text (the waste report), json (dive's keys plus ours), junit (a test case
    /// per rule and budget), github (workflow commands, and a Markdown summary appended to
    /// $GITHUB_STEP_SUMMARY), html (one self-contained page: treemap, layer bars, findings).
    /// junit and github imply --ci. Default: dive's CI text with --ci.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Compare against this image for the maxGrowth budget (any IMAGE form).
    #[arg(long, value_name = "IMAGE")]
    pub baseline: Option<String>,

    /// What a bare IMAGE path is, as dive's --source.
    #[arg(long, value_enum, value_name = "KIND")]
    pub source: Option<SourceArg>,

    /// Platform to pick from a multi-platform image: os/arch[/variant]. Default: this host's.
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,

    /// Pull the image into the daemon before reading it (docker:// and podman://).
    #[arg(long)]
    pub pull: bool,

    /// Allow plain HTTP to a registry that is not on loopback (registry://), and to the
    /// redirects and token service it names.
    #[arg(long)]
    pub insecure: bool,

    /// Fail when a registry sends less than 1 KiB for this many seconds (registry://).
    /// Default 30. A large layer may take as long as it needs while it keeps arriving.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub registry_stall_timeout: Option<u64>,

    /// The Dockerfile that built the image: each layer is paired with its instruction, so
    /// findings name `Dockerfile:LINE` and the UI shows the line. `layerlens build` finds it
    /// in the build's arguments (-f, else the context's Dockerfile).
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// The Dockerfile stage that was built (default: the last), with --dockerfile.
    #[arg(long, value_name = "STAGE", requires = "dockerfile")]
    pub target: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run `docker build` with these arguments, then open the image it built (as `dive build`).
    /// layerlens's own flags come first; everything from the first other argument on is
    /// docker's. The image is shown by its first tag (-t), else by its ID.
    #[command(override_usage = "layerlens [OPTIONS] build [--ci] [--format FORMAT] \
                                [--json FILE] DOCKER-BUILD-ARGS...")]
    Build {
        /// CI mode, as the top-level --ci.
        #[arg(long)]
        ci: bool,
        /// Report format, as the top-level --format.
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<Format>,
        /// Write dive's JSON report to FILE ('-' for stdout), as the top-level --json.
        #[arg(long, short = 'j', value_name = "FILE")]
        json: Option<String>,
        /// Arguments for `docker build` (e.g. `-t app:dev .`).
        #[arg(
            trailing_var_arg = true,
            allow_hyphen_values = true,
            required = true,
            value_name = "DOCKER-BUILD-ARGS"
        )]
        args: Vec<String>,
    },
    /// Compare two images (any sources): sizes per layer, files added, removed and grown,
    /// waste and caches. --format text (default), json or html.
    Diff {
        /// Image A (the "before").
        a: String,
        /// Image B (the "after").
        b: String,
        /// What to print on stdout: text (default), json or html (the two images side by side).
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<DiffFormat>,
        /// Write the comparison as JSON to FILE ('-' for stdout); nothing else is printed
        /// unless --format asks for it.
        #[arg(long, short = 'j', value_name = "FILE")]
        json: Option<String>,
    },
    /// Print a completion script for a shell (bash, zsh or fish) on stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff) on stdout: `layerlens man > layerlens.1`.
    Man,
}

/// `diff --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Html,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
    Github,
    Html,
}

/// `--source` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    DockerArchive,
    Oci,
    OciArchive,
    /// The Docker daemon (IMAGE is an image name).
    Docker,
    /// podman's API service (IMAGE is an image name).
    Podman,
    /// A registry, no daemon (IMAGE is a reference).
    Registry,
}

impl SourceArg {
    /// The source kind this names.
    pub fn kind(self) -> SourceKind {
        match self {
            SourceArg::DockerArchive => SourceKind::DockerArchive,
            SourceArg::Oci => SourceKind::OciLayout,
            SourceArg::OciArchive => SourceKind::OciArchive,
            SourceArg::Docker => SourceKind::Docker,
            SourceArg::Podman => SourceKind::Podman,
            SourceArg::Registry => SourceKind::Registry,
        }
    }
}
