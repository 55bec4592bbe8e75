//! The headless action gate end to end, with the real binary against the simulator (Manual
//! clock) and its bare GitOps repository: dave's `sync SERVICE --env prod` becomes an approval
//! request in the ledger and nothing is synced; alice's `approve` runs it once and Argo CD's
//! prod app shows the sync operation; a late approval runs nothing again. The committed
//! policy is the example without freeze windows (the wall clock must not matter) where
//! developers may also ask for a prod sync (the example keeps prod sync to release managers
//! and SRE, which would refuse dave).

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

fn both(o: &Output) -> String {
    format!("stdout: {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Let developers ask for a prod sync too (on top of the freeze-free example).
fn let_developers_request_prod_sync(sim: &Sim, scratch: &Path) {
    let git = Git::new().with_identity("Platform", "platform@example.com");
    let bare = sim.git_dir().expect("the simulator has a repository");
    let work = scratch.join("policy-edit-sync");
    git.run(scratch, &["clone", "-q", bare.to_str().unwrap(), work.to_str().unwrap()]).unwrap();
    let policy = std::fs::read_to_string(work.join("policy.toml")).unwrap();
    let extra = "\n[env.prod.sync]\nrequesters = [\"group:developers\", \"group:release-managers\", \"group:sre\"]\n";
    std::fs::write(work.join("policy.toml"), format!("{policy}{extra}")).unwrap();
    git.run(&work, &["commit", "-q", "-am", "policy: developers may ask for a prod sync"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

/// What shows that a sync was sent to the app: its pending operation and its last one.
fn operation_of(sim: &Sim, app: &str) -> (serde_json::Value, serde_json::Value) {
    let a = sim.app_json(2, app).unwrap();
    (a["operation"].clone(), a["status"]["operationState"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daves_prod_sync_is_filed_and_alices_approval_runs_it_once() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    for user in ["dave", "alice", "olga"] {
        common::operator_config(&sim, home, user);
    }
    common::commit_policy_without_freezes(&sim, home);
    let_developers_request_prod_sync(&sim, home);
    sim.advance(Duration::from_millis(100)).await;
    let service = common::service_of(&sim.app_names(2)[0], "prod");
    let prod_app = format!("{service}-prod");
    let before = operation_of(&sim, &prod_app);

    // Without ticket and reason, prod refuses on one line (exit 3), nothing filed.
    let out = common::run_as(home, "dave", &["sync", &service, "--env", "prod"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", both(&out));
    assert!(both(&out).contains("sync in prod needs a change ticket"), "{}", both(&out));

    // With them: a request in the ledger, exit 0, nothing synced.
    let args = ["sync", &service, "--env", "prod", "--ticket", "CHG-77", "--reason", "config drift"];
    let out = common::run_as(home, "dave", &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.contains(&format!("sync {service} in prod: approval request req-"))
            && stdout.contains("sync in prod needs 1 approval from release-managers or sre"),
        "{}",
        both(&out)
    );
    let id = stdout.split_whitespace().find(|w| w.starts_with("req-")).unwrap().trim_end_matches(';').to_string();
    sim.advance(Duration::from_secs(5)).await;
    assert_eq!(operation_of(&sim, &prod_app), before, "nothing synced while the request waits");
    let listed = common::run_as(home, "alice", &["approvals", "-o", "json"]).await;
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&id), "{}", both(&listed));

    // dave cannot approve his own (four-eyes); alice's approval satisfies the policy and runs it.
    let own = common::run_as(home, "dave", &["approve", &id]).await;
    assert_eq!(own.status.code(), Some(3), "{}", both(&own));
    let out = common::run_as(home, "alice", &["approve", &id]).await;
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        both(&out).contains("1 of 1") && both(&out).contains(&format!("you claimed the run: sync {service}/prod")),
        "{}",
        both(&out)
    );
    let (operation, state) = operation_of(&sim, &prod_app);
    assert!(operation["sync"].is_object() || state != before.1, "Argo CD prod shows the sync: {operation} {state}");
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let after_run = operation_of(&sim, &prod_app);
    assert_ne!(after_run.1, before.1, "the sync operation ran");

    // Decided requests leave the pending list; `--all` still shows what became of it.
    let pending = common::run_as(home, "dave", &["approvals", "-o", "json"]).await;
    assert!(!String::from_utf8_lossy(&pending.stdout).contains(&id), "{}", both(&pending));
    let all = common::run_as(home, "dave", &["approvals", "--all", "-o", "json"]).await;
    let rows: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let row = rows.as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).expect("listed with --all").clone();
    assert_eq!(
        (row["pending"].as_bool(), row["status"].as_str()),
        (Some(false), Some("run by alice: succeeded")),
        "{row}"
    );

    // Once: a late approval is refused and sends nothing.
    let late = common::run_as(home, "olga", &["approve", &id]).await;
    assert_ne!(late.status.code(), Some(0), "{}", both(&late));
    sim.advance(Duration::from_secs(5)).await;
    assert_eq!(operation_of(&sim, &prod_app).1, after_run.1, "no second sync");
    sim.shutdown().await;
}
