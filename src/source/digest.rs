//! sha256 digests and descriptor sizes: parsing `sha256:<hex>` safely (the hex names files on
//! disk), hashing streams as they pass, and holding a blob to its descriptor's size as it
//! streams (never reading more than one byte past it).

use std::io::{self, BufRead, Read};

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// A validated `sha256:<64 lowercase hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parses and validates a digest string; only sha256 is supported.
    pub fn parse(s: &str) -> Result<Digest> {
        let Some(hex) = s.strip_prefix("sha256:") else {
            return Err(Error::Format(format!(
                "digest '{s}' is not a sha256 digest (layerlens reads sha256 only)"
            )));
        };
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::Format(format!("digest '{s}' is malformed")));
        }
        Ok(Digest(s.to_string()))
    }

    /// The digest of a finished hasher.
    pub fn from_hasher(h: Sha256) -> Digest {
        Digest(format!("sha256:{}", hex::encode(h.finalize())))
    }

    /// The digest of some bytes.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_hasher(Sha256::new_with_prefix(bytes))
    }

    /// The 64 hex characters (safe to use as a file name).
    pub fn hex(&self) -> &str {
        &self.0[7..]
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Errors unless `actual` equals this digest.
    pub fn verify(&self, actual: &Digest, what: &str) -> Result<()> {
        if self == actual {
            Ok(())
        } else {
            Err(Error::DigestMismatch {
                what: what.to_string(),
                expected: self.0.clone(),
                actual: actual.0.clone(),
            })
        }
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reader that hashes and counts every byte that passes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Reads what is left to the end, hashing it, and returns the digest and byte count.
    pub fn finish(mut self) -> io::Result<(Digest, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((Digest::from_hasher(self.hasher), self.bytes))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Read in place: bytes are hashed as they are consumed, so a reader that hands out its own
/// buffer (the tar parser hashing file contents) costs no copy here either.
impl<R: BufRead> BufRead for HashingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // `amt` bytes of what `fill_buf` last handed out, which the inner reader still holds
        // and hands out again without reading.
        if let Ok(held) = self.inner.fill_buf() {
            let n = amt.min(held.len());
            self.hasher.update(&held[..n]);
            self.bytes += n as u64;
        }
        self.inner.consume(amt);
    }
}

/// How a blob's length differs from its descriptor's `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeMismatch {
    /// More bytes came than the descriptor says (reading stopped one byte past it).
    Larger { expected: u64 },
    /// The blob ended at byte `at`, before the descriptor's size.
    Shorter { at: u64, expected: u64 },
}

impl std::fmt::Display for SizeMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeMismatch::Larger { expected } => {
                write!(f, "is larger than its descriptor's {expected} bytes")
            }
            SizeMismatch::Shorter { at, expected } => {
                write!(f, "ended at byte {at} of its descriptor's {expected}")
            }
        }
    }
}

impl std::error::Error for SizeMismatch {}

/// A blob's bytes held to its descriptor's size: reading past the size, or an end before it,
/// is an error, and [`SizedReader::mismatch_error`] names it. Callers wrap the raw blob in it
/// (below any decompression) and, when indexing fails, ask it first:
///
/// ```ignore
/// let mut sized = SizedReader::new(file, r.size);
/// let blob = index_blob(&mut sized).map_err(|source| {
///     sized.mismatch_error(&format!("layer blob {digest} in {shown}"))
///         .unwrap_or(Error::Layer { layer: digest.to_string(), source })
/// })?;
/// ```
pub struct SizedReader<R> {
    inner: R,
    /// `None`: the descriptor gives no size (a `docker save` manifest), nothing is checked.
    expected: Option<u64>,
    read: u64,
    mismatch: Option<SizeMismatch>,
}

impl<R: Read> SizedReader<R> {
    pub fn new(inner: R, expected: Option<u64>) -> Self {
        SizedReader {
            inner,
            expected,
            read: 0,
            mismatch: None,
        }
    }

    /// How the blob differed from its descriptor, once a read has found out.
    pub fn mismatch(&self) -> Option<SizeMismatch> {
        self.mismatch
    }

    /// The error for a mismatch found so far; `what` names the blob and where it came from
    /// (`layer blob sha256:… from registry 127.0.0.1:5000`).
    pub fn mismatch_error(&self, what: &str) -> Option<Error> {
        self.mismatch.map(|mismatch| Error::BlobSize {
            what: what.to_string(),
            mismatch,
        })
    }

    fn fail(&mut self, m: SizeMismatch) -> io::Error {
        self.mismatch = Some(m);
        let kind = match m {
            SizeMismatch::Larger { .. } => io::ErrorKind::InvalidData,
            SizeMismatch::Shorter { .. } => io::ErrorKind::UnexpectedEof,
        };
        io::Error::new(kind, m)
    }
}

impl<R: Read> Read for SizedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(m) = self.mismatch {
            return Err(self.fail(m));
        }
        let Some(expected) = self.expected else {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            return Ok(n);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let remaining = expected.saturating_sub(self.read);
        // One byte more than is left, so a longer blob shows itself without being read on.
        let want = usize::try_from(remaining.saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 && self.read < expected {
            return Err(self.fail(SizeMismatch::Shorter {
                at: self.read,
                expected,
            }));
        }
        if n as u64 > remaining {
            return Err(self.fail(SizeMismatch::Larger { expected }));
        }
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading in place (`fill_buf`/`consume`) and by copy, mixed, hashes each byte once.
    #[test]
    fn hashes_each_byte_once_however_it_is_read() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut r = HashingReader::new(io::BufReader::with_capacity(4096, &data[..]));
        let mut copy = [0u8; 1000];
        let mut turn = 0;
        loop {
            turn += 1;
            if turn % 2 == 0 {
                let held = r.fill_buf().unwrap().len();
                if held == 0 {
                    break;
                }
                r.consume(held.min(3000));
            } else if r.read(&mut copy).unwrap() == 0 {
                break;
            }
        }
        let (digest, bytes) = r.finish().unwrap();
        assert_eq!((digest, bytes), (Digest::of(&data), data.len() as u64));
    }

    #[test]
    fn holds_a_blob_to_its_descriptor_size() {
        let data = [1u8; 100];
        let mut exact = Vec::new();
        let mut r = SizedReader::new(&data[..], Some(100));
        r.read_to_end(&mut exact).unwrap();
        assert_eq!((exact.len(), r.mismatch()), (100, None));

        // Longer: at most one byte past the size is read, then it is an error.
        let mut inner = io::Cursor::new(&data[..]);
        let mut r = SizedReader::new(&mut inner, Some(40));
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(r.mismatch(), Some(SizeMismatch::Larger { expected: 40 }));
        assert_eq!(
            r.mismatch_error("blob sha256:ab from registry r")
                .unwrap()
                .to_string(),
            "blob sha256:ab from registry r is larger than its descriptor's 40 bytes"
        );
        assert_eq!(inner.position(), 41);

        let mut r = SizedReader::new(&data[..], Some(1234));
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(
            r.mismatch_error("blob sha256:ab in dir")
                .unwrap()
                .to_string(),
            "blob sha256:ab in dir ended at byte 100 of its descriptor's 1234"
        );

        // No size in the descriptor: nothing to check.
        let mut r = SizedReader::new(&data[..], None);
        assert_eq!(io::copy(&mut r, &mut io::sink()).unwrap(), 100);
        assert_eq!(r.mismatch(), None);
    }

    #[test]
    fn parses_and_hashes() {
        let d = Digest::of(b"");
        assert_eq!(
            d.as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(Digest::parse("md5:abc").is_err());
        let mut r = HashingReader::new(&b"abc"[..]);
        let mut two = [0u8; 2];
        r.read_exact(&mut two).unwrap();
        let (d, n) = r.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(d, Digest::of(b"abc"));
    }
}
