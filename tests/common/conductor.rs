//! Conductor-engine helpers: the simulated estate with Flightdeck's definitions installed,
//! an operator's governance, and a worker serving tasks in the test's process.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use flightdeck::client::conductor::handlers::Handlers;
use flightdeck::client::conductor::worker::{serve, WorkerOptions};
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::engine::Governance;
use flightdeck::config::Config;
use flightdeck_sim::{Sim, SimClock, SimOptions};

/// A calm simulated estate of `services` on its own clock, policy without freezes, and a
/// config using its Conductor (definitions installed).
pub async fn estate(scratch: &Path, services: usize) -> (Sim, Config) {
    let opts = SimOptions {
        services,
        chaos: false,
        clock: SimClock::Auto { tick: Duration::from_millis(50) },
        ..Default::default()
    };
    let sim = Sim::start(opts).await.expect("simulator");
    super::commit_policy_without_freezes(&sim, scratch);
    let mut cfg = flightdeck::session::config_for_sim(&sim);
    flightdeck::session::conductor_for_sim(&sim, &mut cfg).await.expect("install definitions");
    (sim, cfg)
}

/// `who`'s governance, with its own cache and audit directory under `dir`.
pub fn governance(cfg: &Config, dir: &Path, who: &str) -> Governance {
    let paths = LedgerPaths {
        cache_root: Some(dir.join(format!("cache-{who}"))),
        audit_dir: Some(dir.join(format!("audit-{who}"))),
        ..Default::default()
    };
    flightdeck::session::governance(cfg, None, paths).expect("governance")
}

/// The task handlers of worker `id`.
pub fn handlers(cfg: &Config, dir: &Path, id: &str) -> Handlers {
    let gov = governance(cfg, dir, id);
    let argo = flightdeck::client::credentials::clients(cfg, &Default::default()).expect("clients");
    Handlers {
        conductor: gov.conductor().expect("conductor").client().clone(),
        argo,
        governance: gov,
        worker_id: id.into(),
        git_cache: Some(dir.join(format!("git-{id}"))),
    }
}

/// A worker loop in this process until the returned sender says stop.
pub fn spawn_worker(h: Handlers) -> (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let opts = WorkerOptions { concurrency: 4, ..WorkerOptions::default() };
        serve(h, opts, rx, Arc::new(|_| {})).await.expect("worker");
    });
    (tx, task)
}
