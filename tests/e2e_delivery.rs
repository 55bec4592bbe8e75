//! `flightdeck delivery` against the simulator and its real Git repository: after a deploy
//! and a promotion made through Flightdeck, the timeline has the GitOps commits (who, which
//! version), Argo CD's deployments and the trail's runs, and the figures are for production.

mod common;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_has_commits_deployments_and_runs_with_who_and_when() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let out =
        common::finish(common::headless(&cfg, home.path(), &["deploy", &service, "--env", "dev", "--tag", "v9.8.0"]))
            .await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    for _ in 0..3 {
        sim.advance(Duration::from_secs(15)).await;
    }

    let out =
        common::finish(common::headless(&cfg, home.path(), &["delivery", &service, "--window", "400d", "-o", "json"]))
            .await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let timeline = v["timeline"].as_array().unwrap();
    let has = |source: &str, kind: &str| {
        timeline
            .iter()
            .any(|a| a["source"] == source && a["kind"] == kind && a["env"] == "dev" && a["version"] == "v9.8.0")
    };
    assert!(has("git", "deploy"), "the commit, with its version: {v:#}");
    assert!(has("argocd", "deploy"), "Argo CD's deployment of it: {v:#}");
    assert!(timeline.iter().any(|a| a["source"] == "git" && a["who"] == "dave"), "who asked: {v:#}");
    assert!(timeline.iter().any(|a| a["source"] == "trail" && a["kind"] == "deploy"), "the run: {v:#}");
    assert_eq!(v["figures"]["env"], "prod");
    assert!(v["figures"]["deployments"].as_u64().is_some(), "{v:#}");

    let out = common::finish(common::headless(&cfg, home.path(), &["delivery", &service, "--window", "400d"])).await;
    let text = common::text(&out.stdout);
    assert!(
        text.contains("lead time") && text.contains("change failures") && text.contains("time to restore"),
        "{text}"
    );
    sim.shutdown().await;
}
