//! Headless actions (`sync`, `rollback`, `scale`, `refresh`): resolve SERVICE and --env to one
//! Application, pass the policy gate (`action_gate`: run, refuse, or file an approval
//! request), run the action through the same client code as the console, print each step.

use std::io::Write;
use std::time::Instant;

use super::action_gate::Asked;
use super::output::{color_stderr, paint};
use super::status::{clients, list_all};
use super::Sub;
use crate::client::{run_action, StepReport};
use crate::config::Config;
use crate::domain::{Action, Deployment, ErrorKind, Failure, StepStatus};

pub async fn run(cfg: &Config, cmd: Sub) -> Result<(), Failure> {
    let (service, env, wait, ticket, reason) = match &cmd {
        Sub::Sync { service, env, wait, why, .. }
        | Sub::Rollback { service, env, wait, why, .. }
        | Sub::Scale { service, env, wait, why, .. } => {
            (service.clone(), env.clone(), *wait, why.ticket.clone(), why.reason.clone())
        }
        Sub::Refresh { service, env, why, .. } => {
            (service.clone(), env.clone(), false, why.ticket.clone(), why.reason.clone())
        }
        _ => return Err(Failure::new(ErrorKind::Usage, "not an action")),
    };
    let dep = resolve(cfg, &service, env.as_deref()).await?;
    let clients = clients(cfg)?;
    let client = clients
        .get(dep.key.instance)
        .ok_or_else(|| Failure::new(ErrorKind::Usage, "instance vanished from the configuration"))?;
    let action = match cmd {
        Sub::Sync { prune, dry_run, .. } => Action::Sync { prune, dry_run, force: false, apply_only: false },
        Sub::Rollback { to, pause_auto_sync, .. } => Action::Rollback { history_id: to, pause_auto_sync },
        Sub::Refresh { hard, .. } => Action::Refresh { hard },
        Sub::Scale { replicas, .. } => {
            let (detail, _) = client.get(&dep.key, None).await.map_err(|e| e.to_failure())?;
            let w = detail.workload().ok_or_else(|| {
                Failure::new(
                    ErrorKind::Usage,
                    format!("{} has no Deployment, StatefulSet or Rollout to scale", dep.key.name),
                )
            })?;
            Action::Scale {
                kind: w.kind.clone(),
                group: w.group.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
                replicas,
            }
        }
        _ => return Err(Failure::new(ErrorKind::Usage, "not an action")),
    };
    let label = format!("{}/{}", dep.service, dep.env);
    let asked = Asked { ticket: ticket.as_deref(), reason: reason.as_deref() };
    if !super::action_gate::allowed(cfg, client, &dep, &action, asked).await? {
        return Ok(()); // Filed as an approval request; nothing runs now.
    }
    let color = color_stderr();
    eprintln!("{} {label} ({}){}", action.verb(), dep.key.name, opts_suffix(&action));
    let started = Instant::now();
    let mut step_started = Instant::now();
    let mut report = |s: StepReport| {
        let mark = match s.status {
            StepStatus::Running => {
                step_started = Instant::now();
                return;
            }
            StepStatus::Done => paint("✓", "32", color),
            StepStatus::Failed => paint("✗", "31", color),
        };
        let secs = step_started.elapsed().as_secs_f64();
        eprintln!("  {mark} {} ({secs:.1}s)", s.label);
        let _ = std::io::stderr().flush();
    };
    let result = run_action(client, &dep.key, &action, wait, &mut report).await;
    audit(client, &action, &label, &result).await;
    result?;
    let what = if wait || !action.starts_operation() { "done" } else { "requested (use --wait to follow it)" };
    println!("{} {label}: {what} in {:.1}s", action.verb(), started.elapsed().as_secs_f64());
    Ok(())
}

/// Every headless action lands in the audit trail: who (Argo CD's userinfo), what, where,
/// with which options, and how it ended. A failure to record warns and never hides the outcome.
async fn audit(client: &crate::client::ArgoClient, action: &Action, label: &str, result: &Result<(), Failure>) {
    let actor = client.userinfo().await.map(|u| u.username).unwrap_or_else(|_| "unknown".into());
    let outcome = match result {
        Ok(()) => "succeeded".to_string(),
        Err(f) => format!("failed: {}", f.message),
    };
    let options = action.options();
    let detail = if options.is_empty() { outcome } else { format!("{options}; {outcome}") };
    let entry = crate::audit::Entry::now(&actor, "action", format!("{} {label}", action.verb()), detail);
    let written = tokio::task::spawn_blocking(move || crate::audit::record(None, entry)).await;
    if let Ok(Err(e)) = written {
        tracing::warn!(error = %e, "could not append to the audit log");
        eprintln!("flightdeck: warning: {e}");
    }
}

fn opts_suffix(action: &Action) -> String {
    let o = action.options();
    if o.is_empty() {
        o
    } else {
        format!(": {o}")
    }
}

/// SERVICE (or an app name) and an optional environment → exactly one deployment.
async fn resolve(cfg: &Config, service: &str, env: Option<&str>) -> Result<Deployment, Failure> {
    let (deps, failure) = list_all(cfg, env).await?;
    let mut found: Vec<Deployment> = deps
        .into_iter()
        .filter(|d| (d.service == service || d.key.name == service) && env.is_none_or(|e| d.env == e))
        .collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(failure.unwrap_or_else(|| {
            let where_ = env.map(|e| format!(" in {e}")).unwrap_or_default();
            Failure::new(ErrorKind::NotFound, format!("no service or application {service:?}{where_}"))
                .with_hint("`flightdeck status` lists what exists")
        })),
        _ => {
            let envs: Vec<String> = found.iter().map(|d| d.env.clone()).collect();
            Err(Failure::new(ErrorKind::Usage, format!("{service} runs in {}", envs.join(", ")))
                .with_hint("pick one with --env"))
        }
    }
}
