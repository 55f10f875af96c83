//! Image references for file sources: `docker-archive:PATH`, `oci:DIR[:TAG]`,
//! `oci-archive:PATH[:TAG]`, or a bare path whose kind is detected.

use std::path::{Path, PathBuf};

use super::archive::ArchiveKind;
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
        for prefix in ["docker-archive", "oci-archive", "oci"] {
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
        let strip = |prefix: &str| {
            reference
                .strip_prefix(&format!("{prefix}://"))
                .or_else(|| reference.strip_prefix(&format!("{prefix}:")))
                .map(str::to_string)
        };
        let kind = if let Some(rest) = strip("docker-archive") {
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
            None if path.is_dir() => Ok(ImageSpec::Layout {
                dir: path,
                tag: None,
            }),
            None if path.is_file() => Ok(ImageSpec::Archive {
                path,
                kind: ArchiveKind::Detect,
                tag: None,
            }),
            None => Err(Error::Source(format!(
                "'{reference}' is not an existing file or directory; name a docker save \
                 tarball, an OCI layout directory or an OCI archive (prefixes docker-archive:, \
                 oci:, oci-archive:)"
            ))),
        }
    }
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
            .contains("not an existing file or directory"));
    }
}
