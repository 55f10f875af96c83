//! The stall timeout: a registry that stops sending, or trickles a byte now and then, is an
//! error naming the registry and what it was sending. Progress is measured, not total time: a
//! large blob may take as long as it needs while it keeps arriving. A body stalls when less
//! than [`MIN_PROGRESS`] bytes arrive in `limit` of time spent waiting for them (time the
//! indexer spends between reads does not count against the registry).

use std::io::{self, Read};
use std::time::{Duration, Instant};

/// How much must arrive within the stall timeout for a body to count as moving.
pub const MIN_PROGRESS: u64 = 1024;

/// The default stall timeout (`--registry-stall-timeout`).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The error a stalled body reads as; its text is the whole message.
#[derive(Debug)]
pub struct Stalled(pub String);

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stalled {}

/// The message of a stall, if this I/O error is one.
pub fn stall_message(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Stalled>())
        .map(|s| s.0.clone())
}

/// A duration as the flag takes it: whole seconds, or tenths below that.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Whether an I/O error from ureq is one of its timeouts (its per-read timeout, set to the
/// stall timeout, ends a read that waits for nothing at all).
fn is_timeout(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

/// A response body held to the stall timeout.
pub struct StallGuard<R> {
    inner: R,
    limit: Duration,
    /// Time spent inside reads since the current window opened.
    waited: Duration,
    window_bytes: u64,
    total: u64,
    /// `registry 127.0.0.1:5000` and `layer sha256:…`, for the message.
    registry: String,
    what: String,
}

impl<R: Read> StallGuard<R> {
    pub fn new(inner: R, limit: Duration, registry: &str, what: &str) -> Self {
        StallGuard {
            inner,
            limit,
            waited: Duration::ZERO,
            window_bytes: 0,
            total: 0,
            registry: registry.to_string(),
            what: what.to_string(),
        }
    }

    fn stalled(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            Stalled(format!(
                "registry {} stalled sending {}: less than {MIN_PROGRESS} bytes arrived in {} \
                 (after {} bytes); try again, or allow a slower registry with \
                 --registry-stall-timeout",
                self.registry,
                self.what,
                seconds(self.limit),
                self.total
            )),
        )
    }
}

impl<R: Read> Read for StallGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let start = Instant::now();
        let result = self.inner.read(buf);
        self.waited += start.elapsed();
        match result {
            Ok(0) => Ok(0),
            Ok(n) => {
                self.total += n as u64;
                self.window_bytes += n as u64;
                if self.window_bytes >= MIN_PROGRESS {
                    self.window_bytes = 0;
                    self.waited = Duration::ZERO;
                } else if self.waited >= self.limit {
                    return Err(self.stalled());
                }
                Ok(n)
            }
            Err(e) if is_timeout(&e) => Err(self.stalled()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives one byte per read, each after a pause.
    struct Trickle {
        left: usize,
        pause: Duration,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Ok(0);
            }
            std::thread::sleep(self.pause);
            self.left -= 1;
            buf[0] = b'x';
            Ok(1)
        }
    }

    #[test]
    fn a_trickle_stalls_and_a_steady_stream_does_not() {
        let trickle = Trickle {
            left: 1000,
            pause: Duration::from_millis(20),
        };
        let mut guard = StallGuard::new(
            trickle,
            Duration::from_millis(100),
            "127.0.0.1:5000",
            "layer sha256:ab",
        );
        let start = Instant::now();
        let err = io::copy(&mut guard, &mut io::sink()).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        let msg = stall_message(&err).unwrap();
        assert!(
            msg.starts_with(
                "registry 127.0.0.1:5000 stalled sending layer sha256:ab: less than 1024 bytes \
                 arrived in 0.1 s (after "
            ),
            "{msg}"
        );
        // A body arriving in reads of at least MIN_PROGRESS never stalls, even at a limit of
        // zero: only a lack of progress counts, never the total time.
        let data = vec![7u8; 1 << 20];
        let mut guard = StallGuard::new(&data[..], Duration::ZERO, "r", "layer");
        assert_eq!(io::copy(&mut guard, &mut io::sink()).unwrap(), 1 << 20);
        // The end of a body is not a stall.
        let mut guard = StallGuard::new(&b"short"[..], Duration::from_secs(1), "r", "config");
        let mut out = Vec::new();
        guard.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"short");
    }
}
