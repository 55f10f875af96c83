//! Package caches and build leftovers still visible in the final image. The patterns are
//! data: a built-in table ([`BUILTIN`]) that users extend with their own in the config.

use std::collections::HashMap;

use serde::Serialize;

use super::glob::{split, PathPattern};
use crate::image::Image;
use crate::index::{path, EntryKind, ROOT};

/// One kind of cache or leftover and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePattern {
    /// Short stable name (`apt-lists`, `pip`, `git`...), the JSON `kind`.
    pub kind: String,
    pub pattern: PathPattern,
    /// What it is, for sentences: "apt lists", "pip cache".
    pub what: String,
    /// The Dockerfile practice that keeps it out of the image.
    pub fix: String,
}

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
    ("pip", "root/.cache/pip/**", "pip cache",
     "pip install --no-cache-dir, or a cache mount (RUN --mount=type=cache,target=/root/.cache/pip)"),
    ("pip", "home/*/.cache/pip/**", "pip cache", "pip install --no-cache-dir"),
    ("npm", "root/.npm/**", "npm cache", "npm ci && npm cache clean --force in one RUN, or a cache mount"),
    ("npm", "home/*/.npm/**", "npm cache", "npm ci && npm cache clean --force in one RUN"),
    ("yarn", "usr/local/share/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs, or a cache mount"),
    ("yarn", "root/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs"),
    ("yarn", "home/*/.cache/yarn/**", "yarn cache", "yarn cache clean in the RUN that installs"),
    ("go-build", "root/.cache/go-build/**", "go build cache", STAGE_FIX),
    ("go-mod", "root/go/pkg/mod/**", "go module cache", STAGE_FIX),
    ("go-mod", "go/pkg/mod/**", "go module cache", STAGE_FIX),
    ("maven", "root/.m2/repository/**", "maven repository", STAGE_FIX),
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
}

/// Every visible regular file a pattern matches, grouped by (cache directory, layer); first
/// matching pattern wins. Paths `excluded` says are skipped. Largest first.
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
    tree.walk(ROOT, &mut |n| {
        let Some(origin) = tree.visible(n, last) else {
            return;
        };
        let Some(entry) = tree.entry(origin) else {
            return;
        };
        if entry.kind != EntryKind::File {
            return;
        }
        let p = path::escape(&tree.path(n));
        let parts = split(&p);
        for (pi, pat) in patterns.iter().enumerate() {
            let Some(root_len) = pat.pattern.match_root_parts(&parts) else {
                continue;
            };
            if excluded(&p) {
                return;
            }
            let root = parts[..root_len].join("/");
            let hit = groups
                .entry((root.clone(), origin.layer, pi))
                .or_insert_with(|| CacheHit {
                    path: root,
                    kind: pat.kind.clone(),
                    size_bytes: 0,
                    layer: origin.layer,
                    files: 0,
                    what: pat.what.clone(),
                    fix: pat.fix.clone(),
                });
            hit.size_bytes = hit.size_bytes.saturating_add(entry.size);
            hit.files += 1;
            break;
        }
    });
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
                ("var/lib/apt/lists", "apt-lists", 1000, 1, 2),
                ("var/cache/apt/archives", "apt-archives", 300, 1, 1),
                ("app/.git", "git", 20, 3, 1),
                ("var/lib/apt/lists", "apt-lists", 7, 2, 1),
            ]
        );
        let none = find_caches(&img, &builtin_patterns(), &|p| p.starts_with("var/"));
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].kind, "git");
    }
}
