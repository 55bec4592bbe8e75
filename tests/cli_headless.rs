//! The headless commands as scripts use them: the real binary, no terminal, against the
//! simulator. Exit codes, JSON shape, one-line failures with what to do, no escape bytes.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use flightdeck::config::{Auth, Secret};

use common::{command as flightdeck, text};

async fn output(c: Command) -> Output {
    common::finish(c).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_has_every_deployment_with_the_documented_keys() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let out = output(flightdeck(&cfg, home.path(), &["status", "-o", "json"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "no escape bytes when stdout is not a terminal");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deps = v["deployments"].as_array().unwrap();
    assert_eq!(deps.len(), 12, "4 services × 3 environments");
    for d in deps {
        for key in [
            "instance",
            "app",
            "namespace",
            "project",
            "service",
            "env",
            "health",
            "sync",
            "revision",
            "images",
            "version",
            "auto_sync",
        ] {
            assert!(d.get(key).is_some_and(|v| !v.is_null()), "{key} missing in {d}");
        }
        assert!(d.get("operation").is_some(), "operation is present (phase or null)");
        assert!(d["images"].is_array());
        assert_eq!(d["auto_sync"].as_bool(), Some(d["env"] != "prod"));
    }
    // Filters, and a table without colours off a terminal.
    let out = output(flightdeck(&cfg, home.path(), &["status", "--env", "prod"])).await;
    let table = text(&out.stdout);
    assert!(table.starts_with("SERVICE"));
    assert_eq!(table.lines().count(), 5);
    assert!(!out.stdout.contains(&0x1b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_wait_follows_the_operation_to_health() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let service = common::service_of(&names[0], "dev");
    let child =
        flightdeck(&cfg, home.path(), &["sync", &service, "--env", "dev", "--prune", "--wait"]).spawn().unwrap();
    // The command follows the app through a watch stream: once it is open, run the clock.
    sim.wait_watchers(0, 1).await;
    let waiter = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        sim.advance(Duration::from_millis(500)).await;
        tokio::task::yield_now().await;
    }
    let out = waiter.await.unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("sync sent") && err.contains("healthy"), "steps shown: {err}");
    let app = sim.app_json(0, &names[0]).unwrap();
    assert_eq!(app.pointer("/status/operationState/phase").and_then(|v| v.as_str()), Some("Succeeded"));
    assert_eq!(app.pointer("/status/operationState/operation/sync/prune").and_then(|v| v.as_bool()), Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_exit_with_the_documented_codes_and_say_what_to_do() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(1);
    names.sort();
    let service = common::service_of(&names[0], "staging");

    // Rollback while auto-sync is on: the server refuses; the line names the flag. (In dev:
    // the repository's policy lets anyone act there, while staging refuses the `admins`
    // group before Argo CD is asked — that refusal is exit 3, see `e2e_action_gate.rs`.)
    let dev_app = sim.app_json(0, &format!("{service}-dev")).unwrap();
    let oldest = dev_app.pointer("/status/history/0/id").and_then(|v| v.as_i64()).unwrap().to_string();
    let out = output(flightdeck(&cfg, home.path(), &["rollback", &service, "--env", "dev", "--to", &oldest])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let last = err.lines().last().unwrap();
    assert!(last.contains("auto-sync") && last.contains("--pause-auto-sync"), "{err}");

    // (An unknown service is a usage error with the choices since issue 12: `cli_usage.rs`.)

    // Ambiguous service without --env: usage.
    let out = output(flightdeck(&cfg, home.path(), &["sync", &service])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--env"));

    // A bad token: not authenticated.
    let mut bad = common::sim_config(&sim);
    for i in &mut bad.instances {
        i.auth = Auth::Token(Secret::new("aaa.bbb.ccc"));
    }
    let bad_path = home.path().join("bad.toml");
    flightdeck::config::write_file(&bad_path, &bad).unwrap();
    let out = output(flightdeck(&bad_path, home.path(), &["status"])).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("aaa.bbb.ccc"), "the token is never printed");

    // Nobody listening: unreachable.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut gone = common::sim_config(&sim);
    gone.instances.truncate(1);
    gone.instances[0].server = format!("http://127.0.0.1:{port}");
    let gone_path = home.path().join("gone.toml");
    flightdeck::config::write_file(&gone_path, &gone).unwrap();
    let out = output(flightdeck(&gone_path, home.path(), &["status"])).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).lines().count(), 1, "one line: {}", text(&out.stderr));
}
