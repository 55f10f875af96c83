//! Tar archives written byte by byte, for what the `tar` crate will not write: old GNU sparse
//! members (type `S`, extension blocks), GNU's PAX sparse formats 0.0, 0.1 and 1.0, malformed
//! PAX records, global headers, and crafted headers that lie. Each block gets a correct
//! checksum unless the test patches it afterwards.

pub const BLOCK: usize = 512;

/// Which magic a header carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magic {
    /// `ustar\0` `00` (USTAR and PAX).
    Ustar,
    /// `ustar ` ` \0` (GNU).
    Gnu,
}

/// Writes `value` as zero-padded octal filling `field` but its last byte (a NUL).
pub fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    assert!(
        text.len() <= digits,
        "{value} does not fit {digits} octal digits"
    );
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

/// Recomputes a header block's checksum (Go writes it as six octal digits, NUL, space).
pub fn checksum(b: &mut [u8; BLOCK]) {
    b[148..156].fill(b' ');
    let sum: u64 = b.iter().map(|&c| u64::from(c)).sum();
    let text = format!("{sum:06o}\0 ");
    b[148..156].copy_from_slice(text.as_bytes());
}

/// One header block: name, type flag, size field, magic; `patch` edits it before the checksum.
pub fn header(
    name: &[u8],
    flag: u8,
    size: u64,
    magic: Magic,
    patch: impl FnOnce(&mut [u8; BLOCK]),
) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    b[..name.len()].copy_from_slice(name);
    octal(&mut b[100..108], 0o644);
    octal(&mut b[108..116], 0);
    octal(&mut b[116..124], 0);
    octal(&mut b[124..136], size);
    octal(&mut b[136..148], 1_700_000_000);
    b[156] = flag;
    match magic {
        Magic::Ustar => {
            b[257..263].copy_from_slice(b"ustar\0");
            b[263..265].copy_from_slice(b"00");
        }
        Magic::Gnu => {
            b[257..263].copy_from_slice(b"ustar ");
            b[263..265].copy_from_slice(b" \0");
        }
    }
    patch(&mut b);
    checksum(&mut b);
    b
}

/// `data` followed by zeros up to the next block boundary.
pub fn padded(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    v.resize(data.len().div_ceil(BLOCK) * BLOCK, 0);
    v
}

/// A regular file (USTAR header, data, padding).
pub fn file(name: &str, data: &[u8]) -> Vec<u8> {
    let mut v = header(
        name.as_bytes(),
        b'0',
        data.len() as u64,
        Magic::Ustar,
        |_| {},
    )
    .to_vec();
    v.extend(padded(data));
    v
}

/// One PAX record, `"%d %s=%s\n"` with the length that counts itself.
pub fn record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + body.to_string().len();
    if len.to_string().len() != body.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut r = format!("{len} {key}=").into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    assert_eq!(r.len(), len);
    r
}

/// A PAX header (`x`, or `g` for a global one) holding `records` as given (raw bytes, so a
/// test can write malformed ones).
pub fn pax_raw(flag: u8, data: &[u8]) -> Vec<u8> {
    let mut v = header(
        b"PaxHeaders/entry",
        flag,
        data.len() as u64,
        Magic::Ustar,
        |_| {},
    )
    .to_vec();
    v.extend(padded(data));
    v
}

/// A PAX header of well-formed records.
pub fn pax(flag: u8, records: &[(&str, &[u8])]) -> Vec<u8> {
    let data: Vec<u8> = records.iter().flat_map(|(k, v)| record(k, v)).collect();
    pax_raw(flag, &data)
}

/// A GNU long name (`L`) or long link (`K`) record.
pub fn gnu_long(flag: u8, name: &[u8]) -> Vec<u8> {
    let mut data = name.to_vec();
    data.push(0);
    let mut v = header(
        b"././@LongLink",
        flag,
        data.len() as u64,
        Magic::Gnu,
        |_| {},
    )
    .to_vec();
    v.extend(padded(&data));
    v
}

/// The end-of-archive marker.
pub fn end() -> Vec<u8> {
    vec![0; 2 * BLOCK]
}

/// An old GNU sparse member (type `S`): `fragments` are (offset, data) pairs of the logical
/// file of `real_size` bytes. The header holds up to four map entries; the rest go in
/// extension blocks of 21 entries each. Returns header, extension blocks and padded data.
pub fn gnu_sparse(name: &str, real_size: u64, fragments: &[(u64, &[u8])]) -> Vec<u8> {
    let stored: Vec<u8> = fragments
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    let entry = |slot: &mut [u8], (off, data): &(u64, &[u8])| {
        octal(&mut slot[..12], *off);
        octal(&mut slot[12..24], data.len() as u64);
    };
    let (first, rest) = fragments.split_at(fragments.len().min(4));
    let mut out = header(
        name.as_bytes(),
        b'S',
        stored.len() as u64,
        Magic::Gnu,
        |b| {
            for (i, f) in first.iter().enumerate() {
                entry(&mut b[386 + i * 24..386 + i * 24 + 24], f);
            }
            b[482] = u8::from(!rest.is_empty());
            octal(&mut b[483..495], real_size);
        },
    )
    .to_vec();
    let chunks: Vec<&[(u64, &[u8])]> = rest.chunks(21).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let mut b = [0u8; BLOCK];
        for (j, f) in chunk.iter().enumerate() {
            entry(&mut b[j * 24..j * 24 + 24], f);
        }
        b[504] = u8::from(i + 1 < chunks.len());
        out.extend_from_slice(&b);
    }
    out.extend(padded(&stored));
    out
}

/// The map of a PAX 0.1 sparse member: `off,len,off,len`.
pub fn map_01(fragments: &[(u64, &[u8])]) -> Vec<u8> {
    fragments
        .iter()
        .map(|(o, d)| format!("{o},{}", d.len()))
        .collect::<Vec<_>>()
        .join(",")
        .into_bytes()
}

/// A PAX sparse member in GNU format `version` ("0.0", "0.1" or "1.0") named `name`, of
/// `real_size` logical bytes, stored under GNU tar's `GNUSparseFile.0/` placeholder name.
pub fn pax_sparse(
    version: &str,
    name: &str,
    real_size: u64,
    fragments: &[(u64, &[u8])],
) -> Vec<u8> {
    let stored: Vec<u8> = fragments
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    let size = real_size.to_string();
    let count = fragments.len().to_string();
    let placeholder = format!("GNUSparseFile.0/{}", name.rsplit('/').next().unwrap());
    let mut records: Vec<Vec<u8>> = Vec::new();
    let mut data = Vec::new();
    match version {
        "0.0" => {
            records.push(record("GNU.sparse.size", size.as_bytes()));
            records.push(record("GNU.sparse.numblocks", count.as_bytes()));
            for (o, d) in fragments {
                records.push(record("GNU.sparse.offset", o.to_string().as_bytes()));
                records.push(record(
                    "GNU.sparse.numbytes",
                    d.len().to_string().as_bytes(),
                ));
            }
            // 0.0 has no name record: the real name is the PAX path.
            records.push(record("path", name.as_bytes()));
        }
        "0.1" => {
            records.push(record("GNU.sparse.size", size.as_bytes()));
            records.push(record("GNU.sparse.numblocks", count.as_bytes()));
            records.push(record("GNU.sparse.map", &map_01(fragments)));
            records.push(record("GNU.sparse.name", name.as_bytes()));
        }
        "1.0" => {
            records.push(record("GNU.sparse.major", b"1"));
            records.push(record("GNU.sparse.minor", b"0"));
            records.push(record("GNU.sparse.name", name.as_bytes()));
            records.push(record("GNU.sparse.realsize", size.as_bytes()));
            let mut map = format!("{}\n", fragments.len());
            for (o, d) in fragments {
                map.push_str(&format!("{o}\n{}\n", d.len()));
            }
            data = padded(map.as_bytes());
        }
        other => panic!("no sparse version {other}"),
    }
    data.extend_from_slice(&stored);
    let mut out = pax_raw(b'x', &records.concat());
    out.extend_from_slice(&header(
        placeholder.as_bytes(),
        b'0',
        data.len() as u64,
        Magic::Ustar,
        |_| {},
    ));
    out.extend(padded(&data));
    out
}

/// The logical content of a sparse file: zeros with `fragments` written at their offsets.
pub fn logical(real_size: usize, fragments: &[(u64, &[u8])]) -> Vec<u8> {
    let mut v = vec![0u8; real_size];
    for (o, d) in fragments {
        v[*o as usize..*o as usize + d.len()].copy_from_slice(d);
    }
    v
}
