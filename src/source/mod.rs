//! Sources: turning an image reference into an indexed [`Image`]: files and directories,
//! Docker and podman daemons ([`daemon`]) and registries ([`registry`]). Every source
//! verifies digests as it streams and holds no layer content.

pub mod archive;
pub mod blob;
pub mod daemon;
pub mod digest;
pub mod extract;
pub mod layout;
pub mod manifest;
pub mod parallel;
pub mod platform;
pub mod progress;
pub mod progress_bar;
pub mod registry;
pub mod spec;

use std::fs::File;

pub use platform::Platform;
pub use progress::{NoProgress, Progress};
pub use spec::ImageSpec;

use blob::IndexedBlob;
use digest::Digest;
use manifest::{ImageConfig, LayerRef};

use crate::error::{Error, Result};
use crate::image::{Image, Layer, SourceKind};
use crate::index::{Keep, MergedTree};

/// How to load an image.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The platform to pick from a multi-platform index (default: the host's).
    pub platform: Option<Platform>,
    /// Pull the image into the daemon before reading it (`--pull`).
    pub pull: bool,
    /// Allow plain HTTP to a registry that is not on loopback (`--insecure`).
    pub insecure: bool,
    /// How long a registry may send nothing (less than 1 KiB) before it is an error
    /// (`--registry-stall-timeout`; default 30 s).
    pub registry_stall_timeout: Option<std::time::Duration>,
    /// Whether the layers' package documents are kept (the default), or not when no output
    /// reads them.
    pub keep: Keep,
}

impl LoadOptions {
    /// How to talk to a registry: the same for loading and for reading a file later (the
    /// viewer, extraction).
    pub fn registry(&self) -> registry::RegistryOptions {
        registry::RegistryOptions {
            insecure: self.insecure,
            stall_timeout: self
                .registry_stall_timeout
                .unwrap_or(registry::stall::DEFAULT_STALL_TIMEOUT),
        }
    }
}

/// Loads and indexes the image a reference names.
pub fn load(
    reference: &str,
    forced: Option<SourceKind>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let spec = ImageSpec::parse(reference, forced)?;
    match &spec {
        ImageSpec::Archive { path, kind, tag } => {
            let shown = path.display().to_string();
            let file = File::open(path).map_err(|e| Error::io(&shown, e))?;
            let meta = file.metadata().map_err(|e| Error::io(&shown, e))?;
            // A pipe (`docker save app | layerlens docker-archive:/dev/stdin`) has no length:
            // it is read in one pass like a file, and an empty one fails as a truncated tar.
            if meta.is_file() {
                if meta.len() == 0 {
                    return Err(Error::Format(format!("{shown} is empty")));
                }
                progress.total_bytes(meta.len());
            }
            archive::read_archive_file(
                file,
                &shown,
                reference,
                *kind,
                tag.as_deref(),
                opts,
                progress,
            )
        }
        ImageSpec::Layout { dir, tag } => {
            layout::read_layout(dir, reference, tag.as_deref(), opts, progress)
        }
        ImageSpec::Daemon { engine, name } => {
            daemon::read_daemon(*engine, name, reference, opts, progress)
        }
        ImageSpec::Registry { reference: r } => {
            registry::read_registry(r, reference, opts, progress)
        }
    }
}

/// What a source found, before verification against the config.
pub(crate) struct Parts {
    pub reference: String,
    pub source: SourceKind,
    pub config: ImageConfig,
    pub config_digest: Digest,
    pub manifest_digest: Option<Digest>,
    pub repo_tags: Vec<String>,
    pub layers: Vec<(LayerRef, IndexedBlob)>,
}

/// Checks every layer against its manifest descriptor and the config's `diff_ids`, pairs
/// layers with history, and builds the merged view.
pub(crate) fn assemble(parts: Parts) -> Result<Image> {
    let Parts {
        reference,
        source,
        config,
        config_digest,
        manifest_digest,
        repo_tags,
        layers,
    } = parts;
    manifest::check_layer_count(layers.len(), &reference)?;
    if config.diff_ids.len() != layers.len() {
        return Err(Error::Format(format!(
            "the manifest lists {} layers but the config's rootfs lists {} diff_ids",
            layers.len(),
            config.diff_ids.len()
        )));
    }
    let history = config.layer_history(layers.len());
    let mut metas = Vec::with_capacity(layers.len());
    let mut indexes = Vec::with_capacity(layers.len());
    for (i, (r, blob)) in layers.into_iter().enumerate() {
        if let Some(d) = &r.digest {
            d.verify(&blob.digest, "layer blob")?;
        }
        if let Some(size) = r.size {
            if size != blob.size {
                return Err(Error::Format(format!(
                    "layer blob {} is {} bytes but the manifest says {size}",
                    blob.digest, blob.size
                )));
            }
        }
        Digest::parse(&config.diff_ids[i])?.verify(&blob.diff_id, "layer diff_id")?;
        metas.push(Layer {
            index: i,
            blob_digest: blob.digest,
            blob_size: blob.size,
            diff_id: blob.diff_id,
            compression: blob.compression,
            media_type: r.media_type,
            location: r.location,
            history: history[i].cloned(),
            size: blob.index.size,
            dockerfile: None,
        });
        indexes.push(blob.index);
    }
    Ok(Image {
        reference,
        source,
        config,
        config_digest,
        manifest_digest,
        repo_tags,
        layers: metas,
        tree: MergedTree::build(indexes),
        dockerfile: None,
    })
}
