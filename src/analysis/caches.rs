//! Package caches and build leftovers still visible in the final image. The patterns are
//! data: a built-in table ([`BUILTIN`]) that users extend with their own in the config.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use serde::Serialize;

use crate::config::glob::PathPattern;
pub use crate::config::CachePattern;
use crate::image::Image;
use crate::index::{path, EntryKind, NodeId, ROOT};

const APT_FIX: &str = "update, install and remove /var/lib/apt/lists/* in one RUN \
(apt-get update && apt-get install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*)";
const STAGE_FIX: &str = "build in a separate stage and COPY --from=builder only the artifact";

/// The built-in table: (kind, pattern, what, fix).
#[rustfmt::skip]
pub const BUILTIN: &[(&str, &str, &str, &str)] = &[
    ("apt-lists", "var/lib/apt/lists/**", "apt lists", APT_FIX),
    ("apt-archives", "var/cache/apt/archives/**", "apt package archives (.deb)",
     "apt-get clean (or rm -rf /var/cache/apt/archives/*.deb) in the RUN that installs"),
    ("apt-cache", "var/cache/apt/*.bin", "apt package cache", "apt-get clean in the RUN that installs"),
    ("apk", "var/cache/apk/**", "apk cache", "apk add --no-cache"),
    ("yum", "var/cache/yum/**", "yum cache", "yum clean all in the RUN that installs"),
    ("dnf", "var/cache/dnf/**", "dnf cache", "dnf clean all in the RUN that installs"),
    ("dnf", "var/cache/libdnf5/**", "dnf cache", "dnf clean all in the RUN that installs"),
    ("pip", "root/.cache/pip/**", "pip cache",
     "pip install --no-cache-dir, or a cache mount (RUN --mount=type=cache,target=/root/.cache/pip)"),
    ("pip", "home/*/.cache/pip/**", "pip cache", "pip install --no-cache-dir"),
    ("uv", "root/.cache/uv/**", "uv cache",
     "uv pip install --no-cache (or UV_NO_CACHE=1), or a cache mount"),
    ("poetry", "root/.cache/pypoetry/**", "poetry cache",
     "poetry install --no-cache, or rm -rf /root/.cache/pypoetry in the same RUN"),
    ("npm", "root/.npm/**", "npm cache", "npm ci && npm cache clean --force in one RUN, or a cache mount"),
    ("npm", "home/*/.npm/**", "npm cache", "npm ci && npm cache clean --force in one RUN"),
    ("yarn", "usr/local/share/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs, or a cache mount"),
    ("yarn", "root/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs"),
    ("yarn", "home/*/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs"),
    ("yarn", "**/.yarn/berry/cache/**", "yarn (berry) cache", "yarn cache clean in the RUN that installs, or a cache mount"),
    ("go-build", "root/.cache/go-build/**", "go build cache", STAGE_FIX),
    ("go-mod", "root/go/pkg/mod/**", "go module cache", STAGE_FIX),
    ("go-mod", "go/pkg/mod/**", "go module cache", STAGE_FIX),
    ("maven", "root/.m2/repository/**", "maven repository", STAGE_FIX),
    ("maven", "home/*/.m2/repository/**", "maven repository", STAGE_FIX),
    ("gradle", "root/.gradle/caches/**", "gradle cache", STAGE_FIX),
    ("cargo", "usr/local/cargo/registry/**", "cargo registry cache", STAGE_FIX),
    ("cargo", "root/.cargo/registry/**", "cargo registry cache", STAGE_FIX),
    ("composer", "root/.composer/cache/**", "composer cache", "composer install --no-cache"),
    ("gem", "usr/local/bundle/cache/**", "gem cache", "bundle install && rm -rf /usr/local/bundle/cache in one RUN"),
    ("zypper", "var/cache/zypp/**", "zypper cache", "zypper clean --all in the RUN that installs"),
    ("pacman", "var/cache/pacman/pkg/**", "pacman package cache", "pacman -Scc --noconfirm in the RUN that installs"),
    ("conda", "opt/conda/pkgs/**", "conda package cache", "conda clean -afy in the RUN that installs"),
    ("pnpm", "root/.local/share/pnpm/store/**", "pnpm store", "a cache mount, or build in a separate stage"),
    ("ccache", "root/.ccache/**", "ccache directory", STAGE_FIX),
    ("tmp", "tmp/**", "temporary files in /tmp", "remove them in the RUN that creates them"),
    ("tmp", "var/tmp/**", "temporary files in /var/tmp", "remove them in the RUN that creates them"),
    ("git", "**/.git/**", "a .git directory", "add .git to a .dockerignore"),
];

/// The built-in patterns, compiled.
pub fn builtin_patterns() -> Vec<CachePattern> {
    BUILTIN
        .iter()
        .map(|(kind, pat, what, fix)| CachePattern {
            kind: kind.to_string(),
            pattern: PathPattern::new(pat).expect("built-in patterns are not empty"),
            what: what.to_string(),
            fix: fix.to_string(),
        })
        .collect()
}

/// Bytes of one cache that one layer wrote and the final image still shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheHit {
    /// The cache's directory (or the file's directory), no leading `/`.
    pub path: String,
    pub kind: String,
    pub size_bytes: u64,
    /// The layer that wrote these files.
    #[serde(rename = "layer")]
    pub layer: usize,
    pub files: usize,
    #[serde(skip)]
    pub what: String,
    #[serde(skip)]
    pub fix: String,
    /// The files, as (layer, entry).
    #[serde(skip)]
    pub instances: Vec<(usize, usize)>,
}

/// Every visible regular file a pattern matches, grouped by (cache directory, layer); first
/// matching pattern wins. Paths `excluded` says are skipped, and so are empty files: a lock
/// file or an empty `partial/` folder is not a cache, and no hit is ever of 0 bytes. Largest
/// first.
pub fn find_caches(
    image: &Image,
    patterns: &[CachePattern],
    excluded: &dyn Fn(&str) -> bool,
) -> Vec<CacheHit> {
    let tree = &image.tree;
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return Vec::new();
    };
    let mut groups: HashMap<(String, usize, usize), CacheHit> = HashMap::new();
    // The walk of `MergedTree::walk` (parents first, children in name order), with each
    // node's escaped path built from its parent's instead of from the root every time.
    let mut path = String::new();
    // Where each level's component ends in `path`.
    let mut ends: Vec<usize> = Vec::new();
    let mut candidates: Vec<(usize, &CachePattern)> = Vec::new();
    let mut todo: Vec<(NodeId, usize)> =
        tree.children(ROOT).iter().rev().map(|&c| (c, 0)).collect();
    while let Some((n, depth)) = todo.pop() {
        ends.truncate(depth);
        path.truncate(ends.last().copied().unwrap_or(0));
        if depth > 0 {
            path.push('/');
        }
        path::escape_into(&mut path, tree.name(n));
        ends.push(path.len());
        if depth == 0 {
            // The patterns a path under this top-level directory can match, in order.
            candidates.clear();
            candidates.extend(
                patterns
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.pattern.first_literal().is_none_or(|f| f == path.as_str())),
            );
        }
        todo.extend(tree.children(n).iter().rev().map(|&c| (c, depth + 1)));
        let Some(origin) = tree.visible(n, last) else {
            continue;
        };
        let Some(entry) = tree.entry(origin) else {
            continue;
        };
        if entry.kind != EntryKind::File || entry.size == 0 {
            continue;
        }
        let p = path.as_str();
        let parts: Vec<&str> = (0..ends.len())
            .map(|i| &p[if i == 0 { 0 } else { ends[i - 1] + 1 }..ends[i]])
            .collect();
        for &(pi, pat) in &candidates {
            let Some(root_len) = pat.pattern.match_root_parts(&parts) else {
                continue;
            };
            if excluded(p) {
                break;
            }
            let key = (parts[..root_len].join("/"), origin.layer, pi);
            // Most files join a group that exists: its key is copied only for a new one.
            let hit = match groups.entry(key) {
                Entry::Occupied(group) => group.into_mut(),
                Entry::Vacant(group) => {
                    let path = group.key().0.clone();
                    group.insert(CacheHit {
                        path,
                        kind: pat.kind.clone(),
                        size_bytes: 0,
                        layer: origin.layer,
                        files: 0,
                        what: pat.what.clone(),
                        fix: pat.fix.clone(),
                        instances: Vec::new(),
                    })
                }
            };
            hit.size_bytes = hit.size_bytes.saturating_add(entry.size);
            hit.files += 1;
            if let Some(ei) = origin.entry {
                hit.instances.push((origin.layer, ei));
            }
            break;
        }
    }
    let mut out: Vec<CacheHit> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.size_bytes
            .cmp(&a.size_bytes)
            .then_with(|| a.path.cmp(&b.path))
            .then(a.layer.cmp(&b.layer))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn finds_apt_pip_and_git_with_their_layers() {
        let img = image(
            vec![
                ("base", vec![dir("var"), file("bin/sh", 100, 1)]),
                (
                    "apt-get update",
                    vec![
                        file("var/lib/apt/lists/deb_Packages", 1000, 2),
                        file("var/lib/apt/lists/lock", 0, 3),
                        file("var/cache/apt/archives/curl.deb", 300, 4),
                    ],
                ),
                (
                    "pip install",
                    vec![
                        file("root/.cache/pip/http/a", 50, 5),
                        file("var/lib/apt/lists/more_Packages", 7, 6),
                    ],
                ),
                (
                    "COPY . /app",
                    vec![file("app/.git/HEAD", 20, 7), file("app/main.py", 9, 8)],
                ),
                ("rm cache", vec![whiteout("root/.cache/pip/http/a")]),
            ],
            None,
        );
        let hits = find_caches(&img, &builtin_patterns(), &|_| false);
        let got: Vec<_> = hits
            .iter()
            .map(|h| {
                (
                    h.path.as_str(),
                    h.kind.as_str(),
                    h.size_bytes,
                    h.layer,
                    h.files,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("var/lib/apt/lists", "apt-lists", 1000, 1, 1),
                ("var/cache/apt/archives", "apt-archives", 300, 1, 1),
                ("app/.git", "git", 20, 3, 1),
                ("var/lib/apt/lists", "apt-lists", 7, 2, 1),
            ]
        );
        let none = find_caches(&img, &builtin_patterns(), &|p| p.starts_with("var/"));
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].kind, "git");
    }

    /// Where each tool really leaves its cache, and the kind each path is reported as.
    #[test]
    fn every_builtin_kind_matches_where_its_tool_writes() {
        let cases = [
            (
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                "apt-lists",
                "var/lib/apt/lists",
            ),
            (
                "var/cache/apt/archives/curl_7.88.1_amd64.deb",
                "apt-archives",
                "var/cache/apt/archives",
            ),
            ("var/cache/apt/pkgcache.bin", "apt-cache", "var/cache/apt"),
            (
                "var/cache/apk/APKINDEX.5022a8a2.tar.gz",
                "apk",
                "var/cache/apk",
            ),
            (
                "var/cache/yum/x86_64/7/base/packages/a.rpm",
                "yum",
                "var/cache/yum",
            ),
            (
                "var/cache/dnf/fedora-1/repodata/x.xml",
                "dnf",
                "var/cache/dnf",
            ),
            (
                "var/cache/libdnf5/fedora-1/repodata/x.xml",
                "dnf",
                "var/cache/libdnf5",
            ),
            ("root/.cache/pip/http-v2/a/b/c", "pip", "root/.cache/pip"),
            (
                "home/app/.cache/pip/wheels/x.whl",
                "pip",
                "home/app/.cache/pip",
            ),
            ("root/.cache/uv/archive-v0/x/y.py", "uv", "root/.cache/uv"),
            (
                "root/.cache/pypoetry/cache/x",
                "poetry",
                "root/.cache/pypoetry",
            ),
            ("root/.npm/_cacache/index-v5/ab/cd", "npm", "root/.npm"),
            (
                "usr/local/share/.cache/yarn/v6/npm-x/package.json",
                "yarn",
                "usr/local/share/.cache/yarn",
            ),
            (
                "root/.yarn/berry/cache/lodash-npm-4.17.21.zip",
                "yarn",
                "root/.yarn/berry/cache",
            ),
            (
                "root/.cache/go-build/ab/abcdef-d",
                "go-build",
                "root/.cache/go-build",
            ),
            ("go/pkg/mod/cache/download/x.zip", "go-mod", "go/pkg/mod"),
            (
                "root/go/pkg/mod/github.com/x/y.go",
                "go-mod",
                "root/go/pkg/mod",
            ),
            (
                "root/.m2/repository/org/x/x-1.jar",
                "maven",
                "root/.m2/repository",
            ),
            (
                "home/builder/.m2/repository/org/x/x-1.jar",
                "maven",
                "home/builder/.m2/repository",
            ),
            (
                "root/.gradle/caches/modules-2/x.jar",
                "gradle",
                "root/.gradle/caches",
            ),
            (
                "usr/local/cargo/registry/cache/x.crate",
                "cargo",
                "usr/local/cargo/registry",
            ),
            (
                "usr/local/bundle/cache/rack-3.0.gem",
                "gem",
                "usr/local/bundle/cache",
            ),
            (
                "opt/conda/pkgs/numpy-1.26.tar.bz2",
                "conda",
                "opt/conda/pkgs",
            ),
            ("tmp/build.log", "tmp", "tmp"),
            (".git/HEAD", "git", ".git"),
            ("srv/app/.git/objects/pack/p.pack", "git", "srv/app/.git"),
        ];
        let layer: Vec<_> = cases
            .iter()
            .enumerate()
            .map(|(i, (p, _, _))| file(p, 10 + i as u64, i as u128 + 1))
            .collect();
        let img = image(vec![("RUN install", layer)], None);
        let hits = find_caches(&img, &builtin_patterns(), &|_| false);
        for (i, (p, kind, root)) in cases.iter().enumerate() {
            let hit = hits
                .iter()
                .find(|h| h.size_bytes == 10 + i as u64)
                .unwrap_or_else(|| panic!("{p} is not found as a cache"));
            assert_eq!(
                (hit.kind.as_str(), hit.path.as_str()),
                (*kind, *root),
                "{p}"
            );
        }
        assert_eq!(hits.len(), cases.len());
        // Look-alikes that are not caches.
        let img = image(
            vec![(
                "COPY",
                vec![
                    file("usr/lib/apt/methods/http", 5, 1),
                    file("app/gitignore", 5, 2),
                    file("app/cache.py", 5, 3),
                    // Yarn PnP's project cache is the dependencies themselves.
                    file("app/.yarn/cache/lodash-npm-4.17.21.zip", 5, 4),
                ],
            )],
            None,
        );
        assert_eq!(find_caches(&img, &builtin_patterns(), &|_| false), []);
    }
}
