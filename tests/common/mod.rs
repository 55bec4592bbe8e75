//! Shared helpers for the integration tests: a simulator-backed config and a PTY harness.

#![allow(dead_code)]

pub mod pty;

use std::path::{Path, PathBuf};

use flightdeck::config::{self, Config};
use flightdeck_sim::{Sim, SimClock, SimOptions};

/// A calm simulator with a manual clock: nothing happens unless the test advances time.
pub async fn calm_sim(services: usize) -> Sim {
    Sim::start(SimOptions { services, chaos: false, clock: SimClock::Manual, ..Default::default() })
        .await
        .expect("start the simulator")
}

/// A Flightdeck config pointing at the simulator, one instance per environment (the same
/// one `flightdeck demo` and `flightdeck sim` use).
pub fn sim_config(sim: &Sim) -> Config {
    flightdeck::cli::config_for_sim(sim)
}

/// Write the config for `sim` into `dir` and return its path.
pub fn write_sim_config(sim: &Sim, dir: &Path) -> PathBuf {
    let path = dir.join("flightdeck.toml");
    config::write_file(&path, &sim_config(sim)).expect("write config");
    path
}

/// The service of an app named `{service}-{env}`.
pub fn service_of(app: &str, env: &str) -> String {
    app.strip_suffix(&format!("-{env}")).unwrap_or(app).to_string()
}

/// Commit to the simulator's repository a policy without freeze windows: the example freezes
/// prod on Friday evenings and weekends by the wall clock, which a test must not depend on
/// (freezes have their own tests in `policy_decide.rs`). `scratch` holds the editing clone.
pub fn commit_policy_without_freezes(sim: &Sim, scratch: &Path) {
    let git = flightdeck::gitops::git::Git::new().with_identity("Platform", "platform@example.com");
    let bare = sim.git_dir().expect("the simulator has a repository");
    let work = scratch.join("policy-edit");
    git.run(scratch, &["clone", "-q", bare.to_str().unwrap(), work.to_str().unwrap()]).unwrap();
    let policy = std::fs::read_to_string(work.join("policy.toml")).unwrap();
    let cut = policy.find("[[env.prod.freeze]]").expect("the example has a freeze");
    let head = policy[..cut].rsplit_once("\n\n").map_or(&policy[..cut], |(h, _)| h);
    std::fs::write(work.join("policy.toml"), format!("{head}\n")).unwrap();
    git.run(&work, &["commit", "-q", "-am", "policy: no freeze windows in this test"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}
