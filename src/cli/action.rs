//! Headless actions (`sync`, `rollback`, `scale`, `restart`, `refresh`): resolve SERVICE and --env to one
//! Application, pass the one governance path (`govern`: run, refuse, or file an approval
//! request), run the action through the same client code as the console, print each step,
//! and record it in the trail.

use std::time::Instant;

use super::govern::{Asked, Gate, Headless};
use super::status::list_all;
use super::Sub;
use crate::config::Config;
use crate::domain::{Action, Deployment, ErrorKind, Failure};

pub async fn run(h: &Headless, cmd: Sub) -> Result<(), Failure> {
    let (service, env, wait, asked) = match &cmd {
        Sub::Sync { service, env, wait, why, .. }
        | Sub::Rollback { service, env, wait, why, .. }
        | Sub::Scale { service, env, wait, why, .. }
        | Sub::Restart { service, env, wait, why } => (service.clone(), env.clone(), *wait, why.asked()),
        Sub::Refresh { service, env, .. } => (service.clone(), env.clone(), false, Asked::default()),
        _ => return Err(Failure::new(ErrorKind::Usage, "not an action")),
    };
    let dep = resolve(&h.cfg, &service, env.as_deref()).await?;
    let client = h.client(dep.key.instance)?;
    let action = match cmd {
        Sub::Sync { prune, dry_run, .. } => Action::Sync { prune, dry_run, force: false, apply_only: false },
        Sub::Rollback { to, pause_auto_sync, .. } => Action::Rollback { history_id: to, pause_auto_sync },
        Sub::Refresh { hard, .. } => Action::Refresh { hard },
        Sub::Scale { replicas, .. } => {
            let (detail, _) = client.get(&dep.key, None).await.map_err(|e| e.to_failure())?;
            let w = detail.workload().ok_or_else(|| no_workload(&dep, "scale"))?;
            Action::Scale {
                kind: w.kind.clone(),
                group: w.group.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
                replicas,
            }
        }
        Sub::Restart { .. } => {
            let (detail, _) = client.get(&dep.key, None).await.map_err(|e| e.to_failure())?;
            let w = detail.workload().ok_or_else(|| no_workload(&dep, "restart"))?;
            Action::Restart {
                kind: w.kind.clone(),
                group: w.group.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
            }
        }
        _ => return Err(Failure::new(ErrorKind::Usage, "not an action")),
    };
    let label = format!("{}/{}", dep.service, dep.env);
    let (who, context) = match h.govern(&dep, &action, &asked).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed => return Ok(()), // Filed as an approval request; nothing runs now.
    };
    eprintln!("{} {label} ({}){}", action.verb(), dep.key.name, opts_suffix(&action));
    let started = Instant::now();
    h.run(&dep, &action, &who, &context, wait).await?;
    let what = if wait || !action.starts_operation() { "done" } else { "requested (use --wait to follow it)" };
    println!("{} {label}: {what} in {:.1}s", action.verb(), started.elapsed().as_secs_f64());
    Ok(())
}

fn no_workload(dep: &Deployment, verb: &str) -> Failure {
    Failure::new(ErrorKind::Usage, format!("{} has no Deployment, StatefulSet or Rollout to {verb}", dep.key.name))
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
pub async fn resolve(cfg: &Config, service: &str, env: Option<&str>) -> Result<Deployment, Failure> {
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
