//! Requests, decisions and runs as Conductor keeps them, the pure side: an execution of one
//! of Flightdeck's workflows ([`Execution`], read by `client::engine::conductor`) folded into
//! the same [`RequestState`] the embedded ledger gives, the input Flightdeck starts an
//! execution with, the output an approval completes its HUMAN task with, and [`check`] — the
//! decision the worker's `flightdeck_check_approvals` task makes before anything runs.
//!
//! Conductor OSS does not record who completes a HUMAN task, and anyone who can reach its
//! API can complete one. So an approval carries the approver's identity and groups (as Argo
//! CD reported them to the approving Flightdeck), and [`check`] counts it only through the
//! policy's own tally: a completion without Flightdeck's fields (someone outside Flightdeck)
//! never counts, and the check says so in the run.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::records::{RequestBody, RequestState, Status, Verdict};
use crate::domain::policy::{self, Decision, Policy, Vote};
use crate::domain::UserInfo;

/// Reference name of the HUMAN approval task (inside the `approvals` DO_WHILE).
pub const APPROVAL_REF: &str = "approval";
/// Reference name of the check that follows each approval.
pub const CHECK_REF: &str = "approval_check";
/// Who runs an approved request on Conductor.
pub const WORKER: &str = "flightdeck worker";

/// One task of an execution, as much as the fold needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// The reference name without its loop iteration.
    pub reference: String,
    pub task_type: String,
    pub status: String,
    pub output: Value,
    pub reason: Option<String>,
    pub retry_count: u32,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Step {
    pub fn pending(&self) -> bool {
        matches!(self.status.as_str(), "SCHEDULED" | "IN_PROGRESS")
    }
}

/// One execution of a Flightdeck workflow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Execution {
    pub id: String,
    pub workflow: String,
    /// RUNNING, PAUSED, COMPLETED, FAILED, TIMED_OUT, TERMINATED.
    pub status: String,
    pub input: Value,
    pub output: Value,
    pub reason: Option<String>,
    pub started: DateTime<Utc>,
    pub steps: Vec<Step>,
}

/// The workflow that runs `kind` (`sync` → `flightdeck_sync`); `None` for actions Conductor
/// does not run (they run directly, as on the embedded engine).
pub fn workflow_for(kind: &str) -> Option<String> {
    ["sync", "rollback", "scale", "restart", "promote"].contains(&kind).then(|| format!("flightdeck_{kind}"))
}

/// What an execution starts with.
pub fn start_input(
    body: &RequestBody,
    requester: &UserInfo,
    needs_approval: bool,
    target: Value,
    context: Value,
) -> Value {
    json!({
        "flightdeck": 1,
        "request": body,
        "requester": { "username": requester.username, "groups": requester.groups },
        "needs_approval": needs_approval,
        "target": target,
        "action": body.payload,
        "context": context,
    })
}

/// What an approval (or a rejection) completes the HUMAN task with.
pub fn decision_output(who: &UserInfo, approve: bool, comment: Option<&str>, at: DateTime<Utc>) -> Value {
    json!({
        "flightdeck": 1,
        "decision": if approve { "approve" } else { "reject" },
        "approver": who.username,
        "groups": who.groups,
        "comment": comment,
        "at": at.to_rfc3339(),
    })
}

/// One completed approval step, read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Decided {
    Approve(UserInfo, Option<String>, DateTime<Utc>),
    Reject(UserInfo, Option<String>, DateTime<Utc>),
    /// Completed without Flightdeck's fields: from outside Flightdeck; never counts.
    Outside(DateTime<Utc>),
}

/// Every completed approval step of `e`, in order.
pub fn decisions(e: &Execution) -> Vec<Decided> {
    e.steps
        .iter()
        .filter(|s| s.reference == APPROVAL_REF && s.status == "COMPLETED")
        .map(|s| {
            let at = s.end.unwrap_or(e.started);
            let o = &s.output;
            let who = o["approver"].as_str().filter(|a| !a.trim().is_empty() && o["flightdeck"].as_u64() == Some(1));
            let Some(name) = who else { return Decided::Outside(at) };
            let groups = o["groups"]
                .as_array()
                .map(|g| g.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let user = UserInfo { username: name.to_string(), groups };
            let comment = o["comment"].as_str().map(str::to_string).filter(|c| !c.trim().is_empty());
            match o["decision"].as_str() {
                Some("approve") => Decided::Approve(user, comment, at),
                Some("reject") => Decided::Reject(user, comment, at),
                _ => Decided::Outside(at),
            }
        })
        .collect()
}

/// What the check decided.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckOutcome {
    /// `approved`, `pending`, `rejected`, `refused`.
    pub decision: &'static str,
    pub counted: u32,
    pub needed: u32,
    pub approvers: Vec<String>,
    /// Why each approval that does not count does not.
    pub ignored: Vec<String>,
    /// Who rejected, for `rejected`.
    pub by: Option<String>,
    /// One line for the run and the workflow's reason.
    pub reason: String,
}

impl CheckOutcome {
    pub fn output(&self) -> Value {
        json!({
            "decision": self.decision, "counted": self.counted, "needed": self.needed,
            "approvers": self.approvers, "ignored": self.ignored, "by": self.by, "reason": self.reason,
        })
    }
}

/// The worker's check of execution `e` under `policy` at `now`: each approval through the
/// policy's tally (four-eyes, approvers, signatures), a rejection by someone who may decide
/// ends it, and a satisfied request is checked once more for the requester (a freeze that
/// began since, a rule that changed) before it may run.
pub fn check(policy: &Policy, e: &Execution, now: DateTime<Utc>) -> CheckOutcome {
    let Some(state) = fold(e) else {
        return outcome("refused", 0, 0, "the execution does not hold a Flightdeck request".into());
    };
    let req = &state.body.policy;
    let mut votes = Vec::new();
    let mut ignored = Vec::new();
    for d in decisions(e) {
        match d {
            Decided::Approve(user, _, _) => votes.push(Vote { user, verified: false }),
            Decided::Reject(user, comment, _) => match policy::may_approve(policy, req, &state.requester, &user) {
                Ok(()) => {
                    let why = comment.map(|c| format!(": {c}")).unwrap_or_default();
                    let mut o = outcome("rejected", 0, 0, format!("rejected by {}{why}", user.username));
                    o.by = Some(user.username);
                    return o;
                }
                Err(why) => ignored.push(format!("rejection by {}: {why}", user.username)),
            },
            Decided::Outside(_) => ignored
                .push("an approval completed outside Flightdeck (no approver identity): it does not count".into()),
        }
    }
    let t = policy::tally(policy, req, &state.requester, &votes);
    ignored.extend(t.ignored.iter().cloned());
    let approvers: Vec<String> = votes
        .iter()
        .filter(|v| !t.ignored.iter().any(|i| i.starts_with(&format!("{}:", v.user.username))))
        .map(|v| v.user.username.clone())
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        });
    if !t.satisfied() {
        let mut o = outcome("pending", t.counted, t.needed, format!("{} of {} approvals", t.counted, t.needed));
        (o.approvers, o.ignored) = (approvers, ignored);
        return o;
    }
    let requester = UserInfo { username: state.requester.clone(), groups: state.requester_groups.clone() };
    let mut o = match policy::decide(policy, req, &requester, now) {
        Decision::Refused { reason } => {
            outcome("refused", t.counted, t.needed, format!("refused when it would have run: {reason}"))
        }
        _ => outcome("approved", t.counted, t.needed, format!("approved by {}", approvers.join(", "))),
    };
    (o.approvers, o.ignored) = (approvers, ignored);
    o
}

fn outcome(decision: &'static str, counted: u32, needed: u32, reason: String) -> CheckOutcome {
    CheckOutcome { decision, counted, needed, approvers: Vec::new(), ignored: Vec::new(), by: None, reason }
}

/// The request an execution holds, with its state; `None` when it holds none (a direct run,
/// or not Flightdeck's).
pub fn fold(e: &Execution) -> Option<RequestState> {
    if e.input["needs_approval"].as_bool() != Some(true) {
        return None;
    }
    let body: RequestBody = serde_json::from_value(e.input["request"].clone()).ok()?;
    let requester = e.input["requester"]["username"].as_str()?.to_string();
    let requester_groups = e.input["requester"]["groups"]
        .as_array()
        .map(|g| g.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let mut s = RequestState {
        id: e.id.clone(),
        body,
        requester: requester.clone(),
        requester_groups,
        requested_at: e.started,
        approvals: Vec::new(),
        rejections: Vec::new(),
        status: Status::Pending,
        votes: Vec::new(),
        history: vec![format!("filed by {requester}")],
    };
    for d in decisions(e) {
        match d {
            Decided::Approve(user, comment, at) => {
                let c = comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default();
                s.history.push(format!("approved by {}{c}", user.username));
                s.approvals.push(Verdict { actor: user.username.clone(), at, comment, verified: false });
                s.votes.push(Vote { user, verified: false });
            }
            Decided::Reject(user, comment, at) => {
                let c = comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default();
                s.history.push(format!("rejected by {}{c}", user.username));
                s.rejections.push(Verdict { actor: user.username, at, comment, verified: false });
            }
            Decided::Outside(_) => s.history.push("approval completed outside Flightdeck: it does not count".into()),
        }
    }
    let reason = e.reason.clone().unwrap_or_default();
    let waiting = e.steps.iter().any(|st| {
        st.pending() && (st.reference == APPROVAL_REF || st.reference == CHECK_REF || st.reference == "approvals")
    });
    // Past its approvals, the run's own tasks have started: the history says so once, in the
    // same place whatever came after (the requester's console tells each new line once).
    let ran = e.steps.iter().any(|st| {
        !matches!(st.reference.as_str(), APPROVAL_REF | CHECK_REF | "approvals" | "approval_gate" | "approval_verdict")
    });
    if ran && !waiting {
        s.history.push(format!("running: {WORKER} runs it"));
    }
    s.status = match e.status.as_str() {
        "RUNNING" | "PAUSED" if waiting => Status::Pending,
        "RUNNING" | "PAUSED" => {
            let at =
                e.steps.iter().rev().find(|st| st.reference == CHECK_REF).and_then(|st| st.end).unwrap_or(e.started);
            Status::Executed { by: WORKER.into(), at }
        }
        "COMPLETED" => finished(&mut s, true, "succeeded".into()),
        "TERMINATED" if e.output["outcome"] == "rejected" => {
            Status::Rejected { by: e.output["by"].as_str().unwrap_or("someone").to_string() }
        }
        "TERMINATED" if e.output["outcome"] == "refused" || reason.starts_with("refused") => {
            s.history.push(reason.clone());
            Status::Refused { reason: reason.trim_start_matches("refused when it would have run: ").to_string() }
        }
        "TERMINATED" if reason.starts_with("withdrawn by ") => {
            let by = reason.trim_start_matches("withdrawn by ").to_string();
            s.history.push(format!("withdrawn by {by}"));
            Status::Cancelled { by }
        }
        "TERMINATED" if reason.starts_with("expired") => {
            s.history.push("expired: nobody decided in time".into());
            Status::Expired
        }
        other => finished(
            &mut s,
            false,
            format!("failed: {}", if reason.is_empty() { other.to_lowercase() } else { reason }),
        ),
    };
    Some(s)
}

fn finished(s: &mut RequestState, ok: bool, detail: String) -> Status {
    s.history.push(detail.clone());
    Status::Finished { by: WORKER.into(), ok, detail }
}

/// The reason Conductor keeps when a request is withdrawn, expires or is refused (the fold
/// reads them back).
pub fn withdrawn_by(who: &str) -> String {
    format!("withdrawn by {who}")
}
pub const EXPIRED: &str = "expired: nobody decided in time";

/// The note on the worker's trail record of a run: which worker, which execution.
pub fn run_note(worker_id: &str, execution: &str) -> String {
    format!("run by {WORKER} {worker_id} (workflow {execution})")
}

/// Whether a trail record's detail is the worker's record of `execution` ([`run_note`]).
pub fn notes_execution(detail: &str, execution: &str) -> bool {
    detail.contains(&format!("(workflow {execution})"))
}
pub fn refused(reason: &str) -> String {
    format!("refused when it would have run: {reason}")
}

#[cfg(test)]
#[path = "conductor_tests.rs"]
mod tests;
