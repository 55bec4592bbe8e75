//! `flightdeck sim`: the simulator standalone, with a Flightdeck config that points at it, so
//! a second terminal, a script, or any Argo CD client can talk to it.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::config;
use crate::domain::{ErrorKind, Failure};

pub async fn run(
    listen: SocketAddr,
    services: usize,
    seed: u64,
    write_config: Option<PathBuf>,
    calm: bool,
    engine: super::EngineArg,
) -> Result<(), Failure> {
    let opts = flightdeck_sim::SimOptions { services, seed, listen, chaos: !calm, ..Default::default() };
    let sim = flightdeck_sim::Sim::start(opts).await.map_err(|e| {
        Failure::new(ErrorKind::Unavailable, format!("cannot listen on {listen}: {e}"))
            .with_hint("pick another address with --listen")
    })?;
    let mut cfg = crate::session::config_for_sim(&sim);
    if engine == super::EngineArg::Conductor {
        crate::session::conductor_for_sim(&sim, &mut cfg).await?;
        eprintln!("flightdeck sim: Conductor at {} (definitions installed); start a worker with `flightdeck --config FILE worker`", sim.conductor().api_url());
    }
    match &write_config {
        Some(path) => {
            config::write_file(path, &cfg)
                .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot write {}: {e}", path.display())))?;
            eprintln!("flightdeck sim: config written to {} (mode 0600)", path.display());
            eprintln!("  open the console with: flightdeck --config {}", path.display());
            // One config per demo operator, so two terminals are two people on one estate.
            for user in OPERATORS {
                let p = operator_path(path, user);
                config::write_file(&p, &as_operator(cfg.clone(), user))
                    .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot write {}: {e}", p.display())))?;
                eprintln!("  as {user}: flightdeck --config {}", p.display());
            }
        }
        None => print!("{}", config::to_toml(&cfg)),
    }
    for i in sim.instances() {
        eprintln!("flightdeck sim: {} at {} (users admin/password, viewer/viewer)", i.env, i.base_url);
    }
    eprintln!("flightdeck sim: serving {services} services; ctrl-c to stop");
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}

/// The simulator's demo operators (password = name): alice and bob are release managers,
/// dave a developer, olga on-call SRE.
pub(super) const OPERATORS: [&str; 4] = ["alice", "bob", "dave", "olga"];

/// `sim.toml` → `sim-alice.toml`, next to it.
pub(super) fn operator_path(path: &std::path::Path, user: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "sim".into());
    path.with_file_name(format!("{stem}-{user}.toml"))
}

/// The same estate, logging in as `user` with the simulator's demo password.
pub(super) fn as_operator(mut cfg: config::Config, user: &str) -> config::Config {
    for inst in &mut cfg.instances {
        inst.auth = config::Auth::Login { username: user.to_string(), password: config::Secret::new(user) };
        inst.auth_source = format!("login as {user} (simulator demo user)");
    }
    cfg
}

/// A `flightdeck worker` in this process on `cfg` (the simulator's admin tokens), stopped
/// when the returned guard drops; its lines go to the log, not the terminal.
pub(super) async fn spawn_worker(cfg: &config::Config) -> Result<WorkerGuard, Failure> {
    let h = super::govern::Headless::new(cfg.clone())?;
    let handlers = super::worker::handlers(&h)?;
    let (stop, rx) = tokio::sync::watch::channel(false);
    let log = std::sync::Arc::new(|line: String| tracing::info!(worker = %line, "conductor task"));
    let opts = crate::client::conductor::worker::WorkerOptions { concurrency: 8, ..Default::default() };
    let task = tokio::spawn(async move {
        if let Err(f) = crate::client::conductor::worker::serve(handlers, opts, rx, log).await {
            tracing::warn!(error = %f.message, "demo worker stopped");
        }
    });
    Ok(WorkerGuard { stop, task })
}

/// Stops the in-process worker when dropped.
pub(super) struct WorkerGuard {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}
