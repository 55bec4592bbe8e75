//! End-to-end: the console promotes dev → staging. The real binary in a pseudo-terminal, as
//! the developer `dave`, against the simulator: `p` on a dev cell opens the dialog with the
//! exact overlay diff, enter confirms (the policy lets developers promote to staging at once),
//! the bare repository gets the commit with its trailers, and Argo CD in staging ends up
//! running the new tag (the simulator's manual clock is advanced by the test).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pty::Pty;
use flightdeck::client::git::Git;
use flightdeck::config::{self, Auth, Secret};

fn image_of(app: &serde_json::Value) -> String {
    app["status"]["summary"]["images"][0].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_promotes_dev_to_staging_with_the_diff_and_argo_deploys_it() {
    let sim = Arc::new(common::calm_sim(4).await);
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        inst.auth = Auth::Token(Secret::new(sim.token_for(i, "dave").expect("dave exists")));
    }
    let cfg_path = home.path().join("flightdeck.toml");
    config::write_file(&cfg_path, &cfg).unwrap();

    let mut names = sim.app_names(0);
    names.sort();
    let service = common::service_of(&names[0], "dev");
    let staging_app = format!("{service}-staging");
    let dev_image = image_of(&sim.app_json(0, &names[0]).unwrap());
    assert_ne!(image_of(&sim.app_json(1, &staging_app).unwrap()), dev_image, "dev runs a newer version");
    let tag = dev_image.rsplit_once(':').unwrap().1.to_string();
    let bare = sim.git_dir().expect("the simulator has a repository");
    let head_before = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;

    let rt = tokio::runtime::Handle::current();
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg_path.to_str().unwrap()], home.path(), 120, 40, &[]);
        // Instances list in any order: wait until dev's cell is the selected one.
        let selected = format!("{service} · dev");
        pty.wait_for("the matrix, as dave", |s| s.contains(&selected) && s.contains("staging") && s.contains("dave"));
        // `p` on the first service's dev cell: the dialog names the route, then shows the diff.
        pty.send("p");
        pty.wait_text(&format!("Promote {service} dev → STAGING"));
        let added = format!("+     newTag: {tag}");
        pty.wait_for("the overlay diff", |s| s.contains(&added) && s.contains("--- a/apps/"));
        let shown = pty.screen();
        assert!(shown.contains("overlays/staging/kustomization.yaml"), "{shown}");
        assert!(shown.contains("-     newTag: "), "the old tag is removed: {shown}");
        // Nothing is written before confirming.
        let head_now = Git::new().run(&bare, &["rev-parse", "main"]).unwrap().stdout;
        assert_eq!(head_now, head_before, "the plan wrote nothing");
        pty.send("\r");
        // The run log keeps only the newest step labels when the line is full, so wait on
        // the repository itself (re-checked on every frame the running promotion draws).
        let moved = |_: &str| Git::new().run(&bare, &["rev-parse", "main"]).is_ok_and(|o| o.stdout != head_before);
        pty.wait_for("the promotion commit on the remote", moved);

        // The commit, with its trailers, in the simulator's bare repository.
        let git = Git::new();
        let overlay = format!("main:apps/{service}/overlays/staging/kustomization.yaml");
        assert!(git.run(&bare, &["show", &overlay]).unwrap().stdout.contains(&format!("newTag: {tag}\n")));
        let trailers = git.run(&bare, &["log", "-1", "--format=%(trailers:only,unfold)", "main"]).unwrap().stdout;
        assert!(trailers.contains("Requested-by: dave\n"), "{trailers}");
        assert!(trailers.contains("Flightdeck-Request: "), "{trailers}");
        let subject = git.run(&bare, &["log", "-1", "--format=%s", "main"]).unwrap().stdout;
        assert!(subject.contains(&format!("promote {service} dev -> staging")), "{subject}");

        // Argo CD sees the commit on its next tick, auto-syncs, and staging runs the new tag.
        for _ in 0..60 {
            let app = sim2.app_json(1, &staging_app).unwrap();
            let synced = app["status"]["sync"]["status"] == "Synced";
            let healthy = app["status"]["health"]["status"] == "Healthy";
            if image_of(&app) == dev_image && synced && healthy {
                break;
            }
            rt.block_on(sim2.advance(Duration::from_secs(1)));
        }
        let app = sim2.app_json(1, &staging_app).unwrap();
        assert_eq!(image_of(&app), dev_image, "staging runs the promoted image");
        assert_eq!(app["status"]["sync"]["status"], "Synced");
        // The run log follows it to the end.
        pty.wait_for("the promotion to finish in the run log", |s| s.contains("promote") && s.contains("done"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit; screen:\n{}", pty.screen());
    })
    .await
    .unwrap();
}
