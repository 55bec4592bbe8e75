//! `flightdeck sync-policy SERVICE --env E`: show the app's automated sync policy (auto-sync,
//! self-heal, prune); with `--auto-sync`, `--self-heal` or `--prune on|off`, set it — an
//! action like the others, so it passes the policy (the `sync` rules) and lands in the trail.

use super::action::{perform, Act};
use super::args::{Format, Justification, Switch, Target};
use super::govern::Headless;
use super::output::{outln, print_json};
use super::resolve::resolve;
use crate::domain::{Action, Deployment, ErrorKind, Failure, SyncPolicy};

/// What `sync-policy` was asked.
pub struct PolicyArgs {
    pub target: Target,
    pub auto_sync: Option<Switch>,
    pub self_heal: Option<Switch>,
    pub prune: Option<Switch>,
    pub format: Format,
    pub why: Justification,
}

pub async fn run(h: &Headless, a: PolicyArgs) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, &a.target).await?;
    let current = read(h, &dep).await?;
    if a.auto_sync.is_none() && a.self_heal.is_none() && a.prune.is_none() {
        return show(&dep, current, a.format);
    }
    let wanted = SyncPolicy {
        auto_sync: a.auto_sync.map_or(current.auto_sync, Switch::on),
        self_heal: a.self_heal.map_or(current.self_heal, Switch::on),
        prune: a.prune.map_or(current.prune, Switch::on),
    };
    if !wanted.auto_sync && (a.self_heal == Some(Switch::On) || a.prune == Some(Switch::On)) {
        return Err(Failure::new(ErrorKind::Usage, "self-heal and prune are part of auto-sync, which is off")
            .with_hint("add --auto-sync on"));
    }
    // Off, self-heal and prune mean nothing: compare what Argo CD would hold.
    let wanted = wanted.effective();
    if wanted == current {
        outln!("nothing to do: {} already has {}", dep.key.name, current.describe());
        return Ok(());
    }
    let act = Act { target: a.target.clone(), wait: None, asked: a.why.asked() };
    perform(h, &dep, &Action::SetSyncPolicy(wanted), &act).await?;
    if a.format == Format::Json {
        return show(&dep, read(h, &dep).await?, a.format);
    }
    Ok(())
}

async fn read(h: &Headless, dep: &Deployment) -> Result<SyncPolicy, Failure> {
    let app = h.client(dep.key.instance)?.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    Ok(app.sync_policy())
}

fn show(dep: &Deployment, p: SyncPolicy, format: Format) -> Result<(), Failure> {
    match format {
        Format::Json => print_json(&serde_json::json!({
            "service": dep.service, "env": dep.env, "app": dep.key.name,
            "auto_sync": p.auto_sync, "self_heal": p.self_heal, "prune": p.prune,
        })),
        Format::Table => {
            let on = |b: bool| if b { "on" } else { "off" };
            outln!("auto-sync  {}", on(p.auto_sync));
            outln!("self-heal  {}", on(p.self_heal));
            outln!("prune      {}", on(p.prune));
            Ok(())
        }
    }
}
