//! Identical content at several visible paths. Copies the user made are a finding each (the
//! largest few) and count towards the estimate, all but one copy; copies that involve an
//! installed package (a distribution's identical changelogs, a config a package's script copied
//! from its template, a package manager's own records) are one `info` line that claims nothing:
//! no Dockerfile change removes them.

use super::{Evidence, Finding, FindingKind, Severity, MAX_DUPLICATE_FINDINGS};
use crate::units::{count, human_bytes};

/// Where the system keeps its own state and configuration (package managers' records,
/// configs maintainer scripts copy from templates): copies there are the system's business.
const PACKAGE_MANAGER_DIRS: &[&str] = &["var/lib/", "etc/", "lib/apk/db/", "usr/lib/sysimage/"];

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let (mut owned_sets, mut owned_bytes) = (0usize, 0u64);
    let mut shown = 0;
    for d in ev.duplicates {
        let packaged = d
            .copies
            .iter()
            .any(|&(n, _)| ev.packages.owner_of(n).is_some())
            || d.paths
                .iter()
                .any(|p| PACKAGE_MANAGER_DIRS.iter().any(|dir| p.starts_with(dir)));
        if packaged {
            owned_sets += 1;
            owned_bytes = owned_bytes.saturating_add(d.wasted_bytes);
            continue;
        }
        if shown == MAX_DUPLICATE_FINDINGS {
            continue;
        }
        shown += 1;
        let paths: Vec<String> = d.paths.iter().map(|p| format!("/{p}")).collect();
        out.push(Finding {
            kind: FindingKind::Duplicate,
            severity: Severity::Info,
            practice: None,
            layer: d.layers.first().copied(),
            path: paths.first().cloned(),
            size_bytes: d.wasted_bytes,
            message: format!(
                "{} copies of the same {} file: {}",
                d.paths.len(),
                human_bytes(d.size_bytes),
                paths.join(", ")
            ),
            fix: "keep one copy (and a symlink), or copy it once".to_string(),
            // Every copy but the first.
            claim: d
                .copies
                .iter()
                .zip(&d.layers)
                .skip(1)
                .map(|(&(_, e), &l)| (l, e))
                .collect(),
            ..Finding::new(
                FindingKind::Duplicate,
                Severity::Info,
                super::Practice::Dockerignore,
            )
        });
    }
    if owned_sets > 0 {
        out.push(Finding {
            kind: FindingKind::Duplicate,
            severity: Severity::Info,
            practice: None,
            size_bytes: owned_bytes,
            message: format!(
                "{} of identical files inside installed packages ({} in extra copies), such as \
                 one distribution's shared changelogs and licences",
                count(owned_sets, "set", "sets"),
                human_bytes(owned_bytes)
            ),
            fix: "nothing to change in the Dockerfile: the packages ship them so".to_string(),
            ..Finding::new(
                FindingKind::Duplicate,
                Severity::Info,
                super::Practice::Dockerignore,
            )
        });
    }
}
