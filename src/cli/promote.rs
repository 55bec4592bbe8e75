//! Headless `flightdeck promote SERVICE --from A --to B [--ticket T] [--reason R] [--wait]`:
//! resolve what runs in A and where B's desired state lives, print the exact diff, then the
//! one governance path decides (pipeline order first: only to the next environment unless a
//! policy lane names the skip) — run the promotion here (commit with trailers, push,
//! refresh/sync B, with `--wait` follow it to healthy), file an approval request, or refuse.

use super::args::Waiting;
use super::govern::{Asked, Gate, Headless};
use super::output::outln;
use super::resolve::{check_env, is_service, services_of};
use super::status::list_all;
use crate::client::git::promote::PromoteSettings;
use crate::client::git::promote_flow::plan_promotion;
use crate::domain::{Action, ErrorKind, Failure, Promotion};

/// What the command line asked for.
pub struct PromoteArgs {
    pub service: String,
    pub from: String,
    pub to: String,
    pub asked: Asked,
    pub wait: Waiting,
}

pub async fn run(h: &Headless, a: PromoteArgs) -> Result<(), Failure> {
    let (deps, failure) = list_all(&h.cfg, None).await?;
    if let (true, Some(f)) = (deps.is_empty(), &failure) {
        return Err(f.clone());
    }
    check_env(&h.cfg, &deps, Some(&a.from))?;
    check_env(&h.cfg, &deps, Some(&a.to))?;
    if failure.is_none() && !deps.iter().any(|d| is_service(d, &a.service)) {
        return Err(crate::domain::choices::unknown("service", &a.service, &services_of(&deps)));
    }
    let find = |env: &str| {
        deps.iter().find(|d| is_service(d, &a.service) && d.env == env).cloned().ok_or_else(|| {
            Failure::new(ErrorKind::NotFound, format!("no {} in {env}", a.service))
                .with_hint("`flightdeck status` lists what runs where")
        })
    };
    let (src, dst) = (find(&a.from)?, find(&a.to)?);
    let mut promotion = Promotion {
        ticket: a.asked.ticket.clone(),
        reason: a.asked.reason.clone().or_else(|| a.asked.override_freeze.clone()),
        ..Promotion::new(&a.service, &a.from, &a.to, Vec::new())
    };
    h.writable(&dst, &Action::Promote(Box::new(promotion.clone())))?;
    h.route(&dst, &Action::Promote(Box::new(promotion.clone()))).await?;
    let (sc, dc) = (h.client(src.key.instance)?, h.client(dst.key.instance)?);
    let source_app = sc.get_app(&src.key, None).await.map_err(|e| e.to_failure())?;
    promotion.images = source_app.status.summary.images.clone();
    let settings = PromoteSettings::for_client(dc).await?;
    let plan = match plan_promotion(dc, &dst.key, &promotion.images, &settings).await {
        Ok(p) => p,
        // "Nothing to do" is an answer, said as such (exit 0).
        Err(f) if f.message.starts_with("nothing to do") => {
            outln!("promote {}: {}", a.service, f.message);
            return Ok(());
        }
        Err(f) => return Err(f),
    };
    for l in &plan.diff {
        outln!("{}", crate::engine::payload::diff_text(l));
    }
    promotion.diff = plan.diff;
    let action = Action::Promote(Box::new(promotion));
    let (who, context) = match h.govern(&dst, &action, &a.asked).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed => return Ok(()),
    };
    let follow = Some(a.wait).filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(&dst, &action, &who, &context, follow).await?;
    // What happened in Git ("commit a1b2c3d pushed", "nothing to do: …"), then whether it was
    // followed to health.
    let git = steps.iter().find(|s| s.starts_with("commit ") || s.starts_with("nothing to do"));
    let said = match (git, follow) {
        (Some(g), Some(_)) => format!("{g}; done"),
        (Some(g), None) => g.clone(),
        (None, _) => steps.last().cloned().unwrap_or_else(|| "done".into()),
    };
    outln!("promote {} {} → {}: {said}", a.service, a.from, a.to);
    Ok(())
}
