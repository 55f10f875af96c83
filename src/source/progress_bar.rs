//! The progress line on stderr while an image loads, drawn by `indicatif`: layers and bytes
//! done, the rate, and the time left where the total is known. indicatif measures the
//! terminal's real width on every draw, redraws in place (at most 20 times a second), and draws
//! nothing when stderr is not a terminal. **The line never exceeds the width**: the label is
//! the wide element, truncated first, and the bar's cells are chosen for the width at start.
//! Sizes go through `units` like every size we show.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::units::human_bytes;

use super::progress::Progress;

/// No rate (nor time left) in the first moments, when it would be noise.
const RATE_AFTER: Duration = Duration::from_millis(200);

/// Layers done, and the total when known (`usize::MAX`: not known).
#[derive(Default)]
struct Layers {
    done: AtomicUsize,
    total: AtomicUsize,
}

/// A [`Progress`] that draws on stderr.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    layers: Arc<Layers>,
    /// The bar's cells, for the terminal's width when loading started (0: no bar).
    cells: usize,
}

impl ProgressBar {
    /// A bar labelled with what loads, or `None` when stderr is not a terminal.
    pub fn for_stderr(label: &str) -> Option<ProgressBar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let width = console::Term::stderr().size().1 as usize;
        let layers = Arc::new(Layers {
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(usize::MAX),
        });
        // Styled and labelled before it can draw: nothing in indicatif's default style shows.
        let bar = indicatif::ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let pb = ProgressBar {
            bar,
            layers,
            cells: bar_cells(width),
        };
        pb.bar.set_style(pb.style(false));
        pb.bar.set_message(label.to_string());
        pb.bar.set_draw_target(ProgressDrawTarget::stderr());
        Some(pb)
    }

    /// The line's layout; with a known total, the bar, its percentage and the time left.
    fn style(&self, known_total: bool) -> ProgressStyle {
        let template = match (known_total, self.cells) {
            (false, _) => "{wide_msg}  {layers}  {done}{rate}".to_string(),
            (true, 0) => "{wide_msg} {percent:>3}%  {layers}  {done}{rate}{left}".to_string(),
            (true, n) => format!(
                "{{wide_msg}} [{{bar:{n}}}] {{percent:>3}}%  {{layers}}  {{done}}{{rate}}{{left}}"
            ),
        };
        let layers = Arc::clone(&self.layers);
        ProgressStyle::with_template(&template)
            .expect("the template is valid")
            .progress_chars("#>-")
            .with_key(
                "layers",
                move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let done = layers.done.load(Ordering::Relaxed);
                    let _ = match layers.total.load(Ordering::Relaxed) {
                        usize::MAX => w.write_str(&crate::units::count(done, "layer", "layers")),
                        total => write!(w, "{done}/{total} layers"),
                    };
                },
            )
            .with_key("done", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = match s.len().filter(|&t| t > 0) {
                    Some(t) => write!(w, "{} / {}", human_bytes(s.pos().min(t)), human_bytes(t)),
                    None => w.write_str(&human_bytes(s.pos())),
                };
            })
            .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                if let Some(rate) = rate(s) {
                    let _ = write!(w, "  {}/s", human_bytes(rate as u64));
                }
            })
            .with_key("left", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let left = s.len().filter(|&t| t > s.pos()).map(|t| t - s.pos());
                if let (Some(left), Some(rate)) = (left, rate(s)) {
                    let _ = write!(w, "  {} left", clock((left as f64 / rate).ceil() as u64));
                }
            })
    }
}

/// The rate, once there is one worth showing.
fn rate(s: &ProgressState) -> Option<f64> {
    let r = s.per_sec();
    (s.elapsed() >= RATE_AFTER && r.is_finite() && r > 0.0).then_some(r)
}

/// The bar's cells for a terminal `width` columns wide: what is left for it beside the longest
/// figures (about 70 columns: `100%  12/13 layers  999 MB / 1.30 GB  999 MB/s  1h02m left`)
/// and a few columns of the label, at most 24.
fn bar_cells(width: usize) -> usize {
    match width.saturating_sub(70) {
        0..=5 => 0,
        n => (n - 3).min(24),
    }
}

/// A duration for "time left": `15s`, `1m05s`, `1h02m`.
fn clock(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

impl Progress for ProgressBar {
    fn total_bytes(&self, bytes: u64) {
        if self.bar.length().is_none() {
            self.bar.set_style(self.style(true));
        }
        self.bar.set_length(bytes);
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn layer_done(&self, done: usize, total: Option<usize>) {
        self.layers.done.fetch_max(done, Ordering::Relaxed);
        if let Some(t) = total {
            self.layers.total.store(t, Ordering::Relaxed);
        }
        // A finished layer is always shown, however soon after the last draw.
        self.bar.force_draw();
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_cells() {
        assert_eq!(clock(3725), "1h02m");
        assert_eq!(clock(65), "1m05s");
        assert_eq!(clock(15), "15s");
        assert_eq!(bar_cells(80), 7);
        assert_eq!(bar_cells(160), 24);
        assert_eq!(bar_cells(60), 0);
    }
}
