//! End-to-end, the console as an SRE uses it in an incident: the real binary in a
//! pseudo-terminal against the simulator over HTTP — stale data marked when the servers go
//! away, 16 colours with a visible selection.

mod common;

use common::pty::Pty;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_turn_stale_with_their_age_when_the_server_stops() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix, live", |s| s.contains("● Healthy") && s.contains("prod ●"));
        assert!(!pty.screen().contains("stale"), "{}", pty.screen());
        // The servers go away: nothing on screen may still look live.
        rt.block_on(sim.shutdown());
        pty.wait_for("every cell stale", |s| s.contains("◌ stale") && !s.contains("● Healthy     v"));
        let screen = pty.screen();
        let header = screen.lines().next().unwrap_or_default().to_string();
        assert!(header.contains("prod◌") || header.contains("prod ◌"), "the header shows each instance: {header}");
        assert!(header.trim_end().ends_with("admin (admins)"), "the user stays on the header: {header}");
        assert!(screen.contains("stale") && screen.contains("disconnected, last known state"), "{screen}");
        // The age moves on by itself.
        pty.wait_for("the age to grow", |s| s.contains("◌ stale 1s") || s.contains("◌ stale 2s"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}
