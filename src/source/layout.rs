//! OCI image layout directories: `index.json`, `oci-layout` and `blobs/sha256/<hex>`.
//! Blob names come from digests that are validated first, so a hostile manifest cannot point
//! a read outside `blobs/`.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::blob::{index_blob_send, IndexedBlob};
use super::digest::Digest;
use super::manifest::{
    manifest_layers, parse_index, resolve_index, ImageConfig, LayerRef, MAX_DOCUMENT_BYTES,
};
use super::parallel;
use super::progress::{Progress, ProgressReader};
use super::{assemble, LoadOptions, Parts};
use crate::error::{Error, Result};
use crate::image::{Image, LayerPreview, SourceKind};

fn read_document(path: &Path, what: &str) -> Result<Vec<u8>> {
    let file = open_regular(path, what, None)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path.display(), e))?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(Error::Format(format!(
            "{what} {} is larger than {MAX_DOCUMENT_BYTES} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// Opens a file of the layout that must be a regular file of `size` bytes (when the
/// descriptor says). A FIFO, a device (a blob that is a symlink to `/dev/zero`), a socket or
/// a directory is refused before a byte is read: it would block or never end. The open does
/// not block on a FIFO (`O_NONBLOCK`, which regular files ignore).
fn open_regular(path: &Path, what: &str, size: Option<u64>) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| Error::io(path.display(), e))?;
    let meta = file.metadata().map_err(|e| Error::io(path.display(), e))?;
    if !meta.is_file() {
        return Err(Error::Format(format!(
            "{what} {} is not a regular file but {}: refused",
            path.display(),
            file_type_name(&meta.file_type())
        )));
    }
    if let Some(size) = size {
        if meta.len() != size {
            return Err(Error::Format(format!(
                "{what} {} is {} bytes but its descriptor says {size}",
                path.display(),
                meta.len()
            )));
        }
    }
    Ok(file)
}

fn file_type_name(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn blob_path(dir: &Path, d: &Digest) -> std::path::PathBuf {
    dir.join("blobs").join("sha256").join(d.hex())
}

/// Reads an image from an OCI layout directory.
pub fn read_layout(
    dir: &Path,
    reference: &str,
    tag: Option<&str>,
    opts: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Image> {
    let shown = dir.display().to_string();
    let index_path = dir.join("index.json");
    if !index_path.is_file() {
        return Err(Error::Format(format!(
            "{shown} is not an OCI image layout: it has no index.json"
        )));
    }
    let index_name = format!("{shown}/index.json");
    let index = parse_index(&read_document(&index_path, "index")?, &index_name)?;
    let mut fetch = |d: &Digest| -> Result<Vec<u8>> {
        let p = blob_path(dir, d);
        if std::fs::symlink_metadata(&p).is_err() {
            return Err(Error::MissingBlob {
                what: "blob".into(),
                digest: d.to_string(),
                container: shown.clone(),
            });
        }
        let bytes = read_document(&p, "blob")?;
        d.verify(&Digest::of(&bytes), "blob")?;
        Ok(bytes)
    };
    let resolved = resolve_index(&index, &index_name, tag, opts.platform.as_ref(), &mut fetch)?;
    let config_digest = Digest::parse(resolved.manifest.config().digest().as_ref())?;
    let config_bytes = fetch(&config_digest)?;
    let config = ImageConfig::parse(&config_bytes, &format!("config {config_digest}"))?;
    let refs = manifest_layers(&resolved.manifest)?;
    progress.total_bytes(refs.iter().filter_map(|r| r.size).sum());
    progress.layers_known(&config, &LayerPreview::of_config(&config, refs.len()));
    // The manifest positions each blob fills, for its size as soon as it is indexed.
    let mut positions: HashMap<&Digest, Vec<usize>> = HashMap::new();
    for (i, r) in refs.iter().enumerate() {
        if let Some(d) = &r.digest {
            positions.entry(d).or_default().push(i);
        }
    }
    // Layers are indexed on a pool, largest first; the first error in manifest order is the
    // one reported, as if they had been read one after another. A blob the manifest lists
    // again is indexed once.
    let count = refs.len();
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<LayerRef> = refs
        .iter()
        .filter(|r| r.digest.as_ref().is_none_or(|d| seen.insert(d.clone())))
        .cloned()
        .collect();
    let jobs = unique.len();
    let done = parallel::DoneCounter::default();
    let results = parallel::run_pool(
        unique,
        parallel::threads(),
        |r| r.size.unwrap_or(0),
        true,
        |_, r| {
            let Some(digest) = r.digest.clone() else {
                return Err(Error::Format(format!("a layer of {shown} has no digest")));
            };
            let p = blob_path(dir, &digest);
            if std::fs::symlink_metadata(&p).is_err() {
                return Err(Error::MissingBlob {
                    what: "layer".into(),
                    digest: digest.to_string(),
                    container: shown.clone(),
                });
            }
            let file = open_regular(&p, "layer blob", r.size)?;
            // Read in the pipeline's chunks (or the sequential path's buffer): no buffer here.
            let reader = ProgressReader::new(file, progress);
            let blob = index_blob_send(reader, opts.keep).map_err(|source| Error::Layer {
                layer: digest.to_string(),
                source,
            })?;
            for &i in positions.get(&digest).into_iter().flatten() {
                progress.layer_indexed(i, blob.index.size);
            }
            progress.layer_done(done.tick(), Some(jobs));
            Ok((digest, blob))
        },
    );
    let mut blobs: HashMap<Digest, IndexedBlob> = HashMap::new();
    for result in results {
        // A layer not run follows one that failed, whose error comes first.
        let Some(result) = result else { break };
        let (digest, blob) = result?;
        blobs.insert(digest, blob);
    }
    let mut layers = Vec::with_capacity(count);
    for r in refs {
        let Some(blob) = r.digest.as_ref().and_then(|d| blobs.get(d)).cloned() else {
            return Err(Error::Format(format!("a layer of {shown} has no digest")));
        };
        layers.push((r, blob));
    }
    assemble(Parts {
        reference: reference.to_string(),
        source: SourceKind::OciLayout,
        config,
        config_digest,
        manifest_digest: Some(resolved.manifest_digest),
        repo_tags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
        layers,
    })
}
