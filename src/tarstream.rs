//! A streaming, bounded tar reader: ustar, GNU (long names `L`/`K`, base-256 numbers, sparse
//! files of type `S`), PAX (`x` records, `g` globals) and GNU's PAX sparse formats 0.0, 0.1 and
//! 1.0. It never holds an entry's data and never allocates more than [`MAX_META_BYTES`] for a
//! name, a PAX header or a sparse map, whatever the archive claims.
//!
//! Its header semantics are those of Go's `archive/tar` (which Docker and dive use), so that
//! names, sizes and type flags agree with theirs on the same bytes, and what Go refuses is an
//! error here too. A sparse file reads as Go reads it: its logical content, holes as zeros;
//! [`TarReader::read_chunk`] hands holes over as lengths, so a consumer can hash terabytes of
//! holes without writing them out.

use std::io::{self, BufRead, Read};

/// Largest GNU long name, PAX header or sparse map we accept (Go's `maxSpecialFileSize`).
pub const MAX_META_BYTES: u64 = 1 << 20;

/// Most entries a sparse map may have (Go's `maxSparseFileEntries`).
pub const MAX_SPARSE_ENTRIES: usize = 1 << 20;

const BLOCK: usize = 512;

/// What went wrong reading a tar stream, with the byte offset where it happened.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    #[error("truncated at byte {offset} (inside {what})")]
    Truncated { offset: u64, what: &'static str },
    #[error("invalid tar header at byte {offset}: {why}")]
    BadHeader { offset: u64, why: String },
    #[error("{what} of {size} bytes at byte {offset} is larger than the {limit}-byte limit")]
    TooLarge {
        offset: u64,
        what: &'static str,
        size: u64,
        limit: u64,
    },
    /// A sparse file's map and its stored data disagree (Go's `errMissData`/`errUnrefData`).
    #[error("sparse file '{name}' at byte {offset}: {why}")]
    Sparse {
        offset: u64,
        name: String,
        why: &'static str,
    },
    #[error("read error at byte {offset}: {source}")]
    Io { offset: u64, source: io::Error },
}

/// One entry's header, after GNU long names, PAX records, sparse maps and Go's normalisations
/// are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarHeader {
    /// Raw name bytes as stored (not cleaned); a PAX sparse file's real name
    /// (`GNU.sparse.name`), not its `GNUSparseFile.N/` placeholder.
    pub name: Vec<u8>,
    /// Raw link target bytes (symlinks and hardlinks), empty otherwise.
    pub link_name: Vec<u8>,
    /// Type flag byte; `\0` becomes `0`, or `5` when the name ends in `/` (as Go does).
    pub type_flag: u8,
    /// Mode bits as stored (permissions, setuid/setgid/sticky, and sometimes `S_IFMT` bits).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Size as Go reports it, for every type: the header's (or PAX `size`), or a sparse
    /// file's logical size (what extracting it writes, holes included).
    pub size: u64,
    /// Byte offset of this entry's first header block in the stream.
    pub offset: u64,
}

impl TarHeader {
    /// Whether the entry carries data in the archive (Go: not a header-only type).
    pub fn has_data(&self) -> bool {
        !header_only(self.type_flag)
    }
}

/// Go's `isHeaderOnlyType`.
fn header_only(flag: u8) -> bool {
    matches!(flag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

/// One step of an entry's logical content, from [`TarReader::read_chunk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk {
    /// This many bytes were written to the start of the buffer.
    Data(usize),
    /// A hole: this many zero bytes come next (nothing was written to the buffer).
    Zeros(u64),
    /// The entry's content is over.
    End,
}

/// The holes of a sparse entry, normalised as Go's `invertSparseEntries` leaves them: in
/// order, none empty but maybe the last, the last ending at the logical size.
struct Sparse {
    /// (start, end) of each hole.
    holes: Vec<(u64, u64)>,
    next: usize,
    /// Logical position in the file.
    pos: u64,
    /// Bytes of all holes together.
    hole_bytes: u64,
    name: String,
}

impl Sparse {
    fn size(&self) -> u64 {
        self.holes.last().map_or(0, |h| h.1)
    }
}

/// Streams entries of a tar archive from any reader.
pub struct TarReader<R> {
    inner: R,
    /// Bytes consumed from `inner` so far.
    pos: u64,
    /// Stored data bytes of the current entry not yet read, then the padding after them.
    remaining: u64,
    padding: u64,
    /// The current entry's holes, when it is sparse.
    sparse: Option<Sparse>,
    /// Offset of the current entry's header (for errors).
    entry_offset: u64,
    done: bool,
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            pos: 0,
            remaining: 0,
            padding: 0,
            sparse: None,
            entry_offset: 0,
            done: false,
        }
    }

    /// Bytes consumed from the underlying reader so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The underlying reader (for reading what follows the archive, or its hashers).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry's header, skipping whatever data of the previous entry was not read.
    /// `Ok(None)` at the end-of-archive marker, or at a clean end of input between entries
    /// (or inside the last entry's padding, as Go accepts).
    ///
    /// A PAX global header (`g`) is Go's entry of its own, which Docker ignores: it is skipped
    /// here, and the PAX records and GNU long names read before it apply to nothing, so the
    /// entry after it keeps its own name.
    pub fn next_header(&mut self) -> Result<Option<TarHeader>, TarError> {
        if self.done {
            return Ok(None);
        }
        self.skip(self.remaining, "entry data")?;
        self.remaining = 0;
        self.sparse = None;
        let padding = std::mem::take(&mut self.padding);
        if !self.skip_padding(padding)? {
            self.done = true;
            return Ok(None);
        }

        let mut pax = Pax::default();
        let mut long_name = Vec::new();
        let mut long_link = Vec::new();
        loop {
            let offset = self.pos;
            let Some(block) = self.read_header_block()? else {
                self.done = true;
                return Ok(None);
            };
            let raw = RawHeader::parse(&block, offset)?;
            match raw.type_flag {
                b'x' | b'g' | b'L' | b'K' => {
                    let what = match raw.type_flag {
                        b'x' | b'g' => "a PAX header",
                        _ => "a GNU long name",
                    };
                    let size = u64::try_from(raw.size).map_err(|_| TarError::BadHeader {
                        offset,
                        why: format!("{what} with a negative size"),
                    })?;
                    if size > MAX_META_BYTES {
                        return Err(TarError::TooLarge {
                            offset,
                            what,
                            size,
                            limit: MAX_META_BYTES,
                        });
                    }
                    let data = self.read_meta(size, what)?;
                    match raw.type_flag {
                        // Go parses a global header (and refuses a malformed one), then
                        // returns it as an entry; what came before it is dropped.
                        b'g' => {
                            Pax::parse(&data, offset)?;
                            pax = Pax::default();
                            long_name.clear();
                            long_link.clear();
                        }
                        // A second `x` replaces the first, as in Go.
                        b'x' => pax = Pax::parse(&data, offset)?,
                        b'L' => long_name = trim_nul(data),
                        _ => long_link = trim_nul(data),
                    }
                    continue;
                }
                _ => {}
            }
            return self.entry(raw, &block, pax, long_name, long_link).map(Some);
        }
    }

    /// Builds an entry's header from its raw block and the records before it (Go's `next`
    /// after the special headers: `mergePAX`, long names, `handleRegularFile`,
    /// `handleSparseFile`).
    fn entry(
        &mut self,
        raw: RawHeader,
        block: &[u8; BLOCK],
        pax: Pax,
        long_name: Vec<u8>,
        long_link: Vec<u8>,
    ) -> Result<TarHeader, TarError> {
        let offset = raw.offset;
        let mut name = raw.name;
        let mut link_name = raw.link_name;
        // Empty records keep the header's value (Go's mergePAX); a GNU long name wins over a
        // PAX path.
        if !pax.get(PAX_PATH).is_empty() {
            name = pax.get(PAX_PATH).to_vec();
        }
        if !pax.get(PAX_LINKPATH).is_empty() {
            link_name = pax.get(PAX_LINKPATH).to_vec();
        }
        if !long_name.is_empty() {
            name = long_name;
        }
        if !long_link.is_empty() {
            link_name = long_link;
        }
        let bad = |name: &[u8], why: String| TarError::BadHeader {
            offset,
            why: format!("entry '{}': {why}", crate::index::path::escape(name)),
        };
        let record = |key: usize, name: &[u8]| -> Result<Option<i64>, TarError> {
            let value = pax.get(key);
            if value.is_empty() {
                return Ok(None);
            }
            go_parse_int(value).map(Some).ok_or_else(|| {
                bad(
                    name,
                    format!(
                        "PAX {} '{}' is not a decimal number that fits 64 bits",
                        String::from_utf8_lossy(PAX_KEYS[key]),
                        crate::index::path::escape(value)
                    ),
                )
            })
        };
        let uid = record(PAX_UID, &name)?.unwrap_or(raw.uid);
        let gid = record(PAX_GID, &name)?.unwrap_or(raw.gid);
        let mut size = record(PAX_SIZE, &name)?.unwrap_or(raw.size);
        for key in [PAX_ATIME, PAX_MTIME, PAX_CTIME] {
            let value = pax.get(key);
            if !value.is_empty() && !valid_pax_time(value) {
                return Err(bad(
                    &name,
                    format!(
                        "PAX {} '{}' is not a time",
                        String::from_utf8_lossy(PAX_KEYS[key]),
                        crate::index::path::escape(value)
                    ),
                ));
            }
        }
        let mut type_flag = raw.type_flag;
        if type_flag == 0 {
            type_flag = if name.ends_with(b"/") { b'5' } else { b'0' };
        }
        // Go's handleRegularFile: the stored data is the (PAX) size, none for header-only
        // types. Go lets a header-only entry report a negative size; we refuse every one.
        if size < 0 {
            return Err(bad(&name, format!("negative size {size}")));
        }
        let stored = if header_only(type_flag) {
            0
        } else {
            size as u64
        };
        self.remaining = stored;
        self.padding = pad(stored);
        self.entry_offset = offset;

        let map = if type_flag == b'S' {
            Some(self.old_gnu_sparse_map(block, &mut size, &name, offset)?)
        } else {
            self.pax_sparse_map(&pax, &mut name, &mut size, offset)?
        };
        if let Some(map) = map {
            if header_only(type_flag) {
                return Err(bad(&name, "a sparse map on a header-only entry".into()));
            }
            if let Err(why) = validate_sparse(&map, size) {
                return Err(bad(&name, format!("invalid sparse map: {why}")));
            }
            let holes = invert_sparse(&map, size as u64);
            self.sparse = Some(Sparse {
                hole_bytes: holes.iter().map(|(start, end)| end - start).sum(),
                holes,
                next: 0,
                pos: 0,
                name: crate::index::path::escape(&name),
            });
        }
        // Only a sparse size can still be negative here, and validate_sparse refused it.
        let size = u64::try_from(size).map_err(|_| bad(&name, format!("negative size {size}")))?;
        Ok(TarHeader {
            name,
            link_name,
            type_flag,
            mode: raw.mode as u32,
            uid: uid as u64,
            gid: gid as u64,
            size,
            offset,
        })
    }

    /// Go's `readOldGNUSparseMap`: the map in the header, then in extension blocks while the
    /// "is extended" byte says so; `size` becomes the real (logical) size.
    fn old_gnu_sparse_map(
        &mut self,
        block: &[u8; BLOCK],
        size: &mut i64,
        name: &[u8],
        offset: u64,
    ) -> Result<Vec<(i64, i64)>, TarError> {
        let bad = |why: &str| TarError::BadHeader {
            offset,
            why: format!(
                "GNU sparse entry '{}': {why}",
                crate::index::path::escape(name)
            ),
        };
        if block_format(block) != Format::Gnu {
            return Err(bad("type 'S' in a header that is not GNU format"));
        }
        *size = parse_numeric(&block[483..495]).map_err(|_| bad("unreadable real size"))?;
        let mut map = Vec::new();
        // The header's array: 4 entries then the flag; an extension block's: 21 then the flag.
        let mut ext = [0u8; BLOCK];
        let mut array: &[u8] = &block[386..386 + 24 * 4 + 1];
        let mut total = array.len() as u64;
        while total < MAX_META_BYTES {
            let entries = array.len() / 24;
            for i in 0..entries {
                let e = &array[i * 24..i * 24 + 24];
                if e[0] == 0 {
                    break; // As GNU and BSD tar (and Go) end the array.
                }
                let off = parse_numeric(&e[..12]).map_err(|_| bad("unreadable sparse offset"))?;
                let len = parse_numeric(&e[12..]).map_err(|_| bad("unreadable sparse length"))?;
                push_sparse(&mut map, (off, len), offset)?;
            }
            if array[entries * 24] == 0 {
                return Ok(map);
            }
            let got = self.read_full(&mut ext, "a sparse extension header")?;
            if got < BLOCK {
                return Err(TarError::Truncated {
                    offset: self.pos,
                    what: "a sparse extension header",
                });
            }
            array = &ext[..];
            total += BLOCK as u64;
        }
        Err(TarError::TooLarge {
            offset,
            what: "a GNU sparse map",
            size: total,
            limit: MAX_META_BYTES,
        })
    }

    /// Go's `readGNUSparsePAXHeaders`: `None` when the PAX records describe no sparse file
    /// (or a version Go does not know, which it reads as a plain file).
    fn pax_sparse_map(
        &mut self,
        pax: &Pax,
        name: &mut Vec<u8>,
        size: &mut i64,
        offset: u64,
    ) -> Result<Option<Vec<(i64, i64)>>, TarError> {
        let (major, minor) = (pax.get(SPARSE_MAJOR), pax.get(SPARSE_MINOR));
        let v1 = match (major, minor) {
            (b"0", b"0" | b"1") => false,
            (b"1", b"0") => true,
            _ if !major.is_empty() || !minor.is_empty() => return Ok(None),
            _ if !pax.get(SPARSE_MAP).is_empty() => false,
            _ => return Ok(None),
        };
        if !pax.get(SPARSE_NAME).is_empty() {
            *name = pax.get(SPARSE_NAME).to_vec();
        }
        let bad = |name: &[u8], why: String| TarError::BadHeader {
            offset,
            why: format!(
                "PAX sparse entry '{}': {why}",
                crate::index::path::escape(name)
            ),
        };
        let mut real = pax.get(SPARSE_SIZE);
        if real.is_empty() {
            real = pax.get(SPARSE_REALSIZE);
        }
        if !real.is_empty() {
            *size = go_parse_int(real).ok_or_else(|| {
                bad(
                    name,
                    format!(
                        "real size '{}' is not a decimal number that fits 64 bits",
                        crate::index::path::escape(real)
                    ),
                )
            })?;
        }
        if v1 {
            return self.sparse_map_1x0(name, offset).map(Some);
        }
        // 0.0 and 0.1: GNU.sparse.numblocks and the map (0.0's offset/numbytes records were
        // joined into the map when the records were parsed).
        let count = go_parse_int(pax.get(SPARSE_NUMBLOCKS))
            .filter(|&n| n >= 0 && n.checked_mul(2).is_some())
            .ok_or_else(|| bad(name, "GNU.sparse.numblocks is not a count".into()))?;
        let text = pax.get(SPARSE_MAP);
        let fields = if text.is_empty() {
            0
        } else {
            memchr::memchr_iter(b',', text).count() as u64 + 1
        };
        if fields != 2 * count as u64 {
            return Err(bad(
                name,
                format!("GNU.sparse.map has {fields} numbers for {count} blocks"),
            ));
        }
        let mut numbers = text.split(|&b| b == b',').map(go_parse_int);
        let mut map = Vec::new();
        for _ in 0..count {
            let (Some(Some(off)), Some(Some(len))) = (numbers.next(), numbers.next()) else {
                return Err(bad(
                    name,
                    "GNU.sparse.map holds something not a number".into(),
                ));
            };
            push_sparse(&mut map, (off, len), offset)?;
        }
        Ok(Some(map))
    }

    /// Go's `readGNUSparseMap1x0`: newline-terminated decimal numbers at the start of the
    /// stored data (a count, then offset/length pairs), read in whole blocks.
    fn sparse_map_1x0(&mut self, name: &[u8], offset: u64) -> Result<Vec<(i64, i64)>, TarError> {
        let bad = || TarError::BadHeader {
            offset,
            why: format!(
                "PAX sparse entry '{}': unreadable sparse map",
                crate::index::path::escape(name)
            ),
        };
        let mut buf: Vec<u8> = Vec::new();
        let mut newlines = 0u64;
        let mut cursor = 0usize;
        // Reads blocks until `want` more newlines than consumed are buffered.
        let mut feed = |tar: &mut Self, buf: &mut Vec<u8>, want: u64| -> Result<(), TarError> {
            while newlines < want {
                if buf.len() as u64 + BLOCK as u64 > MAX_META_BYTES {
                    return Err(TarError::TooLarge {
                        offset,
                        what: "a PAX sparse map",
                        size: buf.len() as u64 + BLOCK as u64,
                        limit: MAX_META_BYTES,
                    });
                }
                if tar.remaining < BLOCK as u64 {
                    return Err(TarError::Sparse {
                        offset,
                        name: crate::index::path::escape(name),
                        why: "the sparse map runs past the entry's data",
                    });
                }
                let start = buf.len();
                buf.resize(start + BLOCK, 0);
                let got = tar.read_full(&mut buf[start..], "a sparse map")?;
                if got < BLOCK {
                    return Err(TarError::Truncated {
                        offset: tar.pos,
                        what: "a sparse map",
                    });
                }
                tar.remaining -= BLOCK as u64;
                newlines += memchr::memchr_iter(b'\n', &buf[start..]).count() as u64;
            }
            Ok(())
        };
        let token = |buf: &[u8], cursor: &mut usize| -> Option<i64> {
            let rest = &buf[*cursor..];
            let end = memchr::memchr(b'\n', rest)?;
            *cursor += end + 1;
            go_parse_int(&rest[..end])
        };
        feed(self, &mut buf, 1)?;
        let count = token(&buf, &mut cursor)
            .filter(|&n| n >= 0 && n.checked_mul(2).is_some())
            .ok_or_else(bad)?;
        feed(self, &mut buf, 1 + 2 * count as u64)?;
        let mut map = Vec::new();
        for _ in 0..count {
            let off = token(&buf, &mut cursor);
            let len = token(&buf, &mut cursor);
            let (Some(off), Some(len)) = (off, len) else {
                return Err(bad());
            };
            push_sparse(&mut map, (off, len), offset)?;
        }
        Ok(map)
    }

    /// Whether the current entry is a sparse file (its content has holes to place).
    pub fn is_sparse(&self) -> bool {
        self.sparse.is_some()
    }

    /// Bytes of holes in the current entry: 0 unless it is a sparse file. Known before its
    /// content is read (from the sparse map), so a consumer can choose how to hash them.
    pub fn hole_bytes(&self) -> u64 {
        self.sparse.as_ref().map_or(0, |s| s.hole_bytes)
    }

    /// Reads the current entry's content (logical, holes included); [`Chunk::End`] at its end.
    /// Holes come back as [`Chunk::Zeros`] lengths and are not written to `buf`. A stream that
    /// ends early, or a sparse map that does not match the stored data, is an error.
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> Result<Chunk, TarError> {
        self.piece(buf, u64::MAX)
    }

    /// Reads data of the current entry (a sparse file's holes as zeros, as Go reads them);
    /// `Ok(0)` at its end. A stream that ends early is an error, never a short entry.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        match self.piece(buf, buf.len() as u64)? {
            Chunk::Data(n) => Ok(n),
            Chunk::Zeros(n) => {
                let n = n as usize; // At most buf.len().
                buf[..n].fill(0);
                Ok(n)
            }
            Chunk::End => Ok(0),
        }
    }

    /// Go's `sparseFileReader.Read` (and `regFileReader.Read` for a dense entry).
    fn piece(&mut self, buf: &mut [u8], max_zeros: u64) -> Result<Chunk, TarError> {
        let Some(sparse) = self.sparse.as_mut() else {
            if self.remaining == 0 {
                return Ok(Chunk::End);
            }
            if buf.is_empty() {
                return Ok(Chunk::Data(0));
            }
            return self.read_stored(buf).map(Chunk::Data);
        };
        if sparse.pos >= sparse.size() {
            if self.remaining > 0 {
                return Err(TarError::Sparse {
                    offset: self.entry_offset,
                    name: sparse.name.clone(),
                    why: "the archive holds data its sparse map does not place",
                });
            }
            return Ok(Chunk::End);
        }
        if buf.is_empty() || max_zeros == 0 {
            return Ok(Chunk::Data(0));
        }
        let (start, end) = sparse.holes[sparse.next];
        let chunk = if sparse.pos < start {
            // A data fragment, read from the stored data.
            let want = (start - sparse.pos).min(buf.len() as u64) as usize;
            if self.remaining == 0 {
                return Err(TarError::Sparse {
                    offset: self.entry_offset,
                    name: sparse.name.clone(),
                    why: "its sparse map places more data than the archive holds",
                });
            }
            let want = want.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
            let n = self.read_stored(&mut buf[..want])?;
            let sparse = self.sparse.as_mut().expect("checked above");
            sparse.pos += n as u64;
            Chunk::Data(n)
        } else {
            let n = (end - sparse.pos).min(max_zeros);
            sparse.pos += n;
            Chunk::Zeros(n)
        };
        let sparse = self.sparse.as_mut().expect("checked above");
        if sparse.pos >= end && sparse.next + 1 < sparse.holes.len() {
            sparse.next += 1;
        }
        Ok(chunk)
    }

    /// Reads stored bytes of the current entry (at most `remaining`, at least one).
    fn read_stored(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = loop {
            match self.inner.read(&mut buf[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(TarError::Io {
                        offset: self.pos,
                        source,
                    })
                }
            }
        };
        if n == 0 {
            return Err(TarError::Truncated {
                offset: self.pos,
                what: "entry data",
            });
        }
        self.pos += n as u64;
        self.remaining -= n as u64;
        Ok(n)
    }

    /// The current entry's data as a `Read` (errors become `io::Error`s carrying the
    /// [`TarError`]).
    pub fn data(&mut self) -> EntryData<'_, R> {
        EntryData { tar: self }
    }

    /// Go's `readHeader` up to the block: `None` at the end of the archive (no input, one
    /// zero block then no input, or two zero blocks).
    fn read_header_block(&mut self) -> Result<Option<[u8; BLOCK]>, TarError> {
        let mut block = [0u8; BLOCK];
        let offset = self.pos;
        let got = self.read_full(&mut block, "a header")?;
        if got == 0 {
            return Ok(None);
        }
        if got < BLOCK {
            return Err(TarError::Truncated {
                offset: self.pos,
                what: "a header",
            });
        }
        if block.iter().any(|&b| b != 0) {
            return Ok(Some(block));
        }
        let got = self.read_full(&mut block, "the end-of-archive marker")?;
        if got == 0 {
            return Ok(None);
        }
        if got < BLOCK {
            return Err(TarError::Truncated {
                offset: self.pos,
                what: "the end-of-archive marker",
            });
        }
        if block.iter().any(|&b| b != 0) {
            return Err(TarError::BadHeader {
                offset,
                why: "a zero block followed by data".into(),
            });
        }
        Ok(None)
    }

    fn read_meta(&mut self, size: u64, what: &'static str) -> Result<Vec<u8>, TarError> {
        let mut data = vec![0u8; size as usize];
        let got = self.read_full(&mut data, what)?;
        if got < data.len() {
            return Err(TarError::Truncated {
                offset: self.pos,
                what,
            });
        }
        if !self.skip_padding(pad(size))? {
            // The input ended inside the padding: Go reads the end of the archive there.
            self.done = true;
        }
        Ok(data)
    }

    fn read_full(&mut self, buf: &mut [u8], what: &'static str) -> Result<usize, TarError> {
        let _ = what;
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => {
                    got += n;
                    self.pos += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(TarError::Io {
                        offset: self.pos,
                        source,
                    })
                }
            }
        }
        Ok(got)
    }

    /// Skips padding after an entry; `false` if the input ended inside it (Go's
    /// `tryReadFull`, which ends the archive there).
    fn skip_padding(&mut self, n: u64) -> Result<bool, TarError> {
        if n == 0 {
            return Ok(true);
        }
        let mut scratch = [0u8; BLOCK];
        let n = n.min(BLOCK as u64) as usize;
        Ok(self.read_full(&mut scratch[..n], "padding")? == n)
    }

    fn skip(&mut self, mut n: u64, what: &'static str) -> Result<(), TarError> {
        // Called before every header, mostly with nothing to skip: no scratch to clear then.
        if n == 0 {
            return Ok(());
        }
        let mut scratch = [0u8; 64 * 1024];
        while n > 0 {
            let want = scratch.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            let got = self.read_full(&mut scratch[..want], what)?;
            if got == 0 {
                return Err(TarError::Truncated {
                    offset: self.pos,
                    what,
                });
            }
            n -= got as u64;
        }
        Ok(())
    }
}

impl<R: BufRead> TarReader<R> {
    /// The current entry's next stored bytes where the reader already holds them (no copy),
    /// at most what is left of the entry: empty at its end. `Ok(None)` for a sparse entry,
    /// whose holes only [`TarReader::read_chunk`] places. Follow with
    /// [`TarReader::consume_stored`]. A stream that ends early is an error, as for
    /// `read_chunk`.
    pub fn peek_stored(&mut self) -> Result<Option<&[u8]>, TarError> {
        if self.sparse.is_some() {
            return Ok(None);
        }
        if self.remaining == 0 {
            return Ok(Some(&[]));
        }
        let left = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        let pos = self.pos;
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(TarError::Io {
                        offset: pos,
                        source,
                    })
                }
            }
        }
        // Filled above: this hands back what the reader holds, without reading.
        let held = self.inner.fill_buf().map_err(|source| TarError::Io {
            offset: pos,
            source,
        })?;
        if held.is_empty() {
            return Err(TarError::Truncated {
                offset: pos,
                what: "entry data",
            });
        }
        Ok(Some(&held[..held.len().min(left)]))
    }

    /// Marks `n` bytes handed out by [`TarReader::peek_stored`] as read.
    pub fn consume_stored(&mut self, n: usize) {
        let n = n.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.inner.consume(n);
        self.pos += n as u64;
        self.remaining -= n as u64;
    }
}

impl<R: Read + io::Seek> TarReader<R> {
    /// Moves past the rest of the current entry's data and padding by seeking the underlying
    /// reader instead of reading them. Seeking beyond the end is not an error here: compare
    /// [`TarReader::position`] with the input's length.
    pub fn seek_past_data(&mut self) -> Result<(), TarError> {
        let n = self.remaining + self.padding;
        let by = i64::try_from(n).map_err(|_| TarError::Truncated {
            offset: self.pos,
            what: "entry data",
        })?;
        self.inner
            .seek(io::SeekFrom::Current(by))
            .map_err(|source| TarError::Io {
                offset: self.pos,
                source,
            })?;
        self.pos += n;
        self.remaining = 0;
        self.padding = 0;
        self.sparse = None;
        Ok(())
    }
}

/// `Read` over the current entry's data.
pub struct EntryData<'a, R> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.read_data(buf).map_err(|e| match e {
            TarError::Io { source, .. } => source,
            other => io::Error::new(io::ErrorKind::UnexpectedEof, other),
        })
    }
}

fn pad(size: u64) -> u64 {
    (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64
}

fn trim_nul(mut v: Vec<u8>) -> Vec<u8> {
    if let Some(end) = v.iter().position(|&b| b == 0) {
        v.truncate(end);
    }
    v
}

/// Go's `appendSparseEntry`.
fn push_sparse(map: &mut Vec<(i64, i64)>, e: (i64, i64), offset: u64) -> Result<(), TarError> {
    if map.len() >= MAX_SPARSE_ENTRIES {
        return Err(TarError::TooLarge {
            offset,
            what: "a sparse map's entry count",
            size: map.len() as u64 + 1,
            limit: MAX_SPARSE_ENTRIES as u64,
        });
    }
    map.push(e);
    Ok(())
}

/// Go's `validateSparseEntries` (the checks of BSD tar): a size that is not negative, and
/// fragments that are not negative, do not overflow, end within the size, and are in order
/// without overlapping.
fn validate_sparse(map: &[(i64, i64)], size: i64) -> Result<(), &'static str> {
    if size < 0 {
        return Err("negative real size");
    }
    let mut pre_end = 0i64;
    for &(off, len) in map {
        if off < 0 || len < 0 {
            return Err("a negative offset or length");
        }
        let Some(end) = off.checked_add(len) else {
            return Err("a fragment past the largest size");
        };
        if end > size {
            return Err("a fragment past the real size");
        }
        if pre_end > off {
            return Err("fragments out of order or overlapping");
        }
        pre_end = end;
    }
    Ok(())
}

/// Go's `invertSparseEntries` from data fragments to holes (the map was validated).
fn invert_sparse(map: &[(i64, i64)], size: u64) -> Vec<(u64, u64)> {
    let mut holes = Vec::new();
    let mut start = 0u64;
    for &(off, len) in map {
        if len == 0 {
            continue;
        }
        let (off, len) = (off as u64, len as u64);
        if off > start {
            holes.push((start, off));
        }
        start = off + len;
    }
    holes.push((start, size));
    holes
}

/// Go's `strconv.ParseInt(s, 10, 64)`: an optional sign and decimal digits, nothing else.
fn go_parse_int(s: &[u8]) -> Option<i64> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Go's `parsePAXTime` accepts: seconds as `ParseInt`, then optionally `.` and digits.
fn valid_pax_time(s: &[u8]) -> bool {
    let (secs, frac) = match s.iter().position(|&b| b == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &b""[..]),
    };
    go_parse_int(secs).is_some() && frac.iter().all(u8::is_ascii_digit)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    Ustar,
    Star,
    Gnu,
}

/// Go's `getFormat` after the checksum: the magic decides.
fn block_format(b: &[u8; BLOCK]) -> Format {
    let magic = &b[257..263];
    if magic == b"ustar\0" {
        if &b[508..512] == b"tar\0" {
            Format::Star
        } else {
            Format::Ustar
        }
    } else if magic == b"ustar " && &b[263..265] == b" \0" {
        Format::Gnu
    } else {
        Format::V7
    }
}

/// The fields of one 512-byte header block (Go's `readHeader`).
struct RawHeader {
    name: Vec<u8>,
    link_name: Vec<u8>,
    type_flag: u8,
    mode: i64,
    uid: i64,
    gid: i64,
    size: i64,
    offset: u64,
}

impl RawHeader {
    fn parse(b: &[u8; BLOCK], offset: u64) -> Result<RawHeader, TarError> {
        let bad = |why: String| TarError::BadHeader { offset, why };
        let stored = parse_octal(&b[148..156])
            .map_err(|_| bad("unreadable checksum (not a tar archive, or corrupt)".into()))?;
        // The sums over the block with the checksum field read as spaces; summed whole and
        // then corrected, so the loops vectorise (every header goes through here).
        let sums = |bytes: &[u8]| -> (i64, i64) {
            let unsigned: u32 = bytes.iter().map(|&x| u32::from(x)).sum();
            let signed: i32 = bytes.iter().map(|&x| i32::from(x as i8)).sum();
            (i64::from(unsigned), i64::from(signed))
        };
        let spaces = 8 * i64::from(b' ');
        let unsigned = |bytes: &[u8]| -> i64 { i64::from(byte_sum(bytes)) };
        // The unsigned sum is what every writer but some old ones stores: the signed one is
        // summed only when it is not that.
        let matches = stored == unsigned(b) - unsigned(&b[148..156]) + spaces || {
            let (all_u, all_s) = sums(b);
            let (field_u, field_s) = sums(&b[148..156]);
            stored == all_u - field_u + spaces || stored == all_s - field_s + spaces
        };
        if !matches {
            return Err(bad(
                "checksum mismatch (not a tar archive, or corrupt)".into()
            ));
        }
        let field = |range: std::ops::Range<usize>, what: &str| {
            parse_numeric(&b[range]).map_err(|_| bad(format!("unreadable {what} field")))
        };
        let size = field(124..136, "size")?;
        let mode = field(100..108, "mode")?;
        let uid = field(108..116, "uid")?;
        let gid = field(116..124, "gid")?;
        field(136..148, "mtime")?;
        let format = block_format(b);
        let mut name = cstr(&b[0..100]).to_vec();
        if format != Format::V7 {
            field(329..337, "devmajor")?;
            field(337..345, "devminor")?;
            let prefix: &[u8] = match format {
                Format::Ustar => cstr(&b[345..500]),
                Format::Star => {
                    field(476..488, "atime")?;
                    field(488..500, "ctime")?;
                    cstr(&b[345..476])
                }
                _ => {
                    // GNU: an atime or ctime that does not parse means a pre-Go 1.8 writer
                    // put a USTAR prefix there (Go's fallback, golang.org/issues/12594).
                    let bad_time = |r: std::ops::Range<usize>| {
                        b[r.start] != 0 && parse_numeric(&b[r]).is_err()
                    };
                    let prefix = cstr(&b[345..500]);
                    if (bad_time(345..357) || bad_time(357..369)) && prefix.is_ascii() {
                        prefix
                    } else {
                        b""
                    }
                }
            };
            if !prefix.is_empty() {
                let mut full = prefix.to_vec();
                full.push(b'/');
                full.extend_from_slice(&name);
                name = full;
            }
        }
        Ok(RawHeader {
            name,
            link_name: cstr(&b[157..257]).to_vec(),
            type_flag: b[156],
            mode,
            uid,
            gid,
            size,
            offset,
        })
    }
}

/// The sum of `bytes` (a header block or less), eight at a time: each 64-bit word's bytes
/// added pairwise into four 16-bit lanes, which 128 words cannot overflow (at most 510 a word).
fn byte_sum(bytes: &[u8]) -> u32 {
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    let mut total = 0u32;
    let mut words = bytes.chunks_exact(8);
    let mut lanes = 0u64;
    for (i, w) in (&mut words).enumerate() {
        let w = u64::from_le_bytes(w.try_into().expect("chunks of 8"));
        lanes += (w & LOW) + ((w >> 8) & LOW);
        if i % 128 == 127 {
            total += lane_sum(lanes);
            lanes = 0;
        }
    }
    total + lane_sum(lanes) + words.remainder().iter().map(|&x| u32::from(x)).sum::<u32>()
}

/// The four 16-bit lanes of a word, added.
fn lane_sum(lanes: u64) -> u32 {
    (0..4).map(|k| ((lanes >> (16 * k)) & 0xffff) as u32).sum()
}

fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    &field[..end]
}

/// Go's `parseNumeric`: GNU base-256 (high bit set, two's complement) or octal.
fn parse_numeric(field: &[u8]) -> Result<i64, ()> {
    if let Some(&first) = field.first() {
        if first & 0x80 != 0 {
            let inv: u8 = if first & 0x40 != 0 { 0xff } else { 0 };
            let mut x: u64 = 0;
            for (i, &c) in field.iter().enumerate() {
                let mut c = c ^ inv;
                if i == 0 {
                    c &= 0x7f;
                }
                if x >> 56 > 0 {
                    return Err(());
                }
                x = (x << 8) | u64::from(c);
            }
            if x >> 63 > 0 {
                return Err(());
            }
            return Ok(if inv == 0xff { !(x as i64) } else { x as i64 });
        }
    }
    parse_octal(field)
}

/// Go's `parseOctal`: spaces and NULs trimmed from both ends, then up to the first NUL, octal
/// digits only, fitting 64 bits (the value is then read as signed, as Go does).
fn parse_octal(field: &[u8]) -> Result<i64, ()> {
    // The form every writer uses: octal digits from the first byte, then only NULs or spaces.
    // At most 21 digits cannot overflow; anything else takes Go's steps below.
    let digits = field
        .iter()
        .take_while(|&&c| c.wrapping_sub(b'0') < 8)
        .count();
    if (1..=21).contains(&digits) && field[digits..].iter().all(|&c| c == 0 || c == b' ') {
        let value = field[..digits]
            .iter()
            .fold(0u64, |v, &c| v * 8 + u64::from(c - b'0'));
        return Ok(value as i64);
    }
    parse_octal_go(field)
}

/// [`parse_octal`] as Go's steps go, for any field.
fn parse_octal_go(field: &[u8]) -> Result<i64, ()> {
    let pad = |c: &u8| *c == b' ' || *c == 0;
    let start = field.iter().position(|c| !pad(c)).unwrap_or(field.len());
    let end = field.iter().rposition(|c| !pad(c)).map_or(start, |i| i + 1);
    let digits = cstr(&field[start..end]);
    if start == end {
        return Ok(0);
    }
    if digits.is_empty() {
        return Err(());
    }
    let mut value: u64 = 0;
    for &c in digits {
        if !(b'0'..=b'7').contains(&c) {
            return Err(());
        }
        value = value
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or(())?;
    }
    Ok(value as i64)
}

const PAX_PATH: usize = 0;
const PAX_LINKPATH: usize = 1;
const PAX_SIZE: usize = 2;
const PAX_UID: usize = 3;
const PAX_GID: usize = 4;
const PAX_ATIME: usize = 5;
const PAX_MTIME: usize = 6;
const PAX_CTIME: usize = 7;
const SPARSE_MAJOR: usize = 8;
const SPARSE_MINOR: usize = 9;
const SPARSE_NAME: usize = 10;
const SPARSE_SIZE: usize = 11;
const SPARSE_REALSIZE: usize = 12;
const SPARSE_NUMBLOCKS: usize = 13;
const SPARSE_MAP: usize = 14;
const PAX_KEYS: [&[u8]; 15] = [
    b"path",
    b"linkpath",
    b"size",
    b"uid",
    b"gid",
    b"atime",
    b"mtime",
    b"ctime",
    b"GNU.sparse.major",
    b"GNU.sparse.minor",
    b"GNU.sparse.name",
    b"GNU.sparse.size",
    b"GNU.sparse.realsize",
    b"GNU.sparse.numblocks",
    b"GNU.sparse.map",
];

/// The PAX records layerlens reads (Go keeps them all in a map; an absent record and an
/// empty one mean the same there).
#[derive(Default)]
struct Pax {
    values: [Vec<u8>; 15],
}

impl Pax {
    fn get(&self, key: usize) -> &[u8] {
        &self.values[key]
    }

    /// Go's `parsePAX`: `"%d %s=%s\n"` records, later records win; GNU sparse 0.0's
    /// `GNU.sparse.offset`/`GNU.sparse.numbytes` pairs become a 0.1 `GNU.sparse.map`.
    fn parse(mut data: &[u8], offset: u64) -> Result<Pax, TarError> {
        let bad = |why: &str| TarError::BadHeader {
            offset,
            why: format!("PAX record {why}"),
        };
        let mut pax = Pax::default();
        let mut map00: Vec<u8> = Vec::new();
        let mut map00_len = 0usize;
        while !data.is_empty() {
            // Go's parsePAXRecord.
            let space = memchr::memchr(b' ', data).ok_or_else(|| bad("without length"))?;
            let len = go_parse_int(&data[..space])
                .filter(|&n| n >= 5 && n as u64 <= data.len() as u64)
                .ok_or_else(|| bad("with a bad length"))? as usize;
            if len <= space + 1 || data[len - 1] != b'\n' {
                return Err(bad("with a length that does not fit"));
            }
            let record = &data[space + 1..len - 1];
            let eq = memchr::memchr(b'=', record).ok_or_else(|| bad("without '='"))?;
            let (key, value) = (&record[..eq], &record[eq + 1..]);
            // Go's validPAXRecord.
            let nul_in = |s: &[u8]| s.contains(&0);
            let valid = !key.is_empty()
                && match key {
                    b"path" | b"linkpath" | b"uname" | b"gname" => !nul_in(value),
                    _ => !nul_in(key),
                };
            if !valid {
                return Err(bad("with an empty key or a NUL byte"));
            }
            data = &data[len..];
            if key == b"GNU.sparse.offset" || key == b"GNU.sparse.numbytes" {
                let expected: &[u8] = if map00_len.is_multiple_of(2) {
                    b"GNU.sparse.offset"
                } else {
                    b"GNU.sparse.numbytes"
                };
                if key != expected || value.contains(&b',') {
                    return Err(bad("of a GNU sparse 0.0 map out of order"));
                }
                if map00_len > 0 {
                    map00.push(b',');
                }
                map00.extend_from_slice(value);
                map00_len += 1;
                continue;
            }
            if let Some(i) = PAX_KEYS.iter().position(|k| *k == key) {
                pax.values[i] = value.to_vec();
            }
        }
        if map00_len > 0 {
            pax.values[SPARSE_MAP] = map00;
        }
        Ok(pax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn names(bytes: &[u8]) -> Result<Vec<(Vec<u8>, u64)>, TarError> {
        let mut r = TarReader::new(bytes);
        let mut out = vec![];
        while let Some(h) = r.next_header()? {
            out.push((h.name.clone(), h.size));
        }
        Ok(out)
    }

    #[test]
    fn reads_names_sizes_and_long_names() {
        let long = format!("{}/file", "d".repeat(150));
        let bytes = build(&[("a.txt", b"hello"), (&long, b"xy")]);
        let got = names(&bytes).unwrap();
        assert_eq!(got, vec![(b"a.txt".to_vec(), 5), (long.into_bytes(), 2)]);
    }

    /// A checksum stored as the signed sum (some old writers) is accepted, as the unsigned
    /// one is; one that is neither is refused.
    #[test]
    fn signed_and_unsigned_checksums() {
        let mut bytes = build(&[("caf\u{e9}", b"x")]);
        let header = |bytes: &mut Vec<u8>, sum: i64| {
            bytes[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        };
        let sum = |signed: bool, bytes: &[u8]| -> i64 {
            bytes[..512]
                .iter()
                .enumerate()
                .map(|(i, &c)| match (i, signed) {
                    (148..=155, _) => i64::from(b' '),
                    (_, true) => i64::from(c as i8),
                    _ => i64::from(c),
                })
                .sum()
        };
        let (unsigned, signed) = (sum(false, &bytes), sum(true, &bytes));
        assert_ne!(
            unsigned, signed,
            "the name's bytes above 0x7f make them differ"
        );
        for good in [unsigned, signed] {
            header(&mut bytes, good);
            assert_eq!(
                names(&bytes).unwrap(),
                vec![("café".as_bytes().to_vec(), 1)]
            );
        }
        header(&mut bytes, unsigned + 1);
        let err = names(&bytes).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn data_is_streamed_exactly() {
        let bytes = build(&[("a", b"hello world"), ("b", b"!")]);
        let mut r = TarReader::new(&bytes[..]);
        r.next_header().unwrap().unwrap();
        let mut s = String::new();
        r.data().read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello world");
        let h = r.next_header().unwrap().unwrap();
        assert_eq!(h.name, b"b");
        assert!(r.next_header().unwrap().is_none());
    }

    #[test]
    fn truncation_is_an_error_with_offset() {
        let bytes = build(&[("a", &[7u8; 2000])]);
        let cut = &bytes[..1000];
        let mut r = TarReader::new(cut);
        r.next_header().unwrap().unwrap();
        let err = r.next_header().unwrap_err();
        assert!(
            matches!(err, TarError::Truncated { offset: 1000, .. }),
            "{err}"
        );
        let err = names(&bytes[..300]).unwrap_err();
        assert!(err.to_string().contains("truncated at byte 300"), "{err}");
    }

    #[test]
    fn garbage_is_a_bad_header() {
        let err = names(&[b'x'; 1024]).unwrap_err();
        assert!(
            err.to_string().contains("not a tar archive, or corrupt"),
            "{err}"
        );
    }

    #[test]
    fn pax_records_override_the_header() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_size(3);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_pax_extensions([("path", b"long/pax/name".as_slice()), ("uid", b"70000")])
            .unwrap();
        b.append_data(&mut h, "short", &b"abc"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let mut r = TarReader::new(&bytes[..]);
        let h = r.next_header().unwrap().unwrap();
        assert_eq!(h.name, b"long/pax/name");
        assert_eq!(h.uid, 70000);
        assert_eq!(h.size, 3);
    }

    #[test]
    fn oversized_long_name_is_refused_without_allocating() {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_size(1 << 40);
        h.set_cksum();
        let err = names(h.as_bytes()).unwrap_err();
        assert!(matches!(err, TarError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn pax_global_headers_are_skipped() {
        let mut g = tar::Header::new_ustar();
        let record = b"26 comment=git archive v1\n";
        g.set_entry_type(tar::EntryType::XGlobalHeader);
        g.set_path("pax_global_header").unwrap();
        g.set_size(record.len() as u64);
        g.set_cksum();
        let mut bytes = g.as_bytes().to_vec();
        let mut data = record.to_vec();
        data.resize(512, 0);
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(&build(&[("after", b"x")]));
        let got = names(&bytes).unwrap();
        assert_eq!(got, vec![(b"after".to_vec(), 1)]);
    }

    proptest::proptest! {
        /// Summing eight bytes at a time is summing them one by one, for any length.
        #[test]
        fn byte_sum_is_the_sum(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2100)) {
            let one_by_one: u32 = bytes.iter().map(|&x| u32::from(x)).sum();
            proptest::prop_assert_eq!(byte_sum(&bytes), one_by_one);
            proptest::prop_assert_eq!(byte_sum(&vec![0xff; bytes.len()]), 255 * bytes.len() as u32);
        }

        /// The fast path for the common form reads what Go's steps read, and fails where
        /// they fail, for fields of any bytes around the common ones.
        #[test]
        fn octal_fast_path_is_gos_steps(
            field in proptest::collection::vec(
                proptest::sample::select(vec![b'0', b'1', b'7', b'8', b' ', 0, b'x', 0xff]),
                0..24,
            )
        ) {
            proptest::prop_assert_eq!(parse_octal(&field), parse_octal_go(&field));
        }
    }

    #[test]
    fn base256_and_octal_numbers() {
        assert_eq!(parse_numeric(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_numeric(b"   12 \0"), Ok(0o12));
        assert_eq!(parse_numeric(b"\0\0\0\0"), Ok(0));
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert_eq!(parse_numeric(b"9"), Err(()));
    }

    #[test]
    fn old_style_directories_become_type_5() {
        let mut h = tar::Header::new_old();
        h.set_path("dir/").unwrap();
        h.set_size(0);
        h.as_old_mut().linkflag = [0];
        h.set_cksum();
        let mut bytes = h.as_bytes().to_vec();
        bytes.extend_from_slice(&[0u8; 1024]);
        let mut r = TarReader::new(&bytes[..]);
        assert_eq!(r.next_header().unwrap().unwrap().type_flag, b'5');
    }
}
