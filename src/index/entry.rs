//! One tar entry of one layer, as the index keeps it: metadata and a content digest, never
//! the content.

use std::borrow::Cow;

use super::capture::ContentHint;
use super::path;

/// What an entry is. Whiteouts and opaque markers are the overlay's deletion records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    /// `.wh.NAME`: deletes `NAME` (and everything under it) from the layers below.
    Whiteout,
    /// `.wh..wh..opq` inside a directory: hides everything the layers below put there.
    Opaque,
    /// A type flag layerlens does not interpret (kept, counted, shown).
    Other,
}

impl EntryKind {
    /// The kind a tar type flag stands for (Go-normalised flags: `\0` is already `0`/`5`).
    pub fn from_type_flag(flag: u8) -> EntryKind {
        match flag {
            b'0' | b'7' | b'S' => EntryKind::File,
            b'1' => EntryKind::Hardlink,
            b'2' => EntryKind::Symlink,
            b'3' => EntryKind::CharDevice,
            b'4' => EntryKind::BlockDevice,
            b'5' => EntryKind::Dir,
            b'6' => EntryKind::Fifo,
            _ => EntryKind::Other,
        }
    }

    /// A one-letter type as `ls -l` shows it.
    pub fn ls_char(self) -> char {
        match self {
            EntryKind::Dir => 'd',
            EntryKind::Symlink => 'l',
            EntryKind::CharDevice => 'c',
            EntryKind::BlockDevice => 'b',
            EntryKind::Fifo => 'p',
            _ => '-',
        }
    }

    /// Whether this kind is a deletion record rather than a file system object.
    pub fn is_deletion(self) -> bool {
        matches!(self, EntryKind::Whiteout | EntryKind::Opaque)
    }
}

/// A 128-bit content hash (xxh3) of a regular file: equal content, equal digest. Its high
/// half first, so it orders as the `u128` does; two halves rather than a `u128`, whose 16-byte
/// alignment would make an entry 8 bytes larger (a million entries, 8 MB).
pub type ContentDigest = [u64; 2];

/// The [`ContentDigest`] of an xxh3-128 value.
pub fn content_digest(xxh3: u128) -> ContentDigest {
    [(xxh3 >> 64) as u64, xxh3 as u64]
}

/// Where an entry's path and link lie in its layer's name buffer: the path at `at`, the link
/// (if any) right after it. Offsets are `u64`, so a layer's names may pass 4 GiB (only its
/// bytes on input bound them) at no cost: the entry is 64 bytes either way. Lengths are
/// `u32`: a name is at most 1 MiB (`tarstream`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct NameSpan {
    pub(super) at: u64,
    pub(super) path_len: u32,
    /// [`NO_LINK`] for an entry without a link target.
    pub(super) link_len: u32,
}

/// `link_len` of an entry without a link (an empty link is a link: a tar may write one).
pub(super) const NO_LINK: u32 = u32::MAX;

/// One entry of a layer's tar stream: its metadata. Its path and link target live in its
/// layer's name buffer, so a million entries are not a million allocations; read them through
/// [`EntryRef`] ([`LayerIndex::iter`](super::LayerIndex::iter),
/// [`LayerIndex::entry`](super::LayerIndex::entry)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub(super) names: NameSpan,
    pub kind: EntryKind,
    /// The tar type flag byte (Go-normalised).
    pub type_flag: u8,
    /// Size from the tar header (the bytes this entry ships for a regular file).
    pub size: u64,
    /// Mode bits as stored in the header.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content hash of a regular file, zero for every other kind: read it through
    /// [`Entry::digest`]. Not an `Option`, whose tag would cost 8 bytes an entry.
    pub content: ContentDigest,
    /// What a small file's first bytes say (a private key, registry credentials).
    pub hint: ContentHint,
}

impl Entry {
    /// Content hash of a regular file (`None` for every other kind).
    pub fn digest(&self) -> Option<ContentDigest> {
        (self.kind == EntryKind::File).then_some(self.content)
    }

    /// Bytes of content this entry ships (regular files only).
    pub fn content_size(&self) -> u64 {
        if self.kind == EntryKind::File {
            self.size
        } else {
            0
        }
    }

    /// `drwxr-xr-x`-style permissions string (with setuid/setgid/sticky).
    pub fn mode_string(&self) -> String {
        mode_string(self.kind.ls_char(), self.mode)
    }
}

/// An entry with its path and link, borrowed from its layer. It reads as the [`Entry`] it
/// points to (`e.kind`, `e.size`), plus `e.path` and `e.link`.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    pub entry: &'a Entry,
    /// Normalised path, no leading `/` (`etc/passwd`). For a whiteout, the path it deletes;
    /// for an opaque marker, the directory it makes opaque.
    pub path: &'a [u8],
    /// Link target as the tar wrote it (symlinks and hardlinks); see
    /// [`EntryRef::hardlink_target`] for a hardlink's path in the image.
    pub link: Option<&'a [u8]>,
}

impl std::ops::Deref for EntryRef<'_> {
    type Target = Entry;

    fn deref(&self) -> &Entry {
        self.entry
    }
}

impl<'a> EntryRef<'a> {
    /// The path as text, with odd bytes escaped.
    pub fn display_path(&self) -> String {
        path::escape(self.path)
    }

    /// A hardlink's target as a path in the image (normalised like entry paths).
    pub fn hardlink_target(&self) -> Option<Cow<'a, [u8]>> {
        if self.kind != EntryKind::Hardlink {
            return None;
        }
        let raw = self.link?;
        match path::normalize(raw) {
            Ok(p) if p == raw => Some(Cow::Borrowed(raw)),
            Ok(p) => Some(Cow::Owned(p)),
            Err(_) => None,
        }
    }

    /// The name as dive sees it: the cleaned tar name, so whiteouts keep their `.wh.` prefix.
    pub fn dive_name(&self) -> Vec<u8> {
        match self.kind {
            EntryKind::Whiteout => {
                let parent = path::parent(self.path);
                let mut name = parent.to_vec();
                if !parent.is_empty() {
                    name.push(b'/');
                }
                name.extend_from_slice(b".wh.");
                name.extend_from_slice(path::file_name(self.path));
                name
            }
            EntryKind::Opaque => {
                let mut name = self.path.to_vec();
                if !name.is_empty() {
                    name.push(b'/');
                }
                name.extend_from_slice(b".wh..wh..opq");
                name
            }
            _ => self.path.to_vec(),
        }
    }

    /// Whether two entries for the same path describe the same object (type, mode, owner,
    /// content or link target): the test for "modified".
    pub fn same_object(&self, other: &EntryRef) -> bool {
        self.kind == other.kind
            && self.mode & 0o7777 == other.mode & 0o7777
            && self.uid == other.uid
            && self.gid == other.gid
            && self.size == other.size
            && self.digest() == other.digest()
            && self.link == other.link
    }

    /// The entry with a path and link of its own.
    pub fn to_owned_entry(&self) -> OwnedEntry {
        OwnedEntry {
            path: self.path.into(),
            kind: self.kind,
            type_flag: self.type_flag,
            size: self.size,
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            link: self.link.map(Into::into),
            content: self.content,
            hint: self.hint,
        }
    }
}

/// An entry that owns its path and link: what a layer is built from when it is not read from
/// a tar ([`LayerIndex::from_entries`](super::LayerIndex::from_entries), for tests and tools).
/// The fields are [`Entry`]'s and [`EntryRef`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedEntry {
    pub path: Box<[u8]>,
    pub kind: EntryKind,
    pub type_flag: u8,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub link: Option<Box<[u8]>>,
    pub content: ContentDigest,
    pub hint: ContentHint,
}

/// Formats mode bits as `ls -l` does, after a leading type character.
pub fn mode_string(kind: char, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(kind);
    let bits = [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o040, 'r'),
        (0o020, 'w'),
        (0o010, 'x'),
        (0o004, 'r'),
        (0o002, 'w'),
        (0o001, 'x'),
    ];
    for (i, (bit, c)) in bits.iter().enumerate() {
        let set = mode & bit != 0;
        let special = match i {
            2 => mode & 0o4000 != 0,
            5 => mode & 0o2000 != 0,
            8 => mode & 0o1000 != 0,
            _ => false,
        };
        s.push(match (special, set, i) {
            (true, true, 8) => 't',
            (true, false, 8) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
            (false, true, _) => *c,
            (false, false, _) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image holds one entry per tar member: a million-file image pays this a million times.
    #[test]
    fn an_entry_is_64_bytes_and_digests_order_as_u128() {
        assert_eq!(std::mem::size_of::<NameSpan>(), 16);
        assert_eq!(std::mem::size_of::<Entry>(), 64);
        let values = [
            0u128,
            1,
            u64::MAX as u128,
            1 << 64,
            u128::MAX - 1,
            u128::MAX,
        ];
        for a in values {
            for b in values {
                assert_eq!(content_digest(a).cmp(&content_digest(b)), a.cmp(&b));
            }
        }
    }

    #[test]
    fn modes_render_like_ls() {
        assert_eq!(mode_string('d', 0o755), "drwxr-xr-x");
        assert_eq!(mode_string('-', 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string('d', 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string('-', 0o2640), "-rw-r-S---");
    }
}
