//! `flightdeck … | head` as shells expect it: when the reader is gone before (or while) a
//! command prints, it ends by SIGPIPE — the status a shell shows as 141 and does not report —
//! with nothing on stderr, in every command and output format. (It used to panic with
//! "failed printing to stdout: Broken pipe" and exit 101.)

mod common;

use std::os::unix::process::ExitStatusExt;

use common::{command, text};

/// Run with the read end of stdout closed before the command writes anything: the process
/// starts, loads, asks the simulator, and only then writes, by which time nobody reads.
/// Returns stderr (progress lines of an action).
async fn closed(cfg: &std::path::Path, home: &std::path::Path, args: &[&str]) -> String {
    let mut c = command(cfg, home, args);
    let out = tokio::task::spawn_blocking(move || {
        let mut child = c.spawn().expect("spawn");
        drop(child.stdout.take());
        child.wait_with_output().expect("wait")
    });
    let out = tokio::time::timeout(common::RUN_LIMIT, out).await.expect("ends").expect("join");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{args:?}: {:?}, stderr: {}", out.status, text(&out.stderr));
    let err = text(&out.stderr);
    assert!(!err.contains("Broken pipe") && !err.contains("panicked"), "{args:?}: {err}");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_and_format_ends_quietly_on_a_closed_pipe() {
    let (sim, home, cfg, service) = common::estate(3).await;
    sim.set_out_of_sync(0, &format!("{service}-dev"));
    let s = service.as_str();
    let h = home.path();
    for format in ["table", "json"] {
        for args in [
            vec!["status"],
            vec!["history", s, "--env", "dev"],
            vec!["diff", s, "--env", "dev"],
            vec!["logs", s, "--env", "dev"],
            vec!["logs", s, "--env", "dev", "--follow"],
            vec!["sync-policy", s, "--env", "dev"],
            vec!["runs"],
            vec!["audit"],
            vec!["approvals", "--all"],
        ] {
            let mut args = args.clone();
            args.extend(["-o", format]);
            let err = closed(&cfg, h, &args).await;
            assert!(err.is_empty(), "{args:?}: nothing on stderr, got: {err}");
        }
    }
    // Commands with one format, and actions (their steps on stderr, their result on stdout).
    for args in [vec!["completions", "bash"], vec!["man"], vec!["config", "example"], vec!["complete-names", "envs"]] {
        let err = closed(&cfg, h, &args).await;
        assert!(err.is_empty(), "{args:?}: nothing on stderr, got: {err}");
    }
    let err = closed(&cfg, h, &["refresh", s, "--env", "dev"]).await;
    assert!(err.contains("refresh sent"), "the steps still go to stderr: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_into_head_ends_with_flightdeck_killed_by_sigpipe_and_says_nothing() {
    // More output than a pipe holds (64 KiB), so flightdeck is still writing when head leaves.
    let opts = flightdeck_sim::SimOptions {
        services: 400,
        chaos: false,
        clock: flightdeck_sim::SimClock::Manual,
        git: false,
        ..Default::default()
    };
    let sim = flightdeck_sim::Sim::start(opts).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    for format in ["table", "json"] {
        let script = format!(
            "set -o pipefail; '{bin}' --config '{}' status -o {format} | head -c 200 >/dev/null",
            cfg.display()
        );
        let mut c = std::process::Command::new("bash");
        c.arg("-c").arg(script).env("HOME", home.path()).env("XDG_STATE_HOME", home.path().join("state"));
        let out = common::finish(c).await;
        // The pipeline's status is flightdeck's: 128 + SIGPIPE, as for `yes | head`.
        assert_eq!(out.status.code(), Some(128 + libc::SIGPIPE), "{format}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{format}: {}", text(&out.stderr));
    }
}
