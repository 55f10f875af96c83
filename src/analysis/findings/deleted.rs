//! Delete in the same layer, never later: files a later layer deletes (one by one, or the
//! directory above them) or replaces with new content still ship in the layer that wrote them.

use super::{label::layer_label, Evidence, Finding, FindingKind, Practice, Severity};
use crate::analysis::hidden::HiddenBy;
use crate::analysis::reclaimable::WasteGroup;
use crate::units::{count, human_bytes};

pub(super) const DELETE_FIX: &str = "delete it in the same RUN that creates it, or build it in a \
separate stage and COPY --from only what the image needs";

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let step = |i: usize| layer_label(ev.image, i);
    // Deletions by one layer of another layer's files become one finding when there are many
    // (an `rm dir/*` leaves a whiteout per file); the JSON keeps every group.
    let mut deletions: Vec<((usize, usize), Vec<&WasteGroup>)> = Vec::new();
    for g in ev
        .reclaimable
        .iter()
        .filter(|g| g.hidden_by != HiddenBy::Overwritten)
    {
        let key = (g.layer, g.hidden_by_layer);
        match deletions.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(g),
            None => deletions.push((key, vec![g])),
        }
    }
    let finding = |kind, g: &WasteGroup| Finding {
        layer: Some(g.layer),
        hidden_by_layer: Some(g.hidden_by_layer),
        path: Some(format!("/{}", g.path)),
        size_bytes: g.size_bytes,
        fix: DELETE_FIX.to_string(),
        claim: g.instances.clone(),
        ..Finding::new(kind, Severity::Warning, Practice::DeleteInSameLayer)
    };
    for ((layer, hider), gs) in &deletions {
        if let [g] = gs[..] {
            let path = format!("/{}", g.path);
            let size = human_bytes(g.size_bytes);
            let (from, by) = (step(g.layer), step(g.hidden_by_layer));
            out.push(if g.hidden_by == HiddenBy::Deleted {
                Finding {
                    message: format!(
                        "{from} adds a {size} file {path} that {by} deletes: the bytes still ship"
                    ),
                    ..finding(FindingKind::DeletedLater, g)
                }
            } else {
                Finding {
                    message: format!(
                        "{from} writes {size} in {} under {path} that {by} deletes: the bytes \
                         still ship",
                        count(g.files, "file", "files")
                    ),
                    ..finding(FindingKind::DirectoryDeletedLater, g)
                }
            });
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
            size_bytes: total,
            message: format!(
                "{} writes {} in {} that {} deletes ({} deletions, the largest /{} at {}): \
                 the bytes still ship",
                step(*layer),
                human_bytes(total),
                count(nfiles, "file", "files"),
                step(*hider),
                gs.len(),
                largest.path,
                human_bytes(largest.size_bytes)
            ),
            claim: gs
                .iter()
                .flat_map(|g| g.instances.iter().copied())
                .collect(),
            ..finding(FindingKind::DeletedLater, largest)
        });
    }
    for g in ev
        .reclaimable
        .iter()
        .filter(|g| g.hidden_by == HiddenBy::Overwritten && !g.metadata_only)
    {
        // Files a package owns now, replaced by a newer version of it: a package upgrade. The
        // old version ships, but nothing in the Dockerfile's own steps wrote it twice, and the
        // fixed image may well keep the old version (then claiming it would be wrong).
        let tree = &ev.image.tree;
        let upgraded = g
            .instances
            .iter()
            .zip(&g.nodes)
            .filter(|&(_, &n)| ev.packages.owner_of(n).is_some())
            .fold(0u64, |a, (&(l, e), _)| {
                a.saturating_add(tree.layer(l).entry(e).size)
            });
        if upgraded.saturating_mul(2) > g.size_bytes {
            out.push(Finding {
                severity: Severity::Info,
                message: format!(
                    "{} upgrades packages that {} installed: the old versions' {} ({}) still ship",
                    step(g.hidden_by_layer),
                    step(g.layer),
                    human_bytes(g.size_bytes),
                    count(g.files, "file", "files")
                ),
                fix: "install the versions you need in one step, or start from a base image \
                      that has them: a later upgrade always ships both versions"
                    .to_string(),
                claim: Vec::new(),
                ..finding(FindingKind::Overwritten, g)
            });
            continue;
        }
        out.push(Finding {
            severity: Severity::Info,
            message: format!(
                "{} replaces {}: the old {} still ship",
                step(g.hidden_by_layer),
                which(g, &step(g.layer)),
                human_bytes(g.size_bytes)
            ),
            fix: "write the final version in the step that creates it".to_string(),
            ..finding(FindingKind::Overwritten, g)
        });
    }
}

/// The files of an overwrite group: the one file by its path; or how many and the directory
/// holding them; or, when they share only the root, the top-level folders and the largest.
pub(super) fn which(g: &WasteGroup, from: &str) -> String {
    let files = count(g.files, "file", "files");
    if g.files == 1 {
        format!("/{} from {from}", g.path)
    } else if g.paths.is_empty() {
        format!("{files} from {from} under /{}", g.path)
    } else {
        let dirs: Vec<String> = g.paths.iter().map(|p| format!("/{p}")).collect();
        let dirs = match &dirs[..] {
            [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
            _ => dirs.join(""),
        };
        format!("{files} from {from} in {dirs} (the largest /{})", g.path)
    }
}
