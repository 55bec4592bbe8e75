//! The one governance decision the console's update and every headless command call: the
//! policy state (none configured, being read, read, unreadable) plus the pipeline order and
//! the policy's own rules → run, file for approval, refuse, or wait for the policy. Pure.
//!
//! Without a Flightdeck policy (Argo CD RBAC only) actions run — Argo CD still refuses what
//! its RBAC forbids — and promotions still keep the configured pipeline order. With one, a
//! policy that cannot be read refuses everything with the reason and what to do.

use chrono::{DateTime, Utc};

use crate::domain::approvals::PolicyState;
use crate::domain::policy::{self, Ask, Decision, Policy, Request};
use crate::domain::{Action, UserInfo};

/// The answer for one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Run it now; `notes` say what let it through when worth recording (an emergency, a
    /// freeze override).
    Run { notes: Vec<String> },
    /// File it as a request: `needed` approvals from `approvers`.
    NeedsApproval { needed: u32, approvers: String, explanation: String },
    /// Not allowed; the sentence says which rule (or why the policy cannot be read).
    Refused { reason: String },
    /// The configured policy is still being read: decide once it is.
    Reading,
}

impl Verdict {
    /// One line for the run log, a dialog or stderr.
    pub fn explain(&self) -> String {
        match self {
            Self::Run { notes } => Decision::Run { notes: notes.clone() }.explain(),
            Self::NeedsApproval { explanation, .. } => explanation.clone(),
            Self::Refused { reason } => reason.clone(),
            Self::Reading => READING.into(),
        }
    }
}

/// Said while a configured policy is being read.
pub const READING: &str = "reading the policy from the GitOps repository…";

/// Decide `action` for `user` at `now` under `state`; `pipeline` is the configured
/// environment order (a policy's own order wins over it).
pub fn verdict(
    state: &PolicyState,
    pipeline: &[String],
    action: &Action,
    ask: &Ask<'_>,
    user: &UserInfo,
    now: DateTime<Utc>,
) -> (Request, Verdict) {
    let open;
    let policy = match state {
        PolicyState::RbacOnly => {
            open = Policy::open();
            &open
        }
        PolicyState::Ready(p) => p,
        PolicyState::Reading => return (Request::default(), Verdict::Reading),
        PolicyState::Unreadable(f) => {
            let hint = f.hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default();
            let reason = format!(
                "cannot read the policy from the GitOps repository ({}); nothing is sent until it can be{hint}",
                f.message
            );
            return (Request::default(), Verdict::Refused { reason });
        }
    };
    let (req, decision) = policy::gate(policy, pipeline, action, ask, user, now);
    let v = match decision {
        Decision::Run { notes } => Verdict::Run { notes },
        Decision::Refused { reason } => Verdict::Refused { reason },
        Decision::NeedsApproval { needed, explanation, .. } => {
            Verdict::NeedsApproval { needed, approvers: policy::approvers(policy, &req), explanation }
        }
    };
    (req, v)
}

/// Whether the policy asks `user` for a ticket and a reason for `action` in `env` (the
/// dialogs show those inputs only then); nothing while no policy is in force.
pub fn asks(state: &PolicyState, action: &Action, env: &str, user: &UserInfo) -> (bool, bool) {
    match state {
        PolicyState::Ready(p) => policy::requires(p, policy::ActionKind::of(action), env, user),
        _ => (false, false),
    }
}

/// Whether `user` may override the freeze that refused them (the dialog offers it then).
pub fn may_override_freeze(state: &PolicyState, env: &str, user: &UserInfo, now: DateTime<Utc>) -> bool {
    let PolicyState::Ready(p) = state else { return false };
    p.env(env)
        .is_some_and(|e| e.freezes.iter().any(|f| f.active_at(now) && f.overriders.iter().any(|o| o.matches(user))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ErrorKind, Failure, Promotion};

    fn dave() -> UserInfo {
        UserInfo { username: "dave".into(), groups: vec!["developers".into()] }
    }

    fn promote(from: &str, to: &str) -> Action {
        Action::Promote(Box::new(Promotion::new("alpha", from, to, vec!["alpha:v2".into()])))
    }

    fn order() -> Vec<String> {
        ["dev", "staging", "prod"].map(String::from).to_vec()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn without_a_policy_actions_run_and_promotions_keep_the_pipeline() {
        let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
        let ask = Ask { env: "prod", ..Ask::default() };
        let (_, v) = verdict(&PolicyState::RbacOnly, &order(), &sync, &ask, &dave(), now());
        assert_eq!(v, Verdict::Run { notes: Vec::new() });
        let (_, v) = verdict(&PolicyState::RbacOnly, &order(), &promote("dev", "prod"), &ask, &dave(), now());
        let Verdict::Refused { reason } = v else { panic!("{v:?}") };
        assert!(reason.contains("skips staging") && reason.contains("dev → staging first"), "{reason}");
        let ask = Ask { env: "staging", ..Ask::default() };
        let (_, v) = verdict(&PolicyState::RbacOnly, &order(), &promote("dev", "staging"), &ask, &dave(), now());
        assert_eq!(v, Verdict::Run { notes: Vec::new() });
    }

    #[test]
    fn an_unreadable_policy_refuses_with_what_to_do_and_a_policy_being_read_waits() {
        let f = Failure::new(ErrorKind::Unavailable, "git fetch file:///nowhere.git failed")
            .with_hint("check [gitops] remote");
        let sync = Action::Terminate;
        let ask = Ask { env: "dev", ..Ask::default() };
        let (_, v) = verdict(&PolicyState::Unreadable(f), &order(), &sync, &ask, &dave(), now());
        assert_eq!(
            v.explain(),
            "cannot read the policy from the GitOps repository (git fetch file:///nowhere.git failed); \
             nothing is sent until it can be: check [gitops] remote"
        );
        assert_eq!(verdict(&PolicyState::Reading, &order(), &sync, &ask, &dave(), now()).1, Verdict::Reading);
    }

    #[test]
    fn a_policy_lane_lets_a_hotfix_skip_with_its_own_approvals() {
        let text = format!(
            "{}\n[[lane]]\nname = \"hotfix\"\nfrom = \"dev\"\nto = \"prod\"\napprovals = 3\napprovers = [\"group:sre\"]\n",
            crate::domain::policy::EXAMPLE
        );
        let p = crate::domain::policy::parse(&text, std::path::Path::new("policy.toml")).unwrap();
        let state = PolicyState::Ready(p);
        let ask = Ask { env: "prod", ticket: Some("CHG-1"), reason: Some("hotfix"), ..Ask::default() };
        let (req, v) = verdict(&state, &[], &promote("dev", "prod"), &ask, &dave(), now());
        assert_eq!(req.lane.as_deref(), Some("hotfix"));
        assert!(matches!(&v, Verdict::NeedsApproval { needed: 3, approvers, .. } if approvers == "sre"), "{v:?}");
        // Without the lane, the policy's own order refuses the skip.
        let plain =
            PolicyState::Ready(crate::domain::policy::parse(crate::domain::policy::EXAMPLE, "p".as_ref()).unwrap());
        let (_, v) = verdict(&plain, &[], &promote("dev", "prod"), &ask, &dave(), now());
        assert!(v.explain().contains("skips staging"), "{v:?}");
    }
}
