//! Order instructions for the build cache: a dependency install (`pip install -r`, `npm ci`,
//! `go mod download`, `bundle install`...) after a COPY that brought the whole source in. Any
//! change to any source file then invalidates the install, so every build reinstalls the
//! dependencies and every push sends that layer again. This costs rebuild time and registry
//! bytes, not image size: the finding claims nothing for the estimate.

use super::label::{instruction, layer_label, step};
use super::{is_context_copy, Evidence, Finding, FindingKind, Practice, Severity};
use crate::index::{path, EntryKind};
use crate::units::{count, human_bytes};

/// Dependency manifests and lock files: what a cache-friendly Dockerfile copies first.
const MANIFESTS: &[&str] = &[
    "requirements.txt",
    "requirements-dev.txt",
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "npm-shrinkwrap.json",
    ".npmrc",
    "go.mod",
    "go.sum",
    "Gemfile",
    "Gemfile.lock",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "Cargo.toml",
    "Cargo.lock",
];

fn is_manifest(name: &[u8]) -> bool {
    MANIFESTS.iter().any(|m| m.as_bytes() == name)
        || (name.starts_with(b"requirements") && name.ends_with(b".txt"))
}

/// Whether a RUN installs a project's dependencies from its manifest.
fn installs_dependencies(text: &str) -> bool {
    // Each command of the step on its own.
    text.split(['&', ';', '|', '\n']).any(|cmd| {
        installs_in_one(&format!(
            " {} ",
            cmd.split_whitespace().collect::<Vec<_>>().join(" ")
        ))
    })
}

fn installs_in_one(t: &str) -> bool {
    let pip = (t.contains(" pip install ") || t.contains(" pip3 install "))
        && (t.contains(" -r ") || t.contains("requirements") || t.contains(" . "));
    // `npm install` of the project (no package names), not `npm install -g typescript`.
    let npm = t.contains(" npm ci ")
        || t.contains(" yarn install ")
        || t.contains(" pnpm install ")
        || t.split(" npm install ").nth(1).is_some_and(|rest| {
            rest.split_whitespace().all(|w| w.starts_with('-')) && !rest.contains(" -g")
        });
    let others = [
        " go mod download ",
        " bundle install ",
        " composer install ",
        " poetry install ",
        " pipenv install ",
        " uv sync ",
        "mvn dependency:",
        " cargo fetch ",
    ];
    pip || npm || others.iter().any(|o| t.contains(o))
}

pub(super) fn add(ev: &Evidence, out: &mut Vec<Finding>) {
    let image = ev.image;
    for (i, layer) in image.layers.iter().enumerate() {
        if !step(layer).starts_with("RUN ") || !installs_dependencies(&instruction(layer)) {
            continue;
        }
        // The latest COPY of the build context before the install.
        let Some(copy) = (0..i).rev().find(|&c| is_context_copy(image, c)) else {
            continue;
        };
        let files: Vec<&[u8]> = image
            .tree
            .layer(copy)
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| path::file_name(e.path))
            .collect();
        let manifests = files.iter().filter(|n| is_manifest(n)).count();
        let others = files.len() - manifests;
        if manifests == 0 || others == 0 {
            continue;
        }
        // The manifest the install names, else the first copied.
        let text = instruction(layer);
        let named: Vec<String> = files
            .iter()
            .filter(|n| is_manifest(n))
            .map(|n| path::escape(n))
            .collect();
        let manifest = named
            .iter()
            .find(|m| text.contains(m.as_str()))
            .or(named.first())
            .cloned()
            .unwrap_or_default();
        out.push(Finding {
            layer: Some(i),
            size_bytes: layer.size,
            message: format!(
                "{} installs dependencies after {} copied the whole source ({} besides \
                 {manifest}): any source change rebuilds this layer and pushes its {} again",
                layer_label(image, i),
                layer_label(image, copy),
                count(others, "file", "files"),
                human_bytes(layer.size)
            ),
            fix: format!(
                "copy the dependency manifest alone first (COPY {manifest} ./), install, then \
                 COPY the rest of the source"
            ),
            ..Finding::new(
                FindingKind::CacheOrder,
                Severity::Warning,
                Practice::CacheOrder,
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::installs_dependencies;

    #[test]
    fn dependency_installs() {
        assert!(installs_dependencies(
            "/bin/sh -c pip install -r /app/requirements.txt"
        ));
        assert!(installs_dependencies("RUN npm ci --omit=dev"));
        assert!(installs_dependencies("RUN npm install"));
        assert!(installs_dependencies(
            "RUN npm install --production && npm cache clean --force"
        ));
        assert!(!installs_dependencies("RUN npm install -g typescript"));
        assert!(installs_dependencies("RUN go mod download"));
        assert!(!installs_dependencies("RUN pip install flask"));
        assert!(!installs_dependencies("RUN apt-get install -y python3"));
    }
}
