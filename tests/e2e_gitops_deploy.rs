//! `flightdeck deploy` end to end against the simulator and its real Git repository: `--tag`
//! shows the diff first, commits the tag to the environment's overlay (trailers, a `deploy`
//! subject) and Argo CD (auto-sync left on) ends up running it; `-o json` says so in one
//! object; a developer deploying in prod is refused by the policy and nothing is committed;
//! `--revision` on an auto-synced app is refused up front with the GitOps way to do it.

mod common;

use std::path::Path;
use std::time::Duration;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

fn image(sim: &Sim, instance: usize, app: &str) -> String {
    sim.app_json(instance, app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap().to_string()
}

fn overlay(bare: &Path, service: &str, env: &str) -> String {
    let spec = format!("main:apps/{service}/overlays/{env}/kustomization.yaml");
    Git::new().run(bare, &["show", &spec]).unwrap().stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_tag_commits_the_overlay_and_the_app_reaches_the_tag() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let before = image(&sim, 0, &app);
    let name = before.rsplit_once(':').unwrap().0.to_string();
    let tag = "v9.4.2";

    let args = ["deploy", &service, "--env", "dev", "--tag", tag, "--reason", "hotfix build"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    let diff_at = stdout.find(&format!("+    newTag: {tag}")).expect("the diff is shown");
    let said_at = stdout.find("commit ").expect("the commit is named");
    assert!(diff_at < said_at, "the diff comes first: {stdout}");

    let bare = sim.git_dir().expect("the simulator has a repository");
    assert!(overlay(&bare, &service, "dev").contains(&format!("newTag: {tag}\n")));
    let log = Git::new().run(&bare, &["log", "-1", "--format=%s%n%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert!(log.starts_with(&format!("deploy {service} in dev: {tag}\n")), "{log}");
    assert!(log.contains("Requested-by: dave\n") && log.contains("Reason: hotfix build\n"), "{log}");

    // Argo CD sees the commit, auto-syncs, and the app runs the tag; auto-sync is still on.
    sim.advance(Duration::from_millis(200)).await;
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let now = sim.app_json(0, &app).unwrap();
    assert_eq!(now["status"]["summary"]["images"][0], format!("{name}:{tag}").as_str());
    assert_eq!(now["status"]["sync"]["status"], "Synced");
    assert!(now.pointer("/spec/syncPolicy/automated").is_some(), "auto-sync stays on");

    // The same tag again is nothing to do; -o json says so in one object.
    let args = ["deploy", &service, "--env", "dev", "--tag", tag, "-o", "json"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!((v["action"].as_str(), v["outcome"].as_str()), (Some("deploy"), Some("nothing to do")), "{v}");

    // Another tag as JSON: pushed, with its diff and commit.
    let args = ["deploy", &service, "--env", "dev", "--tag", "v9.4.3", "-o", "json"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!((v["via"].as_str(), v["outcome"].as_str()), (Some("git"), Some("pushed")), "{v}");
    assert!(v["commit"].as_str().is_some_and(|c| c.len() >= 7), "{v}");
    assert!(v["diff"].as_array().unwrap().iter().any(|l| l == "+    newTag: v9.4.3"), "{v}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_deploying_in_prod_is_refused_and_nothing_is_committed() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    common::commit_policy_without_freezes(&sim, home.path());
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let mut prod = sim.app_names(2);
    prod.sort();
    let service = common::service_of(&prod[0], "prod");
    let bare = sim.git_dir().unwrap();
    let head = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;

    let args = ["deploy", &service, "--env", "prod", "--tag", "v9.9.9", "--ticket", "CHG-1", "--reason", "now"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "refused: stdout {stdout}\nstderr {stderr}");
    assert!(stderr.contains("deploy") && stderr.contains("prod"), "the rule is named: {stderr}");
    assert!(stdout.contains("+    newTag: v9.9.9"), "the diff was shown before the decision: {stdout}");
    assert_eq!(Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout, head, "nothing committed");

    // The refusal is in the trail, in the one record shape.
    let trail = common::finish(common::headless(&cfg, home.path(), &["audit", "-o", "json"])).await;
    let text = common::text(&trail.stdout);
    assert!(text.contains("\"refused\"") || text.contains("refus"), "{text}");
    assert!(text.contains("\"deploy\""), "{text}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_revision_under_auto_sync_says_why_not_and_what_to_do() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let args = ["deploy", &service, "--env", "dev", "--revision", "3f2a1c9"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("auto-sync on") && stderr.contains("--tag"), "{stderr}");
    sim.shutdown().await;
}
