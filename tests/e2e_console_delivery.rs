//! End-to-end: the delivery view in the real binary, in a pseudo-terminal, against the
//! simulator and its real Git repository. After a deploy made headless, `:delivery 400d` on
//! the service shows the figures for prod and the timeline with the deploy's commit (who,
//! which version) and Argo CD's deployment of it; `w` and `e` change the window and the
//! environment (read again), and esc returns to the matrix. The view at 120×40 is printed
//! (`--nocapture` shows it).

mod common;

use std::time::Duration;

use common::pty::Pty;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_opens_the_delivery_view_of_a_service() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let args = ["deploy", &service, "--env", "dev", "--tag", "v9.8.0"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    for _ in 0..3 {
        sim.advance(Duration::from_secs(15)).await;
    }
    let commit_line = format!("deploy {service} in dev: v9.8.0");
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix", |s| s.contains(&service) && s.contains("prod"));
        // Filter the matrix down to the service's row, then open its delivery view.
        pty.send(&format!("/{service}\r"));
        let selected = format!("{service} · dev");
        pty.wait_for("the service's row selected", |s| s.contains(&selected));
        pty.send(":delivery 400d\r");
        let title = format!("delivery · {service} · prod · last 400d");
        pty.wait_for("the view with its figures and the deploy's commit", |s| {
            s.contains(&title) && s.contains("lead time") && s.contains("change failures") && s.contains(&commit_line)
        });
        let screen = pty.screen();
        assert!(screen.contains("dave"), "who asked: {screen}");
        assert!(screen.contains("v9.8.0") && screen.contains("argocd"), "Argo CD's deployment of it: {screen}");
        println!("{screen}");
        // w: the next window (after a window of our own: a week); e: the next environment.
        pty.send("w");
        pty.wait_for("a week", |s| {
            s.contains(&format!("delivery · {service} · prod · last 7d")) && !s.contains("reading")
        });
        pty.send("e");
        pty.wait_for("dev's figures", |s| {
            s.contains(&format!("delivery · {service} · dev · last 7d")) && s.contains("figures for dev")
        });
        pty.send("\x1b");
        pty.wait_for("back to the matrix", |s| !s.contains("delivery ·") && s.contains("SERVICE"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit: {}", pty.screen());
    })
    .await
    .unwrap();
    sim.shutdown().await;
}
