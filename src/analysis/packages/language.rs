//! Language packages: Python distributions (`*.dist-info` with RECORD, `*.egg-info`) and npm
//! packages (`node_modules/NAME/package.json`). A distribution or npm package whose metadata a
//! system package owns (Debian's `python3-*`, its `node-*`) is that system package's and is not
//! listed again.

use std::collections::HashMap;

use super::{Attribution, Package};
use crate::index::pkgdb::{npm as npmdb, python as pydb, resolve_relative, Ecosystem};
use crate::index::{path, DocContent, DocKind, NodeId};

/// `dir/name` for root-relative paths.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `six-1.16.0.dist-info` → ("six", "1.16.0").
fn name_from_dir(dir: &str) -> (String, String) {
    let base = dir.rsplit('/').next().unwrap_or(dir);
    let stem = base
        .strip_suffix(".dist-info")
        .or_else(|| base.strip_suffix(".egg-info"))
        .unwrap_or(base);
    match stem.split_once('-') {
        Some((n, v)) => (n.to_string(), v.split('-').next().unwrap_or(v).to_string()),
        None => (stem.to_string(), String::new()),
    }
}

pub(super) fn python(a: &mut Attribution) {
    let tree = &a.image.tree;
    for (layer, doc, record_path) in a.visible_docs(DocKind::PythonRecord) {
        let Some(record_node) = tree.find(record_path.as_bytes()) else {
            continue;
        };
        if a.is_owned(record_node) {
            continue;
        }
        let Some(bytes) = a.bytes(layer, doc) else {
            continue;
        };
        let records = match pydb::parse_record(bytes) {
            Ok(r) => r,
            Err(e) => {
                a.warnings.push(format!(
                    "/{record_path} (layer {layer}): {e}: its package is not attributed"
                ));
                continue;
            }
        };
        let dist = parent(&record_path).to_string();
        let site = parent(&dist).to_string();
        let (name, version) = a
            .visible_doc(&join(&dist, pydb::METADATA))
            .and_then(|(_, d)| match &d.content {
                DocContent::Bytes(b) => pydb::parse_metadata(b),
                DocContent::TooLarge { .. } => None,
            })
            .unwrap_or_else(|| name_from_dir(&dist));
        let installer = a
            .visible_doc(&join(&dist, pydb::INSTALLER))
            .and_then(|(_, d)| match &d.content {
                DocContent::Bytes(b) => pydb::parse_installer(b),
                DocContent::TooLarge { .. } => None,
            });
        let requested = tree
            .find(join(&dist, pydb::REQUESTED).as_bytes())
            .is_some_and(|n| a.view.origin(n).is_some());
        let nodes: Vec<NodeId> = records
            .iter()
            .filter_map(|r| resolve_relative(&site, &r.path))
            .filter_map(|p| tree.resolve(p.as_bytes(), a.view.last))
            .collect();
        let pkg = Package {
            layer: Some(layer),
            auto: (installer.as_deref() == Some("pip")).then_some(!requested),
            location: Some(dist),
            ..Package::new(name, version, Ecosystem::Python)
        };
        a.add(pkg, nodes);
    }
    // egg-info: a folder with PKG-INFO (and perhaps installed-files.txt), or a file.
    for (layer, doc, info_path) in a.visible_docs(DocKind::PythonPkgInfo) {
        let Some(node) = tree.find(info_path.as_bytes()) else {
            continue;
        };
        if a.is_owned(node) {
            continue;
        }
        let is_file_egg = info_path.ends_with(".egg-info");
        let egg = if is_file_egg {
            info_path.clone()
        } else {
            parent(&info_path).to_string()
        };
        let (name, version) = match &doc.content {
            DocContent::Bytes(b) => pydb::parse_metadata(b),
            DocContent::TooLarge { .. } => None,
        }
        .unwrap_or_else(|| name_from_dir(&egg));
        let mut nodes: Vec<NodeId> = vec![node];
        if !is_file_egg {
            if let Some(egg_node) = tree.find(egg.as_bytes()) {
                tree.walk(egg_node, &mut |n| nodes.push(n));
            }
            if let Some((l, d)) = a.visible_doc(&join(&egg, "installed-files.txt")) {
                if let Some(b) = a.bytes(l, d) {
                    nodes.extend(
                        pydb::parse_installed_files(b)
                            .iter()
                            .filter_map(|r| resolve_relative(&egg, r))
                            .filter_map(|p| tree.resolve(p.as_bytes(), a.view.last)),
                    );
                }
            }
        }
        let pkg = Package {
            layer: Some(layer),
            location: Some(egg),
            ..Package::new(name, version, Ecosystem::Python)
        };
        a.add(pkg, nodes);
    }
}

/// An application folder's npm data: its manifest's direct dependencies, and what npm's
/// lockfile says of each installed package (by its path below the folder).
#[derive(Default)]
struct AppNpm {
    direct: Option<(Vec<String>, Vec<String>)>,
    dev: Option<HashMap<String, bool>>,
}

/// The npm data of the application folder `root`, read once.
fn app_info<'m>(
    a: &mut Attribution,
    apps: &'m mut HashMap<String, AppNpm>,
    root: &str,
) -> &'m AppNpm {
    if !apps.contains_key(root) {
        let mut info = AppNpm::default();
        if let Some((l, d)) = a.visible_doc(&join(root, "package.json")) {
            if let Some(Ok(m)) = a.bytes(l, d).map(npmdb::parse_package_json) {
                info.direct = Some((m.dependencies, m.dev_dependencies));
            }
        }
        let lock = a
            .visible_doc(&join(root, "node_modules/.package-lock.json"))
            .or_else(|| a.visible_doc(&join(root, "package-lock.json")));
        if let Some((l, d)) = lock {
            match a.bytes(l, d).map(npmdb::parse_lockfile) {
                Some(Ok(entries)) => {
                    info.dev = Some(
                        entries
                            .into_iter()
                            .filter(|e| !e.link)
                            .map(|e| (e.path, e.dev))
                            .collect(),
                    );
                }
                Some(Err(e)) => {
                    let p = path::escape(a.image.tree.layer(l).entry(d.entry).path);
                    a.warnings.push(format!(
                        "/{p} (layer {l}): {e}: which npm packages are dev-only is not known"
                    ));
                }
                None => {}
            }
        }
        apps.insert(root.to_string(), info);
    }
    &apps[root]
}

pub(super) fn npm(a: &mut Attribution) {
    let tree = &a.image.tree;
    let mut apps: HashMap<String, AppNpm> = HashMap::new();
    for (layer, doc, manifest) in a.visible_docs(DocKind::NpmPackage) {
        let Some(node) = tree.find(manifest.as_bytes()) else {
            continue;
        };
        if a.is_owned(node) {
            continue;
        }
        let dir = parent(&manifest).to_string();
        let Some(bytes) = a.bytes(layer, doc) else {
            continue;
        };
        let m = match npmdb::parse_package_json(bytes) {
            Ok(m) => m,
            Err(e) => {
                a.warnings.push(format!(
                    "/{manifest} (layer {layer}): {e}: its package is not attributed"
                ));
                continue;
            }
        };
        // The application folder holding the outermost node_modules.
        let root = dir
            .find("node_modules/")
            .map(|i| dir[..i].trim_end_matches('/').to_string())
            .unwrap_or_default();
        let rel = dir[root.len()..].trim_start_matches('/').to_string();
        let info = app_info(a, &mut apps, &root);
        let name = m
            .name
            .clone()
            .unwrap_or_else(|| dir.rsplit('/').next().unwrap_or_default().to_string());
        let top_level = !rel["node_modules/".len().min(rel.len())..].contains("node_modules/");
        let dev = match (&info.dev, &info.direct) {
            (Some(lock), _) => lock.get(&rel).copied(),
            (None, Some((deps, dev_deps))) if top_level => {
                Some(dev_deps.contains(&name) && !deps.contains(&name))
            }
            _ => None,
        };
        let auto = info.direct.as_ref().map(|(deps, dev_deps)| {
            !(top_level && (deps.contains(&name) || dev_deps.contains(&name)))
        });
        // The package's files: everything in its folder but nested packages.
        let mut nodes: Vec<NodeId> = Vec::new();
        if let Some(dir_node) = tree.find(dir.as_bytes()) {
            collect_without_nested(tree, dir_node, &mut nodes);
        }
        let pkg = Package {
            layer: Some(layer),
            auto,
            dev,
            location: Some(dir),
            ..Package::new(name, m.version.unwrap_or_default(), Ecosystem::Npm)
        };
        a.add(pkg, nodes);
    }
}

/// Every node below `dir`, leaving out nested `node_modules` folders (other packages).
fn collect_without_nested(tree: &crate::index::MergedTree, dir: NodeId, out: &mut Vec<NodeId>) {
    let mut stack: Vec<NodeId> = tree.children(dir).to_vec();
    while let Some(n) = stack.pop() {
        if tree.name(n) == b"node_modules" {
            continue;
        }
        out.push(n);
        stack.extend_from_slice(tree.children(n));
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_dir;

    #[test]
    fn names_from_folders() {
        assert_eq!(
            name_from_dir("usr/lib/python3/dist-packages/six-1.16.0.dist-info"),
            ("six".to_string(), "1.16.0".to_string())
        );
        assert_eq!(
            name_from_dir("x/foo.egg-info"),
            ("foo".to_string(), String::new())
        );
    }
}
