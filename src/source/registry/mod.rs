//! Images straight from a registry over the distribution API, no daemon: the manifest (an
//! index resolved by `--platform`), the config, and the layers, up to [`PARALLEL_LAYERS`] at
//! once, each indexed on its own thread **as its body arrives** (downloads and indexing
//! overlap; no blob touches the disk). Every digest is verified: the manifest's when pulled by
//! digest (and against the registry's `Docker-Content-Digest`), the config's, and each
//! layer's as soon as it has streamed; each blob is held to its descriptor's size.

pub mod auth;
pub mod client;
pub mod hop;
pub mod reference;
pub mod stall;

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

pub use client::RegistryClient;
pub use reference::Reference;

use super::blob::{index_blob, IndexedBlob};
use super::digest::{Digest, SizedReader};
use super::manifest::{
    manifest_layers, parse_index, parse_manifest, resolve_index, ImageConfig, LayerRef,
};
use super::progress::{Progress, ProgressReader};
use super::{assemble, LoadOptions, Parts};
use crate::error::{Error, Result};
use crate::image::{Image, LayerPreview, SourceKind};
use crate::index::Keep;

/// How many layers download (and index) at once.
pub const PARALLEL_LAYERS: usize = 3;

/// How to reach a registry.
#[derive(Debug, Clone, Copy)]
pub struct RegistryOptions {
    /// Allow plain HTTP to a registry (and its redirects and token service) off loopback.
    pub insecure: bool,
    /// How long a response may make no progress (less than [`stall::MIN_PROGRESS`] bytes)
    /// before it is an error (`--registry-stall-timeout`).
    pub stall_timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure: false,
            stall_timeout: stall::DEFAULT_STALL_TIMEOUT,
        }
    }
}

fn is_index(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .is_some_and(|v| v.get("manifests").is_some())
}

fn check_schema(bytes: &[u8], what: &str) -> Result<()> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Error::json(what.to_string(), e))?;
    if v.get("schemaVersion").and_then(|s| s.as_u64()) == Some(1) {
        return Err(Error::Format(format!(
            "{what} is a Docker schema 1 manifest, which layerlens does not read; push the \
             image again with a current client"
        )));
    }
    Ok(())
}

/// Reads an image from a registry.
pub fn read_registry(
    reference: &Reference,
    shown: &str,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let platform = opts.platform.as_ref();
    let client = RegistryClient::connect(reference, opts.registry())?;
    let (top, claimed) = client.manifest(&reference.manifest_ref())?;
    let top_digest = Digest::of(&top);
    if let Some(wanted) = &reference.digest {
        wanted.verify(&top_digest, "manifest")?;
    }
    if let Some(claimed) = claimed.as_deref().and_then(|c| Digest::parse(c).ok()) {
        claimed.verify(&top_digest, "manifest (Docker-Content-Digest)")?;
    }
    let what = format!("the manifest of {reference}");
    check_schema(&top, &what)?;
    let (manifest_digest, manifest) = if is_index(&top) {
        let index = parse_index(&top, &what)?;
        let mut fetch = |d: &Digest| -> Result<Vec<u8>> {
            let (bytes, _) = client.manifest(d.as_str())?;
            d.verify(&Digest::of(&bytes), "manifest")?;
            Ok(bytes)
        };
        let resolved = resolve_index(&index, &what, None, platform, &mut fetch)?;
        (resolved.manifest_digest, resolved.manifest)
    } else {
        (top_digest, parse_manifest(&top, &what)?)
    };
    let config_digest = Digest::parse(manifest.config().digest().as_ref())?;
    let config_bytes =
        client.blob_document(&config_digest, "config", Some(manifest.config().size()))?;
    let config = ImageConfig::parse(&config_bytes, &format!("config {config_digest}"))?;
    let refs = manifest_layers(&manifest)?;
    progress.total_bytes(refs.iter().filter_map(|r| r.size).sum());
    progress.layers_known(&config, &LayerPreview::of_config(&config, refs.len()));
    let blobs = fetch_layers(&client, &refs, opts.keep, progress)?;
    assemble(Parts {
        reference: shown.to_string(),
        source: SourceKind::Registry,
        config,
        config_digest,
        manifest_digest: Some(manifest_digest),
        repo_tags: reference
            .tag
            .as_ref()
            .map(|_| vec![reference.to_string()])
            .unwrap_or_default(),
        layers: refs.into_iter().zip(blobs).collect(),
    })
}

/// Downloads and indexes every layer, [`PARALLEL_LAYERS`] at once; the first failure stops
/// the others from starting new layers.
fn fetch_layers(
    client: &RegistryClient,
    refs: &[LayerRef],
    keep: Keep,
    progress: &dyn Progress,
) -> Result<Vec<IndexedBlob>> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<IndexedBlob>>>> =
        Mutex::new((0..refs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..PARALLEL_LAYERS.min(refs.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= refs.len() || failed.load(Ordering::SeqCst) {
                    break;
                }
                let r = fetch_layer(client, &refs[i], keep, progress);
                match &r {
                    Ok(blob) => progress.layer_indexed(i, blob.index.size),
                    Err(_) => failed.store(true, Ordering::SeqCst),
                }
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(r);
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress.layer_done(n, Some(refs.len()));
            });
        }
    });
    let results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Report the first layer (in manifest order) that failed.
    let mut blobs = Vec::with_capacity(refs.len());
    for (r, result) in refs.iter().zip(results) {
        match result {
            Some(Ok(b)) => blobs.push(b),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(Error::Registry(format!(
                    "layer {} was not downloaded because another layer failed",
                    r.location
                )))
            }
        }
    }
    Ok(blobs)
}

/// What went wrong with the network under a download, so a dropped connection or a stall is
/// reported as one and not as a corrupt layer.
enum NetworkError {
    /// The stall timeout's whole message.
    Stalled(String),
    Failed(String),
}

/// Counts the bytes of a download and remembers whether the network failed it.
struct Download<R> {
    inner: R,
    bytes: u64,
    network_error: Option<NetworkError>,
}

impl<R: Read> Read for Download<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e) => {
                self.network_error = Some(match stall::stall_message(&e) {
                    Some(m) => NetworkError::Stalled(m),
                    None => NetworkError::Failed(e.to_string()),
                });
                Err(e)
            }
        }
    }
}

fn fetch_layer(
    client: &RegistryClient,
    r: &LayerRef,
    keep: Keep,
    progress: &dyn Progress,
) -> Result<IndexedBlob> {
    let Some(digest) = &r.digest else {
        return Err(Error::Format(format!("layer {} has no digest", r.location)));
    };
    let body = client.blob_reader(digest)?;
    let mut dl = Download {
        inner: body,
        bytes: 0,
        network_error: None,
    };
    // A registry that sends more than the descriptor says is cut off one byte past it, and
    // one that ends early is caught at its end; either way the error names the mismatch.
    let mut sized = SizedReader::new(&mut dl, r.size);
    let result = index_blob(ProgressReader::new(&mut sized, progress), keep);
    let mismatch = sized.mismatch_error(&format!(
        "layer blob {digest} from registry {}",
        client.registry_name()
    ));
    let blob = match result {
        Ok(b) => b,
        Err(source) => {
            if let Some(e) = mismatch {
                return Err(e);
            }
            match dl.network_error {
                Some(NetworkError::Stalled(m)) => return Err(Error::Registry(m)),
                Some(NetworkError::Failed(net)) => {
                    let of = r.size.map(|s| format!(" of {s}")).unwrap_or_default();
                    return Err(Error::Registry(format!(
                        "downloading layer {digest} failed after {}{of} bytes: {net}; the \
                         registry dropped the connection, try again",
                        dl.bytes
                    )));
                }
                None => {}
            }
            return Err(Error::Layer {
                layer: digest.to_string(),
                source,
            });
        }
    };
    digest.verify(&blob.digest, "layer blob")?;
    Ok(blob)
}
