//! Headless `flightdeck scale SERVICE --env E [--replicas N] [--cpu-request Q] [--cpu-limit Q]
//! [--memory-request Q] [--memory-limit Q] [--container C] [--min N] [--max M] [--break-glass]
//! [--wait] [-o json]`. On an app with auto-sync and a Git overlay the change is written to the
//! overlay (the count to kustomize `replicas[]` or a Helm key; requests and limits to a
//! strategic-merge patch or Helm keys; an autoscaler's bounds to its HPA or ScaledObject file),
//! diff first, under the policy (as a scale), committed and followed: self-heal then keeps it
//! instead of reverting it. When an HPA or a KEDA ScaledObject owns the replicas a count in Git
//! would be fought over, so `--replicas` is refused, naming it and `--min/--max`. Otherwise —
//! or with `--break-glass` — the live workload's count is patched as before, with the
//! self-heal warning. The refusals are [`ScaleChange::refusal`], the console's too.

use super::action::{perform, Act};
use super::args::{Format, Justification, Target, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::Headless;
use super::output::errln;
use super::resolve::resolve;
use crate::client::git::promote::{target_of, PromoteSettings};
use crate::client::git::replicas::replica_owner;
use crate::client::ResourceRef;
use crate::domain::scale::{pick_container, ScaleChange};
use crate::domain::{Action, ErrorKind, Failure, Intent, Promotion};

/// What the command line asked for.
pub struct ScaleArgs {
    pub target: Target,
    pub change: ScaleChange,
    pub break_glass: bool,
    pub wait: Waiting,
    pub why: Justification,
    pub format: Format,
}

pub async fn run(h: &Headless, a: ScaleArgs) -> Result<(), Failure> {
    let usage = |why: String| Failure::new(ErrorKind::Usage, why);
    a.change.check().map_err(usage)?;
    let dep = resolve(&h.cfg, &a.target).await?;
    let client = h.client(dep.key.instance)?;
    let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    let detail = app.to_detail();
    let w = detail.workload().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, format!("{} has no Deployment, StatefulSet or Rollout to scale", dep.key.name))
    })?;
    let owner = replica_owner(&app);
    let settings = PromoteSettings::for_client(client).await?;
    let gitops = app.auto_sync() && target_of(&app, &settings).is_ok() && !a.break_glass;
    let what = format!("{} {}", w.kind, w.name);
    if let Some((why, hint)) = a.change.refusal(&what, owner.as_deref(), gitops) {
        let kind = if owner.is_some() && gitops { ErrorKind::Conflict } else { ErrorKind::Usage };
        return Err(Failure::new(kind, why).with_hint(hint));
    }
    let asked = a.why.asked();
    if gitops {
        let mut change = ScaleChange { kind: Some(w.kind.clone()), ..a.change.clone() };
        if change.has_resources() {
            // Which container: the one named, checked against the live workload, or its only one.
            let res = ResourceRef {
                group: w.group.clone(),
                version: if w.version.is_empty() { "v1".into() } else { w.version.clone() },
                kind: w.kind.clone(),
                namespace: w.namespace.clone(),
                name: w.name.clone(),
            };
            let containers = match client.workload_state(&dep.key, &res).await {
                Ok(s) => s.containers,
                Err(e) if change.container.is_some() => {
                    errln!("warning: could not read the workload's containers ({e}); using the one named");
                    Vec::new()
                }
                Err(e) => return Err(e.to_failure()),
            };
            change.container = Some(pick_container(change.container.as_deref(), &containers).map_err(usage)?);
        }
        let label = format!("scale {}/{}: {}", dep.service, dep.env, change.describe(&w.name));
        let intent = Intent::Scale { workload: w.name.clone(), change };
        let promotion = Promotion {
            ticket: asked.ticket.clone(),
            reason: asked.reason.clone().or_else(|| asked.override_freeze.clone()),
            ..Promotion::in_place(&dep.service, &dep.env, Vec::new(), intent)
        };
        let change = Change { dep: &dep, promotion, asked: &asked, wait: a.wait, format: a.format, label };
        return commit_change(h, change).await;
    }
    // Break-glass: the live workload is patched; say what will undo it.
    if let Some(owner) = owner {
        errln!("warning: {owner} owns the replicas; it will set its own count again");
    }
    if app.sync_policy().self_heal {
        errln!("warning: self-heal is on: Argo CD reverts a live scale to the count in Git within seconds");
    }
    let replicas = a.change.replicas.ok_or_else(|| usage("a live scale needs --replicas N".into()))?;
    let (kind, group, name, namespace) = (w.kind.clone(), w.group.clone(), w.name.clone(), w.namespace.clone());
    let action = Action::Scale { kind, group, name, namespace, replicas };
    perform(h, &dep, &action, &Act { target: a.target, wait: Some(a.wait), asked }).await
}
