//! `flightdeck new-service` end to end, the real binary against the simulator with real Git:
//! the diff of the new files first, one commit in the bare remote with the base, the
//! overlays (and, the app-of-apps way, the Applications' manifests) and the trailers, then
//! the service appears in `flightdeck status` for each environment — both ways of making its
//! Applications. A user the policy refuses commits nothing (exit 3, a trail record); a
//! template that fails its checks is named by file and line, and nothing is written.

mod common;

use std::path::Path;

use common::*;
use flightdeck_sim::Sim;
use serde_json::Value;

fn git_show(sim: &Sim, rev_path: &str) -> Option<String> {
    let bare = sim.git_dir().expect("repository");
    let out = std::process::Command::new("git").args(["show", rev_path]).current_dir(&bare).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `status -o json` rows of `service`: (env, app).
async fn listed(cfg: &Path, home: &Path, service: &str) -> Vec<(String, String)> {
    let out = finish(headless(cfg, home, &["status", "-o", "json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut rows: Vec<(String, String)> = doc["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .filter(|d| d["service"] == service)
        .map(|d| (d["env"].as_str().unwrap_or("").to_string(), d["app"].as_str().unwrap_or("").to_string()))
        .collect();
    rows.sort();
    rows
}

/// A simulator whose policy has no freeze windows, and a config for `user` in `home`.
async fn setup(user: &str, home: &Path) -> (Sim, std::path::PathBuf) {
    let sim = calm_sim(3).await;
    commit_policy_without_freezes(&sim, home);
    let cfg = operator_config(&sim, home, user);
    (sim, cfg)
}

/// Pushes to `main` (the ledger's own ref takes its records).
fn main_pushes(sim: &Sim) -> usize {
    sim.git_pushes().iter().filter(|p| p.ends_with(" refs/heads/main")).count()
}

fn records(home: &Path) -> Vec<flightdeck::audit::Record> {
    flightdeck::audit::read_records(&home.join("data/flightdeck")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_service_is_committed_for_the_app_of_apps_and_appears_in_every_environment() {
    let home = tempfile::tempdir().unwrap();
    let (sim, cfg) = setup("dave", home.path()).await;
    let args = ["new-service", "billing", "--team", "backend", "--template", "web", "--env", "dev", "--env", "staging"];
    let out = finish_advancing(&sim, 0, 0, headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    // The diff comes first: every new file, from nothing.
    let first = stdout.lines().next().unwrap_or("");
    assert_eq!(first, "--- /dev/null", "{stdout}");
    for f in [
        "apps/billing/base/deployment.yaml",
        "apps/billing/overlays/staging/kustomization.yaml",
        "argocd/apps/billing-dev.yaml",
    ] {
        assert!(stdout.contains(&format!("+++ b/{f}")), "{f} missing from the diff: {stdout}");
    }
    assert!(stdout.contains("create billing: commit "), "{stdout}");

    let overlay = git_show(&sim, "main:apps/billing/overlays/staging/kustomization.yaml").expect("overlay committed");
    assert!(overlay.contains("name: registry.example.com/backend/billing\n    newTag: v0.1.0"), "{overlay}");
    assert!(git_show(&sim, "main:apps/billing/base/service.yaml").is_some());
    let app = git_show(&sim, "main:argocd/apps/billing-staging.yaml").expect("Application committed");
    assert!(app.contains("path: apps/billing/overlays/staging") && app.contains("project: backend"), "{app}");
    let bare = sim.git_dir().expect("repository");
    let log = std::process::Command::new("git").args(["log", "-1", "--format=%B", "main"]).current_dir(&bare).output();
    let message = log.map(|o| text(&o.stdout)).unwrap_or_default();
    assert!(message.contains("Requested-by: dave") && message.contains("Flightdeck-Request: direct"), "{message}");

    assert_eq!(
        listed(&cfg, home.path(), "billing").await,
        [("dev".to_string(), "billing-dev".to_string()), ("staging".to_string(), "billing-staging".to_string())]
    );
    let created: Vec<_> = records(home.path()).into_iter().filter(|r| r.entry.event == "action").collect();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        (created[0].entry.what(), created[0].entry.outcome.as_str()),
        ("create billing in staging".to_string(), "succeeded")
    );
    // Nothing was created through the API.
    assert!(!sim.writes(0).iter().any(|w| w.starts_with("POST /api/v1/applications")), "{:?}", sim.writes(0));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_service_through_the_api_is_created_on_each_instance_and_followed_to_healthy() {
    let home = tempfile::tempdir().unwrap();
    let (sim, _) = setup("dave", home.path()).await;
    let mut c = sim_config(&sim);
    c.gitops.applications = flightdeck::domain::new_service::AppsVia::Api;
    for (i, inst) in c.instances.iter_mut().enumerate() {
        inst.auth = flightdeck::config::Auth::Token(flightdeck::config::Secret::new(sim.token_for(i, "dave").unwrap()));
    }
    let cfg = home.path().join("api.toml");
    flightdeck::config::write_file(&cfg, &c).unwrap();
    let args = [
        "new-service",
        "ledger-two",
        "--team",
        "backend",
        "--template",
        "worker",
        "--env",
        "dev",
        "--env",
        "staging",
        "--wait",
        "-o",
        "json",
    ];
    let out = finish_advancing(&sim, 0, 0, headless(&cfg, home.path(), &args)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!((doc["outcome"].as_str(), doc["applications"].as_str()), (Some("done"), Some("api")), "{doc}");
    assert!(doc["diff"].as_array().is_some_and(|d| !d.is_empty()));
    // Each Application on the instance serving its environment, none committed.
    assert!(sim.writes(0).contains(&"POST /api/v1/applications".to_string()), "{:?}", sim.writes(0));
    assert!(sim.writes(1).contains(&"POST /api/v1/applications".to_string()), "{:?}", sim.writes(1));
    assert!(git_show(&sim, "main:argocd/apps/ledger-two-dev.yaml").is_none());
    assert!(git_show(&sim, "main:apps/ledger-two/overlays/dev/kustomization.yaml").is_some());
    let rows = listed(&cfg, home.path(), "ledger-two").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_user_commits_nothing_and_the_refusal_is_recorded() {
    let home = tempfile::tempdir().unwrap();
    let (sim, cfg) = setup("viewer", home.path()).await;
    let pushes = main_pushes(&sim);
    let args = ["new-service", "billing", "--team", "backend", "--template", "web", "--env", "dev", "--env", "staging"];
    let out = finish(headless(&cfg, home.path(), &args)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("create"), "{stderr}");
    assert_eq!(main_pushes(&sim), pushes, "nothing pushed");
    assert!(git_show(&sim, "main:apps/billing/base/kustomization.yaml").is_none());
    let refused: Vec<_> = records(home.path()).into_iter().filter(|r| r.entry.outcome.starts_with("refused")).collect();
    assert_eq!(refused.len(), 1, "{:?}", records(home.path()));
    assert_eq!(refused[0].entry.actor, "viewer");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_template_fails_naming_file_and_line_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let (sim, cfg) = setup("dave", home.path()).await;
    // A template with a misspelt placeholder on line 4 of its deployment.
    let git = flightdeck::client::git::Git::new().with_identity("Platform", "platform@example.com");
    let work = home.path().join("policy-edit");
    git.run(&work, &["pull", "-q", "origin", "main"]).unwrap();
    let dir = work.join("templates/broken");
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::create_dir_all(dir.join("overlay")).unwrap();
    std::fs::write(dir.join("template.toml"), "image = \"r/{{service}}\"\ntag = \"v1.0.0\"\n").unwrap();
    std::fs::write(dir.join("base/kustomization.yaml"), "resources:\n  - deployment.yaml\n").unwrap();
    std::fs::write(dir.join("base/deployment.yaml"), "kind: Deployment\nmetadata:\n  labels:\n    team: {{teem}}\n")
        .unwrap();
    std::fs::write(dir.join("overlay/kustomization.yaml"), "resources:\n  - ../../base\n").unwrap();
    git.run(&work, &["add", "-A"]).unwrap();
    git.run(&work, &["commit", "-q", "-m", "a broken template"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
    let pushes = main_pushes(&sim);

    let args = ["new-service", "billing", "--team", "backend", "--template", "broken", "--env", "dev"];
    let out = finish(headless(&cfg, home.path(), &args)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("templates/broken/base/deployment.yaml:4:"), "{stderr}");
    assert!(stderr.contains("{{teem}}"), "{stderr}");
    assert!(text(&out.stdout).is_empty(), "no diff for a template that fails: {}", text(&out.stdout));
    assert_eq!(main_pushes(&sim), pushes, "nothing pushed");
    assert!(records(home.path()).is_empty());

    // An unknown team and an existing service are refused the same way, before any write.
    let out =
        finish(headless(&cfg, home.path(), &["new-service", "billing", "--team", "nobody", "--template", "web"])).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("team \"nobody\" is unknown to the policy"), "{}", text(&out.stderr));
    let existing = service_of(&sim.app_names(0)[0], "dev");
    let out =
        finish(headless(&cfg, home.path(), &["new-service", &existing, "--team", "backend", "--template", "web"]))
            .await;
    assert!(text(&out.stderr).contains("already exists in Argo CD"), "{}", text(&out.stderr));
    assert_eq!(main_pushes(&sim), pushes, "nothing pushed");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_creation_in_prod_waits_for_approval_and_runs_as_filed() {
    let home = tempfile::tempdir().unwrap();
    let (sim, _) = setup("dave", home.path()).await;
    operator_config(&sim, home.path(), "alice");
    let pushes = main_pushes(&sim);
    // Governed by prod's create rules: dave may ask; a release manager approves.
    let args =
        ["new-service", "billing", "--team", "backend", "--template", "web", "--ticket", "CHG-7", "--reason", "launch"];
    let out = run_as(home.path(), "dave", &args).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let id =
        stdout.split_whitespace().find(|w| w.starts_with("req-")).unwrap_or_else(|| panic!("no request: {stdout}"));
    assert_eq!(main_pushes(&sim), pushes, "nothing runs before the approval");

    let c = command(&home.path().join("alice.toml"), home.path(), &["approve", id]);
    let out = finish_advancing(&sim, 0, 0, c).await;
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let bare = sim.git_dir().expect("repository");
    let log = std::process::Command::new("git").args(["log", "-1", "--format=%B", "main"]).current_dir(&bare).output();
    let message = log.map(|o| text(&o.stdout)).unwrap_or_default();
    for line in
        ["Requested-by: dave", "Approved-by: alice", "Change-Ticket: CHG-7", &format!("Flightdeck-Request: {id}")]
    {
        assert!(message.contains(line), "{line} missing: {message}");
    }
    let envs: Vec<String> =
        listed(&home.path().join("alice.toml"), home.path(), "billing").await.into_iter().map(|r| r.0).collect();
    assert_eq!(envs, ["dev", "prod", "staging"]);
    sim.shutdown().await;
}
