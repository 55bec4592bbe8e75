//! Capped exponential backoff with jitter, shared by request retries and watch reconnects.
//! Jitter comes from the clock's sub-second nanos (no RNG dependency): good enough to keep
//! many consoles from reconnecting in lockstep after a server restart.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A backoff schedule: `base * 2^(attempt-1)`, capped, then "equal jitter" (half fixed,
/// half random) so every delay lies in `[d/2, d]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }

    /// The un-jittered delay before retry number `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(20);
        self.base.saturating_mul(1u32 << shift).min(self.cap)
    }

    /// The delay before retry `attempt`, with jitter drawn from `seed` (any value).
    pub fn delay_with(&self, attempt: u32, seed: u64) -> Duration {
        let d = self.ceiling(attempt);
        let half = d / 2;
        let span_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if span_nanos == 0 { 0 } else { mix(seed) % (span_nanos + 1) };
        half + Duration::from_nanos(jitter)
    }

    /// The delay before retry `attempt`, with jitter from the clock.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, clock_seed())
    }
}

fn clock_seed() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// SplitMix64 finaliser: spreads nearby seeds (consecutive nanos) over the whole range.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_within_bounds_and_cap() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(10), Duration::from_secs(2));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(2));
        for attempt in 1..12 {
            for seed in [0u64, 1, 2, 12345, u64::MAX] {
                let d = b.delay_with(attempt, seed);
                let c = b.ceiling(attempt);
                assert!(d >= c / 2 && d <= c, "attempt {attempt} seed {seed}: {d:?} vs {c:?}");
            }
        }
    }

    #[test]
    fn jitter_varies_with_seed() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let ds: std::collections::HashSet<_> = (0..16).map(|s| b.delay_with(3, s)).collect();
        assert!(ds.len() > 8, "jitter should spread delays, got {ds:?}");
    }
}
