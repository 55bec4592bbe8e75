//! End-to-end: the console creates a service. The real binary in a pseudo-terminal, as the
//! developer `dave`, against the simulator with real Git: `:new-service` opens the form, enter
//! shows the new files as a diff (nothing written yet), enter again creates it — one commit
//! in the bare repository, the Applications created through the API — and the new service
//! appears as a row of the matrix when the watch delivers its apps.

mod common;

use std::sync::Arc;

use common::pty::Pty;
use flightdeck::client::git::Git;
use flightdeck::config::{self, Auth, Secret};
use flightdeck::domain::new_service::AppsVia;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_form_creates_a_service_that_appears_in_the_matrix() {
    let sim = Arc::new(common::calm_sim(3).await);
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        inst.auth = Auth::Token(Secret::new(sim.token_for(i, "dave").expect("dave exists")));
    }
    // Argo CD's RBAC alone decides here (the policy's paths have their own tests), and the
    // Applications come through the API, so the watch brings them without a clock tick.
    cfg.gitops.remote = None;
    cfg.gitops.applications = AppsVia::Api;
    let cfg_path = home.path().join("flightdeck.toml");
    config::write_file(&cfg_path, &cfg).unwrap();
    let bare = sim.git_dir().expect("the simulator has a repository");
    let head_before = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;

    let rt = tokio::runtime::Handle::current();
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg_path.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix, as dave", |s| s.contains("staging") && s.contains("dave"));
        pty.send(":new-service\r");
        pty.wait_text("Create a service in DEV, STAGING, PROD");
        pty.send("billing\tbackend\tweb\r");
        pty.wait_for("the new files", |s| s.contains("new files") && s.contains("+++ b/apps/billing/base/"));
        let head_now = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;
        assert_eq!(head_now, head_before, "the plan wrote nothing");
        pty.send("\r");
        // The form closed, and a matrix row of its own: the service and its team (the flash
        // names the service too, alone).
        let row = |s: &str| {
            !s.contains("Create a service")
                && s.lines()
                    .any(|l| (l.starts_with(" billing ") || l.starts_with(">billing ")) && l.contains("backend"))
        };
        pty.wait_for("billing in the matrix", row);
        let git = Git::new();
        let overlay = git.run(&bare, &["show", "main:apps/billing/overlays/prod/kustomization.yaml"]).unwrap().stdout;
        assert!(overlay.contains("newTag: v0.1.0"), "{overlay}");
        let trailers = git.run(&bare, &["log", "-1", "--format=%(trailers:only,unfold)", "main"]).unwrap().stdout;
        assert!(trailers.contains("Requested-by: dave\n"), "{trailers}");
        // Argo CD syncs the new apps by themselves (the template's automated sync); the run
        // follows them to healthy.
        let healthy = |i: usize, env: &str| {
            sim2.app_json(i, &format!("billing-{env}")).is_some_and(|a| a["status"]["health"]["status"] == "Healthy")
        };
        for _ in 0..60 {
            if healthy(0, "dev") && healthy(1, "staging") && healthy(2, "prod") {
                break;
            }
            rt.block_on(sim2.advance(std::time::Duration::from_secs(1)));
        }
        pty.wait_for("the creation to finish in the run log", |s| {
            s.contains("create billing/prod") && s.contains("done")
        });
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit; screen:\n{}", pty.screen());
    })
    .await
    .unwrap();
    assert!(sim.app_names(2).contains(&"billing-prod".to_string()));
}
