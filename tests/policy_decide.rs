//! The example policy, evaluated: who may do what where, approvals, four-eyes, ticket and
//! reason rules, freezes with override, emergency rollback — and the English of each refusal.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use flightdeck::domain::policy::{self, decide, may_approve, tally, ActionKind, Decision, Policy, Request, Vote};
use flightdeck::domain::UserInfo;

fn example() -> Policy {
    policy::parse(policy::EXAMPLE, Path::new("policy.example.toml")).expect("example parses")
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo { username: name.into(), groups: groups.iter().map(|g| g.to_string()).collect() }
}

/// A Wednesday noon: no freeze.
fn weekday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 4, 12, 0, 0).unwrap()
}

/// A Friday 18:00: inside the Friday-evening freeze.
fn friday_evening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 6, 18, 0, 0).unwrap()
}

fn prod_promote() -> Request {
    Request {
        ticket: Some("CHG-1".into()),
        reason: Some("release 1.4".into()),
        ..Request::new(ActionKind::Promote, "prod")
    }
}

#[test]
fn dev_runs_for_anyone_and_staging_for_developers_without_approval() {
    let p = example();
    let anyone = user("eve", &[]);
    assert_eq!(decide(&p, &Request::new(ActionKind::Sync, "dev"), &anyone, weekday()), Decision::Run { notes: vec![] });
    let dave = user("dave", &["developers"]);
    assert!(matches!(
        decide(&p, &Request::new(ActionKind::Promote, "staging"), &dave, weekday()),
        Decision::Run { .. }
    ));
    let refused = decide(&p, &Request::new(ActionKind::Promote, "staging"), &anyone, weekday());
    assert_eq!(
        refused,
        Decision::Refused {
            reason:
                "promote in staging may be requested by developers or release-managers or sre; you are eve in no group"
                    .into()
        }
    );
}

#[test]
fn prod_promote_needs_two_release_manager_approvals() {
    let p = example();
    let dave = user("dave", &["developers"]);
    match decide(&p, &prod_promote(), &dave, weekday()) {
        Decision::NeedsApproval { needed, explanation, .. } => {
            assert_eq!(needed, 2);
            assert_eq!(explanation, "promote in prod needs 2 approvals from release-managers, not the requester's own");
        }
        other => panic!("expected approval, got {other:?}"),
    }
}

#[test]
fn ticket_and_reason_are_required_in_prod() {
    let p = example();
    let alice = user("alice", &["release-managers"]);
    let no_ticket = Request { ticket: None, ..prod_promote() };
    assert_eq!(
        decide(&p, &no_ticket, &alice, weekday()).explain(),
        "promote in prod needs a change ticket (give one with --ticket)"
    );
    let no_reason = Request { reason: Some("  ".into()), ..prod_promote() };
    assert!(decide(&p, &no_reason, &alice, weekday()).explain().contains("needs a reason"));
}

#[test]
fn four_eyes_and_approver_groups_are_enforced_and_explained() {
    let p = example();
    let req = prod_promote();
    let alice = user("alice", &["release-managers"]);
    let bob = user("bob", &["release-managers"]);
    let dave = user("dave", &["developers"]);
    assert_eq!(
        may_approve(&p, &req, "alice", &alice).unwrap_err(),
        "you asked for this promote; prod needs someone else to approve it (four-eyes)"
    );
    assert_eq!(
        may_approve(&p, &req, "alice", &dave).unwrap_err(),
        "prod needs approvals from release-managers; you are dave in group developers"
    );
    assert!(may_approve(&p, &req, "alice", &bob).is_ok());

    let votes = |vs: &[&UserInfo]| vs.iter().map(|u| Vote { user: (*u).clone(), verified: false }).collect::<Vec<_>>();
    // dave asked; alice's own-vote twice counts once; bob makes two.
    let t = tally(&p, &req, "dave", &votes(&[&alice, &alice]));
    assert_eq!((t.counted, t.needed, t.satisfied()), (1, 2, false));
    let t = tally(&p, &req, "dave", &votes(&[&alice, &dave, &bob]));
    assert_eq!((t.counted, t.satisfied()), (2, true));
    assert_eq!(t.ignored.len(), 1, "dave's own approval is ignored: {:?}", t.ignored);
    assert!(t.ignored[0].starts_with("dave: they asked"), "{:?}", t.ignored);
}

#[test]
fn unsigned_approvals_can_be_refused_by_policy() {
    let text = policy::EXAMPLE.replace("count_unverified = true", "count_unverified = false");
    let p = policy::parse(&text, Path::new("p.toml")).unwrap();
    let req = prod_promote();
    let a = Vote { user: user("alice", &["release-managers"]), verified: false };
    let b = Vote { user: user("bob", &["release-managers"]), verified: true };
    let t = tally(&p, &req, "dave", &[a, b]);
    assert_eq!(t.counted, 1);
    assert!(t.ignored[0].contains("not signed"), "{:?}", t.ignored);
}

#[test]
fn freeze_refuses_and_names_who_may_override() {
    let p = example();
    let alice = user("alice", &["release-managers"]);
    let olga = user("olga", &["sre"]);
    let sync =
        Request { ticket: Some("CHG-2".into()), reason: Some("fix".into()), ..Request::new(ActionKind::Sync, "prod") };
    let d = decide(&p, &sync, &alice, friday_evening());
    assert_eq!(
        d.explain(),
        "prod is frozen: Friday evening and weekend (* 17-23 * * fri; * * * * sat,sun); sre may override it with a reason"
    );
    let override_req = Request { override_freeze: true, ..sync.clone() };
    assert!(decide(&p, &override_req, &alice, friday_evening()).explain().contains("only sre may override it"));
    match decide(&p, &override_req, &olga, friday_evening()) {
        Decision::NeedsApproval { notes, .. } => assert!(notes[0].contains("overridden by olga"), "{notes:?}"),
        other => panic!("{other:?}"),
    }
    // Same request on a weekday is not frozen; staging is never frozen.
    assert!(matches!(decide(&p, &sync, &alice, weekday()), Decision::NeedsApproval { .. }));
    assert!(matches!(
        decide(&p, &Request::new(ActionKind::Sync, "staging"), &alice, friday_evening()),
        Decision::Run { .. }
    ));
}

#[test]
fn date_range_freeze_applies_inside_the_range_only() {
    let p = example();
    let olga = user("olga", &["sre"]);
    let req = Request { ticket: Some("T".into()), reason: Some("r".into()), ..Request::new(ActionKind::Scale, "prod") };
    let inside = Utc.with_ymd_and_hms(2099, 12, 23, 10, 0, 0).unwrap(); // a Wednesday
    assert!(decide(&p, &req, &olga, inside).explain().contains("year-end"));
    let after = Utc.with_ymd_and_hms(2100, 1, 5, 10, 0, 0).unwrap(); // a Tuesday
    assert!(matches!(decide(&p, &req, &olga, after), Decision::NeedsApproval { .. }));
}

#[test]
fn on_call_rolls_back_prod_at_once_even_in_a_freeze() {
    let p = example();
    let olga = user("olga", &["sre"]);
    let alice = user("alice", &["release-managers"]);
    let rb = Request { emergency: true, reason: Some("outage".into()), ..Request::new(ActionKind::Rollback, "prod") };
    match decide(&p, &rb, &olga, friday_evening()) {
        Decision::Run { notes } => assert_eq!(notes, vec!["emergency rollback by olga without approvals".to_string()]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decide(&p, &rb, &alice, weekday()).explain(),
        "emergency rollback in prod is for sre; you are alice in group release-managers"
    );
    let no_reason = Request { reason: None, ..rb };
    assert!(decide(&p, &no_reason, &olga, weekday()).explain().contains("needs a reason"));
}

#[test]
fn unknown_environment_and_open_policy() {
    let p = example();
    let d = decide(&p, &Request::new(ActionKind::Sync, "qa"), &user("a", &[]), weekday());
    assert!(d.explain().contains("no environment \"qa\" (it knows dev, staging, prod)"), "{d:?}");
    assert_eq!(p.next_env("staging"), Some("prod"));
    assert_eq!(p.next_env("prod"), None);
    let open = Policy::open();
    assert!(matches!(decide(&open, &prod_promote(), &user("a", &[]), weekday()), Decision::Run { .. }));
}
