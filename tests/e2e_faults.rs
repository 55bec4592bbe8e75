//! Faults of the terminal and the process, on the real binary in a pseudo-terminal against the
//! simulator: SIGHUP in the middle of a run (the terminal is restored; the run's record lands
//! whole, once, in the local trail and the shared ledger, and the chain verifies), a resize
//! storm (hundreds of resizes, down to 1×1, and the console still answers), and a panic
//! (through the debug-only `FLIGHTDECK_TEST_PANIC` switch: the terminal is restored and no
//! secret is printed).

mod common;

use common::pty::Pty;

/// The terminal was given back: the alternate screen left and the cursor shown after entering.
fn restored(pty: &Pty) -> bool {
    let Some(entered) = pty.raw_rfind(b"\x1b[?1049h") else { return false };
    pty.raw_rfind(b"\x1b[?1049l").is_some_and(|p| p > entered)
        && pty.raw_rfind(b"\x1b[?25h").is_some_and(|p| p > entered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_mid_run_restores_the_terminal_and_the_trail_and_ledger_are_complete() {
    let (sim, home, cfg, service) = common::estate(6).await;
    let bare = sim.git_dir().expect("the simulator has a repository");
    let data = home.path().join("data").join("flightdeck");
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().expect("utf8")], home.path(), 120, 40, &[]);
        pty.wait_for("the dev cell selected", |s| s.contains(&format!("{service} · dev")));
        pty.send("s");
        pty.wait_for("the sync dialog", |s| s.contains("prune"));
        pty.send("\r");
        // The simulator's clock stands still: the operation runs, and the run follows it.
        pty.wait_text("sync sent");
        pty.signal(libc::SIGHUP);
        pty.wait_exit();
        assert!(restored(&pty), "terminal restored after SIGHUP; screen:\n{}", pty.screen());
        // The run is in the local trail once, saying it was interrupted, and the chain holds.
        let v = flightdeck::audit::verify(&data).expect("verify");
        assert!(v.ok(), "{v:?}");
        let records = flightdeck::audit::read_records(&data).expect("records");
        let runs: Vec<_> = records.iter().filter(|r| r.entry.action.as_deref() == Some("sync")).collect();
        assert_eq!(runs.len(), 1, "one record of the run, not lost, not doubled: {records:?}");
        assert!(runs[0].entry.outcome.contains("interrupted"), "{:?}", runs[0].entry);
        // And in the shared trail on the GitOps remote, once.
        let out = std::process::Command::new("git")
            .args(["--git-dir", bare.to_str().expect("utf8"), "log", "--format=%B", "refs/flightdeck/trail"])
            .output()
            .expect("git log");
        let log = String::from_utf8_lossy(&out.stdout);
        assert_eq!(log.matches("interrupted").count(), 1, "the shared trail has the run once:\n{log}");
    })
    .await
    .expect("pty thread");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resize_storm_keeps_the_console_answering_and_drawing() {
    let (_sim, home, cfg, service) = common::estate(6).await;
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().expect("utf8")], home.path(), 80, 24, &[]);
        pty.wait_for("the matrix", |s| s.contains(&format!("{service} · dev")));
        // Hundreds of resizes as fast as the terminal takes them, tiny sizes among them.
        let started = std::time::Instant::now();
        for i in 0u16..400 {
            let (cols, rows) = if i % 50 == 0 { (1, 1) } else { (10 + (i * 37) % 170, 3 + (i * 13) % 50) };
            pty.resize(cols, rows);
            pty.drain_raw();
        }
        let storm = started.elapsed();
        pty.resize(100, 30);
        // Drawn again at the final size: the header spans the 100 columns and the key hints
        // sit on the 30th row (a frame of a size already gone would not).
        pty.wait_for("a frame at 100×30", |s| {
            let rows: Vec<&str> = s.lines().collect();
            rows.len() == 30
                && rows.first().is_some_and(|r| r.contains("Flightdeck") && r.trim_end().chars().count() > 90)
                && rows.last().is_some_and(|r| r.contains("q quit"))
        });
        // Still answering: help opens and shows, then closes.
        pty.send("?");
        pty.wait_text("Move down");
        pty.send("\x1b");
        pty.wait_for("the matrix again", |s| !s.contains("Move down") && s.contains(&format!("{service} · dev")));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit after {storm:?} of resizes; screen:\n{}", pty.screen());
        assert!(restored(&pty));
    })
    .await
    .expect("pty thread");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_restores_the_terminal_and_prints_no_secret() {
    let (sim, home, cfg, _service) = common::estate(4).await;
    let token = sim.instances()[0].token.clone();
    const CANARY: &str = "canary.p4n1c-5ecret.env";
    tokio::task::spawn_blocking(move || {
        let env = [
            ("FLIGHTDECK_TEST_PANIC", "1"),
            ("RUST_BACKTRACE", "1"),
            ("ARGOCD_AUTH_TOKEN", CANARY),
            ("VAULT_TOKEN", CANARY),
        ];
        let mut pty = Pty::spawn(&["--config", cfg.to_str().expect("utf8")], home.path(), 100, 30, &env);
        let code = pty.wait_exit();
        assert_eq!(code, 101, "a panic; screen:\n{}", pty.screen());
        assert!(restored(&pty), "terminal restored before the panic message; screen:\n{}", pty.screen());
        // After the restore, so it is readable (with its backtrace, which holds no value).
        let message = pty.raw_rfind(b"a deliberate crash").expect("the panic message is printed");
        let entered = pty.raw_rfind(b"\x1b[?1049h").unwrap_or(0);
        let left = pty.raw[entered..].windows(8).position(|w| w == b"\x1b[?1049l").map(|p| p + entered);
        assert!(left.is_some_and(|l| message > l), "printed after the restore");
        for secret in [token.as_str(), CANARY] {
            assert!(!pty.raw_contains(secret.as_bytes()), "a secret in the crash output");
        }
    })
    .await
    .expect("pty thread");
}
