//! Freeze windows: times when an environment takes no changes unless someone the policy names
//! overrides the freeze with a reason. A window is a set of cron-like patterns (read in the
//! freeze's UTC offset) and/or a date range.

use chrono::{DateTime, Duration, FixedOffset, Utc};

use super::{Cron, Principal};

/// When a freeze applies.
#[derive(Clone, Debug, PartialEq)]
pub enum FreezeWhen {
    /// Every minute the pattern matches.
    Cron(Cron),
    /// From `from` (inclusive) until `until` (exclusive).
    Range { from: DateTime<Utc>, until: DateTime<Utc> },
}

/// One freeze window.
#[derive(Clone, Debug, PartialEq)]
pub struct Freeze {
    pub name: String,
    pub when: Vec<FreezeWhen>,
    /// Offset from UTC the patterns and plain dates are read in.
    pub utc_offset: FixedOffset,
    /// Who may override it (always with a reason).
    pub overriders: Vec<Principal>,
}

impl Freeze {
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        let local = (now + Duration::seconds(i64::from(self.utc_offset.local_minus_utc()))).naive_utc();
        self.when.iter().any(|w| match w {
            FreezeWhen::Cron(c) => c.matches(local),
            FreezeWhen::Range { from, until } => *from <= now && now < *until,
        })
    }

    /// "Friday evening and weekend (* 17-23 * * fri; * * * * sat,sun)".
    pub fn describe(&self) -> String {
        let whens: Vec<String> = self
            .when
            .iter()
            .map(|w| match w {
                FreezeWhen::Cron(c) => c.as_str().to_string(),
                FreezeWhen::Range { from, until } => {
                    format!("{} to {}", from.format("%Y-%m-%d %H:%M UTC"), until.format("%Y-%m-%d %H:%M UTC"))
                }
            })
            .collect();
        format!("{} ({})", self.name, whens.join("; "))
    }
}
