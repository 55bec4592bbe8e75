//! `flightdeck sim`: the simulator standalone, with configs that point at it, so a second
//! terminal, a script, or any Argo CD or Vault client can talk to it.
//!
//! `--write-config FILE` writes what works for every flow: FILE logs in to the simulator's
//! Vault with AppRole (the secret id in a 0600 file beside it) and reads there the Argo CD
//! tokens of the developer `dave`, whom the example policy lets sync and promote in dev and
//! staging; `FILE`-alice/bob/dave/olga log in as each demo operator. It prints what an outside
//! client needs: the Vault address, role id and secret-id file, and the Argo CD users.

use super::output::{errln, out_raw};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::config::{self, Config};
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
        if let Err(f) = crate::session::conductor_for_sim(&sim, &mut cfg).await {
            sim.shutdown().await;
            return Err(f);
        }
        let url = sim.conductor().api_url();
        errln!("flightdeck sim: Conductor at {url} (definitions installed); start a worker with `flightdeck --config FILE worker`");
    }
    let user = super::demo::DEFAULT_USER;
    // The default identity's tokens go into the simulator's Vault; the config reads them there.
    let mine =
        super::console::vault_for_sim(&sim, super::console::tokens_for(&sim, as_operator(cfg.clone(), user), user));
    match &write_config {
        Some(path) => {
            if let Err(f) = write_all(&sim, path, &cfg, &mine) {
                sim.shutdown().await;
                return Err(f);
            }
        }
        // No file for a secret id: the same identity with its tokens inline.
        None => out_raw(&config::to_toml(&super::console::tokens_for(&sim, as_operator(cfg.clone(), user), user))),
    }
    for i in sim.instances() {
        errln!("flightdeck sim: {} at {}", i.env, i.base_url);
    }
    let users: Vec<String> = sim.users().iter().map(|(u, p)| format!("{u}/{p}")).collect();
    errln!("  Argo CD users (name/password): {}", users.join(", "));
    errln!("flightdeck sim: Vault at {} (KV v2 mount secret, Argo CD tokens at secret/argocd/<env>)", sim.vault_addr());
    errln!("  AppRole: mount approle, role id {}", flightdeck_sim::vault::ROLE_ID);
    errln!("flightdeck sim: serving {services} services; ctrl-c to stop");
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}

/// `sim.toml` → `sim.secret-id`, beside it.
fn secret_id_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "sim".into());
    path.with_file_name(format!("{stem}.secret-id"))
}

/// FILE (Vault, as `dave`), its secret-id file, and one config per demo operator.
fn write_all(sim: &flightdeck_sim::Sim, path: &Path, cfg: &Config, mine: &Config) -> Result<(), Failure> {
    let io = |p: &Path, e: std::io::Error| Failure::new(ErrorKind::Usage, format!("cannot write {}: {e}", p.display()));
    let secret_file = secret_id_path(path);
    let (role_id, secret_id) = sim.vault_approle();
    config::write_private(&secret_file, &format!("{secret_id}\n")).map_err(|e| io(&secret_file, e))?;
    let file_name = secret_file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let vault = config::approle_toml(&sim.vault_addr(), "approle", &role_id, &file_name);
    let text = format!("{}\n{vault}", config::to_toml(mine));
    config::write_private(path, &text).map_err(|e| io(path, e))?;
    let shown = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string();
    errln!("flightdeck sim: config written to {} (mode 0600)", shown(path));
    errln!("  you are {}: tokens from the simulator's Vault by AppRole", super::demo::DEFAULT_USER);
    errln!("  AppRole secret id in {} (mode 0600)", shown(&secret_file));
    errln!("  open the console with: flightdeck --config {}", path.display());
    // One config per demo operator, so two terminals are two people on one estate.
    for user in OPERATORS {
        let p = operator_path(path, user);
        config::write_file(&p, &as_operator(cfg.clone(), user)).map_err(|e| io(&p, e))?;
        errln!("  as {user}: flightdeck --config {}", p.display());
    }
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
