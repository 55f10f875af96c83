//! Indexing one layer: a single pass over its uncompressed tar stream that records every
//! entry's metadata and hashes regular files' content as it streams past, keeping only the
//! bounded documents and first-byte hints of [`super::capture`].

use std::io::BufRead;

use xxhash_rust::xxh3::Xxh3;

use super::capture::{self, ContentHint, DocContent, DocKind, Document, Keep};
use super::entry::{content_digest, Entry, EntryKind, EntryRef, NameSpan, OwnedEntry, NO_LINK};
use super::path::{self, PathError};
use crate::tarstream::{Chunk, TarError, TarReader};

/// Everything layerlens knows about one layer's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerIndex {
    /// Entries in tar order (whiteouts and opaque markers included).
    pub(super) entries: Vec<Entry>,
    /// Every entry's path, each followed by its link target: one buffer per layer, where a
    /// heap block per path would cost its allocator's overhead a million times.
    names: Vec<u8>,
    /// Sum of all entries' header sizes: dive's layer size.
    pub size: u64,
    /// Bytes of the uncompressed tar stream up to its end-of-archive marker.
    pub tar_bytes: u64,
    /// The package databases (and `os-release`) among the layer's files, kept whole.
    pub documents: Vec<Document>,
}

impl LayerIndex {
    /// A layer of `entries` (in tar order), with no documents and zero sizes.
    pub fn from_entries(entries: impl IntoIterator<Item = OwnedEntry>) -> LayerIndex {
        let mut index = LayerIndex::default();
        for e in entries {
            let entry = Entry {
                names: NameSpan::default(),
                kind: e.kind,
                type_flag: e.type_flag,
                size: e.size,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                content: e.content,
                hint: e.hint,
            };
            index.push(entry, &e.path, e.link.as_deref());
        }
        index
    }

    /// Adds `entry` with its path and link. From a tar, both are at most 1 MiB (`tarstream`
    /// refuses a longer name), so their lengths fit `u32` below [`NO_LINK`].
    fn push(&mut self, mut entry: Entry, path: &[u8], link: Option<&[u8]>) {
        let len = |bytes: &[u8]| {
            u32::try_from(bytes.len())
                .ok()
                .filter(|&n| n != NO_LINK)
                .expect("a tar name is at most 1 MiB")
        };
        entry.names = NameSpan {
            at: self.names.len() as u64,
            path_len: len(path),
            link_len: link.map_or(NO_LINK, len),
        };
        self.names.extend_from_slice(path);
        self.names.extend_from_slice(link.unwrap_or_default());
        self.entries.push(entry);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the layer has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i` (tar order) with its path and link. Panics when `i` is out of range, as a
    /// slice does.
    pub fn entry(&self, i: usize) -> EntryRef<'_> {
        self.view(&self.entries[i])
    }

    /// The entries in tar order, with their paths and links.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = EntryRef<'_>> + ExactSizeIterator {
        self.entries.iter().map(|e| self.view(e))
    }

    /// An entry of this layer's with its names.
    fn view<'a>(&'a self, entry: &'a Entry) -> EntryRef<'a> {
        EntryRef {
            entry,
            path: self.path(entry),
            link: self.link(entry),
        }
    }

    /// The path of `entry`, one of this layer's entries.
    pub(super) fn path(&self, entry: &Entry) -> &[u8] {
        let at = entry.names.at as usize;
        &self.names[at..at + entry.names.path_len as usize]
    }

    /// The link target of `entry`, one of this layer's entries.
    fn link(&self, entry: &Entry) -> Option<&[u8]> {
        let n = entry.names;
        if n.link_len == NO_LINK {
            return None;
        }
        let at = (n.at + n.path_len as u64) as usize;
        Some(&self.names[at..at + n.link_len as usize])
    }

    /// Number of regular files in the layer.
    pub fn file_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .count()
    }
}

// A name's length fits an entry's `u32` lengths, with room for `NO_LINK`.
const _: () = assert!(crate::tarstream::MAX_META_BYTES < NO_LINK as u64);

/// Why a layer's tar stream could not be indexed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Tar(#[from] TarError),
    #[error("entry at byte {offset}: {source}")]
    Path { offset: u64, source: PathError },
    #[error(
        "entry '{name}' at byte {offset} claims {size} bytes, which takes the layer past \
         {MAX_LAYER_BYTES} bytes (1 PiB), the most layerlens accepts"
    )]
    TooLarge {
        offset: u64,
        name: String,
        size: u64,
    },
}

/// The most bytes the entries of one layer may claim in total (sizes as Go reports them, a
/// sparse file's logical size included). Headers can claim up to 2^63-1 bytes each without
/// storing them (directories, sparse holes); this keeps every sum of sizes far from overflow.
pub const MAX_LAYER_BYTES: u64 = 1 << 50;

const CHUNK: usize = 256 * 1024;

/// Bytes of sparse-file holes one layer feeds through the content hash as zeros, so a sparse
/// file hashes as the dense file it stands for. A file whose holes do not fit what is left of
/// this enters the digest with each hole by its length: hashing stays bounded in time whatever
/// size a sparse map claims (such a file's digest equals only its sparse twins').
pub const SPARSE_HASHED_ZEROS: u64 = 256 << 20;

static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// Reads a layer's tar stream to its end-of-archive marker and returns its index together with
/// the reader (so the caller can drain and hash what follows the marker). `keep` says whether
/// the layer's documents are kept. `on_bytes` is told how far the stream has got, for progress
/// reports.
pub fn index_tar<R: BufRead>(
    reader: R,
    keep: Keep,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<(LayerIndex, R), IndexError> {
    let mut tar = TarReader::new(reader);
    let mut index = LayerIndex::default();
    // Only a sparse entry is read through a buffer of ours (its holes must be placed); a
    // dense one is hashed where the reader holds it.
    let mut buf = Vec::new();
    let mut reported = 0u64;
    let mut kept = 0u64;
    let mut zeros_budget = SPARSE_HASHED_ZEROS;
    // A small file's first bytes, for its content hint: one buffer for every file (zeroing
    // 4 KiB per file cost more than parsing its header); only the `head_len` filled are read.
    let mut head = [0u8; capture::HINT_HEAD];
    while let Some(header) = tar.next_header()? {
        let offset = header.offset;
        index.size = index
            .size
            .checked_add(header.size)
            .filter(|&s| s <= MAX_LAYER_BYTES)
            .ok_or_else(|| IndexError::TooLarge {
                offset,
                name: path::escape(&header.name),
                size: header.size,
            })?;
        let full =
            path::normalize(&header.name).map_err(|source| IndexError::Path { offset, source })?;
        let name = path::file_name(&full);
        let kind;
        let entry_path;
        if let Some(rest) = name.strip_prefix(b".wh.") {
            if rest == b".wh..opq" {
                kind = EntryKind::Opaque;
                entry_path = path::parent(&full).to_vec();
            } else if rest.starts_with(b".wh.") {
                // Other AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`): not part of the
                // file system, dropped as Docker and dive drop it.
                continue;
            } else {
                kind = EntryKind::Whiteout;
                let parent = path::parent(&full);
                let mut p = parent.to_vec();
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend_from_slice(rest);
                entry_path = p;
            }
        } else {
            if full.is_empty() {
                // The root directory itself (`./`): not a path in the image.
                continue;
            }
            kind = EntryKind::from_type_flag(header.type_flag);
            entry_path = full;
        }
        // Links keep the name the tar wrote (dive shows it raw); a hardlink's target must
        // still be a path inside the image.
        let link = match kind {
            EntryKind::Symlink => Some(&header.link_name[..]),
            EntryKind::Hardlink => {
                path::normalize(&header.link_name)
                    .map_err(|source| IndexError::Path { offset, source })?;
                Some(&header.link_name[..])
            }
            _ => None,
        };
        let mut hint = ContentHint::None;
        let digest = if kind == EntryKind::File && header.has_data() {
            let doc = match keep {
                Keep::Documents => DocKind::of_path(&entry_path),
                Keep::Nothing => None,
            };
            // What to keep of this file: the whole document, its head, or nothing.
            let mut keep = match doc {
                Some((_, limit))
                    if (header.size <= limit.bytes || limit.head_only)
                        && kept.saturating_add(header.size.min(limit.bytes))
                            <= capture::MAX_LAYER_DOCUMENTS =>
                {
                    let n = header.size.min(limit.bytes);
                    kept += n;
                    Some((Vec::with_capacity(n as usize), n as usize))
                }
                _ => None,
            };
            let keep_cap = keep.as_ref().map_or(0, |(_, cap)| *cap as u64);
            let sniff = header.size <= capture::HINT_MAX_FILE;
            let mut head_len = 0;
            // A sparse file's holes are hashed as the zeros they stand for while the layer's
            // budget lasts (the whole file or none of it, so equal files hash equal).
            let holes = tar.hole_bytes();
            let zeros_as_bytes = holes <= zeros_budget;
            if zeros_as_bytes {
                zeros_budget -= holes;
            }
            let mut hasher = Xxh3::new();
            // Feeds logical content to the head, the kept document and (when `hash`) the hasher.
            let mut take = |chunk: &[u8], hasher: Option<&mut Xxh3>| {
                if let Some(hasher) = hasher {
                    hasher.update(chunk);
                }
                if sniff && head_len < head.len() {
                    let take = chunk.len().min(head.len() - head_len);
                    head[head_len..head_len + take].copy_from_slice(&chunk[..take]);
                    head_len += take;
                }
                if let Some((bytes, cap)) = keep.as_mut() {
                    let take = chunk.len().min(*cap - bytes.len());
                    bytes.extend_from_slice(&chunk[..take]);
                }
            };
            while let Some(stored) = tar.peek_stored()? {
                if stored.is_empty() {
                    break;
                }
                let n = stored.len();
                take(stored, Some(&mut hasher));
                tar.consume_stored(n);
            }
            if tar.is_sparse() && buf.is_empty() {
                buf.resize(CHUNK, 0);
            }
            while tar.is_sparse() {
                match tar.read_chunk(&mut buf)? {
                    Chunk::End => break,
                    Chunk::Data(n) => take(&buf[..n], Some(&mut hasher)),
                    Chunk::Zeros(n) if zeros_as_bytes => {
                        // A sparse file's hole: zeros from a fixed buffer, never allocated.
                        let mut left = n;
                        while left > 0 {
                            let step = left.min(ZEROS.len() as u64) as usize;
                            take(&ZEROS[..step], Some(&mut hasher));
                            left -= step as u64;
                        }
                    }
                    Chunk::Zeros(n) => {
                        // Past the layer's budget a hole enters the digest by its length, so
                        // a map claiming petabytes costs no time. The head and the kept
                        // document still get their (bounded) zeros.
                        hasher.update(b"\0layerlens-hole\0");
                        hasher.update(&n.to_le_bytes());
                        let mut left = n.min(capture::HINT_HEAD as u64 + keep_cap);
                        while left > 0 {
                            let step = left.min(ZEROS.len() as u64) as usize;
                            take(&ZEROS[..step], None);
                            left -= step as u64;
                        }
                    }
                }
            }
            if sniff {
                hint = capture::hint(&head[..head_len]);
            }
            if let Some((kind, limit)) = doc {
                index.documents.push(Document {
                    entry: index.entries.len(),
                    kind,
                    content: match keep {
                        Some((bytes, _)) => DocContent::Bytes(bytes.into_boxed_slice()),
                        None => DocContent::TooLarge {
                            size: header.size,
                            limit: limit.bytes,
                        },
                    },
                });
            }
            Some(content_digest(hasher.digest128()))
        } else {
            None
        };
        let entry = Entry {
            names: NameSpan::default(),
            kind,
            type_flag: header.type_flag,
            size: header.size,
            mode: header.mode,
            uid: header.uid,
            gid: header.gid,
            content: digest.unwrap_or_default(),
            hint,
        };
        index.push(entry, &entry_path, link);
        let pos = tar.position();
        if pos - reported >= 4 * 1024 * 1024 {
            on_bytes(pos);
            reported = pos;
        }
    }
    index.tar_bytes = tar.position();
    on_bytes(index.tar_bytes);
    // A doubling vector is a quarter empty on average: give the spare room back now that the
    // layer is complete (a large one is remapped in place, not copied).
    index.entries.shrink_to_fit();
    index.names.shrink_to_fit();
    index.documents.shrink_to_fit();
    Ok((index, tar.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> LayerIndex {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        let bytes = b.into_inner().unwrap();
        index_tar(&bytes[..], Keep::Documents, &mut |_| {})
            .unwrap()
            .0
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    }

    #[test]
    fn records_files_whiteouts_and_opaque_dirs() {
        let idx = layer(|b| {
            file(b, "./etc/a.conf", b"abc");
            file(b, "etc/.wh.old", b"");
            file(b, "var/cache/.wh..wh..opq", b"");
            file(b, ".wh..wh.plnk", b"");
        });
        let got: Vec<_> = idx.iter().map(|e| (e.display_path(), e.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("etc/a.conf".to_string(), EntryKind::File),
                ("etc/old".to_string(), EntryKind::Whiteout),
                ("var/cache".to_string(), EntryKind::Opaque),
            ]
        );
        assert_eq!(idx.size, 3);
        assert_eq!(idx.entry(1).dive_name(), b"etc/.wh.old");
        assert_eq!(idx.entry(2).dive_name(), b"var/cache/.wh..wh..opq");
    }

    /// Without documents, a layer's index is the same but for them: entries, digests and
    /// hints, even for a document far larger than a read (hashed where the reader holds it).
    #[test]
    fn keeping_nothing_changes_only_the_documents() {
        let status: Vec<u8> = (0..700_000u32)
            .map(|i| b"Package: a\n"[i as usize % 11])
            .collect();
        let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n";
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "etc/os-release", b"ID=debian\n");
        file(&mut b, "var/lib/dpkg/status", &status);
        file(&mut b, "root/.ssh/id_ed25519", key);
        let bytes = b.into_inner().unwrap();
        let all = index_tar(&bytes[..], Keep::Documents, &mut |_| {})
            .unwrap()
            .0;
        let none = index_tar(&bytes[..], Keep::Nothing, &mut |_| {}).unwrap().0;
        assert_eq!(all.documents.len(), 2);
        assert!(matches!(&all.documents[1].content, DocContent::Bytes(b) if **b == status[..]));
        assert!(none.documents.is_empty());
        assert_eq!((&all.entries, &all.names), (&none.entries, &none.names));
        assert_eq!(
            none.entry(1).digest(),
            Some(content_digest(xxhash_rust::xxh3::xxh3_128(&status)))
        );
        assert_ne!(none.entry(2).hint, ContentHint::None);
        assert_eq!((all.size, all.tar_bytes), (none.size, none.tar_bytes));
    }

    fn link(b: &mut tar::Builder<Vec<u8>>, kind: tar::EntryType, name: &str, target: &str) {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o777);
        h.set_entry_type(kind);
        if target.is_empty() {
            // The tar crate refuses an empty target by name; a header's zeros still say it.
            b.append_data(&mut h, name, &[][..]).unwrap();
        } else {
            b.append_link(&mut h, name, target).unwrap();
        }
    }

    /// Paths and link targets share one buffer per layer, each entry reading back its own:
    /// an empty target is still a link (a tar may write one), a file has none. A layer rebuilt
    /// from its entries' owned forms is the same layer.
    #[test]
    fn paths_and_links_read_back_from_the_layer_buffer() {
        let idx = layer(|b| {
            file(b, "usr/bin/dash", b"#!");
            link(b, tar::EntryType::Symlink, "usr/bin/sh", "dash");
            link(b, tar::EntryType::Symlink, "dangling", "");
            link(b, tar::EntryType::Link, "usr/bin/rdash", "usr/bin/dash");
            file(b, "etc/.wh.gone", b"");
        });
        let got: Vec<(&[u8], Option<&[u8]>)> = idx.iter().map(|e| (e.path, e.link)).collect();
        let want: [(&[u8], Option<&[u8]>); 5] = [
            (b"usr/bin/dash", None),
            (b"usr/bin/sh", Some(b"dash")),
            (b"dangling", Some(b"")),
            (b"usr/bin/rdash", Some(b"usr/bin/dash")),
            (b"etc/gone", None),
        ];
        assert_eq!(got, want);
        assert_eq!(idx.names.len(), 12 + 10 + 4 + 8 + 13 + 12 + 8);
        assert_eq!(
            idx.entry(3).hardlink_target().as_deref(),
            Some(&b"usr/bin/dash"[..])
        );
        let rebuilt = LayerIndex::from_entries(idx.iter().map(|e| e.to_owned_entry()));
        assert_eq!(
            (&rebuilt.entries, &rebuilt.names),
            (&idx.entries, &idx.names)
        );
    }

    #[test]
    fn equal_content_has_equal_digest() {
        let idx = layer(|b| {
            file(b, "a", b"same bytes");
            file(b, "b", b"same bytes");
            file(b, "c", b"other");
        });
        let d: Vec<_> = idx.iter().map(|e| e.digest().unwrap()).collect();
        assert_eq!(d[0], d[1]);
        assert_ne!(d[0], d[2]);
    }

    #[test]
    fn escaping_names_are_refused() {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../escape");
        h.set_size(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        let mut bytes = h.as_bytes().to_vec();
        bytes.extend_from_slice(&[0; 1024]);
        let err = index_tar(&bytes[..], Keep::Documents, &mut |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "entry at byte 0: entry name '../escape' climbs out of the image root with '..'"
        );
    }
}
