//! Headless `flightdeck promote SERVICE… --from A --to B [--ticket T] [--reason R] [--wait]`:
//! resolve what runs in A and where B's desired state lives, print the exact diff, then the
//! one governance path decides (pipeline order first: only to the next environment unless a
//! policy lane names the skip) — run the promotion here (commit with trailers, push,
//! refresh/sync B, with `--wait` follow it to healthy), file an approval request, or refuse.
//! Several services are one release: every one is resolved before anything is planned, and
//! whatever stops one of them stops all, naming it.

use super::args::{Format, Waiting};
use super::gitops::{commit_change, Change};
use super::govern::{Asked, Headless};
use super::resolve::{check_env, is_service, services_of};
use super::status::list_all;
use crate::client::git::release::naming;
use crate::domain::release::ReleasePart;
use crate::domain::{Action, Deployment, ErrorKind, Failure, Promotion};

/// What the command line asked for.
pub struct PromoteArgs {
    /// One service, or several released together (the first one leads).
    pub services: Vec<String>,
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
    let mut seen: Vec<&str> = Vec::new();
    for s in &a.services {
        if seen.contains(&s.as_str()) {
            return Err(Failure::new(ErrorKind::Usage, format!("{s} is named twice in the release")));
        }
        seen.push(s);
        if failure.is_none() && !deps.iter().any(|d| is_service(d, s)) {
            return Err(crate::domain::choices::unknown("service", s, &services_of(&deps)));
        }
    }
    let find = |service: &str, env: &str| {
        deps.iter().find(|d| is_service(d, service) && d.env == env).cloned().ok_or_else(|| {
            Failure::new(ErrorKind::NotFound, format!("no {service} in {env}"))
                .with_hint("`flightdeck status` lists what runs where")
        })
    };
    // Every service's source and target, resolved before anything is read or planned.
    let mut pairs: Vec<(Deployment, Deployment)> = Vec::new();
    for s in &a.services {
        pairs.push((find(s, &a.from)?, find(s, &a.to)?));
    }
    let Some((_, dst)) = pairs.first().cloned() else {
        return Err(Failure::new(ErrorKind::Usage, "name at least one service to promote"));
    };
    if let Some((_, other)) = pairs.iter().find(|(_, d)| d.key.instance != dst.key.instance) {
        let why = format!(
            "its {} app is on another Argo CD instance than {}'s: one release, one instance",
            a.to, dst.service
        );
        return Err(naming(&other.service, Failure::new(ErrorKind::Usage, why)));
    }
    let mut promotion = Promotion {
        ticket: a.asked.ticket.clone(),
        reason: a.asked.reason.clone().or_else(|| a.asked.override_freeze.clone()),
        ..Promotion::new(&dst.service, &a.from, &a.to, Vec::new())
    };
    h.writable(&dst, &Action::Promote(Box::new(promotion.clone())))?;
    h.route(&dst, &Action::Promote(Box::new(promotion.clone()))).await?;
    for (i, (src, to)) in pairs.iter().enumerate() {
        let sc = h.client(src.key.instance)?;
        let app = sc.get_app(&src.key, None).await.map_err(|e| naming(&src.service, e.to_failure()))?;
        let images = app.status.summary.images.clone();
        // What runs in A moves on only once A verified it (when A names checks).
        let this = Promotion::new(&src.service, &a.from, &a.to, images.clone());
        super::verify::gate(h, src, &images, &Action::Promote(Box::new(this))).await?;
        if i == 0 {
            promotion.images = images;
        } else {
            let (app, namespace) = (to.key.name.clone(), to.key.namespace.clone());
            promotion.also.push(ReleasePart { service: to.service.clone(), app, namespace, images });
        }
    }
    let label = match promotion.is_release() {
        true => format!("release {} {} → {}", promotion.services().join(", "), a.from, a.to),
        false => format!("promote {} {} → {}", dst.service, a.from, a.to),
    };
    let change = Change { dep: &dst, promotion, asked: &a.asked, wait: a.wait, format: Format::Table, label };
    commit_change(h, change).await
}
