//! `run_action` against the simulator: steps reported in order, operations followed on the
//! watch stream to their end and to health, failures as ActionFailed with a hint. Sim time
//! moves only by `sim.advance`, after the follow stream is open (`wait_watchers`).

mod client_support;

use std::time::Duration;

use client_support::*;
use flightdeck::client::actions::{run_action_with, RunOptions};
use flightdeck::client::{ArgoClient, StepReport};
use flightdeck::domain::{Action, AppKey, ErrorKind, Failure, StepStatus};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const DEV: usize = 0;
const PROD: usize = 2;

type Steps = mpsc::UnboundedReceiver<StepReport>;

/// Start the action in a task; its steps arrive on the returned channel.
fn start(c: &ArgoClient, key: &AppKey, action: Action, wait: bool) -> (JoinHandle<Result<(), Failure>>, Steps) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (c, key) = (c.clone(), key.clone());
    let opts = RunOptions { wait, follow_timeout: Duration::from_secs(60) };
    let handle = tokio::spawn(async move {
        let mut report = move |s: StepReport| drop(tx.send(s));
        run_action_with(&c, &key, &action, opts, &mut report).await
    });
    (handle, rx)
}

async fn next_step(rx: &mut Steps) -> (String, StepStatus) {
    let s = tokio::time::timeout(SAFETY, rx.recv()).await.expect("timely step").expect("step");
    (s.label, s.status)
}

/// Wait until `label` reaches `status`, returning every step seen on the way.
async fn until(rx: &mut Steps, label: &str, status: StepStatus) -> Vec<(String, StepStatus)> {
    let mut seen = Vec::new();
    loop {
        let s = next_step(rx).await;
        let hit = s.0 == label && s.1 == status;
        seen.push(s);
        if hit {
            return seen;
        }
    }
}

async fn finish(h: JoinHandle<Result<(), Failure>>) -> Result<(), Failure> {
    tokio::time::timeout(SAFETY, h).await.expect("run ends").expect("no panic")
}

fn sync() -> Action {
    Action::Sync { prune: false, dry_run: false, force: false, apply_only: false }
}

#[tokio::test]
async fn sync_is_followed_until_healthy() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    let (h, mut rx) = start(&c, &key, sync(), true);
    let mut all = until(&mut rx, "operation running", StepStatus::Running).await;
    sim.wait_watchers(PROD, 1).await;
    sim.advance(Duration::from_secs(10)).await;
    all.extend(until(&mut rx, "healthy", StepStatus::Done).await);
    finish(h).await.expect("sync succeeded");
    let done: Vec<&str> = all.iter().filter(|s| s.1 == StepStatus::Done).map(|s| s.0.as_str()).collect();
    assert_eq!(done, ["sync sent", "operation running", "operation succeeded", "healthy"], "{all:?}");
    assert!(all.iter().all(|s| s.1 != StepStatus::Failed));
    let app = sim.app_json(PROD, &key.name).expect("app");
    assert_eq!(app["status"]["sync"]["status"], "Synced");
    assert_eq!(app["status"]["health"]["status"], "Healthy");
}

#[tokio::test]
async fn failed_sync_is_an_action_failure_with_the_server_message() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    sim.fail_next_sync(PROD, &key.name, "one or more objects failed to apply: quota exceeded");
    let (h, mut rx) = start(&c, &key, sync(), true);
    until(&mut rx, "operation running", StepStatus::Running).await;
    sim.wait_watchers(PROD, 1).await;
    sim.advance(Duration::from_secs(10)).await;
    // The step says what happened (it was "operation succeeded ✖" once).
    until(&mut rx, "operation failed", StepStatus::Failed).await;
    let f = finish(h).await.expect_err("sync failed");
    assert_eq!(f.kind, ErrorKind::ActionFailed);
    assert!(f.message.contains("quota exceeded"), "{f:?}");
    assert!(f.hint.is_some());
}

#[tokio::test]
async fn rollback_pauses_auto_sync_first_and_resume_restores_it() {
    let sim = sim().await;
    let c = client(&sim, DEV);
    let key = first_key(&c).await;
    let (detail, _) = c.get(&key, None).await.expect("get");
    assert!(detail.auto_sync);
    let original = sim.app_json(DEV, &key.name).expect("app")["spec"]["syncPolicy"]["automated"].clone();
    let id = detail.history.first().expect("history").id;
    let action = Action::Rollback { history_id: id, pause_auto_sync: true };
    let (h, mut rx) = start(&c, &key, action, false);
    let steps = until(&mut rx, "rollback sent", StepStatus::Done).await;
    assert_eq!(steps[0], ("auto-sync paused".into(), StepStatus::Running));
    assert_eq!(steps[1], ("auto-sync paused".into(), StepStatus::Done));
    finish(h).await.expect("rollback sent");
    let app = sim.app_json(DEV, &key.name).expect("app");
    assert!(app["spec"]["syncPolicy"]["automated"].is_null(), "paused: {}", app["spec"]["syncPolicy"]);

    let (h, mut rx) = start(&c, &key, Action::ResumeAutoSync, false);
    until(&mut rx, "auto-sync resumed", StepStatus::Done).await;
    finish(h).await.expect("resumed");
    let (after, _) = c.get(&key, None).await.expect("get");
    assert!(after.auto_sync, "auto-sync is back on");
    let restored = sim.app_json(DEV, &key.name).expect("app")["spec"]["syncPolicy"]["automated"].clone();
    assert_eq!(restored, original, "the paused settings come back as they were");
}

#[tokio::test]
async fn terminate_follows_the_operation_to_its_end() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    let (h, mut rx) = start(&c, &key, sync(), false);
    finish(h).await.expect("sync sent");
    drop(rx.recv().await);
    let (h, mut rx) = start(&c, &key, Action::Terminate, true);
    until(&mut rx, "terminate sent", StepStatus::Done).await;
    until(&mut rx, "operation terminated", StepStatus::Running).await;
    sim.wait_watchers(PROD, 1).await;
    sim.advance(Duration::from_secs(5)).await;
    until(&mut rx, "operation terminated", StepStatus::Done).await;
    finish(h).await.expect("terminated");
}

#[tokio::test]
async fn a_followed_sync_that_someone_terminates_ends_terminated_not_succeeded() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    let (sync_run, mut sync_rx) = start(&c, &key, sync(), true);
    until(&mut sync_rx, "operation succeeded", StepStatus::Running).await;
    let (h, mut rx) = start(&c, &key, Action::Terminate, true);
    until(&mut rx, "terminate sent", StepStatus::Done).await;
    sim.wait_watchers(PROD, 2).await;
    sim.advance(Duration::from_secs(5)).await;
    until(&mut rx, "operation terminated", StepStatus::Done).await;
    finish(h).await.expect("terminated");
    // The sync's own run: its pending step is renamed to what happened, and failed.
    until(&mut sync_rx, "operation terminated", StepStatus::Failed).await;
    let f = finish(sync_run).await.expect_err("the sync did not finish");
    assert!(f.message.contains("sync terminated before it finished"), "{f:?}");
}

#[tokio::test]
async fn follow_timeout_is_a_timeout_failure() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut report = move |s: StepReport| drop(tx.send(s));
    // Sim time never advances, so the operation never ends: the follow must give up.
    let opts = RunOptions { wait: true, follow_timeout: Duration::from_millis(300) };
    let f = run_action_with(&c, &key, &sync(), opts, &mut report).await.expect_err("times out");
    assert_eq!(f.kind, ErrorKind::Timeout);
    let steps = until(&mut rx, "sync sent", StepStatus::Done).await;
    assert_eq!(steps.len(), 2);
}

#[tokio::test]
async fn scale_and_restart_of_the_workload() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    let (detail, _) = c.get(&key, None).await.expect("get");
    let w = detail.workload().expect("workload").clone();
    let scale = Action::Scale {
        kind: w.kind.clone(),
        group: w.group.clone(),
        name: w.name.clone(),
        namespace: w.namespace.clone(),
        replicas: 4,
    };
    let (h, mut rx) = start(&c, &key, scale, true);
    until(&mut rx, "replicas 4", StepStatus::Running).await;
    sim.advance(Duration::from_secs(5)).await;
    until(&mut rx, "replicas 4", StepStatus::Done).await;
    finish(h).await.expect("scaled");
    let r = flightdeck::client::ResourceRef {
        group: w.group.clone(),
        version: w.version.clone(),
        kind: w.kind.clone(),
        namespace: w.namespace.clone(),
        name: w.name.clone(),
    };
    let live = c.resource_manifest(&key, &r).await.expect("manifest");
    assert_eq!(live["spec"]["replicas"], 4, "{live}");

    let restart = Action::Restart { kind: w.kind, group: w.group, name: w.name, namespace: w.namespace };
    let (h, mut rx) = start(&c, &key, restart, true);
    until(&mut rx, "healthy", StepStatus::Running).await;
    sim.wait_watchers(PROD, 1).await;
    sim.advance(Duration::from_secs(5)).await;
    until(&mut rx, "healthy", StepStatus::Done).await;
    finish(h).await.expect("restarted");
}
