//! The embedded engine: requests, decisions and runs on the ledger ref of the GitOps remote
//! (`refs/flightdeck/approvals`), the team's shared audit trail on a ref beside it
//! (`refs/flightdeck/trail`), and the policy file read from the remote's default branch. Git
//! is synchronous (child processes), so every call runs on the blocking pool.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::ledger::{Ledger, LedgerError, Signing, DEFAULT_REF};
use crate::client::git::credentials::GitAuth;
use crate::client::git::Git;
use crate::domain::approvals::ApprovalSource;
use crate::domain::policy::{self, Policy};
use crate::domain::{ErrorKind, Failure, UserInfo};
use crate::engine::{Engine, RequestBody, RequestState, TrailEvent};

/// Where the trail's records live next to the ledger.
pub const TRAIL_REF: &str = "refs/flightdeck/trail";

/// Where the ledger's private repository and the audit log live; `Default` = the platform's
/// cache and data directories.
#[derive(Clone, Debug, Default)]
pub struct LedgerPaths {
    pub cache_root: Option<PathBuf>,
    pub audit_dir: Option<PathBuf>,
    /// Extra environment for the ledger's git calls: the HTTPS credential from
    /// `client::git::credentials` (empty = the user's own git setup).
    pub git_env: Vec<(String, crate::config::Secret)>,
    /// Whether records may be pushed (read-only mode refuses them, `client::writes`).
    pub writes: crate::client::Writes,
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
        LedgerError::Git(crate::client::git::process::GitError::ReadOnly(f)) => f,
        LedgerError::Refused(why) => Failure::new(ErrorKind::Forbidden, why),
        e @ LedgerError::Closed { .. } => Failure::new(ErrorKind::Forbidden, e.to_string()),
        LedgerError::UnknownRequest(id) => Failure::new(ErrorKind::NotFound, format!("no approval request {id}"))
            .with_hint("list them with `flightdeck approvals --all`"),
        other => {
            Failure::new(ErrorKind::Unavailable, other.to_string()).with_hint("check the GitOps remote is reachable")
        }
    }
}

/// Open the ledger (or, with `trail`, the shared trail) of `source`.
pub fn open_ledger(source: &ApprovalSource, paths: &LedgerPaths) -> Result<Ledger, Failure> {
    open_ref(source, paths, if source.ledger_ref.is_empty() { DEFAULT_REF } else { &source.ledger_ref })
}

fn open_ref(source: &ApprovalSource, paths: &LedgerPaths, ref_name: &str) -> Result<Ledger, Failure> {
    let signing = source.signing.as_ref().map(|(format, key)| Signing { format: format.clone(), key: key.clone() });
    let git = Git::new().with_env(paths.git_env.clone()).with_writes(paths.writes.clone());
    Ledger::open(git, &source.remote, &paths.cache_root()?, ref_name)
        .map(|l| l.with_signing(signing))
        .map_err(ledger_failure)
}

/// The policy from the GitOps repository; the open policy (everything runs) when the
/// repository has no policy file. A repository that cannot be read is an error naming the
/// remote, the file and what to do: the caller fails closed.
pub fn load_policy(ledger: &Ledger, path: &str) -> Result<Policy, Failure> {
    let path = if path.is_empty() { "policy.toml" } else { path };
    let text = ledger.remote_file(path).map_err(|e| {
        Failure::new(ErrorKind::Unavailable, format!("cannot read {path} from {}: {e}", ledger.remote()))
            .with_hint("check [gitops] remote and your git credential (`flightdeck doctor`), or remove [gitops] remote to let Argo CD's RBAC decide alone")
    })?;
    match text {
        Some(text) => policy::parse(&text, Path::new(path)).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string())),
        None => {
            tracing::warn!(path, "no policy file in the GitOps repository; nothing is held back");
            Ok(Policy::open())
        }
    }
}

/// The embedded engine of one GitOps remote.
#[derive(Clone)]
pub struct EmbeddedEngine {
    source: ApprovalSource,
    paths: LedgerPaths,
    /// git's HTTPS credential, read (from Vault) for each operation.
    git_auth: Option<Arc<GitAuth>>,
}

impl EmbeddedEngine {
    pub fn new(source: ApprovalSource, paths: LedgerPaths, git_auth: Option<Arc<GitAuth>>) -> Self {
        Self { source, paths, git_auth }
    }

    async fn paths(&self) -> Result<LedgerPaths, Failure> {
        self.paths.clone().with_git_auth(self.git_auth.as_ref()).await
    }

    /// The policy file of the same remote.
    pub async fn policy(&self) -> Result<Policy, Failure> {
        let (source, paths) = (self.source.clone(), self.paths().await?);
        blocking(move || load_policy(&open_ledger(&source, &paths)?, &source.policy_path)).await
    }

    /// Run `f` on the ledger, off the async threads.
    async fn with_ledger<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, Failure> {
        let (source, paths) = (self.source.clone(), self.paths().await?);
        blocking(move || f(&open_ledger(&source, &paths)?).map_err(ledger_failure)).await
    }

    async fn with_trail<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Ledger) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, Failure> {
        let (source, paths) = (self.source.clone(), self.paths().await?);
        blocking(move || f(&open_ref(&source, &paths, TRAIL_REF)?).map_err(ledger_failure)).await
    }
}

#[async_trait::async_trait]
impl Engine for EmbeddedEngine {
    fn describe(&self) -> String {
        self.source.describe()
    }

    async fn requests(&self) -> Result<Vec<RequestState>, Failure> {
        self.with_ledger(|l| l.states()).await
    }

    async fn file(&self, who: &UserInfo, body: RequestBody, at: DateTime<Utc>) -> Result<RequestState, Failure> {
        let who = who.clone();
        self.with_ledger(move |l| l.request(&who, body, at)).await
    }

    async fn approve(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        let (p, id, who, c) = (policy.clone(), id.to_string(), who.clone(), comment.map(str::to_string));
        self.with_ledger(move |l| l.approve(&p, &id, &who, c.as_deref(), at)).await
    }

    async fn reject(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: &str,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        let (p, id, who, c) = (policy.clone(), id.to_string(), who.clone(), comment.to_string());
        self.with_ledger(move |l| l.reject(&p, &id, &who, &c, at)).await
    }

    async fn withdraw(&self, id: &str, who: &UserInfo, at: DateTime<Utc>) -> Result<RequestState, Failure> {
        let (id, who) = (id.to_string(), who.clone());
        self.with_ledger(move |l| l.cancel(&id, &who, at)).await
    }

    async fn expire(
        &self,
        id: &str,
        who: &UserInfo,
        ttl: chrono::Duration,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        let (id, who) = (id.to_string(), who.clone());
        self.with_ledger(move |l| l.expire(&id, &who, ttl, at)).await
    }

    async fn claim(&self, policy: &Policy, id: &str, who: &UserInfo, at: DateTime<Utc>) -> Result<bool, Failure> {
        let (p, id, who) = (policy.clone(), id.to_string(), who.clone());
        self.with_ledger(move |l| l.claim_execution(&p, &id, &who, at)).await
    }

    async fn refuse(&self, id: &str, who: &UserInfo, reason: &str, at: DateTime<Utc>) -> Result<RequestState, Failure> {
        let (id, who, reason) = (id.to_string(), who.clone(), reason.to_string());
        self.with_ledger(move |l| l.refuse(&id, &who, &reason, at)).await
    }

    async fn finish(&self, id: &str, who: &UserInfo, outcome: &str, at: DateTime<Utc>) -> Result<(), Failure> {
        let (id, who, outcome) = (id.to_string(), who.clone(), outcome.to_string());
        self.with_ledger(move |l| l.finish(&id, &who, &outcome, at)).await
    }

    async fn record(&self, event: &TrailEvent) -> Result<String, Failure> {
        let event = event.clone();
        let who = UserInfo { username: event.actor.clone(), groups: event.groups.clone() };
        self.with_trail(move |l| l.append_trail(&who, &event)).await
    }

    async fn trail(&self) -> Result<Vec<TrailEvent>, Failure> {
        self.with_trail(|l| l.trail()).await
    }

    async fn anchored(&self, anchor: &str) -> Result<bool, Failure> {
        let anchor = anchor.to_string();
        self.with_trail(move |l| l.contains(&anchor)).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task stopped: {e}")))?
}
