//! The one shape of the audit trail: every action, decision and refusal, from the console
//! or a headless command, becomes one [`TrailEvent`] built here — when, who (and their
//! groups), what happened, to which service/environment/app/instance, from → to, the outcome,
//! the request, ticket and reason. The local log (`audit/`) chains these records; the shared
//! store (the engine's) holds the same records for the whole team.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Action, RunContext, RunOutcome, UserInfo};

/// What a trail record is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub service: String,
    pub env: String,
    /// The Argo CD application.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app: String,
    /// The Argo CD instance's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
}

/// One record of the trail.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailEvent {
    pub at: DateTime<Utc>,
    /// Who did it (the Argo CD user name).
    pub actor: String,
    /// Their groups, as Argo CD reported them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// `action`, `refusal`, `request`, `approval`, `rejection`, `withdrawal`, `expiry`,
    /// `execution` (a claimed run), `outcome` (how a request's run ended).
    pub event: String,
    /// The action concerned: `sync`, `promote`, `rollback`, ….
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// A promotion's source environment (or what was there before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A promotion's target environment (or what is there after).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// How it ended or what was decided: `succeeded`, `failed: …`, `refused: …`, `filed`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Options or a comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// What older (version 1) records said instead of `action`/`target`: read, never written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
}

impl TrailEvent {
    fn base(at: DateTime<Utc>, who: &UserInfo, event: &str) -> Self {
        Self { at, actor: who.username.clone(), groups: who.groups.clone(), event: event.into(), ..Self::default() }
    }

    fn about(mut self, action: &Action, target: Target, cx: &RunContext) -> Self {
        self.action = Some(action.verb().to_string());
        if let Action::Promote(p) = action {
            // An in-place GitOps change (deploy, rollback, scale) moves nothing between
            // environments: it has no `from`.
            self.from = p.source_env().map(str::to_string);
            self.to = Some(p.to_env.clone());
        }
        self.detail = match &cx.note {
            Some(n) if action.options().is_empty() => n.clone(),
            Some(n) => format!("{}; {n}", action.options()),
            None => action.options(),
        };
        self.target = Some(target);
        self.request = cx.request.clone();
        self.ticket = cx.ticket.clone();
        self.reason = cx.reason.clone();
        self
    }

    /// An action that ran (or failed), console or headless, with or without a request.
    pub fn run(
        at: DateTime<Utc>,
        who: &UserInfo,
        action: &Action,
        target: Target,
        cx: &RunContext,
        outcome: &RunOutcome,
    ) -> Self {
        let mut e = Self::base(at, who, "action").about(action, target, cx);
        e.outcome = describe_outcome(outcome);
        e
    }

    /// An action the policy (or the pipeline, or read-only mode) refused.
    pub fn refusal(
        at: DateTime<Utc>,
        who: &UserInfo,
        action: &Action,
        target: Target,
        cx: &RunContext,
        why: &str,
    ) -> Self {
        let mut e = Self::base(at, who, "refusal").about(action, target, cx);
        e.outcome = format!("refused: {why}");
        e
    }

    /// A request's life: `request` (filed), `approval`, `rejection`, `withdrawal`, `expiry`,
    /// `execution` (claimed), `outcome` (its run ended) — `outcome` says what came of it.
    pub fn decision(at: DateTime<Utc>, who: &UserInfo, event: &str, req: &RequestRef, outcome: String) -> Self {
        let mut e = Self::base(at, who, event);
        e.action = Some(req.action.clone());
        e.target = Some(Target { service: req.service.clone(), env: req.env.clone(), ..Target::default() });
        e.from = req.from.clone();
        e.to = req.from.as_ref().map(|_| req.env.clone());
        e.request = Some(req.id.clone());
        e.ticket = req.ticket.clone();
        e.reason = req.reason.clone();
        e.outcome = outcome;
        e
    }

    /// One line for tables: "promote payment staging → prod" / "sync alpha in dev".
    pub fn what(&self) -> String {
        let Some(t) = &self.target else { return self.subject.clone() };
        let action = self.action.as_deref().unwrap_or("act on");
        match (&self.from, &self.to) {
            (Some(from), Some(to)) => format!("{action} {} {from} → {to}", t.service),
            _ => format!("{action} {} in {}", t.service, t.env),
        }
    }
}

/// What a decision record needs to know of its request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestRef {
    pub id: String,
    pub action: String,
    pub service: String,
    pub env: String,
    pub from: Option<String>,
    pub ticket: Option<String>,
    pub reason: Option<String>,
}

impl RequestRef {
    pub fn of(s: &super::RequestState) -> Self {
        Self {
            id: s.id.clone(),
            action: s.body.policy.action.map_or("action", |k| k.name()).to_string(),
            service: s.body.service.clone(),
            env: s.body.policy.env.clone(),
            from: s.body.from_env.clone(),
            ticket: s.body.policy.ticket.clone(),
            reason: s.body.policy.reason.clone(),
        }
    }
}

/// "succeeded" / "failed: the server's message".
pub fn describe_outcome(o: &RunOutcome) -> String {
    match o {
        RunOutcome::Succeeded => "succeeded".into(),
        RunOutcome::Failed { message, .. } => format!("failed: {message}"),
        RunOutcome::Running => "running".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dave() -> UserInfo {
        UserInfo { username: "dave".into(), groups: vec!["developers".into()] }
    }

    #[test]
    fn a_run_and_a_refusal_share_one_shape() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let sync = Action::Sync { prune: true, dry_run: false, force: false, apply_only: false };
        let target =
            Target { service: "alpha".into(), env: "prod".into(), app: "alpha-prod".into(), instance: "prod".into() };
        let cx = RunContext { ticket: Some("CHG-1".into()), ..RunContext::default() };
        let ran = TrailEvent::run(at, &dave(), &sync, target.clone(), &cx, &RunOutcome::Succeeded);
        let refused = TrailEvent::refusal(at, &dave(), &sync, target, &cx, "prod is frozen");
        assert_eq!((ran.event.as_str(), ran.outcome.as_str(), ran.detail.as_str()), ("action", "succeeded", "prune"));
        assert_eq!(refused.outcome, "refused: prod is frozen");
        assert_eq!((ran.groups.clone(), ran.ticket.clone()), (vec!["developers".to_string()], Some("CHG-1".into())));
        assert_eq!(ran.what(), "sync alpha in prod");
        let json = serde_json::to_string(&ran).unwrap();
        assert_eq!(serde_json::from_str::<TrailEvent>(&json).unwrap(), ran);
    }

    #[test]
    fn version_one_records_still_read() {
        let old = r#"{"at":"2023-11-14T22:13:20Z","actor":"dave","event":"action","subject":"sync alpha","detail":"succeeded"}"#;
        let e: TrailEvent = serde_json::from_str(old).unwrap();
        assert_eq!((e.subject.as_str(), e.what()), ("sync alpha", "sync alpha".to_string()));
    }
}
