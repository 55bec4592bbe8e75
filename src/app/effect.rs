//! What the pure update asks the outside world to do. The client executor runs each
//! effect (with a timeout, newest-wins per resource) and answers with `Msg`s.

use crate::domain::{Action, AppKey, RunContext, UserInfo};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// List and then watch every app of an instance, forever, reconnecting by itself.
    WatchInstance { instance: usize },
    /// Ask an instance who we are.
    LoadUser { instance: usize },
    /// Fetch the full app and its events for the detail pane (newest wins).
    LoadDetail { key: AppKey, generation: u64 },
    /// Follow the app's live resource tree for the detail pane, answering
    /// `Msg::TreeChanged` on every change, until a newer one replaces it (newest wins).
    WatchTree { key: AppKey },
    /// Fetch managed-resources and diff live vs desired (newest wins).
    LoadDiff { key: AppKey, generation: u64 },
    /// Run an action and follow it, reporting steps as `Msg::RunStep`; record it in the
    /// trail as `user` did it, with `context` (the request it carries out, ticket, reason).
    RunAction {
        run_id: u64,
        key: AppKey,
        action: Action,
        user: UserInfo,
        context: RunContext,
        /// What the trail names: service, environment, app, instance.
        target: crate::engine::trail::Target,
    },
    /// Read the policy and the engine after `delay_ms` (0 = now), tallying each request for
    /// `user` (newest wins: a new load replaces a scheduled one).
    LoadApprovals { generation: u64, delay_ms: u64, user: UserInfo },
    /// Append an approval (`approve`) or a rejection with `comment`; when the approval
    /// satisfies the policy (still, as it is now), claim the run for this console.
    DecideApproval { id: String, approve: bool, comment: String, user: UserInfo },
    /// Withdraw one of this user's requests.
    WithdrawRequest { id: String, user: UserInfo },
    /// Check and plan the creation of a service (the new files as a diff; writes nothing).
    /// Answers `Msg::CreationPlanned`.
    PlanCreation { generation: u64, creation: Box<crate::domain::new_service::NewService> },
    /// Compute the exact diff of writing `images` into `target`'s overlay for `intent` (writes
    /// nothing); with `revision` (a GitOps rollback) the images are first read from the
    /// overlay at that commit. Answers `Msg::PromotionPlanned`.
    PlanPromotion {
        generation: u64,
        target: AppKey,
        images: Vec<String>,
        intent: crate::domain::Intent,
        revision: Option<String>,
        /// The other services of a release: planned together, one combined diff.
        also: Vec<crate::domain::release::ReleasePart>,
        /// Where what moves comes from (a promotion: each service's source deployment): the
        /// verification gate answers for them before anything is planned.
        sources: Vec<crate::domain::Deployment>,
    },
    /// File an action the policy holds for approval (a promotion or any other) on `service`
    /// as a request in the engine; answers `Msg::ApprovalRequested`.
    RequestApproval {
        run_id: u64,
        requester: UserInfo,
        request: crate::domain::policy::Request,
        service: String,
        action: Box<Action>,
    },
    /// Fetch the app's desired manifests at `revision` (a history entry's); answers
    /// `Msg::ManifestsLoaded`.
    LoadManifests { key: AppKey, revision: String },
    /// Fetch every managed resource of the app, live and desired; answers
    /// `Msg::ResourceManifestsLoaded` (newest wins).
    LoadResourceManifests { key: AppKey },
    /// Read a workload's replicas (live, in Git) and the autoscaler that owns them, for the
    /// scale dialog; answers `Msg::WorkloadLoaded`.
    LoadWorkload { key: AppKey, group: String, kind: String, name: String, namespace: String },
    /// Read the containers of `source`'s pods, then follow their logs (the last lines first),
    /// answering `Msg::LogsOpened` and `Msg::LogLines`, until replaced (newest wins) or
    /// stopped.
    FollowLogs {
        key: AppKey,
        generation: u64,
        source: crate::domain::logs::LogSource,
        container: Option<String>,
        previous: bool,
    },
    /// Stop following logs (the view closed).
    StopLogs,
    /// Assemble a service's delivery history and figures (`client::delivery::assemble`, as
    /// the headless command does); answers `Msg::DeliveryLoaded` (newest wins).
    LoadDelivery { generation: u64, query: Box<crate::domain::delivery::Query> },
    /// Look closer at an app for the needs-attention queue: its operation's message and its
    /// Rollout's step and weight; answers `Msg::AppExplained`.
    ExplainApp { key: AppKey },
    /// Retry the Conductor workflow behind run `of` (it failed) and follow it as run `run_id`.
    RetryRun { run_id: u64, of: u64 },
    /// Terminate the Conductor workflow behind run `of` (still running), as `user`.
    TerminateRun { of: u64, user: UserInfo },
    /// Keep a record in the trail (a refusal: the console ran nothing, but it happened).
    Record(Box<crate::engine::TrailEvent>),
    /// Switch the theme to a preset or a theme file (the runtime loads it; answers
    /// `Msg::ThemeChanged`).
    SetTheme { name: String },
    /// Leave the console.
    Quit,
    /// Tell the user (a bell, a desktop notification): written by the terminal layer, as
    /// `[notify]` says.
    Notify(crate::domain::notify::Notice),
    /// Give the terminal back to the shell until resumed (ctrl-z).
    Suspend,
}

impl Effect {
    /// Key under which repeats coalesce (newest wins); `None` = never coalesced.
    pub fn coalesce_key(&self) -> Option<String> {
        match self {
            // The detail pane shows one app: a newer selection makes older loads moot.
            Self::LoadDetail { .. } => Some("detail".into()),
            Self::LoadDiff { .. } => Some("diff".into()),
            Self::WatchTree { .. } => Some("tree".into()),
            Self::LoadResourceManifests { .. } => Some("resource-manifests".into()),
            Self::LoadDelivery { .. } => Some("delivery".into()),
            // One log stream at a time: another container, or closing the view, ends the last.
            Self::FollowLogs { .. } | Self::StopLogs => Some("logs".into()),
            // One ledger read at a time: a new one (now) replaces a scheduled one (later).
            Self::LoadApprovals { .. } => Some("approvals".into()),
            _ => None,
        }
    }
}
