//! The compact in-memory estate: services shared by all instances and one `App` per service per
//! environment. Everything the wire shows is derived from these structs on demand (render.rs), so
//! 150k apps stay in a few hundred MB at most.

use std::borrow::Cow;
use std::collections::VecDeque;

/// Semantic version of the image a deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ver(pub u16, pub u16, pub u16);

impl Ver {
    pub fn tag(self) -> String {
        format!("v{}.{}.{}", self.0, self.1, self.2)
    }
    pub fn bump(self, minor: bool) -> Ver {
        if minor {
            Ver(self.0, self.1 + 1, 0)
        } else {
            Ver(self.0, self.1, self.2 + 1)
        }
    }
    /// An older version, for generated history.
    pub fn older(self, step: u16) -> Ver {
        if self.2 >= step {
            Ver(self.0, self.1, self.2 - step)
        } else if self.1 > 0 {
            Ver(self.0, self.1 - 1, 9 + self.2.saturating_sub(step))
        } else {
            Ver(self.0.saturating_sub(1), 9, 9)
        }
    }
}

/// One service; shared by all environments.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The owning team, also the Argo CD project (created services bring their own).
    pub team: Cow<'static, str>,
    /// Workload is an Argo Rollout (group argoproj.io) instead of a Deployment.
    pub rollout: bool,
    pub salt: u64,
    /// An HPA or a KEDA ScaledObject owns the workload's replicas (`autoscale.rs`).
    pub scaler: Option<crate::autoscale::Scaler>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Progressing,
    Degraded,
    Suspended,
    Missing,
    Unknown,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "Healthy",
            Health::Progressing => "Progressing",
            Health::Degraded => "Degraded",
            Health::Suspended => "Suspended",
            Health::Missing => "Missing",
            Health::Unknown => "Unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Health> {
        Some(match s {
            "Healthy" => Health::Healthy,
            "Progressing" => Health::Progressing,
            "Degraded" => Health::Degraded,
            "Suspended" => Health::Suspended,
            "Missing" => Health::Missing,
            "Unknown" => Health::Unknown,
            _ => return None,
        })
    }
}

/// Who started an operation or a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    Automated,
    User(Cow<'static, str>),
}

/// One `status.history[]` entry.
#[derive(Debug, Clone)]
pub struct Hist {
    pub id: u32,
    pub rev: u64,
    pub ver: Ver,
    pub started_ms: i64,
    pub deployed_ms: i64,
    pub initiator: Initiator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    Terminating,
    Succeeded,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "Running",
            Phase::Terminating => "Terminating",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
        }
    }
    pub fn in_flight(self) -> bool {
        matches!(self, Phase::Running | Phase::Terminating)
    }
}

/// A resource named in a partial sync request (`resources[]`).
#[derive(Debug, Clone)]
pub struct SyncResource {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// What a sync request asks for, after validation; an operation keeps it as it was started.
#[derive(Debug, Clone)]
pub struct SyncParams {
    pub rev: u64,
    /// The image version the operation deploys when it succeeds.
    pub ver: Ver,
    pub initiator: Initiator,
    pub dry_run: bool,
    pub prune: bool,
    /// `syncStrategy.apply` (rollbacks) instead of `hook`.
    pub apply_strategy: bool,
    pub force: bool,
    pub sync_options: Vec<String>,
    pub resources: Option<Vec<SyncResource>>,
    /// Set for rollbacks (event text differs).
    pub rollback_id: Option<u32>,
}

/// The last (or current) operation: rendered as top-level `operation` while in flight and as
/// `status.operationState` always.
#[derive(Debug, Clone)]
pub struct OpState {
    pub id: u64,
    /// The request the operation runs.
    pub params: SyncParams,
    pub phase: Phase,
    pub message: String,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
}

/// Argo Rollout state (only for rollout services), mirroring the upstream fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutPhase {
    /// Fully promoted: `currentPodHash == stableRS`.
    Healthy,
    /// Mid-update, not paused.
    Progressing,
    /// Paused with a pause condition (canary pause step).
    Paused,
    Aborted,
}

/// One Kubernetes event about the Application (kept per app, newest last).
#[derive(Debug, Clone)]
pub struct AppEvent {
    pub seq: u64,
    pub reason: &'static str,
    pub message: String,
    pub warning: bool,
    pub at_ms: i64,
    pub component: &'static str,
}

pub const EVENTS_KEPT: usize = 20;

/// One Application (one service in one environment).
#[derive(Debug, Clone)]
pub struct App {
    pub svc: u32,
    pub name: String,
    pub uid_seed: u64,
    /// Per-instance resourceVersion of the last change.
    pub rv: u64,
    pub generation: u32,
    pub created_ms: i64,
    pub auto_sync: bool,
    /// `automated.selfHeal` and `automated.prune` (meaningful while auto-sync is on).
    pub self_heal: bool,
    pub auto_prune: bool,
    pub health: Health,
    pub health_since_ms: i64,
    /// Message on the workload resource (why it is Degraded / Progressing).
    pub health_msg: Option<String>,
    /// Bumped on every health change so stale timers are ignored.
    pub health_token: u32,
    /// Git head of `targetRevision` and the version it wants.
    pub head_rev: u64,
    pub head_ver: Ver,
    /// What actually runs.
    pub live_ver: Ver,
    pub replicas: u16,
    pub live_replicas: u16,
    /// The autoscaler's (min, max) as the overlay says, when one owns the replicas.
    pub bounds: Option<(u16, u16)>,
    /// Container `app`'s `resources` as Git says and as runs (`sizing.rs`); `None`: unset.
    pub resources: Option<Box<serde_json::Value>>,
    pub live_resources: Option<Box<serde_json::Value>>,
    pub paused: bool,
    pub restarted_ms: Option<i64>,
    pub rollout: RolloutPhase,
    pub history: Vec<Hist>,
    pub op: Option<OpState>,
    pub reconciled_ms: i64,
    pub fail_next_sync: Option<String>,
    /// An auto-sync timer is pending (avoid stacking them).
    pub autosync_due: bool,
    pub conditions: Vec<(&'static str, String, i64)>,
    pub events: VecDeque<AppEvent>,
    /// Where the app came from and what it overrides of the estate's shape (`lifecycle`).
    pub origin: Origin,
}

/// How an app came to be: generated with the estate, or created (through the API or an
/// app-of-apps manifest in Git), with what its manifest said that the estate derives otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The `app.kubernetes.io/environment` label when it differs from the instance's
    /// (e.g. a preview environment on the dev instance); `None` = the instance's.
    pub env_label: Option<String>,
    /// `spec.source.path` when created; `None` = `apps/{service}/overlays/{env}`.
    pub path: Option<String>,
    /// `spec.destination.namespace` when created; `None` = the service's name.
    pub namespace: Option<String>,
    /// Created from a manifest under the repository's app-of-apps directory: removing the
    /// file prunes it.
    pub from_git: bool,
    /// Deleted: a tombstone (timers hold indices into `apps`), invisible to every reader.
    pub deleted: bool,
}

impl App {
    /// Sync status is derived: git wants `head_ver` at `replicas`; the cluster runs the rest.
    pub fn out_of_sync(&self) -> bool {
        self.live_ver != self.head_ver || self.live_replicas != self.replicas || self.live_resources != self.resources
    }
    pub fn sync_str(&self) -> &'static str {
        if self.out_of_sync() {
            "OutOfSync"
        } else {
            "Synced"
        }
    }
    pub fn op_in_flight(&self) -> bool {
        self.op.as_ref().is_some_and(|o| o.phase.in_flight())
    }
    pub fn push_event(&mut self, ev: AppEvent) {
        if self.events.len() >= EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(ev);
    }
}
