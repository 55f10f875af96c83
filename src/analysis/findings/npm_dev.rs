//! npm devDependencies in the final image: packages npm's lockfile marks `dev` (a test runner,
//! a compiler, linters and everything only they need), shipped because the image ran `npm
//! install` rather than `npm ci --omit=dev`.

use std::collections::BTreeMap;

use super::{label::layer_label, Evidence, Finding, FindingKind, Practice, Severity};
use crate::index::pkgdb::Ecosystem;
use crate::units::{count, human_bytes};

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    // Per application folder (the part of the location before node_modules).
    let mut apps: BTreeMap<String, Vec<&crate::analysis::packages::Package>> = BTreeMap::new();
    for p in &ev.packages.packages {
        if p.ecosystem != Ecosystem::Npm || p.dev != Some(true) || p.size_bytes == 0 {
            continue;
        }
        let loc = p.location.as_deref().unwrap_or_default();
        let root = loc.find("node_modules").map_or(loc, |i| &loc[..i]);
        apps.entry(root.trim_end_matches('/').to_string())
            .or_default()
            .push(p);
    }
    for (root, pkgs) in apps {
        let total = pkgs
            .iter()
            .fold(0u64, |a, p| a.saturating_add(p.size_bytes));
        // The layer that installed most of them.
        let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
        for p in &pkgs {
            if let Some(l) = p.layer {
                *by_layer.entry(l).or_default() += p.size_bytes;
            }
        }
        let layer = by_layer
            .iter()
            .max_by_key(|(l, b)| (**b, usize::MAX - **l))
            .map(|(l, _)| *l);
        let mut names: Vec<&str> = pkgs
            .iter()
            .filter(|p| p.auto == Some(false))
            .map(|p| p.name.as_str())
            .collect();
        if names.is_empty() {
            names = pkgs.iter().take(3).map(|p| p.name.as_str()).collect();
        }
        names.truncate(5);
        let who = layer.map_or_else(|| "the image".to_string(), |l| layer_label(ev.image, l));
        out.push(Finding {
            layer,
            path: Some(format!("/{root}/node_modules")),
            size_bytes: total,
            message: format!(
                "{who} ships {} ({}) that npm's lockfile marks as development-only: {} and what \
                 they need",
                count(pkgs.len(), "npm package", "npm packages"),
                human_bytes(total),
                names.join(", ")
            ),
            fix: "npm ci --omit=dev in the image's stage (build with the dev dependencies in a \
                  separate stage and COPY --from only the output)"
                .to_string(),
            claim: pkgs.iter().flat_map(|p| p.instances()).collect(),
            ..Finding::new(
                FindingKind::NpmDevDependencies,
                Severity::Warning,
                Practice::MultiStage,
            )
        });
    }
}
