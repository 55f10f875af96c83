//! Reading one file's bytes back out of an image: the index keeps no content, so the layer's
//! blob is opened again from the image's source, decompressed as when it was indexed, and its
//! tar is walked to the entry. Extraction writes exactly the path the user chose and nothing
//! else: the entry's own path is never used as a destination.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::blob::Compression;
use super::spec::ImageSpec;
use super::LoadOptions;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::index::path;
use crate::tarstream::TarReader;

/// How many symlink / hardlink hops are followed (archive members and layer hardlinks).
const MAX_HOPS: usize = 8;

/// Opens the raw (possibly compressed) blob of `layer` from the image's source.
fn open_blob(image: &Image, layer: usize, opts: &LoadOptions) -> Result<Box<dyn Read>> {
    let l = image
        .layers
        .get(layer)
        .ok_or_else(|| Error::Source(format!("the image has no layer {layer}")))?;
    match ImageSpec::parse(&image.reference, None)? {
        ImageSpec::Layout { dir, .. } => {
            let p = dir.join("blobs").join("sha256").join(l.blob_digest.hex());
            let f = File::open(&p).map_err(|e| Error::io(p.display(), e))?;
            Ok(Box::new(BufReader::new(f)))
        }
        ImageSpec::Archive { path, .. } => {
            let shown = path.display().to_string();
            let open = || -> Result<Box<dyn Read>> {
                let f = File::open(&path).map_err(|e| Error::io(&shown, e))?;
                Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
            };
            open_member(&open, &shown, &l.location)
        }
        // The daemon's export is the same `docker save` tarball, streamed again.
        ImageSpec::Daemon { engine, name } => {
            let shown = format!("{}://{name}", engine.prefix());
            let open = || -> Result<Box<dyn Read>> {
                Ok(Box::new(BufReader::with_capacity(
                    1 << 20,
                    super::daemon::export_stream(engine, &name)?,
                )))
            };
            open_member(&open, &shown, &l.location)
        }
        ImageSpec::Registry { reference } => {
            // With the options the image loaded with (--insecure, the stall timeout).
            let client = super::registry::RegistryClient::connect(&reference, opts.registry())?;
            Ok(Box::new(client.blob_reader(&l.blob_digest)?))
        }
    }
}

/// Streams an archive member's data, following symlinks and hardlinks between members;
/// `open` opens the archive from its start, `shown` names it in errors.
fn open_member(
    open: &dyn Fn() -> Result<Box<dyn Read>>,
    shown: &str,
    location: &str,
) -> Result<Box<dyn Read>> {
    let shown = shown.to_string();
    let mut want = location.trim_start_matches("./").to_string();
    for _ in 0..MAX_HOPS {
        let mut tar = TarReader::new(open()?);
        let mut next = None;
        while let Some(h) = tar.next_header().map_err(|source| Error::Archive {
            archive: shown.clone(),
            source,
        })? {
            let Ok(name) = path::normalize(&h.name) else {
                continue;
            };
            if name != want.as_bytes() {
                continue;
            }
            match h.type_flag {
                b'2' => {
                    let t = [path::parent(&name), b"/", &h.link_name].concat();
                    next = path::normalize(&t).ok();
                }
                b'1' => next = path::normalize(&h.link_name).ok(),
                _ => return Ok(Box::new(TarMember { tar })),
            }
            break;
        }
        match next.and_then(|n| String::from_utf8(n).ok()) {
            Some(n) => want = n,
            None => break,
        }
    }
    Err(Error::MissingBlob {
        what: "layer".into(),
        digest: location.to_string(),
        container: shown,
    })
}

/// A reader over the current entry of a tar stream.
struct TarMember<R> {
    tar: TarReader<R>,
}

impl<R: Read> Read for TarMember<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.data().read(buf)
    }
}

/// Decompresses a blob by its magic bytes, as indexing did.
fn decompress(raw: Box<dyn Read>) -> Result<Box<dyn Read>> {
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let head = buffered.fill_buf().map_err(|e| Error::io("layer", e))?;
    Ok(match Compression::detect(head) {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(buffered)
                .map_err(|e| Error::io("layer", e))?,
        ),
    })
}

/// Copies the bytes of the file at `entry_path` in `layer` to `out`, at most `limit` bytes.
/// The last entry for that path in the layer wins (as in the filesystem); a hardlink is
/// followed to its target in the same layer. Returns the bytes copied.
pub fn copy_file(
    image: &Image,
    layer: usize,
    entry_path: &[u8],
    out: &mut dyn Write,
    limit: u64,
    opts: &LoadOptions,
) -> Result<u64> {
    let mut want = entry_path.to_vec();
    let layer_name = || format!("layer {layer} ({})", image.layers[layer].blob_digest);
    for _ in 0..MAX_HOPS {
        // Find the index of the last entry for the path (a later one replaces an earlier one).
        let mut tar = TarReader::new(decompress(open_blob(image, layer, opts)?)?);
        let mut last = None;
        let mut i = 0usize;
        while let Some(h) = tar
            .next_header()
            .map_err(|e| Error::Format(format!("{}: {e}", layer_name())))?
        {
            if path::normalize(&h.name).is_ok_and(|n| n == want) {
                last = Some((i, h.type_flag, h.link_name.clone()));
            }
            i += 1;
        }
        let Some((target, flag, link)) = last else {
            return Err(Error::Source(format!(
                "/{} is not in {}",
                path::escape(&want),
                layer_name()
            )));
        };
        if flag == b'1' {
            want = path::normalize(&link).map_err(|e| Error::Format(e.to_string()))?;
            continue;
        }
        if !matches!(flag, b'0' | b'7' | b'S') {
            return Err(Error::Source(format!(
                "/{} is not a regular file",
                path::escape(&want)
            )));
        }
        let mut tar = TarReader::new(decompress(open_blob(image, layer, opts)?)?);
        for _ in 0..target {
            tar.next_header()
                .map_err(|e| Error::Format(e.to_string()))?;
        }
        tar.next_header()
            .map_err(|e| Error::Format(e.to_string()))?;
        let mut data = tar.data().take(limit);
        return io::copy(&mut data, out).map_err(|source| Error::Write {
            what: path::escape(&want),
            source,
        });
    }
    Err(Error::Source(format!(
        "/{}: too many hardlink hops",
        path::escape(entry_path)
    )))
}

/// What reading a file for display found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileText {
    Text(String),
    /// Not text (a NUL byte, or not UTF-8); how many bytes were looked at.
    Binary(u64),
}

/// Reads at most `limit` bytes of a file and says whether it is text.
pub fn read_text(
    image: &Image,
    layer: usize,
    entry_path: &[u8],
    limit: u64,
    opts: &LoadOptions,
) -> Result<FileText> {
    let mut buf = Vec::new();
    let n = copy_file(image, layer, entry_path, &mut buf, limit, opts)?;
    if buf.contains(&0) {
        return Ok(FileText::Binary(n));
    }
    match String::from_utf8(buf) {
        Ok(s) => Ok(FileText::Text(s)),
        // A multi-byte character cut at the limit is still text.
        Err(e) if e.utf8_error().error_len().is_none() => {
            let valid = e.utf8_error().valid_up_to();
            let mut b = e.into_bytes();
            b.truncate(valid);
            Ok(FileText::Text(String::from_utf8(b).unwrap_or_default()))
        }
        Err(_) => Ok(FileText::Binary(n)),
    }
}

/// Why an extraction did not write.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{0} exists")]
    Exists(PathBuf),
    #[error(transparent)]
    Image(#[from] Error),
}

/// Writes a file's bytes to exactly `dest`. An existing file is refused unless `overwrite`;
/// a directory or a symlink at `dest` is always refused.
pub fn extract_to(
    image: &Image,
    layer: usize,
    entry_path: &[u8],
    dest: &Path,
    overwrite: bool,
    opts: &LoadOptions,
) -> Result<u64, ExtractError> {
    let shown = dest.display().to_string();
    if let Ok(meta) = std::fs::symlink_metadata(dest) {
        if meta.is_dir() || meta.file_type().is_symlink() {
            return Err(Error::Source(format!(
                "{shown} is a directory or a symlink; give a file path"
            ))
            .into());
        }
        if !overwrite {
            return Err(ExtractError::Exists(dest.to_path_buf()));
        }
    }
    let mut open = OpenOptions::new();
    open.write(true);
    // A symlink put at `dest` after the check above is not followed either: the open fails.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NOFOLLOW);
    }
    if overwrite {
        open.create(true).truncate(true);
    } else {
        open.create_new(true);
    }
    let mut f = open.open(dest).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => ExtractError::Exists(dest.to_path_buf()),
        _ => Error::io(&shown, e).into(),
    })?;
    let copied = copy_file(image, layer, entry_path, &mut f, u64::MAX, opts)
        .and_then(|n| f.flush().map(|_| n).map_err(|e| Error::io(&shown, e)));
    if copied.is_err() && !overwrite {
        // A file this call created is not left half-written.
        let _ = std::fs::remove_file(dest);
    }
    Ok(copied?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{load, LoadOptions, NoProgress};

    fn classic(reference: &str) -> Image {
        let root = env!("CARGO_MANIFEST_DIR");
        load(
            &format!("{root}/testdata/{reference}"),
            None,
            &LoadOptions::default(),
            &NoProgress,
        )
        .unwrap()
    }

    /// The first visible regular file with some bytes, and its layer.
    fn some_file(image: &Image) -> (usize, Vec<u8>, u64) {
        let last = image.layers.len() - 1;
        let t = &image.tree;
        let mut found = None;
        t.walk(crate::index::ROOT, &mut |n| {
            if found.is_none() {
                if let Some(o) = t.visible(n, last) {
                    if let Some(e) = t.entry(o) {
                        if e.kind == crate::index::EntryKind::File && e.size > 0 {
                            found = Some((o.layer, e.path.to_vec(), e.size));
                        }
                    }
                }
            }
        });
        found.unwrap()
    }

    #[test]
    fn reads_the_same_bytes_from_every_kind_of_source() {
        let opts = LoadOptions::default();
        let mut seen = Vec::new();
        for r in [
            "classic.docker.tar",
            "classic.oci",
            "classic.oci-archive.tar",
            "classic.oci-zstd",
        ] {
            let image = classic(r);
            let (layer, p, size) = some_file(&image);
            let mut out = Vec::new();
            let n = copy_file(&image, layer, &p, &mut out, u64::MAX, &opts).unwrap();
            assert_eq!(n, size, "{r}");
            assert_eq!(out.len() as u64, size);
            seen.push((p, out));
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]));
        let image = classic("classic.docker.tar");
        let (layer, p, _) = some_file(&image);
        let mut short = Vec::new();
        assert_eq!(
            copy_file(&image, layer, &p, &mut short, 3, &opts).unwrap(),
            3
        );
        assert!(copy_file(&image, layer, b"no/such/file", &mut short, 3, &opts).is_err());
    }

    #[test]
    fn extract_writes_only_the_chosen_path_and_refuses_to_overwrite() {
        let opts = LoadOptions::default();
        let image = classic("classic.docker.tar");
        let (layer, p, size) = some_file(&image);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.bin");
        assert_eq!(
            extract_to(&image, layer, &p, &dest, false, &opts).unwrap(),
            size
        );
        assert_eq!(std::fs::metadata(&dest).unwrap().len(), size);
        assert!(matches!(
            extract_to(&image, layer, &p, &dest, false, &opts),
            Err(ExtractError::Exists(_))
        ));
        std::fs::write(&dest, b"x").unwrap();
        extract_to(&image, layer, &p, &dest, true, &opts).unwrap();
        assert_eq!(std::fs::metadata(&dest).unwrap().len(), size);
        // Nothing else was created.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(extract_to(&image, layer, &p, dir.path(), true, &opts).is_err());
        // A path the layer does not have: an error, and no file left behind.
        let missing = dir.path().join("missing.bin");
        assert!(extract_to(&image, layer, b"no/such/file", &missing, false, &opts).is_err());
        assert!(!missing.exists());
    }

    /// A symlink at the destination is never followed, whether it points at a file or nowhere,
    /// and even when overwriting was confirmed.
    #[cfg(unix)]
    #[test]
    fn extract_never_writes_through_a_symlink_at_the_destination() {
        let opts = LoadOptions::default();
        let image = classic("classic.docker.tar");
        let (layer, p, _) = some_file(&image);
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for overwrite in [false, true] {
            let e = extract_to(&image, layer, &p, &link, overwrite, &opts).unwrap_err();
            assert!(e.to_string().contains("symlink"), "{e}");
        }
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        let nowhere = outside.path().join("created");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
        for overwrite in [false, true] {
            assert!(extract_to(&image, layer, &p, &dangling, overwrite, &opts).is_err());
        }
        assert!(!nowhere.exists());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
    }
}
