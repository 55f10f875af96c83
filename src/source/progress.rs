//! Progress reports while an image loads, for whatever shows them (a bar on stderr, the
//! TUI's loading view). Sources call these from the loading thread and its workers.
//!
//! Besides bytes and layer counts, a source says what the image is as soon as it knows
//! ([`Progress::layers_known`]: the manifest and config are read, no layer yet) and each
//! layer's size as that layer is indexed ([`Progress::layer_indexed`]), so a viewer can show
//! the layers before the image is loaded. Either may come again (a source that learns the
//! manifest early repeats both at the end); receivers treat a repeat as the same news.

use crate::image::LayerPreview;
use crate::source::manifest::ImageConfig;

/// Receives progress while an image loads. All methods have empty defaults.
pub trait Progress: Send + Sync {
    /// The total number of raw bytes the source will read, when known.
    fn total_bytes(&self, _bytes: u64) {}
    /// `bytes` more raw bytes were read.
    fn advance(&self, _bytes: u64) {}
    /// A layer finished indexing; `total` is the layer count when known.
    fn layer_done(&self, _done: usize, _total: Option<usize>) {}
    /// The image's layers, in manifest order, known before any is indexed: the manifest and
    /// the config are read. `config` is the image's config (its whole history).
    fn layers_known(&self, _config: &ImageConfig, _layers: &[LayerPreview]) {}
    /// Layer `index` (in manifest order) is indexed: `size` is its size as the loaded image
    /// will say ([`crate::image::Layer::size`]). Comes after [`Progress::layers_known`].
    fn layer_indexed(&self, _index: usize, _size: u64) {}
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
