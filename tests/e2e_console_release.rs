//! End to end in the console (the real binary in a pseudo-terminal, as `dave`, against the
//! simulator and its real Git repository): two marked dev cells + `p` open ONE release dialog
//! with both overlays in its diff, and enter lands ONE commit touching both; followed to
//! healthy, each service is verified in staging (the policy's check fails on purpose for one),
//! and then `p` on that service's staging cell is refused in the dialog, naming the check,
//! before anything is planned.

mod common;

use std::path::Path;

use common::pty::Pty;
use flightdeck::client::git::Git;

fn head(bare: &Path) -> String {
    Git::new().run(bare, &["rev-parse", "main"]).unwrap().stdout.trim().to_string()
}

fn image(sim: &flightdeck_sim::Sim, instance: usize, app: &str) -> String {
    sim.app_json(instance, app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marked_cells_release_in_one_commit_and_a_failed_check_refuses_in_the_dialog() {
    let sim = std::sync::Arc::new(common::calm_sim(6).await);
    let home = tempfile::tempdir().unwrap();
    common::commit_policy_with_a_staging_check(&sim, home.path());
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let mut names = sim.app_names(0);
    names.sort();
    let services: Vec<String> = names.iter().map(|n| common::service_of(n, "dev")).collect();
    // Rows are sorted by service: the first two whose dev is newer and staging healthy.
    let movable: Vec<usize> = (0..services.len())
        .filter(|&i| {
            let s = &services[i];
            let staging = sim.app_json(1, &format!("{s}-staging")).unwrap();
            image(&sim, 0, &format!("{s}-dev")) != image(&sim, 1, &format!("{s}-staging"))
                && staging["status"]["health"]["status"] == "Healthy"
        })
        .collect();
    let (ia, ib) = (movable[0], movable[1]);
    let (a, b) = (services[ia].clone(), services[ib].clone());
    // a's staging probe fails: promoting a out of staging is refused.
    sim.set_probe("staging", &a, 503);
    let bare = sim.git_dir().unwrap();
    let before = head(&bare);

    let home_path = home.path().to_path_buf();
    let (a2, b2, bare2) = (a.clone(), b.clone(), bare.clone());
    let (rt, sim2) = (tokio::runtime::Handle::current(), sim.clone());
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], &home_path, 120, 40, &[]);
        pty.wait_for("the matrix, as dave", |s| s.contains(" · dev") && s.contains("dave"));
        // Mark a and b in dev, then p: one release dialog with both overlays in its diff.
        pty.send(&"j".repeat(ia));
        pty.wait_for("a's dev cell", |s| s.contains(&format!("{a2} · dev")));
        pty.send(" ");
        pty.send(&"j".repeat(ib - ia));
        pty.wait_for("b's dev cell", |s| s.contains(&format!("{b2} · dev")));
        pty.send(" ");
        pty.send("p");
        pty.wait_text(&format!("Release {a2}, {b2} dev → STAGING"));
        let (da, db) = (format!("apps/{a2}/overlays/staging"), format!("apps/{b2}/overlays/staging"));
        pty.wait_for("the combined diff", |s| s.contains(&da) || s.contains(&db));
        assert_eq!(head(&bare2), before, "the plan wrote nothing");
        pty.send("\r");
        let moved = |_: &str| head(&bare2) != before;
        pty.wait_for("the release commit on the remote", moved);
        let files = Git::new().run(&bare2, &["show", "--name-only", "--format=", "main"]).unwrap().stdout;
        assert!(files.contains(&da) && files.contains(&db), "one commit, both overlays: {files}");
        let count = Git::new().run(&bare2, &["rev-list", "--count", &format!("{before}..main")]).unwrap().stdout;
        assert_eq!(count.trim(), "1");

        // The console follows both apps to healthy, then verifies each in staging: a's probe
        // fails (the run fails, "deployed, but …"), b's passes; both are recorded.
        let audit = || {
            let out = common::headless(&cfg, &home_path, &["audit", "-o", "json"]).output().unwrap();
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        // The run's own record comes last, once both verifications are in.
        let verified = |t: &str| t.matches("\"verification\"").count() >= 2 && t.contains("failed: deployed, but");
        for _ in 0..120 {
            if verified(&audit()) {
                break;
            }
            rt.block_on(sim2.advance(std::time::Duration::from_secs(1)));
        }
        let trail = audit();
        assert!(verified(&trail), "both services verified after the deploy: {trail}");
        assert!(trail.contains("failed: deployed, but"), "the run failed on a's check: {trail}");

        // a's staging cell (back up to a, right one column): p is refused by the failed check.
        pty.send(&"k".repeat(ib - ia));
        pty.send("l");
        pty.wait_for("a's staging cell", |s| s.contains(&format!("{a2} · staging")));
        pty.send("p");
        pty.wait_for("the refusal naming the check", |s| s.contains("check \"smoke\" failed"));
        pty.send("\x1b");
        pty.wait_for("the dialog closed", |s| !s.contains("nothing will be written"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit; screen:\n{}", pty.screen());
    })
    .await
    .unwrap();
    if let Ok(sim) = std::sync::Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
}
