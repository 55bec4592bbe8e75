//! The official Python SDK (`conductor-python` from PyPI) against the simulated Conductor:
//! `tests/sdk/conductor_python_check.py` registers its own definitions, serves a SIMPLE task
//! with the SDK's TaskHandler, completes a HUMAN task by reference name and takes a SWITCH.
//!
//! The SDK lives in the virtual environment `.ci/run` creates (`target/ci-venv`, or
//! `FLIGHTDECK_SDK_PYTHON` naming a python that has it). Without one the test says so on one
//! line and passes locally; under CI (`CI` set) a missing SDK fails it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use flightdeck_sim::{Sim, SimOptions};

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLIGHTDECK_SDK_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    venv.exists().then_some(venv)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_runs_its_own_workflow_against_the_simulator() {
    let Some(py) = python() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide conductor-python in target/ci-venv (.ci/run installs it)"
        );
        eprintln!("skipped: no target/ci-venv with conductor-python (run .ci/run once to create it)");
        return;
    };
    let sim = Sim::start(SimOptions { services: 1, chaos: false, ..SimOptions::default() }).await.expect("sim");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/conductor_python_check.py");
    let mut cmd = tokio::process::Command::new(py);
    cmd.arg(script).arg(sim.conductor().api_url()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env_remove("CONDUCTOR_AUTH_KEY").env_remove("CONDUCTOR_AUTH_SECRET").kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output()).await.expect("finishes").expect("runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("python sdk: all checks passed"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    sim.shutdown().await;
}
