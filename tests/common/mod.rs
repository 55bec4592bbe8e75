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
