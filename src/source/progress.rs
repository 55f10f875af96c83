//! Progress reports while an image loads, for whatever shows them (a bar on stderr, the
//! TUI's loading view). Sources call these from the loading thread.

/// Receives progress while an image loads. All methods have empty defaults.
pub trait Progress: Send + Sync {
    /// The total number of raw bytes the source will read, when known.
    fn total_bytes(&self, _bytes: u64) {}
    /// `bytes` more raw bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// A layer finished indexing; `total` is the layer count when known.
    fn layer_done(&self, _done: usize, _total: Option<usize>) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {}

/// A reader that reports every byte it reads to a [`Progress`].
pub struct ProgressReader<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<'a, R> ProgressReader<'a, R> {
    pub fn new(inner: R, progress: &'a dyn Progress) -> Self {
        ProgressReader { inner, progress }
    }
}

impl<R: std::io::Read> std::io::Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}
