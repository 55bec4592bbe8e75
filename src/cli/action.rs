//! Headless actions (`sync`, `restart`, `terminate`, `refresh`, `rollout promote|abort|resume`,
//! and `sync-policy` when it sets; `rollback` and `scale` choose between the GitOps way and
//! this break-glass path in their own modules and come here for the latter): resolve SERVICE and --env
//! to one Application, build the action from what Argo CD reports (the workload, the Rollout,
//! the history id), pass the one governance path (`Headless::govern`: run, refuse, or file an
//! approval request), run it through the same client code as the console (`Headless::run`),
//! print each step, and record it in the trail.

use std::time::Instant;

use super::args::{Justification, Target, Waiting};
use super::commands::{RolloutStep, Sub};
use super::govern::{Asked, Gate, Headless};
use super::output::{errln, outln};
use super::resolve::resolve;
use crate::client::argocd::wire::App;
use crate::domain::{Action, Deployment, ErrorKind, Failure};

/// What the command line asked for, before Argo CD is read.
enum Wanted {
    Sync { prune: bool, dry_run: bool },
    Restart,
    Terminate,
    Refresh { hard: bool },
    RolloutPromote,
    RolloutAbort,
    RolloutResume,
}

/// One action to act on: where, whether to follow it, what the policy may ask.
pub struct Act {
    pub target: Target,
    pub wait: Option<Waiting>,
    pub asked: Asked,
}

fn act(target: Target, wait: Option<Waiting>, why: Option<Justification>) -> Act {
    Act { target, wait, asked: why.map(|w| w.asked()).unwrap_or_default() }
}

pub async fn run(h: &Headless, cmd: Sub) -> Result<(), Failure> {
    let (a, wanted) = match cmd {
        Sub::Sync { target, prune, dry_run, wait, why, .. } => {
            (act(target, Some(wait), Some(why)), Wanted::Sync { prune, dry_run })
        }
        Sub::Restart { target, wait, why, .. } => (act(target, Some(wait), Some(why)), Wanted::Restart),
        Sub::Terminate { target, wait, why, .. } => (act(target, Some(wait), Some(why)), Wanted::Terminate),
        Sub::Refresh { target, hard, .. } => (act(target, None, None), Wanted::Refresh { hard }),
        Sub::Rollout { step: RolloutStep::Promote { target, wait, why, .. } } => {
            (act(target, Some(wait), Some(why)), Wanted::RolloutPromote)
        }
        Sub::Rollout { step: RolloutStep::Abort { target, why, .. } } => {
            (act(target, None, Some(why)), Wanted::RolloutAbort)
        }
        Sub::Rollout { step: RolloutStep::Resume { target, wait, why, .. } } => {
            (act(target, Some(wait), Some(why)), Wanted::RolloutResume)
        }
        _ => return Err(Failure::new(ErrorKind::Usage, "not an action")),
    };
    let dep = resolve(&h.cfg, &a.target).await?;
    let action = build(h, &dep, wanted).await?;
    perform(h, &dep, &action, &a).await
}

/// The action, with what it needs from Argo CD (the workload, the Rollout, a valid id).
async fn build(h: &Headless, dep: &Deployment, wanted: Wanted) -> Result<Action, Failure> {
    let app = || async {
        let client = h.client(dep.key.instance)?;
        client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())
    };
    Ok(match wanted {
        Wanted::Sync { prune, dry_run } => Action::Sync { prune, dry_run, force: false, apply_only: false },
        Wanted::Refresh { hard } => Action::Refresh { hard },
        Wanted::Terminate => Action::Terminate,
        Wanted::Restart => {
            let detail = app().await?.to_detail();
            let w = detail.workload().ok_or_else(|| no_workload(dep, "restart"))?;
            let (kind, group, name, namespace) = (w.kind.clone(), w.group.clone(), w.name.clone(), w.namespace.clone());
            Action::Restart { kind, group, name, namespace }
        }
        Wanted::RolloutPromote | Wanted::RolloutAbort | Wanted::RolloutResume => {
            let (name, namespace) = rollout_of(&app().await?, dep)?;
            match wanted {
                Wanted::RolloutPromote => Action::RolloutPromote { name, namespace },
                Wanted::RolloutAbort => Action::RolloutAbort { name, namespace },
                _ => Action::RolloutResume { name, namespace },
            }
        }
    })
}

fn rollout_of(app: &App, dep: &Deployment) -> Result<(String, String), Failure> {
    let detail = app.to_detail();
    let r = detail.rollout().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, format!("{} has no Argo Rollout (its workload is not a Rollout)", dep.key.name))
    })?;
    Ok((r.name.clone(), r.namespace.clone()))
}

fn no_workload(dep: &Deployment, verb: &str) -> Failure {
    Failure::new(ErrorKind::Usage, format!("{} has no Deployment, StatefulSet or Rollout to {verb}", dep.key.name))
}

/// Govern `action` on `dep`, and when it may run now, run it and say what happened.
pub async fn perform(h: &Headless, dep: &Deployment, action: &Action, a: &Act) -> Result<(), Failure> {
    let label = format!("{}/{}", dep.service, dep.env);
    let (who, context) = match h.govern(dep, action, &a.asked).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed(_) => return Ok(()), // Filed as an approval request; nothing runs now.
    };
    errln!("{} {label} ({}){}", action.verb(), dep.key.name, opts_suffix(action));
    let started = Instant::now();
    let follow = a.wait.filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(dep, action, &who, &context, follow).await?;
    // Say what happened: followed to its end, or the last step ("sync sent").
    let what = match (follow, steps.last()) {
        (None, Some(step)) => step.clone(),
        _ => "done".to_string(),
    };
    outln!("{} {label}: {what} in {:.1}s", action.verb(), started.elapsed().as_secs_f64());
    Ok(())
}

fn opts_suffix(action: &Action) -> String {
    let o = action.options();
    if o.is_empty() {
        o
    } else {
        format!(": {o}")
    }
}
