//! Headless `flightdeck rollback SERVICE --env E --to ID [--break-glass] [--wait] [-o json]`.
//! When the app has auto-sync on and a GitOps overlay, the rollback is a commit: the version
//! history entry ID ran (its revision's overlay says which tag) is written back to the
//! environment's overlay, diff first, under the policy (as a rollback), and Argo CD deploys
//! it with auto-sync left on: nothing is pinned. Otherwise — or with `--break-glass` — it is
//! Argo CD's own rollback, which needs auto-sync paused and leaves the app pinned until it
//! is resumed; Flightdeck says that cost before it runs.

use super::action::{perform, Act};
use super::args::{Format, Justification, Target, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::Headless;
use super::output::errln;
use super::resolve::resolve;
use crate::client::git::history::images_at;
use crate::client::git::promote::{target_of, PromoteSettings};
use crate::domain::{Action, ErrorKind, Failure, Intent, Promotion};

/// What the command line asked for.
pub struct RollbackArgs {
    pub target: Target,
    pub to: i64,
    pub break_glass: bool,
    pub pause_auto_sync: bool,
    pub wait: Waiting,
    pub why: Justification,
    pub format: Format,
}

pub async fn run(h: &Headless, a: RollbackArgs) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, &a.target).await?;
    let client = h.client(dep.key.instance)?;
    let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    let detail = app.to_detail();
    let Some(entry) = detail.history.iter().find(|e| e.id == a.to) else {
        let ids: Vec<String> = detail.history.iter().rev().map(|e| e.id.to_string()).collect();
        let mut f = crate::domain::choices::unknown("history id", &a.to.to_string(), &ids);
        f.hint = Some(format!("`flightdeck history {} --env {}` lists them", dep.service, dep.env));
        return Err(f);
    };
    let settings = PromoteSettings::for_client(client).await?;
    let gitops = app.auto_sync() && target_of(&app, &settings).is_ok();
    let asked = a.why.asked();
    if gitops && !a.break_glass && !a.pause_auto_sync {
        // The entry's own image overrides when Argo CD reports them, else its revision's overlay.
        let images = if entry.images.is_empty() {
            images_at(&app, &entry.revision, &app.status.summary.images, &settings).await.map_err(|f| {
                Failure::new(
                    ErrorKind::NotFound,
                    format!("cannot tell which version history {} ran: {}", a.to, f.message),
                )
                .with_hint(
                    "roll back through Argo CD instead with --break-glass (or --pause-auto-sync): auto-sync is \
                         paused and the app stays pinned until it is resumed",
                )
            })?
        } else {
            entry.images.clone()
        };
        let promotion = Promotion {
            ticket: asked.ticket.clone(),
            reason: asked.reason.clone().or_else(|| asked.override_freeze.clone()),
            ..Promotion::in_place(&dep.service, &dep.env, images, Intent::Rollback { history_id: a.to })
        };
        let label = format!("rollback {}/{} to history {}", dep.service, dep.env, a.to);
        let change = Change { dep: &dep, promotion, asked: &asked, wait: a.wait, format: a.format, label };
        return commit_change(h, change).await;
    }
    // Break-glass: Argo CD refuses a rollback while auto-sync is on, so it is paused first.
    let pause = app.auto_sync();
    if pause {
        errln!(
            "break-glass: auto-sync is paused and {} stays pinned at history {} until \
             `flightdeck sync-policy {} --env {} --auto-sync on`",
            dep.key.name,
            a.to,
            dep.service,
            dep.env
        );
    }
    let action = Action::Rollback { history_id: a.to, pause_auto_sync: pause || a.pause_auto_sync };
    perform(h, &dep, &action, &Act { target: a.target, wait: Some(a.wait), asked }).await
}
