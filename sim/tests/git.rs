//! The simulator's GitOps repository: overlays for every app, Applications pointing at it,
//! and a pushed overlay change moving the app (OutOfSync, then auto-sync to the new tag).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{get, manual_sim};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(dir).env("GIT_TERMINAL_PROMPT", "0").output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_pushed_overlay_change_is_deployed_by_auto_sync() {
    let sim = manual_sim(4).await;
    let remote = sim.git_remote();
    assert!(remote.starts_with("file://"), "{remote}");
    let inst = &sim.instances()[1];
    assert_eq!(inst.env, "staging");
    let name = sim.app_names(1)[0].clone();
    let service = name.strip_suffix("-staging").unwrap().to_string();
    let (_, app) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{name}")).await;
    assert_eq!(app["spec"]["source"]["repoURL"], remote.as_str());
    let path = format!("apps/{service}/overlays/staging/kustomization.yaml");
    assert_eq!(app["spec"]["source"]["path"], format!("apps/{service}/overlays/staging"));
    let image = app["status"]["summary"]["images"][0].as_str().unwrap().to_string();
    let (image_name, tag) = image.rsplit_once(':').unwrap();

    let tmp = tempfile::tempdir().unwrap();
    git(tmp.path(), &["clone", "-q", &remote, "w"]);
    let w = tmp.path().join("w");
    let overlay = std::fs::read_to_string(w.join(&path)).unwrap();
    assert!(overlay.contains(&format!("  - name: {image_name}\n    newTag: {tag}\n")), "{overlay}");
    assert!(w.join("policy.toml").is_file());

    std::fs::write(w.join(&path), overlay.replace(&format!("newTag: {tag}"), "newTag: v9.9.9")).unwrap();
    git(&w, &["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam", "promote"]);
    git(&w, &["push", "-q", "origin", "HEAD:main"]);

    sim.advance(Duration::from_millis(200)).await;
    let (_, app) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{name}")).await;
    assert_eq!(app["status"]["sync"]["status"], "OutOfSync");
    // Auto-sync after the controller notices (~1 s), then the operation (2–4 s) and health.
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let (_, app) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{name}")).await;
    assert_eq!(app["status"]["sync"]["status"], "Synced");
    assert_eq!(app["status"]["summary"]["images"][0], format!("{image_name}:v9.9.9"));
    // Other apps did not move.
    let other = &sim.app_names(1)[1];
    let (_, o) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{other}")).await;
    assert_ne!(o["status"]["summary"]["images"][0], format!("{image_name}:v9.9.9"));
    sim.shutdown().await;
}

#[tokio::test]
async fn without_git_the_estate_starts_with_no_repository_and_a_fixed_url() {
    let opts = flightdeck_sim::SimOptions {
        services: 3,
        git: false,
        chaos: false,
        clock: flightdeck_sim::SimClock::Manual,
        ..Default::default()
    };
    let sim = flightdeck_sim::Sim::start(opts).await.unwrap();
    assert_eq!(sim.git_dir(), None);
    let remote = sim.git_remote();
    assert!(remote.starts_with("https://"), "{remote}");
    let inst = &sim.instances()[0];
    let name = sim.app_names(0)[0].clone();
    let (_, app) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{name}")).await;
    assert_eq!(app["spec"]["source"]["repoURL"], remote.as_str());
    // Time still moves without a repository to poll.
    sim.advance(Duration::from_secs(1)).await;
    sim.shutdown().await;
}
