//! A preview environment on the Conductor engine (the simulated Conductor, Argo CD and its
//! GitOps repository): a request runs as the promotion's workflow — its commit task commits
//! the preview's overlay, its deploy task creates the Application, its follow task waits for
//! the preview's own app to be healthy — and a tear-down removes both, the same way.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use flightdeck::client::conductor::handlers::Handlers;
use flightdeck::client::conductor::worker::{serve, WorkerOptions};
use flightdeck::client::engine::conductor_run::RunTarget;
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::engine::Governance;
use flightdeck::client::git::Git;
use flightdeck::config::Config;
use flightdeck::domain::preview::{PreviewIntent, PreviewOp};
use flightdeck::domain::{Action, Intent, Promotion, RunContext, UserInfo};
use flightdeck_sim::{Sim, SimClock, SimOptions};

fn governance(cfg: &Config, dir: &std::path::Path, who: &str) -> Governance {
    let paths = LedgerPaths {
        cache_root: Some(dir.join(format!("cache-{who}"))),
        audit_dir: Some(dir.join(format!("audit-{who}"))),
        ..Default::default()
    };
    flightdeck::session::governance(cfg, None, paths).expect("governance")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_preview_runs_as_the_promotion_workflow_and_creates_then_removes_its_app() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SimOptions {
        services: 3,
        chaos: false,
        clock: SimClock::Auto { tick: Duration::from_millis(50) },
        ..Default::default()
    };
    let sim = Sim::start(opts).await.expect("simulator");
    let mut cfg = flightdeck::session::config_for_sim(&sim);
    flightdeck::session::conductor_for_sim(&sim, &mut cfg).await.expect("install definitions");
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let target = RunTarget {
        service: service.clone(),
        env: "dev".into(),
        app: app.clone(),
        namespace: "argocd".into(),
        instance: "dev".into(),
    };
    let gov = governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().expect("conductor");
    let worker_gov = governance(&cfg, dir.path(), "worker-1");
    let handlers = Handlers {
        conductor: worker_gov.conductor().expect("conductor").client().clone(),
        argo: flightdeck::client::credentials::clients(&cfg, &Default::default()).expect("clients"),
        governance: worker_gov,
        worker_id: "worker-1".into(),
        git_cache: Some(dir.path().join("git-worker-1")),
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(async move {
        let opts = WorkerOptions { concurrency: 4, ..WorkerOptions::default() };
        serve(handlers, opts, rx, Arc::new(|_| {})).await.expect("worker");
    });
    let olga = UserInfo { username: "olga".into(), groups: vec!["sre".into()] };
    let now = Utc::now();
    let change = |op| {
        let i = PreviewIntent { name: "preview-olga-0001".into(), service: service.clone(), from: "dev".into(), op };
        Action::Promote(Box::new(Promotion::in_place(&service, "dev", Vec::new(), Intent::Preview(i))))
    };
    let request = change(PreviewOp::Request { owner: "olga".into(), created: now, expires: now, tag: None });
    let id = engine.start_run(&olga, &target, &request, &RunContext::default()).await.unwrap();
    let wf = common::wait_for_workflow(&sim, &id, "the request completes", |w| w["status"] != "RUNNING").await;
    assert_eq!(
        (wf["workflowName"].as_str(), wf["status"].as_str()),
        (Some("flightdeck_promote"), Some("COMPLETED")),
        "{wf:#}"
    );
    let bare = sim.git_dir().unwrap();
    let meta = format!("main:apps/{service}/overlays/preview-olga-0001/preview.toml");
    let text = Git::new().run(&bare, &["show", &meta]).unwrap().stdout;
    assert!(text.contains("owner = \"olga\""), "{text}");
    let preview_app = format!("{service}-preview-olga-0001");
    let created = sim.app_json(0, &preview_app).expect("the deploy task created the Application");
    assert_eq!(created["status"]["health"]["status"], "Healthy", "the follow task waited for it");

    let down = change(PreviewOp::TearDown { expired: false });
    let id = engine.start_run(&olga, &target, &down, &RunContext::default()).await.unwrap();
    let wf = common::wait_for_workflow(&sim, &id, "the tear-down completes", |w| w["status"] != "RUNNING").await;
    assert_eq!(wf["status"].as_str(), Some("COMPLETED"), "{wf:#}");
    assert!(Git::new().run(&bare, &["show", &meta]).is_err(), "the overlay is gone");
    assert!(sim.app_json(0, &preview_app).is_none(), "the Application is gone");
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}
