//! Rolling back the GitOps way against the simulator and its real Git repository: two deploys
//! leave two history entries whose revisions are real commits; `rollback --to` the older one
//! reads the tag it ran from that commit's overlay, shows the diff, commits it, and Argo CD
//! deploys it with auto-sync left on — the app is never pinned. `--break-glass` is Argo CD's
//! own rollback: it says what it costs, pauses auto-sync and pins the app.

mod common;

use std::path::Path;
use std::time::Duration;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

async fn deploy(sim: &Sim, cfg: &Path, home: &Path, service: &str, tag: &str) -> String {
    let out = common::finish(common::headless(cfg, home, &["deploy", service, "--env", "dev", "--tag", tag])).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    sim.advance(Duration::from_millis(200)).await;
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let bare = sim.git_dir().unwrap();
    Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout.trim().to_string()
}

fn running(sim: &Sim, app: &str) -> String {
    let v = sim.app_json(0, app).unwrap();
    v["status"]["summary"]["images"][0].as_str().unwrap().rsplit_once(':').unwrap().1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gitops_rollback_under_auto_sync_leaves_the_app_unpinned() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", false);

    let first = deploy(&sim, &cfg, home.path(), &service, "v9.1.0").await;
    let _second = deploy(&sim, &cfg, home.path(), &service, "v9.2.0").await;
    assert_eq!(running(&sim, &app), "v9.2.0");
    let history = sim.app_json(0, &app).unwrap()["status"]["history"].as_array().unwrap().clone();
    let entry = history.iter().find(|h| h["revision"] == first.as_str()).expect("history keeps the real commit");
    let id = entry["id"].as_i64().unwrap().to_string();

    // `history` names the version each entry ran, read from Git: the one to pick.
    let out =
        common::finish(common::headless(&cfg, home.path(), &["history", &service, "--env", "dev", "-o", "json"])).await;
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("history as JSON");
    let row = listed["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id.as_str()))
        .unwrap()
        .clone();
    assert!(row["images"][0].as_str().is_some_and(|i| i.ends_with(":v9.1.0")), "{row}");

    // The console's plan of the same rollback (the executor's call): images read from Git.
    let cfg_all = common::sim_config(&sim);
    let client = flightdeck::client::ArgoClient::new(&cfg_all.instances[0]).unwrap();
    let (deps, _) = client.list().await.unwrap();
    let key = deps.iter().find(|d| d.key.name == app).unwrap().key.clone();
    let mut settings = flightdeck::client::git::promote::PromoteSettings::for_client(&client).await.unwrap();
    settings.cache_root = Some(home.path().join("console-cache"));
    let intent = flightdeck::domain::Intent::Rollback { history_id: entry["id"].as_i64().unwrap() };
    let plan = flightdeck::client::git::promote_flow::plan_for(&client, &key, &[], &intent, Some(&first), &settings)
        .await
        .expect("planned from Git");
    assert!(plan.images.iter().all(|i| i.ends_with(":v9.1.0")) && !plan.images.is_empty(), "{:?}", plan.images);
    assert!(plan.diff.iter().any(|l| matches!(l, flightdeck::domain::DiffLine::Added(a) if a.contains("v9.1.0"))));

    let args = ["rollback", &service, "--env", "dev", "--to", &id, "--reason", "v9.2.0 is slow"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("-    newTag: v9.2.0") && stdout.contains("+    newTag: v9.1.0"), "diff first: {stdout}");
    assert!(!stderr.contains("pinned"), "no break-glass here: {stderr}");

    let bare = sim.git_dir().unwrap();
    let subject = Git::new().run(&bare, &["log", "-1", "--format=%s", "main"]).unwrap().stdout;
    assert_eq!(subject.trim(), format!("rollback {service} in dev to history {id}: v9.1.0"));

    sim.advance(Duration::from_millis(200)).await;
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let now = sim.app_json(0, &app).unwrap();
    assert_eq!(running(&sim, &app), "v9.1.0", "Argo CD deployed the committed version");
    assert_eq!(now["status"]["sync"]["status"], "Synced", "Git and the cluster agree: nothing pinned");
    assert!(now.pointer("/spec/syncPolicy/automated").is_some(), "auto-sync is still on");

    // The trail has the rollback, with its verb and no `from`.
    let trail = common::finish(common::headless(&cfg, home.path(), &["audit", "-o", "json"])).await;
    let records: serde_json::Value = serde_json::from_slice(&trail.stdout).expect("trail as JSON");
    let rec = records.as_array().unwrap().iter().rev().find(|r| r["action"] == "rollback").expect("recorded");
    assert!(rec.get("from").is_none_or(|f| f.is_null()), "{rec}");

    // Break-glass: Argo CD's own rollback, which pauses auto-sync and pins the app — said first.
    let args = ["rollback", &service, "--env", "dev", "--to", &id, "--break-glass"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("break-glass") && stderr.contains("pinned"), "{stderr}");
    assert!(sim.app_json(0, &app).unwrap().pointer("/spec/syncPolicy/automated").is_none(), "auto-sync paused");
    sim.shutdown().await;
}
