//! End-to-end, the real binary in a pseudo-terminal against the simulator over HTTP: pod logs
//! follow new lines as the simulated pods write them (and pause), and a deployment turning
//! Degraded rings the bell with a desktop notification (OSC 9, or OSC 777 by config).

mod common;

use std::time::Duration;

use common::pty::Pty;

/// The log lines on screen: those starting with a pod of `service`.
fn log_lines(screen: &str, service: &str) -> Vec<String> {
    let pod = format!("{service}-");
    screen.lines().filter(|l| l.starts_with(&pod)).map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_logs_follow_new_lines_and_pause() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let service = common::service_of(&names[0], "dev");
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the detail of the dev cell", |s| {
            s.contains(&format!("{service} · dev")) && s.contains("history")
        });
        pty.send("L");
        pty.wait_for("the tail of the pods' logs", |s| {
            s.contains(&format!("logs · Deployment {service}")) && log_lines(s, &service).len() > 3
        });
        assert!(pty.screen().contains("following"), "{}", pty.screen());
        let before = log_lines(&pty.screen(), &service);
        // The pods write as simulated time passes: the new lines show at the bottom.
        rt.block_on(sim.advance(Duration::from_secs(20)));
        pty.wait_for("new lines at the bottom", |s| {
            let now = log_lines(s, &service);
            now.last() != before.last() && !before.contains(now.last().unwrap_or(&String::new()))
        });
        // Paused: what is shown stays, and what arrives is counted. The lines are compared
        // between two paused frames (the first paused frame may still be arriving when the
        // word "paused" shows).
        pty.send("f");
        pty.wait_text("paused · ");
        let count_of = |s: &str| s.lines().nth(1).and_then(|l| l.split("paused · ").nth(1)).map(str::to_string);
        let mut frozen = Vec::new();
        for round in 0..2 {
            let count = count_of(&pty.screen());
            rt.block_on(sim.advance(Duration::from_secs(20)));
            pty.wait_for("the count of new lines to grow", |s| count_of(s).is_some_and(|c| Some(&c) != count.as_ref()));
            let lines = log_lines(&pty.screen(), &service);
            if round == 1 {
                assert_eq!(lines, frozen, "paused lines stay put");
            }
            frozen = lines;
        }
        pty.send("\x1b");
        pty.wait_for("the matrix again", |s| s.contains("SERVICE"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_turning_degraded_rings_the_bell_with_a_desktop_notification() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(2);
    names.sort();
    let app = names[1].clone();
    let service = common::service_of(&app, "prod");
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix", |s| s.contains("history") && s.contains("prod ●"));
        rt.block_on(sim.wait_watchers(2, 1));
        assert!(!pty.raw_contains(b"\x1b]9;"), "nothing to tell at start");
        // A server string with an escape of its own never reaches the terminal.
        sim.set_health(2, &app, "Degraded", "back-off restarting\x1b]9;evil\x07 payment-db");
        let expected = format!("\x1b]9;Flightdeck: degraded: {service}/prod is degraded\x07\x07");
        pty.wait_raw("the OSC 9 notification and the bell", expected.as_bytes());
        assert!(!pty.raw_contains(b"evil"), "the server's own escape never reaches the terminal");
        assert_eq!(pty.raw.windows(4).filter(|w| w == b"\x1b]9;").count(), 1, "one notification");
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osc_777_by_config_and_no_bell() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[notify]\nbell = false\ndesktop = \"osc777\"\n");
    std::fs::write(&cfg, text).unwrap();
    let mut names = sim.app_names(0);
    names.sort();
    let app = names[0].clone();
    let service = common::service_of(&app, "dev");
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix", |s| s.contains("history") && s.contains("dev ●"));
        rt.block_on(sim.wait_watchers(0, 1));
        sim.set_health(0, &app, "Degraded", "readiness probe failed");
        let expected = format!("\x1b]777;notify;Flightdeck: degraded;{service}/dev is degraded\x07");
        pty.wait_raw("the OSC 777 notification", expected.as_bytes());
        pty.pump();
        assert!(!pty.raw_contains(format!("{expected}\x07").as_bytes()), "no bell when bell = false");
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}
