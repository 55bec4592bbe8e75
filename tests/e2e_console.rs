//! End-to-end: the real binary in a pseudo-terminal against the simulator over HTTP.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pty::Pty;

fn phase(app: &serde_json::Value) -> Option<String> {
    app.pointer("/status/operationState/phase").and_then(|v| v.as_str()).map(str::to_string)
}

/// Id of the newest history entry (history is trimmed, so its length may not grow).
fn last_history_id(app: &serde_json::Value) -> i64 {
    app.pointer("/status/history")
        .and_then(|v| v.as_array())
        .and_then(|h| h.last())
        .and_then(|e| e["id"].as_i64())
        .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_shows_the_matrix_runs_a_sync_and_restores_the_terminal() {
    let sim = Arc::new(common::calm_sim(6).await);
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let app = names[0].clone();
    let service = common::service_of(&app, "dev");
    let before = sim.app_json(0, &app).unwrap();
    let rt = tokio::runtime::Handle::current();
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        // The matrix: the first service with its dev cell, every environment as a column.
        // The detail pane titles the selected cell once dev has listed it (instances list in
        // any order, so the service name alone may come from staging first).
        let selected = format!("{service} · dev");
        pty.wait_for("the matrix with the dev cell selected", |s| s.contains(&selected) && s.contains("prod"));
        // A sync through the keys: the dialog names the environment; enter confirms in dev.
        pty.send("s");
        pty.wait_for("the sync dialog", |s| s.contains("prune") && s.contains("dev"));
        pty.send("\r");
        pty.wait_text("sync sent");
        // Let the simulator's operation run to its end, then see it in the run log.
        for _ in 0..30 {
            let now = sim2.app_json(0, &app).unwrap();
            let healthy = now.pointer("/status/health/status").and_then(|v| v.as_str()) == Some("Healthy");
            if phase(&now).as_deref() == Some("Succeeded")
                && last_history_id(&now) > last_history_id(&before)
                && healthy
            {
                break;
            }
            rt.block_on(sim2.advance(Duration::from_secs(1)));
        }
        let after = sim2.app_json(0, &app).unwrap();
        assert_eq!(phase(&after).as_deref(), Some("Succeeded"), "the simulator ran the sync");
        assert!(last_history_id(&after) > last_history_id(&before), "the sync landed in the app's history");
        // The last step keeps its label even when a long run line folds the others to glyphs.
        pty.wait_for("the run log to show the run healthy", |s| s.contains("healthy ✓"));
        // The run has ended (so quitting leaves nothing unfollowed and asks nothing).
        pty.wait_for("the run to end", |s| s.contains(&format!("sync {service}/dev done")));
        assert!(!pty.screen().contains('✗'), "no failed step: {}", pty.screen());
        // Quit: the alternate screen is left and the cursor shown again.
        pty.send("q");
        let code = pty.wait_exit();
        assert_eq!(code, 0, "clean exit; screen:\n{}", pty.screen());
        let entered = pty.raw_rfind(b"\x1b[?1049h").expect("entered the alternate screen");
        let left = pty.raw_rfind(b"\x1b[?1049l").expect("left the alternate screen");
        assert!(left > entered);
        assert!(pty.raw_rfind(b"\x1b[?25h").is_some_and(|p| p > entered), "cursor shown again");
    })
    .await
    .unwrap();
}

#[test]
fn a_bad_config_stops_before_the_terminal_is_touched() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[[instance]]\nname = \"prod\"\nserver = \"https://argocd.example.com\"\ncolour = \"blue\"\n")
        .unwrap();
    let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 80, 24, &[]);
    let code = pty.wait_exit();
    assert_eq!(code, 2);
    let screen = pty.screen();
    assert!(screen.contains("bad.toml:4"), "file and line named: {screen}");
    assert!(!pty.raw_contains(b"\x1b[?1049h"), "never entered the alternate screen");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_restores_the_terminal() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 80, 24, &[]);
        pty.wait_text("SERVICE");
        pty.signal(libc::SIGTERM);
        pty.wait_exit();
        let entered = pty.raw_rfind(b"\x1b[?1049h").expect("entered the alternate screen");
        assert!(pty.raw_rfind(b"\x1b[?1049l").is_some_and(|p| p > entered), "left the alternate screen");
        assert!(pty.raw_rfind(b"\x1b[?25h").is_some_and(|p| p > entered), "cursor shown again");
    })
    .await
    .unwrap();
}
