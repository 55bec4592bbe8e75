//! The one gate every console action and headless command passes before it runs: the action,
//! its environment (and, for a promotion, where it comes from), who asks (Argo CD userinfo),
//! ticket, reason, a freeze override, and the time → the policy's [`Decision`] with its
//! English explanation, plus the [`Request`] to file when it needs approvals. Pure, so the
//! console's update and every headless command give the same answer for the same inputs.
//!
//! Pipeline order comes first for promotions: only to the next environment, unless a policy
//! lane names the skip (the lane's rules then govern). The order is the policy's
//! `environments`, or, with no policy (Argo CD RBAC only), the configured environments.

use chrono::{DateTime, Utc};

use super::{decide, describe, ActionKind, Decision, Policy, Request};
use crate::domain::{Action, UserInfo};

/// What is asked, besides the action and who asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask<'a> {
    pub env: &'a str,
    pub ticket: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// The requester overrides an active freeze (the policy says who may; a reason is needed).
    pub override_freeze: bool,
}

/// Decide `action` in `ask.env` for `user` at `now`; `pipeline` is the environment order to
/// hold promotions to when there is no policy file (a policy's own order wins).
///
/// The kind comes from [`ActionKind::of`]: refresh is never held back, and the actions the
/// policy does not list (terminate, Rollout promote/abort, resume auto-sync) follow the `sync`
/// rules, their closest kin.
///
/// A user the rules name under `emergency` invokes the emergency path (run at once, through a
/// freeze, reason required): the on-call SRE rolling prod back must not wait. Overriding a
/// freeze is an explicit choice (`ask.override_freeze`), for those the freeze names.
pub fn gate(
    policy: &Policy,
    pipeline: &[String],
    action: &Action,
    ask: &Ask<'_>,
    user: &UserInfo,
    now: DateTime<Utc>,
) -> (Request, Decision) {
    let given = |s: Option<&str>| s.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let mut req = Request {
        action: ActionKind::of(action),
        env: ask.env.to_string(),
        ticket: given(ask.ticket),
        reason: given(ask.reason),
        override_freeze: ask.override_freeze,
        from_env: match action {
            Action::Promote(p) => p.source_env().map(str::to_string),
            _ => None,
        },
        ..Request::default()
    };
    if let Some(from) = req.from_env.clone() {
        let order = if policy.open { pipeline } else { policy.environments.as_slice() };
        match route(policy, order, &from, ask.env) {
            Ok(lane) => req.lane = lane,
            Err(reason) => return (req, Decision::Refused { reason }),
        }
    }
    if let Some(kind) = req.action.filter(|_| !policy.open) {
        let rules = policy.rules_for(&Request { action: Some(kind), ..req.clone() });
        req.emergency = rules.is_some_and(|r| r.emergency.iter().any(|p| p.matches(user)));
    }
    let decision = decide(policy, &req, user, now);
    (req, decision)
}

/// A promotion `from → to` in pipeline `order`: fine to the next environment (`Ok(None)`),
/// through a lane the policy names when it skips (`Ok(Some(lane))`), else why not. Unknown
/// environments are left to the policy (which refuses them) or, without one, let through:
/// there is no order to hold them to.
pub fn route(policy: &Policy, order: &[String], from: &str, to: &str) -> Result<Option<String>, String> {
    let at = |e: &str| order.iter().position(|o| o == e);
    let (Some(i), Some(j)) = (at(from), at(to)) else { return Ok(None) };
    if j == i + 1 {
        return Ok(None);
    }
    if j <= i {
        return Err(format!(
            "promotion goes forward in the pipeline ({}); {to} does not come after {from}",
            order.join(" → ")
        ));
    }
    if let Some(lane) = policy.lane(from, to).filter(|_| !policy.open) {
        return Ok(Some(lane.name.clone()));
    }
    let skipped = order[i + 1..j].join(", ");
    let next = &order[i + 1];
    let lanes = if policy.lanes.is_empty() || policy.open {
        String::new()
    } else {
        let names: Vec<String> = policy.lanes.iter().map(|l| format!("{} ({} → {})", l.name, l.from, l.to)).collect();
        format!("; the policy's lanes are {}", names.join(", "))
    };
    Err(format!("promoting {from} → {to} skips {skipped}: promote {from} → {next} first, then onwards{lanes}"))
}

/// Who approves `req` ("release-managers or sre"), for the run log and the CLI.
pub fn approvers(policy: &Policy, req: &Request) -> String {
    policy.rules_for(req).map_or_else(|| "the approvers".to_string(), |r| describe(&r.approvers))
}

/// Whether the policy asks `user` for a change ticket and a reason for `kind` in `env`: the
/// dialogs show those inputs only then. An emergency (see [`gate`]) always needs a reason.
pub fn requires(policy: &Policy, kind: Option<ActionKind>, env: &str, user: &UserInfo) -> (bool, bool) {
    let rules = kind.filter(|_| !policy.open).and_then(|k| policy.env(env).and_then(|e| e.rules(k)));
    rules.map_or((false, false), |r| {
        let emergency = r.emergency.iter().any(|p| p.matches(user));
        (r.require_ticket && !emergency, r.require_reason || emergency)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo { username: name.into(), groups: groups.iter().map(|g| g.to_string()).collect() }
    }

    fn example() -> Policy {
        super::super::parse(super::super::EXAMPLE, std::path::Path::new("policy.toml")).unwrap()
    }

    fn tuesday() -> DateTime<Utc> {
        // Tuesday 2023-11-14 22:13 UTC: outside the example's prod freeze.
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn rollback() -> Action {
        Action::Rollback { history_id: 3, pause_auto_sync: true }
    }

    #[test]
    fn an_on_call_rollback_in_prod_is_an_emergency_that_needs_a_reason() {
        let olga = user("olga", &["sre", "on-call"]);
        let ask = Ask { env: "prod", ticket: None, reason: Some("pager 4711"), ..Ask::default() };
        let (req, d) = gate(&example(), &[], &rollback(), &ask, &olga, tuesday());
        assert!(req.emergency);
        assert!(matches!(&d, Decision::Run { notes } if notes[0].contains("emergency rollback by olga")), "{d:?}");
        let (_, d) = gate(&example(), &[], &rollback(), &Ask { env: "prod", ..Ask::default() }, &olga, tuesday());
        assert_eq!(d, Decision::Refused { reason: "an emergency rollback in prod needs a reason".into() });
    }

    #[test]
    fn a_release_manager_rollback_in_prod_is_no_emergency_and_needs_approval() {
        let alice = user("alice", &["release-managers"]);
        let ask = Ask { env: "prod", ticket: Some("CHG-1"), reason: Some("bad release"), ..Ask::default() };
        let (req, d) = gate(&example(), &[], &rollback(), &ask, &alice, tuesday());
        assert!(!req.emergency);
        assert!(matches!(d, Decision::NeedsApproval { needed: 1, .. }), "{d:?}");
        assert_eq!(approvers(&example(), &req), "release-managers or sre");
    }

    #[test]
    fn refresh_is_never_held_back_and_terminate_follows_the_sync_rules() {
        let dave = user("dave", &["developers"]);
        let ask = Ask { env: "prod", ..Ask::default() };
        let (req, d) = gate(&example(), &[], &Action::Refresh { hard: false }, &ask, &dave, tuesday());
        assert_eq!((req.action, d), (None, Decision::Run { notes: Vec::new() }));
        let (req, d) = gate(&example(), &[], &Action::Terminate, &ask, &dave, tuesday());
        assert_eq!(req.action, Some(ActionKind::Sync));
        assert!(matches!(&d, Decision::Refused { reason } if reason.starts_with("sync in prod may be requested by")));
    }

    #[test]
    fn requires_reads_ticket_and_reason_rules_per_environment() {
        let (dave, olga) = (user("dave", &["developers"]), user("olga", &["sre"]));
        let (sync, rollback) = (Some(ActionKind::Sync), Some(ActionKind::Rollback));
        assert_eq!(requires(&example(), sync, "prod", &dave), (true, true));
        assert_eq!(requires(&example(), sync, "dev", &dave), (false, false));
        assert_eq!(requires(&Policy::open(), sync, "prod", &dave), (false, false));
        // olga's prod rollback is an emergency: a reason, no ticket.
        assert_eq!(requires(&example(), rollback, "prod", &olga), (false, true));
    }
}
