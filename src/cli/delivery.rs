//! Headless `flightdeck delivery SERVICE [--window 30d] [-o json]`: the service's activity
//! timeline over the window — Argo CD's history of every environment (what was deployed,
//! when, by whom), the GitOps commits to its overlays (deploy, promote, rollback, scale, with
//! their requester), and the trail (approvals, refusals, runs that failed) — and the delivery
//! figures of the last environment of the pipeline (production), computed by the pure
//! [`crate::domain::delivery::figures`]. Only Argo CD's deployments count in the figures;
//! the commits and the trail say who and why, and a failed run marks a degraded state.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::args::Format;
use super::govern::Headless;
use super::output::{errln, outln, print_json};
use super::resolve::{is_service, services_of};
use super::status::list_all;
use crate::client::git::history::{overlay_log, OverlayCommit};
use crate::client::git::promote::PromoteSettings;
use crate::domain::delivery::{figures, human, Activity, Kind};
use crate::domain::{Failure, Health};
use crate::engine::TrailEvent;

pub async fn run(h: &Headless, service: &str, window: Duration, format: Format) -> Result<(), Failure> {
    let (deps, failure) = list_all(&h.cfg, None).await?;
    let mine: Vec<_> = deps.iter().filter(|d| is_service(d, service)).collect();
    if mine.is_empty() {
        return Err(failure.unwrap_or_else(|| crate::domain::choices::unknown("service", service, &services_of(&deps))));
    }
    let to = Utc::now();
    let from = to - chrono::Duration::from_std(window).unwrap_or_else(|_| chrono::Duration::days(30));
    let mut acts = Vec::new();
    for dep in &mine {
        let client = h.client(dep.key.instance)?;
        let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
        let settings = PromoteSettings::for_client(client).await?;
        let commits = overlay_log(&app, &settings).await.unwrap_or_else(|f| {
            errln!("{}: no GitOps commits read: {}", dep.key.name, f.message);
            Vec::new()
        });
        acts.extend(commits.iter().map(|c| commit_activity(c, &dep.service, &dep.env)));
        let by_sha: HashMap<&str, &OverlayCommit> = commits.iter().map(|c| (c.sha.as_str(), c)).collect();
        for e in app.to_detail().history {
            let Some(at) = e.deployed_at else { continue };
            let commit = by_sha.get(e.revision.as_str());
            let kind = commit.map_or(Kind::Deploy, |c| kind_of(&c.subject));
            let version = commit
                .and_then(|c| version_of(&c.subject, &dep.service))
                .or_else(|| e.images.first().and_then(|i| crate::domain::deployment::image_tag(i).map(str::to_string)));
            let rev = e.revision.get(..7).unwrap_or(&e.revision).to_string();
            let who = if e.initiated_by.is_empty() { "auto-sync".to_string() } else { e.initiated_by.clone() };
            acts.push(Activity {
                counts: true,
                ..act(at, kind, &dep.env, who, version, format!("history {} rev {rev}", e.id), "argocd")
            });
        }
        if dep.health == Health::Degraded {
            let detail = "degraded now".to_string();
            acts.push(Activity {
                counts: true,
                ..act(to, Kind::Degraded, &dep.env, String::new(), None, detail, "argocd")
            });
        }
    }
    acts.extend(trail(h).await.iter().filter_map(|e| trail_activity(e, service)).flatten());
    // The lead time starts at the first commit of the version, in any environment.
    let mut first: HashMap<String, DateTime<Utc>> = HashMap::new();
    for a in acts.iter().filter(|a| a.source == "git") {
        if let Some(v) = &a.version {
            let t = first.entry(v.clone()).or_insert(a.at);
            *t = (*t).min(a.at);
        }
    }
    for a in acts.iter_mut().filter(|a| a.counts) {
        a.first_commit_at = a.version.as_ref().and_then(|v| first.get(v).copied());
    }
    // Until now, or the newest event when a server's clock runs ahead of this machine's.
    let to = acts.iter().map(|a| a.at).max().map_or(to, |newest| newest.max(to));
    acts.retain(|a| a.at >= from && a.at <= to);
    acts.sort_by_key(|a| a.at);
    let prod = h.pipeline.last().cloned().unwrap_or_else(|| "prod".into());
    let f = figures(&acts, &prod, from, to);
    if format == Format::Json {
        return print_json(&serde_json::json!({ "service": service, "figures": f, "timeline": acts }));
    }
    for a in &acts {
        let kind = serde_json::to_value(a.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let failed = if a.failed { " (failed)" } else { "" };
        outln!(
            "{}  {:<8} {:<9} {:<10} {:<9} {}{failed}  [{}]",
            a.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            a.env,
            kind,
            a.who,
            a.version.as_deref().unwrap_or("-"),
            a.detail,
            a.source
        );
    }
    let opt = |s: Option<i64>| s.map_or("-".to_string(), human);
    let rate = f.change_failure_rate.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
    outln!("");
    outln!("delivery of {service} in {prod}, {} to {}:", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"));
    outln!("  deployments       {} ({:.2}/day)", f.deployments, f.deployments_per_day);
    outln!("  lead time         {} (median, first commit → {prod})", opt(f.lead_time_secs));
    outln!("  change failures   {rate} ({} of the changes)", f.failed_changes);
    outln!("  time to restore   {} (median)", opt(f.time_to_restore_secs));
    Ok(())
}

fn act(
    at: DateTime<Utc>,
    kind: Kind,
    env: &str,
    who: String,
    version: Option<String>,
    detail: String,
    source: &'static str,
) -> Activity {
    Activity {
        at,
        kind,
        env: env.to_string(),
        who,
        version,
        detail,
        source,
        failed: false,
        first_commit_at: None,
        counts: false,
    }
}

/// The kind a Flightdeck commit subject names (`deploy …`, `promote …`, `rollback …`, `scale …`).
fn kind_of(subject: &str) -> Kind {
    match subject.split(' ').next() {
        // A release promotes several services in one commit.
        Some("promote" | "release") => Kind::Promote,
        Some("rollback") => Kind::Rollback,
        Some("scale") => Kind::Scale,
        _ => Kind::Deploy,
    }
}

/// The version after the subject's last `: ` ("deploy alpha in dev: v1.2.0"), when it is one;
/// in a release's ("release alpha, beta dev -> staging: alpha v1.2.0, beta v2.0.1") `service`'s.
fn version_of(subject: &str, service: &str) -> Option<String> {
    let v = subject.rsplit_once(": ")?.1.trim();
    if subject.starts_with("release ") {
        let mine = v.split(", ").find_map(|p| p.strip_prefix(service)?.strip_prefix(' '));
        return mine.filter(|m| !m.is_empty() && !m.contains(' ')).map(str::to_string);
    }
    (!subject.starts_with("scale") && !v.is_empty() && !v.contains(' ')).then(|| v.to_string())
}

fn commit_activity(c: &OverlayCommit, service: &str, env: &str) -> Activity {
    let short = c.sha.get(..7).unwrap_or(&c.sha);
    act(
        c.at,
        kind_of(&c.subject),
        env,
        c.who.clone(),
        version_of(&c.subject, service),
        format!("commit {short}: {}", c.subject),
        "git",
    )
}

/// The trail: the team's shared one where governance is configured, else this machine's.
async fn trail(h: &Headless) -> Vec<TrailEvent> {
    match h.governance.shared_trail().await {
        Ok(Some(events)) => events,
        _ => super::audit::dir_or_default(None)
            .ok()
            .and_then(|d| crate::audit::read_records(&d).ok())
            .map(|r| r.into_iter().map(|r| r.entry).collect())
            .unwrap_or_default(),
    }
}

/// A trail record about `service` as timeline entries: approvals, refusals and runs; a run
/// that failed also marks the environment degraded (counted).
fn trail_activity(e: &TrailEvent, service: &str) -> Option<Vec<Activity>> {
    let t = e.target.as_ref().filter(|t| t.service == service)?;
    let action = e.action.clone().unwrap_or_default();
    let kind = match (e.event.as_str(), action.as_str()) {
        ("approval", _) => Kind::Approval,
        ("refusal", _) => Kind::Refusal,
        ("action", "promote") => Kind::Promote,
        ("action", "rollback") => Kind::Rollback,
        ("action", "scale") => Kind::Scale,
        ("action", "deploy" | "sync") => Kind::Deploy,
        _ => return None,
    };
    let env = e.to.clone().unwrap_or_else(|| t.env.clone());
    let detail = format!("{action} {}", e.outcome).trim().to_string();
    let mut a = act(e.at, kind, &env, e.actor.clone(), None, detail, "trail");
    a.failed = e.event == "action" && e.outcome.starts_with("failed");
    let mut out = vec![a.clone()];
    if a.failed && kind.deploys() {
        out.push(Activity { kind: Kind::Degraded, counts: true, failed: false, ..a });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_release_commit_gives_each_service_its_own_version() {
        let subject = "release alpha, beta dev -> staging: alpha v1.2.0, beta v2.0.1";
        assert_eq!(super::version_of(subject, "beta").as_deref(), Some("v2.0.1"));
        assert_eq!(super::version_of(subject, "alpha").as_deref(), Some("v1.2.0"));
        assert_eq!(super::version_of(subject, "gamma"), None);
        assert_eq!(super::version_of("deploy alpha in dev: v1.2.0", "alpha").as_deref(), Some("v1.2.0"));
        assert!(matches!(super::kind_of(subject), super::Kind::Promote));
    }
}
