//! `--no-install-recommends`: packages apt installed automatically only because an installed
//! package recommends them. Claimed only where the data proves it: apt's `extended_states`
//! marks them automatic, nothing the user asked for needs them through Depends (only through
//! Recommends), and the step that installed them ran `apt-get install` without the flag.

use std::collections::BTreeMap;

use super::{
    label::instruction, label::layer_label, Evidence, Finding, FindingKind, Practice, Severity,
};
use crate::analysis::packages::graph::Graph;
use crate::analysis::packages::Package;
use crate::index::pkgdb::Ecosystem;
use crate::units::{count, human_bytes};

/// Whether a step installs with apt and lets it add recommended packages.
fn installs_recommends(step: &str) -> bool {
    let installs = step.contains("apt-get install")
        || step.contains("apt install")
        || step.contains("aptitude install");
    let off = [
        "--no-install-recommends",
        "Install-Recommends=false",
        "Install-Recommends=0",
        "Install-Recommends \"false\"",
    ];
    installs && !off.iter().any(|o| step.contains(o))
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let g = Graph::new(ev.packages, Ecosystem::Dpkg);
    if g.packages.is_empty() || g.packages.iter().any(|p| p.auto.is_none()) {
        return;
    }
    let manual: Vec<usize> = (0..g.packages.len())
        .filter(|&i| g.packages[i].auto == Some(false) || g.packages[i].relations.required)
        .collect();
    let needed = g.closure(manual.iter().copied(), false, &|_| false);
    let wanted = g.closure(manual.iter().copied(), true, &|_| false);
    let mut by_layer: BTreeMap<usize, Vec<&Package>> = BTreeMap::new();
    for (i, p) in g.packages.iter().enumerate() {
        if !(wanted[i] && !needed[i] && p.auto == Some(true)) || p.size_bytes == 0 {
            continue;
        }
        let Some(l) = p.layer else {
            continue;
        };
        if ev
            .image
            .layers
            .get(l)
            .is_some_and(|layer| installs_recommends(&instruction(layer)))
        {
            by_layer.entry(l).or_default().push(p);
        }
    }
    for (layer, mut pkgs) in by_layer {
        pkgs.sort_by(|a, b| {
            b.size_bytes
                .cmp(&a.size_bytes)
                .then_with(|| a.name.cmp(&b.name))
        });
        let total = pkgs
            .iter()
            .fold(0u64, |a, p| a.saturating_add(p.size_bytes));
        let largest: Vec<String> = pkgs
            .iter()
            .take(4)
            .map(|p| format!("{} {}", p.name, human_bytes(p.size_bytes)))
            .collect();
        out.push(Finding {
            layer: Some(layer),
            size_bytes: total,
            message: format!(
                "{} installs {} ({}) only because other packages recommend them: apt-get \
                 install ran without --no-install-recommends (the largest: {})",
                layer_label(ev.image, layer),
                count(pkgs.len(), "package", "packages"),
                human_bytes(total),
                largest.join(", ")
            ),
            fix: "apt-get install -y --no-install-recommends, and name the packages you really \
                  need"
                .to_string(),
            claim: pkgs.iter().flat_map(|p| p.instances()).collect(),
            ..Finding::new(
                FindingKind::Recommends,
                Severity::Warning,
                Practice::NoInstallRecommends,
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::installs_recommends;

    #[test]
    fn the_flag_or_its_config_turns_recommends_off() {
        assert!(installs_recommends("RUN apt-get install -y python3"));
        assert!(!installs_recommends(
            "RUN apt-get install -y --no-install-recommends python3"
        ));
        assert!(!installs_recommends(
            "RUN apt-get -o APT::Install-Recommends=false install -y x"
        ));
        assert!(!installs_recommends("RUN apt-get update"));
    }
}
