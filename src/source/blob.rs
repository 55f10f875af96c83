//! Indexing one layer blob as it streams: the raw bytes are hashed (the blob digest),
//! decompressed by what their magic bytes say (gzip, zstd or none), hashed again (the
//! `diff_id`) and indexed, all in one pass.

use std::io::{self, BufRead, BufReader, Read};

use super::digest::{Digest, HashingReader};
use crate::index::{index_tar, IndexError, Keep, LayerIndex};

/// How a layer blob is compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Detects the compression from a blob's first bytes (media types are not trusted).
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
            // A skippable frame (magic 0x184D2A5?) may come first; zstd readers skip it.
            || (head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18])
        {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Whether a member's first bytes look like a layer (compressed, a tar header, or the empty
/// tar of an empty layer) rather than a JSON document or other metadata.
pub fn looks_like_layer(head: &[u8]) -> bool {
    match Compression::detect(head) {
        Compression::Gzip | Compression::Zstd => true,
        Compression::None => {
            if head.len() < 512 {
                return false;
            }
            let block = &head[..512];
            if block.iter().all(|&b| b == 0) {
                return true;
            }
            block[257..262] == *b"ustar" || tar_checksum_ok(block)
        }
    }
}

fn tar_checksum_ok(block: &[u8]) -> bool {
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_ascii_digit())
        .collect();
    let Ok(stored) = i64::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: i64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(b)
            }
        })
        .sum();
    sum == stored
}

/// A layer blob after its one streaming pass.
#[derive(Debug, Clone)]
pub struct IndexedBlob {
    /// sha256 of the blob's bytes as stored.
    pub digest: Digest,
    /// Bytes as stored.
    pub size: u64,
    /// sha256 of the uncompressed tar stream.
    pub diff_id: Digest,
    pub compression: Compression,
    /// Shared: a manifest may list the same blob many times, and each listing costs a
    /// pointer, not a copy of the index.
    pub index: std::sync::Arc<LayerIndex>,
}

impl IndexedBlob {
    /// A blob read to its end: `diff_id` is `None` for an uncompressed blob, whose diff_id is
    /// its own digest.
    pub(crate) fn new(
        (digest, size): (Digest, u64),
        diff_id: Option<Digest>,
        compression: Compression,
        index: LayerIndex,
    ) -> IndexedBlob {
        IndexedBlob {
            diff_id: diff_id.unwrap_or_else(|| digest.clone()),
            digest,
            size,
            compression,
            index: std::sync::Arc::new(index),
        }
    }
}

/// Streams one layer blob: hashes it, decompresses it and indexes its tar. With more than
/// one thread ([`super::parallel::threads`]) the stages run as a pipeline on several threads;
/// the results and errors are the same. `keep` says whether its documents are kept.
pub fn index_blob<R: Read>(raw: R, keep: Keep) -> Result<IndexedBlob, IndexError> {
    if super::parallel::threads() > 1 {
        super::parallel::index_blob_pipelined(raw, keep)
    } else {
        index_blob_sequential(raw, keep)
    }
}

/// [`index_blob`] for a reader that can move to another thread (a file): with more than one
/// thread, reading gets a thread of its own beside the sha256 one.
pub fn index_blob_send<R: Read + Send>(raw: R, keep: Keep) -> Result<IndexedBlob, IndexError> {
    if super::parallel::threads() > 1 {
        super::parallel::index_blob_pipelined_send(raw, keep)
    } else {
        index_blob_sequential(raw, keep)
    }
}

/// [`index_blob`] on the calling thread alone.
pub(crate) fn index_blob_sequential<R: Read>(
    raw: R,
    keep: Keep,
) -> Result<IndexedBlob, IndexError> {
    let mut raw = HashingReader::new(raw);
    let (compression, index, diff_id) = {
        let mut buffered = BufReader::with_capacity(256 * 1024, &mut raw);
        let head = buffered.fill_buf().map_err(io_err)?;
        let compression = Compression::detect(head);
        let (index, diff_id) = match compression {
            // Uncompressed: the blob digest is the diff_id; hash once.
            Compression::None => (index_tar(buffered, keep, &mut |_| {})?.0, None),
            Compression::Gzip => index_hashed(flate2::bufread::MultiGzDecoder::new(buffered), keep)
                .map(|(i, d)| (i, Some(d)))?,
            Compression::Zstd => {
                let decoder = zstd::stream::read::Decoder::with_buffer(buffered).map_err(io_err)?;
                index_hashed(decoder, keep).map(|(i, d)| (i, Some(d)))?
            }
        };
        (compression, index, diff_id)
    };
    let hashed = raw.finish().map_err(|e| io_err_at(size_hint(&index), e))?;
    Ok(IndexedBlob::new(hashed, diff_id, compression, index))
}

fn size_hint(index: &LayerIndex) -> u64 {
    index.tar_bytes
}

/// Indexes a decompressed stream, hashing it (and what follows the tar's end marker, which
/// is part of the diff_id) on the way.
fn index_hashed<R: Read>(decoded: R, keep: Keep) -> Result<(LayerIndex, Digest), IndexError> {
    let decoded = BufReader::with_capacity(super::parallel::CHUNK, decoded);
    let (index, rest) = index_tar(HashingReader::new(decoded), keep, &mut |_| {})?;
    let (diff_id, _) = rest.finish().map_err(|e| io_err_at(index.tar_bytes, e))?;
    Ok((index, diff_id))
}

fn io_err(source: io::Error) -> IndexError {
    io_err_at(0, source)
}

fn io_err_at(offset: u64, source: io::Error) -> IndexError {
    IndexError::Tar(crate::tarstream::TarError::Io { offset, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tar_bytes() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(5);
        h.set_mode(0o644);
        b.append_data(&mut h, "hello.txt", &b"hello"[..]).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn same_index_and_diff_id_whatever_the_compression() {
        let plain = tar_bytes();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&plain[..], 3).unwrap();
        let a = index_blob(&plain[..], Keep::Documents).unwrap();
        let b = index_blob(&gz[..], Keep::Documents).unwrap();
        let c = index_blob(&zst[..], Keep::Documents).unwrap();
        assert_eq!(a.compression, Compression::None);
        assert_eq!(b.compression, Compression::Gzip);
        assert_eq!(c.compression, Compression::Zstd);
        assert_eq!(a.diff_id, Digest::of(&plain));
        assert_eq!(a.digest, a.diff_id);
        assert_eq!(b.diff_id, a.diff_id);
        assert_eq!(c.diff_id, a.diff_id);
        assert_eq!(b.digest, Digest::of(&gz));
        assert_eq!(b.size, gz.len() as u64);
        assert_eq!(b.index, a.index);
        assert_eq!(c.index.entry(0).size, 5);
    }

    #[test]
    fn corrupt_gzip_is_an_error() {
        let plain = tar_bytes();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let mut gz = gz.finish().unwrap();
        let mid = gz.len() / 2;
        for b in &mut gz[12..mid] {
            *b ^= 0x5a;
        }
        assert!(index_blob(&gz[..], Keep::Documents).is_err());
    }

    #[test]
    fn sniffs_layers() {
        assert!(looks_like_layer(&tar_bytes()));
        assert!(looks_like_layer(&[0u8; 1024]));
        assert!(!looks_like_layer(b"{\"schemaVersion\": 2}"));
        assert!(looks_like_layer(&[0x1f, 0x8b, 8, 0]));
    }
}
