//! The approvals ledger for the console and the headless commands: open the ledger of the
//! configured GitOps remote (ref, signing), read the policy from the same repository, list
//! the pending requests tallied for one user, and append a decision — claiming the run when
//! an approval satisfies the policy, so exactly one console runs it. Every decision and claim
//! is appended to the audit log. Git runs on the blocking pool.

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::ledger::{Ledger, LedgerError, Signing, DEFAULT_REF};
use crate::audit::{self, Entry};
use crate::client::git::Git;
use crate::domain::approvals::{ApprovalSource, ApprovalVote, ClaimedRun, DecisionOutcome, PendingRequest};
use crate::domain::policy::{self, ActionKind, Policy};
use crate::domain::{Action, ErrorKind, Failure, UserInfo};
use crate::engine::RequestState;

/// Where the ledger's private repository and the audit log live; `Default` = the platform's
/// cache and data directories.
#[derive(Clone, Debug, Default)]
pub struct LedgerPaths {
    pub cache_root: Option<PathBuf>,
    pub audit_dir: Option<PathBuf>,
    /// Extra environment for the ledger's git calls: the HTTPS credential from
    /// `client::git_credentials` (empty = the user's own git setup).
    pub git_env: Vec<(String, crate::config::Secret)>,
}

impl LedgerPaths {
    fn cache_root(&self) -> Result<PathBuf, Failure> {
        match &self.cache_root {
            Some(p) => Ok(p.clone()),
            None => directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
                .map(|d| d.cache_dir().to_path_buf())
                .ok_or_else(|| Failure::new(ErrorKind::Usage, "no cache directory for the ledger (set HOME)")),
        }
    }
}

impl LedgerPaths {
    /// The same paths, with git's HTTPS credential from `auth` (read now) for the ledger's
    /// fetches and pushes, as promotions use it.
    pub async fn with_git_auth(
        mut self,
        auth: Option<&std::sync::Arc<crate::client::git::credentials::GitAuth>>,
    ) -> Result<Self, Failure> {
        self.git_env = crate::client::git::credentials::env_of(auth).await?;
        Ok(self)
    }
}

/// A ledger error as the console and the CLI show it.
pub fn ledger_failure(e: LedgerError) -> Failure {
    match e {
        LedgerError::Refused(why) => Failure::new(ErrorKind::Forbidden, why),
        LedgerError::UnknownRequest(id) => Failure::new(ErrorKind::NotFound, format!("no approval request {id}"))
            .with_hint("list them with `flightdeck approvals`"),
        other => {
            Failure::new(ErrorKind::Unavailable, other.to_string()).with_hint("check the GitOps remote is reachable")
        }
    }
}

/// Open the ledger `source` names (its remote must be resolved).
pub fn open_ledger(source: &ApprovalSource, paths: &LedgerPaths) -> Result<Ledger, Failure> {
    let remote = source.remote.as_deref().filter(|r| !r.is_empty()).ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no GitOps remote for the approvals ledger")
            .with_hint("set [gitops] remote in the config, or pass --remote URL")
    })?;
    let ref_name = if source.ledger_ref.is_empty() { DEFAULT_REF } else { source.ledger_ref.as_str() };
    let signing = source.signing.as_ref().map(|(format, key)| Signing { format: format.clone(), key: key.clone() });
    Ledger::open(Git::new().with_env(paths.git_env.clone()), remote, &paths.cache_root()?, ref_name)
        .map(|l| l.with_signing(signing))
        .map_err(ledger_failure)
}

/// The policy from the GitOps repository; the open policy (everything runs) when it has none.
pub fn load_policy(ledger: &Ledger, path: &str) -> Result<Policy, Failure> {
    let path = if path.is_empty() { "policy.toml" } else { path };
    match ledger.remote_file(path).map_err(ledger_failure)? {
        Some(text) => policy::parse(&text, Path::new(path)).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string())),
        None => {
            tracing::warn!(path, "no policy file in the GitOps repository; nothing is held back");
            Ok(Policy::open())
        }
    }
}

/// One pending request as the pane shows it, tallied for `user`.
pub fn view(s: &RequestState, policy: &Policy, user: &UserInfo) -> PendingRequest {
    let t = s.tally(policy);
    let refusal = if user.username.is_empty() {
        Some("still learning who you are from Argo CD".to_string())
    } else {
        policy::may_approve(policy, &s.body.policy, &s.requester, user).err()
    };
    PendingRequest {
        id: s.id.clone(),
        action: s.body.policy.action.map_or("action", ActionKind::name).to_string(),
        service: s.body.service.clone(),
        from_env: s.body.from_env.clone(),
        to_env: s.body.policy.env.clone(),
        summary: s.body.summary.clone(),
        requester: s.requester.clone(),
        ticket: s.body.policy.ticket.clone(),
        reason: s.body.policy.reason.clone(),
        requested_at: s.requested_at,
        approvals: s
            .approvals
            .iter()
            .map(|a| ApprovalVote {
                actor: a.actor.clone(),
                at: a.at,
                comment: a.comment.clone(),
                verified: a.verified,
            })
            .collect(),
        counted: t.counted,
        needed: t.needed,
        ignored: t.ignored,
        diff: s.body.diff.clone(),
        refusal,
    }
}

/// Pending requests of the ledger `source` names, tallied for `user`.
pub async fn load(source: ApprovalSource, user: UserInfo, paths: LedgerPaths) -> Result<Vec<PendingRequest>, Failure> {
    blocking(move || {
        let ledger = open_ledger(&source, &paths)?;
        let policy = load_policy(&ledger, &source.policy_path)?;
        let pending = ledger.pending().map_err(ledger_failure)?;
        Ok(pending.iter().map(|s| view(s, &policy, &user)).collect())
    })
    .await
}

/// The policy and the pending requests of the ledger `source` names (tallied for `user`), for
/// the console, which caches the policy to gate every action. The policy failing fails both.
pub async fn load_with_policy(
    source: ApprovalSource,
    user: UserInfo,
    paths: LedgerPaths,
) -> (Result<Policy, Failure>, Result<Vec<PendingRequest>, Failure>) {
    let both = blocking(move || {
        let ledger = open_ledger(&source, &paths)?;
        let policy = load_policy(&ledger, &source.policy_path)?;
        let pending =
            ledger.pending().map_err(ledger_failure).map(|p| p.iter().map(|s| view(s, &policy, &user)).collect());
        Ok((policy, pending))
    })
    .await;
    match both {
        Ok((policy, pending)) => (Ok(policy), pending),
        Err(f) => (Err(f.clone()), Err(f)),
    }
}

/// The action an approved request runs, rebuilt from the request's payload (promotions and
/// every other action: see [`crate::engine::payload`]); why not when it cannot be.
pub fn action_of(s: &RequestState) -> Result<Action, String> {
    crate::engine::payload::action_of(s)
}

/// Append an approval or a rejection as `user`; when an approval satisfies the policy, claim
/// the run for this caller. Each decision (and a claim) goes to the audit log.
pub async fn decide(
    source: ApprovalSource,
    user: UserInfo,
    id: String,
    approve: bool,
    comment: String,
    paths: LedgerPaths,
) -> Result<DecisionOutcome, Failure> {
    blocking(move || {
        let audit_dir = paths.audit_dir.clone();
        let result = decide_blocking(&source, &user, &id, approve, &comment, &paths);
        let event = if approve { "approval" } else { "rejection" };
        let detail = match &result {
            Ok(_) => comment.clone(),
            Err(f) => format!("refused: {}", f.message),
        };
        audit_or_warn(audit_dir.as_deref(), Entry::now(&user.username, event, &id, detail));
        if let Ok(DecisionOutcome { run: Some(run), .. }) = &result {
            let what = format!("{} {}/{}", run.action.verb(), run.service, run.env);
            audit_or_warn(audit_dir.as_deref(), Entry::now(&user.username, "execution", &id, what));
        }
        result
    })
    .await
}

fn decide_blocking(
    source: &ApprovalSource,
    user: &UserInfo,
    id: &str,
    approve: bool,
    comment: &str,
    paths: &LedgerPaths,
) -> Result<DecisionOutcome, Failure> {
    let ledger = open_ledger(source, paths)?;
    let policy = load_policy(&ledger, &source.policy_path)?;
    let now = Utc::now();
    let comment_opt = Some(comment).filter(|c| !c.trim().is_empty());
    let state = if approve {
        ledger.approve(&policy, id, user, comment_opt, now)
    } else {
        ledger.reject(&policy, id, user, comment, now)
    }
    .map_err(ledger_failure)?;
    let t = state.tally(&policy);
    let mut out =
        DecisionOutcome { counted: t.counted, needed: t.needed, run: None, claimed_elsewhere: false, note: None };
    if !approve || !t.satisfied() {
        return Ok(out);
    }
    // Satisfied: whoever claims first runs it. Check it can run before claiming, so a claim
    // never strands a request nobody will execute.
    let action = match action_of(&state) {
        Ok(a) => a,
        Err(why) => {
            out.note = Some(why);
            return Ok(out);
        }
    };
    if ledger.claim_execution(&policy, id, user, Utc::now()).map_err(ledger_failure)? {
        out.run = Some(ClaimedRun { service: state.body.service.clone(), env: state.body.policy.env.clone(), action });
    } else {
        out.claimed_elsewhere = true;
    }
    Ok(out)
}

/// Append to the audit log; a failure to record is logged and never hides the outcome.
pub fn audit_or_warn(dir: Option<&Path>, entry: Entry) {
    if let Err(e) = audit::record(dir, entry) {
        tracing::warn!(error = %e, "could not append to the audit log");
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task stopped: {e}")))?
}
