//! Headless `flightdeck scale SERVICE --env E --replicas N [--break-glass] [--wait] [-o json]`.
//! On an app with auto-sync and a Git overlay the count is written to the overlay (kustomize
//! `replicas[]`, or the Helm values key `[gitops] helm_replicas_key`), diff first, under the
//! policy (as a scale), committed and followed: self-heal then keeps it instead of reverting
//! it. When an HPA or a KEDA ScaledObject owns the replicas a count in Git would be fought
//! over, so it is refused, saying which and what to change instead. Otherwise — or with
//! `--break-glass` — the live workload is patched as before, with the self-heal warning.

use super::action::{perform, Act};
use super::args::{Format, Justification, Target, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::Headless;
use super::output::errln;
use super::resolve::resolve;
use crate::client::git::promote::{target_of, PromoteSettings};
use crate::client::git::replicas::replica_owner;
use crate::domain::{Action, ErrorKind, Failure, Intent, Promotion};

/// What the command line asked for.
pub struct ScaleArgs {
    pub target: Target,
    pub replicas: u32,
    pub break_glass: bool,
    pub wait: Waiting,
    pub why: Justification,
    pub format: Format,
}

pub async fn run(h: &Headless, a: ScaleArgs) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, &a.target).await?;
    let client = h.client(dep.key.instance)?;
    let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    let detail = app.to_detail();
    let w = detail.workload().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, format!("{} has no Deployment, StatefulSet or Rollout to scale", dep.key.name))
    })?;
    let owner = replica_owner(&app);
    let settings = PromoteSettings::for_client(client).await?;
    let gitops = app.auto_sync() && target_of(&app, &settings).is_ok();
    let asked = a.why.asked();
    if gitops && !a.break_glass {
        if let Some(owner) = owner {
            return Err(Failure::new(
                ErrorKind::Conflict,
                format!("{owner} owns the replicas of {} {}: a count in Git would be overridden", w.kind, w.name),
            )
            .with_hint("change its minReplicas/maxReplicas in the overlay instead (a reviewed commit)"));
        }
        let intent = Intent::Scale { workload: w.name.clone(), replicas: a.replicas };
        let promotion = Promotion {
            ticket: asked.ticket.clone(),
            reason: asked.reason.clone().or_else(|| asked.override_freeze.clone()),
            ..Promotion::in_place(&dep.service, &dep.env, Vec::new(), intent)
        };
        let label = format!("scale {}/{} to {}", dep.service, dep.env, a.replicas);
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
    let (kind, group, name, namespace) = (w.kind.clone(), w.group.clone(), w.name.clone(), w.namespace.clone());
    let action = Action::Scale { kind, group, name, namespace, replicas: a.replicas };
    perform(h, &dep, &action, &Act { target: a.target, wait: Some(a.wait), asked }).await
}
