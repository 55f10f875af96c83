//! A small base image: the base's layers (the history before the build's first step), its
//! distribution, its share of the image, and the slimmer bases that exist for it. What a
//! slimmer base would save is claimed only where the image's own files show it: the base's
//! documentation, man pages and locales (which a `-slim` variant leaves out) and a toolchain
//! the base brought (which the `-slim` variants of language images do not have).

use super::docs::{by_folder, doc_files};
use super::label::layers_label;
use super::toolchain::removable;
use super::{Evidence, Finding, FindingKind, Practice, Severity};
use crate::analysis::base::Distribution;
use crate::units::{human_bytes, percent};

/// Slimmer bases for a distribution, and whether the image runs Python or Node.
fn alternatives(d: Option<&Distribution>, python: Option<&str>, node: bool) -> String {
    let runtime_distroless = match (python, node) {
        (Some(_), _) => "gcr.io/distroless/python3-debian12",
        (None, true) => "gcr.io/distroless/nodejs20-debian12",
        _ => "gcr.io/distroless/base-debian12",
    };
    let alpine = "alpine is smaller still, but its musl libc can force slow source builds of \
                  Python wheels and behaves differently in DNS and locales";
    let lang = match (python, node) {
        (Some(v), _) => format!("python:{v}-slim, "),
        (None, true) => "node:20-slim, ".to_string(),
        _ => String::new(),
    };
    match d.map(|d| d.id.as_str()) {
        Some("debian") => {
            let codename = d.and_then(|d| d.codename.as_deref()).unwrap_or("bookworm");
            format!(
                "build FROM {lang}debian:{codename}-slim, or a distroless image \
                 ({runtime_distroless}) for a runtime only; {alpine}"
            )
        }
        Some("ubuntu") => format!(
            "ubuntu images are already minimized: for a runtime only, use a distroless image \
             ({runtime_distroless}) or {lang}a Debian -slim base; {alpine}"
        ),
        Some("alpine") => "alpine is already small: a distroless or scratch image for a static \
                           binary is the next step"
            .to_string(),
        Some("fedora" | "rhel" | "centos" | "rocky" | "almalinux") => {
            "a -minimal variant (ubi-minimal, fedora-minimal) or a micro image".to_string()
        }
        _ => format!("a -slim or distroless base for a runtime only; {alpine}"),
    }
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let b = ev.base;
    if b.layers == 0 {
        return;
    }
    let image = ev.image;
    let docs = doc_files(ev, 0..b.layers);
    let tools = removable(ev);
    let base_tools: Vec<_> = tools
        .packages
        .iter()
        .filter(|p| p.layer.is_some_and(|l| l < b.layers))
        .collect();
    let mut claim: Vec<(usize, usize)> = docs.iter().map(|f| (f.layer, f.entry)).collect();
    claim.extend(base_tools.iter().flat_map(|p| p.instances()));
    let doc_bytes = docs.iter().fold(0u64, |a, f| a.saturating_add(f.size));
    let tool_bytes = base_tools
        .iter()
        .fold(0u64, |a, p| a.saturating_add(p.size_bytes));
    let tree = &image.tree;
    let exists = |p: &str| {
        tree.find(p.as_bytes())
            .is_some_and(|n| ev.view.origin(n).is_some())
    };
    let python = ["3.13", "3.12", "3.11", "3.10", "3.9"]
        .into_iter()
        .find(|v| {
            exists(&format!("usr/local/bin/python{v}")) || exists(&format!("usr/bin/python{v}"))
        });
    let node = exists("usr/local/bin/node") || exists("usr/bin/node") || exists("usr/bin/nodejs");
    let layers: Vec<usize> = (0..b.layers).collect();
    let what = match b.distribution.as_ref().and_then(|d| d.pretty_name.clone()) {
        Some(name) => format!("{}: {name}", layers_label(&layers)),
        None => layers_label(&layers),
    };
    let head = format!(
        "the base image ({what}) is {}, {} of the image",
        human_bytes(b.size_bytes),
        percent(b.size_bytes, image.size())
    );
    let mut parts = Vec::new();
    if doc_bytes > 0 {
        parts.push(format!(
            "{} of documentation, man pages and locales ({}) that a -slim variant leaves out",
            human_bytes(doc_bytes),
            by_folder(&docs)
        ));
    }
    if tool_bytes > 0 {
        parts.push(format!(
            "a {} build toolchain ({} packages) that the -slim variants of language images do \
             not have",
            human_bytes(tool_bytes),
            base_tools.len()
        ));
    }
    let message = if parts.is_empty() {
        head
    } else {
        format!("{head}; it ships {}", parts.join(", and "))
    };
    out.push(Finding {
        layer: Some(0),
        size_bytes: doc_bytes.saturating_add(tool_bytes),
        message,
        fix: alternatives(b.distribution.as_ref(), python, node),
        claim,
        severity: if doc_bytes + tool_bytes > 0 {
            Severity::Warning
        } else {
            Severity::Info
        },
        ..Finding::new(FindingKind::Base, Severity::Info, Practice::SmallBase)
    });
}
