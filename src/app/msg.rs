//! Everything that can happen to the console: key presses, ticks, and results from the
//! client layer. Every variant is something that *happened*, never a request.

use chrono::{DateTime, Utc};

use super::Key;
use crate::domain::{
    AppDetail, AppKey, ConnState, Deployment, Failure, KubeEvent, ResourceDiff, ResourceTree, RunOutcome, StepStatus,
    UserInfo,
};

/// One change from an instance's watch stream.
#[derive(Clone, Debug, PartialEq)]
pub enum WatchChange {
    /// ADDED or MODIFIED.
    Upsert(Box<Deployment>),
    /// DELETED.
    Deleted(AppKey),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A key was pressed.
    Key(Key),
    /// The terminal was resized; `page_rows` matrix rows are now visible.
    Resize { width: u16, height: u16, page_rows: usize },
    /// The clock moved on (sent only while something animates or is due).
    Tick(DateTime<Utc>),
    /// An instance was (re-)listed: its whole set of apps replaces what we had.
    AppsListed { instance: usize, apps: Vec<Deployment>, at: DateTime<Utc> },
    /// Changes arrived from an instance's watch stream (a burst, in order).
    AppsChanged { instance: usize, changes: Vec<WatchChange>, at: DateTime<Utc> },
    /// Apps of an instance that could not be read (a list item or a watch event with wrong
    /// types), each named with why: skipped, the others shown. Empty when a list read all.
    AppsUnreadable { instance: usize, items: Vec<String>, at: DateTime<Utc> },
    /// An instance's connection state changed.
    ConnectionChanged { instance: usize, state: ConnState },
    /// Who we are on an instance.
    UserLoaded { instance: usize, result: Result<UserInfo, Failure>, at: DateTime<Utc> },
    /// The full app for the detail pane arrived.
    DetailLoaded { key: AppKey, generation: u64, result: Result<AppDetail, Failure>, at: DateTime<Utc> },
    /// The selected app's resource tree arrived or changed (its stream, or a GET where the
    /// server has none), or following it failed.
    TreeChanged { key: AppKey, result: Result<ResourceTree, Failure>, at: DateTime<Utc> },
    /// The app's events arrived.
    EventsLoaded { key: AppKey, generation: u64, result: Result<Vec<KubeEvent>, Failure>, at: DateTime<Utc> },
    /// The live-vs-desired diff arrived.
    DiffLoaded { key: AppKey, generation: u64, result: Result<Vec<ResourceDiff>, Failure>, at: DateTime<Utc> },
    /// A step of a run started, finished or failed.
    RunStep { run_id: u64, label: String, status: StepStatus, at: DateTime<Utc> },
    /// A run ended.
    RunFinished { run_id: u64, outcome: RunOutcome, at: DateTime<Utc> },
    /// An instance's credential was obtained again (Argo CD answered 401 and the secret was
    /// read again): where it came from and whether that worked, never the secret.
    CredentialChanged { instance: usize, source: String },
    /// The terminal came back from a suspend (ctrl-z); everything must be redrawn.
    Resumed,
    /// A promotion's plan arrived (the exact diff and the policy), or why there is none.
    PromotionPlanned {
        generation: u64,
        result: Result<Box<crate::domain::promotion::PromotionPlan>, Failure>,
        at: DateTime<Utc>,
    },
    /// A creation's plan arrived (the new files as a diff), or why there is none.
    CreationPlanned { generation: u64, result: Result<Vec<crate::domain::DiffLine>, Failure>, at: DateTime<Utc> },
    /// A promotion's approval request was filed in the ledger (its id), or could not be.
    ApprovalRequested { run_id: u64, result: Result<String, Failure>, at: DateTime<Utc> },
    /// The engine was read: the pending requests tallied for the current user, and their own.
    ApprovalsLoaded {
        generation: u64,
        result: Result<crate::domain::approvals::EngineView, Failure>,
        at: DateTime<Utc>,
    },
    /// The policy was read with an engine load (same generation): in force, or unreadable.
    PolicyLoaded { generation: u64, state: Box<crate::domain::approvals::PolicyState>, at: DateTime<Utc> },
    /// An approval (`approve`) or a rejection was written to the ledger, or refused.
    ApprovalDecided {
        id: String,
        approve: bool,
        result: Result<crate::domain::approvals::DecisionOutcome, Failure>,
        at: DateTime<Utc>,
    },
    /// A request was withdrawn, or could not be.
    RequestWithdrawn { id: String, result: Result<(), Failure>, at: DateTime<Utc> },
    /// An app's desired manifests at a revision arrived, or could not be read.
    ManifestsLoaded {
        key: AppKey,
        revision: String,
        result: Result<crate::domain::manifest::Manifests, Failure>,
        at: DateTime<Utc>,
    },
    /// An app's managed resources, live and desired, arrived.
    ResourceManifestsLoaded {
        key: AppKey,
        result: Result<Vec<crate::domain::manifest::ResourceManifest>, Failure>,
        at: DateTime<Utc>,
    },
    /// A workload's replicas and autoscaler arrived for the scale dialog.
    WorkloadLoaded { key: AppKey, result: Result<crate::domain::detail::WorkloadState, Failure>, at: DateTime<Utc> },
    /// A log stream opened: the containers its pods have (empty when unknown).
    LogsOpened { generation: u64, containers: Vec<String> },
    /// Lines arrived on the log stream.
    LogLines { generation: u64, lines: Vec<crate::domain::logs::LogLine> },
    /// The log stream ended (not following), or failed.
    LogsEnded { generation: u64, result: Result<(), Failure> },
    /// A closer look at an app for the needs-attention queue arrived, or failed.
    AppExplained { key: AppKey, result: Result<crate::domain::attention::Explanation, Failure>, at: DateTime<Utc> },
    /// A service's delivery history arrived for the delivery view, or could not be read.
    DeliveryLoaded { generation: u64, result: Result<Box<crate::domain::delivery::Report>, Failure>, at: DateTime<Utc> },
    /// The theme was switched, or could not be (why).
    ThemeChanged { name: String, error: Option<String> },
    /// In the demo: the operators with the estate open now (this console's user among them).
    OperatorsConnected { users: Vec<String> },
}
