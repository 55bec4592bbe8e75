//! Read-only mode against the simulator, which records every write it receives (any method
//! but GET, and GET ?refresh) and every push reaching its Git repository: driving every
//! action key of the console and every headless action in a read-only session sends none,
//! each is refused saying why (headless: exit 3), and the header says read-only. The same
//! estate without read-only records the writes, so the record is not blind.

mod common;

use std::path::Path;

use common::pty::Pty;
use common::{finish, headless, rollout_app, text};
use flightdeck_sim::Sim;

/// Every write the estate received: Argo CD requests on every instance and Git pushes.
fn writes(sim: &Sim) -> Vec<String> {
    let mut all: Vec<String> = (0..3).flat_map(|i| sim.writes(i)).collect();
    all.extend(sim.git_pushes().into_iter().map(|p| format!("git push {p}")));
    all
}

/// A history id the rollback of `app` (dev) accepts.
fn history_id(sim: &Sim, app: &str) -> String {
    let app = sim.app_json(0, app).expect("app");
    let last = app.pointer("/status/history").and_then(|h| h.as_array()).and_then(|h| h.last()).cloned();
    last.and_then(|e| e["id"].as_i64()).expect("a history entry").to_string()
}

/// Whether `service` syncs by itself in dev (so `sync-policy` can ask for the opposite).
fn auto_sync(sim: &Sim, service: &str) -> bool {
    let app = sim.app_json(0, &format!("{service}-dev")).expect("app");
    app.pointer("/spec/syncPolicy/automated").is_some_and(|a| !a.is_null())
}

/// Every headless command that writes, on `service` in dev.
fn actions(sim: &Sim, service: &str, rollout_service: &str) -> Vec<Vec<String>> {
    let id = history_id(sim, &format!("{service}-dev"));
    let on = |args: &[&str], svc: &str| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        v.extend([svc.to_string(), "--env".into(), "dev".into()]);
        v
    };
    vec![
        on(&["sync"], service),
        on(&["rollback", "--to", &id, "--pause-auto-sync"], service),
        on(&["scale", "--replicas", "3"], service),
        on(&["restart"], service),
        on(&["terminate"], service),
        on(&["refresh", "--hard"], service),
        on(&["sync-policy", "--auto-sync", if auto_sync(sim, service) { "off" } else { "on" }], service),
        on(&["rollout", "promote"], rollout_service),
        on(&["rollout", "abort"], rollout_service),
        on(&["rollout", "resume"], rollout_service),
        vec!["promote".into(), service.into(), "--from".into(), "dev".into(), "--to".into(), "staging".into()],
        vec!["approve".into(), "req-0000000000".into()],
        vec!["reject".into(), "req-0000000000".into(), "--comment".into(), "no".into()],
        vec!["withdraw".into(), "req-0000000000".into()],
    ]
}

async fn run(cfg: &Path, home: &Path, args: &[String], env: &[(&str, &str)]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c = headless(cfg, home, &args);
    c.envs(env.iter().copied());
    finish(c).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_headless_action_in_a_read_only_session_exits_3_and_sends_nothing() {
    let (sim, home, cfg, service) = common::estate(12).await;
    let rollout = common::service_of(&rollout_app(&sim, 0).expect("the estate has a Rollout"), "dev");
    for args in actions(&sim, &service, &rollout) {
        let mut flagged = vec!["--read-only".to_string()];
        flagged.extend(args.iter().cloned());
        let out = run(&cfg, home.path(), &flagged, &[]).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: exit 3\n{err}{}", text(&out.stdout));
        assert!(err.contains("read-only (--read-only)") && err.contains("nothing was sent"), "{args:?}: {err}");
    }
    // The variable says it as well as the flag.
    let out = run(&cfg, home.path(), &actions(&sim, &service, &rollout)[0], &[("FLIGHTDECK_READ_ONLY", "1")]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("read-only (FLIGHTDECK_READ_ONLY)"), "{}", text(&out.stderr));
    assert_eq!(writes(&sim), Vec::<String>::new(), "a read-only session wrote");
    // Without read-only the same sync is sent and recorded: the record is not blind.
    let out = run(&cfg, home.path(), &actions(&sim, &service, &rollout)[0], &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sim.writes(0), [format!("POST /api/v1/applications/{service}-dev/sync")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_in_the_config_covers_the_whole_file_or_one_instance() {
    let (sim, home, cfg, service) = common::estate(6).await;
    let text_of = std::fs::read_to_string(&cfg).expect("config");
    let sync = |env: &str| vec!["sync".to_string(), service.clone(), "--env".into(), env.into()];
    // The whole file: every instance.
    let whole = home.path().join("whole.toml");
    std::fs::write(&whole, format!("read_only = true\n{text_of}")).expect("write");
    let out = run(&whole, home.path(), &sync("staging"), &[]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("read-only (read_only in the config)"), "{}", text(&out.stderr));
    // One instance: staging is looked at only, dev may be acted on.
    let one = home.path().join("one.toml");
    let staging_only = text_of.replacen("name = \"staging\"", "name = \"staging\"\nread_only = true", 1);
    assert_ne!(staging_only, text_of, "the staging instance is in the config");
    std::fs::write(&one, staging_only).expect("write");
    let out = run(&one, home.path(), &sync("staging"), &[]).await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("read_only on instance staging"), "{}", text(&out.stderr));
    assert_eq!(writes(&sim), Vec::<String>::new());
    let out = run(&one, home.path(), &sync("dev"), &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(sim.writes(0), [format!("POST /api/v1/applications/{service}-dev/sync")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_key_in_a_read_only_console_says_why_and_sends_nothing() {
    let (sim, home, cfg, service) = common::estate(6).await;
    let sim = std::sync::Arc::new(sim);
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let args = ["--read-only", "--config", cfg.to_str().expect("utf8")];
        let mut pty = Pty::spawn(&args, home.path(), 120, 40, &[]);
        let selected = format!("{service} · dev");
        pty.wait_for("the matrix", |s| s.contains(&selected) && s.contains("read-only"));
        // Every action key of the keymap (each refusal names its action; no dialog opens),
        // and the same actions from the command line.
        let keys = [
            ("s", "sync"),
            ("p", "promote"),
            ("r", "rollback"),
            ("S", "scale"),
            ("R", "refresh"),
            ("x", "restart"),
            ("t", "terminate"),
            ("P", "Rollout promote"),
            ("A", "Rollout abort"),
            ("U", "Resume auto-sync"),
            ("Y", "sync policy change"),
            ("\x12", "Retry the last failed run"),
            ("\x14", "Terminate the run in progress"),
        ];
        for (key, verb) in keys {
            pty.send(key);
            let refusal = format!("read-only (--read-only): {verb}");
            pty.wait_for(&format!("the refusal of {key}"), |s| s.contains(&refusal));
        }
        // Marked rows: the bulk sync is refused as one.
        pty.send(" ");
        pty.send("s");
        pty.wait_text("read-only (--read-only): sync refused");
        pty.send(":sync\r");
        pty.wait_text("read-only (--read-only): sync refused");
        // The approvals pane: approving, rejecting and withdrawing are ledger records.
        pty.send("\t");
        for (key, what) in [("a", "approval"), ("x", "rejection"), ("w", "withdrawal")] {
            pty.send(key);
            pty.wait_text(&format!("read-only (--read-only): {what} refused"));
        }
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "clean exit; screen:\n{}", pty.screen());
        assert_eq!(writes(&sim2), Vec::<String>::new(), "the read-only console wrote");
    })
    .await
    .expect("pty thread");
}
