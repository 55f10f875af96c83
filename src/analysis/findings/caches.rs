//! Caches and leftovers still visible: package-manager caches (clean them in the same RUN),
//! language installers' caches (install without a cache), build caches (build in another
//! stage), and a `.git` a RUN cloned. A `.git` a COPY brought in is the `.dockerignore`
//! finding's.

use super::Severity;
use super::{is_context_copy, label::layer_label, Evidence, Finding, FindingKind, Practice};
use crate::units::human_bytes;

/// The practice a cache kind breaks.
fn practice(kind: &str) -> Practice {
    match kind {
        "pip" | "uv" | "poetry" | "npm" | "yarn" | "pnpm" | "composer" | "gem" | "conda" => {
            Practice::NoCacheInstall
        }
        "go-build" | "go-mod" | "maven" | "gradle" | "cargo" | "ccache" => Practice::MultiStage,
        "tmp" => Practice::DeleteInSameLayer,
        "git" => Practice::Dockerignore,
        _ => Practice::CleanCachesSameRun,
    }
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    for c in ev.caches {
        let path = format!("/{}", c.path);
        let step = layer_label(ev.image, c.layer);
        let size = human_bytes(c.size_bytes);
        let (kind, message, fix) = if c.kind == "git" {
            // A .git a COPY brought in (perhaps rewritten since by a chmod) is the
            // .dockerignore finding's.
            let tree = &ev.image.tree;
            let copied = tree.find(c.path.as_bytes()).is_some_and(|n| {
                (0..=c.layer).any(|l| {
                    is_context_copy(ev.image, l) && tree.visible(n, l).is_some_and(|o| o.layer == l)
                })
            });
            if copied {
                continue;
            }
            (
                FindingKind::Git,
                format!("{step} leaves a {size} git repository at {path}"),
                "clone with --depth 1 and remove .git in the same RUN, or clone in a build \
                 stage and COPY --from only the files"
                    .to_string(),
            )
        } else {
            (
                FindingKind::Cache,
                format!(
                    "{step} wrote {size} of {} that the image still ships at {path}",
                    c.what
                ),
                c.fix.clone(),
            )
        };
        out.push(Finding {
            layer: Some(c.layer),
            path: Some(path),
            size_bytes: c.size_bytes,
            message,
            fix,
            claim: c.instances.clone(),
            ..Finding::new(kind, Severity::Warning, practice(&c.kind))
        });
    }
}
