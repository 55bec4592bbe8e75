//! What `flightdeck runs` lists, the pure side: the engine's requests (each with what became
//! of it) and the actions the trail says ran (each with its outcome), newest first. Any
//! engine that can give its requests and its trail feeds the same list.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{view, RequestState, TrailEvent};

/// One line of `flightdeck runs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
            detail: String::new(),
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
        }
    }));
    out.sort_by_key(|r| std::cmp::Reverse(r.at));
    out
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
