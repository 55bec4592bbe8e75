//! Headless preview environments (`flightdeck env …`). A request, an extension and a
//! tear-down are GitOps changes like a deploy: planned (the diff shown first), governed as
//! `preview` under the rules of the environment the preview copies, committed with the
//! usual trailers, then the Application created or deleted, and recorded in the trail —
//! all through `gitops::commit_change`, the path `deploy`, `rollback` and `scale` take.
//! `reap` tears down what has expired: the TTL was granted with the request, so the policy
//! is not asked again, but every tear-down is recorded (as expired, with when).

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use super::args::{Format, Target, Waiting};
use super::env_args::EnvSub;
use super::gitops::{commit_change, Change};
use super::govern::{Asked, Headless};
use super::output::{errln, outln, print_json};
use super::resolve::resolve;
use super::status::list_all;
use crate::client::git::preview::previews;
use crate::domain::preview::{self, Preview, PreviewIntent, PreviewOp};
use crate::domain::sanitize::clean;
use crate::domain::{Deployment, ErrorKind, Failure, Intent, Promotion, RunContext};

pub async fn run(h: &Headless, cmd: EnvSub) -> Result<(), Failure> {
    match cmd {
        EnvSub::Request { service, from, tag, ttl, name, wait, why, out } => {
            let from = from.or_else(|| h.pipeline.first().cloned());
            let dep = resolve(&h.cfg, &Target { service, env: from }).await?;
            let owner = h.who().await?.username;
            let now = Utc::now();
            let salt = u64::try_from(now.timestamp_micros()).unwrap_or_default();
            let intent = preview::request(&dep.service, &dep.env, &owner, name.as_deref(), ttl, tag, now, salt)
                .map_err(usage)?;
            change(h, &dep, intent, &why.asked(), wait, out.output).await
        }
        EnvSub::Extend { name, by, why, out } => {
            let (p, dep) = find(h, &name).await?;
            let by = preview::ttl_of(by).map_err(usage)?;
            let op = PreviewOp::Extend { expires: Utc::now().trunc_subsecs(0) + by };
            change(h, &dep, intent_of(&p, op), &why.asked(), no_wait(), out.output).await
        }
        EnvSub::Down { name, why, out } => {
            let (p, dep) = find(h, &name).await?;
            let intent = intent_of(&p, PreviewOp::TearDown { expired: false });
            change(h, &dep, intent, &why.asked(), no_wait(), out.output).await
        }
        EnvSub::List { service, out } => list(h, service.as_deref(), out.output).await,
        EnvSub::Reap { watch, dry_run } => loop {
            reap(h, Utc::now(), dry_run).await?;
            let Some(every) = watch else { return Ok(()) };
            tokio::time::sleep(every).await;
        },
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(ErrorKind::Usage, message)
}

fn no_wait() -> Waiting {
    Waiting { wait: false, timeout: None }
}

/// `op` on the existing preview `p`.
fn intent_of(p: &Preview, op: PreviewOp) -> PreviewIntent {
    PreviewIntent { name: p.name.clone(), service: p.service.clone(), from: p.from.clone(), op }
}

/// One preview change of `dep` (the app of the environment it copies), the GitOps way.
async fn change(
    h: &Headless,
    dep: &Deployment,
    intent: PreviewIntent,
    asked: &Asked,
    wait: Waiting,
    format: Format,
) -> Result<(), Failure> {
    let label = format!("{} of {}: {}", intent.op.verb(), dep.service, intent.describe());
    let promotion = Promotion {
        ticket: asked.ticket.clone(),
        reason: asked.reason.clone().or_else(|| asked.override_freeze.clone()),
        ..Promotion::in_place(&dep.service, &dep.env, Vec::new(), Intent::Preview(intent))
    };
    commit_change(h, Change { dep, promotion, asked, wait, format, label }).await
}

/// Every preview in the estate's GitOps repository (the one its first app deploys from),
/// with the estate's deployments; unreadable `preview.toml` files are named on stderr.
async fn all(h: &Headless) -> Result<(Vec<Preview>, Vec<Deployment>), Failure> {
    let (deps, _) = list_all(&h.cfg, None).await?;
    let first = deps
        .iter()
        .find(|d| !d.repo_url.is_empty())
        .ok_or_else(|| usage("no app of this estate deploys from Git: no GitOps repository to keep previews in"))?;
    let client = h.client(first.key.instance)?;
    let app = client.get_app(&first.key, None).await.map_err(|e| e.to_failure())?;
    let (found, broken) = previews(client, &app).await?;
    for b in broken {
        errln!("warning: {b} (skipped)");
    }
    Ok((found, deps))
}

/// The preview `name` and the app of the environment it copies.
async fn find(h: &Headless, name: &str) -> Result<(Preview, Deployment), Failure> {
    let (found, deps) = all(h).await?;
    let wanted =
        if name.starts_with(preview::PREFIX) { name.to_string() } else { format!("{}{name}", preview::PREFIX) };
    let Some(p) = found.into_iter().find(|p| p.name == wanted) else {
        return Err(usage(format!("there is no preview environment {}", clean(&wanted)))
            .with_hint("`flightdeck env list` shows them"));
    };
    let dep = deps.into_iter().find(|d| d.service == p.service && d.env == p.from).ok_or_else(|| {
        usage(format!("{} of {} was copied from {}, which this estate no longer has", p.name, p.service, p.from))
    })?;
    Ok((p, dep))
}

/// One line of `env list -o json`.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    service: &'a str,
    from: &'a str,
    owner: &'a str,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
    expired: bool,
    application: Option<&'a str>,
    health: Option<&'a str>,
    sync: Option<&'a str>,
    images: Vec<&'a str>,
}

async fn list(h: &Headless, service: Option<&str>, format: Format) -> Result<(), Failure> {
    let (found, deps) = all(h).await?;
    let now = Utc::now();
    let rows: Vec<Row> = found
        .iter()
        .filter(|p| service.is_none_or(|s| p.service == s))
        .map(|p| {
            let d = deps.iter().find(|d| d.service == p.service && d.env == p.name);
            Row {
                name: &p.name,
                service: &p.service,
                from: &p.from,
                owner: &p.owner,
                created: p.created,
                expires: p.expires,
                expired: p.expired(now),
                application: d.map(|d| d.key.name.as_str()),
                health: d.map(|d| d.health.as_str()),
                sync: d.map(|d| d.sync.as_str()),
                images: d.map(|d| d.images.iter().map(String::as_str).collect()).unwrap_or_default(),
            }
        })
        .collect();
    if format == Format::Json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        outln!("no preview environments (`flightdeck env request SERVICE` makes one)");
        return Ok(());
    }
    outln!("{:<28} {:<24} {:<8} {:<12} {:<20} {:<12} VERSION", "NAME", "SERVICE", "FROM", "OWNER", "EXPIRES", "HEALTH");
    for (r, p) in rows.iter().zip(found.iter().filter(|p| service.is_none_or(|s| p.service == s))) {
        let version = r.images.iter().map(|i| i.rsplit(':').next().unwrap_or(i)).collect::<Vec<_>>().join(",");
        outln!(
            "{:<28} {:<24} {:<8} {:<12} {:<20} {:<12} {}",
            clean(r.name),
            clean(r.service),
            clean(r.from),
            clean(r.owner),
            p.remaining(now),
            r.health.unwrap_or("no app"),
            clean(&version)
        );
    }
    Ok(())
}

/// Tear down every preview expired at `now`; each is recorded in the trail as expired.
pub async fn reap(h: &Headless, now: DateTime<Utc>, dry_run: bool) -> Result<(), Failure> {
    let (found, deps) = all(h).await?;
    let due = preview::due(&found, now);
    if due.is_empty() {
        outln!("no preview environment has expired");
        return Ok(());
    }
    let who = h.who().await?;
    let mut failed = 0;
    for p in due {
        let said = format!("{} of {} (expired {})", p.name, p.service, p.expires.format("%Y-%m-%d %H:%M UTC"));
        if dry_run {
            outln!("would tear down {said}");
            continue;
        }
        let Some(dep) = deps.iter().find(|d| d.service == p.service && d.env == p.from) else {
            errln!("cannot tear down {said}: this estate has no {} in {}", p.service, p.from);
            failed += 1;
            continue;
        };
        let intent = intent_of(p, PreviewOp::TearDown { expired: true });
        let action = crate::domain::Action::Promote(Box::new(Promotion::in_place(
            &dep.service,
            &dep.env,
            Vec::new(),
            Intent::Preview(intent),
        )));
        if let Err(f) = h.writable(dep, &action) {
            errln!("cannot tear down {said}: {}", f.message);
            failed += 1;
            continue;
        }
        let note = format!("its TTL passed at {}", p.expires.to_rfc3339());
        let context =
            RunContext { reason: Some(format!("preview expired; {note}")), note: Some(note), ..Default::default() };
        match h.run(dep, &action, &who, &context, None).await {
            Ok(_) => outln!("torn down {said}"),
            Err(f) => {
                errln!("could not tear down {said}: {}", f.message);
                failed += 1;
            }
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(Failure::new(ErrorKind::Unavailable, format!("{n} expired preview(s) could not be torn down"))),
    }
}
