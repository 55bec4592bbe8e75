//! Simulated container logs: every pod writes a deterministic, endless stream of realistic
//! lines (start-up, requests, cache hits, slow queries; a crash-looping pod's errors) at a
//! per-pod pace in sim time, so the same query always sees the same lines and following
//! sees new ones as the clock moves. Pure: the HTTP side is `http/logs.rs`.

use crate::rng::{hash_bytes, mix};

/// Lines a container keeps, as kubelet's log rotation would (the oldest are gone).
pub const LINES_KEPT: u64 = 1000;

/// One container instance writing lines.
#[derive(Clone, Debug)]
pub struct Writer<'a> {
    pub service: &'a str,
    pub pod: &'a str,
    pub version: String,
    /// When this container instance started (sim ms).
    pub start_ms: i64,
    /// It crashes: its lines are errors (and its previous instance ended in a panic).
    pub crashing: bool,
    /// The previous, terminated instance (`previous=true`): it stopped at `start_ms`.
    pub previous: bool,
}

/// One line: sim ms and text (without the timestamp, as Argo CD splits it off).
pub type Line = (i64, String);

impl Writer<'_> {
    fn seed(&self) -> u64 {
        hash_bytes(if self.previous { 0x9e37 } else { 0x51ed }, self.pod.as_bytes())
    }

    fn period_ms(&self) -> i64 {
        700 + (self.seed() % 1800) as i64
    }

    /// When line `n` was written: a steady pace with jitter under half a period (monotonic).
    fn at(&self, n: u64) -> i64 {
        let p = self.period_ms();
        let jitter = (mix(self.seed() ^ n) % (p as u64 / 2)) as i64;
        let base = if self.previous { self.start_ms - p * (LINES_KEPT as i64) } else { self.start_ms };
        base + p * n as i64 + jitter
    }

    /// Lines written in `(after_ms, until_ms]`, oldest first, at most the last [`LINES_KEPT`].
    pub fn lines(&self, after_ms: i64, until_ms: i64) -> Vec<Line> {
        let base = self.at(0);
        if until_ms < base {
            return Vec::new();
        }
        let p = self.period_ms();
        let mut last = ((until_ms - base) / p) as u64;
        if self.previous {
            // The terminated instance wrote its last line (the panic) just before it stopped.
            last = last.min(LINES_KEPT - 1);
        }
        let first = (after_ms.saturating_sub(base).max(0) / p) as u64;
        let first = first.max(last.saturating_sub(LINES_KEPT - 1));
        (first..=last)
            .map(|n| (self.at(n), n))
            .filter(|(t, _)| *t > after_ms && *t <= until_ms)
            .map(|(t, n)| (t, self.text(n, self.previous && n == LINES_KEPT - 1)))
            .collect()
    }

    fn text(&self, n: u64, final_line: bool) -> String {
        let h = mix(self.seed() ^ n.wrapping_mul(0x2545_f491));
        let svc = self.service;
        match n {
            0 => return format!("INFO  starting {svc} {} (pid 1)", self.version),
            1 => return "INFO  listening on :8080".to_string(),
            _ => {}
        }
        if final_line {
            return "panic: runtime error: invalid memory address or nil pointer dereference".to_string();
        }
        if self.crashing || self.previous {
            return match h % 3 {
                0 => format!("ERROR dial tcp 10.0.{}.{}:5432: connect: connection refused", h % 7, 10 + h % 200),
                1 => "WARN  database not ready, retrying in 5s".to_string(),
                _ => format!("ERROR {svc}: readiness probe failed: GET /healthz 503 ({} ms)", 200 + h % 800),
            };
        }
        let id = 1000 + (h >> 8) % 90_000;
        let ms = 2 + (h >> 20) % 240;
        let method = ["GET", "GET", "GET", "POST", "PUT"][((h >> 4) % 5) as usize];
        let status = if (h >> 12) % 40 == 0 { 404 } else { 200 };
        match h % 10 {
            0..=6 => format!("INFO  {method} /api/{svc}/{id} {status} {ms}ms trace={:016x}", mix(h)),
            7 => format!("DEBUG cache hit key={svc}:{id}"),
            8 => "INFO  health check ok".to_string(),
            _ => format!("WARN  slow request GET /api/{svc}/search {} ms", 800 + (h >> 30) % 2200),
        }
    }
}

/// `2024-05-01T10:00:00.123000000Z`: RFC3339 with nanoseconds, as `timeStampStr` carries it.
pub fn rfc3339_nano(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(previous: bool) -> Writer<'static> {
        Writer {
            service: "payment",
            pod: "payment-abc-x1",
            version: "v1.2.0".into(),
            start_ms: 1_000_000,
            crashing: false,
            previous,
        }
    }

    #[test]
    fn lines_are_deterministic_ordered_and_endless() {
        let w = writer(false);
        let a = w.lines(0, 1_060_000);
        assert_eq!(a, w.lines(0, 1_060_000));
        assert!(a[0].1.starts_with("INFO  starting payment v1.2.0"), "{:?}", a[0]);
        assert!(a.windows(2).all(|p| p[0].0 < p[1].0));
        // Following: what comes after the last seen line, nothing twice.
        let more = w.lines(a.last().unwrap().0, 1_120_000);
        assert!(!more.is_empty() && more[0].0 > a.last().unwrap().0);
        let mut joined = a.clone();
        joined.extend(more);
        assert_eq!(joined, w.lines(0, 1_120_000));
        assert_eq!(w.lines(i64::MIN, 1_060_000), a, "no bound below is the whole log");
    }

    #[test]
    fn only_the_kept_lines_survive_and_the_previous_instance_ends_in_a_panic() {
        let w = writer(false);
        assert_eq!(w.lines(0, 1_000_000 + 10_000_000).len() as u64, LINES_KEPT);
        let prev = writer(true).lines(0, 5_000_000);
        assert!(prev.last().unwrap().1.starts_with("panic:"));
        assert!(prev.last().unwrap().0 <= 1_000_000);
    }
}
