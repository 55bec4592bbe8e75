//! A request's life through the one governance path (`client::engine::Governance` on the
//! embedded engine, a real bare repository): expiry after the policy's TTL, recorded once
//! whoever sweeps; an approved request re-checked against the policy when it would run (a
//! freeze that began meanwhile refuses it); withdrawal by the requester only; the outcome of
//! the run reaching the requester's view; and a freeze overridden (headless) with a reason,
//! recorded in the trail.

mod common;

use std::path::Path;

use chrono::{Duration, Utc};
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::engine::{Governance, Ledger, DEFAULT_REF};
use flightdeck::client::git::Git;
use flightdeck::domain::approvals::ApprovalSource;
use flightdeck::domain::policy::{ActionKind, Request};
use flightdeck::domain::UserInfo;
use flightdeck::engine::{RecordKind, RequestBody, Status};

fn user(name: &str, group: &str) -> UserInfo {
    UserInfo { username: name.into(), groups: vec![group.into()] }
}

/// A bare repository whose `policy.toml` is `policy`; returns its URL.
fn repo(dir: &Path, policy: &str) -> String {
    let git = Git::new().with_identity("Platform", "platform@example.com");
    let bare = dir.join("gitops.git");
    git.run(dir, &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]).unwrap();
    set_policy(dir, &format!("file://{}", bare.display()), policy);
    format!("file://{}", bare.display())
}

/// Commit `policy` as the repository's `policy.toml`.
fn set_policy(dir: &Path, url: &str, policy: &str) {
    let git = Git::new().with_identity("Platform", "platform@example.com");
    let work = dir.join(format!("work-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    git.run(dir, &["clone", "-q", url, work.to_str().unwrap()]).unwrap();
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    git.run(&work, &["add", "policy.toml"]).unwrap();
    git.run(&work, &["commit", "-q", "-m", "policy"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

const POLICY: &str = r#"
environments = ["dev", "staging", "prod"]
request_ttl = "1h"
[env.prod]
requesters = ["group:developers", "group:release-managers"]
approvals = 1
approvers = ["group:release-managers"]
"#;

fn governance(url: &str, dir: &Path, name: &str) -> Governance {
    let source = ApprovalSource {
        remote: url.into(),
        policy_path: "policy.toml".into(),
        ledger_ref: DEFAULT_REF.into(),
        signing: None,
    };
    let paths = LedgerPaths {
        cache_root: Some(dir.join(format!("cache-{name}"))),
        audit_dir: Some(dir.join(format!("audit-{name}"))),
        ..Default::default()
    };
    Governance::new(Some(source), paths, None)
}

fn sync_body() -> RequestBody {
    RequestBody {
        policy: Request::new(ActionKind::Sync, "prod"),
        service: "alpha".into(),
        from_env: None,
        summary: "sync alpha in prod".into(),
        diff: Vec::new(),
        payload: serde_json::json!({"action": "sync", "prune": false, "dry_run": false, "force": false, "apply_only": false}),
    }
}

fn ledger(url: &str, dir: &Path) -> Ledger {
    Ledger::open(Git::new(), url, &dir.join("cache-direct"), DEFAULT_REF).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_ttl_expires_once_whoever_looks_first() {
    let dir = tempfile::tempdir().unwrap();
    let url = repo(dir.path(), POLICY);
    let dave = user("dave", "developers");
    let old = ledger(&url, dir.path()).request(&dave, sync_body(), Utc::now() - Duration::hours(2)).unwrap();
    let fresh = ledger(&url, dir.path()).request(&dave, sync_body(), Utc::now()).unwrap();
    // Two operators look, one after the other: the first records the expiry, the second finds it done.
    let (alice, bob) = (user("alice", "release-managers"), user("bob", "release-managers"));
    let (_, view) = governance(&url, dir.path(), "alice").load(&alice).await;
    let ids: Vec<String> = view.unwrap().requests.into_iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![fresh.id.clone()], "only the fresh one still waits");
    let (_, seen) = governance(&url, dir.path(), "bob").load(&bob).await;
    assert!(seen.unwrap().requests.iter().all(|r| r.id != old.id));
    let records = ledger(&url, dir.path()).records().unwrap();
    let expiries: Vec<_> = records.iter().filter(|r| r.kind == RecordKind::Expiry).collect();
    assert_eq!(expiries.len(), 1, "recorded once: {expiries:?}");
    assert_eq!((expiries[0].id.as_str(), expiries[0].actor.as_str()), (old.id.as_str(), "alice"));
    let trail = flightdeck::audit::read_records(&dir.path().join("audit-alice")).unwrap();
    assert!(trail.iter().any(|r| r.entry.event == "expiry" && r.entry.request.as_deref() == Some(old.id.as_str())));
    // The requester's view says what became of it.
    let (_, view) = governance(&url, dir.path(), "dave").load(&dave).await;
    let mine = view.unwrap().mine;
    let expired = mine.iter().find(|m| m.id == old.id).unwrap();
    assert!(expired.closed && expired.events.last().unwrap().starts_with("expired"), "{expired:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_request_is_checked_again_when_it_would_run_and_a_new_freeze_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = repo(dir.path(), POLICY);
    let dave = user("dave", "developers");
    let id = governance(&url, dir.path(), "dave")
        .file(&dave, Request::new(ActionKind::Sync, "prod"), "alpha", &sync_action())
        .await
        .unwrap();
    // A freeze starts after the request was filed (a date range around now).
    let from = (Utc::now() - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let until = (Utc::now() + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let frozen =
        format!("{POLICY}\n[[env.prod.freeze]]\nname = \"incident\"\nfrom = \"{from}\"\nuntil = \"{until}\"\n");
    set_policy(dir.path(), &url, &frozen);
    let alice = user("alice", "release-managers");
    let out = governance(&url, dir.path(), "alice").decide(&alice, &id, true, "lgtm").await.unwrap();
    assert!(out.run.is_none(), "nothing runs");
    let note = out.note.unwrap();
    assert!(note.contains("no longer passes the policy") && note.contains("prod is frozen"), "{note}");
    let state = ledger(&url, dir.path()).states().unwrap().into_iter().find(|s| s.id == id).unwrap();
    assert!(matches!(&state.status, Status::Refused { reason } if reason.contains("frozen")), "{:?}", state.status);
    let trail = flightdeck::audit::read_records(&dir.path().join("audit-alice")).unwrap();
    let events: Vec<&str> = trail.iter().map(|r| r.entry.event.as_str()).collect();
    assert_eq!(events, ["approval", "refusal"]);
}

fn sync_action() -> flightdeck::domain::Action {
    flightdeck::domain::Action::Sync { prune: false, dry_run: false, force: false, apply_only: false }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_requester_withdraws_and_the_outcome_of_a_run_reaches_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = repo(dir.path(), POLICY);
    let (dave, alice) = (user("dave", "developers"), user("alice", "release-managers"));
    let gov = governance(&url, dir.path(), "dave");
    let first = gov.file(&dave, Request::new(ActionKind::Sync, "prod"), "alpha", &sync_action()).await.unwrap();
    let second = gov.file(&dave, Request::new(ActionKind::Sync, "prod"), "alpha", &sync_action()).await.unwrap();
    let refused = governance(&url, dir.path(), "alice").withdraw(&alice, &first).await.unwrap_err();
    assert!(refused.message.contains("only dave (who asked)"), "{refused:?}");
    gov.withdraw(&dave, &first).await.unwrap();
    // alice approves the second: her console claims and runs it, then records how it ended.
    let alice_gov = governance(&url, dir.path(), "alice");
    let out = alice_gov.decide(&alice, &second, true, "ok").await.unwrap();
    let run = out.run.expect("claimed");
    assert_eq!(run.context.request.as_deref(), Some(second.as_str()));
    alice_gov.finish(&alice, &second, "succeeded").await;
    let (_, view) = gov.load(&dave).await;
    let mine = view.unwrap().mine;
    let w = mine.iter().find(|m| m.id == first).unwrap();
    assert_eq!((w.closed, w.events.last().unwrap().as_str()), (true, "withdrawn by dave"));
    let r = mine.iter().find(|m| m.id == second).unwrap();
    assert_eq!(r.events, ["filed by dave", "approved by alice: ok", "running: alice claimed the run", "succeeded"]);
    assert!(r.closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_is_overridden_headless_with_a_reason_by_those_it_names_and_the_trail_says_so() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    common::operator_config(&sim, home, "olga");
    common::operator_config(&sim, home, "dave");
    let from = (Utc::now() - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let until = (Utc::now() + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let policy = format!(
        "environments = [\"dev\", \"staging\", \"prod\"]\n[env.dev]\n[[env.dev.freeze]]\nname = \"incident\"\nfrom = \"{from}\"\nuntil = \"{until}\"\noverride = [\"group:sre\"]\n"
    );
    set_policy(home, &sim.git_remote(), &policy);
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    let plain = common::run_as(home, "olga", &["sync", &service, "--env", "dev"]).await;
    assert_eq!(plain.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&plain.stderr).contains("dev is frozen"), "{plain:?}");
    let dave = common::run_as(home, "dave", &["sync", &service, "--env", "dev", "--override-freeze", "hotfix"]).await;
    assert_eq!(dave.status.code(), Some(3), "dave is not named by the freeze");
    assert!(String::from_utf8_lossy(&dave.stderr).contains("only sre may override it"), "{dave:?}");
    let olga = common::run_as(
        home,
        "olga",
        &["sync", &service, "--env", "dev", "--override-freeze", "INC-42 rollback of a bad config"],
    )
    .await;
    assert_eq!(olga.status.code(), Some(0), "{olga:?}");
    let trail = flightdeck::audit::read_records(&home.join("data/flightdeck")).unwrap();
    let ran = trail.iter().find(|r| r.entry.event == "action").expect("the run is recorded");
    assert_eq!(ran.entry.reason.as_deref(), Some("INC-42 rollback of a bad config"));
    assert!(ran.entry.detail.contains("freeze \"incident\" overridden by olga"), "{:?}", ran.entry);
    sim.shutdown().await;
}
