//! A streaming, bounded tar reader: ustar, GNU (long names `L`/`K`, base-256 numbers) and PAX
//! (`x` records, `g` globals skipped). It never holds an entry's data and never allocates more
//! than [`MAX_META_BYTES`] for a name or a PAX header, whatever the archive claims.
//!
//! Its header semantics follow Go's `archive/tar` (which dive uses), so that sizes, type flags
//! and names agree with dive's on the same bytes.

use std::io::{self, Read};

/// Largest GNU long name or PAX header we accept. Linux paths are at most 4096 bytes.
pub const MAX_META_BYTES: u64 = 1 << 20;

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
    #[error("read error at byte {offset}: {source}")]
    Io { offset: u64, source: io::Error },
}

/// One entry's header, after GNU long names, PAX records and Go's normalisations are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarHeader {
    /// Raw name bytes as stored (not cleaned).
    pub name: Vec<u8>,
    /// Raw link target bytes (symlinks and hardlinks), empty otherwise.
    pub link_name: Vec<u8>,
    /// Type flag byte; `\0` becomes `0`, or `5` when the name ends in `/` (as Go does).
    pub type_flag: u8,
    /// Mode bits as stored (permissions, setuid/setgid/sticky, and sometimes `S_IFMT` bits).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Size from the header (or PAX `size`), as Go reports it, for every type.
    pub size: u64,
    /// Byte offset of this entry's first header block in the stream.
    pub offset: u64,
}

impl TarHeader {
    /// Whether the entry carries data in the archive (Go: not a header-only type).
    pub fn has_data(&self) -> bool {
        !matches!(self.type_flag, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
    }
}

/// Streams entries of a tar archive from any reader.
pub struct TarReader<R> {
    inner: R,
    /// Bytes consumed from `inner` so far.
    pos: u64,
    /// Data bytes of the current entry not yet read, then the padding after them.
    remaining: u64,
    padding: u64,
    done: bool,
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            pos: 0,
            remaining: 0,
            padding: 0,
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
    /// `Ok(None)` at the end-of-archive marker, or at a clean end of input between entries.
    pub fn next_header(&mut self) -> Result<Option<TarHeader>, TarError> {
        if self.done {
            return Ok(None);
        }
        self.skip(self.remaining + self.padding, "entry data")?;
        self.remaining = 0;
        self.padding = 0;

        let mut pax = PaxOverrides::default();
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        loop {
            let offset = self.pos;
            let mut block = [0u8; BLOCK];
            let got = self.read_full(&mut block, "a header")?;
            if got == 0 {
                // Input ended cleanly on a block boundary: accepted as the end (Go does too).
                self.done = true;
                return Ok(None);
            }
            if got < BLOCK {
                return Err(TarError::Truncated {
                    offset: self.pos,
                    what: "a header",
                });
            }
            if block.iter().all(|&b| b == 0) {
                // End-of-archive marker: a second zero block may follow; nothing else may.
                let mut second = [0u8; BLOCK];
                let got = self.read_full(&mut second, "the end-of-archive marker")?;
                if got == BLOCK && second.iter().any(|&b| b != 0) {
                    return Err(TarError::BadHeader {
                        offset,
                        why: "a zero block followed by data".into(),
                    });
                }
                self.done = true;
                return Ok(None);
            }
            let raw = RawHeader::parse(&block, offset)?;
            let size = pax.size.unwrap_or(raw.size);
            match raw.type_flag {
                b'x' | b'g' | b'L' | b'K' => {
                    let what = match raw.type_flag {
                        b'x' | b'g' => "a PAX header",
                        _ => "a GNU long name",
                    };
                    if raw.size > MAX_META_BYTES {
                        return Err(TarError::TooLarge {
                            offset,
                            what,
                            size: raw.size,
                            limit: MAX_META_BYTES,
                        });
                    }
                    let data = self.read_meta(raw.size, what)?;
                    match raw.type_flag {
                        b'x' => pax.apply(&data, offset)?,
                        // Global PAX records (e.g. `git archive` comments) describe the
                        // archive, not an entry: skipped.
                        b'g' => {}
                        b'L' => long_name = Some(trim_nul(data)),
                        _ => long_link = Some(trim_nul(data)),
                    }
                    continue;
                }
                _ => {}
            }
            let mut header = TarHeader {
                name: pax.path.take().or(long_name.take()).unwrap_or(raw.name),
                link_name: pax
                    .linkpath
                    .take()
                    .or(long_link.take())
                    .unwrap_or(raw.link_name),
                type_flag: raw.type_flag,
                mode: raw.mode,
                uid: pax.uid.unwrap_or(raw.uid),
                gid: pax.gid.unwrap_or(raw.gid),
                size,
                offset,
            };
            if header.type_flag == 0 {
                header.type_flag = if header.name.ends_with(b"/") {
                    b'5'
                } else {
                    b'0'
                };
            }
            if header.has_data() {
                self.remaining = size;
                self.padding = pad(size);
            }
            return Ok(Some(header));
        }
    }

    /// Reads data of the current entry; `Ok(0)` at its end. A stream that ends early is an
    /// error, never a short entry.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        if self.remaining == 0 {
            return Ok(0);
        }
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

    fn read_meta(&mut self, size: u64, what: &'static str) -> Result<Vec<u8>, TarError> {
        let mut data = vec![0u8; size as usize];
        let got = self.read_full(&mut data, what)?;
        if got < data.len() {
            return Err(TarError::Truncated {
                offset: self.pos,
                what,
            });
        }
        self.skip(pad(size), what)?;
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

    fn skip(&mut self, mut n: u64, what: &'static str) -> Result<(), TarError> {
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

/// The fields of one 512-byte header block.
struct RawHeader {
    name: Vec<u8>,
    link_name: Vec<u8>,
    type_flag: u8,
    mode: u32,
    uid: u64,
    gid: u64,
    size: u64,
}

impl RawHeader {
    fn parse(b: &[u8; BLOCK], offset: u64) -> Result<RawHeader, TarError> {
        let bad = |why: String| TarError::BadHeader { offset, why };
        let stored = parse_numeric(&b[148..156])
            .map_err(|_| bad("unreadable checksum (not a tar archive, or corrupt)".into()))?;
        let mut unsigned: i64 = 0;
        let mut signed: i64 = 0;
        for (i, &byte) in b.iter().enumerate() {
            let byte = if (148..156).contains(&i) { b' ' } else { byte };
            unsigned += i64::from(byte);
            signed += i64::from(byte as i8);
        }
        if stored != unsigned && stored != signed {
            return Err(bad(
                "checksum mismatch (not a tar archive, or corrupt)".into()
            ));
        }
        let field = |range: std::ops::Range<usize>, what: &str| {
            parse_numeric(&b[range]).map_err(|_| bad(format!("unreadable {what} field")))
        };
        let mode = field(100..108, "mode")?;
        let uid = field(108..116, "uid")?;
        let gid = field(116..124, "gid")?;
        let size = field(124..136, "size")?;
        if size < 0 || uid < 0 || gid < 0 {
            return Err(bad("negative size or id".into()));
        }
        let mut name = cstr(&b[0..100]).to_vec();
        let is_ustar = &b[257..263] == b"ustar\0";
        if is_ustar {
            let prefix = cstr(&b[345..500]);
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
            mode: mode as u32,
            uid: uid as u64,
            gid: gid as u64,
            size: size as u64,
        })
    }
}

fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    &field[..end]
}

/// Octal ASCII (with NUL/space padding) or GNU base-256 (high bit set).
fn parse_numeric(field: &[u8]) -> Result<i64, ()> {
    if let Some(&first) = field.first() {
        if first & 0x80 != 0 {
            // Base-256: two's complement big-endian; first byte's top bit is the marker.
            let negative = first & 0x40 != 0;
            let mut value: i64 = if negative { -1 } else { 0 };
            for (i, &byte) in field.iter().enumerate() {
                let byte = if i == 0 { byte & 0x7f } else { byte };
                let byte = if i == 0 && negative {
                    byte | 0x80
                } else {
                    byte
                };
                if value.leading_zeros() < 9 && value.leading_ones() < 9 {
                    return Err(());
                }
                value = (value << 8) | i64::from(byte);
            }
            return Ok(value);
        }
    }
    let trimmed: &[u8] = {
        let start = field
            .iter()
            .position(|&c| c != b' ' && c != 0)
            .unwrap_or(field.len());
        let rest = &field[start..];
        let end = rest
            .iter()
            .position(|&c| c == b' ' || c == 0)
            .unwrap_or(rest.len());
        &rest[..end]
    };
    let mut value: i64 = 0;
    for &c in trimmed {
        if !(b'0'..=b'7').contains(&c) {
            return Err(());
        }
        value = value.checked_mul(8).ok_or(())? + i64::from(c - b'0');
    }
    Ok(value)
}

#[derive(Default)]
struct PaxOverrides {
    path: Option<Vec<u8>>,
    linkpath: Option<Vec<u8>>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
}

impl PaxOverrides {
    /// Parses `"%d %s=%s\n"` records; later records win, as in Go.
    fn apply(&mut self, mut data: &[u8], offset: u64) -> Result<(), TarError> {
        let bad = |why: &str| TarError::BadHeader {
            offset,
            why: format!("PAX record {why}"),
        };
        while !data.is_empty() {
            if data.iter().all(|&b| b == 0) {
                break;
            }
            let space = data
                .iter()
                .position(|&b| b == b' ')
                .ok_or_else(|| bad("without length"))?;
            let len: usize = std::str::from_utf8(&data[..space])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("with a bad length"))?;
            if len <= space + 1 || len > data.len() || data[len - 1] != b'\n' {
                return Err(bad("with a length that does not fit"));
            }
            let record = &data[space + 1..len - 1];
            let eq = record
                .iter()
                .position(|&b| b == b'=')
                .ok_or_else(|| bad("without '='"))?;
            let (key, value) = (&record[..eq], &record[eq + 1..]);
            let number = || -> Result<u64, TarError> {
                std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("with a non-numeric value"))
            };
            match key {
                b"path" => self.path = Some(value.to_vec()),
                b"linkpath" => self.linkpath = Some(value.to_vec()),
                b"size" => self.size = Some(number()?),
                b"uid" => self.uid = Some(number()?),
                b"gid" => self.gid = Some(number()?),
                _ => {}
            }
            data = &data[len..];
        }
        Ok(())
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
