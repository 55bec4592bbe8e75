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

/// Every SGR colour parameter the program wrote: `38;5;N`/`48;5;N` as N, `38;2;…` as 256+.
fn colours_written(raw: &[u8]) -> Vec<u32> {
    let text = String::from_utf8_lossy(raw);
    let mut out = Vec::new();
    for seq in text.split("\x1b[").skip(1) {
        let Some(end) = seq.find(|c: char| c.is_ascii_alphabetic()) else { continue };
        if !seq[end..].starts_with('m') {
            continue;
        }
        let params: Vec<&str> = seq[..end].split(';').collect();
        let mut i = 0;
        while i < params.len() {
            match (params[i], params.get(i + 1)) {
                ("38" | "48", Some(&"5")) => {
                    out.push(params.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(999));
                    i += 3;
                }
                ("38" | "48", Some(&"2")) => {
                    out.push(256);
                    i += 5;
                }
                (p, _) => {
                    if let Ok(n @ (30..=37 | 40..=47)) = p.parse::<u32>() {
                        out.push(n % 10);
                    }
                    i += 1;
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_colours_keep_health_apart_from_dim_text_and_show_the_selection() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    tokio::task::spawn_blocking(move || {
        let env = [("TERM", "xterm"), ("LANG", "en_US.UTF-8")];
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &env);
        pty.wait_for("the matrix", |s| s.contains("● Healthy") && s.contains("history"));
        let colours = colours_written(&pty.raw);
        assert!(!colours.is_empty(), "it draws in colour");
        assert!(colours.iter().all(|c| *c < 16), "only the 16 ANSI colours: {colours:?}");
        let screen = pty.parser.screen();
        let (rows, cols) = screen.size();
        let mut healthy = None;
        let mut selected = 0;
        for r in 0..rows {
            for c in 0..cols {
                let Some(cell) = screen.cell(r, c) else { continue };
                if cell.contents() == "●" && r > 1 && healthy.is_none() {
                    healthy = Some(cell.fgcolor());
                }
                selected += usize::from(r > 1 && r < 8 && cell.inverse());
            }
        }
        assert_eq!(healthy, Some(vt100::Color::Idx(2)), "healthy is green, not the grey of dim text");
        assert!(selected >= 8, "the selected cell is in reverse video ({selected} cells)");
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_linux_console_gets_ascii_glyphs() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    tokio::task::spawn_blocking(move || {
        let env = [("TERM", "linux"), ("LANG", "en_US.UTF-8")];
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 100, 30, &env);
        pty.wait_for("the matrix in ASCII", |s| s.contains("* Healthy") && s.contains("history"));
        let screen = pty.screen();
        assert!(screen.is_ascii(), "{screen}");
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[test]
fn the_demo_shows_how_others_join_and_q_asks_while_they_are_connected() {
    let home = tempfile::tempdir().unwrap();
    let mut dave = Pty::spawn(&["demo", "--services", "3", "--user", "dave"], home.path(), 140, 40, &[]);
    dave.wait_for("dave's console with the banner", |s| s.contains("you are dave (developer) · nobody else"));
    // The command that joins as alice, as the demo's help page shows it.
    dave.send("?");
    dave.wait_for("the help page", |s| {
        s.contains("the others join from another terminal") && s.contains("sim-olga.toml")
    });
    let screen = dave.screen();
    let line = screen
        .lines()
        .find(|l| l.contains("sim-alice.toml"))
        .unwrap_or_else(|| panic!("alice's command: {screen}"))
        .to_string();
    let path = line.split_whitespace().find(|w| w.ends_with("sim-alice.toml")).unwrap().to_string();
    dave.send("\x1b");
    dave.wait_for("help closed", |s| !s.contains("the others join from another terminal"));
    let home2 = tempfile::tempdir().unwrap();
    let mut alice = Pty::spawn(&["--config", &path], home2.path(), 100, 30, &[]);
    alice.wait_for("alice's console", |s| s.contains("alice") && s.contains("SERVICE"));
    dave.wait_text("alice connected");
    dave.send("q");
    dave.wait_for("the question", |s| s.contains("Quit?") && s.contains("alice is connected to this demo estate"));
    dave.send("n");
    dave.wait_for("the question gone", |s| !s.contains("Quit?"));
    alice.send("q");
    assert_eq!(alice.wait_exit(), 0);
    dave.wait_text("nobody else connected");
    dave.send("q");
    assert_eq!(dave.wait_exit(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_asks_before_leaving_a_running_sync_unfollowed() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix", |s| s.contains("history"));
        pty.send("s");
        pty.wait_text("prune");
        pty.send("\r");
        // The simulator's clock stands still: the sync stays running.
        pty.wait_text("sync sent");
        pty.send("q");
        pty.wait_for("the question", |s| s.contains("Quit?") && s.contains("still running"));
        pty.send("y");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attention_queue_lists_what_degrades_and_acts_on_it() {
    let sim = common::calm_sim(4).await;
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
        sim.set_health(2, &app, "Degraded", "back-off restarting failed container payment-db");
        pty.send("!");
        pty.wait_for("the queue with the degraded app and its reason", |s| {
            s.contains("Needs attention")
                && s.lines()
                    .any(|l| l.contains("degraded") && l.contains(&service) && l.contains("back-off restarting"))
        });
        // Select it: its reason shows whole, then refresh it from the queue.
        let screen = pty.screen();
        let row = screen.lines().position(|l| l.contains(&service) && l.contains("back-off")).unwrap();
        let first = screen.lines().position(|l| l.starts_with('>')).unwrap();
        for _ in first..row {
            pty.send("j");
        }
        pty.wait_for("the entry selected", |s| s.lines().any(|l| l.starts_with('>') && l.contains(&service)));
        pty.wait_text("back-off restarting failed container payment-db");
        pty.send("R");
        pty.wait_text(&format!("refresh {service}/prod done"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_sync_confirms_once_and_syncs_every_marked_deployment() {
    let sim = std::sync::Arc::new(common::calm_sim(4).await);
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let (a, b) = (common::service_of(&names[0], "dev"), common::service_of(&names[1], "dev"));
    let rt = tokio::runtime::Handle::current();
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[]);
        pty.wait_for("the matrix", |s| s.contains(&format!("{a} · dev")) && s.contains("history"));
        pty.send(" ");
        pty.send(" ");
        pty.wait_text("2 marked");
        pty.send("s");
        pty.wait_for("one confirmation naming both", |s| {
            s.contains("Sync 2 marked deployments") && s.contains(&format!("{a} in dev, {b} in dev"))
        });
        pty.send("\r");
        pty.wait_for("both runs", |s| {
            s.contains(&format!("sync {a}/dev")) && s.contains(&format!("sync {b}/dev")) && s.contains("2 started")
        });
        pty.wait_for("both sent", |s| s.matches("sync sent ✓").count() >= 2);
        for name in &names[..2] {
            let app = sim2.app_json(0, name).unwrap();
            let phase = app.pointer("/status/operationState/phase").and_then(|v| v.as_str()).unwrap_or("");
            assert!(app.get("operation").is_some() || phase == "Running", "{name} got a sync: {app}");
        }
        for _ in 0..20 {
            rt.block_on(sim2.advance(std::time::Duration::from_millis(500)));
        }
        pty.wait_for("both followed to the end", |s| s.matches("healthy ✓").count() >= 2);
        pty.send(":q!\r");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}
