//! Findings: what wastes space (or risks a leak), each as a plain sentence naming the layer and
//! its Dockerfile step, the practice of the team's checklist it breaks, the fix, and the bytes
//! fixing it would remove. One file per practice; [`estimate`] adds the savings up with no byte
//! counted twice.
//!
//! **Every byte a finding claims is a file in the image** (a `(layer, entry)` of a regular
//! file), so the estimate is backed by files, and **no finding is of 0 bytes** unless it is not
//! about bytes (runs as root, cache order, an update alone).

mod base;
mod cache_order;
mod caches;
mod chown;
mod deleted;
mod dockerignore;
mod docs;
mod duplicates;
pub mod estimate;
mod label;
mod npm_dev;
mod recommends;
mod root;
mod secrets;
mod split_steps;
mod toolchain;

use std::fmt;

use serde::Serialize;

pub use dockerignore::suggested_dockerignore;
pub use estimate::Estimate;
pub use label::{instruction, layer_label, layers_label, step};
pub use root::runs_as_root;

use super::base::BaseImage;
use super::caches::CacheHit;
use super::duplicates::DuplicateSet;
use super::final_view::FinalView;
use super::packages::Packages;
use super::reclaimable::WasteGroup;
use super::secrets::SecretFile;
use crate::image::Image;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Bytes that ship for nothing, or a risk: fix it.
    Warning,
    /// Worth knowing; often fine.
    Info,
}

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A package cache or build leftover still visible.
    Cache,
    /// A `.git` directory written by a RUN (a clone).
    Git,
    /// A file written in one layer and deleted in a later one.
    DeletedLater,
    /// A directory's files written in one layer, the directory deleted in a later one.
    DirectoryDeletedLater,
    /// Files written again with the same content (a `chmod -R`, `chown -R` or `touch`).
    Rewritten,
    /// Files replaced by a later layer with new content.
    Overwritten,
    /// The same content at several visible paths.
    Duplicate,
    /// The config runs the container as root.
    RootUser,
    /// `apt-get update` (or `apk update`, `yum makecache`) in a step that installs nothing.
    UpdateAlone,
    /// Consecutive RUNs of one package manager, each rewriting its database.
    SplitSteps,
    /// A file that is a likely secret (by name or first bytes), in any layer.
    Secret,
    /// Compilers, headers and `-dev` packages (and what only they need) in the final image.
    Toolchain,
    /// Packages apt installed only because another recommends them.
    Recommends,
    /// npm devDependencies in the final image.
    NpmDevDependencies,
    /// Documentation, man pages and locales added by the build's own steps.
    Docs,
    /// What a `.dockerignore` would have kept out of a COPY.
    Dockerignore,
    /// A dependency install after a COPY of the whole source.
    CacheOrder,
    /// The base image: what it is, its share, and what a slimmer one leaves out.
    Base,
}

/// The practice of the team's Dockerfile checklist (`practices.md`) a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Practice {
    CleanCachesSameRun,
    DeleteInSameLayer,
    NoCacheInstall,
    Dockerignore,
    CacheOrder,
    MultiStage,
    SmallBase,
    NoInstallRecommends,
    ChownInCopy,
    NonRoot,
    CombineRuns,
    NoSecrets,
}

impl Practice {
    /// The practice's name, as the checklist words it.
    pub fn title(self) -> &'static str {
        match self {
            Practice::CleanCachesSameRun => "clean package caches in the same RUN",
            Practice::DeleteInSameLayer => "delete in the same layer, never later",
            Practice::NoCacheInstall => "install without a cache: --no-cache-dir, npm cache clean",
            Practice::Dockerignore => "a .dockerignore",
            Practice::CacheOrder => "order instructions for the build cache",
            Practice::MultiStage => "multi-stage builds",
            Practice::SmallBase => "a small base image",
            Practice::NoInstallRecommends => "--no-install-recommends",
            Practice::ChownInCopy => "chmod/chown in the COPY, not after",
            Practice::NonRoot => "a non-root user",
            Practice::CombineRuns => "one RUN per logical step",
            Practice::NoSecrets => "no secrets in layers",
        }
    }
}

/// One thing to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The checklist practice it breaks (`None` for duplicates, which no practice covers).
    pub practice: Option<Practice>,
    /// The layer that wrote the bytes, when one did.
    pub layer: Option<usize>,
    /// The later layer that hid them, for deleted and overwritten bytes.
    pub hidden_by_layer: Option<usize>,
    /// The `Dockerfile` line of `layer`'s instruction, with `--dockerfile`.
    pub dockerfile_line: Option<usize>,
    /// The path concerned, with a leading `/`.
    pub path: Option<String>,
    /// Bytes at stake: the files the finding is about (for cache order, the bytes rebuilt on
    /// every source change; 0 when it is not about bytes).
    pub size_bytes: u64,
    /// This finding's share of the estimate: the bytes fixing it would remove that no finding
    /// listed before it already counts. The shares add up to the estimate.
    pub savings_bytes: u64,
    /// What is wrong, as a sentence without the fix.
    pub message: String,
    /// The Dockerfile practice that fixes it.
    pub fix: String,
    /// The files fixing it would remove, as (layer, entry) of regular files.
    #[serde(skip)]
    pub claim: Vec<(usize, usize)>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.fix)
    }
}

impl Finding {
    /// A finding about bytes, the fields not given left empty.
    fn new(kind: FindingKind, severity: Severity, practice: Practice) -> Finding {
        Finding {
            kind,
            severity,
            practice: Some(practice),
            layer: None,
            hidden_by_layer: None,
            dockerfile_line: None,
            path: None,
            size_bytes: 0,
            savings_bytes: 0,
            message: String::new(),
            fix: String::new(),
            claim: Vec::new(),
        }
    }

    /// Whether the finding is about bytes the image ships (then it has some).
    fn is_about_bytes(&self) -> bool {
        !matches!(
            self.kind,
            FindingKind::RootUser
                | FindingKind::UpdateAlone
                | FindingKind::CacheOrder
                | FindingKind::Base
        )
    }
}

/// What the findings are drawn from: the image and the other analyses' results.
pub struct Evidence<'a> {
    pub image: &'a Image,
    pub view: &'a FinalView,
    pub reclaimable: &'a [WasteGroup],
    pub caches: &'a [CacheHit],
    pub duplicates: &'a [DuplicateSet],
    pub secrets: &'a [SecretFile],
    pub packages: &'a Packages,
    pub base: &'a BaseImage,
    /// The user's `exclude:` paths (no leading `/`): never claimed.
    pub excluded: &'a dyn Fn(&str) -> bool,
    /// Whether the user excludes anything (when not, no path is built to ask).
    pub excludes: bool,
}

/// How many duplicate sets become findings (the largest); the JSON lists them all.
pub const MAX_DUPLICATE_FINDINGS: usize = 10;
/// How many likely secrets become findings; the JSON lists them all.
pub const MAX_SECRET_FINDINGS: usize = 20;

/// Every finding, with its share of the estimate: warnings first, then by savings, then by
/// bytes at stake (largest first).
pub fn findings(ev: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    secrets::add(ev, &mut out);
    caches::add(ev, &mut out);
    deleted::add(ev, &mut out);
    chown::add(ev, &mut out);
    toolchain::add(ev, &mut out);
    recommends::add(ev, &mut out);
    npm_dev::add(ev, &mut out);
    docs::add(ev, &mut out);
    dockerignore::add(ev, &mut out);
    base::add(ev, &mut out);
    cache_order::add(ev, &mut out);
    split_steps::add(ev, &mut out);
    duplicates::add(ev, &mut out);
    root::add(ev, &mut out);
    out.retain(|f| !f.is_about_bytes() || f.size_bytes > 0);
    // The user's exclusions are never claimed.
    for f in out.iter_mut().filter(|_| ev.excludes) {
        f.claim.retain(|&(l, e)| {
            let p = ev.image.tree.layer(l).entry(e).display_path();
            !(ev.excluded)(&p)
        });
    }
    for f in &mut out {
        f.dockerfile_line = f
            .layer
            .and_then(|l| ev.image.layers.get(l))
            .and_then(|l| l.dockerfile.as_ref())
            .map(|d| d.line);
    }
    estimate::share_out(ev.image, &mut out);
    // Stable: equal keys keep the practices' order above.
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.savings_bytes.cmp(&a.savings_bytes))
            .then(b.size_bytes.cmp(&a.size_bytes))
    });
    out
}

/// Whether a layer was made by a COPY or ADD of the build context (not `COPY --from`).
fn is_context_copy(image: &Image, layer: usize) -> bool {
    let Some(l) = image.layers.get(layer) else {
        return false;
    };
    let text = step(l);
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    (first == "COPY" || first == "ADD") && !label::instruction(l).contains("--from")
}

/// The bytes of regular files `claim` names.
fn claim_bytes(image: &Image, claim: &[(usize, usize)]) -> u64 {
    claim.iter().fold(0u64, |a, &(l, e)| {
        a.saturating_add(image.tree.layer(l).entry(e).content_size())
    })
}
