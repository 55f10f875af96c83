//! Documentation, man pages and locales the build's own steps add (a container reads none of
//! them). Debian's and Ubuntu's `-slim` images exclude them for every package installed later
//! (`/etc/dpkg/dpkg.cfg.d/docker`); copyright files are kept, as those images keep them. The
//! base image's own documentation is the base finding's.

use std::ops::Range;

use super::{layers_label, Evidence, Finding, FindingKind, Practice, Severity};
use crate::index::{path, NodeId};
use crate::units::human_bytes;

/// The folders a `-slim` base leaves out, as debuerreotype's slimify lists them.
pub(super) const DOC_DIRS: &[&str] = &[
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/groff",
    "usr/share/lintian/overrides",
    "usr/share/linda",
    "usr/share/locale",
];

/// One documentation file: its folder (an index into [`DOC_DIRS`]) and where it ships.
pub(super) struct DocFile {
    pub dir: usize,
    pub layer: usize,
    pub entry: usize,
    pub size: u64,
}

/// The visible documentation files written by `layers`, outside the user's exclusions.
pub(super) fn doc_files(ev: &Evidence, layers: Range<usize>) -> Vec<DocFile> {
    let tree = &ev.image.tree;
    let mut out = Vec::new();
    for (d, dir) in DOC_DIRS.iter().enumerate() {
        let Some(root) = tree.find(dir.as_bytes()) else {
            continue;
        };
        ev.view
            .files_below(tree, root, &mut |n: NodeId, l, e, entry| {
                if !layers.contains(&l) || e >= tree.layer(l).len() {
                    return;
                }
                let p = &entry.path;
                let name = path::file_name(p);
                // Licences stay (slim images keep them), and so does locale.alias.
                if (d == 0 && name == b"copyright") || (d == 6 && name == b"locale.alias") {
                    return;
                }
                if ev.excludes && (ev.excluded)(&path::escape(&tree.path(n))) {
                    return;
                }
                out.push(DocFile {
                    dir: d,
                    layer: l,
                    entry: e,
                    size: entry.size,
                });
            });
    }
    out
}

/// "/usr/share/doc 20.1 MB, /usr/share/man 8.00 MB": bytes per folder, largest first.
pub(super) fn by_folder(files: &[DocFile]) -> String {
    let mut per = vec![0u64; DOC_DIRS.len()];
    for f in files {
        per[f.dir] = per[f.dir].saturating_add(f.size);
    }
    let mut dirs: Vec<(usize, u64)> = per
        .into_iter()
        .enumerate()
        .filter(|(_, b)| *b > 0)
        .collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    dirs.iter()
        .map(|(d, b)| format!("/{} {}", DOC_DIRS[*d], human_bytes(*b)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let files = doc_files(ev, ev.base.layers..ev.image.layers.len());
    if files.is_empty() {
        return;
    }
    let total = files.iter().fold(0u64, |a, f| a.saturating_add(f.size));
    let mut layers: Vec<usize> = files.iter().map(|f| f.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    let mut per_layer: Vec<(usize, u64)> = layers.iter().map(|&l| (l, 0)).collect();
    for f in &files {
        if let Some(p) = per_layer.iter_mut().find(|(l, _)| *l == f.layer) {
            p.1 = p.1.saturating_add(f.size);
        }
    }
    let top = per_layer
        .iter()
        .max_by_key(|(l, b)| (*b, usize::MAX - l))
        .map(|p| p.0);
    out.push(Finding {
        layer: top,
        path: Some("/usr/share/doc".to_string()),
        size_bytes: total,
        message: format!(
            "{} {} {} of documentation, man pages and locales that a container never reads \
             ({})",
            layers_label(&layers),
            if layers.len() == 1 { "adds" } else { "add" },
            human_bytes(total),
            by_folder(&files)
        ),
        fix: "build FROM a -slim base, which leaves them out of every package you install \
              (its /etc/dpkg/dpkg.cfg.d/docker), or write those path-exclude lines before the \
              first apt-get install"
            .to_string(),
        claim: files.iter().map(|f| (f.layer, f.entry)).collect(),
        ..Finding::new(FindingKind::Docs, Severity::Warning, Practice::SmallBase)
    });
}
