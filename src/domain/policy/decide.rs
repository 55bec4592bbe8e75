//! Evaluating the policy: may this user do this now ([`decide`]), may this user approve it
//! ([`may_approve`]), and do the approvals given so far satisfy it ([`tally`]). Every refusal
//! is one English sentence naming the rule and who the user is.

use chrono::{DateTime, Utc};

use super::{describe, ActionKind, Policy, Principal, Request, Rules};
use crate::domain::UserInfo;

/// The answer to "may I do this now?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run it at once. `notes` say what allowed it when that is worth recording (an
    /// emergency, a freeze override, no policy).
    Run { notes: Vec<String> },
    /// It becomes an approval request; `explanation` says what it waits for.
    NeedsApproval { needed: u32, explanation: String, notes: Vec<String> },
    /// Not allowed; `reason` says which rule and who you are.
    Refused { reason: String },
}

impl Decision {
    /// One line for the run log, a dialog or stderr.
    pub fn explain(&self) -> String {
        match self {
            Self::Run { notes } if notes.is_empty() => "allowed by policy".into(),
            Self::Run { notes } => format!("allowed by policy: {}", notes.join("; ")),
            Self::NeedsApproval { explanation, .. } => explanation.clone(),
            Self::Refused { reason } => reason.clone(),
        }
    }
}

/// "you are dave in group developers".
fn who(user: &UserInfo) -> String {
    match user.groups.as_slice() {
        [] => format!("you are {} in no group", user.username),
        [g] => format!("you are {} in group {g}", user.username),
        gs => format!("you are {} in groups {}", user.username, gs.join(", ")),
    }
}

fn any(ps: &[Principal], user: &UserInfo) -> bool {
    ps.iter().any(|p| p.matches(user))
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// Find the rules for a request (its lane's, or its environment's), or the refusal that
/// explains why there are none.
fn rules_for<'p>(policy: &'p Policy, kind: ActionKind, req: &Request) -> Result<&'p Rules, String> {
    let env = req.env.as_str();
    if let Some(lane) = req.lane.as_deref().filter(|_| kind == ActionKind::Promote) {
        return policy.rules_for(req).ok_or_else(|| format!("the policy has no lane {lane:?}"));
    }
    let e = policy.env(env).ok_or_else(|| {
        format!(
            "the policy has no environment {env:?} (it knows {}); add it to `environments` in policy.toml",
            policy.environments.join(", ")
        )
    })?;
    e.rules(kind).ok_or_else(|| format!("the policy has no rules for {kind} in {env}"))
}

/// May `user` do `req` at `now`, and does it need approvals first?
pub fn decide(policy: &Policy, req: &Request, user: &UserInfo, now: DateTime<Utc>) -> Decision {
    if policy.open {
        return Decision::Run { notes: Vec::new() };
    }
    let Some(kind) = req.action else {
        return Decision::Run { notes: Vec::new() };
    };
    let env = req.env.as_str();
    let rules = match rules_for(policy, kind, req) {
        Ok(r) => r,
        Err(reason) => return Decision::Refused { reason },
    };
    let mut notes = Vec::new();
    if req.emergency {
        if !any(&rules.emergency, user) {
            let reason = if rules.emergency.is_empty() {
                format!("{env} allows no emergency {kind}; {}", who(user))
            } else {
                format!("emergency {kind} in {env} is for {}; {}", describe(&rules.emergency), who(user))
            };
            return Decision::Refused { reason };
        }
        if !present(&req.reason) {
            return Decision::Refused { reason: format!("an emergency {kind} in {env} needs a reason") };
        }
        notes.push(format!("emergency {kind} by {} without approvals", user.username));
        return Decision::Run { notes };
    }
    if !any(&rules.requesters, user) {
        return Decision::Refused {
            reason: format!("{kind} in {env} may be requested by {}; {}", describe(&rules.requesters), who(user)),
        };
    }
    if rules.require_ticket && !present(&req.ticket) {
        return Decision::Refused { reason: format!("{kind} in {env} needs a change ticket (give one with --ticket)") };
    }
    if rules.require_reason && !present(&req.reason) {
        return Decision::Refused { reason: format!("{kind} in {env} needs a reason (give one with --reason)") };
    }
    if let Some(freezes) = policy.env(env).map(|e| &e.freezes) {
        for f in freezes.iter().filter(|f| f.active_at(now)) {
            if !req.override_freeze {
                let how = if f.overriders.is_empty() {
                    "nobody may override it".to_string()
                } else {
                    format!("{} may override it with a reason", describe(&f.overriders))
                };
                return Decision::Refused { reason: format!("{env} is frozen: {}; {how}", f.describe()) };
            }
            if !any(&f.overriders, user) {
                return Decision::Refused {
                    reason: format!(
                        "{env} is frozen: {}; only {} may override it, {}",
                        f.describe(),
                        describe(&f.overriders),
                        who(user)
                    ),
                };
            }
            if !present(&req.reason) {
                return Decision::Refused { reason: format!("overriding the {} freeze needs a reason", f.name) };
            }
            notes.push(format!("freeze {:?} overridden by {}", f.name, user.username));
        }
    }
    if rules.approvals == 0 {
        return Decision::Run { notes };
    }
    Decision::NeedsApproval { needed: rules.approvals, explanation: needs(kind, env, rules), notes }
}

/// "promote in prod needs 2 approvals from release-managers, not the requester's own".
fn needs(kind: ActionKind, env: &str, rules: &Rules) -> String {
    let n = rules.approvals;
    let plural = if n == 1 { "" } else { "s" };
    let eyes = if rules.self_approve { "" } else { ", not the requester's own" };
    let signed = if rules.count_unverified { "" } else { ", signed" };
    format!("{kind} in {env} needs {n} approval{plural} from {}{eyes}{signed}", describe(&rules.approvers))
}

/// May `approver` approve (or reject) a request `requester` made?
pub fn may_approve(policy: &Policy, req: &Request, requester: &str, approver: &UserInfo) -> Result<(), String> {
    if policy.open {
        return Ok(());
    }
    let Some(kind) = req.action else { return Ok(()) };
    let rules = rules_for(policy, kind, req)?;
    if approver.username == requester && !rules.self_approve {
        return Err(format!("you asked for this {kind}; {} needs someone else to approve it (four-eyes)", req.env));
    }
    if !any(&rules.approvers, approver) {
        return Err(format!("{} needs approvals from {}; {}", req.env, describe(&rules.approvers), who(approver)));
    }
    Ok(())
}

/// One approval as the ledger holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Vote {
    pub user: UserInfo,
    /// Whether the approval's commit signature verified against the allowed signers.
    pub verified: bool,
}

/// How far a request is from running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub counted: u32,
    pub needed: u32,
    /// Why each approval that does not count does not.
    pub ignored: Vec<String>,
}

impl Tally {
    pub fn satisfied(&self) -> bool {
        self.counted >= self.needed
    }
}

/// Count the approvals that satisfy the policy (each approver once).
pub fn tally(policy: &Policy, req: &Request, requester: &str, votes: &[Vote]) -> Tally {
    let rules = req.action.and_then(|k| rules_for(policy, k, req).ok());
    let needed = if policy.open { 0 } else { rules.map_or(0, |r| r.approvals) };
    let mut counted_users: Vec<&str> = Vec::new();
    let mut ignored = Vec::new();
    for v in votes {
        let name = v.user.username.as_str();
        if counted_users.contains(&name) {
            continue;
        }
        if let Err(why) = may_approve(policy, req, requester, &v.user) {
            ignored.push(format!(
                "{name}: {}",
                why.replacen("you asked", "they asked", 1).replacen("you are", "they are", 1)
            ));
            continue;
        }
        if !v.verified && rules.is_some_and(|r| !r.count_unverified) {
            ignored.push(format!(
                "{name}: the approval is not signed by an allowed signer, and {} counts only signed ones",
                req.env
            ));
            continue;
        }
        counted_users.push(name);
    }
    Tally { counted: counted_users.len() as u32, needed, ignored }
}
