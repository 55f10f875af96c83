//! The rpm header as rpm stores it in its database: the index of tags and the data they
//! point into. **Every count and offset is checked against the header's own length before
//! it is used**, so a header that claims 2^31 entries or strings costs nothing, and what the
//! strings and arrays take in memory is charged to the database's budget before it is
//! allocated.

use super::{RpmFile, RpmPackage};
use crate::index::pkgdb::{normalize_path, AllocBudget, PkgDbError};

/// Parses one rpm header as rpm stores it in its database: without the 8-byte magic and
/// reserved intro of a package file's header, i.e. `il` and `dl` (u32 big-endian), `il`
/// index entries of 16 bytes (tag, type, offset, count), then `dl` bytes of data.
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, PkgDbError> {
    let budget = AllocBudget::for_input(blob.len());
    read_header(blob, &budget).map_err(|what| PkgDbError::malformed("rpm header", what))
}

// Tags (rpmtag.h) and their types.
const NAME: u32 = 1000;
const VERSION: u32 = 1001;
const RELEASE: u32 = 1002;
const EPOCH: u32 = 1003;
const SIZE: u32 = 1009;
const ARCH: u32 = 1022;
const OLDFILENAMES: u32 = 1027;
const FILESIZES: u32 = 1028;
const FILEMODES: u32 = 1030;
const REQUIRENAME: u32 = 1049;
const DIRINDEXES: u32 = 1116;
const BASENAMES: u32 = 1117;
const DIRNAMES: u32 = 1118;
const LONGFILESIZES: u32 = 5008;
const LONGSIZE: u32 = 5009;

const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;

fn tag_name(tag: u32) -> &'static str {
    match tag {
        NAME => "NAME",
        VERSION => "VERSION",
        RELEASE => "RELEASE",
        EPOCH => "EPOCH",
        SIZE => "SIZE",
        ARCH => "ARCH",
        OLDFILENAMES => "OLDFILENAMES",
        FILESIZES => "FILESIZES",
        FILEMODES => "FILEMODES",
        REQUIRENAME => "REQUIRENAME",
        DIRINDEXES => "DIRINDEXES",
        BASENAMES => "BASENAMES",
        DIRNAMES => "DIRNAMES",
        LONGFILESIZES => "LONGFILESIZES",
        LONGSIZE => "LONGSIZE",
        _ => "?",
    }
}

/// One index entry of a tag layerlens reads.
#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

struct Header<'a> {
    entries: Vec<Entry>,
    data: &'a [u8],
    budget: &'a AllocBudget,
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8], budget: &'a AllocBudget) -> Result<Self, String> {
        if blob.len() < 8 {
            return Err(format!(
                "header is {} bytes, shorter than its 8-byte intro",
                blob.len()
            ));
        }
        let il = be32(blob, 0);
        let dl = be32(blob, 4);
        let needed = 8 + u64::from(il) * 16 + u64::from(dl);
        if needed > blob.len() as u64 {
            return Err(format!(
                "header claims {il} index entries and {dl} data bytes ({needed} bytes), \
                 but has {}",
                blob.len()
            ));
        }
        // `needed` fits in the blob, so these casts and slices are in bounds.
        let index_end = 8 + il as usize * 16;
        let data = &blob[index_end..index_end + dl as usize];
        let mut entries: Vec<Entry> = Vec::new();
        for i in 0..il as usize {
            let at = 8 + i * 16;
            let tag = be32(blob, at);
            if tag_name(tag) == "?" || entries.iter().any(|e| e.tag == tag) {
                continue;
            }
            entries.push(Entry {
                tag,
                ty: be32(blob, at + 4),
                offset: be32(blob, at + 8),
                count: be32(blob, at + 12),
            });
        }
        Ok(Header {
            entries,
            data,
            budget,
        })
    }

    /// Takes `n` bytes from the budget before they are allocated.
    fn charge(&self, n: usize) -> Result<(), String> {
        if self.budget.take(n) {
            Ok(())
        } else {
            Err(
                "its strings, arrays and paths take more than 4 times the database's size in \
                 memory; this is not a real rpm database"
                    .to_string(),
            )
        }
    }

    fn entry(&self, tag: u32) -> Option<Entry> {
        self.entries.iter().copied().find(|e| e.tag == tag)
    }

    /// The entry's data from its offset on, checked against the data length.
    fn tail(&self, e: Entry) -> Result<&'a [u8], String> {
        self.data.get(e.offset as usize..).ok_or_else(|| {
            format!(
                "tag {} ({}) points at offset {}, past the {} data bytes",
                e.tag,
                tag_name(e.tag),
                e.offset,
                self.data.len()
            )
        })
    }

    fn wrong_type(e: Entry, expected: &str) -> String {
        format!(
            "tag {} ({}) has type {}, not {expected}",
            e.tag,
            tag_name(e.tag),
            e.ty
        )
    }

    /// `count` NUL-terminated strings from the entry's offset.
    fn strings_of(&self, e: Entry) -> Result<Vec<String>, String> {
        let mut rest = self.tail(e)?;
        // Every string takes at least its NUL: a count above the bytes left is a lie.
        if e.count as usize > rest.len() {
            return Err(format!(
                "tag {} ({}) claims {} strings in {} bytes",
                e.tag,
                tag_name(e.tag),
                e.count,
                rest.len()
            ));
        }
        self.charge(e.count as usize * size_of::<String>())?;
        let mut out = Vec::with_capacity(e.count as usize);
        for _ in 0..e.count {
            let nul = rest.iter().position(|&b| b == 0).ok_or_else(|| {
                format!(
                    "tag {} ({}) has a string with no end",
                    e.tag,
                    tag_name(e.tag)
                )
            })?;
            self.charge(nul)?;
            out.push(String::from_utf8_lossy(&rest[..nul]).into_owned());
            rest = &rest[nul + 1..];
        }
        Ok(out)
    }

    fn string(&self, tag: u32) -> Result<Option<String>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY if e.count >= 1 => {
                let one = Entry { count: 1, ..e };
                Ok(self.strings_of(one)?.pop())
            }
            TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY => Ok(None),
            _ => Err(Self::wrong_type(e, "STRING")),
        }
    }

    fn strings(&self, tag: u32) -> Result<Option<Vec<String>>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(e.ty, TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(Self::wrong_type(e, "STRING_ARRAY"));
        }
        self.strings_of(e).map(Some)
    }

    /// An integer array of `width` bytes per element, widened to u64.
    fn ints(&self, tag: u32, ty: u32, width: usize) -> Result<Option<Vec<u64>>, String> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if e.ty != ty {
            let expected = match ty {
                TYPE_INT16 => "INT16",
                TYPE_INT32 => "INT32",
                _ => "INT64",
            };
            return Err(Self::wrong_type(e, expected));
        }
        let rest = self.tail(e)?;
        let len = u64::from(e.count) * width as u64;
        if len > rest.len() as u64 {
            return Err(format!(
                "tag {} ({}) claims {} values, {len} bytes, but {} bytes are left",
                e.tag,
                tag_name(e.tag),
                e.count,
                rest.len()
            ));
        }
        self.charge(e.count as usize * size_of::<u64>())?;
        let values = rest[..len as usize]
            .chunks_exact(width)
            .map(|c| c.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            .collect();
        Ok(Some(values))
    }
}

pub(super) fn read_header(blob: &[u8], budget: &AllocBudget) -> Result<RpmPackage, String> {
    let h = Header::parse(blob, budget)?;
    let name = h
        .string(NAME)?
        .filter(|n| !n.is_empty())
        .ok_or("the header has no NAME")?;
    let mut version = h.string(VERSION)?.unwrap_or_default();
    if let Some(release) = h.string(RELEASE)?.filter(|r| !r.is_empty()) {
        version = format!("{version}-{release}");
    }
    if let Some(epoch) = h
        .ints(EPOCH, TYPE_INT32, 4)?
        .and_then(|v| v.first().copied())
    {
        version = format!("{epoch}:{version}");
    }
    let arch = h.string(ARCH)?.unwrap_or_default();
    let size = match h.ints(LONGSIZE, TYPE_INT64, 8)? {
        Some(v) => v.first().copied(),
        None => h
            .ints(SIZE, TYPE_INT32, 4)?
            .and_then(|v| v.first().copied()),
    };

    let mut requires: Vec<String> = Vec::new();
    for req in h.strings(REQUIRENAME)?.unwrap_or_default() {
        if !req.starts_with("rpmlib(") && !requires.contains(&req) {
            requires.push(req);
        }
    }

    Ok(RpmPackage {
        name,
        version,
        arch,
        size,
        files: files(&h)?,
        requires,
    })
}

/// The files, from `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]` (or the `OLDFILENAMES` of
/// packages built before rpm 4.0.4), with sizes and modes from the parallel arrays.
fn files(h: &Header<'_>) -> Result<Vec<RpmFile>, String> {
    let full_paths: Vec<String> = match h.strings(BASENAMES)? {
        Some(basenames) => {
            let dirnames = h.strings(DIRNAMES)?.unwrap_or_default();
            let indexes = h.ints(DIRINDEXES, TYPE_INT32, 4)?.unwrap_or_default();
            if indexes.len() != basenames.len() {
                return Err(format!(
                    "{} BASENAMES but {} DIRINDEXES",
                    basenames.len(),
                    indexes.len()
                ));
            }
            h.charge(basenames.len() * size_of::<String>())?;
            let mut paths = Vec::with_capacity(basenames.len());
            for (base, &index) in basenames.iter().zip(&indexes) {
                let dir = dirnames.get(index as usize).ok_or_else(|| {
                    format!(
                        "DIRINDEXES names directory {index}, but there are {} DIRNAMES",
                        dirnames.len()
                    )
                })?;
                h.charge(dir.len() + base.len())?;
                paths.push(format!("{dir}{base}"));
            }
            paths
        }
        None => h.strings(OLDFILENAMES)?.unwrap_or_default(),
    };
    let n = full_paths.len();
    let sizes = match h.ints(LONGFILESIZES, TYPE_INT64, 8)? {
        Some(sizes) => Some(sizes),
        None => h.ints(FILESIZES, TYPE_INT32, 4)?,
    };
    let modes = h.ints(FILEMODES, TYPE_INT16, 2)?;
    for (what, len) in [
        ("file sizes", sizes.as_ref()),
        ("FILEMODES", modes.as_ref()),
    ] {
        if let Some(v) = len.filter(|v| v.len() != n) {
            return Err(format!("{n} files but {} {what}", v.len()));
        }
    }
    h.charge(n * size_of::<RpmFile>())?;
    let mut files = Vec::with_capacity(n);
    for (i, raw) in full_paths.iter().enumerate() {
        let Some(path) = normalize_path(raw) else {
            continue;
        };
        let mode = modes.as_ref().map_or(0, |m| m[i] as u16);
        files.push(RpmFile {
            path,
            size: sizes.as_ref().map_or(0, |s| s[i]),
            is_dir: mode & S_IFMT == S_IFDIR,
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::pkgdb::fuzz;
    use crate::index::pkgdb::rpm::tests::{file, RPMDB};

    /// Builds a header blob from (tag, type, count, data) entries, each entry's data placed
    /// one after the other.
    fn header(entries: &[(u32, u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, count, bytes) in entries {
            for v in [*tag, *ty, data.len() as u32, *count] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    /// Overwrites the offset or count of index entry `i`.
    fn set(blob: &mut [u8], i: usize, field: usize, value: u32) {
        let at = 8 + i * 16 + field * 4;
        blob[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }

    fn minimal() -> Vec<u8> {
        header(&[
            (NAME, TYPE_STRING, 1, b"tiny\0"),
            (VERSION, TYPE_STRING, 1, b"1\0"),
            (RELEASE, TYPE_STRING, 1, b"2\0"),
            (BASENAMES, TYPE_STRING_ARRAY, 2, b"a\0b\0"),
            (DIRNAMES, TYPE_STRING_ARRAY, 1, b"/opt/\0"),
            (DIRINDEXES, TYPE_INT32, 2, &[0, 0, 0, 0, 0, 0, 0, 0]),
            (FILESIZES, TYPE_INT32, 2, &[0, 0, 0, 5, 0, 1, 0, 0]),
        ])
    }

    #[test]
    fn reads_a_hand_built_header() {
        let pkg = parse_header(&minimal()).unwrap();
        assert_eq!(pkg.version, "1-2");
        assert_eq!(
            pkg.files,
            [file("opt/a", 5, false), file("opt/b", 65536, false)]
        );
        assert_eq!(pkg.size, None);
    }

    #[test]
    fn lying_headers_are_errors() {
        let err = |blob: &[u8]| parse_header(blob).unwrap_err().to_string();

        // 2^31 index entries in a 16-byte blob: refused before anything is allocated.
        let mut blob = vec![0x80, 0, 0, 0, 0, 0, 0, 8];
        blob.extend_from_slice(&[0; 8]);
        assert!(
            err(&blob).contains("claims 2147483648 index entries"),
            "{}",
            err(&blob)
        );
        assert!(err(&[0, 0, 0]).contains("shorter than its 8-byte intro"));

        // NAME's offset past the data.
        let mut blob = minimal();
        set(&mut blob, 0, 2, 0xffff_fff0);
        assert!(
            err(&blob).contains("tag 1000 (NAME) points at offset 4294967280"),
            "{}",
            err(&blob)
        );

        // BASENAMES claims 2^31 strings.
        let mut blob = minimal();
        set(&mut blob, 3, 3, 1 << 31);
        assert!(
            err(&blob).contains("claims 2147483648 strings"),
            "{}",
            err(&blob)
        );

        // FILESIZES claims 2^30 values: count * 4 overflows a u32.
        let mut blob = minimal();
        set(&mut blob, 6, 3, 1 << 30);
        assert!(
            err(&blob).contains("claims 1073741824 values"),
            "{}",
            err(&blob)
        );

        // A directory index out of range.
        let mut blob = minimal();
        let data_start = blob.len() - 8 - 8; // DIRINDEXES data, then FILESIZES data
        blob[data_start + 3] = 9;
        assert!(
            err(&blob).contains("names directory 9, but there are 1"),
            "{}",
            err(&blob)
        );

        // Parallel arrays of different lengths.
        let mut blob = minimal();
        set(&mut blob, 6, 3, 1);
        assert!(
            err(&blob).contains("2 files but 1 file sizes"),
            "{}",
            err(&blob)
        );

        // A string with no NUL before the end of the data.
        let blob = header(&[(NAME, TYPE_STRING, 1, b"endless")]);
        assert!(
            err(&blob).contains("has a string with no end"),
            "{}",
            err(&blob)
        );

        // A type that is not the tag's.
        let blob = header(&[
            (NAME, TYPE_STRING, 1, b"x\0"),
            (EPOCH, TYPE_STRING, 1, b"1\0"),
        ]);
        assert!(
            err(&blob).contains("tag 1003 (EPOCH) has type 6, not INT32"),
            "{}",
            err(&blob)
        );

        assert!(err(&header(&[])).contains("no NAME"));
    }

    #[test]
    fn escaping_paths_are_dropped() {
        let blob = header(&[
            (NAME, TYPE_STRING, 1, b"evil\0"),
            (BASENAMES, TYPE_STRING_ARRAY, 2, b"shadow\0ok\0"),
            (DIRNAMES, TYPE_STRING_ARRAY, 2, b"/../etc/\0/usr/\0"),
            (DIRINDEXES, TYPE_INT32, 2, &[0, 0, 0, 0, 0, 0, 0, 1]),
        ]);
        let pkg = parse_header(&blob).unwrap();
        assert_eq!(pkg.files, [file("usr/ok", 0, false)]);
    }

    #[test]
    fn a_long_shared_directory_cannot_blow_up_memory() {
        let dir = format!("/{}/\0", "d".repeat(60_000));
        let count = 100_000u32;
        let bases = vec![0u8; count as usize]; // empty basenames: one NUL each
        let indexes = vec![0u8; count as usize * 4];
        let blob = header(&[
            (NAME, TYPE_STRING, 1, b"bomb\0"),
            (BASENAMES, TYPE_STRING_ARRAY, count, &bases),
            (DIRNAMES, TYPE_STRING_ARRAY, 1, dir.as_bytes()),
            (DIRINDEXES, TYPE_INT32, count, &indexes),
        ]);
        let e = parse_header(&blob).unwrap_err();
        assert!(e.to_string().contains("not a real rpm database"), "{e}");
    }

    #[test]
    fn a_million_empty_strings_cannot_cost_24_bytes_each() {
        // Each empty string is one NUL in the blob but a 24-byte `String` in memory.
        let count = 1_000_000u32;
        let nuls = vec![0u8; count as usize];
        let blob = header(&[
            (NAME, TYPE_STRING, 1, b"many\0"),
            (REQUIRENAME, TYPE_STRING_ARRAY, count, &nuls),
        ]);
        let e = parse_header(&blob).unwrap_err();
        assert!(e.to_string().contains("more than 4 times"), "{e}");
    }

    /// The header blobs of the fixture, read with plain SQLite.
    fn real_blobs() -> Vec<Vec<u8>> {
        let conn = crate::index::pkgdb::rpm::open(RPMDB).unwrap();
        let mut stmt = conn.prepare("SELECT blob FROM Packages").unwrap();
        let blobs = stmt.query_map([], |r| r.get(0)).unwrap();
        blobs.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn random_and_damaged_headers_never_panic() {
        let blobs = real_blobs();
        assert_eq!(parse_header(&blobs[1]).unwrap().name, "hello-layer");
        let mut errors = 0;
        for blob in &blobs {
            for input in fuzz::inputs(blob, &[0, 0, 0, 0xff, 0x80, 1, 4, 8, b'/'], 3000) {
                match parse_header(&input) {
                    Ok(pkg) => pkg
                        .files
                        .iter()
                        .for_each(|f| fuzz::assert_clean_path(&f.path)),
                    Err(e) => {
                        errors += 1;
                        assert_eq!(e.database(), "rpm header");
                    }
                }
            }
        }
        assert!(errors > 1000, "damage must be noticed, got {errors} errors");
    }
}
