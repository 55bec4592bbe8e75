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
    /// Measure the Conductor engine on the simulator: promotions/s with 1, 2, 4 workers,
    /// approval → action start (p50/p99), duplicate syncs after killing workers mid-task.
    Bench {
        /// Promotions per throughput round.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Worker counts, one throughput round each.
        #[arg(long, value_delimiter = ',', default_values_t = [1usize, 2, 4])]
        workers: Vec<usize>,
        /// Tasks each worker runs at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Approvals timed for the approval → start figure.
        #[arg(long, default_value_t = 50)]
        samples: usize,
        /// Times a worker is killed mid-task.
        #[arg(long, default_value_t = 20)]
        kills: usize,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(h: &Headless, cmd: ConductorSub) -> Result<(), Failure> {
    let engine = h.governance.conductor().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no Conductor configured")
            .with_hint("set [engine] kind = \"conductor\" and [conductor] url")
    })?;
    match cmd {
        ConductorSub::Install { dry_run, force } => install(engine.client(), dry_run, force).await,
        ConductorSub::Bench { .. } => bench(cmd).await,
    }
}

/// `flightdeck conductor bench`: needs no config (it runs on the simulator in this process).
pub async fn bench(cmd: ConductorSub) -> Result<(), Failure> {
    let ConductorSub::Bench { requests, workers, concurrency, samples, kills, json } = cmd else { return Ok(()) };
    let opts = crate::bench::conductor::ConductorBenchOptions {
        requests,
        workers,
        concurrency,
        latency_samples: samples,
        kills,
    };
    let started = std::time::Instant::now();
    let figures = crate::bench::conductor::run(&opts, &mut |line| eprintln!("bench: {line}")).await?;
    eprintln!("bench: finished in {:.0}s", started.elapsed().as_secs_f64());
    if json {
        println!("{}", serde_json::json!({ "conductor": figures }));
    } else {
        print!("{}", crate::bench::conductor::table(&figures));
    }
    Ok(())
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
