//! Headless promotion end to end: the real binary promotes dev → staging against the simulator
//! as a developer; the simulator's bare repository gets the overlay commit with its trailers,
//! and Argo CD in staging (auto-sync) ends up running the promoted image. Promoting again is
//! nothing to do; a developer promoting to prod files an approval request instead of running.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use flightdeck::client::git::Git;
use flightdeck::config::{self, Auth, Secret};

fn flightdeck(cfg: &Path, home: &Path, args: &[&str]) -> Command {
    common::headless(cfg, home, args)
}

async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("run flightdeck")).await.unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_promote_dev_to_staging_commits_and_argo_deploys_it() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        inst.auth = Auth::Token(Secret::new(sim.token_for(i, "dave").expect("dave exists")));
    }
    let cfg_path = home.path().join("flightdeck.toml");
    config::write_file(&cfg_path, &cfg).unwrap();

    let dev_app = sim.app_names(0)[0].clone();
    let service = common::service_of(&dev_app, "dev");
    let staging_app = format!("{service}-staging");
    let dev_image = sim.app_json(0, &dev_app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap().to_string();
    let staging_before = sim.app_json(1, &staging_app).unwrap()["status"]["summary"]["images"][0].clone();
    assert_ne!(staging_before, dev_image.as_str(), "the estate runs newer versions in dev");
    let tag = dev_image.rsplit_once(':').unwrap().1.to_string();

    let args = ["promote", &service, "--from", "dev", "--to", "staging", "--ticket", "CHG-7", "--reason", "ship it"];
    let out = output(flightdeck(&cfg_path, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("+    newTag: {tag}")), "the diff is printed first: {stdout}");

    let bare = sim.git_dir().expect("the simulator has a repository");
    let git = Git::new();
    let overlay = format!("main:apps/{service}/overlays/staging/kustomization.yaml");
    assert!(git.run(&bare, &["show", &overlay]).unwrap().stdout.contains(&format!("newTag: {tag}\n")));
    let trailers = git.run(&bare, &["log", "-1", "--format=%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert!(trailers.contains("Requested-by: dave\n"), "{trailers}");
    assert!(trailers.contains("Change-Ticket: CHG-7\n") && trailers.contains("Reason: ship it\n"), "{trailers}");
    assert!(trailers.contains("Flightdeck-Request: "), "{trailers}");

    // Argo CD notices the commit on its next tick, auto-syncs, and staging runs the new tag.
    sim.advance(Duration::from_millis(200)).await;
    assert_eq!(sim.app_json(1, &staging_app).unwrap()["status"]["sync"]["status"], "OutOfSync");
    sim.advance(Duration::from_secs(10)).await;
    sim.advance(Duration::from_secs(30)).await;
    let staging = sim.app_json(1, &staging_app).unwrap();
    assert_eq!(staging["status"]["summary"]["images"][0], dev_image.as_str());
    assert_eq!(staging["status"]["sync"]["status"], "Synced");

    // Again: staging already runs it.
    let head = git.run(&bare, &["rev-parse", "main"]).unwrap().stdout;
    let again = output(flightdeck(&cfg_path, home.path(), &args)).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains("nothing to do"), "{}", text(&again.stdout));
    assert_eq!(git.run(&bare, &["rev-parse", "main"]).unwrap().stdout, head, "no new commit");

    // A developer promoting staging → prod files an approval request; prod's overlay is untouched.
    common::commit_policy_without_freezes(&sim, home.path());
    let prod_overlay = format!("main:apps/{service}/overlays/prod/kustomization.yaml");
    let prod_before = git.run(&bare, &["show", &prod_overlay]).unwrap().stdout;
    let to_prod = ["promote", &service, "--from", "staging", "--to", "prod", "--ticket", "CHG-8", "--reason", "go"];
    let out = output(flightdeck(&cfg_path, home.path(), &to_prod)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("approval request req-"), "{}", text(&out.stdout));
    assert_eq!(git.run(&bare, &["show", &prod_overlay]).unwrap().stdout, prod_before);
    sim.shutdown().await;
}
