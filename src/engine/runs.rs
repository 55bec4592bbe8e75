//! What `flightdeck runs` lists, the pure side: the engine's requests (each with what became
//! of it) and the actions the trail says ran (each with its outcome), newest first. Any
//! engine that can give its requests and its trail feeds the same list; on the Conductor
//! engine ([`on_conductor`]) each execution is one line — its status, the task it is at with
//! its retries, and why it failed — with the actions Conductor does not run from the trail.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::conductor::{self, Execution};
use super::{view, RequestBody, RequestState, Status, TrailEvent};

/// One line of `flightdeck runs`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunEntry {
    /// `request` (an approval request) or `run` (an action that ran).
    pub kind: &'static str,
    pub at: DateTime<Utc>,
    /// Who asked (a request) or who ran it (a run).
    pub actor: String,
    pub action: String,
    pub service: String,
    pub env: String,
    /// A promotion's source environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A request: `pending`, `rejected by …`, `run by …: succeeded`; a run: `succeeded` or
    /// `failed: …`.
    pub status: String,
    /// The request id (a run's, when it carried one out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// Options of the action (`prune`, `to history 22`), when the trail has them.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// On the Conductor engine: the execution (the id `runs retry|terminate` take).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution: Option<String>,
    /// Its workflow (`flightdeck_sync`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// The task it is at (the last one once it ended), by reference name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// That task's status as Conductor says it (`IN_PROGRESS`, `FAILED`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_status: Option<String>,
    /// How many times that task was retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Why the execution failed or was terminated, as Conductor keeps it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl RunEntry {
    /// "promote payment staging → prod" / "sync alpha in dev".
    pub fn what(&self) -> String {
        match &self.from {
            Some(from) => format!("{} {} {from} → {}", self.action, self.service, self.env),
            None => format!("{} {} in {}", self.action, self.service, self.env),
        }
    }
}

/// Requests and executed runs, newest first.
pub fn list(requests: &[RequestState], trail: &[TrailEvent]) -> Vec<RunEntry> {
    let mut out: Vec<RunEntry> = requests
        .iter()
        .map(|s| RunEntry {
            kind: "request",
            at: s.requested_at,
            actor: s.requester.clone(),
            action: s.body.policy.action.map_or("action", |k| k.name()).to_string(),
            service: s.body.service.clone(),
            env: s.body.policy.env.clone(),
            from: s.body.from_env.clone(),
            status: view::describe_status(&s.status),
            request: Some(s.id.clone()),
            ..RunEntry::default()
        })
        .collect();
    out.extend(trail.iter().filter(|e| e.event == "action").map(|e| {
        let target = e.target.clone().unwrap_or_default();
        RunEntry {
            kind: "run",
            at: e.at,
            actor: e.actor.clone(),
            action: e.action.clone().unwrap_or_default(),
            service: target.service,
            env: e.to.clone().unwrap_or(target.env),
            from: e.from.clone(),
            status: e.outcome.clone(),
            request: e.request.clone(),
            detail: e.detail.clone(),
            ..RunEntry::default()
        }
    }));
    out.sort_by_key(|r| std::cmp::Reverse(r.at));
    out
}

/// The Conductor engine's runs, newest first: one line per execution, and the actions the
/// trail says ran without one (refresh, terminate, Rollout steps, a run that could not start)
/// — a trail record of a listed execution (the worker's) is that execution's line already.
pub fn on_conductor(executions: &[Execution], trail: &[TrailEvent]) -> Vec<RunEntry> {
    let listed = |e: &TrailEvent| executions.iter().any(|x| conductor::notes_execution(&e.detail, &x.id));
    let direct: Vec<TrailEvent> = trail.iter().filter(|e| !listed(e)).cloned().collect();
    let mut out = list(&[], &direct);
    out.extend(executions.iter().map(execution_entry));
    out.sort_by_key(|r| std::cmp::Reverse(r.at));
    out
}

/// One execution as a line of `runs`.
fn execution_entry(e: &Execution) -> RunEntry {
    let body: Option<RequestBody> = serde_json::from_value(e.input["request"].clone()).ok();
    let target = |k: &str| e.input["target"][k].as_str().unwrap_or_default().to_string();
    let action = body.as_ref().and_then(|b| b.policy.action).map(|k| k.name().to_string());
    let step = e.steps.iter().rev().find(|s| s.pending()).or_else(|| e.steps.last());
    let request = conductor::fold(e);
    RunEntry {
        kind: "run",
        at: e.started,
        actor: e.input["requester"]["username"].as_str().unwrap_or_default().to_string(),
        action: action.unwrap_or_else(|| e.workflow.trim_start_matches("flightdeck_").to_string()),
        service: body.as_ref().map_or_else(|| target("service"), |b| b.service.clone()),
        env: body.as_ref().map_or_else(|| target("env"), |b| b.policy.env.clone()),
        from: body.as_ref().and_then(|b| b.from_env.clone()),
        status: execution_status(e, request.as_ref()),
        request: request.as_ref().map(|r| r.id.clone()),
        detail: String::new(),
        execution: Some(e.id.clone()),
        workflow: Some(e.workflow.clone()),
        task: step.map(|s| s.reference.clone()),
        task_status: step.map(|s| s.status.clone()),
        retries: step.map(|s| s.retry_count),
        reason: e.reason.clone().filter(|r| !r.trim().is_empty()),
    }
}

/// An execution's status in the words `runs` uses for every engine: `pending` (waiting for
/// approvals), what became of a request that never ran (`rejected by …`, `withdrawn by …`,
/// `expired`, `refused …`), else `running`, `paused`, `succeeded`, `failed: why`, `timed
/// out: why`, `terminated: why`.
fn execution_status(e: &Execution, request: Option<&RequestState>) -> String {
    if let Some(s) = request {
        match &s.status {
            Status::Pending
            | Status::Rejected { .. }
            | Status::Cancelled { .. }
            | Status::Expired
            | Status::Refused { .. } => return view::describe_status(&s.status),
            Status::Executed { .. } | Status::Finished { .. } => {}
        }
    }
    let ended = match e.status.as_str() {
        "RUNNING" => return "running".into(),
        "PAUSED" => return "paused".into(),
        "COMPLETED" => return "succeeded".into(),
        "FAILED" => "failed".to_string(),
        "TIMED_OUT" => "timed out".to_string(),
        other => other.to_lowercase(),
    };
    match e.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        Some(why) => format!("{ended}: {why}"),
        None => ended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, RunContext, RunOutcome, UserInfo};
    use crate::engine::trail::{RequestRef, Target};

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn runs_and_requests_newest_first_decisions_left_out() {
        let dave = UserInfo { username: "dave".into(), groups: vec![] };
        let sync = Action::Sync { prune: true, dry_run: false, force: false, apply_only: false };
        let target = Target { service: "alpha".into(), env: "dev".into(), ..Target::default() };
        let ok = TrailEvent::run(at(10), &dave, &sync, target.clone(), &RunContext::default(), &RunOutcome::Succeeded);
        let failed = RunOutcome::Failed { message: "boom".into(), hint: None };
        let bad = TrailEvent::run(at(20), &dave, &Action::Terminate, target, &RunContext::default(), &failed);
        let filed = TrailEvent::decision(at(5), &dave, "request", &RequestRef::default(), "filed".into());
        let rows = list(&[], &[ok, filed, bad]);
        let seen: Vec<(&str, String, &str)> = rows.iter().map(|r| (r.kind, r.what(), r.status.as_str())).collect();
        assert_eq!(
            seen,
            [
                ("run", "terminate alpha in dev".into(), "failed: boom"),
                ("run", "sync alpha in dev".into(), "succeeded")
            ]
        );
        assert_eq!(rows[1].detail, "prune");
    }
}
