//! The one gate every console action and headless command passes before it runs: the action,
//! its environment, who asks (Argo CD userinfo), ticket and reason, and the time → the
//! policy's [`Decision`] with its English explanation, plus the [`Request`] to file when it
//! needs approvals. Pure, so the console's update and `flightdeck sync/rollback/scale/refresh`
//! give the same answer for the same inputs.

use chrono::{DateTime, Utc};

use super::{decide, describe, ActionKind, Decision, Policy, Request};
use crate::domain::{Action, UserInfo};

/// What is asked, besides the action and who asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ask<'a> {
    pub env: &'a str,
    pub ticket: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// Decide `action` in `ask.env` for `user` at `now`.
///
/// The kind comes from [`ActionKind::of`] as it maps actions today: refresh is never held
/// back, and the actions the policy does not list (terminate, Rollout promote/abort, resume
/// auto-sync) follow the `sync` rules, their closest kin.
///
/// A user the rules name under `emergency` invokes the emergency path (run at once, through a
/// freeze, reason required): that is what the rule is for — the on-call SRE rolling prod back
/// must not wait. Overriding a freeze stays an explicit choice nobody makes here, so a freeze
/// refuses with its sentence (who may override it).
pub fn gate(
    policy: &Policy,
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
        ..Request::default()
    };
    if let Some(kind) = req.action.filter(|_| !policy.open) {
        let rules = policy.env(ask.env).and_then(|e| e.rules(kind));
        req.emergency = rules.is_some_and(|r| r.emergency.iter().any(|p| p.matches(user)));
    }
    let decision = decide(policy, &req, user, now);
    (req, decision)
}

/// Who approves `req` ("release-managers or sre"), for the run log and the CLI.
pub fn approvers(policy: &Policy, req: &Request) -> String {
    req.action
        .and_then(|k| policy.env(&req.env).and_then(|e| e.rules(k)))
        .map_or_else(|| "the approvers".to_string(), |r| describe(&r.approvers))
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
        let ask = Ask { env: "prod", ticket: None, reason: Some("pager 4711") };
        let (req, d) = gate(&example(), &rollback(), &ask, &olga, tuesday());
        assert!(req.emergency);
        assert!(matches!(&d, Decision::Run { notes } if notes[0].contains("emergency rollback by olga")), "{d:?}");
        let (_, d) = gate(&example(), &rollback(), &Ask { env: "prod", ..Ask::default() }, &olga, tuesday());
        assert_eq!(d, Decision::Refused { reason: "an emergency rollback in prod needs a reason".into() });
    }

    #[test]
    fn a_release_manager_rollback_in_prod_is_no_emergency_and_needs_approval() {
        let alice = user("alice", &["release-managers"]);
        let ask = Ask { env: "prod", ticket: Some("CHG-1"), reason: Some("bad release") };
        let (req, d) = gate(&example(), &rollback(), &ask, &alice, tuesday());
        assert!(!req.emergency);
        assert!(matches!(d, Decision::NeedsApproval { needed: 1, .. }), "{d:?}");
        assert_eq!(approvers(&example(), &req), "release-managers or sre");
    }

    #[test]
    fn refresh_is_never_held_back_and_terminate_follows_the_sync_rules() {
        let dave = user("dave", &["developers"]);
        let ask = Ask { env: "prod", ..Ask::default() };
        let (req, d) = gate(&example(), &Action::Refresh { hard: false }, &ask, &dave, tuesday());
        assert_eq!((req.action, d), (None, Decision::Run { notes: Vec::new() }));
        let (req, d) = gate(&example(), &Action::Terminate, &ask, &dave, tuesday());
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
