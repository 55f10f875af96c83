//! System packages: dpkg (the status file or distroless's `status.d`, the `.list` and
//! `.md5sums` file lists, apt's auto-installed marks), apk (`installed`, `world`) and rpm's
//! SQLite database. Their files claim ownership before any language package's.

use std::collections::HashMap;

use super::{Attribution, Package, Relations};
use crate::index::pkgdb::{apk as apkdb, dpkg as dpkgdb, rpm as rpmdb, Ecosystem};
use crate::index::{DocKind, NodeId};

/// The earliest layer whose version of the database at `p` lists each name, by `names`.
fn first_layers(
    a: &Attribution,
    p: &str,
    names: impl Fn(&[u8]) -> Vec<String>,
) -> HashMap<String, usize> {
    let mut first = HashMap::new();
    for (layer, doc) in a.all_versions(p) {
        if let crate::index::DocContent::Bytes(b) = &doc.content {
            for name in names(b) {
                first.entry(name).or_insert(layer);
            }
        }
    }
    first
}

/// Nodes for paths a database lists (absolute or root-relative), through symlinked
/// directories as the kernel resolves them.
fn nodes<'p>(a: &Attribution, paths: impl IntoIterator<Item = &'p str>) -> Vec<NodeId> {
    let last = a.view.last;
    paths
        .into_iter()
        .filter_map(|p| a.image.tree.resolve(p.as_bytes(), last))
        .collect()
}

pub(super) fn dpkg(a: &mut Attribution) {
    let mut installed: Vec<(dpkgdb::DpkgPackage, Option<usize>)> = Vec::new();
    if let Some((layer, doc)) = a.visible_doc("var/lib/dpkg/status") {
        if let Some(bytes) = a.bytes(layer, doc) {
            match dpkgdb::parse_status(bytes) {
                Ok(ps) => {
                    installed.extend(ps.into_iter().filter(|p| p.installed).map(|p| (p, None)))
                }
                Err(e) => a.warnings.push(format!(
                    "/var/lib/dpkg/status (layer {layer}): {e}: its packages are not attributed"
                )),
            }
        }
    }
    let mut md5sums: HashMap<String, (usize, &crate::index::Document)> = HashMap::new();
    for (layer, doc, p) in a.visible_docs(DocKind::DpkgMd5sums) {
        if let Some(name) = p
            .rsplit('/')
            .next()
            .and_then(|f| f.strip_suffix(".md5sums"))
        {
            md5sums.insert(name.to_string(), (layer, doc));
        }
    }
    for (layer, doc, p) in a.visible_docs(DocKind::DpkgStatusD) {
        let Some(bytes) = a.bytes(layer, doc) else {
            continue;
        };
        match dpkgdb::parse_status(bytes) {
            Ok(ps) => installed.extend(
                ps.into_iter()
                    .filter(|p| p.installed)
                    .map(|p| (p, Some(layer))),
            ),
            Err(e) => a.warnings.push(format!(
                "/{p} (layer {layer}): {e}: its package is not attributed"
            )),
        }
    }
    if installed.is_empty() {
        return;
    }
    let first = first_layers(a, "var/lib/dpkg/status", |b| {
        dpkgdb::parse_status(b)
            .map(|ps| {
                ps.into_iter()
                    .filter(|p| p.installed)
                    .map(|p| p.name)
                    .collect()
            })
            .unwrap_or_default()
    });
    let auto: Option<HashMap<String, bool>> = a
        .visible_doc("var/lib/apt/extended_states")
        .and_then(|(l, d)| a.bytes(l, d))
        .map(|b| {
            dpkgdb::parse_extended_states(b)
                .into_iter()
                .map(|s| (s.name, s.auto))
                .collect()
        });
    let mut lists: HashMap<String, (usize, &crate::index::Document)> = HashMap::new();
    for (layer, doc, p) in a.visible_docs(DocKind::DpkgList) {
        if let Some((name, arch)) = dpkgdb::list_file_package(&p) {
            let key = match arch {
                Some(arch) => format!("{name}:{arch}"),
                None => name,
            };
            lists.insert(key, (layer, doc));
        }
    }
    for (p, status_d_layer) in installed {
        let list = lists
            .get(&format!("{}:{}", p.name, p.architecture))
            .or_else(|| lists.get(&p.name))
            .copied();
        let paths: Vec<String> = match (list, md5sums.get(&p.name).copied()) {
            (Some((l, d)), _) => a.bytes(l, d).map(dpkgdb::parse_list).unwrap_or_default(),
            (None, Some((l, d))) => a.bytes(l, d).map(parse_md5sums).unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        let owned = nodes(a, paths.iter().map(String::as_str));
        let mut depends = p.pre_depends.clone();
        depends.extend(p.depends.iter().cloned());
        let pkg = Package {
            layer: status_d_layer.or_else(|| first.get(&p.name).copied()),
            auto: auto
                .as_ref()
                .map(|m| m.get(&p.name).copied().unwrap_or(false)),
            relations: Relations {
                depends,
                recommends: p.recommends.clone(),
                provides: p.provides.clone(),
                required: p.essential || p.priority.as_deref() == Some("required"),
            },
            ..Package::new(p.name, p.version, Ecosystem::Dpkg)
        };
        a.add(pkg, owned);
    }
}

/// A distroless `.md5sums` file: `<md5>  <path>` per line, paths relative to the root.
fn parse_md5sums(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .filter_map(|(_, p)| crate::index::pkgdb::normalize_path(p.trim_start()))
        .collect()
}

pub(super) fn apk(a: &mut Attribution) {
    let Some((layer, doc)) = a.visible_doc("lib/apk/db/installed") else {
        return;
    };
    let Some(bytes) = a.bytes(layer, doc) else {
        return;
    };
    let pkgs = match apkdb::parse_installed(bytes) {
        Ok(p) => p,
        Err(e) => {
            a.warnings.push(format!(
                "/lib/apk/db/installed (layer {layer}): {e}: its packages are not attributed"
            ));
            return;
        }
    };
    let world: Option<Vec<String>> = a
        .visible_doc("etc/apk/world")
        .and_then(|(l, d)| a.bytes(l, d))
        .map(apkdb::parse_world);
    let first = first_layers(a, "lib/apk/db/installed", |b| {
        apkdb::parse_installed(b)
            .map(|ps| ps.into_iter().map(|p| p.name).collect())
            .unwrap_or_default()
    });
    for p in pkgs {
        let owned = nodes(a, p.files.iter().map(String::as_str));
        let pkg = Package {
            layer: first.get(&p.name).copied(),
            auto: world.as_ref().map(|w| !w.contains(&p.name)),
            relations: Relations {
                depends: p.depends.iter().map(|d| vec![d.clone()]).collect(),
                provides: p.provides.clone(),
                ..Relations::default()
            },
            ..Package::new(p.name, p.version, Ecosystem::Apk)
        };
        a.add(pkg, owned);
    }
}

pub(super) fn rpm(a: &mut Attribution) {
    let mut found = false;
    for db in rpmdb::SQLITE_PATHS {
        let Some((layer, doc)) = a.visible_doc(db) else {
            continue;
        };
        found = true;
        let Some(bytes) = a.bytes(layer, doc) else {
            continue;
        };
        let pkgs = match rpmdb::parse_sqlite(bytes) {
            Ok(p) => p,
            Err(e) => {
                a.warnings.push(format!(
                    "/{db} (layer {layer}): {e}: its packages are not attributed"
                ));
                continue;
            }
        };
        let first = first_layers(a, db, |b| {
            rpmdb::parse_sqlite(b)
                .map(|ps| ps.into_iter().map(|p| p.name).collect())
                .unwrap_or_default()
        });
        for p in pkgs {
            let owned = nodes(
                a,
                p.files
                    .iter()
                    .filter(|f| !f.is_dir)
                    .map(|f| f.path.as_str()),
            );
            let pkg = Package {
                layer: first.get(&p.name).copied(),
                relations: Relations {
                    depends: p.requires.iter().map(|r| vec![r.clone()]).collect(),
                    ..Relations::default()
                },
                ..Package::new(p.name, p.version, Ecosystem::Rpm)
            };
            a.add(pkg, owned);
        }
    }
    if found {
        return;
    }
    let tree = &a.image.tree;
    for old in rpmdb::OLD_FORMATS {
        let visible = tree
            .find(old.as_bytes())
            .and_then(|n| a.view.file(tree, n))
            .is_some();
        if visible {
            a.warnings.push(format!(
                "/{old} is an rpm database in the BerkeleyDB or NDB format, which layerlens does \
                 not read (only rpmdb.sqlite): rpm packages are not attributed"
            ));
        }
    }
}

impl Package {
    /// A package with no files yet.
    /// Names and versions come from the image: control characters are escaped, as in paths.
    pub(super) fn new(name: String, version: String, ecosystem: Ecosystem) -> Package {
        let clean = |s: String| {
            if s.chars().any(char::is_control) {
                crate::index::path::escape(s.as_bytes())
            } else {
                s
            }
        };
        Package {
            name: clean(name),
            version: clean(version),
            ecosystem,
            size_bytes: 0,
            files: 0,
            layer: None,
            auto: None,
            dev: None,
            location: None,
            owned: Vec::new(),
            relations: Relations::default(),
        }
    }
}
