//! Delivery history of one service: the activity timeline (deploys, promotions, rollbacks,
//! scales, approvals, refusals, health — who and when) and the delivery figures over a
//! window, computed here with no I/O from the timeline the caller assembled (the trail,
//! Argo CD's history, the GitOps commits):
//! - deployment frequency: deployments to the production environment per day;
//! - lead time: from the first commit of a version to its deployment in production (median);
//! - change failure rate: production deployments followed — before the next one — by a
//!   rollback or a degraded state (or that failed themselves), over all of them;
//! - time to restore: from such a failure to the next healthy state or restoring deploy
//!   (median).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Deploy,
    Promote,
    Rollback,
    Scale,
    Approval,
    Refusal,
    /// The app was seen degraded (a followed run that ended unhealthy, or Argo CD's health).
    Degraded,
    /// The app was seen healthy again.
    Healthy,
}

impl Kind {
    /// A change of the version that runs (a deployment, in the figures' sense).
    pub fn deploys(self) -> bool {
        matches!(self, Self::Deploy | Self::Promote | Self::Rollback)
    }
    /// The name the timeline shows (as `-o json` spells it).
    pub fn name(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Promote => "promote",
            Self::Rollback => "rollback",
            Self::Scale => "scale",
            Self::Approval => "approval",
            Self::Refusal => "refusal",
            Self::Degraded => "degraded",
            Self::Healthy => "healthy",
        }
    }
}

/// One entry of the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activity {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub env: String,
    pub who: String,
    /// The version it deployed, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub detail: String,
    /// Where it was read: `trail`, `argocd`, `git`.
    pub source: &'static str,
    /// It ran and failed (a deploy that did not reach healthy).
    pub failed: bool,
    /// When the deployed version was first committed anywhere (for the lead time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_commit_at: Option<DateTime<Utc>>,
    /// Counted in the figures (one source per deployment: the others only tell the story).
    #[serde(skip)]
    pub counts: bool,
}

/// The delivery figures over a window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub env: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub deployments: usize,
    pub deployments_per_day: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_time_secs: Option<i64>,
    pub failed_changes: usize,
    /// The changes the failure rate is over: the deployments that were not rollbacks.
    pub changes: usize,
    /// `failed_changes` over the deployments that were not rollbacks; `None` with none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_failure_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_restore_secs: Option<i64>,
}

/// The figures for `env` (production) over `[from, to]`, from the counted activities.
pub fn figures(acts: &[Activity], env: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Figures {
    let mut prod: Vec<&Activity> =
        acts.iter().filter(|a| a.counts && a.env == env && a.at >= from && a.at <= to).collect();
    prod.sort_by_key(|a| a.at);
    let deploys: Vec<usize> = (0..prod.len()).filter(|&i| prod[i].kind.deploys()).collect();
    let days = ((to - from).num_seconds() as f64 / 86_400.0).max(1.0 / 24.0);
    let leads: Vec<i64> = deploys
        .iter()
        .map(|&i| prod[i])
        .filter(|a| !a.failed)
        .filter_map(|a| a.first_commit_at.map(|c| (a.at - c).num_seconds().max(0)))
        .collect();
    let (mut failed, mut changes, mut restores) = (0usize, 0usize, Vec::new());
    for &i in deploys.iter().filter(|&&i| prod[i].kind != Kind::Rollback) {
        changes += 1;
        // What follows until the next change that is not a rollback: a rollback or a degraded
        // state makes this change a failure.
        let after = prod[i + 1..].iter().take_while(|a| !(a.kind.deploys() && a.kind != Kind::Rollback));
        let signal = after.clone().find(|a| matches!(a.kind, Kind::Rollback | Kind::Degraded));
        let start = match (prod[i].failed, signal) {
            (true, _) => prod[i].at,
            (false, Some(s)) if s.kind == Kind::Degraded => s.at,
            (false, Some(_)) => prod[i].at,
            (false, None) => continue,
        };
        failed += 1;
        // Restored: healthy again, or a deploy (a rollback, or the next change) that did not fail.
        let restored = prod[i + 1..]
            .iter()
            .find(|a| a.at >= start && (a.kind == Kind::Healthy || (a.kind.deploys() && !a.failed)));
        if let Some(r) = restored {
            restores.push((r.at - start).num_seconds().max(0));
        }
    }
    Figures {
        env: env.to_string(),
        from,
        to,
        deployments: deploys.len(),
        deployments_per_day: deploys.len() as f64 / days,
        lead_time_secs: median(leads),
        failed_changes: failed,
        changes,
        change_failure_rate: (changes > 0).then(|| failed as f64 / changes as f64),
        time_to_restore_secs: median(restores),
    }
}

/// What to assemble a delivery history from: the service, its deployments (every
/// environment, every instance), the environment the figures are for and how far back.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub service: String,
    pub deployments: Vec<super::Deployment>,
    /// The environment of the figures (production: the pipeline's last).
    pub env: String,
    pub window_secs: u64,
}

/// A service's delivery history over a window: the figures, the timeline (oldest first), and
/// what could not be read (each said, the rest shown).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub service: String,
    pub figures: Figures,
    pub timeline: Vec<Activity>,
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// The figures as labelled lines, the same in the console's view and the headless text:
/// `(label, value, what it means)`.
pub fn summary(f: &Figures) -> [(&'static str, String, String); 4] {
    let opt = |s: Option<i64>| s.map_or("-".to_string(), human);
    let rate = f.change_failure_rate.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
    [
        ("deployments", format!("{} ({:.2}/day)", f.deployments, f.deployments_per_day), String::new()),
        ("lead time", opt(f.lead_time_secs), format!("median, first commit → {}", f.env)),
        ("change failures", rate, format!("{} of {} changes", f.failed_changes, f.changes)),
        ("time to restore", opt(f.time_to_restore_secs), "median".to_string()),
    ]
}

/// A window as the console and `--window` say it: "7d", "36h", "90m".
pub fn window_name(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s => format!("{}m", (s / 60).max(1)),
    }
}

/// The windows the console's view cycles through (`w`): a week, a month, a quarter.
pub const WINDOWS_SECS: [u64; 3] = [7 * 86_400, 30 * 86_400, 90 * 86_400];

/// The window after `secs` in [`WINDOWS_SECS`] (back to the first after the last, or after
/// a window of the user's own that is longer than all of them).
pub fn next_window(secs: u64) -> u64 {
    WINDOWS_SECS.iter().copied().find(|w| *w > secs).unwrap_or(WINDOWS_SECS[0])
}

/// The console's delivery view (`D`, `:delivery`): one service's history over a window, the
/// figures for one environment.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DeliveryView {
    pub service: String,
    /// The environment the figures are for.
    pub env: String,
    pub window_secs: u64,
    /// Bumped by every load asked for: an older answer drops.
    pub generation: u64,
    /// The last report stays shown (marked stale) while another loads or after a failure.
    pub report: super::Loadable<Report>,
    /// Timeline lines scrolled back from its newest end (0 = the newest in view).
    pub back: usize,
}

impl DeliveryView {
    /// A report is shown that is not the answer to what the view asks now: another window or
    /// environment is loading, or reading it again failed.
    pub fn stale(&self) -> bool {
        self.report.value().is_some() && !matches!(self.report, super::Loadable::Ready { .. })
    }
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    v.sort_unstable();
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// "3d 4h", "2h 5m", "4m 10s", "12s".
pub fn human(secs: i64) -> String {
    let d = Duration::seconds(secs.max(0));
    let (days, hours, mins, s) = (d.num_days(), d.num_hours() % 24, d.num_minutes() % 60, d.num_seconds() % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m {s}s"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "delivery_script.rs"]
pub mod script;
