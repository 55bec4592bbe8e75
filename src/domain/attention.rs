//! What needs a human now, across instances, pure: which apps are worth watching (kept as an
//! index by the update function, one check per change), why each one is (degraded, an
//! operation failed or stuck and the reason Argo CD gives, a paused Rollout with its step and
//! canary weight, out of sync where it is protected, pinned), and approvals waiting on me —
//! as entries ordered by severity, then by how long they have waited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use super::approvals::PendingRequest;
use super::{AppKey, Deployment, Health, Loadable, OpPhase, SyncStatus};

/// An operation running longer than this is stuck, whatever its message.
pub const STUCK_AFTER_SECS: i64 = 5 * 60;
/// Apps explained at once (their operation's message, their Rollout): the most severe first.
pub const EXPLAIN_MAX: usize = 30;

/// A paused or progressing Argo Rollout, as its live manifest says.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RolloutStatus {
    pub name: String,
    /// `status.currentStepIndex` + 1, of `spec.strategy.canary.steps`.
    pub step: Option<u32>,
    pub steps: u32,
    /// The canary's weight at this step: the last `setWeight` at or before it.
    pub weight: Option<u32>,
    /// `status.pauseConditions[0].startTime`.
    pub paused_since: Option<DateTime<Utc>>,
}

/// What a closer look at an app says (`GET` of the app, and of its Rollout).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Explanation {
    /// `status.operationState.message` (not in the list's fields whitelist).
    pub op_message: Option<String>,
    pub rollout: Option<RolloutStatus>,
    /// The first unhealthy resource and why ("Deployment web: back-off restarting…"): the
    /// app-level health message is mostly empty (notes §6.1).
    pub unhealthy: Option<String>,
}

/// The index the update function keeps, and the view's selection.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AttentionState {
    /// Apps that may need attention (`worth_watching`), updated on every change.
    pub keys: HashSet<AppKey>,
    pub explained: HashMap<AppKey, Loadable<Explanation>>,
    pub selected: usize,
}

/// Whether an app may need a human: the cheap check run on every change.
pub fn worth_watching(d: &Deployment, protected: bool, pinned: bool) -> bool {
    matches!(d.health, Health::Degraded | Health::Missing | Health::Suspended)
        || matches!(d.operation, Some(OpPhase::Failed | OpPhase::Error | OpPhase::Running | OpPhase::Terminating))
        || (protected && d.sync == SyncStatus::OutOfSync)
        || pinned
}

/// Why an entry is in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Degraded,
    Missing,
    OpFailed,
    WaitingHook,
    WaitingPrune,
    SyncWindow,
    Retrying,
    Stuck,
    Approval,
    Paused,
    OutOfSync,
    Pinned,
}

impl Kind {
    /// Lower is more urgent.
    pub fn severity(self) -> u8 {
        match self {
            Self::Degraded | Self::Missing => 0,
            Self::OpFailed => 1,
            Self::WaitingHook | Self::WaitingPrune | Self::SyncWindow | Self::Retrying | Self::Stuck => 2,
            Self::Approval => 3,
            Self::Paused => 4,
            Self::OutOfSync => 5,
            Self::Pinned => 6,
        }
    }
    pub fn what(self) -> &'static str {
        match self {
            Self::Degraded => "degraded",
            Self::Missing => "missing",
            Self::OpFailed => "operation failed",
            Self::WaitingHook => "waiting on a hook",
            Self::WaitingPrune => "waiting: confirm prune",
            Self::SyncWindow => "blocked: sync window",
            Self::Retrying => "retrying",
            Self::Stuck => "operation stuck",
            Self::Approval => "approval for you",
            Self::Paused => "paused Rollout",
            Self::OutOfSync => "out of sync",
            Self::Pinned => "pinned",
        }
    }
}

/// Where an entry's actions go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    App(AppKey),
    /// An approval request, by id.
    Request(String),
}

/// One line of the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub subject: Subject,
    pub service: String,
    pub env: String,
    /// The reason as Argo CD (or the request) gives it.
    pub detail: String,
    /// Since when, where known.
    pub since: Option<DateTime<Utc>>,
}

/// What an operation's message says it waits on (texts of gitops-engine's sync context and
/// of API-NOTES §6.1).
pub fn waiting_on(message: &str) -> Option<Kind> {
    let m = message.to_lowercase();
    if m.contains("waiting for completion of hook") {
        Some(Kind::WaitingHook)
    } else if m.contains("pruning confirmation") {
        Some(Kind::WaitingPrune)
    } else if m.contains("sync window") {
        Some(Kind::SyncWindow)
    } else if m.starts_with("retrying attempt") {
        Some(Kind::Retrying)
    } else {
        None
    }
}

/// The most urgent reason `d` is in the queue now, with its detail and since when; `None`
/// when nothing about it needs a human (a sync still running normally).
pub fn concern(
    d: &Deployment,
    protected: bool,
    pinned: bool,
    explained: Option<&Explanation>,
    now: DateTime<Utc>,
) -> Option<(Kind, String, Option<DateTime<Utc>>)> {
    let msg = explained.and_then(|e| e.op_message.clone()).unwrap_or_default();
    let health_msg = d
        .health_message
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| explained.and_then(|e| e.unhealthy.clone()))
        .unwrap_or_default();
    match (d.health, d.operation) {
        (Health::Degraded, _) => return Some((Kind::Degraded, health_msg, None)),
        (Health::Missing, _) => return Some((Kind::Missing, health_msg, None)),
        (_, Some(OpPhase::Failed | OpPhase::Error)) => {
            let text = if msg.is_empty() { "the last operation did not succeed".to_string() } else { msg };
            return Some((Kind::OpFailed, text, d.op_finished_at));
        }
        (_, Some(OpPhase::Running | OpPhase::Terminating)) => {
            let long = d.op_started_at.is_some_and(|at| now - at > Duration::seconds(STUCK_AFTER_SECS));
            match waiting_on(&msg) {
                Some(k) => return Some((k, msg, d.op_started_at)),
                None if long => return Some((Kind::Stuck, msg, d.op_started_at)),
                None => {}
            }
        }
        _ => {}
    }
    if d.health == Health::Suspended {
        let r = explained.and_then(|e| e.rollout.as_ref());
        let text = match r {
            Some(r) => {
                let step = r.step.map(|s| format!("step {s}/{}", r.steps)).unwrap_or_else(|| "paused".into());
                let weight = r.weight.map(|w| format!(" · canary {w}%")).unwrap_or_default();
                format!("{} {step}{weight}: waiting to be promoted", r.name)
            }
            None => health_msg,
        };
        return Some((Kind::Paused, text, r.and_then(|r| r.paused_since)));
    }
    if protected && d.sync == SyncStatus::OutOfSync {
        return Some((Kind::OutOfSync, format!("{} differs from Git in a protected environment", d.version()), None));
    }
    pinned.then(|| (Kind::Pinned, "auto-sync paused by a rollback".to_string(), None))
}

/// The queue of `model` as it stands (from its index: the cost is the queue's, not the estate's).
pub fn queue(model: &super::Model) -> Vec<Entry> {
    let apps = model.attention.keys.iter().filter_map(|k| model.deployments.get(k));
    let requests = model.approvals.pending.value().map_or(&[][..], Vec::as_slice);
    entries(
        apps,
        |env| model.protected_envs.contains(env),
        |k| model.pinned.contains(k),
        &model.attention,
        requests,
        model.now,
    )
}

/// Every entry, most urgent first, then the longest waiting, then by name.
pub fn entries<'a>(
    apps: impl Iterator<Item = &'a Deployment>,
    is_protected: impl Fn(&str) -> bool,
    is_pinned: impl Fn(&AppKey) -> bool,
    state: &AttentionState,
    requests: &[PendingRequest],
    now: DateTime<Utc>,
) -> Vec<Entry> {
    let mut out: Vec<Entry> = apps
        .filter_map(|d| {
            let explained = state.explained.get(&d.key).and_then(Loadable::value);
            let (kind, detail, since) = concern(d, is_protected(&d.env), is_pinned(&d.key), explained, now)?;
            Some(Entry {
                kind,
                subject: Subject::App(d.key.clone()),
                service: d.service.clone(),
                env: d.env.clone(),
                detail,
                since,
            })
        })
        .collect();
    // Requests this user may decide (the policy refuses the others for them).
    out.extend(requests.iter().filter(|r| r.open && r.refusal.is_none()).map(|r| Entry {
        kind: Kind::Approval,
        subject: Subject::Request(r.id.clone()),
        service: r.service.clone(),
        env: r.to_env.clone(),
        detail: format!("{} · asked by {}", r.summary, r.requester),
        since: Some(r.requested_at),
    }));
    out.sort_by(|a, b| {
        let since = |e: &Entry| e.since.map_or(i64::MAX, |t| t.timestamp());
        (a.kind.severity(), since(a), &a.service, &a.env).cmp(&(b.kind.severity(), since(b), &b.service, &b.env))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    fn dep(name: &str, health: Health, op: Option<OpPhase>) -> Deployment {
        Deployment {
            key: AppKey { instance: 0, namespace: "argocd".into(), name: format!("{name}-prod") },
            service: name.into(),
            env: "prod".into(),
            health,
            sync: SyncStatus::Synced,
            operation: op,
            op_started_at: Some(t(0)),
            op_finished_at: Some(t(10)),
            ..Default::default()
        }
    }

    #[test]
    fn argo_cds_reasons_are_read_from_the_operation_message() {
        assert_eq!(waiting_on("waiting for completion of hook batch/Job/db-migrate"), Some(Kind::WaitingHook));
        assert_eq!(waiting_on("waiting for pruning confirmation of /Pod/my-pod"), Some(Kind::WaitingPrune));
        assert_eq!(waiting_on("Sync operation blocked by sync window"), Some(Kind::SyncWindow));
        assert_eq!(waiting_on("Retrying attempt #3 at 10:31:02"), Some(Kind::Retrying));
        assert_eq!(waiting_on("one or more tasks are running"), None);
    }

    #[test]
    fn a_running_sync_needs_nobody_until_it_waits_or_runs_long() {
        let d = dep("a", Health::Progressing, Some(OpPhase::Running));
        let running = Explanation { op_message: Some("one or more tasks are running".into()), ..Default::default() };
        assert_eq!(concern(&d, true, false, Some(&running), t(60)), None);
        let stuck = concern(&d, true, false, Some(&running), t(STUCK_AFTER_SECS + 1)).unwrap();
        assert_eq!(stuck.0, Kind::Stuck);
        let hook =
            Explanation { op_message: Some("waiting for completion of hook batch/Job/m".into()), ..Default::default() };
        assert_eq!(concern(&d, false, false, Some(&hook), t(60)).unwrap().0, Kind::WaitingHook);
    }

    #[test]
    fn entries_go_by_severity_then_by_how_long_they_waited() {
        let mut failed_old = dep("old", Health::Healthy, Some(OpPhase::Failed));
        failed_old.op_finished_at = Some(t(5));
        let failed_new = dep("new", Health::Healthy, Some(OpPhase::Failed));
        let degraded = dep("deg", Health::Degraded, None);
        let mut oos = dep("oos", Health::Healthy, None);
        oos.sync = SyncStatus::OutOfSync;
        let mut paused = dep("canary", Health::Suspended, None);
        paused.key.name = "canary-prod".into();
        let mut state = AttentionState::default();
        let r = RolloutStatus {
            name: "canary".into(),
            step: Some(2),
            steps: 4,
            weight: Some(20),
            paused_since: Some(t(3)),
        };
        state.explained.insert(
            paused.key.clone(),
            Loadable::Ready { value: Explanation { rollout: Some(r), ..Default::default() }, at: t(1) },
        );
        let apps = [oos, paused, failed_new, degraded, failed_old];
        let list = entries(apps.iter(), |e| e == "prod", |_| false, &state, &[], t(100));
        let order: Vec<(&str, Kind)> = list.iter().map(|e| (e.service.as_str(), e.kind)).collect();
        assert_eq!(
            order,
            [
                ("deg", Kind::Degraded),
                ("old", Kind::OpFailed),
                ("new", Kind::OpFailed),
                ("canary", Kind::Paused),
                ("oos", Kind::OutOfSync)
            ]
        );
        assert_eq!(list[3].detail, "canary step 2/4 · canary 20%: waiting to be promoted");
        assert!(!worth_watching(&dep("fine", Health::Healthy, Some(OpPhase::Succeeded)), true, false));
    }
}
