//! The Conductor engine end to end on the simulator (Argo CD, its GitOps repository, and the
//! simulated Conductor), through the same governance path the console and the headless
//! commands call: a promotion staging → prod requested by a developer, approved by two
//! release managers, run by `flightdeck worker`'s loop, recorded in the trail; an approval
//! completed outside Flightdeck that the check refuses; a worker that dies after sending the
//! sync (the task times out, another worker finishes it, Argo CD sees one sync); Conductor
//! unreachable; 404 and 409 answers; and the definitions' idempotent install.

mod common;

use std::sync::Arc;
use std::time::Duration;

use flightdeck::client::conductor::worker::{serve, WorkerOptions};
use flightdeck::client::engine::conductor_run::RunTarget;
use flightdeck::config::Config;
use flightdeck::domain::policy::{ActionKind, Request};
use flightdeck::domain::{Action, ErrorKind, Promotion, RunContext, UserInfo};
use flightdeck::engine::Status;
use flightdeck_sim::Sim;

fn user(name: &str, group: &str) -> UserInfo {
    UserInfo { username: name.into(), groups: vec![group.into()] }
}

/// A calm simulator whose Argo CD moves on its own (operations finish), the Conductor
/// definitions installed, and a policy without freeze windows.
async fn estate(scratch: &std::path::Path) -> (Sim, Config) {
    common::conductor::estate(scratch, 6).await
}

use common::conductor::{governance, handlers, spawn_worker};

/// A service whose staging and prod run different images, with staging's images.
fn promotable(sim: &Sim) -> (String, Vec<String>) {
    for app in sim.app_names(1) {
        let service = common::service_of(&app, "staging");
        let images = |i: usize, a: &str| sim.app_json(i, a).map(|j| j["status"]["summary"]["images"].clone());
        let (staging, prod) = (images(1, &app), images(2, &format!("{service}-prod")));
        if staging.is_some() && staging != prod {
            let list = staging.and_then(|s| s.as_array().cloned()).unwrap_or_default();
            return (service, list.iter().filter_map(|i| i.as_str().map(str::to_string)).collect());
        }
    }
    panic!("no service runs different versions in staging and prod");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_promotion_to_prod_waits_for_two_approvals_then_the_worker_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let (service, images) = promotable(&sim);
    let (dave, alice, bob) =
        (user("dave", "developers"), user("alice", "release-managers"), user("bob", "release-managers"));
    let mut req = Request::new(ActionKind::Promote, "prod");
    (req.from_env, req.ticket, req.reason) = (Some("staging".into()), Some("CHG-1".into()), Some("release".into()));
    let action = Action::Promote(Box::new(Promotion::new(&service, "staging", "prod", images.clone())));
    let id = governance(&cfg, dir.path(), "dave").file(&dave, req, &service, &action).await.expect("filed");
    let wf = sim.conductor().workflow_json(&id).unwrap();
    assert_eq!(
        (wf["workflowName"].as_str(), common::workflow_task(&wf, "approval__1")["status"].as_str()),
        (Some("flightdeck_promote"), Some("IN_PROGRESS"))
    );
    // The request is listed as the embedded engine lists one.
    let (_, view) = governance(&cfg, dir.path(), "alice").load(&alice).await;
    let pending = view.expect("view").requests;
    assert_eq!(pending.iter().map(|p| (p.id.as_str(), p.needed)).collect::<Vec<_>>(), [(id.as_str(), 2)]);
    let (stop, worker) = spawn_worker(handlers(&cfg, dir.path(), "worker-1"));
    let first = governance(&cfg, dir.path(), "alice").decide(&alice, &id, true, "lgtm").await.expect("alice approves");
    assert_eq!((first.counted, first.needed, first.run.is_some()), (1, 2, false));
    // Dave cannot approve his own request (four-eyes), checked before anything is written.
    let own = governance(&cfg, dir.path(), "dave").decide(&dave, &id, true, "").await.unwrap_err();
    assert_eq!(own.kind, ErrorKind::Forbidden, "{own:?}");
    let second = governance(&cfg, dir.path(), "bob").decide(&bob, &id, true, "ship it").await.expect("bob approves");
    assert_eq!((second.counted, second.run.as_ref().map(|r| r.env.as_str())), (2, Some("prod")));
    let wf = common::wait_for_workflow(&sim, &id, "the workflow completes", |w| w["status"] != "RUNNING").await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    let check = common::workflow_task(&wf, "approval_check__2");
    assert_eq!(check["outputData"]["approvers"], serde_json::json!(["alice", "bob"]), "{check:#}");
    assert!(common::workflow_task(&wf, "commit")["outputData"]["commit"].is_string(), "{wf:#}");
    // Prod runs staging's version now.
    let prod = sim.app_json(2, &format!("{service}-prod")).unwrap();
    assert_eq!(prod["status"]["summary"]["images"], serde_json::json!(images));
    // The worker recorded the run in the shared trail, under the request.
    let trail = governance(&cfg, dir.path(), "dave").shared_trail().await.unwrap().unwrap();
    let ran = trail.iter().find(|e| e.event == "action" && e.request.as_deref() == Some(id.as_str())).expect("trail");
    assert_eq!((ran.actor.as_str(), ran.outcome.as_str()), ("dave", "succeeded"));
    // The requester sees how it ended.
    let (_, all) = governance(&cfg, dir.path(), "dave").all(&dave).await.unwrap();
    let mine = all.iter().find(|s| s.id == id).unwrap();
    assert!(matches!(&mine.status, Status::Finished { ok: true, .. }), "{:?}", mine.status);
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_completed_outside_flightdeck_never_counts_and_a_rejection_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let service = common::service_of(&sim.app_names(2)[0], "prod");
    let (alice, bob) = (user("alice", "release-managers"), user("bob", "release-managers"));
    let mut req = Request::new(ActionKind::Sync, "prod");
    (req.ticket, req.reason) = (Some("CHG-2".into()), Some("drift".into()));
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let id = governance(&cfg, dir.path(), "alice").file(&alice, req, &service, &sync).await.unwrap();
    let (stop, worker) = spawn_worker(handlers(&cfg, dir.path(), "worker-1"));
    // Someone completes the HUMAN task straight through Conductor's API.
    let url = format!("{}/tasks/{id}/approval__1/COMPLETED", sim.conductor().api_url());
    let resp = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body("{\"approved\":true}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let wf = common::wait_for_workflow(&sim, &id, "a second approval step opens", |w| {
        common::workflow_task(w, "approval__2")["status"] == "IN_PROGRESS"
    })
    .await;
    let check = &common::workflow_task(&wf, "approval_check__1")["outputData"];
    assert_eq!(check["decision"], "pending");
    assert!(check["ignored"][0].as_str().unwrap().contains("outside Flightdeck"), "{check:#}");
    assert_eq!(sim.request_count(2, &format!("/api/v1/applications/{service}-prod/sync")), 0, "nothing ran");
    // A rejection by someone the policy lets decide ends it; nothing runs.
    governance(&cfg, dir.path(), "bob").decide(&bob, &id, false, "not now").await.unwrap();
    let wf = common::wait_for_workflow(&sim, &id, "the rejection ends it", |w| w["status"] != "RUNNING").await;
    assert_eq!(
        (wf["status"].as_str(), wf["reasonForIncompletion"].as_str()),
        (Some("TERMINATED"), Some("rejected by bob: not now"))
    );
    let (_, all) = governance(&cfg, dir.path(), "alice").all(&alice).await.unwrap();
    assert_eq!(all.iter().find(|s| s.id == id).unwrap().status, Status::Rejected { by: "bob".into() });
    assert_eq!(sim.request_count(2, &format!("/api/v1/applications/{service}-prod/sync")), 0);
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_that_dies_after_sending_the_sync_does_not_cause_a_second_one() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let app = sim.app_names(0)[0].clone();
    let service = common::service_of(&app, "dev");
    let gov = governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().unwrap().clone();
    let target =
        RunTarget { service, env: "dev".into(), app: app.clone(), namespace: "argocd".into(), instance: "dev".into() };
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let id = engine.start_run(&user("olga", "sre"), &target, &sync, &RunContext::default()).await.unwrap();
    // The first worker takes the deploy task, sends the sync, and dies before reporting.
    let dying = handlers(&cfg, dir.path(), "dying");
    let taken =
        dying.conductor.batch_poll("flightdeck_argocd_action", "dying", None, 1, Duration::from_secs(2)).await.unwrap();
    assert_eq!(taken.len(), 1);
    let never_reported = dying.run(&taken[0]).await;
    assert_eq!(never_reported.status, "COMPLETED");
    let syncs = || sim.request_count(0, &format!("/api/v1/applications/{app}/sync"));
    assert_eq!(syncs(), 1);
    // Its response timeout passes: the task is handed to another worker, which finishes the run.
    sim.conductor().advance(Duration::from_secs(31));
    let (stop, worker) = spawn_worker(handlers(&cfg, dir.path(), "worker-2"));
    let wf = common::wait_for_workflow(&sim, &id, "the run completes", |w| w["status"] != "RUNNING").await;
    assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    let deploy = common::workflow_task(&wf, "deploy");
    assert_eq!((deploy["retryCount"].as_u64(), deploy["workerId"].as_str()), (Some(1), Some("worker-2")));
    assert_eq!(deploy["outputData"]["reused"], true, "{deploy:#}");
    assert_eq!(syncs(), 1, "Argo CD saw one sync");
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_conductor_and_refusals_are_said_plainly_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, mut cfg) = estate(dir.path()).await;
    let alice = user("alice", "release-managers");
    // 404: a request Conductor does not know.
    let err = governance(&cfg, dir.path(), "alice").decide(&alice, "no-such-id", true, "").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err:?}");
    // 409: terminating what already ended.
    let engine = governance(&cfg, dir.path(), "alice").conductor().unwrap().clone();
    let target = RunTarget { service: "x".into(), env: "dev".into(), ..RunTarget::default() };
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let id = engine.start_run(&alice, &target, &sync, &RunContext::default()).await.unwrap();
    engine.client().terminate(&id, "test").await.unwrap();
    assert_eq!(engine.client().terminate(&id, "again").await.unwrap_err().kind, ErrorKind::Conflict);
    // The install is idempotent: everything is current the second time.
    let plan = flightdeck::client::conductor::defs::plan(engine.client()).await.unwrap();
    assert!(plan.iter().all(|i| i.change == flightdeck::client::conductor::defs::Change::Current), "{plan:?}");
    // Unreachable: a start fails with the reason and what to do; nothing is started anywhere.
    let before = sim.conductor().request_count("POST /api/workflow");
    cfg.conductor.as_mut().unwrap().url = "http://127.0.0.1:9".into();
    let gone = governance(&cfg, dir.path(), "alice").conductor().unwrap().clone();
    let err = gone.start_run(&alice, &target, &sync, &RunContext::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable, "{err:?}");
    assert!(err.message.contains("cannot reach Conductor") && err.hint.is_some(), "{err:?}");
    assert_eq!(sim.conductor().request_count("POST /api/workflow"), before);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_with_fewer_slots_than_task_types_still_serves_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let gov = governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().unwrap().clone();
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let mut ids = Vec::new();
    for app in sim.app_names(0).into_iter().take(4) {
        let service = common::service_of(&app, "dev");
        let target = RunTarget { service, env: "dev".into(), app, namespace: "argocd".into(), instance: "dev".into() };
        ids.push(engine.start_run(&user("olga", "sre"), &target, &sync, &RunContext::default()).await.unwrap());
    }
    // One slot, five task types polling for it: a poller that finds no free slot waits for
    // one (no busy loop), and a task taken while the slot filled up is handed back.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let h = handlers(&cfg, dir.path(), "narrow");
    let worker = tokio::spawn(async move {
        serve(h, WorkerOptions { concurrency: 1, ..WorkerOptions::default() }, rx, Arc::new(|_| {})).await.unwrap()
    });
    for id in &ids {
        let wf = common::wait_for_workflow(&sim, id, "every run completes", |w| w["status"] != "RUNNING").await;
        assert_eq!(wf["status"], "COMPLETED", "{wf:#}");
    }
    let _ = tx.send(true);
    let stats = worker.await.unwrap();
    assert!(stats.handled >= 12, "{stats:?}");
    sim.shutdown().await;
}

/// The console's path: the executor runs a sync as a workflow and follows it in the run log;
/// a run that failed (Argo CD refused the sync once) is retried from the console and ends well.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_console_follows_a_workflow_run_and_retries_a_failed_one() {
    use flightdeck::app::Effect;
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let app = sim.app_names(0)[1].clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let clients = flightdeck::client::credentials::clients(&cfg, &Default::default()).unwrap();
    let mut exec = flightdeck::client::Executor::new(clients, tx).with_governance(governance(&cfg, dir.path(), "olga"));
    let (stop, worker) = spawn_worker(handlers(&cfg, dir.path(), "worker-1"));
    let key = flightdeck::domain::AppKey { instance: 0, namespace: "argocd".into(), name: app.clone() };
    let target = flightdeck::engine::trail::Target {
        service: common::service_of(&app, "dev"),
        env: "dev".into(),
        app: app.clone(),
        instance: "dev".into(),
    };
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    // Argo CD refuses the first sync request: the deploy task fails for good, so does the run.
    sim.fail_next(0, 1, 403);
    exec.spawn(Effect::RunAction {
        run_id: 1,
        key,
        action: sync,
        user: user("olga", "sre"),
        context: RunContext::default(),
        target,
    });
    let (steps, outcome) = run_ended(&mut rx, 1).await;
    assert!(steps[0].starts_with("workflow "), "{steps:?}");
    let flightdeck::domain::RunOutcome::Failed { message, .. } = outcome else { panic!("{steps:?}") };
    assert!(message.contains("failed"), "{message}");
    exec.spawn(Effect::RetryRun { run_id: 2, of: 1 });
    let (steps, outcome) = run_ended(&mut rx, 2).await;
    assert_eq!(outcome, flightdeck::domain::RunOutcome::Succeeded, "{steps:?}");
    assert!(
        steps.iter().any(|s| s.contains("sync sent (retry 1)")) && steps.iter().any(|s| s == "healthy"),
        "{steps:?}"
    );
    // A run that is not a workflow cannot be retried; the run log says why.
    exec.spawn(Effect::RetryRun { run_id: 3, of: 99 });
    let (_, outcome) = run_ended(&mut rx, 3).await;
    assert!(
        matches!(outcome, flightdeck::domain::RunOutcome::Failed { ref message, .. } if message.contains("not a Conductor workflow"))
    );
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}

/// The steps and the outcome of run `id`, as the executor reports them.
async fn run_ended(
    rx: &mut tokio::sync::mpsc::Receiver<flightdeck::app::Msg>,
    id: u64,
) -> (Vec<String>, flightdeck::domain::RunOutcome) {
    use flightdeck::app::Msg;
    let mut steps = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.expect("a message").expect("open") {
            Msg::RunStep { run_id, label, .. } if run_id == id => steps.push(label),
            Msg::RunFinished { run_id, outcome, .. } if run_id == id => return (steps, outcome),
            _ => {}
        }
    }
}

/// With Orkes application credentials the client exchanges them for a token and, when the
/// server says the token expired, gets a new one once and goes on; doctor checks the server,
/// the key and that Flightdeck's definitions are installed and current.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_renewed_once_and_doctor_checks_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, mut cfg) = estate(dir.path()).await;
    sim.conductor().require_auth(Some(flightdeck_sim::conductor::ConductorAuth {
        key_id: "fd-app".into(),
        key_secret: "s3cret".into(),
        token_ttl: Duration::from_secs(600),
    }));
    let settings = cfg.conductor.as_mut().unwrap();
    settings.key_id = Some("fd-app".into());
    settings.key_secret = Some(flightdeck::config::KeySecret::Value(flightdeck::config::Secret::new("s3cret")));
    let engine = governance(&cfg, dir.path(), "alice").conductor().unwrap().clone();
    assert!(engine.client().task_def("flightdeck_follow").await.unwrap().is_some());
    let tokens = sim.conductor().request_count("POST /api/token");
    sim.conductor().expire_tokens();
    assert!(engine.client().task_def("flightdeck_follow").await.unwrap().is_some(), "renewed and retried");
    assert_eq!(sim.conductor().request_count("POST /api/token"), tokens + 1, "one renewal");
    // A wrong secret is a plain refusal, not a retry loop.
    cfg.conductor.as_mut().unwrap().key_secret =
        Some(flightdeck::config::KeySecret::Value(flightdeck::config::Secret::new("nope")));
    let wrong = governance(&cfg, dir.path(), "bob").conductor().unwrap().clone();
    assert_eq!(wrong.client().task_def("flightdeck_follow").await.unwrap_err().kind, ErrorKind::Unauthorized);
    // doctor: the engine rows, on a config file (the secret from the environment).
    cfg.conductor.as_mut().unwrap().key_secret = None;
    let path = dir.path().join("doctor.toml");
    flightdeck::config::write_file(&path, &cfg).unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("key_id = \"fd-app\"", "key_id = \"fd-app\"\nkey_secret_env = \"FD_SECRET\"");
    std::fs::write(&path, text).unwrap();
    let env = |k: &str| (k == "FD_SECRET").then(|| "s3cret".to_string());
    let o = flightdeck::config::Overrides { config_file: Some(path), ..Default::default() };
    let rows = flightdeck::cli::doctor::checks(&o, &env).await;
    let row = |n: &str| rows.iter().find(|c| c.name == n).map(|c| (c.status, c.detail.clone()));
    use flightdeck::cli::doctor::Status;
    assert!(matches!(row("engine"), Some((Status::Ok, d)) if d.starts_with("Conductor at")), "{rows:#?}");
    assert!(matches!(row("conductor auth"), Some((Status::Ok, d)) if d.contains("fd-app")), "{rows:#?}");
    assert!(matches!(row("conductor definitions"), Some((Status::Ok, _))), "{rows:#?}");
    // A definition changed on the server: doctor says so and what to do.
    let mut def = engine.client().task_def("flightdeck_follow").await.unwrap().unwrap();
    def["retryCount"] = serde_json::json!(0);
    engine.client().register_task_defs(&[def]).await.unwrap();
    let rows = flightdeck::cli::doctor::checks(&o, &env).await;
    let bad = rows.iter().find(|c| c.name == "conductor definitions").unwrap();
    assert_eq!(bad.status, Status::Fail);
    assert!(bad.detail.contains("flightdeck_follow: differs in retryCount"), "{bad:?}");
    assert!(bad.advice.as_deref().unwrap_or("").contains("flightdeck conductor install"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gitops_scale_runs_as_the_promotion_workflow_and_commits_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = estate(dir.path()).await;
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", true);
    let gov = governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().expect("conductor");
    let target = RunTarget {
        service: service.clone(),
        env: "dev".into(),
        app: app.clone(),
        namespace: "argocd".into(),
        instance: "dev".into(),
    };
    let intent = flightdeck::domain::Intent::Scale {
        workload: service.clone(),
        change: flightdeck::domain::scale::ScaleChange::replicas(5),
    };
    let action = Action::Promote(Box::new(Promotion::in_place(&service, "dev", Vec::new(), intent)));
    let (stop, worker) = spawn_worker(handlers(&cfg, dir.path(), "worker-1"));
    let id = engine.start_run(&user("olga", "sre"), &target, &action, &RunContext::default()).await.unwrap();
    let wf = common::wait_for_workflow(&sim, &id, "the workflow completes", |w| w["status"] != "RUNNING").await;
    // A scale written as a commit is the promotion's workflow (commit, then deploy).
    assert_eq!(
        (wf["workflowName"].as_str(), wf["status"].as_str()),
        (Some("flightdeck_promote"), Some("COMPLETED")),
        "{wf:#}"
    );
    let bare = sim.git_dir().unwrap();
    let overlay = format!("main:apps/{service}/overlays/dev/kustomization.yaml");
    let text = flightdeck::client::git::Git::new().run(&bare, &["show", &overlay]).unwrap().stdout;
    assert!(text.contains(&format!("  - name: {service}\n    count: 5\n")), "{text}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while sim.replicas(0, &app) != Some((5, 5)) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "Argo CD runs the committed count: {:?}",
            sim.replicas(0, &app)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}

/// Read-only reaches Conductor through the one write check: no workflow started, retried or
/// terminated, no task completed or claimed by a poll; reads still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_session_sends_conductor_no_change_and_no_poll() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, mut cfg) = estate(dir.path()).await;
    let writable = governance(&cfg, dir.path(), "olga").conductor().unwrap().clone();
    let target = RunTarget { service: "x".into(), env: "dev".into(), ..RunTarget::default() };
    let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let id = writable.start_run(&user("olga", "sre"), &target, &sync, &RunContext::default()).await.unwrap();
    cfg.set_read_only(flightdeck::domain::ReadOnly::Flag);
    let gov = governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().unwrap();
    let changes = || {
        let c = sim.conductor();
        ["POST", "PUT", "DELETE", "GET /api/tasks/poll"].iter().map(|m| c.request_count(m)).sum::<u64>()
    };
    let before = changes();
    let refused = [
        engine.start_run(&user("olga", "sre"), &target, &sync, &RunContext::default()).await.unwrap_err(),
        engine.client().terminate(&id, "no").await.unwrap_err(),
        engine.client().retry(&id).await.unwrap_err(),
        engine.client().batch_poll("flightdeck_argocd_action", "w", None, 1, Duration::from_secs(1)).await.unwrap_err(),
    ];
    for err in refused {
        assert_eq!(err.kind, ErrorKind::ReadOnly, "{err:?}");
        assert!(err.message.contains("nothing was sent"), "{err:?}");
    }
    assert_eq!(changes(), before, "a read-only session changed Conductor");
    // Reading the execution still works.
    assert!(engine.client().workflow(&id).await.is_ok());
    sim.shutdown().await;
}
