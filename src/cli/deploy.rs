//! Headless `flightdeck deploy SERVICE --env E (--tag T | --revision R) [--wait] [-o json]`.
//! `--tag` is the GitOps way: the images the app runs, retagged, are written to the
//! environment's overlay (the diff shown first), committed and pushed, and Argo CD deploys
//! the commit (auto-sync stays on; without it the run syncs). `--revision` syncs the app to
//! that Git revision through Argo CD, which refuses it while auto-sync is on: said up front,
//! with the GitOps alternative. Both pass the one governance path and land in the trail.

use std::time::Instant;

use serde_json::json;

use super::args::{Format, Target, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::{Asked, Gate, Headless};
use super::output::{errln, outln, print_json};
use super::resolve::resolve;
use crate::domain::promotion::retag;
use crate::domain::sanitize::clean;
use crate::domain::{Action, ErrorKind, Failure, Intent, Promotion};

/// What the command line asked for.
pub struct DeployArgs {
    pub target: Target,
    pub tag: Option<String>,
    pub revision: Option<String>,
    pub wait: Waiting,
    pub asked: Asked,
    pub format: Format,
}

pub async fn run(h: &Headless, a: DeployArgs) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, &a.target).await?;
    let client = h.client(dep.key.instance)?;
    let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    let label = format!("deploy {}/{}", dep.service, dep.env);
    if let Some(tag) = &a.tag {
        let images = retag(&app.status.summary.images, tag).map_err(|why| Failure::new(ErrorKind::Usage, why))?;
        let promotion = Promotion {
            ticket: a.asked.ticket.clone(),
            reason: a.asked.reason.clone().or_else(|| a.asked.override_freeze.clone()),
            ..Promotion::in_place(&dep.service, &dep.env, images, Intent::Deploy)
        };
        let change = Change { dep: &dep, promotion, asked: &a.asked, wait: a.wait, format: a.format, label };
        return commit_change(h, change).await;
    }
    let revision = a.revision.clone().unwrap_or_default();
    if app.auto_sync() {
        // Argo CD answers "Cannot sync to R: auto-sync currently set to …": say it first.
        return Err(Failure::new(
            ErrorKind::Conflict,
            format!(
                "{} has auto-sync on: it deploys what its targetRevision says, not {}",
                dep.key.name,
                clean(&revision)
            ),
        )
        .with_hint(format!(
            "deploy the GitOps way with `--tag`, or (break-glass) turn auto-sync off first with \
             `flightdeck sync-policy {} --env {} --auto-sync off`: the app then stays pinned",
            dep.service, dep.env
        )));
    }
    let current = clean(&app.status.sync.revision);
    let json = a.format == Format::Json;
    if !json {
        // What changes, first: the revision deployed now and the one asked for.
        outln!("revision {} → {}", short(&current), clean(&revision));
    }
    let action = Action::SyncRevision { revision: revision.clone() };
    let (who, context) = match h.govern_saying(&dep, &action, &a.asked, !json).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed(id) => {
            return match json {
                true => print_json(&json!({ "action": "deploy", "service": dep.service, "env": dep.env,
                    "via": "argocd", "revision": revision, "from_revision": current, "outcome": "filed", "request": id })),
                false => Ok(()),
            };
        }
    };
    errln!("deploy {}/{} ({}): revision {}", dep.service, dep.env, dep.key.name, clean(&revision));
    let started = Instant::now();
    let follow = Some(a.wait).filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(&dep, &action, &who, &context, follow).await?;
    if json {
        let outcome = if follow.is_some() { "done" } else { "sent" };
        return print_json(&json!({ "action": "deploy", "service": dep.service, "env": dep.env, "app": dep.key.name,
            "via": "argocd", "revision": revision, "from_revision": current, "outcome": outcome, "steps": steps }));
    }
    let what = match (follow, steps.last()) {
        (None, Some(step)) => step.clone(),
        _ => "done".to_string(),
    };
    outln!("{label}: {what} in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

fn short(rev: &str) -> &str {
    rev.get(..7).unwrap_or(rev)
}
