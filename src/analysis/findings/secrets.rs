//! No secrets in layers: a private key, `.env`, credentials file or registry login in any
//! layer, even one a later layer deletes (it still ships in the layer that wrote it).

use super::MAX_SECRET_FINDINGS;
use super::{label::layer_label, Evidence, Finding, FindingKind, Practice, Severity};

const FIX: &str = "never COPY secrets into an image: use build secrets (RUN --mount=type=secret) \
and list them in .dockerignore; rotate this one";

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let tree = &ev.image.tree;
    // A key a package ships (an example, a test fixture) is the distribution's, not one the
    // Dockerfile copied in; the JSON still lists it.
    let packaged = |p: &str| {
        tree.find(p.as_bytes())
            .is_some_and(|n| ev.packages.owner_of(n).is_some())
    };
    for s in ev
        .secrets
        .iter()
        .filter(|s| !packaged(&s.path))
        .take(MAX_SECRET_FINDINGS)
    {
        let what = match s.evidence {
            "private-key" => "a private key (its first bytes say so)",
            "registry-credentials" => "registry credentials (a JSON file with \"auths\")",
            _ => "a likely secret",
        };
        let still = if s.visible {
            "and the image still has it".to_string()
        } else {
            format!(
                "and though a later layer deletes or replaces it, this copy still ships in \
                 layer {}",
                s.layer
            )
        };
        out.push(Finding {
            layer: Some(s.layer),
            path: Some(format!("/{}", s.path)),
            size_bytes: s.size_bytes,
            message: format!(
                "{} writes /{}, {what}, {still}",
                layer_label(ev.image, s.layer),
                s.path
            ),
            fix: FIX.to_string(),
            claim: vec![(s.layer, s.entry)],
            ..Finding::new(FindingKind::Secret, Severity::Warning, Practice::NoSecrets)
        });
    }
}
