//! The Conductor fold and check, pure: approvals through the policy's tally, a completion
//! from outside Flightdeck that never counts, a rejection, a freeze at run time, and the
//! request's life read back from the execution's status.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::domain::policy::{self, ActionKind, Request};
use crate::domain::UserInfo;
use crate::engine::{RequestBody, Status};

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn user(n: &str, g: &str) -> UserInfo {
    UserInfo { username: n.into(), groups: vec![g.into()] }
}

fn body() -> RequestBody {
    let mut p = Request::new(ActionKind::Promote, "prod");
    (p.from_env, p.ticket, p.reason) = (Some("staging".into()), Some("CHG-1".into()), Some("r".into()));
    RequestBody {
        policy: p,
        service: "alpha".into(),
        from_env: Some("staging".into()),
        summary: "promote alpha staging → prod (v2)".into(),
        diff: Vec::new(),
        payload: json!({ "images": ["alpha:v2"], "from": "staging", "to": "prod" }),
    }
}

fn step(reference: &str, status: &str, output: serde_json::Value) -> Step {
    Step {
        reference: reference.into(),
        task_type: "HUMAN".into(),
        status: status.into(),
        output,
        end: Some(at(10)),
        ..Step::default()
    }
}

fn execution(status: &str, steps: Vec<Step>) -> Execution {
    Execution {
        id: "wf-1".into(),
        workflow: "flightdeck_promote".into(),
        status: status.into(),
        input: start_input(&body(), &user("dave", "developers"), true, json!({}), json!({})),
        output: json!({}),
        reason: None,
        started: at(0),
        steps,
    }
}

fn policy() -> policy::Policy {
    let text = crate::domain::policy::EXAMPLE;
    let cut = text.find("[[env.prod.freeze]]").unwrap();
    policy::parse(&text[..cut], "p".as_ref()).unwrap()
}

fn approval(who: &UserInfo) -> Step {
    step(APPROVAL_REF, "COMPLETED", decision_output(who, true, Some("ok"), at(5)))
}

#[test]
fn approvals_count_through_the_policy_and_an_outside_completion_never_does() {
    let (alice, bob, dave) =
        (user("alice", "release-managers"), user("bob", "release-managers"), user("dave", "developers"));
    let outside = step(APPROVAL_REF, "COMPLETED", json!({ "approved": true, "approver": "alice" }));
    let e = execution(
        "RUNNING",
        vec![outside, approval(&dave), approval(&alice), step(APPROVAL_REF, "IN_PROGRESS", json!({}))],
    );
    let c = check(&policy(), &e, at(20));
    assert_eq!((c.decision, c.counted, c.needed), ("pending", 1, 2), "{c:?}");
    assert!(c.ignored[0].contains("outside Flightdeck"), "{c:?}");
    assert!(c.ignored.iter().any(|i| i.starts_with("dave:") && i.contains("four-eyes")), "{c:?}");
    let e = execution("RUNNING", vec![approval(&alice), approval(&alice), approval(&bob)]);
    let c = check(&policy(), &e, at(20));
    assert_eq!((c.decision, c.approvers.clone()), ("approved", vec!["alice".to_string(), "bob".to_string()]));
}

#[test]
fn a_rejection_by_someone_who_may_decide_ends_it_and_one_by_someone_else_does_not() {
    let reject = |who: &UserInfo| step(APPROVAL_REF, "COMPLETED", decision_output(who, false, Some("no"), at(5)));
    let e = execution("RUNNING", vec![reject(&user("eve", "developers"))]);
    let c = check(&policy(), &e, at(20));
    assert_eq!(c.decision, "pending");
    assert!(c.ignored[0].starts_with("rejection by eve"), "{c:?}");
    let e = execution("RUNNING", vec![reject(&user("bob", "release-managers"))]);
    let c = check(&policy(), &e, at(20));
    assert_eq!((c.decision, c.by.as_deref(), c.reason.as_str()), ("rejected", Some("bob"), "rejected by bob: no"));
}

#[test]
fn the_fold_reads_the_request_s_life_from_the_execution() {
    let alice = user("alice", "release-managers");
    let waiting = execution("RUNNING", vec![approval(&alice), step(APPROVAL_REF, "IN_PROGRESS", json!({}))]);
    let s = fold(&waiting).unwrap();
    assert_eq!((s.status.clone(), s.requester.as_str(), s.approvals.len()), (Status::Pending, "dave", 1));
    let running = execution("RUNNING", vec![approval(&alice), step("deploy", "IN_PROGRESS", json!({}))]);
    let r = fold(&running).unwrap();
    assert!(matches!(r.status, Status::Executed { .. }));
    let mut done = execution("COMPLETED", vec![approval(&alice), step("deploy", "COMPLETED", json!({}))]);
    let d = fold(&done).unwrap();
    // The running line stays where it was, so the requester hears only what is new.
    assert_eq!(&d.history[..r.history.len()], &r.history[..]);
    assert_eq!(d.history.last().map(String::as_str), Some("succeeded"));
    done.status = "TERMINATED".into();
    done.reason = Some(withdrawn_by("dave"));
    assert_eq!(fold(&done).unwrap().status, Status::Cancelled { by: "dave".into() });
    done.reason = Some(EXPIRED.into());
    assert_eq!(fold(&done).unwrap().status, Status::Expired);
    done.reason = Some("oops".into());
    assert!(matches!(fold(&done).unwrap().status, Status::Finished { ok: false, .. }));
    let mut direct = execution("RUNNING", vec![]);
    direct.input["needs_approval"] = json!(false);
    assert!(fold(&direct).is_none(), "a direct run is not a request");
}
