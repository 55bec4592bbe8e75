//! `flightdeck runs [--service S] [--env E] [-o json]`: the actions that ran (with their
//! outcome) and the approval requests (with what became of each), newest first, from the
//! engine through `Governance::runs` — the team's shared trail and ledger where governance is
//! configured, else this machine's trail; on the Conductor engine its executions, each with
//! the task it is at (and its retries) and why it failed. `runs retry ID` and `runs terminate
//! ID` act on one Conductor execution.

use std::path::PathBuf;

use chrono::SecondsFormat;

use super::args::{Format, LedgerArgs};
use super::commands::RunsSub;
use super::output::{columns, outln, print_json};
use crate::client::engine::embedded::LedgerPaths;
use crate::config::Config;
use crate::domain::sanitize::clean;
use crate::domain::Failure;
use crate::engine::runs::RunEntry;

/// What `runs` was asked.
pub struct RunsArgs {
    pub service: Option<String>,
    pub env: Option<String>,
    pub dir: Option<PathBuf>,
    pub format: Format,
}

pub async fn run(cfg: Option<Config>, ledger: &LedgerArgs, cmd: Option<RunsSub>, a: RunsArgs) -> Result<(), Failure> {
    let paths = LedgerPaths { audit_dir: a.dir.clone(), ..Default::default() };
    let gov = super::govern::engine_only(cfg.as_ref(), ledger, paths).await?;
    match cmd {
        Some(RunsSub::Retry { id }) => {
            gov.retry_run(&id).await?;
            outln!("{}: retried", clean(&id));
            return Ok(());
        }
        Some(RunsSub::Terminate { id, reason }) => {
            gov.terminate_run(&id, &reason).await?;
            outln!("{}: terminated", clean(&id));
            return Ok(());
        }
        None => {}
    }
    let mut rows = gov.runs().await?;
    rows.retain(|r| a.service.as_deref().is_none_or(|s| r.service == s) && a.env.as_deref().is_none_or(|e| r.env == e));
    match a.format {
        Format::Json => print_json(&rows),
        Format::Table => {
            if rows.is_empty() {
                outln!("no runs recorded{}", if gov.describe().is_none() { " on this machine" } else { "" });
                return Ok(());
            }
            for line in table(&rows) {
                outln!("{line}");
            }
            Ok(())
        }
    }
}

/// The table: with Conductor executions among the rows, the task each is at (with its
/// retries) and the execution id take the place of the kind and the request.
fn table(rows: &[RunEntry]) -> Vec<String> {
    let when = |r: &RunEntry| r.at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let what =
        |r: &RunEntry| clean(&if r.detail.is_empty() { r.what() } else { format!("{} ({})", r.what(), r.detail) });
    if rows.iter().any(|r| r.execution.is_some()) {
        let cells: Vec<[String; 6]> = rows
            .iter()
            .map(|r| {
                let task = match (&r.task, &r.task_status, r.retries) {
                    (Some(t), Some(s), Some(n)) if n > 0 => format!("{t} {s} retry {n}"),
                    (Some(t), Some(s), _) => format!("{t} {s}"),
                    _ => "-".into(),
                };
                let id = r.execution.as_deref().or(r.request.as_deref()).map_or("-".into(), clean);
                [when(r), clean(&r.actor), what(r), clean(&r.status), clean(&task), id]
            })
            .collect();
        return columns(["AT", "WHO", "WHAT", "STATUS", "TASK", "EXECUTION"], &cells);
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let request = r.request.as_deref().map_or("-".into(), clean);
            [when(r), r.kind.to_string(), clean(&r.actor), what(r), clean(&r.status), request]
        })
        .collect();
    columns(["AT", "KIND", "WHO", "WHAT", "STATUS", "REQUEST"], &cells)
}
