//! The one Model: everything the console knows and shows. Changed only by `app::update`,
//! read by `ui`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{AppDetail, AppKey, Deployment, Failure, KubeEvent, Loadable, ResourceDiff, Run};

/// Connection to one Argo CD instance, as the header shows it.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ConnState {
    #[default]
    Connecting,
    /// Listed and watching.
    Live,
    /// The stream dropped; reconnecting (with the last error and attempt count). `since` is
    /// when it first dropped: what was shown is true up to then, and stale after.
    Reconnecting { attempt: u32, error: String, since: DateTime<Utc> },
    /// The server answers, but with errors (5xx, 429): retrying with backoff; stale since
    /// `since` as when reconnecting.
    Degraded { attempt: u32, error: String, since: DateTime<Utc> },
    /// Stopped retrying: credentials refused, or configuration wrong.
    Failed(Failure),
}

/// Who we are on an instance (`GET /api/v1/session/userinfo`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
}

/// One configured Argo CD instance.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InstanceState {
    pub name: String,
    pub url: String,
    /// Environment this instance serves, when it is one instance per environment.
    pub env: Option<String>,
    pub conn: ConnState,
    pub user: Loadable<UserInfo>,
    /// When the last list or event arrived.
    pub last_update: Option<DateTime<Utc>>,
    /// Where this instance's credential came from, never the secret ("token from vault
    /// secret/argocd/prod ✓"); the run log shows it as the instance's first entry.
    pub credential: Option<String>,
    /// Since when what this instance's cells show may no longer be true (its stream dropped
    /// or stopped); `None` while live or before anything was listed.
    pub stale_since: Option<DateTime<Utc>>,
    /// Nothing may be written to this instance (read-only mode, or its own `read_only`).
    pub read_only: Option<super::ReadOnly>,
    /// Apps the server sent that could not be read, named with why (skipped, not shown).
    pub unreadable: Vec<String>,
}

/// One row of the matrix: a service and its deployment per environment column.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServiceRow {
    // Shared, not owned: the rows are arranged from the index on every filter keystroke, and
    // a clone of a row is three reference counts, not nine allocations.
    pub service: Arc<str>,
    pub team: Option<Arc<str>>,
    /// One entry per `Model::envs` column.
    pub cells: Arc<[Option<AppKey>]>,
    /// Worst problem in the row, for problems-first sorting (0 = all well).
    pub trouble: u8,
}

/// A service in the index the rows are arranged from: its unfiltered row, and the apps of the
/// service that no cell shows (a second app claiming a cell; usually none, no allocation).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct IndexedRow {
    pub row: ServiceRow,
    pub others: Vec<AppKey>,
    /// Bit `Health as u8` set when an app of the service has that health, and `OUT_OF_SYNC`
    /// when one is out of sync: what a filter word that names a state is matched against.
    pub states: u8,
    /// The version each cell's app runs, what a sort by version compares (kept with the
    /// cells: a sort never looks 16,000 apps up).
    pub versions: Box<[Option<Box<str>>]>,
    /// The names a filter word is looked for in, lowercased in one string (the service, its
    /// apps, its teams): a keystroke reads no deployment unless the filter reads state.
    pub words: String,
}

/// How the matrix is ordered (names in natural order within each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortMode {
    #[default]
    Name,
    /// Degraded, then out-of-sync, then the rest.
    ProblemsFirst,
    /// By team.
    Team,
    /// By the version running in this environment column (natural order; none last).
    Version(usize),
}

impl SortMode {
    /// "service", "problems", "team", "version in prod".
    pub fn describe(self, envs: &[String]) -> String {
        match self {
            Self::Name => "service".into(),
            Self::ProblemsFirst => "problems first".into(),
            Self::Team => "team".into(),
            Self::Version(i) => format!("version in {}", envs.get(i).map_or("?", String::as_str)),
        }
    }
}

/// What the detail pane knows of the selected deployment.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DetailState {
    pub key: AppKey,
    /// Bumped on every new request, so stale answers are dropped.
    pub generation: u64,
    pub app: Loadable<AppDetail>,
    pub events: Loadable<Vec<KubeEvent>>,
    pub diff: Loadable<Vec<ResourceDiff>>,
    /// The live resource tree (its stream, or one-shot GETs where the server has none).
    pub tree: Loadable<super::ResourceTree>,
}

/// An editable line of text (filter, command line, typed confirmation, numbers).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LineInput {
    pub text: String,
}

/// The action dialog's own fields.
#[derive(Clone, Debug, PartialEq)]
pub enum DialogKind {
    /// Toggles: `p` prune, `d` dry run, `f` force, `a` apply only.
    Sync { prune: bool, dry_run: bool, force: bool, apply_only: bool },
    /// Pick a history entry; offers pausing auto-sync when it is on.
    Rollback { selected: usize, pause_auto_sync: bool },
    /// Replica count to set on the workload, with what it runs now and who else sets it.
    Scale {
        kind: String,
        group: String,
        name: String,
        namespace: String,
        replicas: LineInput,
        current: Option<u32>,
        state: Loadable<super::detail::WorkloadState>,
        /// Requests and limits, and the autoscaler's bounds when one owns the count.
        form: Box<super::scale_form::ScaleForm>,
    },
    /// The automated sync policy as it should be: toggles `a`, `h`, `p`.
    SyncPolicy(super::SyncPolicy),
    /// Nothing to choose: a plain confirmation of a fixed action.
    Confirm(super::Action),
    /// Promote the environment's version to the next one: the diff, then the policy.
    Promote(Box<super::promotion::PromoteDialog>),
    /// One confirmation for `action` (a sync, with its toggles, or a refresh) on each of the
    /// marked deployments.
    Bulk { action: super::Action, targets: Vec<AppKey> },
    /// Create a service: the form, then the new files as a diff, then the policy.
    NewService(Box<super::new_service::NewServiceForm>),
}

/// A modal dialog confirming an action on one deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Dialog {
    pub kind: DialogKind,
    pub target: AppKey,
    pub service: String,
    pub env: String,
    /// In protected environments the service name must be typed to confirm.
    pub require_typed: Option<String>,
    pub typed: LineInput,
    /// Why the last confirm attempt was refused.
    pub error: Option<String>,
    /// Auto-sync state when the dialog opened (rollback needs it paused).
    pub auto_sync: bool,
    /// Keys go to the typed confirmation (true) or to the dialog's options (false).
    pub typing: bool,
    /// Change ticket and reason, asked when the policy wants them for this action here.
    pub gate: GateInputs,
}

/// The policy's inputs in an action dialog: each is `Some` only when the policy asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GateInputs {
    /// The change ticket, when the policy asks for one.
    pub ticket: Option<LineInput>,
    /// The reason, when the policy asks for one (or a freeze is overridden).
    pub reason: Option<LineInput>,
    /// Which of them has the keys (options = the dialog's own keys).
    pub focus: GateFocus,
    /// Confirmed while the policy was still being read: confirmed again once it is.
    pub awaiting_policy: bool,
    /// The user overrides the active freeze (ctrl-o), with a reason.
    pub override_freeze: bool,
    /// An active freeze names this user among those who may override it.
    pub may_override: bool,
}

/// The part of an action dialog that has the keys (besides the typed name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GateFocus {
    #[default]
    Options,
    Ticket,
    Reason,
}

/// What has the keyboard.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing into the `/` filter (applied live).
    Filter,
    /// Typing a `:` command.
    Command(LineInput),
    Dialog(Box<Dialog>),
    Help {
        scroll: u16,
    },
    /// Full-screen detail of the selection.
    Detail {
        scroll: u16,
    },
    /// Full-screen diff of the selection.
    Diff {
        scroll: u16,
    },
    /// The approvals pane has the keyboard (`tab`): `j/k` select, `a` approve, `x` reject.
    Approvals,
    /// Writing the comment of an approval or a rejection.
    ApprovalComment(Box<super::approvals::CommentDraft>),
    /// The needs-attention queue, full screen (`!`).
    Attention,
    /// The selected app's deployment history, full screen (`H`).
    History,
    /// The selected app's managed resources, live and desired (`M`).
    Manifest,
    /// The selected app's pod logs, following (`L`).
    Logs,
    /// The selected service's delivery history and figures (`D`).
    Delivery,
    /// The run log, full screen, scrolled `back` lines up from the newest.
    RunLog {
        back: u16,
    },
    /// Quitting would leave something behind: each reason, then y quits and n stays.
    ConfirmQuit {
        reasons: Vec<String>,
    },
}

/// The demo's other operators: who this console is, how the others join the same estate from
/// another terminal, and who is connected now.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DemoState {
    pub me: String,
    /// What this console's user is ("developer").
    pub role: String,
    pub joins: Vec<DemoJoin>,
    /// Other operators with the estate open now.
    pub connected: Vec<String>,
}

/// How one demo operator joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoJoin {
    pub user: String,
    /// "release manager", "developer", "on-call SRE".
    pub role: String,
    /// The command line that opens a console as them.
    pub command: String,
}

/// A one-line message in the footer, cleared by the next key.
#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// Everything the console knows.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub now: DateTime<Utc>,
    pub instances: Vec<InstanceState>,
    /// Environment columns in pipeline order (configured order, then as discovered).
    pub envs: Vec<String>,
    /// Environments that require typing the service name to confirm an action.
    pub protected_envs: HashSet<String>,
    /// Hashed with foldhash (seeded per process): the rows, filters and sorts look apps up
    /// by key tens of thousands of times, and SipHash was most of a version sort's cost.
    pub deployments: HashMap<AppKey, Deployment, foldhash::fast::RandomState>,
    /// Matrix rows after filter and sort; rebuilt when deployments change.
    pub rows: Vec<ServiceRow>,
    /// Every service's row, unfiltered, in natural name order: what a filter or sort change
    /// arranges `rows` from without regrouping every deployment (kept by `app::rows`).
    pub index: Vec<IndexedRow>,
    pub selected_row: usize,
    pub selected_col: usize,
    /// First visible row of the matrix (kept by update so views stay pure).
    pub scroll: usize,
    pub filter: LineInput,
    pub sort: SortMode,
    pub mode: Mode,
    pub detail: Option<DetailState>,
    pub runs: Vec<Run>,
    /// Apps whose auto-sync we paused for a rollback: shown as pinned until resumed.
    pub pinned: HashSet<AppKey>,
    pub flash: Option<Flash>,
    pub quit: bool,
    /// Terminal size, for paging and scroll.
    pub viewport: (u16, u16),
    /// Matrix rows visible at this size (from the layout, via `Msg::Resize`).
    pub page_rows: usize,
    /// Id for the next run.
    pub next_run_id: u64,
    /// Bumped by the update function whenever a message may have changed what is shown; the
    /// runtime draws only when it moved, so a poll that finds nothing new costs no frame.
    pub view_rev: u64,
    /// The local time zone's offset from UTC, for wall-clock times (0 in tests).
    pub utc_offset_secs: i32,
    /// Counts and column widths kept by the update function, so a frame never scans every
    /// deployment. `None` in models built by hand (tests): views compute them then.
    pub stats: Option<MatrixStats>,
    /// The shared approvals ledger: pending requests, selection, where it lives.
    pub approvals: super::approvals::ApprovalsState,
    /// Promotion plans asked for so far: each dialog's generation, so a late answer to an
    /// earlier dialog is dropped.
    pub promote_plans: u64,
    /// How `:new-service` makes the Applications (`[gitops] applications`).
    pub new_service_via: super::new_service::AppsVia,
    /// Runs this console started and still follows (quitting leaves them unfollowed).
    pub in_flight: HashSet<u64>,
    /// In `flightdeck demo`: the other operators and how they join.
    pub demo: Option<DemoState>,
    /// What may need a human (kept by the update function) and the queue's selection.
    pub attention: super::attention::AttentionState,
    /// Deployments marked for a bulk action (space).
    pub marks: std::collections::BTreeSet<AppKey>,
    /// The `:` line's completions after a tab (shown when there are several).
    pub completions: Vec<String>,
    /// The history view's state (its app, selection, the manifests of its revisions).
    pub history: Option<super::manifest::HistoryView>,
    /// The manifest view's state.
    pub manifest: Option<super::manifest::ManifestView>,
    /// The pod logs view's state.
    pub logs: Option<super::logs::LogView>,
    /// The delivery view's state (`D`): the service, window, environment and its report.
    pub delivery: Option<super::delivery::DeliveryView>,
    /// `[notify]`: when and how the user is told of what happened while they looked away.
    pub notify: super::notify::NotifySettings,
    /// The whole session is read-only: no action, push or ledger record (approve, reject,
    /// withdraw) is sent; the header says so and the action keys are greyed.
    pub read_only: Option<super::ReadOnly>,
}

/// Widest version a matrix cell shows (wider ones are truncated).
pub const VERSION_CELLS_MAX: usize = 12;

/// What the header and the matrix would otherwise compute from every deployment per frame.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MatrixStats {
    /// Distinct services across all deployments (unfiltered).
    pub services: usize,
    pub degraded: usize,
    pub out_of_sync: usize,
    /// Widest service name and team among the rows shown (after the filter).
    pub service_width: usize,
    pub team_width: usize,
    /// How many deployments have a version of each width (the last slot: that wide or more),
    /// so the widest survives removals without a rescan.
    pub version_widths: [u32; VERSION_CELLS_MAX + 1],
}

impl MatrixStats {
    /// Everything from scratch: O(deployments); used on rebuilds and for hand-built models.
    pub fn of(model: &Model) -> Self {
        let mut s = Self {
            // The index has one row per service; models built by hand (tests) have none.
            services: if model.index.is_empty() {
                model.deployments.values().map(|d| d.service.as_str()).collect::<HashSet<_>>().len()
            } else {
                model.index.len()
            },
            service_width: model.rows.iter().map(|r| cell_width(&r.service)).max().unwrap_or(0),
            team_width: model.rows.iter().filter_map(|r| r.team.as_deref()).map(cell_width).max().unwrap_or(0),
            ..Default::default()
        };
        for d in model.deployments.values() {
            s.add(d);
        }
        s
    }
    /// The widths of the rows shown, after the filter changed them (the counts stay).
    pub fn measure_rows(&mut self, rows: &[ServiceRow]) {
        self.service_width = rows.iter().map(|r| cell_width(&r.service)).max().unwrap_or(0);
        self.team_width = rows.iter().filter_map(|r| r.team.as_deref()).map(cell_width).max().unwrap_or(0);
    }
    /// Count `d` in (an upsert's new state).
    pub fn add(&mut self, d: &Deployment) {
        self.degraded += usize::from(d.health == super::Health::Degraded);
        self.out_of_sync += usize::from(d.sync == super::SyncStatus::OutOfSync);
        let slot = &mut self.version_widths[cell_width(d.version_str()).min(VERSION_CELLS_MAX)];
        *slot = slot.saturating_add(1);
    }
    /// Count `d` out (an upsert's old state).
    pub fn remove(&mut self, d: &Deployment) {
        self.degraded -= usize::from(d.health == super::Health::Degraded && self.degraded > 0);
        self.out_of_sync -= usize::from(d.sync == super::SyncStatus::OutOfSync && self.out_of_sync > 0);
        let slot = &mut self.version_widths[cell_width(d.version_str()).min(VERSION_CELLS_MAX)];
        *slot = slot.saturating_sub(1);
    }
    /// Width of the widest version (0 without deployments).
    pub fn version_width(&self) -> usize {
        self.version_widths.iter().rposition(|n| *n > 0).unwrap_or(0)
    }
}

/// Terminal cells `s` takes.
fn cell_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

impl Model {
    /// The deployment under the cursor, if the cell has one.
    pub fn selected(&self) -> Option<&Deployment> {
        let row = self.rows.get(self.selected_row)?;
        let key = row.cells.get(self.selected_col)?.as_ref()?;
        self.deployments.get(key)
    }
    pub fn selected_key(&self) -> Option<&AppKey> {
        self.rows.get(self.selected_row)?.cells.get(self.selected_col)?.as_ref()
    }
    /// The user name to show: from the first instance that told us.
    pub fn username(&self) -> Option<&str> {
        self.instances.iter().find_map(|i| i.user.value().map(|u| u.username.as_str()))
    }
    /// Since when the apps of `instance` are stale (its stream is down), if they are.
    pub fn stale_since(&self, instance: usize) -> Option<DateTime<Utc>> {
        self.instances.get(instance).and_then(|i| i.stale_since)
    }
    pub fn degraded_count(&self) -> usize {
        match &self.stats {
            Some(s) => s.degraded,
            None => self.deployments.values().filter(|d| d.health == super::Health::Degraded).count(),
        }
    }
    pub fn out_of_sync_count(&self) -> usize {
        match &self.stats {
            Some(s) => s.out_of_sync,
            None => self.deployments.values().filter(|d| d.sync == super::SyncStatus::OutOfSync).count(),
        }
    }
}
