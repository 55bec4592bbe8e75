//! `flightdeck conductor install`: register Flightdeck's task and workflow definitions on the
//! configured Conductor — a plan first (one line per definition: missing, current, differs,
//! newer on the server), then only what it says; `--dry-run` stops after the plan.
//! `flightdeck conductor bench`: the figures of the Conductor engine on the simulator.

use clap::Subcommand;

use super::govern::Headless;
use crate::client::conductor::defs;
use crate::domain::{ErrorKind, Failure};

#[derive(Debug, Subcommand)]
pub enum ConductorSub {
    /// Register Flightdeck's task and workflow definitions (idempotent; shows what changes).
    Install {
        /// Show the plan only.
        #[arg(long)]
        dry_run: bool,
        /// Also replace workflow definitions that differ at the same version.
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(h: &Headless, cmd: ConductorSub) -> Result<(), Failure> {
    let engine = h.governance.conductor().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no Conductor configured")
            .with_hint("set [engine] kind = \"conductor\" and [conductor] url")
    })?;
    match cmd {
        ConductorSub::Install { dry_run, force } => install(engine.client(), dry_run, force).await,
    }
}

/// Plan, print, apply.
pub async fn install(
    client: &crate::client::conductor::ConductorClient,
    dry_run: bool,
    force: bool,
) -> Result<(), Failure> {
    let plan = defs::plan(client).await?;
    for item in &plan {
        println!("{}", defs::describe(item, force));
    }
    if dry_run {
        println!("dry run: nothing changed on {}", client.api_url());
        return Ok(());
    }
    let n = defs::apply(client, &plan, force).await?;
    println!("{n} definition{} registered on {}", if n == 1 { "" } else { "s" }, client.api_url());
    Ok(())
}
