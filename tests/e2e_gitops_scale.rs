//! Scaling the GitOps way against the simulator and its real Git repository: on an app with
//! auto-sync and self-heal, `scale --replicas N` writes the count to the overlay's
//! `replicas[]` (diff first), commits it, and Argo CD runs N — and keeps running N, since Git
//! says N: self-heal does not revert it. The live patch (`--break-glass`) warns that self-heal
//! reverts it, and it is reverted to the count in Git.

mod common;

use std::time::Duration;

use flightdeck::client::git::Git;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gitops_scale_is_not_reverted_by_self_heal() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", true);
    let (git_before, _) = sim.replicas(0, &app).unwrap();
    let want = git_before + 3;

    let args = ["scale", &service, "--env", "dev", "--replicas", &want.to_string(), "--reason", "peak"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("+replicas:") && stdout.contains(&format!("+    count: {want}")), "diff first: {stdout}");
    let bare = sim.git_dir().unwrap();
    let overlay = format!("main:apps/{service}/overlays/dev/kustomization.yaml");
    let text = Git::new().run(&bare, &["show", &overlay]).unwrap().stdout;
    assert!(text.contains(&format!("  - name: {service}\n    count: {want}\n")), "{text}");
    let subject = Git::new().run(&bare, &["log", "-1", "--format=%s", "main"]).unwrap().stdout;
    assert_eq!(subject.trim(), format!("scale {service} in dev: {service} to {want} replicas"));

    // Argo CD deploys the commit, and a minute of self-heal later it still runs `want`.
    for _ in 0..4 {
        sim.advance(Duration::from_secs(15)).await;
    }
    assert_eq!(sim.replicas(0, &app), Some((want, want)), "Git and the cluster agree");
    let now = sim.app_json(0, &app).unwrap();
    assert_eq!(now["status"]["sync"]["status"], "Synced");
    assert!(now.pointer("/spec/syncPolicy/automated").is_some(), "auto-sync stays on");

    // Break-glass: the live patch, with the warning, reverted by self-heal to the count in Git.
    let args = ["scale", &service, "--env", "dev", "--replicas", "1", "--break-glass"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("self-heal") && stderr.contains("reverts"), "{stderr}");
    for _ in 0..4 {
        sim.advance(Duration::from_secs(15)).await;
    }
    assert_eq!(sim.replicas(0, &app), Some((want, want)), "self-heal put Git's count back");
    sim.shutdown().await;
}
