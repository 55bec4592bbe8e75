//! Application lifecycle against the simulator with real Git: the client creates an app
//! through the API (it appears in the list and on the watch, wanting the version its
//! overlay names, and auto-sync deploys it), Argo CD's refusals come back typed, deleting
//! sends DELETED and the app is gone; an Application manifest committed under the
//! repository's app-of-apps directory creates the app on the instance serving its
//! environment, and removing the file prunes it.

mod client_support;

use std::path::Path;
use std::time::Duration;

use client_support::*;
use flightdeck::client::argocd::lifecycle::CreateOpts;
use flightdeck::client::argocd::stream::WatchEvent;
use flightdeck::client::git::Git;
use flightdeck::client::ArgoClient;
use flightdeck::domain::application::AppManifest;
use flightdeck::domain::{AppKey, ErrorKind, Health};
use flightdeck_sim::Sim;

const DEV: usize = 0;
const STAGING: usize = 1;

fn manifest(sim: &Sim, service: &str, env: &str, name: &str) -> AppManifest {
    AppManifest {
        name: name.to_string(),
        project: "backend".into(),
        labels: [("app.kubernetes.io/name", service), ("app.kubernetes.io/environment", env)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Default::default(),
        repo_url: sim.git_remote(),
        path: format!("apps/{service}/overlays/{env}"),
        target_revision: "main".into(),
        dest_server: "https://kubernetes.default.svc".into(),
        dest_namespace: service.to_string(),
        automated: true,
    }
}

fn overlay(service: &str, tag: &str) -> String {
    format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n\
         images:\n  - name: registry.example.com/backend/{service}\n    newTag: {tag}\n"
    )
}

/// A clone of the simulator's repository to commit from.
fn clone(sim: &Sim, scratch: &Path) -> (Git, std::path::PathBuf) {
    let git = Git::new().with_identity("Platform", "platform@example.com");
    let work = scratch.join("work");
    let bare = sim.git_dir().expect("the simulator has a repository");
    git.run(scratch, &["clone", "-q", bare.to_str().unwrap(), work.to_str().unwrap()]).unwrap();
    (git, work)
}

/// Write (or, with `None`, remove) files, commit and push them to `main`.
fn commit(git: &Git, work: &Path, files: &[(&str, Option<&str>)], msg: &str) {
    for (path, text) in files {
        let full = work.join(path);
        match text {
            Some(t) => {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, t).unwrap();
            }
            None => std::fs::remove_file(&full).unwrap(),
        }
    }
    git.run(work, &["add", "-A"]).unwrap();
    git.run(work, &["commit", "-q", "-m", msg]).unwrap();
    git.run(work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

async fn names(c: &ArgoClient) -> Vec<String> {
    c.list().await.expect("list").0.into_iter().map(|d| d.key.name).collect()
}

/// Advance sim time in steps until app `name` of `c` is Healthy at `version` (bounded).
async fn until_healthy(sim: &Sim, c: &ArgoClient, name: &str, version: &str) {
    for _ in 0..60 {
        let (apps, _) = c.list().await.expect("list");
        if apps.iter().any(|d| d.key.name == name && d.health == Health::Healthy && d.version() == version) {
            return;
        }
        sim.advance(Duration::from_secs(1)).await;
    }
    panic!("{name} never became healthy at {version}");
}

/// The next watch event about `name`, skipping others (bounded by the safety net).
async fn next_event_of(stream: &mut flightdeck::client::argocd::stream::WatchStream, name: &str) -> WatchEvent {
    loop {
        let batch = tokio::time::timeout(SAFETY, stream.next_batch()).await.expect("timely").expect("read");
        for ev in batch.expect("stream open") {
            let hit = match &ev {
                WatchEvent::Upsert(a) | WatchEvent::Deleted(a) => a.metadata.name == name,
                WatchEvent::Unreadable(_) => false,
            };
            if hit {
                return ev;
            }
        }
    }
}

#[tokio::test]
async fn an_app_created_through_the_api_is_listed_watched_deployed_and_deleted() {
    let sim = sim().await;
    let scratch = tempfile::tempdir().unwrap();
    let (git, work) = clone(&sim, scratch.path());
    commit(
        &git,
        &work,
        &[("apps/billing-new/overlays/dev/kustomization.yaml", Some(&overlay("billing-new", "v0.1.0")))],
        "overlay",
    );
    let c = client(&sim, DEV);
    let (_, rv) = c.list().await.expect("list");
    let mut stream = c.watch(Some(&rv)).await.expect("watch");

    let m = manifest(&sim, "billing-new", "dev", "billing-new-dev");
    let created = c.create_app(&m, CreateOpts::default()).await.expect("created");
    assert_eq!(created.metadata.name, "billing-new-dev");
    assert!(matches!(next_event_of(&mut stream, "billing-new-dev").await, WatchEvent::Upsert(_)));
    let (apps, _) = c.list().await.expect("list");
    let d = apps.iter().find(|d| d.key.name == "billing-new-dev").expect("listed");
    assert_eq!((d.service.as_str(), d.env.as_str()), ("billing-new", "dev"));
    assert_eq!(d.team.as_deref(), Some("backend"));
    until_healthy(&sim, &c, "billing-new-dev", "v0.1.0").await;

    // The same spec again is no change; a different one is refused unless upserted.
    c.create_app(&m, CreateOpts::default()).await.expect("same spec is accepted");
    let mut other = m.clone();
    other.automated = false;
    let err = c.create_app(&other, CreateOpts::default()).await.expect_err("different spec refused");
    assert_eq!((err.status(), err.to_failure().kind), (Some(400), ErrorKind::Rejected), "{err}");
    assert!(err.to_string().contains("upsert"), "{err}");
    let upserted = c.create_app(&other, CreateOpts { upsert: true, validate: true }).await.expect("upserted");
    assert!(upserted.spec.sync_policy.as_ref().and_then(|p| p.automated.as_ref()).is_none());

    // A source path holding no overlay is refused while validating, accepted without.
    let missing = manifest(&sim, "nowhere", "dev", "nowhere-dev");
    let err = c.create_app(&missing, CreateOpts { upsert: false, validate: true }).await.expect_err("no overlay");
    assert!(err.to_string().contains("apps/nowhere/overlays/dev"), "{err}");
    assert!(!names(&c).await.contains(&"nowhere-dev".to_string()));

    let key = AppKey { instance: DEV, namespace: String::new(), name: "billing-new-dev".into() };
    c.delete_app(&key, true).await.expect("deleted");
    // Changes made while it deployed come first; the stream then ends the app with DELETED.
    while !matches!(next_event_of(&mut stream, "billing-new-dev").await, WatchEvent::Deleted(_)) {}
    assert!(!names(&c).await.contains(&"billing-new-dev".to_string()));
    assert!(!sim.app_names(DEV).contains(&"billing-new-dev".to_string()));
    // Gone: without a project Argo CD answers an unknown app 403 (API-NOTES' RBAC rule).
    let err = c.delete_app(&key, true).await.expect_err("already gone");
    assert_eq!(err.to_failure().kind, ErrorKind::Forbidden, "{err}");
    // Time goes on over the tombstone: its timers find nothing to do.
    sim.advance(Duration::from_secs(30)).await;
    assert!(!names(&c).await.contains(&"billing-new-dev".to_string()));
}

#[tokio::test]
async fn an_app_of_apps_commit_creates_apps_and_removing_the_file_prunes_them() {
    let sim = sim().await;
    let scratch = tempfile::tempdir().unwrap();
    let (git, work) = clone(&sim, scratch.path());
    let staging = manifest(&sim, "billing-new", "staging", "billing-new-staging");
    // A preview environment no instance serves lands on the first instance, labelled so.
    let mut preview = manifest(&sim, "billing-new", "pr-7", "billing-new-pr-7");
    preview.automated = false;
    commit(
        &git,
        &work,
        &[
            ("apps/billing-new/overlays/staging/kustomization.yaml", Some(&overlay("billing-new", "v0.2.0"))),
            ("apps/billing-new/overlays/pr-7/kustomization.yaml", Some(&overlay("billing-new", "v0.3.0"))),
            ("argocd/apps/billing-new-staging.yaml", Some(&staging.to_yaml())),
            ("argocd/apps/billing-new-pr-7.yaml", Some(&preview.to_yaml())),
        ],
        "billing-new: staging and a preview",
    );
    sim.advance(Duration::from_millis(100)).await;
    let stg = client(&sim, STAGING);
    assert!(names(&stg).await.contains(&"billing-new-staging".to_string()));
    until_healthy(&sim, &stg, "billing-new-staging", "v0.2.0").await;
    let dev = client(&sim, DEV);
    let (apps, _) = dev.list().await.expect("list");
    let p = apps.iter().find(|d| d.key.name == "billing-new-pr-7").expect("preview on the first instance");
    assert_eq!((p.service.as_str(), p.env.as_str()), ("billing-new", "pr-7"));
    assert!(!p.auto_sync);

    // A later commit to the preview's overlay moves what it wants.
    commit(
        &git,
        &work,
        &[("apps/billing-new/overlays/pr-7/kustomization.yaml", Some(&overlay("billing-new", "v0.3.1")))],
        "bump",
    );
    sim.advance(Duration::from_millis(100)).await;
    let (detail, _) = dev
        .get(&AppKey { instance: DEV, namespace: "argocd".into(), name: "billing-new-pr-7".into() }, None)
        .await
        .expect("get");
    assert!(detail.sync == flightdeck::domain::SyncStatus::OutOfSync, "{detail:?}");

    commit(&git, &work, &[("argocd/apps/billing-new-pr-7.yaml", None)], "the preview is done");
    sim.advance(Duration::from_millis(100)).await;
    assert!(!names(&dev).await.contains(&"billing-new-pr-7".to_string()), "pruned");
    assert!(names(&stg).await.contains(&"billing-new-staging".to_string()), "the other app stays");
    // Apps the estate was generated with are never pruned by the directory.
    assert_eq!(sim.app_names(STAGING).len(), 6);
}
