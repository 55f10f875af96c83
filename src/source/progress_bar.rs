//! A one-line progress bar on stderr while an image loads: layers and bytes done, rate, and
//! time left where the total is known. Plain ANSI (`\r` and erase-line), drawn at most ten
//! times a second, **only when stderr is a terminal**; the line is erased when the bar is
//! dropped. Formatting is a pure function, tested without a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::units::human_bytes;

use super::progress::Progress;

const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// What the bar knows so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub layers: usize,
    pub total_layers: Option<usize>,
}

/// Renders the bar's line for `width` columns (pure; no escape codes).
pub fn render_line(label: &str, c: &Counts, elapsed: Duration, width: usize) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.2 {
        Some(c.bytes as f64 / secs)
    } else {
        None
    };
    let mut parts = Vec::new();
    let layers = match c.total_layers {
        Some(t) => format!("{}/{t} layers", c.layers),
        None => crate::units::count(c.layers, "layer", "layers"),
    };
    parts.push(layers);
    match c.total_bytes.filter(|&t| t > 0) {
        Some(t) => parts.push(format!(
            "{} / {}",
            human_bytes(c.bytes.min(t)),
            human_bytes(t)
        )),
        None => parts.push(human_bytes(c.bytes)),
    }
    if let Some(r) = rate {
        parts.push(format!("{}/s", human_bytes(r as u64)));
        if let Some(t) = c.total_bytes.filter(|&t| t > c.bytes && r > 0.0) {
            let left = ((t - c.bytes) as f64 / r).ceil() as u64;
            parts.push(format!("{} left", clock(left)));
        }
    }
    let stats = parts.join("  ");
    let bar = c.total_bytes.filter(|&t| t > 0).map(|t| {
        const CELLS: usize = 24;
        let filled = ((c.bytes.min(t) as f64 / t as f64) * CELLS as f64) as usize;
        format!(
            "[{}{}] {:>3}%",
            "#".repeat(filled),
            "-".repeat(CELLS - filled),
            c.bytes.min(t) * 100 / t
        )
    });
    let line = match bar {
        Some(b) => format!("{label} {b}  {stats}"),
        None => format!("{label}  {stats}"),
    };
    line.chars().take(width.saturating_sub(1)).collect()
}

fn clock(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

struct State {
    counts: Counts,
    last_draw: Option<Instant>,
    drawn: bool,
}

/// A [`Progress`] that draws on stderr.
pub struct ProgressBar {
    label: String,
    start: Instant,
    state: Mutex<State>,
}

impl ProgressBar {
    /// A bar labelled with what loads, or `None` when stderr is not a terminal.
    pub fn for_stderr(label: &str) -> Option<ProgressBar> {
        std::io::stderr().is_terminal().then(|| ProgressBar {
            label: label.to_string(),
            start: Instant::now(),
            state: Mutex::new(State {
                counts: Counts::default(),
                last_draw: None,
                drawn: false,
            }),
        })
    }

    fn update(&self, f: impl FnOnce(&mut Counts), force: bool) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut s.counts);
        let now = Instant::now();
        if !force
            && s.last_draw
                .is_some_and(|t| now.duration_since(t) < REDRAW_EVERY)
        {
            return;
        }
        s.last_draw = Some(now);
        s.drawn = true;
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        let line = render_line(&self.label, &s.counts, self.start.elapsed(), width);
        let mut err = std::io::stderr().lock();
        // A progress bar that cannot be drawn is not worth failing the load over.
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

impl Progress for ProgressBar {
    fn total_bytes(&self, bytes: u64) {
        self.update(|c| c.total_bytes = Some(bytes), false);
    }

    fn advance(&self, bytes: u64) {
        self.update(|c| c.bytes += bytes, false);
    }

    fn layer_done(&self, done: usize, total: Option<usize>) {
        self.update(
            |c| {
                c.layers = c.layers.max(done);
                if total.is_some() {
                    c.total_layers = total;
                }
            },
            true,
        );
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_total_shows_bar_rate_and_time_left() {
        let c = Counts {
            bytes: 25_000_000,
            total_bytes: Some(100_000_000),
            layers: 2,
            total_layers: Some(7),
        };
        let line = render_line("registry://app:1", &c, Duration::from_secs(5), 200);
        assert_eq!(
            line,
            "registry://app:1 [######------------------]  25%  2/7 layers  25.0 MB / 100 MB  \
             5.00 MB/s  15s left"
        );
    }

    #[test]
    fn unknown_total_shows_bytes_and_rate_only() {
        let c = Counts {
            bytes: 3_000_000,
            total_bytes: None,
            layers: 1,
            total_layers: None,
        };
        let line = render_line("docker://x", &c, Duration::from_secs(2), 200);
        assert_eq!(line, "docker://x  1 layer  3.00 MB  1.50 MB/s");
        // An estimate that turns out low stops at 100% and shows no time left.
        let over = Counts {
            bytes: 120,
            total_bytes: Some(100),
            ..c
        };
        let line = render_line("d", &over, Duration::from_secs(1), 200);
        assert!(line.contains("100%") && !line.contains("left"), "{line}");
        assert_eq!(
            render_line("docker://x", &over, Duration::ZERO, 10).len(),
            9
        );
        assert_eq!(clock(3725), "1h02m");
        assert_eq!(clock(65), "1m05s");
    }
}
