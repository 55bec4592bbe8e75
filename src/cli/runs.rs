//! `flightdeck runs`: the executions of Flightdeck's workflows on Conductor, newest first —
//! id, action, target, status, the task it is at (with retries) and why it failed — as a
//! table or JSON; `runs retry ID` and `runs terminate ID` act on one.

use clap::Subcommand;
use serde_json::json;

use super::govern::Headless;
use super::Format;
use crate::client::conductor::wire::Workflow;
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};

#[derive(Debug, Subcommand)]
pub enum RunsSub {
    /// Run a failed (or terminated) execution again from its failed task.
    Retry { id: String },
    /// Stop a running execution.
    Terminate {
        id: String,
        #[arg(long, default_value = "terminated from flightdeck")]
        reason: String,
    },
}

/// The task an execution is at: the latest not approval-related one still pending, else the last.
fn current(w: &Workflow) -> String {
    let t = w.tasks.iter().rev().find(|t| t.is_pending()).or_else(|| w.tasks.last());
    t.map(|t| {
        let retry = if t.retry_count > 0 { format!(" retry {}", t.retry_count) } else { String::new() };
        format!("{} {}{retry}", t.plain_ref(), t.status)
    })
    .unwrap_or_default()
}

pub async fn run(h: &Headless, cmd: Option<RunsSub>, output: Format) -> Result<(), Failure> {
    let engine = h.governance.conductor().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "runs live in Conductor, and none is configured")
            .with_hint("set [engine] kind = \"conductor\" and [conductor] url")
    })?;
    let client = engine.client();
    match cmd {
        Some(RunsSub::Retry { id }) => {
            client.retry(&id).await?;
            println!("{id}: retried");
            return Ok(());
        }
        Some(RunsSub::Terminate { id, reason }) => {
            client.terminate(&id, &reason).await?;
            println!("{id}: terminated");
            return Ok(());
        }
        None => {}
    }
    let names: Vec<String> = defs_names();
    let hits = client.search(&format!("workflowType IN ({})", names.join(",")), 50).await?;
    let reads = futures_util::future::join_all(hits.results.iter().map(|r| client.workflow(&r.workflow_id))).await;
    let runs: Vec<Workflow> = reads.into_iter().filter_map(Result::ok).collect();
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|w| {
            let t = &w.input["target"];
            json!({
                "id": w.workflow_id,
                "workflow": w.workflow_name,
                "action": w.input["request"]["summary"].as_str().map(clean),
                "service": t["service"], "env": t["env"],
                "requester": w.input["requester"]["username"],
                "approval": w.input["needs_approval"],
                "status": w.status,
                "task": current(w),
                "started": chrono::DateTime::from_timestamp_millis(w.start_time).map(|d| d.to_rfc3339()),
                "reason": w.reason_for_incompletion.as_deref().map(clean),
            })
        })
        .collect();
    match output {
        Format::Json => super::output::print_json(&rows),
        Format::Table => {
            if rows.is_empty() {
                println!("no runs on {}", client.api_url());
            }
            for r in &rows {
                let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
                let why = r["reason"].as_str().map(|w| format!("  {w}")).unwrap_or_default();
                println!("{:<36}  {:<10}  {:<44}  {}{why}", s("id"), s("status"), s("action"), s("task"));
            }
            Ok(())
        }
    }
}

fn defs_names() -> Vec<String> {
    crate::client::conductor::defs::WORKFLOWS.iter().map(|(n, _)| format!("flightdeck_{n}")).collect()
}
