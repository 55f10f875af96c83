//! Using every core while an image loads, with results identical to the sequential path.
//!
//! Two levels:
//! - **Within one layer**, [`index_blob_pipelined`] splits the work into stages joined by
//!   bounded channels of fixed-size chunks: the calling thread reads the raw blob and computes
//!   its sha256; a second thread parses the tar and hashes file contents (and, for a compressed
//!   blob, a third decompresses between them, the parse thread then hashing the `diff_id`). The
//!   calling thread keeps the reader, so this works for any stream (a pipe, the daemon's
//!   export, a registry download).
//! - **Across layers**, [`run_pool`] runs jobs (one per layer of a seekable input: a
//!   `docker save` file, an OCI archive, an OCI layout) on [`threads`] workers, largest first,
//!   so at most that many layers are in flight.
//!
//! Memory stays bounded: at most [`DEPTH`] chunks of [`CHUNK`] bytes wait in each channel.
//! Errors are those of the sequential path, word for word: a read error is handed down the
//! pipeline and surfaces where the sequential reader would have met it.
//! `LAYERLENS_THREADS=1` forces the sequential path (tests compare the two).

use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use sha2::{Digest as _, Sha256};

use super::blob::{Compression, IndexedBlob};
use super::digest::{Digest, HashingReader};
use crate::index::{index_tar, IndexError, Keep, LayerIndex};

/// Bytes in one chunk handed between stages.
pub const CHUNK: usize = 1 << 18;
/// Chunks waiting in one channel at most. A `docker save` layer runs two channels (read →
/// sha256 → parse), so a layer keeps about `2 × DEPTH + 3` chunks alive (1.75 MiB). Four deep
/// was no faster on the realistic images and cost 2 MiB more at peak (`benches/compare.sh`).
pub const DEPTH: usize = 2;

/// The environment variable that sets how many threads loading uses (`1`: sequential).
pub const THREADS_VAR: &str = "LAYERLENS_THREADS";

/// Threads to load with: `LAYERLENS_THREADS` when it is a positive number, else the number of
/// cores this process may use.
pub fn threads() -> usize {
    std::env::var(THREADS_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// What travels down a pipeline: a chunk of bytes, or the read error that ended the stream.
enum Msg {
    Data(Vec<u8>),
    Err(io::Error),
}

/// The receiving end of a pipeline stage, read as a buffered stream. Spent chunks go back to
/// the sender for reuse.
struct ChannelReader {
    rx: Receiver<Msg>,
    spare: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    done: bool,
}

impl ChannelReader {
    fn new(rx: Receiver<Msg>, spare: SyncSender<Vec<u8>>) -> ChannelReader {
        ChannelReader {
            rx,
            spare,
            chunk: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.chunk.len() && !self.done {
            match self.rx.recv() {
                Ok(Msg::Data(next)) => {
                    let spent = std::mem::replace(&mut self.chunk, next);
                    // The sender may be gone or have spares enough: then the chunk is freed.
                    let _ = self.spare.try_send(spent);
                    self.pos = 0;
                }
                Ok(Msg::Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The sender finished: end of stream.
                Err(_) => self.done = true,
            }
        }
        Ok(&self.chunk[self.pos.min(self.chunk.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.chunk.len());
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// A pipeline's channels: chunks forward, spent buffers back.
fn pipe() -> (Sender, ChannelReader) {
    let (tx, rx) = sync_channel(DEPTH);
    let (spare_tx, spare_rx) = sync_channel(DEPTH + 2);
    (
        Sender {
            tx: Some(tx),
            spare: spare_rx,
        },
        ChannelReader::new(rx, spare_tx),
    )
}

/// The sending end of a pipeline stage.
struct Sender {
    /// `None` once the receiver hung up.
    tx: Option<SyncSender<Msg>>,
    spare: Receiver<Vec<u8>>,
}

/// What a pump saw of its source.
struct Pumped {
    /// sha256 and length of everything read, when hashing.
    digest: Option<(Digest, u64)>,
    /// The read error that ended the source, if any. The receiver was handed a copy: it
    /// failed with it, unless it had already read all it wanted.
    failed: Option<io::Error>,
}

/// Where a pump gets its chunks: a reader (read into the pump's buffers), or the previous
/// stage's channel (its chunks passed on as they are, without a copy).
trait Chunks {
    /// The next chunk, given a spare buffer to fill or recycle: empty at the end; an error
    /// ends the source.
    fn next_chunk(&mut self, spare: Vec<u8>) -> (Vec<u8>, Option<io::Error>);
}

/// A reader as a source of chunks of [`CHUNK`] bytes.
struct Reading<R>(R);

impl<R: Read> Chunks for Reading<R> {
    fn next_chunk(&mut self, mut buf: Vec<u8>) -> (Vec<u8>, Option<io::Error>) {
        buf.resize(CHUNK, 0);
        let (n, err) = fill(&mut self.0, &mut buf);
        buf.truncate(n);
        (buf, err)
    }
}

impl Chunks for ChannelReader {
    fn next_chunk(&mut self, spare: Vec<u8>) -> (Vec<u8>, Option<io::Error>) {
        if self.pos < self.chunk.len() {
            let rest = self.chunk[self.pos..].to_vec();
            self.pos = self.chunk.len();
            return (rest, None);
        }
        if self.done {
            return (Vec::new(), None);
        }
        match self.rx.recv() {
            Ok(Msg::Data(next)) => {
                let _ = self.spare.try_send(spare);
                (next, None)
            }
            Ok(Msg::Err(e)) => {
                self.done = true;
                (Vec::new(), Some(e))
            }
            Err(_) => {
                self.done = true;
                (Vec::new(), None)
            }
        }
    }
}

impl Sender {
    /// Reads `src` to its end in chunks, hashing them when `hash`, and sends them on. Keeps
    /// reading (and hashing) after the receiver hung up, since a digest covers every byte,
    /// unless `stop` is set (the receiver failed: nothing more is wanted).
    fn pump(mut self, mut src: impl Chunks, hash: bool, stop: &AtomicBool) -> Pumped {
        let mut hasher = hash.then(Sha256::new);
        let mut total = 0u64;
        let mut failed = None;
        while !stop.load(Ordering::Relaxed) {
            let spare = self.spare.try_recv().unwrap_or_default();
            let (buf, err) = src.next_chunk(spare);
            let n = buf.len();
            if let Some(h) = hasher.as_mut() {
                h.update(&buf);
            }
            total += n as u64;
            if n > 0 {
                self.send(Msg::Data(buf));
            }
            if let Some(e) = err {
                self.send(Msg::Err(io::Error::new(e.kind(), e.to_string())));
                failed = Some(e);
                break;
            }
            if n == 0 {
                break;
            }
        }
        Pumped {
            digest: hasher.map(|h| (Digest::from_hasher(h), total)),
            failed,
        }
    }

    fn send(&mut self, msg: Msg) {
        if let Some(tx) = &self.tx {
            if tx.send(msg).is_err() {
                self.tx = None;
            }
        }
    }
}

/// Reads until `buf` is full, the source ends, or it fails; returns the bytes read and the
/// error, if any.
fn fill(src: &mut impl Read, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut got = 0;
    while got < buf.len() {
        match src.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

/// Sets a flag when dropped unless disarmed: a stage that fails (or panics) tells the stage
/// feeding it to stop reading.
struct StopOnFail<'a> {
    stop: &'a AtomicBool,
    armed: bool,
}

impl Drop for StopOnFail<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

/// [`super::blob::index_blob`] as a pipeline: the same results and the same errors, with the
/// blob's sha256, the decompression and the tar parse on different threads.
pub fn index_blob_pipelined<R: Read>(raw: R, keep: Keep) -> Result<IndexedBlob, IndexError> {
    pipelined(Reading(raw), keep)
}

/// [`index_blob_pipelined`] for a reader that can move to another thread: reading gets a
/// thread of its own, so the sha256 thread only hashes (the chunks are passed on, not copied).
pub fn index_blob_pipelined_send<R: Read + Send>(
    raw: R,
    keep: Keep,
) -> Result<IndexedBlob, IndexError> {
    let stop = AtomicBool::new(false);
    let (sender, chunks) = pipe();
    std::thread::scope(|s| {
        let stop = &stop;
        let reading = s.spawn(move || sender.pump(Reading(raw), false, stop));
        let result = pipelined(chunks, keep);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Its errors reached `chunks`, and from there the result.
        let _ = reading
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        result
    })
}

fn pipelined(raw: impl Chunks, keep: Keep) -> Result<IndexedBlob, IndexError> {
    let stop = AtomicBool::new(false);
    let (sender, reader) = pipe();
    let (pumped, parsed) = std::thread::scope(|s| {
        let stop = &stop;
        let parse = s.spawn(move || {
            let mut guard = StopOnFail { stop, armed: true };
            let r = parse_blob(reader, keep);
            guard.armed = r.is_err();
            r
        });
        let pumped = sender.pump(raw, true, stop);
        let parsed = parse
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (pumped, parsed)
    });
    let (compression, index, diff_id) = parsed?;
    if let Some(e) = pumped.failed {
        // The raw blob failed after its tar had ended (the parse succeeded): the sequential
        // path meets this while hashing what follows the tar.
        return Err(io_err_at(index.tar_bytes, e));
    }
    let Some(hashed) = pumped.digest else {
        return Err(io_err_at(
            index.tar_bytes,
            std::io::Error::other("the blob ended before its sha256 was computed"),
        ));
    };
    Ok(IndexedBlob::new(hashed, diff_id, compression, index))
}

type Parsed = (Compression, LayerIndex, Option<Digest>);

/// The parse side of [`index_blob_pipelined`]: detects the compression, decompresses on a
/// further thread when needed, and indexes.
fn parse_blob(mut raw: ChannelReader, keep: Keep) -> Result<Parsed, IndexError> {
    let head = raw.fill_buf().map_err(|e| io_err_at(0, e))?;
    let compression = Compression::detect(head);
    match compression {
        // Uncompressed: the blob digest is the diff_id; hash once.
        Compression::None => Ok((compression, index_tar(raw, keep, &mut |_| {})?.0, None)),
        Compression::Gzip => {
            let (index, diff_id) = decompressed(flate2::bufread::MultiGzDecoder::new(raw), keep)?;
            Ok((compression, index, Some(diff_id)))
        }
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| io_err_at(0, e))?;
            let (index, diff_id) = decompressed(decoder, keep)?;
            Ok((compression, index, Some(diff_id)))
        }
    }
}

/// Decompresses on its own thread and indexes (hashing the `diff_id`) on this one.
fn decompressed<D: Read + Send>(
    decoder: D,
    keep: Keep,
) -> Result<(LayerIndex, Digest), IndexError> {
    let inner_stop = AtomicBool::new(false);
    let (sender, reader) = pipe();
    std::thread::scope(|s| {
        let inner_stop = &inner_stop;
        let pump = s.spawn(move || sender.pump(Reading(decoder), false, inner_stop));
        let mut guard = StopOnFail {
            stop: inner_stop,
            armed: true,
        };
        let result = (|| {
            let (index, rest) = index_tar(HashingReader::new(reader), keep, &mut |_| {})?;
            let (diff_id, _) = rest.finish().map_err(|e| io_err_at(index.tar_bytes, e))?;
            Ok((index, diff_id))
        })();
        guard.armed = result.is_err();
        drop(guard);
        // The decoder's errors all reached `reader` (it reads to the end on success).
        let _ = pump.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        result
    })
}

fn io_err_at(offset: u64, source: io::Error) -> IndexError {
    IndexError::Tar(crate::tarstream::TarError::Io { offset, source })
}

/// Runs `job` over `jobs` on up to `threads` workers, largest `weight` first, and returns
/// the results in the jobs' order. When `stop_after_error` is set, a job that fails stops
/// every later job (in the given order) that has not started, as a sequential loop would
/// never have reached it; earlier jobs still run, so the first error in order is the one a
/// sequential loop would have returned. With one thread, jobs run here, in order.
pub fn run_pool<J, T, E>(
    jobs: Vec<J>,
    threads: usize,
    weight: impl Fn(&J) -> u64,
    stop_after_error: bool,
    job: impl Fn(usize, J) -> Result<T, E> + Sync,
) -> Vec<Option<Result<T, E>>>
where
    J: Send,
    T: Send,
    E: Send,
{
    let n = jobs.len();
    if threads <= 1 || n <= 1 {
        let mut out = Vec::with_capacity(n);
        let mut failed = false;
        for (i, j) in jobs.into_iter().enumerate() {
            if failed {
                out.push(None);
                continue;
            }
            let r = job(i, j);
            failed = stop_after_error && r.is_err();
            out.push(Some(r));
        }
        return out;
    }
    let mut order: Vec<(usize, J)> = jobs.into_iter().enumerate().collect();
    order.sort_by_key(|(i, j)| (std::cmp::Reverse(weight(j)), *i));
    let queue: Mutex<std::vec::IntoIter<(usize, J)>> = Mutex::new(order.into_iter());
    let results: Mutex<Vec<Option<Result<T, E>>>> =
        Mutex::new(std::iter::repeat_with(|| None).take(n).collect());
    let first_failed = AtomicUsize::new(usize::MAX);
    let job = &job;
    std::thread::scope(|s| {
        for _ in 0..threads.min(n) {
            s.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                let Some((i, j)) = next else { break };
                if i > first_failed.load(Ordering::Relaxed) {
                    continue;
                }
                let r = job(i, j);
                if stop_after_error && r.is_err() {
                    first_failed.fetch_min(i, Ordering::Relaxed);
                }
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// A counter of finished layers, shared by pool workers for progress reports.
#[derive(Default, Clone)]
pub struct DoneCounter(Arc<AtomicUsize>);

impl DoneCounter {
    /// Counts one more and returns the count.
    pub fn tick(&self) -> usize {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::super::blob::index_blob_sequential;
    use super::*;
    use std::io::Write;

    fn tar_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn big_tar() -> Vec<u8> {
        // Several chunks' worth, with files straddling chunk boundaries.
        let files: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| {
                let len = 97_000 * (i % 7 + 1) + i;
                let data = (0..len).map(|k| (k * 31 + i) as u8).collect();
                (format!("dir{}/file{i}", i % 3), data)
            })
            .collect();
        let refs: Vec<(&str, Vec<u8>)> =
            files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
        tar_of(&refs)
    }

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn same(blob: &[u8]) {
        let a = index_blob_sequential(blob, Keep::Documents).unwrap();
        let b = index_blob_pipelined(blob, Keep::Documents).unwrap();
        let c = index_blob_pipelined_send(blob, Keep::Documents).unwrap();
        assert_eq!(c.digest, b.digest);
        assert_eq!(c.diff_id, b.diff_id);
        assert_eq!(c.index, b.index);
        assert_eq!(a.digest, b.digest);
        assert_eq!(a.diff_id, b.diff_id);
        assert_eq!(a.size, b.size);
        assert_eq!(a.size, blob.len() as u64);
        assert_eq!(a.compression, b.compression);
        assert_eq!(a.index, b.index);
    }

    fn same_error(blob: &[u8]) -> String {
        let a = index_blob_sequential(blob, Keep::Documents)
            .unwrap_err()
            .to_string();
        let b = index_blob_pipelined(blob, Keep::Documents)
            .unwrap_err()
            .to_string();
        let c = index_blob_pipelined_send(blob, Keep::Documents)
            .unwrap_err()
            .to_string();
        assert_eq!(a, b);
        assert_eq!(a, c);
        a
    }

    #[test]
    fn pipeline_matches_sequential_for_every_compression() {
        let plain = big_tar();
        assert!(plain.len() > 3 * CHUNK);
        same(&plain);
        same(&gz(&plain));
        same(&zstd::encode_all(&plain[..], 1).unwrap());
        // Bytes after the end-of-archive marker belong to both digests.
        let mut trailing = plain.clone();
        trailing.extend_from_slice(&[0u8; 5000]);
        same(&trailing);
        same(&gz(&trailing));
        same(&[]);
        same(&tar_of(&[]));
    }

    #[test]
    fn pipeline_fails_as_sequential_does() {
        let plain = big_tar();
        let cut = &plain[..plain.len() / 2 + 7];
        assert_eq!(
            same_error(cut),
            format!("truncated at byte {} (inside entry data)", cut.len())
        );
        let z = gz(&plain);
        same_error(&z[..z.len() / 2]);
        let mut bad = z.clone();
        for b in &mut bad[20..z.len() / 2] {
            *b ^= 0x5a;
        }
        same_error(&bad);
        let zs = zstd::encode_all(&plain[..], 1).unwrap();
        same_error(&zs[..zs.len() / 3]);
        same_error(b"not a tar at all, and rather shorter than one block");
    }

    /// A reader that fails after `ok` bytes.
    struct FailAfter<'a>(&'a [u8], usize);

    impl Read for FailAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.1 == 0 {
                return Err(io::Error::other("the disk fell off"));
            }
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 -= n;
            Ok(n)
        }
    }

    #[test]
    fn read_errors_surface_where_sequential_meets_them() {
        let plain = big_tar();
        for at in [0, 1000, plain.len() / 2, plain.len() - 10] {
            let a = index_blob_sequential(FailAfter(&plain, at), Keep::Documents)
                .unwrap_err()
                .to_string();
            let b = index_blob_pipelined(FailAfter(&plain, at), Keep::Documents)
                .unwrap_err()
                .to_string();
            let c = index_blob_pipelined_send(FailAfter(&plain, at), Keep::Documents)
                .unwrap_err()
                .to_string();
            assert_eq!(a, b, "failing after {at} bytes");
            assert_eq!(a, c, "failing after {at} bytes");
            assert!(a.ends_with("the disk fell off"), "{a}");
        }
        let z = gz(&plain);
        let a = index_blob_sequential(FailAfter(&z, z.len() / 2), Keep::Documents)
            .unwrap_err()
            .to_string();
        let b = index_blob_pipelined(FailAfter(&z, z.len() / 2), Keep::Documents)
            .unwrap_err()
            .to_string();
        assert_eq!(a, b);
    }

    #[test]
    fn pool_keeps_order_and_the_first_error() {
        let jobs: Vec<u64> = (0..20).collect();
        for threads in [1, 2, 5] {
            let out = run_pool(
                jobs.clone(),
                threads,
                |j| *j,
                true,
                |i, j| {
                    if j == 7 || j == 12 {
                        Err(format!("job {i} failed"))
                    } else {
                        Ok(j * 10)
                    }
                },
            );
            assert_eq!(out.len(), 20);
            for (i, r) in out.iter().enumerate().take(7) {
                assert_eq!(r.as_ref().unwrap().as_ref().unwrap(), &(i as u64 * 10));
            }
            let first = out.iter().flatten().find_map(|r| r.as_ref().err());
            assert_eq!(first.unwrap(), "job 7 failed");
        }
        let all = run_pool(jobs, 3, |_| 1, false, |_, j| Ok::<_, ()>(j));
        assert_eq!(
            all.into_iter()
                .map(|r| r.unwrap().unwrap())
                .collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
    }
}
