//! One RUN per logical step: `apt-get update` alone in its own RUN (a later install can use the
//! stale lists the build cache kept), and consecutive RUNs of one package manager, each of which
//! rewrites the manager's database and state files, so every old copy ships.

use super::label::{instruction, layer_label, layers_label, step};
use super::{Evidence, Finding, FindingKind};
use super::{Practice, Severity};
use crate::analysis::hidden::HiddenBy;
use crate::units::{count, human_bytes};

const FIX: &str = "one RUN per logical step: apt-get update && apt-get install -y \
--no-install-recommends ... && rm -rf /var/lib/apt/lists/* (likewise apk add --no-cache, dnf \
install && dnf clean all)";

/// The package manager a step runs, if any (apt and apt-get are one).
fn manager(step: &str) -> Option<&'static str> {
    let words: Vec<&str> = step
        .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .collect();
    let has = |w: &str| {
        words
            .iter()
            .any(|x| *x == w || x.ends_with(&format!("/{w}")))
    };
    if !step.starts_with("RUN ") {
        None
    } else if has("apt-get") || has("apt") {
        Some("apt-get")
    } else if has("apk") {
        Some("apk")
    } else if has("dnf") || has("yum") || has("microdnf") {
        Some("dnf")
    } else if has("zypper") {
        Some("zypper")
    } else {
        None
    }
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let image = ev.image;
    for layer in &image.layers {
        let cmd = instruction(layer);
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
                layer: Some(layer.index),
                message: format!(
                    "{} updates the package index in a step of its own: the build cache keeps \
                     that layer, so a later install can use stale lists, and the lists ship",
                    layer_label(image, layer.index)
                ),
                fix: "update, install and clean up in one RUN".to_string(),
                ..Finding::new(
                    FindingKind::UpdateAlone,
                    Severity::Info,
                    Practice::CombineRuns,
                )
            });
        }
    }
    // Runs of consecutive layers driven by one package manager.
    let managers: Vec<Option<&str>> = image.layers.iter().map(|l| manager(&step(l))).collect();
    let mut start = 0;
    while start < managers.len() {
        let Some(m) = managers[start] else {
            start += 1;
            continue;
        };
        let mut end = start + 1;
        while end < managers.len() && managers[end] == Some(m) {
            end += 1;
        }
        if end - start >= 2 {
            let run = start..end;
            let groups: Vec<_> = ev
                .reclaimable
                .iter()
                .filter(|g| {
                    g.hidden_by == HiddenBy::Overwritten
                        && run.contains(&g.layer)
                        && run.contains(&g.hidden_by_layer)
                })
                .collect();
            let bytes = groups
                .iter()
                .fold(0u64, |a, g| a.saturating_add(g.size_bytes));
            let files: usize = groups.iter().map(|g| g.files).sum();
            let layers: Vec<usize> = run.clone().collect();
            out.push(Finding {
                layer: Some(start),
                path: groups.first().map(|g| format!("/{}", g.path)),
                size_bytes: bytes,
                message: format!(
                    "{} each run {m} in a RUN of their own: each rewrites the package database \
                     and state files, and the old copies ({}, {}) still ship",
                    layers_label(&layers),
                    count(files, "file", "files"),
                    human_bytes(bytes),
                ),
                fix: FIX.to_string(),
                claim: groups
                    .iter()
                    .flat_map(|g| g.instances.iter().copied())
                    .collect(),
                ..Finding::new(
                    FindingKind::SplitSteps,
                    Severity::Warning,
                    Practice::CombineRuns,
                )
            });
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::manager;

    #[test]
    fn package_managers_by_word() {
        assert_eq!(manager("RUN apt-get update"), Some("apt-get"));
        assert_eq!(manager("RUN apt install -y curl"), Some("apt-get"));
        assert_eq!(manager("RUN set -e; /sbin/apk add x"), Some("apk"));
        assert_eq!(
            manager("RUN yum install -y x && yum clean all"),
            Some("dnf")
        );
        assert_eq!(manager("RUN pip install aptly"), None);
        assert_eq!(manager("COPY apt-get /x"), None);
    }
}
