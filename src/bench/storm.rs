//! The watch storm: the simulator changes one app's health at a steady rate, each change
//! stamped by the simulator when it hands it to the watch connections. Every change moves its
//! app to the next of the six health states (so consecutive states differ and a stale frame
//! cannot pass for a new one); the bench surface notes the first frame whose model shows it,
//! and the difference is the event → frame latency.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::measure::{percentiles, Percentiles};
use crate::domain::{AppKey, Health};

/// Events are sent in small batches this often (tokio timers are ms-grained).
const BATCH_EVERY: Duration = Duration::from_millis(10);

/// Health states in the order a storm cycles through them.
const CYCLE: [Health; 6] =
    [Health::Healthy, Health::Progressing, Health::Degraded, Health::Suspended, Health::Missing, Health::Unknown];

/// The state after `h` in the storm's cycle.
pub fn next_health(h: Health) -> Health {
    let i = CYCLE.iter().position(|c| *c == h).unwrap_or(0);
    CYCLE[(i + 1) % CYCLE.len()]
}

/// A change the surface should look for: `key` showing `health`, change number `seq`.
pub type Expect = (AppKey, u64, Health);

/// What a storm produced: stamps by sequence number (index 0 unused).
#[derive(Debug, Default)]
pub struct Sent {
    pub stamps: Vec<Option<Instant>>,
}

/// Latency and counts of a storm, from the stamps and the frames that showed them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StormFigures {
    pub latency_ms: Percentiles,
    pub sent: u64,
    pub unseen: u64,
}

impl Sent {
    /// Combine with `(seq, frame drawn at)` pairs from the surface.
    pub fn figures(&self, seen: &[(u64, Instant)]) -> StormFigures {
        let mut ms: Vec<f64> = seen
            .iter()
            .filter_map(|(seq, at)| {
                let sent = (*self.stamps.get(usize::try_from(*seq).ok()?)?)?;
                Some(at.saturating_duration_since(sent).as_secs_f64() * 1000.0)
            })
            .collect();
        let sent = self.stamps.iter().flatten().count() as u64;
        let unseen = sent.saturating_sub(ms.len() as u64);
        StormFigures { latency_ms: percentiles(&mut ms), sent, unseen }
    }
}

/// xorshift64: a fixed, cheap sequence of app picks (no dependency, same run to run).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Change `per_sec` random apps of `apps` (with their health now) per second for `duration`.
/// Each change is announced to the surface (`expect`) before the simulator makes it, so no
/// frame can show it unannounced.
pub async fn run(
    sim: &flightdeck_sim::Sim,
    mut apps: Vec<(AppKey, Health)>,
    per_sec: u32,
    duration: Duration,
    expect: &UnboundedSender<Expect>,
) -> Sent {
    let mut sent = Sent { stamps: vec![None] };
    if apps.is_empty() || per_sec == 0 {
        return sent;
    }
    let total = (f64::from(per_sec) * duration.as_secs_f64()).round() as u64;
    let batch = u64::from(per_sec / 100).max(1);
    let every = BATCH_EVERY.mul_f64(batch as f64 * 100.0 / f64::from(per_sec));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut seq: u64 = 0;
    while seq < total {
        tick.tick().await;
        for _ in 0..batch.min(total - seq) {
            seq += 1;
            let pick = (next(&mut rng) % apps.len() as u64) as usize;
            let (key, health) = &mut apps[pick];
            *health = next_health(*health);
            let _ = expect.send((key.clone(), seq, *health));
            let stamp = sim.touch(key.instance, &key.name, health.as_str(), &format!("storm #{seq}"));
            sent.stamps.push(stamp);
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_pairs_stamps_with_frames() {
        let t0 = Instant::now();
        let sent = Sent { stamps: vec![None, Some(t0), Some(t0), None] };
        let seen = [(1, t0 + Duration::from_millis(4)), (2, t0 + Duration::from_millis(10))];
        let f = sent.figures(&seen);
        assert_eq!((f.sent, f.unseen), (2, 0));
        assert!((f.latency_ms.p99 - 10.0).abs() < 1e-9);
        let f = sent.figures(&seen[..1]);
        assert_eq!(f.unseen, 1);
    }

    #[test]
    fn health_cycle_never_repeats_the_previous_state() {
        let mut h = Health::Healthy;
        for _ in 0..CYCLE.len() - 1 {
            let n = next_health(h);
            assert_ne!(n, h);
            h = n;
        }
        assert_eq!(next_health(h), Health::Healthy, "the cycle closes after six");
    }
}
