//! `flightdeck conductor install`: register Flightdeck's task and workflow definitions on the
//! configured Conductor — a plan first (one line per definition: missing, current, differs,
//! newer on the server), then only what it says; `--dry-run` stops after the plan.
//! `flightdeck conductor bench`: the figures of the Conductor engine on the simulator.

use super::commands::ConductorSub;
use super::output::{errln, out_raw, outln};
use crate::client::conductor::defs;
use crate::config::Config;
use crate::domain::{ErrorKind, Failure};

/// `conductor install` on `cfg`'s Conductor (no Argo CD needed).
pub async fn install(cfg: Config, dry_run: bool, force: bool) -> Result<(), Failure> {
    let gov = super::govern::engine_only(Some(&cfg), &super::LedgerArgs::default(), Default::default()).await?;
    let engine = gov.conductor().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no Conductor configured")
            .with_hint("set [engine] kind = \"conductor\" and [conductor] url")
    })?;
    install_on(engine.client(), dry_run, force).await
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
    let figures = crate::bench::conductor::run(&opts, &mut |line| errln!("bench: {line}")).await?;
    errln!("bench: finished in {:.0}s", started.elapsed().as_secs_f64());
    if json {
        outln!("{}", serde_json::json!({ "conductor": figures }));
    } else {
        out_raw(&crate::bench::conductor::table(&figures));
    }
    Ok(())
}

/// Plan, print, apply.
pub async fn install_on(
    client: &crate::client::conductor::ConductorClient,
    dry_run: bool,
    force: bool,
) -> Result<(), Failure> {
    let plan = defs::plan(client).await?;
    for item in &plan {
        outln!("{}", defs::describe(item, force));
    }
    if dry_run {
        outln!("dry run: nothing changed on {}", client.api_url());
        return Ok(());
    }
    let n = defs::apply(client, &plan, force).await?;
    outln!("{n} definition{} registered on {}", if n == 1 { "" } else { "s" }, client.api_url());
    Ok(())
}
