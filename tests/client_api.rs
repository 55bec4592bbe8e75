//! The client against the loopback simulator: list/get/diff, typed refusals with hints
//! (401, 403, 400 texts), the exact Content-Type, and retries of idempotent reads only.

mod client_support;

use client_support::*;
use flightdeck::client::{ArgoClient, SyncOpts};
use flightdeck::config::{Auth, Secret};
use flightdeck::domain::{ErrorKind, Health, SyncStatus};

const PROD: usize = 2;
const DEV: usize = 0;

#[tokio::test]
async fn list_maps_every_app_and_returns_a_resource_version() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let (apps, rv) = c.list().await.expect("list");
    assert!(!rv.is_empty(), "list metadata.resourceVersion");
    let mut names: Vec<_> = apps.iter().map(|d| d.key.name.clone()).collect();
    names.sort();
    let mut expected = sim.app_names(PROD);
    expected.sort();
    assert_eq!(names, expected);
    for d in &apps {
        assert_eq!(d.env, "prod");
        assert_eq!(format!("{}-prod", d.service), d.key.name, "service label matches the name");
        assert_eq!(d.key.instance, PROD);
        assert_ne!(d.health, Health::Unknown);
        assert!(!d.auto_sync, "prod has auto-sync off");
        assert!(!d.version().is_empty());
        assert!(d.team.is_some());
    }
    let (dev, _) = client(&sim, DEV).list().await.expect("dev list");
    assert!(dev.iter().all(|d| d.auto_sync), "dev has auto-sync on");
}

#[tokio::test]
async fn get_returns_detail_events_and_diff_of_a_drifted_app() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    sim.set_out_of_sync(PROD, &key.name);
    let (detail, dep) = c.get(&key, None).await.expect("get");
    assert_eq!(dep.key, key);
    assert_eq!(detail.sync, SyncStatus::OutOfSync);
    assert!(detail.workload().is_some(), "resources listed");
    assert!(!detail.history.is_empty(), "history present");
    let events = c.events(&key).await.expect("events");
    assert!(events.iter().any(|e| e.message.contains("OutOfSync")), "{events:?}");
    let diffs = c.diff(&key).await.expect("diff");
    assert_eq!(diffs.len(), 1, "only the drifted workload differs: {diffs:?}");
    assert!(diffs[0].lines.iter().any(|l| matches!(l, flightdeck::domain::DiffLine::Added(t) | flightdeck::domain::DiffLine::Removed(t) if t.contains("replicas"))));
    let user = c.userinfo().await.expect("userinfo");
    assert_eq!(user.username, "admin");
    assert!(!c.version().await.expect("version").is_empty());
}

#[tokio::test]
async fn bad_token_is_unauthorized_and_never_echoed() {
    let sim = sim().await;
    let inst = instance(&sim, PROD);
    let canary = "eyJhbGciOiJIUzI1NiJ9.canary-secret-9f8e.sig";
    let c = ArgoClient::new(&config(&inst, Auth::Token(Secret::new(canary)))).expect("client");
    let err = c.list().await.expect_err("refused");
    let f = err.to_failure();
    assert_eq!(f.kind, ErrorKind::Unauthorized);
    assert!(f.hint.as_deref().unwrap_or_default().contains("ARGOCD_AUTH_TOKEN"), "{f:?}");
    let shown = format!("{err:?} {err} {f:?} {c:?}");
    assert!(!shown.contains("canary-secret"), "token leaked: {shown}");
}

#[tokio::test]
async fn login_works_and_a_wrong_password_is_unauthorized() {
    let sim = sim().await;
    let ok = login_client(&sim, PROD, "admin", "password");
    assert!(!ok.list().await.expect("list after login").0.is_empty());
    let bad = login_client(&sim, PROD, "admin", "wrong-password");
    let f = bad.list().await.expect_err("refused").to_failure();
    assert_eq!(f.kind, ErrorKind::Unauthorized);
    assert!(f.message.contains("Invalid username or password"), "{f:?}");
    assert!(!format!("{f:?}").contains("wrong-password"));
}

#[tokio::test]
async fn viewer_may_read_but_not_sync() {
    let sim = sim().await;
    let viewer = login_client(&sim, PROD, "viewer", "viewer");
    let key = first_key(&viewer).await;
    let f = viewer.sync(&key, SyncOpts::default()).await.expect_err("forbidden").to_failure();
    assert_eq!(f.kind, ErrorKind::Forbidden);
    assert!(f.message.contains("permission denied"), "{f:?}");
    assert_eq!(f.hint, Some(format!("you lack sync permission on {}; ask the Argo CD admins for it", key.name)));
}

#[tokio::test]
async fn refusals_with_400_carry_hints() {
    let sim = sim().await;
    // Rollback while auto-sync is on (dev).
    let dev = client(&sim, DEV);
    let key = first_key(&dev).await;
    let (detail, _) = dev.get(&key, None).await.expect("get");
    let id = detail.history.last().expect("history").id;
    let f = dev.rollback(&key, id).await.expect_err("refused").to_failure();
    assert_eq!(f.kind, ErrorKind::Rejected);
    assert!(f.message.contains("rollback cannot be initiated when auto-sync is enabled"), "{f:?}");
    assert!(f.hint.as_deref().unwrap_or_default().contains("--pause-auto-sync"));
    // Terminate with nothing running (prod).
    let prod = client(&sim, PROD);
    let key = first_key(&prod).await;
    let f = prod.terminate(&key).await.expect_err("idle").to_failure();
    assert_eq!(f.kind, ErrorKind::Rejected);
    assert!(f.message.contains("No operation is in progress"), "{f:?}");
    assert!(f.hint.as_deref().unwrap_or_default().contains("nothing to terminate"));
    // A second sync while the first runs.
    prod.sync(&key, SyncOpts::default()).await.expect("first sync");
    let f = prod.sync(&key, SyncOpts::default()).await.expect_err("busy").to_failure();
    assert_eq!(f.kind, ErrorKind::Rejected);
    assert!(f.message.contains("another operation is already in progress"), "{f:?}");
    assert!(f.hint.as_deref().unwrap_or_default().contains("terminate"));
    // Now terminate has something to stop.
    prod.terminate(&key).await.expect("terminate running operation");
}

#[tokio::test]
async fn content_type_must_be_exact_and_the_client_sends_it() {
    let sim = sim().await;
    let inst = instance(&sim, PROD);
    let c = client(&sim, PROD);
    let key = first_key(&c).await;
    let url = format!("{}/api/v1/applications/{}/sync", inst.base_url, key.name);
    let raw = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&inst.token)
        .header("Content-Type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .expect("raw post");
    assert_eq!(raw.status().as_u16(), 415);
    let app = c.sync(&key, SyncOpts::default()).await.expect("client's sync accepted");
    assert!(app.operation.is_some(), "the answer carries the new operation");
}

#[tokio::test]
async fn reads_are_retried_on_503_but_writes_are_not() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let before = sim.request_count(PROD, "/api/v1/applications");
    sim.fail_next(PROD, 2, 503);
    let (apps, _) = c.list().await.expect("list succeeds on the third try");
    assert!(!apps.is_empty());
    assert_eq!(sim.request_count(PROD, "/api/v1/applications") - before, 3);

    let key = apps[0].key.clone();
    let sync_path = format!("/api/v1/applications/{}/sync", key.name);
    sim.fail_next(PROD, 1, 503);
    let f = c.sync(&key, SyncOpts::default()).await.expect_err("503 surfaces").to_failure();
    assert_eq!(f.kind, ErrorKind::Unavailable);
    assert_eq!(sim.request_count(PROD, &sync_path), 1, "a POST is never retried");
    // Three failures exhaust the tries of a read.
    sim.fail_next(PROD, 3, 502);
    let f = c.list().await.expect_err("gives up after three").to_failure();
    assert_eq!(f.kind, ErrorKind::Unavailable);
}

#[tokio::test]
async fn unreachable_server_is_unavailable_with_a_hint() {
    let sim = sim().await;
    let inst = instance(&sim, PROD);
    // Bind then drop a listener: the port is closed when the client connects.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let mut cfg = config(&inst, Auth::None);
    cfg.server = format!("http://127.0.0.1:{port}");
    let c = ArgoClient::new(&cfg).expect("client");
    let f = c.userinfo().await.expect_err("refused").to_failure();
    assert_eq!(f.kind, ErrorKind::Unavailable);
    assert!(f.hint.as_deref().unwrap_or_default().contains("server URL"), "{f:?}");
}

#[tokio::test]
async fn manifests_at_a_history_revision_name_the_version_it_deployed() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let (apps, _) = c.list().await.expect("list");
    let dep = &apps[0];
    let (detail, _) = c.get(&dep.key, None).await.expect("get");
    let newest = detail.history.last().expect("history");
    let at_head = c.manifests(&dep.key, "").await.expect("head manifests");
    let at_newest = c.manifests(&dep.key, &newest.revision).await.expect("manifests at the newest entry");
    assert_eq!(at_newest.revision, newest.revision);
    assert!(!at_newest.images.is_empty(), "{at_newest:?}");
    assert!(at_newest.docs.iter().any(|d| d.yaml.contains("image:")), "{at_newest:?}");
    // What runs now is the newest entry's version (a settled app runs its last deployment).
    if dep.sync == SyncStatus::Synced {
        assert_eq!(at_newest.images, dep.images, "the newest entry deployed what runs");
        assert_eq!(at_head.images, dep.images);
    }
    // The oldest entry deployed an older version.
    let oldest = detail.history.first().expect("history");
    let then = c.manifests(&dep.key, &oldest.revision).await.expect("manifests at the oldest entry");
    if oldest.revision != newest.revision {
        assert_ne!(then.images, at_newest.images, "{oldest:?} vs {newest:?}");
    }
    // Every managed resource, live and desired.
    let resources = c.resource_manifests(&dep.key).await.expect("managed resources");
    assert!(resources.iter().any(|r| r.kind == "Service" && !r.live.is_empty() && !r.desired.is_empty()));
}

#[tokio::test]
async fn the_scale_dialogs_replicas_come_from_the_live_workload_and_git() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let (apps, _) = c.list().await.expect("list");
    let dep = &apps[0];
    let (detail, _) = c.get(&dep.key, None).await.expect("get");
    let w = detail.workload().expect("a workload");
    let res = flightdeck::client::ResourceRef {
        group: w.group.clone(),
        version: w.version.clone(),
        kind: w.kind.clone(),
        namespace: w.namespace.clone(),
        name: w.name.clone(),
    };
    let s = c.workload_state(&dep.key, &res).await.expect("workload state");
    assert!(s.replicas.is_some_and(|n| n > 0), "{s:?}");
    assert_eq!(s.desired, s.replicas, "settled: Git and the cluster agree: {s:?}");
    assert!(s.ready.is_some());
    assert_eq!(s.hpa, None, "the simulated estate has no autoscalers");
}
