//! What the console knows of the shared approvals ledger: where it lives, the pending
//! requests as the pane shows them (already tallied against the policy by the client layer,
//! so the update function and the views never need git or the policy file), the selection,
//! and the comment being written for an approval or a rejection.
//!
//! The comment editor keeps plain `String` lines and a cursor here, edited by the pure update
//! function; the view renders them with `ratatui-textarea`. That keeps ratatui out of the
//! domain and the app (house rule) while every keystroke stays testable without a terminal.

use chrono::{DateTime, Utc};

use super::{Action, Loadable};

/// How often the console re-reads the ledger while it is open (the ledger is in Git: a fetch).
pub const APPROVALS_RELOAD_MS: u64 = 5_000;

/// Where the policy and the approvals ledger live, when Flightdeck's governance is
/// configured (`[gitops] remote`; see `config::GitopsSettings::source`, the one rule).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ApprovalSource {
    /// The GitOps remote holding `policy_path` and the ledger ref.
    pub remote: String,
    /// Path of the policy file in that repository.
    pub policy_path: String,
    /// The ref holding the records.
    pub ledger_ref: String,
    /// git's signing: `(format, key)`, e.g. `("ssh", "~/.ssh/id_ed25519.pub")`.
    pub signing: Option<(String, String)>,
}

impl ApprovalSource {
    /// "the ledger refs/flightdeck/approvals of URL", for the header and messages.
    pub fn describe(&self) -> String {
        format!("policy {} and ledger {} of {}", self.policy_path, self.ledger_ref, self.remote)
    }
}

/// Where Flightdeck's own governance stands: a policy is opt-in (`[gitops] remote`). Without
/// one, Argo CD's RBAC decides alone; with one, nothing runs until it is read, and nothing
/// runs while it cannot be (fail closed).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum PolicyState {
    /// No Flightdeck policy configured: Argo CD RBAC only.
    #[default]
    RbacOnly,
    /// Configured, not read yet.
    Reading,
    /// The policy in force.
    Ready(crate::domain::policy::Policy),
    /// Configured but unreadable (the remote, the file, what to do): everything is refused.
    Unreadable(super::Failure),
}

impl PolicyState {
    pub fn is_configured(&self) -> bool {
        !matches!(self, Self::RbacOnly)
    }
}

/// Said once (header, doctor) when no policy is configured.
pub const RBAC_ONLY: &str = "no Flightdeck policy: Argo CD RBAC only";

/// One approval (or rejection) of a request, as the pane shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalVote {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: Option<String>,
    /// The record's commit signature verified against the repository's allowed signers.
    pub verified: bool,
}

/// A request still waiting, tallied against the policy for the user who loaded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRequest {
    pub id: String,
    /// `promote`, `sync`, `rollback`, ….
    pub action: String,
    pub service: String,
    pub from_env: Option<String>,
    pub to_env: String,
    /// "promote payment-service staging → prod (v1.3.0)".
    pub summary: String,
    pub requester: String,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub approvals: Vec<ApprovalVote>,
    /// Approvals the policy counts, and how many it needs.
    pub counted: u32,
    pub needed: u32,
    /// Why each approval that does not count does not.
    pub ignored: Vec<String>,
    /// The exact diff of what will change, as text lines (`+`, `-`, ` `, `@@`).
    pub diff: Vec<String>,
    /// Why the current user may not approve or reject it (four-eyes, not an approver);
    /// `None` when they may.
    pub refusal: Option<String>,
    /// Where it stands: `pending`, `rejected by bob`, `executed by alice`, ….
    pub status: String,
    /// Still waiting for decisions (the pane lists only these unless asked for all).
    pub open: bool,
    /// The policy lane a promotion that skips environments goes through.
    pub lane: Option<String>,
}

impl PendingRequest {
    /// "staging → prod", or just "prod".
    pub fn route(&self) -> String {
        match &self.from_env {
            Some(from) => format!("{from} → {}", self.to_env),
            None => self.to_env.clone(),
        }
    }
}

/// A multi-line text being typed: lines and a cursor (row, column in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEditor {
    pub lines: Vec<String>,
    pub row: usize,
    pub col: usize,
}

impl Default for TextEditor {
    fn default() -> Self {
        Self { lines: vec![String::new()], row: 0, col: 0 }
    }
}

impl TextEditor {
    /// The whole text, lines joined with `\n`, trimmed at the ends.
    pub fn text(&self) -> String {
        self.lines.join("\n").trim().to_string()
    }
}

/// The comment dialog of an approval or a rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentDraft {
    pub id: String,
    /// Approve (true) or reject (false).
    pub approve: bool,
    /// The request's summary, for the dialog's title.
    pub summary: String,
    pub editor: TextEditor,
    /// Why the last submit was refused (a rejection without a comment).
    pub error: Option<String>,
}

/// A request this user filed, as the engine last reported it: the console compares one
/// report with the next and tells the requester what changed (approved, ran, failed, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MyRequest {
    pub id: String,
    pub summary: String,
    /// One line per thing that happened to it, oldest first ("approved by alice: lgtm").
    pub events: Vec<String>,
    /// Whether it is settled (ran, failed, rejected, withdrawn, expired, refused).
    pub closed: bool,
}

/// What one read of the engine returns to the console.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EngineView {
    /// Requests waiting (and, for the requester, their own), tallied for the user.
    pub requests: Vec<PendingRequest>,
    /// This user's own requests, with what happened to each.
    pub mine: Vec<MyRequest>,
}

/// The approvals side of the model.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ApprovalsState {
    /// Where requests and the policy live ("the ledger refs/flightdeck/approvals of URL");
    /// `None` = no Flightdeck governance configured (Argo CD RBAC only; nothing is loaded).
    pub engine: Option<String>,
    pub pending: Loadable<Vec<PendingRequest>>,
    /// This user's own requests as last reported (to tell them what changed).
    pub mine: Vec<MyRequest>,
    /// Bumped on every load asked for, so stale answers are dropped.
    pub generation: u64,
    /// A load is scheduled or running (so a second one is not started).
    pub scheduled: bool,
    pub selected: usize,
    /// First line shown of the selected request in the approvals view (diffs run long).
    pub scroll: u16,
    /// A decision is being written to the ledger (its request id).
    pub deciding: Option<String>,
    /// The policy every action the console runs is gated by (`app::gate`), read with each
    /// load of the engine. A failed latest read gates closed.
    pub policy: PolicyState,
}

impl ApprovalsState {
    /// The selected pending request.
    pub fn selected_request(&self) -> Option<&PendingRequest> {
        self.pending.value().and_then(|p| p.get(self.selected))
    }
    /// Pending requests shown (0 while nothing loaded).
    pub fn count(&self) -> usize {
        self.pending.value().map_or(0, Vec::len)
    }
}

/// What an approval changed, as the client reports it back.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionOutcome {
    pub counted: u32,
    pub needed: u32,
    /// This console claimed the run of the now-satisfied request: run this action.
    pub run: Option<ClaimedRun>,
    /// The request was satisfied but another console claimed its run first.
    pub claimed_elsewhere: bool,
    /// Anything else worth saying (a satisfied request this console cannot run).
    pub note: Option<String>,
}

/// An approved request this console won the right to run.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedRun {
    pub service: String,
    pub env: String,
    pub action: Action,
    /// The request, its ticket and reason: the run's trail record and outcome name them.
    pub context: super::run::RunContext,
}
