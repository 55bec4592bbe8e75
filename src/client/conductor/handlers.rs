//! What `flightdeck worker` does with each of Flightdeck's task types. Credentials come from
//! the worker's own configuration (Vault), never from the workflow's input or output.
//!
//! - `flightdeck_check_approvals`: every approval of the execution through the policy
//!   (`engine::conductor::check`); the output drives the workflow's loop and its verdict.
//! - `flightdeck_git_promote`: the promotion commit; a retry finds the overlay already at the
//!   version and pushes nothing.
//! - `flightdeck_argocd_action`: the Argo CD call; a retry first reads the app and takes an
//!   operation started since the execution began as its own, so it never starts a second.
//! - `flightdeck_follow`: one look per delivery; IN_PROGRESS with `callbackAfterSeconds`
//!   while the app is not settled (the task is extended, no worker sits on it).
//! - `flightdeck_record`: the run's record in the trail.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::wire::{Task, TaskResult, Workflow};
use super::ConductorClient;
use crate::client::argocd::wire::App;
use crate::client::argocd::ArgoClient;
use crate::client::engine::Governance;
use crate::client::{Refresh, RunOptions, StepReport, FOLLOW_TIMEOUT};
use crate::domain::approvals::PolicyState;
use crate::domain::policy::Policy;
use crate::domain::{Action, AppKey, ErrorKind, Failure, RunContext, RunOutcome, UserInfo};
use crate::engine::conductor as pure;
use crate::engine::trail::Target;
use crate::engine::{RequestBody, RequestState, Status, TrailEvent};

/// How long a follow waits before the app is looked at again.
pub const FOLLOW_CALLBACK_SECS: u64 = 1;

/// Everything the task handlers reach.
#[derive(Clone)]
pub struct Handlers {
    pub conductor: ConductorClient,
    pub argo: Vec<ArgoClient>,
    pub governance: Governance,
    pub worker_id: String,
    /// Where promotion clones live (default: the platform cache dir, one clone per remote
    /// shared by every task on this machine, serialised by its lock).
    pub git_cache: Option<std::path::PathBuf>,
}

/// How a handler ended.
enum Done {
    Completed(Value),
    /// Not finished: look again after this many seconds.
    Later(Value, u64),
    /// Worth another attempt (Conductor retries per the task definition).
    Retry(String),
    /// Final: retrying cannot help.
    Terminal(String),
}

impl From<Failure> for Done {
    fn from(f: Failure) -> Self {
        let why = match &f.hint {
            Some(h) => format!("{} ({h})", f.message),
            None => f.message.clone(),
        };
        match f.kind {
            ErrorKind::Unavailable | ErrorKind::Timeout | ErrorKind::Conflict => Done::Retry(why),
            _ => Done::Terminal(why),
        }
    }
}

impl Handlers {
    /// Run `task` once; the result to report.
    pub async fn run(&self, task: &Task) -> TaskResult {
        let done = match self.context(task).await {
            Err(f) => f.into(),
            Ok(cx) => match task.task_type.as_str() {
                "flightdeck_check_approvals" => self.check(&cx).await,
                "flightdeck_git_promote" => self.commit(&cx).await,
                "flightdeck_argocd_action" => self.deploy(&cx).await,
                "flightdeck_follow" => self.follow(&cx).await,
                "flightdeck_record" => self.record(&cx, &RunOutcome::Succeeded).await,
                other => Done::Terminal(format!("this worker does not serve {other}")),
            },
        };
        let mut r = TaskResult {
            workflow_instance_id: task.workflow_instance_id.clone(),
            task_id: task.task_id.clone(),
            worker_id: Some(self.worker_id.clone()),
            ..TaskResult::default()
        };
        match done {
            Done::Completed(out) => (r.status, r.output_data) = ("COMPLETED".into(), out),
            Done::Later(out, secs) => {
                (r.status, r.output_data, r.callback_after_seconds) = ("IN_PROGRESS".into(), out, secs);
            }
            Done::Retry(why) => (r.status, r.reason_for_incompletion) = ("FAILED".into(), Some(why)),
            Done::Terminal(why) => {
                if let Ok(cx) = self.context(task).await {
                    let outcome = RunOutcome::Failed { message: why.clone(), hint: None };
                    self.record(&cx, &outcome).await;
                }
                (r.status, r.reason_for_incompletion) = ("FAILED_WITH_TERMINAL_ERROR".into(), Some(why));
            }
        }
        r
    }

    async fn context(&self, task: &Task) -> Result<Cx, Failure> {
        let wf = self.conductor.workflow(&task.workflow_instance_id).await?;
        Ok(Cx { wf, task: task.clone() })
    }

    async fn policy(&self) -> Result<Policy, Failure> {
        match self.governance.policy_state().await {
            PolicyState::Ready(p) => Ok(p),
            PolicyState::Unreadable(f) => Err(Failure::new(ErrorKind::Unavailable, f.message)),
            _ => Ok(Policy::open()),
        }
    }

    async fn check(&self, cx: &Cx) -> Done {
        let policy = match self.policy().await {
            Ok(p) => p,
            Err(f) => return f.into(),
        };
        let outcome = pure::check(&policy, &crate::client::engine::conductor::execution(&cx.wf), Utc::now());
        Done::Completed(outcome.output())
    }

    /// The deployment the execution targets, and the client of its instance.
    async fn deployment(&self, cx: &Cx) -> Result<(ArgoClient, AppKey), Failure> {
        let t = &cx.wf.input["target"];
        let (service, env) = (t["service"].as_str().unwrap_or(""), t["env"].as_str().unwrap_or(""));
        let (app, instance) =
            (t["app"].as_str().filter(|a| !a.is_empty()), t["instance"].as_str().filter(|i| !i.is_empty()));
        for c in &self.argo {
            let cfg = c.config();
            if instance.is_some_and(|i| i != cfg.name)
                || (instance.is_none() && cfg.env.as_deref().is_some_and(|e| e != env))
            {
                continue;
            }
            let (deps, _) = c.list().await.map_err(|e| e.to_failure())?;
            if let Some(d) = deps.iter().find(|d| app.map_or(d.service == service && d.env == env, |a| d.key.name == a))
            {
                return Ok((c.clone(), d.key.clone()));
            }
        }
        Err(Failure::new(ErrorKind::NotFound, format!("this worker finds no application for {service} in {env}"))
            .with_hint("the worker's config must list the Argo CD instance of that environment"))
    }

    /// The deployment, its instance's client, and the app as Argo CD has it now.
    async fn app(&self, cx: &Cx) -> Result<(ArgoClient, AppKey, App), Failure> {
        let (client, key) = self.deployment(cx).await?;
        let app = client.get_app(&key, None).await.map_err(|e| e.to_failure())?;
        Ok((client, key, app))
    }

    async fn commit(&self, cx: &Cx) -> Done {
        let action = match cx.action() {
            Ok(Action::Promote(p)) => p,
            Ok(other) => return Done::Terminal(format!("{} is not a promotion", other.verb())),
            Err(why) => return Done::Terminal(why),
        };
        let (client, key) = match self.deployment(cx).await {
            Ok(x) => x,
            Err(f) => return f.into(),
        };
        let outcome = async {
            let app = client.get_app(&key, None).await.map_err(|e| e.to_failure())?;
            let mut settings = crate::client::git::promote::PromoteSettings::for_client(&client).await?;
            settings.cache_root.clone_from(&self.git_cache);
            let requested_by = action.requested_by.clone().unwrap_or_default();
            let input = crate::client::git::promote::PromoteInput::of(&action, requested_by, Vec::new());
            if action.is_release() {
                // Every service's overlay in the one commit, or none.
                let members = crate::client::git::release::members(&client, &key, &action).await?;
                return crate::client::git::release::push_release(&members, &input, &settings).await;
            }
            crate::client::git::promote::push(&app, &input, &settings).await
        }
        .await;
        match outcome {
            Ok(crate::client::git::promote::GitOutcome::Pushed { commit, .. }) => {
                Done::Completed(json!({ "commit": commit }))
            }
            // Already there (a retry after the push, or the version was promoted since).
            Ok(crate::client::git::promote::GitOutcome::NothingToDo(why)) => {
                Done::Completed(json!({ "nothing_to_do": why }))
            }
            Err(f) => f.into(),
        }
    }

    async fn deploy(&self, cx: &Cx) -> Done {
        let action = match cx.action() {
            Ok(a) => a,
            Err(why) => return Done::Terminal(why),
        };
        let (client, key, app) = match self.app(cx).await {
            Ok(x) => x,
            Err(f) => return f.into(),
        };
        // A preview's change in Argo CD is its Application, created or deleted (idempotent).
        if let Action::Promote(p) = &action {
            if let crate::domain::Intent::Preview(i) = &p.intent {
                return match crate::client::preview_run::apply(&client, &key, &app, i).await {
                    Ok(done) => Done::Completed(json!({ "sent": done.unwrap_or_else(|| "expiry moved".into()) })),
                    Err(f) => f.into(),
                };
            }
        }
        if let Some(since) = started_since(&app, cx.started()) {
            return Done::Completed(json!({ "sent": format!("operation already started at {since}"), "reused": true }));
        }
        let sent = match &action {
            Action::Promote(p) if p.is_release() => deploy_release(&client, &key, p).await,
            Action::Promote(_) => {
                let app = match client.get_app(&key, Some(Refresh::Normal)).await {
                    Ok(a) => a,
                    Err(e) => return e.to_failure().into(),
                };
                if app.auto_sync() {
                    return Done::Completed(json!({ "sent": "refresh sent; auto-sync deploys it" }));
                }
                crate::client::run_action_with(
                    &client,
                    &key,
                    &Action::Sync { prune: false, dry_run: false, force: false, apply_only: false },
                    no_wait(),
                    &mut ignore,
                )
                .await
            }
            a => crate::client::run_action_with(&client, &key, a, no_wait(), &mut ignore).await,
        };
        match sent {
            Ok(()) => Done::Completed(json!({ "sent": format!("{} sent", action.verb()) })),
            Err(f) => f.into(),
        }
    }

    async fn follow(&self, cx: &Cx) -> Done {
        // A release is followed through its first app; the others got the same commit and
        // their own refresh (or sync) in `deploy`. A requested preview is followed through its
        // own Application; an extended or removed one has nothing to follow.
        let (_, key, app) = match self.app(cx).await {
            Ok(x) => x,
            Err(f) => return f.into(),
        };
        let (key, app) = match cx.action() {
            Ok(Action::Promote(p)) => match &p.intent {
                crate::domain::Intent::Preview(i) => match self.preview_app(cx, i).await {
                    Ok(Some(found)) => found,
                    Ok(None) => return Done::Completed(json!({ "followed": "nothing to follow" })),
                    Err(f) => return f.into(),
                },
                _ => (key, app),
            },
            _ => (key, app),
        };
        // Sync, rollback and a promotion that pushed a commit start an operation (ours, or
        // auto-sync's after the push); scale and restart only move the app's health.
        let verb = cx.action().map(|a| a.verb().to_string()).unwrap_or_default();
        let nothing_pushed = cx.wf.task("commit").is_some_and(|t| t.output_data["nothing_to_do"].is_string());
        let sent_op = matches!(verb.as_str(), "sync" | "rollback" | "promote") && !nothing_pushed;
        let op = app.status.operation_state.as_ref();
        let phase = op.map(|o| o.phase.as_str()).unwrap_or("");
        let out = json!({ "phase": phase, "health": app.status.health.status });
        let ours = op
            .and_then(|o| crate::client::argocd::wire::parse_time(&o.started_at))
            .is_some_and(|t| t >= cx.started() - chrono::Duration::seconds(5));
        if app.operation.is_some() || (phase == "Running" && ours) {
            return Done::Later(out, FOLLOW_CALLBACK_SECS);
        }
        if sent_op && ours && matches!(phase, "Failed" | "Error") {
            let msg = op.map(|o| crate::domain::sanitize::clean(&o.message)).unwrap_or_default();
            return Done::Terminal(format!("operation {}: {msg}", phase.to_lowercase()));
        }
        if sent_op && !ours && cx.task.poll_count < 30 {
            // Our operation has not shown up yet (or auto-sync has not picked the commit up).
            return Done::Later(out, FOLLOW_CALLBACK_SECS);
        }
        match app.status.health.status.as_str() {
            "Healthy" | "Suspended" => Done::Completed(out),
            "Degraded" => {
                let msg = app.status.health.message.as_deref().map(crate::domain::sanitize::clean).unwrap_or_default();
                Done::Terminal(format!("{} is Degraded: {msg}", key.name))
            }
            _ => Done::Later(out, FOLLOW_CALLBACK_SECS),
        }
    }

    /// The Application of a requested preview (`None` for an extension or a tear-down).
    async fn preview_app(
        &self,
        cx: &Cx,
        i: &crate::domain::preview::PreviewIntent,
    ) -> Result<Option<(AppKey, App)>, Failure> {
        if !matches!(i.op, crate::domain::preview::PreviewOp::Request { .. }) {
            return Ok(None);
        }
        let (client, key) = self.deployment(cx).await?;
        let pk = crate::client::preview_run::preview_key(&key, i)?;
        let app = client.get_app(&pk, None).await.map_err(|e| e.to_failure())?;
        Ok(Some((pk, app)))
    }

    /// Record the run in the trail (also when it failed for good). Who: the requester.
    async fn record(&self, cx: &Cx, outcome: &RunOutcome) -> Done {
        let action = match cx.action() {
            Ok(a) => a,
            Err(why) => return Done::Terminal(why),
        };
        let t = &cx.wf.input["target"];
        let s = |k: &str| t[k].as_str().unwrap_or("").to_string();
        let target = Target { service: s("service"), env: s("env"), app: s("app"), instance: s("instance") };
        let c = &cx.wf.input["context"];
        let context = RunContext {
            request: (cx.wf.input["needs_approval"].as_bool() == Some(true)).then(|| cx.wf.workflow_id.clone()),
            ticket: c["ticket"].as_str().map(str::to_string),
            reason: c["reason"].as_str().map(str::to_string),
            note: Some(pure::run_note(&self.worker_id, &cx.wf.workflow_id)),
        };
        let event = TrailEvent::run(Utc::now(), &cx.requester(), &action, target, &context, outcome);
        self.governance.record(event).await;
        Done::Completed(json!({ "recorded": true }))
    }
}

fn no_wait() -> RunOptions {
    RunOptions { wait: false, follow_timeout: FOLLOW_TIMEOUT }
}

fn ignore(_: StepReport) {}

/// When the app's last operation started at or after `since` (minus a little clock skew
/// between Conductor and Argo CD): the operation a previous attempt of this execution sent.
fn started_since(app: &App, since: DateTime<Utc>) -> Option<String> {
    if app.operation.is_some() {
        return Some("(pending)".into());
    }
    let op = app.status.operation_state.as_ref()?;
    let started = crate::client::argocd::wire::parse_time(&op.started_at)?;
    (started >= since - chrono::Duration::seconds(1)).then(|| started.to_rfc3339())
}

/// One task with its execution.
struct Cx {
    wf: Workflow,
    task: Task,
}

impl Cx {
    fn started(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.wf.start_time).unwrap_or_else(Utc::now)
    }

    fn requester(&self) -> UserInfo {
        let r = &self.wf.input["requester"];
        UserInfo {
            username: r["username"].as_str().unwrap_or("").to_string(),
            groups: r["groups"]
                .as_array()
                .map(|g| g.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        }
    }

    /// The action the execution runs, rebuilt as an approver's console would.
    fn action(&self) -> Result<Action, String> {
        let body: RequestBody = serde_json::from_value(self.wf.input["request"].clone())
            .map_err(|e| format!("workflow {} holds no Flightdeck request: {e}", self.wf.workflow_id))?;
        let approvers: Vec<String> = self
            .wf
            .task(pure::CHECK_REF)
            .and_then(|t| t.output_data["approvers"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect();
        let requester = self.requester();
        let state = RequestState {
            id: self.wf.workflow_id.clone(),
            body,
            requester: requester.username,
            requester_groups: requester.groups,
            requested_at: self.started(),
            approvals: approvers
                .into_iter()
                .map(|a| crate::engine::Verdict { actor: a, at: self.started(), comment: None, verified: false })
                .collect(),
            rejections: Vec::new(),
            status: Status::Pending,
            votes: Vec::new(),
            history: Vec::new(),
        };
        crate::engine::payload::action_of(&state)
    }
}
/// A release's deploy: refresh every member's app, syncing those without auto-sync.
async fn deploy_release(client: &ArgoClient, key: &AppKey, p: &crate::domain::Promotion) -> Result<(), Failure> {
    for (service, k, _) in crate::client::git::release::keys_of(key, p) {
        let named = |f: Failure| crate::client::git::release::naming(&service, f);
        let app = client.get_app(&k, Some(Refresh::Normal)).await.map_err(|e| named(e.to_failure()))?;
        if !app.auto_sync() {
            let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
            crate::client::run_action_with(client, &k, &sync, no_wait(), &mut ignore).await.map_err(named)?;
        }
    }
    Ok(())
}
