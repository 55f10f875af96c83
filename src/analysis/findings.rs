//! Findings: what the waste analysis found, each as a plain sentence naming the layer (and its
//! Dockerfile step) and the practice that fixes it, for a person reading a report or a class
//! being shown an image. Built from the other analyses' results; never reads the tree itself
//! beyond the image config and layer history.

use std::fmt;

use serde::Serialize;

use super::caches::CacheHit;
use super::duplicates::DuplicateSet;
use super::hidden::HiddenBy;
use super::reclaimable::WasteGroup;
use super::secrets::SecretFile;
use crate::image::{Image, Layer};
use crate::units::human_bytes;

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
    /// A `.git` directory in the image.
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
    /// A file whose name says secret (a private key, `.env`, credentials), in any layer.
    Secret,
}

/// One thing to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The layer that wrote the bytes, when one did.
    pub layer: Option<usize>,
    /// The later layer that hid them, for deleted and overwritten bytes.
    pub hidden_by_layer: Option<usize>,
    /// The path concerned, with a leading `/`.
    pub path: Option<String>,
    /// Bytes at stake (0 when it is not about bytes).
    pub size_bytes: u64,
    /// What is wrong, as a sentence without the fix.
    pub message: String,
    /// The Dockerfile practice that fixes it.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.fix)
    }
}

/// How many duplicate sets become findings (the largest); the JSON lists them all.
pub const MAX_DUPLICATE_FINDINGS: usize = 10;
/// How many likely secrets become findings; the JSON lists them all.
pub const MAX_SECRET_FINDINGS: usize = 20;

const DELETE_FIX: &str = "delete it in the same RUN that creates it, or build it in a separate \
stage and COPY --from only what the image needs";

/// Every finding, warnings first, then by bytes (largest first).
pub fn findings(
    image: &Image,
    reclaimable: &[WasteGroup],
    caches: &[CacheHit],
    duplicates: &[DuplicateSet],
    secrets: &[SecretFile],
) -> Vec<Finding> {
    let step = |i: usize| layer_label(image, i);
    let mut out = Vec::new();
    for s in secrets.iter().take(MAX_SECRET_FINDINGS) {
        let still = if s.visible {
            "and the image still has it".to_string()
        } else {
            format!(
                "a later layer deletes it, but it still ships in layer {}",
                s.layer
            )
        };
        out.push(Finding {
            kind: FindingKind::Secret,
            severity: Severity::Warning,
            layer: Some(s.layer),
            hidden_by_layer: None,
            path: Some(format!("/{}", s.path)),
            size_bytes: s.size_bytes,
            message: format!(
                "{} adds /{}, a likely secret, {still}",
                step(s.layer),
                s.path
            ),
            fix: "never COPY secrets into an image: use build secrets (RUN --mount=type=secret) \
                  and list them in .dockerignore; rotate this one"
                .to_string(),
        });
    }
    for c in caches {
        let path = format!("/{}", c.path);
        let (kind, message) = if c.kind == "git" {
            (
                FindingKind::Git,
                format!(
                    ".git copied into the image: {} put {} of it at {path}",
                    step(c.layer),
                    human_bytes(c.size_bytes)
                ),
            )
        } else {
            (
                FindingKind::Cache,
                format!(
                    "{} wrote {} of {} that the image still ships at {path}",
                    step(c.layer),
                    human_bytes(c.size_bytes),
                    c.what,
                ),
            )
        };
        out.push(Finding {
            kind,
            severity: Severity::Warning,
            layer: Some(c.layer),
            hidden_by_layer: None,
            path: Some(path),
            size_bytes: c.size_bytes,
            message,
            fix: c.fix.clone(),
        });
    }
    // Deletions by one layer of another layer's files become one finding when there are many
    // (an `rm dir/*` leaves a whiteout per file); the JSON keeps every group.
    let mut deletions: Vec<((usize, usize), Vec<&WasteGroup>)> = Vec::new();
    for g in reclaimable
        .iter()
        .filter(|g| g.hidden_by != HiddenBy::Overwritten)
    {
        let key = (g.layer, g.hidden_by_layer);
        match deletions.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(g),
            None => deletions.push((key, vec![g])),
        }
    }
    let mut singles: Vec<&WasteGroup> = Vec::new();
    for ((layer, hider), gs) in &deletions {
        if gs.len() == 1 {
            singles.push(gs[0]);
            continue;
        }
        let total = gs.iter().fold(0u64, |a, g| a.saturating_add(g.size_bytes));
        let nfiles: usize = gs.iter().map(|g| g.files).sum();
        let largest = gs
            .iter()
            .max_by_key(|g| g.size_bytes)
            .copied()
            .unwrap_or(gs[0]);
        out.push(Finding {
            kind: FindingKind::DeletedLater,
            severity: Severity::Warning,
            layer: Some(*layer),
            hidden_by_layer: Some(*hider),
            path: Some(format!("/{}", largest.path)),
            size_bytes: total,
            message: format!(
                "{} writes {} in {} that {} deletes ({} deletions, the largest /{} at {}): \
                 the bytes still ship",
                step(*layer),
                human_bytes(total),
                files(nfiles),
                step(*hider),
                gs.len(),
                largest.path,
                human_bytes(largest.size_bytes)
            ),
            fix: DELETE_FIX.to_string(),
        });
    }
    let overwrites = reclaimable
        .iter()
        .filter(|g| g.hidden_by == HiddenBy::Overwritten);
    for g in singles.into_iter().chain(overwrites) {
        let path = format!("/{}", g.path);
        let size = human_bytes(g.size_bytes);
        let (by, from) = (step(g.hidden_by_layer), step(g.layer));
        let (kind, severity, message, fix) = match g.hidden_by {
            HiddenBy::Deleted => (
                FindingKind::DeletedLater,
                Severity::Warning,
                format!("{from} adds a {size} file {path} that {by} deletes: the bytes still ship"),
                DELETE_FIX.to_string(),
            ),
            HiddenBy::DirectoryRemoved => (
                FindingKind::DirectoryDeletedLater,
                Severity::Warning,
                format!(
                    "{from} writes {size} in {} under {path} that {by} deletes: the bytes still ship",
                    files(g.files)
                ),
                DELETE_FIX.to_string(),
            ),
            HiddenBy::Overwritten if g.metadata_only => (
                FindingKind::Rewritten,
                Severity::Warning,
                format!(
                    "{by} writes {} again with the same content \
                     (a chmod, chown or touch): {size} ship twice",
                    which(g.files, &from, &path)
                ),
                "set owner and mode as you copy (COPY --chown=user:group --chmod=755), \
                 or in the RUN that creates the files"
                    .to_string(),
            ),
            HiddenBy::Overwritten => (
                FindingKind::Overwritten,
                Severity::Info,
                format!(
                    "{by} replaces {}: the old {size} still ship",
                    which(g.files, &from, &path)
                ),
                "write the final version in the step that creates it".to_string(),
            ),
        };
        out.push(Finding {
            kind,
            severity,
            layer: Some(g.layer),
            hidden_by_layer: Some(g.hidden_by_layer),
            path: Some(path),
            size_bytes: g.size_bytes,
            message,
            fix,
        });
    }
    for d in duplicates.iter().take(MAX_DUPLICATE_FINDINGS) {
        let paths: Vec<String> = d.paths.iter().map(|p| format!("/{p}")).collect();
        out.push(Finding {
            kind: FindingKind::Duplicate,
            severity: Severity::Info,
            layer: d.layers.first().copied(),
            hidden_by_layer: None,
            path: paths.first().cloned(),
            size_bytes: d.wasted_bytes,
            message: format!(
                "{} copies of the same {} file: {}",
                d.paths.len(),
                human_bytes(d.size_bytes),
                paths.join(", ")
            ),
            fix: "keep one copy (and a symlink), or copy it once".to_string(),
        });
    }
    for layer in &image.layers {
        let cmd = layer.command();
        let updates = [
            "apt-get update",
            "apt update",
            "apk update",
            "yum makecache",
            "dnf makecache",
        ]
        .iter()
        .any(|u| cmd.contains(u));
        let installs = ["install", "apk add", "upgrade"]
            .iter()
            .any(|i| cmd.contains(i));
        if updates && !installs {
            out.push(Finding {
                kind: FindingKind::UpdateAlone,
                severity: Severity::Info,
                layer: Some(layer.index),
                hidden_by_layer: None,
                path: None,
                size_bytes: 0,
                message: format!(
                    "{} updates the package index in a step of its own: the build cache keeps \
                     that layer, so a later install can use stale lists, and the lists ship",
                    step(layer.index)
                ),
                fix: "update, install and clean up in one RUN".to_string(),
            });
        }
    }
    if runs_as_root(image.config.user.as_deref()) {
        out.push(Finding {
            kind: FindingKind::RootUser,
            severity: Severity::Warning,
            layer: None,
            hidden_by_layer: None,
            path: None,
            size_bytes: 0,
            message: "the image runs as root".to_string(),
            fix: "create a user and switch to it (RUN adduser -D app, then USER app)".to_string(),
        });
    }
    // Stable: equal keys keep the analyses' own order.
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.size_bytes.cmp(&a.size_bytes))
    });
    out
}

/// Whether a config `User` means root: unset, empty, `root` or uid 0 (with any group).
pub fn runs_as_root(user: Option<&str>) -> bool {
    let user = user.unwrap_or("").trim();
    let name = user.split(':').next().unwrap_or("");
    name.is_empty() || name == "root" || name == "0"
}

/// The files of an overwrite group: the one file by its path, or how many and the directory
/// holding them (a group's path is the file itself when it has one file).
fn which(n: usize, from: &str, path: &str) -> String {
    if n == 1 {
        format!("{path} from {from}")
    } else {
        format!("{} from {from} under {path}", files(n))
    }
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".to_string()
    } else {
        format!("{n} files")
    }
}

/// "layer 3 (RUN apt-get update)": the layer and the Dockerfile step that made it.
pub fn layer_label(image: &Image, index: usize) -> String {
    match image.layers.get(index).map(step) {
        Some(s) if !s.is_empty() => format!("layer {index} ({s})"),
        _ => format!("layer {index}"),
    }
}

/// The Dockerfile step that made a layer, short and on one line: `RUN apt-get update`,
/// `COPY file:ab12… in /app`.
pub fn step(layer: &Layer) -> String {
    let Some(raw) = layer.history.as_ref().and_then(|h| h.created_by.as_deref()) else {
        return String::new();
    };
    let raw = raw.trim();
    let raw = raw.strip_suffix("# buildkit").unwrap_or(raw).trim_end();
    let text = if let Some(rest) = raw.strip_prefix("/bin/sh -c #(nop)") {
        rest.trim().to_string()
    } else if let Some(rest) = raw.strip_prefix("/bin/sh -c ") {
        format!("RUN {}", rest.trim())
    } else if INSTRUCTIONS.contains(&raw.split_whitespace().next().unwrap_or("")) {
        raw.to_string()
    } else {
        // The legacy builder records an exec-form RUN as the bare command.
        format!("RUN {raw}")
    };
    // `COPY dir:<64 hex> in /app`: the content hash says little; keep 12 digits of it.
    let one_line = text
        .split_whitespace()
        .map(|w| match w.split_once(':') {
            Some((src @ ("file" | "dir" | "multi"), hash))
                if hash.len() > 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                format!("{src}:{}…", &hash[..12])
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() > 60 {
        one_line.chars().take(59).collect::<String>() + "…"
    } else {
        one_line
    }
}

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::caches::{builtin_patterns, find_caches};
    use crate::analysis::duplicates::find_duplicates;
    use crate::analysis::reclaimable::reclaimable;
    use crate::analysis::testing::*;

    #[test]
    fn sentences_name_layer_step_bytes_and_fix() {
        let img = image(
            vec![
                (
                    "#(nop) COPY file:abc in /bin/sh",
                    vec![file("bin/sh", 100, 1)],
                ),
                (
                    "apt-get update",
                    vec![file("var/lib/apt/lists/x_Packages", 18_000_000, 2)],
                ),
                ("dd if=/dev/zero of=/big", vec![file("big", 5_000_000, 3)]),
                ("rm /big", vec![whiteout("big")]),
                (
                    "#(nop) COPY dir:123 in /app",
                    vec![file("app/.git/HEAD", 23, 4)],
                ),
            ],
            None,
        );
        let r = reclaimable(&img, &|_| false);
        let c = find_caches(&img, &builtin_patterns(), &|_| false);
        let d = find_duplicates(&img, &|_| false);
        let f = findings(&img, &r.groups, &c, &d, &[]);
        let text: Vec<String> = f.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            text,
            [
                "layer 1 (RUN apt-get update) wrote 18.0 MB of apt lists that the image still \
                 ships at /var/lib/apt/lists: update, install and remove /var/lib/apt/lists/* \
                 in one RUN (apt-get update && apt-get install -y --no-install-recommends ... \
                 && rm -rf /var/lib/apt/lists/*)",
                "layer 2 (RUN dd if=/dev/zero of=/big) adds a 5.00 MB file /big that layer 3 \
                 (RUN rm /big) deletes: the bytes still ship: delete it in the same RUN that \
                 creates it, or build it in a separate stage and COPY --from only what the \
                 image needs",
                ".git copied into the image: layer 4 (COPY dir:123 in /app) put 23 B of it at \
                 /app/.git: add .git to a .dockerignore",
                "the image runs as root: create a user and switch to it (RUN adduser -D app, \
                 then USER app)",
                "layer 1 (RUN apt-get update) updates the package index in a step of its own: \
                 the build cache keeps that layer, so a later install can use stale lists, and \
                 the lists ship: update, install and clean up in one RUN",
            ]
        );
        assert_eq!(f[1].kind, FindingKind::DeletedLater);
        assert_eq!((f[1].layer, f[1].hidden_by_layer), (Some(2), Some(3)));
        assert_eq!(f[1].size_bytes, 5_000_000);
    }

    #[test]
    fn many_deletions_between_two_layers_are_one_finding() {
        let img = image(
            vec![
                (
                    "unpack",
                    vec![
                        file("d/a", 300, 1),
                        file("d/b", 200, 2),
                        file("e/c", 100, 3),
                    ],
                ),
                ("rm", vec![whiteout("d/a"), whiteout("d/b"), whiteout("e")]),
            ],
            Some("app"),
        );
        let r = reclaimable(&img, &|_| false);
        assert_eq!(r.groups.len(), 3);
        let f = findings(&img, &r.groups, &[], &[], &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "layer 0 (RUN unpack) writes 600 B in 3 files that layer 1 (RUN rm) deletes \
             (3 deletions, the largest /d/a at 300 B): the bytes still ship"
        );
        assert_eq!((f[0].size_bytes, f[0].path.as_deref()), (600, Some("/d/a")));
    }

    #[test]
    fn steps_read_like_the_dockerfile() {
        let label = |created_by: &str| {
            let img = image(vec![("x", vec![])], None);
            let mut layer = img.layers[0].clone();
            layer.history.as_mut().unwrap().created_by = Some(created_by.to_string());
            step(&layer)
        };
        assert_eq!(label("/bin/sh -c apt-get update"), "RUN apt-get update");
        assert_eq!(
            label(&format!(
                "/bin/sh -c #(nop) COPY dir:{} in /app/ ",
                "ab".repeat(32)
            )),
            "COPY dir:abababababab… in /app/"
        );
        assert_eq!(
            label("/bin/busybox --install -s /bin"),
            "RUN /bin/busybox --install -s /bin"
        );
        assert_eq!(label("WORKDIR /app"), "WORKDIR /app");
        assert_eq!(
            label("RUN /bin/sh -c make # buildkit"),
            "RUN /bin/sh -c make"
        );
        assert_eq!(label(&"RUN x ".repeat(20)).chars().count(), 60);
    }

    #[test]
    fn update_in_a_step_of_its_own() {
        let img = image(
            vec![
                ("apt-get update", vec![]),
                ("apt-get install -y curl", vec![]),
                ("apt-get update && apt-get install -y git", vec![]),
            ],
            Some("app"),
        );
        let f = findings(&img, &[], &[], &[], &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FindingKind::UpdateAlone);
        assert_eq!(f[0].layer, Some(0));
        assert!(f[0]
            .message
            .starts_with("layer 0 (RUN apt-get update) updates the package index"));
    }

    #[test]
    fn root_user_and_byte_formatting() {
        assert!(runs_as_root(None));
        assert!(runs_as_root(Some("0:0")));
        assert!(runs_as_root(Some("root")));
        assert!(!runs_as_root(Some("app")));
        assert!(!runs_as_root(Some("1000:1000")));
    }
}
