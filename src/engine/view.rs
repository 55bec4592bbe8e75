//! How a request is shown to one user: tallied against the policy, with why they may not
//! decide it (four-eyes, not an approver), and — for the requester — what happened to it.
//! Pure: the engine hands over states, the console and `flightdeck approvals` show these.

use super::records::{RequestState, Status};
use crate::domain::approvals::{ApprovalVote, MyRequest, PendingRequest};
use crate::domain::policy::{self, ActionKind, Policy};
use crate::domain::UserInfo;

/// "pending", "rejected by bob", "executed by alice".
pub fn describe_status(s: &Status) -> String {
    match s {
        Status::Pending => "pending".into(),
        Status::Rejected { by } => format!("rejected by {by}"),
        Status::Cancelled { by } => format!("withdrawn by {by}"),
        Status::Executed { by, .. } => format!("executed by {by}"),
        Status::Expired => "expired".into(),
        Status::Refused { reason } => format!("refused when it would have run: {reason}"),
        Status::Finished { by, detail, .. } => format!("run by {by}: {detail}"),
    }
}

/// One request as the pane shows it, tallied for `user`.
pub fn pending(s: &RequestState, policy: &Policy, user: &UserInfo) -> PendingRequest {
    let t = s.tally(policy);
    let refusal = if user.username.is_empty() {
        Some("still learning who you are from Argo CD".to_string())
    } else if !s.is_pending() {
        Some(format!("{} is {}", s.id, describe_status(&s.status)))
    } else {
        policy::may_approve(policy, &s.body.policy, &s.requester, user).err()
    };
    PendingRequest {
        id: s.id.clone(),
        action: s.body.policy.action.map_or("action", ActionKind::name).to_string(),
        service: s.body.service.clone(),
        from_env: s.body.from_env.clone(),
        to_env: s.body.policy.env.clone(),
        summary: s.body.summary.clone(),
        requester: s.requester.clone(),
        ticket: s.body.policy.ticket.clone(),
        reason: s.body.policy.reason.clone(),
        requested_at: s.requested_at,
        approvals: s
            .approvals
            .iter()
            .map(|a| ApprovalVote {
                actor: a.actor.clone(),
                at: a.at,
                comment: a.comment.clone(),
                verified: a.verified,
            })
            .collect(),
        counted: t.counted,
        needed: t.needed,
        ignored: t.ignored,
        diff: s.body.diff.clone(),
        refusal,
        status: describe_status(&s.status),
        open: s.is_pending(),
        lane: s.body.policy.lane.clone(),
    }
}

/// `user`'s own requests, with their history, for the requester's console.
pub fn mine(states: &[RequestState], user: &UserInfo) -> Vec<MyRequest> {
    states
        .iter()
        .filter(|s| !user.username.is_empty() && s.requester == user.username)
        .map(|s| MyRequest {
            id: s.id.clone(),
            summary: s.body.summary.clone(),
            events: s.history.clone(),
            closed: s.is_closed(),
        })
        .collect()
}

/// What is new for the requester between two reports: `(request id, summary, line)` for
/// every event the old report did not have. A request seen for the first time reports
/// nothing: the console only tells what happened while it was watching.
pub fn news(old: &[MyRequest], new: &[MyRequest]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for n in new {
        let Some(o) = old.iter().find(|o| o.id == n.id) else { continue };
        for line in n.events.iter().skip(o.events.len()) {
            out.push((n.id.clone(), n.summary.clone(), line.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(id: &str, events: &[&str]) -> MyRequest {
        MyRequest {
            id: id.into(),
            summary: format!("sync {id}"),
            events: events.iter().map(|e| e.to_string()).collect(),
            closed: false,
        }
    }

    #[test]
    fn news_are_the_events_a_request_gained_since_the_last_report() {
        let old = vec![req("a", &["filed by dave"]), req("b", &["filed by dave"])];
        let new = vec![
            req("a", &["filed by dave", "approved by alice: lgtm", "running: alice claimed the run"]),
            req("b", &["filed by dave"]),
            req("c", &["filed by dave", "rejected by bob: no"]),
        ];
        let lines: Vec<String> = news(&old, &new).into_iter().map(|(id, _, l)| format!("{id}: {l}")).collect();
        assert_eq!(lines, ["a: approved by alice: lgtm", "a: running: alice claimed the run"]);
    }
}
