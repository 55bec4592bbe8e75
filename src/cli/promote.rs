//! Headless `flightdeck promote SERVICE --from A --to B [--ticket T] [--reason R] [--wait]`:
//! resolve what runs in A and where B's desired state lives, print the exact diff, then the
//! one governance path decides (pipeline order first: only to the next environment unless a
//! policy lane names the skip) — run the promotion here (commit with trailers, push,
//! refresh/sync B, with `--wait` follow it to healthy), file an approval request, or refuse.

use super::args::{Format, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::{Asked, Headless};
use super::resolve::{check_env, is_service, services_of};
use super::status::list_all;
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
    let sc = h.client(src.key.instance)?;
    let source_app = sc.get_app(&src.key, None).await.map_err(|e| e.to_failure())?;
    promotion.images = source_app.status.summary.images.clone();
    let label = format!("promote {} {} → {}", a.service, a.from, a.to);
    let change = Change { dep: &dst, promotion, asked: &a.asked, wait: a.wait, format: Format::Table, label };
    commit_change(h, change).await
}
