//! A `.dockerignore`: what a COPY (or ADD) of the build context brought in that the program
//! never uses: version control (`.git`), Python bytecode caches, test folders, a host
//! `node_modules` or virtualenv, `.env` files, editor and CI folders, tool caches, local data.
//! Paths are judged relative to the folder the COPY wrote to; anything inside an installed
//! package (`site-packages`, `node_modules` below the copy's own) is the package's business.
//! The finding comes with the `.dockerignore` that would have kept them out.

use std::collections::BTreeMap;

use super::Severity;
use super::{is_context_copy, label::layer_label, Evidence, Finding, FindingKind, Practice};
use crate::image::Image;
use crate::index::pkgdb::Ecosystem;
use crate::index::{path, EntryKind};
use crate::units::human_bytes;

/// What kind of junk, in the order the suggestion lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Junk {
    Vcs,
    Bytecode,
    HostModules,
    HostVenv,
    Env,
    Tests,
    Editor,
    Ci,
    ToolCaches,
    Data,
    BuildFiles,
}

impl Junk {
    fn what(self) -> &'static str {
        match self {
            Junk::Vcs => "version control",
            Junk::Bytecode => "Python bytecode",
            Junk::HostModules => "a host node_modules",
            Junk::HostVenv => "a host virtualenv",
            Junk::Env => ".env files",
            Junk::Tests => "tests",
            Junk::Editor => "editor settings",
            Junk::Ci => "CI settings",
            Junk::ToolCaches => "tool caches",
            Junk::Data => "local data",
            Junk::BuildFiles => "Docker build files",
        }
    }
}

/// The junk a path (relative to the copy's folder) is, and the `.dockerignore` line for it.
fn classify(rel: &str) -> Option<(Junk, String)> {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = *parts.last()?;
    // Inside an installed package: its own tests and caches are not the context's.
    let in_package = |i: usize| {
        parts[..i]
            .iter()
            .any(|p| matches!(*p, "site-packages" | "dist-packages" | "node_modules"))
    };
    for (i, p) in parts.iter().enumerate() {
        let dir = i + 1 < parts.len();
        let at = |pat: &str| {
            if i == 0 {
                pat.to_string()
            } else {
                format!("**/{pat}")
            }
        };
        match *p {
            ".git" | ".hg" | ".svn" if dir => return Some((Junk::Vcs, at(p))),
            "node_modules" if dir && !in_package(i) => return Some((Junk::HostModules, at(p))),
            _ if in_package(i) => return None,
            "__pycache__" if dir => return Some((Junk::Bytecode, "**/__pycache__".to_string())),
            ".venv" | "venv" if dir && i == 0 => return Some((Junk::HostVenv, p.to_string())),
            "tests" | "test" | "__tests__" | "spec" if dir => {
                return Some((Junk::Tests, at(p)));
            }
            ".vscode" | ".idea" | ".devcontainer" if dir => return Some((Junk::Editor, at(p))),
            ".github" | ".gitlab" | ".circleci" if dir && i == 0 => {
                return Some((Junk::Ci, p.to_string()))
            }
            ".pytest_cache" | ".mypy_cache" | ".ruff_cache" | ".tox" | ".nox" | "htmlcov"
            | ".cache"
                if dir =>
            {
                return Some((Junk::ToolCaches, at(p)));
            }
            "data" | "datasets" if dir && i == 0 => return Some((Junk::Data, p.to_string())),
            _ => {}
        }
    }
    if name.ends_with(".pyc") || name.ends_with(".pyo") {
        return Some((Junk::Bytecode, "**/*.pyc".to_string()));
    }
    if name == ".env" || name.starts_with(".env.") {
        return Some((Junk::Env, ".env*".to_string()));
    }
    if matches!(name, ".DS_Store" | "Thumbs.db") || name.ends_with(".swp") {
        return Some((Junk::Editor, format!("**/{name}")));
    }
    if parts.len() == 1
        && matches!(
            name,
            ".gitlab-ci.yml" | ".travis.yml" | "Jenkinsfile" | "azure-pipelines.yml" | ".gitignore"
        )
    {
        return Some((Junk::Ci, name.to_string()));
    }
    if name == ".coverage" {
        return Some((Junk::ToolCaches, ".coverage".to_string()));
    }
    if parts.len() == 1
        && (name.starts_with("Dockerfile")
            || name == ".dockerignore"
            || name.starts_with("docker-compose"))
    {
        return Some((Junk::BuildFiles, name.to_string()));
    }
    None
}

/// One COPY layer's junk: per kind its bytes and files, the lines to ignore, the claim.
struct CopyJunk {
    layer: usize,
    root: String,
    kinds: BTreeMap<Junk, u64>,
    lines: Vec<(Junk, String)>,
    claim: Vec<(usize, usize)>,
    bytes: u64,
}

/// The deepest folder holding every regular file a layer wrote: where the COPY went.
fn copy_root(image: &Image, layer: usize) -> String {
    let mut root: Option<Vec<&[u8]>> = None;
    for e in image.tree.layer(layer).iter() {
        if e.kind != EntryKind::File {
            continue;
        }
        let dir: Vec<&[u8]> = path::parent(e.path).split(|&b| b == b'/').collect();
        root = Some(match root {
            None => dir,
            Some(r) => r
                .iter()
                .zip(&dir)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    root.map(|r| path::escape(&r.join(&b'/')))
        .unwrap_or_default()
}

fn junk_in(ev: &Evidence, layer: usize) -> Option<CopyJunk> {
    let image = ev.image;
    let root = copy_root(image, layer);
    let mut j = CopyJunk {
        layer,
        root: root.clone(),
        kinds: BTreeMap::new(),
        lines: Vec::new(),
        claim: Vec::new(),
        bytes: 0,
    };
    for (ei, e) in image.tree.layer(layer).iter().enumerate() {
        if e.kind != EntryKind::File || e.size == 0 {
            continue;
        }
        let p = e.display_path();
        let rel = if root.is_empty() {
            p.as_str()
        } else {
            match p
                .strip_prefix(root.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                Some(r) => r,
                None => continue,
            }
        };
        let Some((kind, line)) = classify(rel) else {
            continue;
        };
        if ev.excludes && (ev.excluded)(&p) {
            continue;
        }
        if !j.lines.iter().any(|(_, l)| *l == line) {
            j.lines.push((kind, line));
        }
        // A host node_modules' production packages would be installed anyway (by the image's
        // own npm ci): ignoring the folder saves only the rest (dev and extraneous packages).
        let node = image.tree.find(e.path);
        if kind == Junk::HostModules
            && node
                .and_then(|n| ev.packages.owner_of(n))
                .is_some_and(|o| o.ecosystem == Ecosystem::Npm && o.dev == Some(false))
        {
            continue;
        }
        // This copy, and what later layers wrote at the same path (a chmod -R's copy): none
        // of it ships once the file stays out of the context.
        let later = node
            .into_iter()
            .flat_map(|n| image.tree.versions(n))
            .filter(|&(l, _)| l > layer);
        for (l, ei) in std::iter::once((layer, ei)).chain(later) {
            let size = image.tree.layer(l).entry(ei).content_size();
            *j.kinds.entry(kind).or_default() += size;
            j.claim.push((l, ei));
            j.bytes = j.bytes.saturating_add(size);
        }
    }
    (j.bytes > 0).then_some(j)
}

/// Every context COPY's junk.
fn all_junk(ev: &Evidence) -> Vec<CopyJunk> {
    (0..ev.image.layers.len())
        .filter(|&l| is_context_copy(ev.image, l))
        .filter_map(|l| junk_in(ev, l))
        .collect()
}

/// The `.dockerignore` lines that would keep out what the image's COPYs brought in, in a
/// stable order (by kind, then as first seen). Empty when there is nothing to ignore.
pub fn suggested_dockerignore(ev: &Evidence) -> Vec<String> {
    let mut lines: Vec<(Junk, String)> = all_junk(ev).into_iter().flat_map(|j| j.lines).collect();
    lines.sort_by_key(|(k, _)| *k);
    let mut out: Vec<String> = Vec::new();
    for (_, l) in lines {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    for j in all_junk(ev) {
        let mut kinds: Vec<(Junk, u64)> = j.kinds.iter().map(|(k, b)| (*k, *b)).collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = kinds
            .iter()
            .map(|(k, b)| format!("{} {}", k.what(), human_bytes(*b)))
            .collect();
        let mut lines: Vec<&(Junk, String)> = j.lines.iter().collect();
        lines.sort_by_key(|(k, _)| *k);
        let lines: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
        out.push(Finding {
            layer: Some(j.layer),
            path: Some(format!("/{}", j.root)),
            size_bytes: j.bytes,
            message: format!(
                "{} copies {} that a .dockerignore would keep out of the image ({})",
                layer_label(ev.image, j.layer),
                human_bytes(j.bytes),
                parts.join(", ")
            ),
            fix: format!(
                "add a .dockerignore beside the Dockerfile listing: {}",
                lines.join(", ")
            ),
            claim: j.claim,
            ..Finding::new(
                FindingKind::Dockerignore,
                Severity::Warning,
                Practice::Dockerignore,
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn junk_by_path_relative_to_the_copy() {
        let k = |p: &str| classify(p).map(|(_, l)| l);
        assert_eq!(k(".git/objects/ab/cdef"), Some(".git".into()));
        assert_eq!(
            k("pkg/__pycache__/m.cpython-311.pyc"),
            Some("**/__pycache__".into())
        );
        assert_eq!(k("tool.pyc"), Some("**/*.pyc".into()));
        assert_eq!(k("tests/test_app.py"), Some("tests".into()));
        assert_eq!(k("src/tests/x.py"), Some("**/tests".into()));
        assert_eq!(
            k("node_modules/express/index.js"),
            Some("node_modules".into())
        );
        assert_eq!(k(".env"), Some(".env*".into()));
        assert_eq!(k(".vscode/settings.json"), Some(".vscode".into()));
        assert_eq!(k(".github/workflows/ci.yml"), Some(".github".into()));
        assert_eq!(k("data/raw/part-0.csv"), Some("data".into()));
        assert_eq!(k("app.py"), None);
        assert_eq!(k("lib/python3.11/site-packages/numpy/tests/t.py"), None);
        assert_eq!(
            k("lib/node_modules/x/node_modules/y/test/a.js"),
            Some("**/node_modules".into())
        );
        assert_eq!(k("src/data/schema.json"), None);
    }
}
