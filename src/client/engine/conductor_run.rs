//! Runs on Conductor as the console's run log and the headless commands see them: start an
//! action's workflow without an approval step (the policy let it run now), and follow an
//! execution — a direct run, or an approved request the worker runs — reporting each task as
//! a step (running, done, failed with its reason, retried) until the workflow ends.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;

use super::conductor::ConductorEngine;
use crate::client::actions::StepReport;
use crate::domain::{Action, ErrorKind, Failure, RunContext, StepStatus, UserInfo};
use crate::engine::payload::{payload_of, summary_of};
use crate::engine::RequestBody;

/// How often a follow reads the execution.
const FOLLOW_EVERY: Duration = Duration::from_millis(300);
/// Reads that may fail in a row (Conductor unreachable) before the follow gives up; the run
/// goes on in Conductor either way.
const FOLLOW_MISSES: u32 = 20;

/// Where a direct run goes: the deployment as the console knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunTarget {
    pub service: String,
    pub env: String,
    pub app: String,
    pub namespace: String,
    /// The Argo CD instance's configured name.
    pub instance: String,
}

impl ConductorEngine {
    /// Whether `action` runs as a workflow on this engine.
    pub fn runs(action: &Action) -> bool {
        crate::engine::conductor::workflow_for(action.verb()).is_some()
    }

    /// Start `action` on `target` as `who` (already allowed by the policy); the execution id.
    pub async fn start_run(
        &self,
        who: &UserInfo,
        target: &RunTarget,
        action: &Action,
        context: &RunContext,
    ) -> Result<String, Failure> {
        let kind = crate::domain::policy::ActionKind::of(action)
            .ok_or_else(|| Failure::new(ErrorKind::Usage, format!("{} does not run on Conductor", action.verb())))?;
        let mut policy = crate::domain::policy::Request::new(kind, &target.env);
        policy.ticket = context.ticket.clone();
        policy.reason = context.reason.clone();
        let from_env = match action {
            Action::Promote(p) => Some(p.from_env.clone()),
            _ => None,
        };
        policy.from_env = from_env.clone();
        let body = RequestBody {
            policy,
            service: target.service.clone(),
            from_env,
            summary: summary_of(&target.service, &target.env, action),
            diff: Vec::new(),
            payload: payload_of(action),
        };
        let t = json!({
            "service": target.service, "env": target.env, "app": target.app,
            "namespace": target.namespace, "instance": target.instance,
        });
        let cx = json!({ "ticket": context.ticket, "reason": context.reason, "note": context.note });
        self.start(&body, who, false, t, cx).await
    }

    /// Follow execution `id` to its end, reporting each task as a step; `Ok` when it
    /// completed, the failure (its reason) otherwise, or a timeout after `limit`.
    pub async fn follow(
        &self,
        id: &str,
        limit: Duration,
        report: &mut (dyn FnMut(StepReport) + Send),
    ) -> Result<(), Failure> {
        let short = id.get(..8).unwrap_or(id);
        report(StepReport { label: format!("workflow {short}"), status: StepStatus::Done });
        let deadline = tokio::time::Instant::now() + limit;
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut misses = 0;
        loop {
            let w = match self.client().workflow(id).await {
                Ok(w) => {
                    misses = 0;
                    w
                }
                Err(f) if f.kind == ErrorKind::Unavailable && misses < FOLLOW_MISSES => {
                    misses += 1;
                    tokio::time::sleep(FOLLOW_EVERY * misses.min(10)).await;
                    continue;
                }
                Err(f) => {
                    return Err(Failure::new(f.kind, format!("lost track of workflow {id}: {}", f.message))
                        .with_hint("the run goes on in Conductor; `flightdeck runs` shows how it ended"))
                }
            };
            for t in w.tasks.iter().filter(|t| t.plain_ref() != crate::engine::conductor::APPROVAL_REF) {
                let Some(label) = label(t.plain_ref(), &t.output_data) else { continue };
                if seen.get(&t.task_id) == Some(&t.status) {
                    continue;
                }
                seen.insert(t.task_id.clone(), t.status.clone());
                let retry = if t.retry_count > 0 { format!(" (retry {})", t.retry_count) } else { String::new() };
                let (status, label) = match t.status.as_str() {
                    "IN_PROGRESS" => (StepStatus::Running, format!("{label}{retry}")),
                    "COMPLETED" => (StepStatus::Done, format!("{label}{retry}")),
                    "SCHEDULED" | "CANCELED" | "SKIPPED" => continue,
                    other => {
                        let why = t
                            .reason_for_incompletion
                            .as_deref()
                            .map(crate::domain::sanitize::clean)
                            .unwrap_or_else(|| other.to_lowercase());
                        (StepStatus::Failed, format!("{label}{retry}: {why}"))
                    }
                };
                report(StepReport { label, status });
            }
            match w.status.as_str() {
                "COMPLETED" => return Ok(()),
                "RUNNING" | "PAUSED" => {}
                other => {
                    let why =
                        w.reason_for_incompletion.as_deref().map(crate::domain::sanitize::clean).unwrap_or_default();
                    return Err(Failure::new(
                        ErrorKind::ActionFailed,
                        format!("workflow {short} {}: {why}", other.to_lowercase()),
                    )
                    .with_hint("retry or terminate it from the run log, or with `flightdeck runs`"));
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Failure::new(
                    ErrorKind::Timeout,
                    format!("workflow {short} still running after {}s", limit.as_secs()),
                )
                .with_hint("it goes on in Conductor; `flightdeck runs` shows it"));
            }
            tokio::time::sleep(FOLLOW_EVERY).await;
        }
    }
}

/// The run log's name for a task of Flightdeck's workflows (`None`: not shown).
fn label(reference: &str, output: &serde_json::Value) -> Option<String> {
    Some(match reference {
        "approval_check" => match output["reason"].as_str() {
            Some(r) => crate::domain::sanitize::clean(r),
            None => "approvals checked".into(),
        },
        "commit" => match output["commit"].as_str() {
            Some(c) => format!("commit {} pushed", c.get(..7).unwrap_or(c)),
            None if output["nothing_to_do"].is_string() => "nothing to commit".into(),
            None => "commit pushed".into(),
        },
        "deploy" => match output["sent"].as_str() {
            Some(s) => crate::domain::sanitize::clean(s),
            None => "sent to Argo CD".into(),
        },
        "follow" => "healthy".into(),
        "trail" => "trail recorded".into(),
        _ => return None,
    })
}
