//! A release of two services on the Conductor engine (the simulated Conductor, Argo CD and
//! its GitOps repository): the run is the promotion's workflow, and its commit task lands ONE
//! commit touching both overlays (not only the first service's); the deploy task refreshes
//! both apps, and both end up running what dev runs.

mod common;

use std::time::Duration;

use flightdeck::client::engine::conductor_run::RunTarget;
use flightdeck::client::git::Git;
use flightdeck::domain::release::ReleasePart;
use flightdeck::domain::{Action, Promotion, RunContext, UserInfo};
use flightdeck_sim::Sim;

fn image(sim: &Sim, instance: usize, app: &str) -> String {
    sim.app_json(instance, app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_release_on_conductor_is_one_commit_for_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, cfg) = common::conductor::estate(dir.path(), 6).await;
    let mut dev = sim.app_names(0);
    dev.sort();
    let moving: Vec<String> = dev
        .iter()
        .map(|a| common::service_of(a, "dev"))
        .filter(|s| image(&sim, 0, &format!("{s}-dev")) != image(&sim, 1, &format!("{s}-staging")))
        .collect();
    let (a, b) = (moving[0].clone(), moving[1].clone());
    let mut p = Promotion::new(&a, "dev", "staging", vec![image(&sim, 0, &format!("{a}-dev"))]);
    p.also.push(ReleasePart {
        service: b.clone(),
        app: format!("{b}-staging"),
        namespace: "argocd".into(),
        images: vec![image(&sim, 0, &format!("{b}-dev"))],
    });
    let action = Action::Promote(Box::new(p));
    let target = RunTarget {
        service: a.clone(),
        env: "staging".into(),
        app: format!("{a}-staging"),
        namespace: "argocd".into(),
        instance: "staging".into(),
    };
    let bare = sim.git_dir().unwrap();
    let before = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout.trim().to_string();

    let gov = common::conductor::governance(&cfg, dir.path(), "olga");
    let engine = gov.conductor().expect("conductor");
    let (stop, worker) = common::conductor::spawn_worker(common::conductor::handlers(&cfg, dir.path(), "worker-1"));
    let olga = UserInfo { username: "olga".into(), groups: vec!["sre".into()] };
    let id = engine.start_run(&olga, &target, &action, &RunContext::default()).await.unwrap();
    let wf = common::wait_for_workflow(&sim, &id, "the workflow completes", |w| w["status"] != "RUNNING").await;
    assert_eq!(wf["status"].as_str(), Some("COMPLETED"), "{wf:#}");

    let count = Git::new().run(&bare, &["rev-list", "--count", &format!("{before}..main")]).unwrap().stdout;
    assert_eq!(count.trim(), "1", "one commit for the release");
    let files = Git::new().run(&bare, &["show", "--name-only", "--format=", "main"]).unwrap().stdout;
    for s in [&a, &b] {
        assert!(files.contains(&format!("apps/{s}/overlays/staging/kustomization.yaml")), "{files}");
    }
    // Both staging apps end up running what dev runs (Argo CD's clock runs on its own here).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    for s in [&a, &b] {
        let want = image(&sim, 0, &format!("{s}-dev"));
        while image(&sim, 1, &format!("{s}-staging")) != want {
            assert!(tokio::time::Instant::now() < deadline, "{s} in staging runs {want}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let _ = stop.send(true);
    worker.await.unwrap();
    sim.shutdown().await;
}
