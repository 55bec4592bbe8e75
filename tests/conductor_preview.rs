//! A preview environment on the Conductor engine (the simulated Conductor, Argo CD and its
//! GitOps repository): a request runs as the promotion's workflow — its commit task commits
//! the preview's overlay, its deploy task creates the Application, its follow task waits for
//! the preview's own app to be healthy — and a tear-down removes both, the same way.

mod common;

use chrono::Utc;

use flightdeck::client::engine::conductor_run::RunTarget;
use flightdeck::client::git::Git;
use flightdeck::domain::preview::{PreviewIntent, PreviewOp};
use flightdeck::domain::{Action, Intent, Promotion, RunContext, UserInfo};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_preview_runs_as_the_promotion_workflow_and_creates_then_removes_its_app() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = common::conductor::estate(dir.path(), 3).await;
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let target = RunTarget {
        service: service.clone(),
        env: "dev".into(),
        app: app.clone(),
        namespace: "argocd".into(),
        instance: "dev".into(),
    };
    let gov = common::conductor::governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().expect("conductor");
    let (stop, worker) = common::conductor::spawn_worker(common::conductor::handlers(&cfg, dir.path(), "worker-1"));
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
