//! Preview environments against the simulator and its real Git repository: `env request`
//! shows the diff first, commits the preview's overlay (copied from dev, its own namespace)
//! with its `preview.toml` (owner, expiry), creates its Application, which appears in the
//! matrix as its own environment; `env list` shows it; `env extend` moves the expiry in Git;
//! a developer asking for a preview of prod is refused; and once its TTL has passed,
//! `env reap` tears it down — overlay removed, Application deleted, recorded in the trail.

mod common;

use std::time::Duration;

use flightdeck::client::git::Git;
use serde_json::Value;

fn show(bare: &std::path::Path, path: &str) -> Option<String> {
    Git::new().run(bare, &["show", &format!("main:{path}")]).ok().map(|o| o.stdout)
}

/// Commit `text` as `path` on the bare remote's main, as someone editing the repository.
fn commit_file(bare: &std::path::Path, work: &std::path::Path, path: &str, text: &str) {
    let git = Git::new().with_identity("Ops", "ops@example.com");
    git.run(work.parent().unwrap(), &["clone", "-q", bare.to_str().unwrap(), work.to_str().unwrap()]).unwrap();
    std::fs::write(work.join(path), text).unwrap();
    git.run(work, &["commit", "-q", "-am", "edit preview"]).unwrap();
    git.run(work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_is_requested_listed_extended_and_torn_down_at_its_ttl() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let bare = sim.git_dir().unwrap();

    // Request: diff first, one commit, the Application created on dev's instance.
    let args = ["env", "request", &service, "--from", "dev", "--ttl", "4h", "--name", "login-fix", "--tag", "v9.9.9"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    let dir = format!("apps/{service}/overlays/preview-login-fix");
    assert!(stdout.contains(&format!("+++ b/{dir}/preview.toml")), "diff first: {stdout}");
    assert!(stdout.contains("+owner = \"dave\""), "{stdout}");
    assert!(stdout.contains("--- /dev/null"), "new files read as git shows them: {stdout}");
    let kustomization = show(&bare, &format!("{dir}/kustomization.yaml")).expect("overlay committed");
    let app = format!("{service}-preview-login-fix");
    assert!(kustomization.contains(&format!("namespace: {app}")), "{kustomization}");
    assert!(kustomization.contains("newTag: v9.9.9"), "{kustomization}");
    let meta = show(&bare, &format!("{dir}/preview.toml")).unwrap();
    assert!(meta.contains("from = \"dev\"") && meta.contains("owner = \"dave\""), "{meta}");
    let log = Git::new().run(&bare, &["log", "-1", "--format=%s%n%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert!(log.starts_with(&format!("request preview of {service} from dev: preview-login-fix until ")), "{log}");
    assert!(log.contains("Requested-by: dave"), "{log}");
    let created = sim.app_json(0, &app).expect("the Application was created");
    assert_eq!(created["metadata"]["labels"]["app.kubernetes.io/environment"], "preview-login-fix");
    assert_eq!(created["spec"]["source"]["path"], dir.as_str());
    assert_eq!(created["spec"]["destination"]["namespace"], app.as_str());

    // It is in the matrix as its own environment, and `env list` shows it with its owner.
    sim.advance(Duration::from_secs(15)).await;
    let status = common::finish(common::headless(&cfg, home.path(), &["status", "-o", "json"])).await;
    let matrix = common::text(&status.stdout);
    assert!(matrix.contains("preview-login-fix"), "{matrix}");
    let list = common::finish(common::headless(&cfg, home.path(), &["env", "list", "-o", "json"])).await;
    let rows: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows[0]["name"], "preview-login-fix", "{rows}");
    assert_eq!((rows[0]["owner"].as_str(), rows[0]["expired"].as_bool()), (Some("dave"), Some(false)));
    assert_eq!(rows[0]["application"], app.as_str());

    // Extend: the expiry moves in Git, nothing else.
    let out = common::finish(common::headless(&cfg, home.path(), &["env", "extend", "login-fix", "--by", "2d"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let after = show(&bare, &format!("{dir}/preview.toml")).unwrap();
    assert_ne!(after, meta, "the expiry moved");
    assert!(sim.app_json(0, &app).is_some());

    // Nothing has expired yet: reap does nothing.
    let out = common::finish(common::headless(&cfg, home.path(), &["env", "reap"])).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(common::text(&out.stdout).contains("no preview environment has expired"));

    // Its TTL passes (the expiry in Git is now in the past): reap tears it down.
    let expired: String =
        after
            .lines()
            .map(|l| {
                if l.starts_with("expires = ") {
                    "expires = \"2026-01-01T00:00:00Z\"".to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    let work = tempfile::tempdir().unwrap();
    commit_file(&bare, &work.path().join("w"), &format!("{dir}/preview.toml"), &(expired + "\n"));
    let out = common::finish(common::headless(&cfg, home.path(), &["env", "reap"])).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("torn down preview-login-fix"), "{stdout}");
    assert_eq!(show(&bare, &format!("{dir}/preview.toml")), None, "the overlay is gone from Git");
    assert_eq!(show(&bare, &format!("{dir}/kustomization.yaml")), None);
    assert!(sim.app_json(0, &app).is_none(), "the Application is deleted");
    let subject = Git::new().run(&bare, &["log", "-1", "--format=%s", "main"]).unwrap().stdout;
    assert!(subject.contains("tear down preview of") && subject.contains("(its TTL passed)"), "{subject}");
    let trail = common::finish(common::headless(&cfg, home.path(), &["audit", "-o", "json"])).await;
    let trail = common::text(&trail.stdout);
    assert!(trail.contains("tear down preview") && trail.contains("its TTL passed at"), "{trail}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_asking_for_a_preview_of_prod_is_refused_and_nothing_is_written() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    // Every service runs in every environment of the simulated estate.
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let bare = sim.git_dir().unwrap();
    let head = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;
    let args = ["env", "request", &service, "--from", "prod", "--ticket", "CHG-1", "--reason", "repro"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("preview in prod may be requested by"), "{stderr}");
    assert_eq!(Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout, head, "nothing committed");
    assert!(!sim.app_names(2).iter().any(|n| n.contains("preview")));
    // Bad input says what to do.
    let out = common::finish(common::headless(&cfg, home.path(), &["env", "request", &service, "--ttl", "30d"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("a preview lives at most 7d"), "{}", common::text(&out.stderr));
    let out = common::finish(common::headless(&cfg, home.path(), &["env", "down", "nope"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(common::text(&out.stderr).contains("there is no preview environment preview-nope"));
    sim.shutdown().await;
}
