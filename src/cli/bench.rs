//! `flightdeck bench`: run the fleet-scale benchmark and print its figures (a table, or one
//! JSON object with `--json`); progress goes to stderr so stdout stays machine-readable.

use super::output::{errln, out_raw, outln};
use std::time::Duration;

use crate::bench::{self, BenchOptions};
use crate::domain::{ErrorKind, Failure};

pub async fn run(apps: Vec<usize>, json: bool, rounds: usize, storm_secs: f64, idle_secs: f64) -> Result<(), Failure> {
    let secs = |s: f64, what: &str| {
        Duration::try_from_secs_f64(s)
            .map_err(|_| Failure::new(ErrorKind::Usage, format!("--{what} must be a number of seconds ≥ 0")))
    };
    let opts = BenchOptions {
        apps,
        rounds,
        storm: secs(storm_secs, "storm-secs")?,
        idle: secs(idle_secs, "idle-secs")?,
        ..BenchOptions::default()
    };
    let started = std::time::Instant::now();
    let figures = bench::run(&opts, &mut |line| errln!("bench: {line}")).await?;
    errln!("bench: finished in {:.0}s", started.elapsed().as_secs_f64());
    if json {
        outln!("{}", serde_json::json!({ "figures": figures }));
    } else {
        out_raw(&bench::table(&figures));
    }
    Ok(())
}
