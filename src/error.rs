//! The library's error type: each variant says what is wrong and names the file, blob or key.

use std::io;

use crate::index::IndexError;
use crate::tarstream::TarError;

/// Everything that can go wrong loading or analysing an image.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    /// The image reference names no source layerlens can read.
    #[error("{0}")]
    Source(String),
    /// The image's own files (manifest, index, config) are missing, malformed or contradict
    /// each other.
    #[error("{0}")]
    Format(String),
    /// A JSON document of the image is not valid.
    #[error("{what} is not valid JSON: {source}")]
    Json {
        what: String,
        source: serde_json::Error,
    },
    /// The outer archive (a `docker save` or OCI tarball) is not a readable tar.
    #[error("{archive}: {source}")]
    Archive { archive: String, source: TarError },
    /// A layer's stream could not be read or indexed.
    #[error("layer {layer}: {source}")]
    Layer { layer: String, source: IndexError },
    /// Content does not hash to the digest that names it.
    #[error("{what} {expected} does not match its content, which hashes to {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// A blob is longer or shorter than its descriptor's size.
    #[error("{what} {mismatch}")]
    BlobSize {
        /// The blob and where it came from: `layer blob sha256:… from registry HOST`.
        what: String,
        mismatch: crate::source::digest::SizeMismatch,
    },
    /// A blob the manifest names is not in the image.
    #[error("{what} {digest} is missing from {container}")]
    MissingBlob {
        what: String,
        digest: String,
        container: String,
    },
    /// The requested platform is not in a multi-platform image.
    #[error("platform {wanted} is not in this image; it has: {available}")]
    PlatformNotFound { wanted: String, available: String },
    /// A configuration file or flag is invalid.
    #[error("{0}")]
    Config(String),
    /// A Docker or podman daemon could not be reached, or refused what was asked of it.
    #[error("{0}")]
    Daemon(String),
    /// A registry could not be reached, refused the credentials, or answered badly.
    #[error("{0}")]
    Registry(String),
    /// Writing a report failed.
    #[error("writing {what}: {source}")]
    Write { what: String, source: io::Error },
}

impl Error {
    pub(crate) fn io(path: impl std::fmt::Display, source: io::Error) -> Error {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }

    pub(crate) fn json(what: impl Into<String>, source: serde_json::Error) -> Error {
        Error::Json {
            what: what.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
