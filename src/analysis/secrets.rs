//! Likely secrets in any layer: private keys, `.env` files, credentials files. A secret deleted
//! by a later layer still ships in the layer that wrote it, so every layer is searched, not only
//! the final filesystem. Matching is by file name, and by what the indexer saw in the first
//! bytes of small files (a PEM private-key header, a JSON `"auths"` key): contents themselves
//! are never kept. CA bundles and `*.pem` certificates are not matched, as every distribution
//! ships them; a `*.pem` or `*.key` holding a private key is.

use serde::Serialize;

use crate::image::Image;
use crate::index::{path, ContentHint, EntryKind, Origin};

/// File names that are secrets wherever they are.
const NAMES: &[&str] = &[
    ".env",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".npmrc",
    ".pypirc",
];

/// `(parent directory name, file name)` pairs that are secrets.
const IN_DIR: &[(&str, &str)] = &[(".aws", "credentials"), (".docker", "config.json")];

/// File name endings of key stores.
const SUFFIXES: &[&str] = &[".p12", ".pfx", ".jks", ".keystore"];

/// One likely secret in one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretFile {
    /// No leading `/`.
    pub path: String,
    /// The layer that wrote it.
    pub layer: usize,
    pub size_bytes: u64,
    /// Whether the final filesystem shows it (if not, a later layer hid it: it still ships).
    pub visible: bool,
    /// Why it is a likely secret: `name`, `private-key` (its first bytes) or
    /// `registry-credentials` (a JSON document with an `auths` key).
    pub evidence: &'static str,
    /// Index of the entry in its layer.
    #[serde(skip)]
    pub entry: usize,
}

/// Whether a path's name looks like a secret.
pub fn is_secret_name(p: &[u8]) -> bool {
    let name = path::file_name(p);
    let parent = path::file_name(path::parent(p));
    NAMES.iter().any(|n| name == n.as_bytes())
        || IN_DIR
            .iter()
            .any(|(d, n)| parent == d.as_bytes() && name == n.as_bytes())
        || SUFFIXES.iter().any(|s| name.ends_with(s.as_bytes()))
}

/// Every regular file in every layer whose name looks like a secret, in layer order. Paths
/// `excluded` says are skipped.
pub fn find_secrets(image: &Image, excluded: &dyn Fn(&str) -> bool) -> Vec<SecretFile> {
    let tree = &image.tree;
    let Some(last) = tree.layer_count().checked_sub(1) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (li, layer) in tree.layers().iter().enumerate() {
        for (ei, e) in layer.iter().enumerate() {
            if e.kind != EntryKind::File {
                continue;
            }
            let evidence = match e.hint {
                ContentHint::PrivateKey => "private-key",
                ContentHint::RegistryAuth => "registry-credentials",
                ContentHint::None if is_secret_name(e.path) => "name",
                ContentHint::None => continue,
            };
            let p = e.display_path();
            if excluded(&p) {
                continue;
            }
            let mine = Origin {
                layer: li,
                entry: Some(ei),
            };
            let visible = tree
                .find(e.path)
                .is_some_and(|n| tree.visible(n, last) == Some(mine));
            out.push(SecretFile {
                path: p,
                layer: li,
                size_bytes: e.size,
                visible,
                evidence,
                entry: ei,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::*;

    #[test]
    fn finds_keys_and_env_files_even_when_deleted_later() {
        let img = image(
            vec![
                (
                    "COPY . /app",
                    vec![
                        file("app/.env", 40, 1),
                        file("root/.ssh/id_rsa", 1700, 2),
                        file("etc/ssl/certs/ca.pem", 900, 3),
                        file("root/.aws/credentials", 80, 4),
                        file("app/environment.env", 5, 5),
                    ],
                ),
                ("rm", vec![whiteout("root/.ssh")]),
            ],
            None,
        );
        let s = find_secrets(&img, &|_| false);
        let got: Vec<_> = s
            .iter()
            .map(|x| (x.path.as_str(), x.layer, x.size_bytes, x.visible))
            .collect();
        assert_eq!(
            got,
            [
                ("app/.env", 0, 40, true),
                ("root/.ssh/id_rsa", 0, 1700, false),
                ("root/.aws/credentials", 0, 80, true),
            ]
        );
        assert_eq!(find_secrets(&img, &|p| p.starts_with("app")).len(), 2);
    }
}
