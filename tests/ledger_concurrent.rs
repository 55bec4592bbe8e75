//! The approvals ledger on a real bare repository: two operators (two private clones) approve
//! at once and both records are kept; two consoles race to run an approved request and
//! exactly one wins; four-eyes, rejections and closed requests are refused with a reason;
//! signed approvals verify against the repository's allowed_signers.

use std::path::Path;
use std::sync::{Arc, Barrier};

use chrono::{TimeZone, Utc};
use flightdeck::client::engine::{Ledger, LedgerError, Signing, DEFAULT_REF};
use flightdeck::client::git::Git;
use flightdeck::domain::policy::{self, ActionKind, Policy, Request};
use flightdeck::domain::UserInfo;
use flightdeck::engine::{RecordKind, RequestBody, Status};

fn git() -> Git {
    Git::new().with_timeout(std::time::Duration::from_secs(60))
}

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo { username: name.into(), groups: groups.iter().map(|g| g.to_string()).collect() }
}

fn example() -> Policy {
    policy::parse(policy::EXAMPLE, Path::new("policy.example.toml")).unwrap()
}

/// A bare remote, and a ledger for each operator with its own cache dir (its own machine).
fn remote() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    git().run(dir.path(), &["init", "-q", "--bare", "-b", "main", "."]).unwrap();
    let url = format!("file://{}", dir.path().display());
    (dir, url)
}

fn ledger(url: &str, cache: &Path) -> Ledger {
    Ledger::open(git(), url, cache, DEFAULT_REF).unwrap()
}

fn body() -> RequestBody {
    RequestBody {
        policy: Request {
            ticket: Some("CHG-7".into()),
            reason: Some("release".into()),
            ..Request::new(ActionKind::Promote, "prod")
        },
        service: "payment-service".into(),
        from_env: Some("staging".into()),
        summary: "promote payment-service staging → prod (v1.3.0)".into(),
        diff: vec!["-    newTag: v1.2.0".into(), "+    newTag: v1.3.0".into()],
        payload: serde_json::json!({"tag": "v1.3.0"}),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 4, 12, 0, 0).unwrap()
}

#[test]
fn two_approvers_at_once_both_records_kept_and_one_execution() {
    let (_remote, url) = remote();
    let caches: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let dave = user("dave", &["developers"]);
    let req = ledger(&url, caches[0].path()).request(&dave, body(), now()).unwrap();
    assert!(req.id.starts_with("req-"));
    assert_eq!(req.status, Status::Pending);

    let p = Arc::new(example());
    // Many rounds make the race real: both fetch the same tip, one push loses and re-applies.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [("alice", 1usize), ("bob", 2usize)]
        .into_iter()
        .map(|(name, c)| {
            let (url, cache, id, p, barrier) =
                (url.clone(), caches[c].path().to_path_buf(), req.id.clone(), p.clone(), barrier.clone());
            std::thread::spawn(move || {
                let l = ledger(&url, &cache);
                barrier.wait();
                l.approve(&p, &id, &user(name, &["release-managers"]), Some("lgtm"), now()).unwrap()
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let l0 = ledger(&url, caches[0].path());
    let state = l0.states().unwrap().into_iter().find(|s| s.id == req.id).unwrap();
    let mut approvers: Vec<_> = state.approvals.iter().map(|a| a.actor.clone()).collect();
    approvers.sort();
    assert_eq!(approvers, ["alice", "bob"], "both concurrent approvals kept");
    assert!(state.tally(&p).satisfied());
    assert!(state.approvals.iter().all(|a| !a.verified), "unsigned approvals are unverified");

    // Both approvers' consoles race to run it: exactly one claims it.
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [("alice", 1usize), ("bob", 2usize)]
        .into_iter()
        .map(|(name, c)| {
            let (url, cache, id, p, barrier) =
                (url.clone(), caches[c].path().to_path_buf(), req.id.clone(), p.clone(), barrier.clone());
            std::thread::spawn(move || {
                let l = ledger(&url, &cache);
                barrier.wait();
                l.claim_execution(&p, &id, &user(name, &["release-managers"]), now()).unwrap()
            })
        })
        .collect();
    let wins: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "claimed once: {wins:?}");
    let records = l0.records().unwrap();
    let execs = records.iter().filter(|r| r.kind == RecordKind::Execution).count();
    assert_eq!(execs, 1, "the loser re-checked and did not append a second claim");
    assert!(l0.pending().unwrap().is_empty());
}

#[test]
fn many_concurrent_appends_lose_nothing() {
    let (_remote, url) = remote();
    let dave = user("dave", &["developers"]);
    let cache = tempfile::tempdir().unwrap();
    let req = ledger(&url, cache.path()).request(&dave, body(), now()).unwrap();
    let p = Arc::new(policy::Policy::open());
    let n = 6;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (url, id, p, barrier) = (url.clone(), req.id.clone(), p.clone(), barrier.clone());
            std::thread::spawn(move || {
                let cache = tempfile::tempdir().unwrap();
                let l = ledger(&url, cache.path());
                barrier.wait();
                l.approve(&p, &id, &user(&format!("u{i}"), &[]), None, now()).unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let state = ledger(&url, cache.path()).states().unwrap().remove(0);
    assert_eq!(state.approvals.len(), n);
}

#[test]
fn refusals_are_explained() {
    let (_remote, url) = remote();
    let cache = tempfile::tempdir().unwrap();
    let l = ledger(&url, cache.path());
    let p = example();
    let dave = user("dave", &["developers"]);
    let alice = user("alice", &["release-managers"]);
    let req = l.request(&dave, body(), now()).unwrap();
    let own = l.approve(&p, &req.id, &dave, None, now()).unwrap_err();
    assert_eq!(own.to_string(), "you asked for this promote; prod needs someone else to approve it (four-eyes)");
    let not_yet = l.claim_execution(&p, &req.id, &alice, now()).unwrap_err();
    assert_eq!(not_yet.to_string(), format!("{} has 0 of 2 approvals", req.id));
    assert!(matches!(l.reject(&p, &req.id, &alice, " ", now()), Err(LedgerError::Refused(_))));
    let rejected = l.reject(&p, &req.id, &alice, "not during the incident", now()).unwrap();
    assert_eq!(rejected.status, Status::Rejected { by: "alice".into() });
    assert_eq!(rejected.rejections[0].comment.as_deref(), Some("not during the incident"));
    let late = l.approve(&p, &req.id, &user("bob", &["release-managers"]), None, now()).unwrap_err();
    assert_eq!(late.to_string(), format!("request {} is rejected by alice", req.id));
    assert!(matches!(l.approve(&p, "req-nope", &alice, None, now()), Err(LedgerError::UnknownRequest(_))));
    let other = l.request(&dave, body(), now() + chrono::Duration::seconds(1)).unwrap();
    assert!(l.cancel(&other.id, &alice, now()).unwrap_err().to_string().contains("only dave"));
    assert_eq!(l.cancel(&other.id, &dave, now()).unwrap().status, Status::Cancelled { by: "dave".into() });
}

#[test]
fn signed_approvals_verify_against_allowed_signers() {
    if std::process::Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("ssh-keygen not installed: signing not tested");
        return;
    }
    let (_remote, url) = remote();
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("bob");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(st.success());
    // The repository's main branch holds allowed_signers naming bob's key.
    let work = tempfile::tempdir().unwrap();
    let g = git().with_identity("admin", "admin@example.invalid");
    g.run(work.path(), &["init", "-q", "-b", "main", "."]).unwrap();
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::write(work.path().join("allowed_signers"), format!("bob@flightdeck.invalid {pubkey}")).unwrap();
    g.run(work.path(), &["add", "allowed_signers"]).unwrap();
    g.run(work.path(), &["commit", "-q", "-m", "signers"]).unwrap();
    g.run(work.path(), &["push", "-q", &url, "main"]).unwrap();

    let p = Policy::open();
    let c1 = tempfile::tempdir().unwrap();
    let c2 = tempfile::tempdir().unwrap();
    let plain = ledger(&url, c1.path());
    let signed =
        ledger(&url, c2.path()).with_signing(Some(Signing { format: "ssh".into(), key: key.display().to_string() }));
    let req = plain.request(&user("dave", &[]), body(), now()).unwrap();
    plain.approve(&p, &req.id, &user("alice", &[]), None, now()).unwrap();
    signed.approve(&p, &req.id, &user("bob", &[]), None, now()).unwrap();
    let state = plain.states().unwrap().remove(0);
    let marks: Vec<(String, bool)> = state.approvals.iter().map(|a| (a.actor.clone(), a.verified)).collect();
    assert_eq!(marks, [("alice".to_string(), false), ("bob".to_string(), true)]);
}
