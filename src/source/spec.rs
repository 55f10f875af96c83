//! Image references: file sources (`docker-archive:PATH`, `oci:DIR[:TAG]`,
//! `oci-archive:PATH[:TAG]`, or a bare path whose kind is detected) and live ones
//! (`docker://NAME`, `podman://NAME`, `registry://REF`, or a bare image reference that names
//! no existing path, which goes to Docker as dive does). `-` is standard input, read as a
//! `docker save` stream. A bare reference that looks like a path (`./x`, `/x`, `app.tar`,
//! `dir/x` where `dir` exists) and names nothing is "no such file", not a daemon lookup.

use std::path::{Path, PathBuf};

use super::archive::ArchiveKind;
use super::daemon::Engine;
use super::registry::Reference;
use crate::error::{Error, Result};
use crate::image::SourceKind;

/// Where an image is, once its reference is understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSpec {
    /// A tarball: `docker save` output or an OCI archive.
    Archive {
        path: PathBuf,
        kind: ArchiveKind,
        tag: Option<String>,
    },
    /// An OCI layout directory.
    Layout { dir: PathBuf, tag: Option<String> },
    /// An image held by a Docker or podman daemon, by the name the daemon knows it by.
    Daemon { engine: Engine, name: String },
    /// An image in a registry, read over the distribution API.
    Registry { reference: Reference },
}

/// Splits `PATH[:TAG]`: a tag only when the whole string is not itself an existing path.
fn path_and_tag(s: &str) -> (PathBuf, Option<String>) {
    if Path::new(s).exists() {
        return (PathBuf::from(s), None);
    }
    match s.rsplit_once(':') {
        Some((p, t)) if !p.is_empty() && !t.is_empty() && !t.contains('/') => {
            (PathBuf::from(p), Some(t.to_string()))
        }
        _ => (PathBuf::from(s), None),
    }
}

impl ImageSpec {
    /// The location part of a reference, without its source prefix (for display).
    pub fn location(reference: &str) -> String {
        for prefix in [
            "docker-archive",
            "oci-archive",
            "oci",
            "docker",
            "podman",
            "registry",
        ] {
            if let Some(rest) = reference
                .strip_prefix(&format!("{prefix}://"))
                .or_else(|| reference.strip_prefix(&format!("{prefix}:")))
            {
                return rest.to_string();
            }
        }
        reference.to_string()
    }

    /// Parses a reference; `forced` is `--source` (it applies to a bare path).
    pub fn parse(reference: &str, forced: Option<SourceKind>) -> Result<ImageSpec> {
        if reference == "-" && matches!(forced, None | Some(SourceKind::DockerArchive)) {
            return Ok(ImageSpec::Archive {
                path: STDIN.into(),
                kind: ArchiveKind::Docker,
                tag: None,
            });
        }
        let strip = |prefix: &str| {
            reference
                .strip_prefix(&format!("{prefix}://"))
                .or_else(|| reference.strip_prefix(&format!("{prefix}:")))
                .map(str::to_string)
        };
        let kind = if let Some(rest) = reference.strip_prefix("docker://") {
            return daemon(Engine::Docker, rest);
        } else if let Some(rest) = reference.strip_prefix("podman://") {
            return daemon(Engine::Podman, rest);
        } else if let Some(rest) = reference.strip_prefix("registry://") {
            return Ok(ImageSpec::Registry {
                reference: Reference::parse(rest)?,
            });
        } else if let Some(rest) = strip("docker-archive") {
            return Ok(ImageSpec::Archive {
                path: rest.into(),
                kind: ArchiveKind::Docker,
                tag: None,
            });
        } else if let Some(rest) = strip("oci-archive") {
            let (path, tag) = path_and_tag(&rest);
            return Ok(ImageSpec::Archive {
                path,
                kind: ArchiveKind::Oci,
                tag,
            });
        } else if let Some(rest) = strip("oci") {
            let (dir, tag) = path_and_tag(&rest);
            return Ok(ImageSpec::Layout { dir, tag });
        } else {
            forced
        };
        let path = PathBuf::from(reference);
        match kind {
            Some(SourceKind::DockerArchive) => Ok(ImageSpec::Archive {
                path,
                kind: ArchiveKind::Docker,
                tag: None,
            }),
            Some(SourceKind::OciArchive) => {
                let (path, tag) = path_and_tag(reference);
                Ok(ImageSpec::Archive {
                    path,
                    kind: ArchiveKind::Oci,
                    tag,
                })
            }
            Some(SourceKind::OciLayout) => {
                let (dir, tag) = path_and_tag(reference);
                Ok(ImageSpec::Layout { dir, tag })
            }
            Some(SourceKind::Docker) => daemon(Engine::Docker, reference),
            Some(SourceKind::Podman) => daemon(Engine::Podman, reference),
            Some(SourceKind::Registry) => Ok(ImageSpec::Registry {
                reference: Reference::parse(reference)?,
            }),
            None if path.is_dir() => Ok(ImageSpec::Layout {
                dir: path,
                tag: None,
            }),
            None if path.is_file() => Ok(ImageSpec::Archive {
                path,
                kind: ArchiveKind::Detect,
                tag: None,
            }),
            // Not a path: an image reference goes to the Docker daemon, as dive does.
            None if !looks_like_path(reference) && Reference::parse(reference).is_ok() => {
                daemon(Engine::Docker, reference)
            }
            None => Err(Error::Source(format!(
                "{reference}: no such file or directory; name a docker save tarball, an OCI \
                 layout directory or an OCI archive (prefixes docker-archive:, oci:, \
                 oci-archive:), '-' for standard input, or an image (docker://, podman://, \
                 registry://)"
            ))),
        }
    }
}

/// Where `-` reads from.
const STDIN: &str = "/dev/stdin";

/// Whether a bare reference that names nothing on disk was meant as a path: it starts like
/// one, ends in an archive's extension, or sits in a directory that exists. Such a name is
/// never an image the user expects the daemon to have (`docker://NAME` still forces it).
fn looks_like_path(reference: &str) -> bool {
    const ARCHIVES: [&str; 7] = [
        ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".oci", ".gz",
    ];
    let lower = reference.to_ascii_lowercase();
    // A tag or digest after the name is never an archive's extension (`app:1.tar` is a tag).
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    reference.starts_with(['/', '.', '~'])
        || (!name.contains([':', '@']) && ARCHIVES.iter().any(|ext| name.ends_with(ext)))
        || Path::new(reference)
            .parent()
            .is_some_and(|dir| !dir.as_os_str().is_empty() && dir.is_dir())
}

fn daemon(engine: Engine, name: &str) -> Result<ImageSpec> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Source(format!(
            "'{name}' is not an image name; give one as {}://NAME[:TAG]",
            engine.prefix()
        )));
    }
    Ok(ImageSpec::Daemon {
        engine,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_tags() {
        assert_eq!(
            ImageSpec::parse("docker-archive:///tmp/x.tar", None).unwrap(),
            ImageSpec::Archive {
                path: "/tmp/x.tar".into(),
                kind: ArchiveKind::Docker,
                tag: None
            }
        );
        assert_eq!(
            ImageSpec::parse("oci:/nonexistent/layout:v1", None).unwrap(),
            ImageSpec::Layout {
                dir: "/nonexistent/layout".into(),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            ImageSpec::parse("oci-archive:img.tar", None).unwrap(),
            ImageSpec::Archive {
                path: "img.tar".into(),
                kind: ArchiveKind::Oci,
                tag: None
            }
        );
        assert!(ImageSpec::parse("/definitely/not/here", None)
            .unwrap_err()
            .to_string()
            .starts_with("/definitely/not/here: no such file or directory; name a docker save"));
        assert_eq!(
            ImageSpec::parse("-", None).unwrap(),
            ImageSpec::Archive {
                path: "/dev/stdin".into(),
                kind: ArchiveKind::Docker,
                tag: None
            }
        );
    }

    #[test]
    fn a_missing_path_is_no_such_file_and_a_name_goes_to_the_daemon() {
        let missing = |r: &str| {
            ImageSpec::parse(r, None)
                .unwrap_err()
                .to_string()
                .starts_with(&format!("{r}: no such file or directory"))
        };
        let dir = tempfile::tempdir().unwrap();
        let in_dir = dir.path().join("app").display().to_string();
        for r in [
            "app.tar",
            "./x",
            "../x",
            "~/app",
            "img.tar.gz",
            "out.oci",
            "src/nope",
        ] {
            assert!(missing(r), "{r}");
        }
        assert!(missing(&in_dir));
        for name in [
            "app",
            "app:1.tar",
            "myorg/app:1",
            "ghcr.io/org/app:v2",
            "app.io/x",
        ] {
            assert!(
                matches!(
                    ImageSpec::parse(name, None),
                    Ok(ImageSpec::Daemon {
                        engine: Engine::Docker,
                        ..
                    })
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn live_sources() {
        assert_eq!(
            ImageSpec::parse("docker://alpine:3.20", None).unwrap(),
            ImageSpec::Daemon {
                engine: Engine::Docker,
                name: "alpine:3.20".into()
            }
        );
        assert_eq!(
            ImageSpec::parse("podman://localhost/app", None).unwrap(),
            ImageSpec::Daemon {
                engine: Engine::Podman,
                name: "localhost/app".into()
            }
        );
        // A bare reference that is not a path goes to Docker, as in dive.
        assert_eq!(
            ImageSpec::parse("no-such-file-here:v1", None).unwrap(),
            ImageSpec::Daemon {
                engine: Engine::Docker,
                name: "no-such-file-here:v1".into()
            }
        );
        assert_eq!(
            ImageSpec::parse("app:1", Some(SourceKind::Podman)).unwrap(),
            ImageSpec::Daemon {
                engine: Engine::Podman,
                name: "app:1".into()
            }
        );
        let ImageSpec::Registry { reference } =
            ImageSpec::parse("registry://127.0.0.1:5000/team/app:1", None).unwrap()
        else {
            panic!("not a registry reference");
        };
        assert_eq!(reference.registry, "127.0.0.1:5000");
        assert_eq!(reference.repository, "team/app");
        assert!(ImageSpec::parse("docker://", None).is_err());
    }
}
