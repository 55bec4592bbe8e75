//! Policy as code: who may do which action in which environment, how many approvals from
//! whom, four-eyes, ticket and reason rules, freeze windows and emergency override.
//!
//! The policy is a `policy.toml` kept in the GitOps repository and reviewed like code. It is
//! parsed and checked here (errors carry file:line, see [`parse`]) and evaluated by the pure
//! [`decide`] and [`tally`]: no I/O, so the console's update, the headless commands and the
//! ledger all apply the same rules and give the same English explanation for every refusal.

mod checks;
mod cron;
mod decide;
mod freeze;
mod gate;
mod parse;

pub use checks::{Check, Probe, DEFAULT_CHECK_TIMEOUT};
pub use cron::Cron;
pub use decide::{decide, may_approve, tally, Decision, Tally, Vote};
pub use freeze::{Freeze, FreezeWhen};
pub use gate::{approvers, gate, requires, route, Ask};
pub use parse::{parse, EXAMPLE};

use serde::{Deserialize, Serialize};

use crate::domain::{Action, Intent};

/// The actions the policy governs. Anything else (refresh, terminate, Rollout steps) follows
/// the rules of `sync`, its closest kin: it changes the running state without changing Git.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    Sync,
    Promote,
    Rollback,
    Scale,
    Restart,
    /// A version chosen by hand (`deploy --tag`, `deploy --revision`): unlike a promotion it
    /// has not run in the previous environment, so it follows the environment's own rules
    /// unless `[env.E.deploy]` says otherwise.
    Deploy,
    /// A preview environment requested, extended or torn down by hand: governed by the rules
    /// of the environment it is copied from, unless `[env.E.preview]` says otherwise.
    Preview,
    /// A new service (`flightdeck new-service`): its files in Git and its Applications.
    Create,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        Self::Sync,
        Self::Promote,
        Self::Rollback,
        Self::Scale,
        Self::Restart,
        Self::Deploy,
        Self::Preview,
        Self::Create,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Promote => "promote",
            Self::Rollback => "rollback",
            Self::Scale => "scale",
            Self::Restart => "restart",
            Self::Deploy => "deploy",
            Self::Preview => "preview",
            Self::Create => "create",
        }
    }

    /// The governed kind of a console action. `None` for actions that change nothing in the
    /// cluster (refresh), which the policy never holds back.
    pub fn of(action: &Action) -> Option<Self> {
        match action {
            Action::Refresh { .. } => None,
            Action::Rollback { .. } => Some(Self::Rollback),
            Action::Scale { .. } => Some(Self::Scale),
            Action::Restart { .. } => Some(Self::Restart),
            Action::SyncRevision { .. } => Some(Self::Deploy),
            Action::Create(_) => Some(Self::Create),
            // A GitOps change is governed by what it does, not by the path it takes: a rollback
            // or a scale written as a commit obeys the rollback or scale rules.
            Action::Promote(p) => Some(match p.intent {
                Intent::Promote => Self::Promote,
                Intent::Deploy => Self::Deploy,
                Intent::Rollback { .. } => Self::Rollback,
                Intent::Scale { .. } => Self::Scale,
                Intent::Preview(_) => Self::Preview,
            }),
            _ => Some(Self::Sync),
        }
    }
}

impl std::fmt::Display for ActionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Someone a rule names: anyone, one user, or every member of a group (groups come from
/// Argo CD's `userinfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    Anyone,
    User(String),
    Group(String),
}

impl Principal {
    /// `*`, `user:NAME` or `group:NAME`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s == "*" {
            return Some(Self::Anyone);
        }
        let (kind, name) = s.split_once(':')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        match kind.trim() {
            "user" => Some(Self::User(name.to_string())),
            "group" => Some(Self::Group(name.to_string())),
            _ => None,
        }
    }

    pub fn matches(&self, user: &crate::domain::UserInfo) -> bool {
        match self {
            Self::Anyone => true,
            Self::User(n) => &user.username == n,
            Self::Group(g) => user.groups.iter().any(|ug| ug == g),
        }
    }
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Anyone => f.write_str("anyone"),
            Self::User(n) => write!(f, "user {n}"),
            Self::Group(g) => f.write_str(g),
        }
    }
}

/// English list of principals: "release-managers or sre or user alice".
pub fn describe(ps: &[Principal]) -> String {
    if ps.is_empty() {
        return "nobody".into();
    }
    ps.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
}

/// The rules for one action in one environment, defaults already applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// Who may request (default: anyone).
    pub requesters: Vec<Principal>,
    /// Approvals needed before the action runs (default 0).
    pub approvals: u32,
    /// Whose approvals count (default: anyone but, without `self_approve`, the requester).
    pub approvers: Vec<Principal>,
    /// Whether the requester's own approval counts (default false: four-eyes).
    pub self_approve: bool,
    pub require_ticket: bool,
    pub require_reason: bool,
    /// Whether approvals whose commit signature is not verified count (default true).
    pub count_unverified: bool,
    /// Who may run the action at once, without approvals and through a freeze, with a reason.
    pub emergency: Vec<Principal>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            requesters: vec![Principal::Anyone],
            approvals: 0,
            approvers: vec![Principal::Anyone],
            self_approve: false,
            require_ticket: false,
            require_reason: false,
            count_unverified: true,
            emergency: Vec::new(),
        }
    }
}

/// One environment's policy.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvPolicy {
    pub name: String,
    /// Rules per governed action, in [`ActionKind::ALL`] order.
    pub actions: Vec<(ActionKind, Rules)>,
    pub freezes: Vec<Freeze>,
    /// What must hold after a deploy here reached healthy before it is promoted onwards.
    pub checks: Vec<Check>,
}

impl EnvPolicy {
    pub fn rules(&self, kind: ActionKind) -> Option<&Rules> {
        self.actions.iter().find(|(k, _)| *k == kind).map(|(_, r)| r)
    }
}

/// A promotion the policy allows to skip environments of the pipeline (a hotfix lane), with
/// rules of its own: the target environment's promote rules, overridden by the lane's keys.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub name: String,
    pub from: String,
    pub to: String,
    pub rules: Rules,
}

/// How long a request waits for its approvals before it expires, when the policy says nothing.
pub const DEFAULT_REQUEST_TTL: chrono::Duration = chrono::Duration::hours(72);

/// The whole policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Environments in pipeline order (promotion goes from one to the next).
    pub environments: Vec<String>,
    pub envs: Vec<EnvPolicy>,
    /// Promotions allowed to skip environments, each with its own rules.
    pub lanes: Vec<Lane>,
    /// A request not decided within this time expires.
    pub request_ttl: chrono::Duration,
    /// True for the built-in "no policy file" policy: everything runs at once.
    pub open: bool,
    /// The teams a new service may belong to (`teams = [...]`); empty = any team.
    pub teams: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            environments: Vec::new(),
            envs: Vec::new(),
            lanes: Vec::new(),
            request_ttl: DEFAULT_REQUEST_TTL,
            open: false,
            teams: Vec::new(),
        }
    }
}

impl Policy {
    /// The policy in force when no `policy.toml` is configured: nothing is held back, and
    /// every decision says so.
    pub fn open() -> Self {
        Self { open: true, ..Self::default() }
    }

    pub fn env(&self, name: &str) -> Option<&EnvPolicy> {
        self.envs.iter().find(|e| e.name == name)
    }

    /// The environment after `env` in pipeline order.
    pub fn next_env(&self, env: &str) -> Option<&str> {
        let i = self.environments.iter().position(|e| e == env)?;
        self.environments.get(i + 1).map(String::as_str)
    }

    /// The lane that allows promoting `from` straight to `to`.
    pub fn lane(&self, from: &str, to: &str) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.from == from && l.to == to)
    }

    /// The rules that govern `req`: its lane's when it names one, else its environment's.
    pub fn rules_for(&self, req: &Request) -> Option<&Rules> {
        let kind = req.action?;
        match &req.lane {
            Some(name) if kind == ActionKind::Promote => self.lanes.iter().find(|l| &l.name == name).map(|l| &l.rules),
            _ => self.env(&req.env).and_then(|e| e.rules(kind)),
        }
    }
}

/// What someone asks to do, as the policy sees it.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Request {
    pub action: Option<ActionKind>,
    pub env: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The requester asks to override an active freeze (needs a reason and a named group).
    #[serde(default)]
    pub override_freeze: bool,
    /// The requester invokes the emergency rule (needs a reason and a named principal).
    #[serde(default)]
    pub emergency: bool,
    /// Where a promotion comes from (its target is `env`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_env: Option<String>,
    /// The policy lane a promotion that skips environments goes through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
}

impl Request {
    pub fn new(action: ActionKind, env: &str) -> Self {
        Self { action: Some(action), env: env.to_string(), ..Self::default() }
    }
}
