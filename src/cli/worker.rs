//! `flightdeck worker`: serve Flightdeck's Conductor task types on this machine until
//! SIGTERM or ctrl-c, then finish and report the tasks in flight (drain) and exit. Argo CD
//! and Git credentials come from this machine's config (Vault), never from the workflows.

use std::sync::Arc;

use super::govern::Headless;
use super::output::errln;
use crate::client::conductor::handlers::Handlers;
use crate::client::conductor::worker::{serve, WorkerOptions};
use crate::domain::{ErrorKind, Failure};

/// This worker's id: the configured one, else host name and process id.
pub fn worker_id(configured: Option<&str>) -> String {
    configured.map(str::to_string).unwrap_or_else(|| {
        let host =
            std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()).filter(|h| !h.is_empty());
        format!("{}-{}", host.unwrap_or_else(|| "flightdeck".into()), std::process::id())
    })
}

/// The worker's handlers on `h`'s clients and governance.
pub fn handlers(h: &Headless) -> Result<Handlers, Failure> {
    let engine = h.governance.conductor().ok_or_else(|| {
        Failure::new(
            ErrorKind::Usage,
            "the worker serves Conductor: set [engine] kind = \"conductor\" and [conductor] url",
        )
    })?;
    // A read-only worker could take tasks (a poll claims them) and never finish them.
    h.governance.writable("serving Conductor tasks")?;
    let id = worker_id(h.cfg.conductor.as_ref().and_then(|c| c.worker_id.as_deref()));
    Ok(Handlers {
        conductor: engine.client().clone(),
        argo: h.clients.clone(),
        governance: h.governance.clone(),
        worker_id: id,
        git_cache: None,
    })
}

pub async fn run(h: &Headless, concurrency: Option<usize>) -> Result<(), Failure> {
    let handlers = handlers(h)?;
    let settings = h.cfg.conductor.clone().unwrap_or_else(|| crate::config::ConductorSettings::new(""));
    let opts = WorkerOptions {
        concurrency: concurrency.unwrap_or(settings.concurrency),
        domain: settings.domain.clone(),
        ..WorkerOptions::default()
    };
    errln!(
        "flightdeck worker {} on {}: {} task types, {} at once{}; ctrl-c or SIGTERM drains and stops",
        handlers.worker_id,
        handlers.conductor.api_url(),
        opts.task_types.len(),
        opts.concurrency,
        opts.domain.as_deref().map(|d| format!(", domain {d}")).unwrap_or_default()
    );
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let sigterm = async {
            match term.as_mut() {
                Some(t) => drop(t.recv().await),
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = sigterm => {}
        }
        errln!("flightdeck worker: stopping; finishing the tasks in flight");
        let _ = stop_tx.send(true);
    });
    let print = Arc::new(|line: String| errln!("  {}", crate::domain::sanitize::clean(&line)));
    let stats = serve(handlers, opts, stop_rx, print).await?;
    errln!("flightdeck worker: stopped after {} tasks", stats.handled);
    Ok(())
}
