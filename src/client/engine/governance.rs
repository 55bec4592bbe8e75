//! The one governance path the console's executor and every headless command call: the
//! policy state, reading the engine (with the sweep of expired requests), filing a held
//! action, deciding (with the claim of a satisfied request, checked against the policy and
//! its freezes once more before it runs), withdrawing, recording how a run ended, and the
//! trail — every action, decision and refusal recorded once, in one shape, in the local log
//! and, where governance is configured, in the engine's shared store.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;

use super::conductor::ConductorEngine;
use super::embedded::{EmbeddedEngine, LedgerPaths};
use crate::domain::approvals::{ApprovalSource, ClaimedRun, DecisionOutcome, EngineView, PolicyState};
use crate::domain::policy::{self, Decision, Policy, Request};
use crate::domain::{Action, ErrorKind, Failure, RunContext, UserInfo};
use crate::engine::trail::{RequestRef, TrailEvent};
use crate::engine::{view, Engine, RequestBody, RequestState};

#[path = "governance_runs.rs"]
mod runs;

/// Where this machine anchors the last position it wrote in the shared trail.
pub const ANCHOR_FILE: &str = "shared.anchor";

/// Governance for one session: no engine = Argo CD RBAC only.
#[derive(Clone)]
pub struct Governance {
    engine: Option<Arc<dyn Engine>>,
    /// The policy file's location (Git), whatever the engine.
    policy: Option<EmbeddedEngine>,
    audit_dir: Option<PathBuf>,
    /// The Conductor engine, when it is the engine: actions run as its workflows.
    conductor: Option<ConductorEngine>,
    /// Whether records may reach the engine: checked before every write (`client::writes`),
    /// whatever the engine (the embedded ledger, Conductor).
    writes: crate::client::Writes,
}

impl Governance {
    /// Governance as configured: `source` from `config::GitopsSettings::source` (the one
    /// rule), `None` for Argo CD RBAC only.
    pub fn new(
        source: Option<ApprovalSource>,
        paths: LedgerPaths,
        git_auth: Option<Arc<crate::client::git::credentials::GitAuth>>,
    ) -> Self {
        let audit_dir = paths.audit_dir.clone();
        let writes = paths.writes.clone();
        match source {
            None => Self { engine: None, policy: None, audit_dir, conductor: None, writes },
            Some(s) => {
                let embedded = EmbeddedEngine::new(s, paths, git_auth);
                let engine: Option<Arc<dyn Engine>> = Some(Arc::new(embedded.clone()));
                Self { engine, policy: Some(embedded), audit_dir, conductor: None, writes }
            }
        }
    }

    /// The same governance with Conductor as the engine: requests, decisions and runs live
    /// there; the policy (and the shared trail) stay in Git where a remote is configured.
    pub fn with_conductor(mut self, engine: ConductorEngine) -> Self {
        self.engine = Some(Arc::new(engine.clone()));
        self.conductor = Some(engine);
        self
    }

    /// The Conductor engine, when actions run as its workflows.
    pub fn conductor(&self) -> Option<&ConductorEngine> {
        self.conductor.as_ref()
    }

    /// The embedded engine of the policy's remote (the policy file and the shared trail).
    pub fn git_store(&self) -> Option<&EmbeddedEngine> {
        self.policy.as_ref()
    }

    /// Whether `what` may be written to the engine now (read-only mode refuses): for callers
    /// that refuse before they even look things up. The writes themselves check again.
    pub fn writable(&self, what: &str) -> Result<(), Failure> {
        self.writes.check(what)
    }

    /// Where requests and the policy live, `None` = Argo CD RBAC only.
    pub fn describe(&self) -> Option<String> {
        self.engine.as_ref().map(|e| e.describe())
    }

    fn engine(&self) -> Result<&Arc<dyn Engine>, Failure> {
        self.engine.as_ref().ok_or_else(|| {
            Failure::new(
                ErrorKind::Usage,
                "no Flightdeck governance configured: there are no requests (Argo CD RBAC only)",
            )
            .with_hint("set [gitops] remote in the config (or pass --remote URL) to use a policy and approvals")
        })
    }

    /// The policy in force now.
    pub async fn policy_state(&self) -> PolicyState {
        match &self.policy {
            None => PolicyState::RbacOnly,
            Some(p) => match p.policy().await {
                Ok(policy) => PolicyState::Ready(policy),
                Err(f) => PolicyState::Unreadable(f),
            },
        }
    }

    /// The policy, and the engine's requests as `user` sees them. Expired requests are
    /// closed on the way (by whoever looks first; the engine records it once).
    pub async fn load(&self, user: &UserInfo) -> (PolicyState, Result<EngineView, Failure>) {
        let state = self.policy_state().await;
        let policy = match &state {
            PolicyState::Ready(p) => p.clone(),
            PolicyState::Unreadable(f) => return (state.clone(), Err(f.clone())),
            _ => return (state, Ok(EngineView::default())),
        };
        let states = match self.requests_swept(&policy, user).await {
            Ok(s) => s,
            Err(f) => return (PolicyState::Unreadable(f.clone()), Err(f)),
        };
        let requests = states.iter().filter(|s| s.is_pending()).map(|s| view::pending(s, &policy, user)).collect();
        (state, Ok(EngineView { requests, mine: view::mine(&states, user) }))
    }

    /// Every request (for `flightdeck approvals --all`), swept, with the policy.
    pub async fn all(&self, user: &UserInfo) -> Result<(Policy, Vec<RequestState>), Failure> {
        let policy = match self.policy_state().await {
            PolicyState::Ready(p) => p,
            PolicyState::Unreadable(f) => return Err(f),
            _ => Policy::open(),
        };
        let states = self.requests_swept(&policy, user).await?;
        Ok((policy, states))
    }

    async fn requests_swept(&self, policy: &Policy, user: &UserInfo) -> Result<Vec<RequestState>, Failure> {
        let engine = self.engine()?;
        let mut states = engine.requests().await?;
        // Closing expired requests is a write: a read-only session only looks.
        if user.username.is_empty() || self.writes.read_only().is_some() {
            return Ok(states);
        }
        let now = Utc::now();
        for s in states.iter_mut().filter(|s| s.is_pending() && now - s.requested_at >= policy.request_ttl) {
            match engine.expire(&s.id, user, policy.request_ttl, now).await {
                Ok(after) => {
                    let note = format!("expired after {}h without a decision", policy.request_ttl.num_hours());
                    self.record(TrailEvent::decision(now, user, "expiry", &RequestRef::of(&after), note)).await;
                    *s = after;
                }
                // Someone else closed it first: their record stands.
                Err(f) => tracing::debug!(id = %s.id, error = %f.message, "expiry not recorded"),
            }
        }
        Ok(states)
    }

    /// File `action` on `service` as a request; returns its id. Recorded in the trail.
    pub async fn file(
        &self,
        requester: &UserInfo,
        request: Request,
        service: &str,
        action: &Action,
    ) -> Result<String, Failure> {
        let summary = crate::engine::payload::summary_of(service, &request.env, action);
        let diff = match action {
            Action::Promote(p) => p.diff.iter().map(crate::engine::payload::diff_text).collect(),
            _ => Vec::new(),
        };
        let body = RequestBody {
            payload: crate::engine::payload::payload_of(action),
            from_env: request.from_env.clone(),
            policy: request,
            service: service.to_string(),
            summary: summary.clone(),
            diff,
        };
        let engine = self.engine()?;
        self.writes.check("approval request")?;
        let state = engine.file(requester, body, Utc::now()).await?;
        self.record(TrailEvent::decision(Utc::now(), requester, "request", &RequestRef::of(&state), "filed".into()))
            .await;
        Ok(state.id)
    }

    /// Approve or reject as `user`. When an approval satisfies the policy, the request is
    /// checked once more against the policy as it is now (a freeze that began since, a rule
    /// that changed): refused → closed with the reason; else the run is claimed for this
    /// caller (once, whoever gets there first). Each decision lands in the trail.
    pub async fn decide(
        &self,
        user: &UserInfo,
        id: &str,
        approve: bool,
        comment: &str,
    ) -> Result<DecisionOutcome, Failure> {
        let engine = self.engine()?;
        self.writes.check(if approve { "approval" } else { "rejection" })?;
        let policy = match self.policy_state().await {
            PolicyState::Ready(p) => p,
            PolicyState::Unreadable(f) => return Err(f),
            _ => Policy::open(),
        };
        let now = Utc::now();
        let comment_opt = Some(comment).filter(|c| !c.trim().is_empty());
        let result = if approve {
            engine.approve(&policy, id, user, comment_opt, now).await
        } else {
            engine.reject(&policy, id, user, comment, now).await
        };
        let event = if approve { "approval" } else { "rejection" };
        let state = match result {
            Ok(s) => s,
            Err(f) => {
                let r = RequestRef { id: id.to_string(), ..RequestRef::default() };
                self.record(TrailEvent::decision(now, user, event, &r, format!("refused: {}", f.message))).await;
                return Err(f);
            }
        };
        let decided = if approve { "approved" } else { "rejected" };
        let note = comment_opt.map_or_else(|| decided.to_string(), |c| format!("{decided}: {c}"));
        self.record(TrailEvent::decision(now, user, event, &RequestRef::of(&state), note)).await;
        let t = state.tally(&policy);
        let mut out =
            DecisionOutcome { counted: t.counted, needed: t.needed, run: None, claimed_elsewhere: false, note: None };
        if !approve || !t.satisfied() {
            return Ok(out);
        }
        // Satisfied: check it can run before claiming, so a claim never strands a request.
        let action = match crate::engine::payload::action_of(&state) {
            Ok(a) => a,
            Err(why) => {
                out.note = Some(why);
                return Ok(out);
            }
        };
        let requester = UserInfo { username: state.requester.clone(), groups: state.requester_groups.clone() };
        if let Decision::Refused { reason } = policy::decide(&policy, &state.body.policy, &requester, Utc::now()) {
            engine.refuse(id, user, &reason, Utc::now()).await?;
            let r = RequestRef::of(&state);
            self.record(TrailEvent::decision(Utc::now(), user, "refusal", &r, format!("refused at run: {reason}")))
                .await;
            out.note = Some(format!("it no longer passes the policy, so it does not run: {reason}"));
            return Ok(out);
        }
        if engine.claim(&policy, id, user, Utc::now()).await? {
            let r = RequestRef::of(&state);
            self.record(TrailEvent::decision(Utc::now(), user, "execution", &r, "claimed the run".into())).await;
            let context = RunContext {
                request: Some(state.id.clone()),
                ticket: state.body.policy.ticket.clone(),
                reason: state.body.policy.reason.clone(),
                note: None,
            };
            out.run = Some(ClaimedRun {
                service: state.body.service.clone(),
                env: state.body.policy.env.clone(),
                action,
                context,
            });
        } else {
            out.claimed_elsewhere = true;
        }
        Ok(out)
    }

    /// Withdraw `id` (its requester only). Recorded in the trail.
    pub async fn withdraw(&self, user: &UserInfo, id: &str) -> Result<(), Failure> {
        let engine = self.engine()?;
        self.writes.check("withdrawal")?;
        let state = engine.withdraw(id, user, Utc::now()).await?;
        self.record(TrailEvent::decision(Utc::now(), user, "withdrawal", &RequestRef::of(&state), "withdrawn".into()))
            .await;
        Ok(())
    }

    /// Record how the run of request `id` ended (the requester's console shows it). A failure
    /// to record is logged: the run's own trail record already says how it ended.
    pub async fn finish(&self, user: &UserInfo, id: &str, outcome: &str) {
        if self.writes.check("run outcome").is_err() {
            return;
        }
        if let Ok(engine) = self.engine() {
            if let Err(f) = engine.finish(id, user, outcome, Utc::now()).await {
                tracing::warn!(id, error = %f.message, "could not record the run's outcome in the engine");
            }
        }
    }

    /// Append one record to the trail: the local log first (durable), then the shared store,
    /// anchoring where it landed. A failure to record is logged and never hides the outcome
    /// of what is being recorded.
    pub async fn record(&self, event: TrailEvent) {
        let dir = self.audit_dir.clone();
        let local = event.clone();
        let written = tokio::task::spawn_blocking(move || crate::audit::record(dir.as_deref(), local)).await;
        match written {
            Ok(Err(e)) => tracing::warn!(error = %e, "could not append to the audit log"),
            Err(e) => tracing::warn!(error = %e, "audit task stopped"),
            Ok(Ok(_)) => {}
        }
        let Some(engine) = &self.engine else { return };
        if self.writes.check("shared trail record").is_err() {
            return;
        }
        match engine.record(&event).await {
            Ok(anchor) => {
                if let Err(e) = self.write_anchor(&anchor) {
                    tracing::warn!(error = %e, "could not anchor the shared trail");
                }
            }
            Err(f) => tracing::warn!(error = %f.message, "could not append to the shared trail"),
        }
    }

    /// The trail to read decisions from: the team's shared one where an engine is configured,
    /// else this machine's audit log (nothing when neither can be read).
    pub async fn trail_or_local(&self) -> Vec<TrailEvent> {
        if let Ok(Some(events)) = self.shared_trail().await {
            return events;
        }
        let Ok(dir) = self.audit_dir() else { return Vec::new() };
        let read = tokio::task::spawn_blocking(move || crate::audit::read_records(&dir)).await;
        match read {
            Ok(Ok(records)) => records.into_iter().map(|r| r.entry).collect(),
            _ => Vec::new(),
        }
    }

    fn audit_dir(&self) -> Result<PathBuf, Failure> {
        match &self.audit_dir {
            Some(d) => Ok(d.clone()),
            None => crate::audit::default_dir().map_err(|e| Failure::new(ErrorKind::Usage, e.to_string())),
        }
    }

    fn write_anchor(&self, anchor: &str) -> Result<(), Failure> {
        let path = self.audit_dir()?.join(ANCHOR_FILE);
        std::fs::write(&path, format!("{anchor}\n"))
            .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot write {}: {e}", path.display())))
    }

    /// The estate-wide trail from the shared store, or `None` without governance.
    pub async fn shared_trail(&self) -> Result<Option<Vec<TrailEvent>>, Failure> {
        match &self.engine {
            Some(e) => e.trail().await.map(Some),
            None => Ok(None),
        }
    }

    /// Whether the shared trail still holds everything this machine anchored: `None` when
    /// there is no shared store or nothing anchored yet.
    pub async fn shared_intact(&self) -> Result<Option<(String, bool)>, Failure> {
        let Some(engine) = &self.engine else { return Ok(None) };
        let anchor = match std::fs::read_to_string(self.audit_dir()?.join(ANCHOR_FILE)) {
            Ok(a) => a.trim().to_string(),
            Err(_) => return Ok(None),
        };
        let ok = engine.anchored(&anchor).await?;
        Ok(Some((anchor, ok)))
    }
}
