//! chmod/chown in the COPY, not after: a later `chmod -R`, `chown -R` or `touch` writes every
//! file again with the same content, so the bytes ship twice.

use super::deleted::which;
use super::{label::layer_label, Evidence, Finding, FindingKind, Practice, Severity};
use crate::analysis::hidden::HiddenBy;
use crate::units::human_bytes;

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    for g in ev
        .reclaimable
        .iter()
        .filter(|g| g.hidden_by == HiddenBy::Overwritten && g.metadata_only)
    {
        out.push(Finding {
            layer: Some(g.layer),
            hidden_by_layer: Some(g.hidden_by_layer),
            path: Some(format!("/{}", g.path)),
            size_bytes: g.size_bytes,
            message: format!(
                "{} writes {} again with the same content (a chmod, chown or touch): {} ship \
                 twice",
                layer_label(ev.image, g.hidden_by_layer),
                which(g, &layer_label(ev.image, g.layer)),
                human_bytes(g.size_bytes)
            ),
            fix: "set owner and mode as you copy (COPY --chown=user:group --chmod=755), or in \
                  the RUN that creates the files"
                .to_string(),
            claim: g.instances.clone(),
            ..Finding::new(
                FindingKind::Rewritten,
                Severity::Warning,
                Practice::ChownInCopy,
            )
        });
    }
}
