//! The few file contents the indexer keeps: package databases and `os-release` (small files
//! that say which packages own the other files), each up to a limit of its own; and, for every
//! small file, a hint from its first bytes (a private key, registry credentials) with nothing
//! else of its content kept. **Everything kept is bounded**: a document over its limit is
//! recorded as too large, never read into memory, and a layer keeps at most
//! [`MAX_LAYER_DOCUMENTS`] bytes of documents.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::path;

/// Whether a layer's index keeps its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Keep {
    /// The package documents and `os-release`, for the analyses that read them (packages,
    /// advice).
    #[default]
    Documents,
    /// No document: for an output that reads no package (dive's CI text alone), so memory
    /// holds only the metadata. Entries, digests and hints are the same.
    Nothing,
}

/// What a kept document is, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    /// `var/lib/dpkg/status`.
    DpkgStatus,
    /// `var/lib/dpkg/status.d/NAME` (distroless images keep one file per package).
    DpkgStatusD,
    /// `var/lib/dpkg/info/NAME[:ARCH].list`: the files a package installed.
    DpkgList,
    /// `var/lib/dpkg/status.d/NAME.md5sums`: a distroless package's files (`md5  path`).
    DpkgMd5sums,
    /// `var/lib/apt/extended_states`: which packages apt installed automatically.
    AptExtendedStates,
    /// `lib/apk/db/installed`.
    ApkInstalled,
    /// `etc/apk/world`: the packages asked for by name.
    ApkWorld,
    /// `rpmdb.sqlite` under `var/lib/rpm` or `usr/lib/sysimage/rpm`.
    RpmSqlite,
    /// `etc/os-release` or `usr/lib/os-release`.
    OsRelease,
    /// `*.dist-info/RECORD`: a Python package's files.
    PythonRecord,
    /// `*.dist-info/METADATA` (its header only).
    PythonMetadata,
    /// `*.egg-info/PKG-INFO`, or an `*.egg-info` file (its header only).
    PythonPkgInfo,
    /// `*.egg-info/installed-files.txt`.
    PythonInstalledFiles,
    /// `*.dist-info/INSTALLER`: which tool installed the package (`pip`, `uv`).
    PythonInstaller,
    /// `node_modules/NAME/package.json` (or `node_modules/@SCOPE/NAME/package.json`).
    NpmPackage,
    /// A `package.json` outside any `node_modules`: an application's.
    NpmApp,
    /// `node_modules/.package-lock.json` (npm's record of what it installed) or an
    /// application's `package-lock.json`.
    NpmLock,
}

/// How much of a document is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    /// Keep the first `bytes` of a longer file (its header is all that is needed) rather than
    /// refuse it.
    pub head_only: bool,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// The most document bytes one layer keeps; documents past it are recorded as too large.
pub const MAX_LAYER_DOCUMENTS: u64 = 512 * MIB;

/// Files up to this size have their first bytes looked at for a [`ContentHint`].
pub const HINT_MAX_FILE: u64 = 64 * KIB;
/// How many first bytes of such a file are looked at.
pub const HINT_HEAD: usize = 4096;

impl DocKind {
    /// The document a regular file's path names, if any, and how much of it to keep.
    pub fn of_path(p: &[u8]) -> Option<(DocKind, Limit)> {
        let full = |kind, bytes| {
            Some((
                kind,
                Limit {
                    bytes,
                    head_only: false,
                },
            ))
        };
        let head = |kind, bytes| {
            Some((
                kind,
                Limit {
                    bytes,
                    head_only: true,
                },
            ))
        };
        let name = path::file_name(p);
        let dir = path::parent(p);
        match name {
            b"status" if p == b"var/lib/dpkg/status" => full(DocKind::DpkgStatus, 16 * MIB),
            b"extended_states" if p == b"var/lib/apt/extended_states" => {
                full(DocKind::AptExtendedStates, 4 * MIB)
            }
            b"installed" if p == b"lib/apk/db/installed" => full(DocKind::ApkInstalled, 16 * MIB),
            b"world" if p == b"etc/apk/world" => full(DocKind::ApkWorld, MIB),
            b"rpmdb.sqlite" if dir == b"var/lib/rpm" || dir == b"usr/lib/sysimage/rpm" => {
                full(DocKind::RpmSqlite, 128 * MIB)
            }
            b"os-release" if p == b"etc/os-release" || p == b"usr/lib/os-release" => {
                full(DocKind::OsRelease, 64 * KIB)
            }
            b"RECORD" if dir.ends_with(b".dist-info") => full(DocKind::PythonRecord, 8 * MIB),
            b"INSTALLER" if dir.ends_with(b".dist-info") => head(DocKind::PythonInstaller, 256),
            b"METADATA" if dir.ends_with(b".dist-info") => head(DocKind::PythonMetadata, 64 * KIB),
            b"PKG-INFO" if dir.ends_with(b".egg-info") => head(DocKind::PythonPkgInfo, 64 * KIB),
            b"installed-files.txt" if dir.ends_with(b".egg-info") => {
                full(DocKind::PythonInstalledFiles, 8 * MIB)
            }
            b".package-lock.json" if path::file_name(dir) == b"node_modules" => {
                full(DocKind::NpmLock, 32 * MIB)
            }
            b"package-lock.json" if !has_component(dir, b"node_modules") => {
                full(DocKind::NpmLock, 32 * MIB)
            }
            b"package.json" => npm_package_json(dir).map(|k| {
                (
                    k,
                    Limit {
                        bytes: MIB,
                        head_only: false,
                    },
                )
            }),
            _ if name.ends_with(b".egg-info") => head(DocKind::PythonPkgInfo, 64 * KIB),
            _ if name.ends_with(b".list") && dir == b"var/lib/dpkg/info" => {
                full(DocKind::DpkgList, 8 * MIB)
            }
            _ if dir == b"var/lib/dpkg/status.d" && name.ends_with(b".md5sums") => {
                full(DocKind::DpkgMd5sums, 8 * MIB)
            }
            _ if dir == b"var/lib/dpkg/status.d" => full(DocKind::DpkgStatusD, MIB),
            _ => None,
        }
    }
}

/// `package.json` in `dir`: a package's when `dir` is `node_modules/NAME` or
/// `node_modules/@SCOPE/NAME`, an application's when no `node_modules` is above it, else
/// nothing (packages keep other `package.json` files in their own folders).
fn npm_package_json(dir: &[u8]) -> Option<DocKind> {
    let parent = path::parent(dir);
    let grand = path::parent(parent);
    if path::file_name(parent) == b"node_modules"
        || (path::file_name(parent).starts_with(b"@") && path::file_name(grand) == b"node_modules")
    {
        Some(DocKind::NpmPackage)
    } else if has_component(dir, b"node_modules") {
        None
    } else {
        Some(DocKind::NpmApp)
    }
}

fn has_component(p: &[u8], name: &[u8]) -> bool {
    p.split(|&b| b == b'/').any(|c| c == name)
}

/// A document's content as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocContent {
    Bytes(Box<[u8]>),
    /// Over its limit (or over the layer's): not kept.
    TooLarge {
        size: u64,
        limit: u64,
    },
}

/// A kept document: which entry of the layer it is, what it is, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Index into the layer's entries.
    pub entry: usize,
    pub kind: DocKind,
    pub content: DocContent,
}

/// What the first bytes of a small file say about it. One byte per entry; the bytes
/// themselves are not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ContentHint {
    #[default]
    None,
    /// A PEM private key (`-----BEGIN ... PRIVATE KEY-----`).
    PrivateKey,
    /// A JSON document with an `"auths"` key: registry credentials (docker's or podman's
    /// `config.json` / `auth.json`).
    RegistryAuth,
}

/// The searcher for a PEM header, built once: a million small files look for it.
static PEM_BEGIN: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"-----BEGIN "));

/// Looks at a small file's first bytes.
pub fn hint(head: &[u8]) -> ContentHint {
    let head = &head[..head.len().min(HINT_HEAD)];
    if let Some(at) = PEM_BEGIN.find(head) {
        let rest = &head[at + 11..];
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        if line.len() <= 40 && memchr::memmem::find(line, b"PRIVATE KEY-----").is_some() {
            return ContentHint::PrivateKey;
        }
    }
    let trimmed = head.trim_ascii_start();
    if trimmed.first() == Some(&b'{') && memchr::memmem::find(trimmed, b"\"auths\"").is_some() {
        return ContentHint::RegistryAuth;
    }
    ContentHint::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_databases_are_known_by_path() {
        let kind = |p: &str| DocKind::of_path(p.as_bytes()).map(|(k, _)| k);
        assert_eq!(kind("var/lib/dpkg/status"), Some(DocKind::DpkgStatus));
        assert_eq!(kind("var/lib/dpkg/status-old"), None);
        assert_eq!(
            kind("var/lib/dpkg/status.d/base"),
            Some(DocKind::DpkgStatusD)
        );
        assert_eq!(
            kind("var/lib/dpkg/status.d/base.md5sums"),
            Some(DocKind::DpkgMd5sums)
        );
        assert_eq!(
            kind("var/lib/dpkg/info/libc6:amd64.list"),
            Some(DocKind::DpkgList)
        );
        assert_eq!(kind("var/lib/dpkg/info/libc6.md5sums"), None);
        assert_eq!(
            kind("usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Some(DocKind::RpmSqlite)
        );
        assert_eq!(
            kind("usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD"),
            Some(DocKind::PythonRecord)
        );
        assert_eq!(kind("x/foo.egg-info"), Some(DocKind::PythonPkgInfo));
        assert_eq!(
            kind("app/node_modules/express/package.json"),
            Some(DocKind::NpmPackage)
        );
        assert_eq!(
            kind("app/node_modules/@types/node/package.json"),
            Some(DocKind::NpmPackage)
        );
        assert_eq!(
            kind("app/node_modules/a/node_modules/b/package.json"),
            Some(DocKind::NpmPackage)
        );
        assert_eq!(kind("app/node_modules/express/lib/package.json"), None);
        assert_eq!(kind("app/package.json"), Some(DocKind::NpmApp));
        assert_eq!(
            kind("app/node_modules/.package-lock.json"),
            Some(DocKind::NpmLock)
        );
        assert_eq!(kind("app/package-lock.json"), Some(DocKind::NpmLock));
        assert_eq!(kind("usr/bin/status"), None);
        let (_, limit) = DocKind::of_path(b"a.dist-info/METADATA").unwrap();
        assert!(limit.head_only);
    }

    #[test]
    fn hints_from_the_first_bytes() {
        assert_eq!(
            hint(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn..."),
            ContentHint::PrivateKey
        );
        assert_eq!(
            hint(b"Bag Attributes\n    localKeyID: 01\n-----BEGIN RSA PRIVATE KEY-----\nMII"),
            ContentHint::PrivateKey
        );
        assert_eq!(hint(b"-----BEGIN CERTIFICATE-----\nMII"), ContentHint::None);
        assert_eq!(
            hint(b"-----BEGIN PUBLIC KEY-----\nPRIVATE KEY----- later"),
            ContentHint::None
        );
        assert_eq!(
            hint(b"{\n\t\"auths\": {\n\t\t\"registry.example\": {\"auth\": \"eDp5\"}}}"),
            ContentHint::RegistryAuth
        );
        assert_eq!(hint(b"# a note about \"auths\""), ContentHint::None);
        assert_eq!(hint(b""), ContentHint::None);
    }
}
