//! A loaded image: its config, its layers' metadata and the merged index of their contents.

use serde::Serialize;

use crate::index::MergedTree;
use crate::source::blob::Compression;
use crate::source::digest::Digest;
use crate::source::manifest::{HistoryEntry, ImageConfig};

/// Which kind of source an image was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    DockerArchive,
    OciLayout,
    OciArchive,
    /// The Docker Engine API (`docker://NAME`, or a bare image reference).
    Docker,
    /// podman's Docker-compatible API (`podman://NAME`).
    Podman,
    /// A registry over the distribution API, no daemon (`registry://REF`).
    Registry,
}

impl SourceKind {
    /// The prefix that names this source on the command line.
    pub fn prefix(self) -> &'static str {
        match self {
            SourceKind::DockerArchive => "docker-archive",
            SourceKind::OciLayout => "oci",
            SourceKind::OciArchive => "oci-archive",
            SourceKind::Docker => "docker",
            SourceKind::Podman => "podman",
            SourceKind::Registry => "registry",
        }
    }
}

/// One layer's metadata (its contents live in [`Image::tree`]).
#[derive(Debug, Clone)]
pub struct Layer {
    pub index: usize,
    /// sha256 of the layer blob as stored (compressed or not).
    pub blob_digest: Digest,
    /// Bytes of the blob as stored.
    pub blob_size: u64,
    /// sha256 of the uncompressed tar stream (verified against the config's `diff_ids`).
    pub diff_id: Digest,
    pub compression: Compression,
    pub media_type: Option<String>,
    /// Where the layer was found: archive member or blob path.
    pub location: String,
    /// The config history entry that made this layer.
    pub history: Option<HistoryEntry>,
    /// Sum of the layer's tar header sizes (dive's layer size).
    pub size: u64,
    /// The Dockerfile instruction that made the layer, when `--dockerfile` paired them.
    pub dockerfile: Option<DockerfileStep>,
}

/// A layer's instruction in the user's Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DockerfileStep {
    /// 1-based line where the instruction starts.
    pub line: usize,
    /// The instruction as written, on one line (continuations joined).
    pub text: String,
}

impl Layer {
    /// The command that made the layer, as dive shows it: `created_by` without a leading
    /// `/bin/sh -c `, or `(missing)` when the history has no entry for it.
    pub fn command(&self) -> String {
        command_of(self.history.as_ref())
    }
}

/// A layer as the manifest and config describe it, before it is indexed: what a viewer can
/// show while the image loads (see [`crate::source::Progress::layers_known`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerPreview {
    /// The config history entry that made this layer (paired as [`Layer::history`] is).
    pub history: Option<HistoryEntry>,
    /// The Dockerfile instruction that made the layer, when the viewer paired one.
    pub dockerfile: Option<DockerfileStep>,
}

impl LayerPreview {
    /// The previews of `count` layers described by `config`: the same history entries the
    /// loaded image's layers get.
    pub fn of_config(config: &ImageConfig, count: usize) -> Vec<LayerPreview> {
        config
            .layer_history(count)
            .into_iter()
            .map(|h| LayerPreview {
                history: h.cloned(),
                dockerfile: None,
            })
            .collect()
    }

    /// The command, word for word what [`Layer::command`] will say.
    pub fn command(&self) -> String {
        command_of(self.history.as_ref())
    }
}

fn command_of(history: Option<&HistoryEntry>) -> String {
    match history.and_then(|h| h.created_by.as_deref()) {
        Some(c) => c.strip_prefix("/bin/sh -c ").unwrap_or(c).to_string(),
        None if history.is_some() => String::new(),
        None => "(missing)".to_string(),
    }
}

/// A container image, loaded and indexed.
#[derive(Debug)]
pub struct Image {
    /// The reference the user gave.
    pub reference: String,
    pub source: SourceKind,
    pub config: ImageConfig,
    pub config_digest: Digest,
    /// Digest of the image manifest, when the source has one.
    pub manifest_digest: Option<Digest>,
    pub repo_tags: Vec<String>,
    pub layers: Vec<Layer>,
    pub tree: MergedTree,
    /// What pairing the user's Dockerfile found (`--dockerfile`, `layerlens build`).
    pub dockerfile: Option<crate::dockerfile::DockerfileReport>,
}

impl Image {
    /// Sum of all layers' sizes.
    pub fn size(&self) -> u64 {
        self.layers.iter().map(|l| l.size).sum()
    }
}
