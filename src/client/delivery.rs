//! A service's delivery history, assembled once for the console's view (the executor's
//! `Effect::LoadDelivery`) and `flightdeck delivery`: the activity timeline over the window —
//! Argo CD's history of every environment (what was deployed, when, by whom), the GitOps
//! commits to its overlays (deploy, promote, rollback, scale, with their requester), and the
//! trail (approvals, refusals, runs that failed) — and the delivery figures of one
//! environment, computed by the pure [`crate::domain::delivery::figures`]. Only Argo CD's
//! deployments count in the figures; the commits and the trail say who and why, and a failed
//! run marks a degraded state. Every string shown is sanitized here, once.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::argocd::ArgoClient;
use super::engine::Governance;
use super::git::history::{overlay_log, OverlayCommit};
use super::git::promote::PromoteSettings;
use crate::domain::delivery::{figures, Activity, Kind, Query, Report};
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure, Health};
use crate::engine::TrailEvent;

/// How long the console waits for one history (every environment's app and overlay log).
pub const ASSEMBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// [`assemble`] within [`ASSEMBLE_TIMEOUT`] (the console's load: the headless command has the
/// process's own limits).
pub async fn bounded(clients: &[ArgoClient], gov: &Governance, q: &Query) -> Result<Report, Failure> {
    match tokio::time::timeout(ASSEMBLE_TIMEOUT, assemble(clients, gov, q)).await {
        Ok(r) => r,
        Err(_) => Err(Failure::new(
            ErrorKind::Timeout,
            format!("reading the delivery history took longer than {}s", ASSEMBLE_TIMEOUT.as_secs()),
        )),
    }
}

/// The timeline and figures of `q.service` over `q.window_secs` until now, for `q.env`.
/// `clients` are indexed by each deployment's instance. An app Argo CD will not return fails
/// the whole; overlay commits that cannot be read are a warning (the rest is shown).
pub async fn assemble(clients: &[ArgoClient], gov: &Governance, q: &Query) -> Result<Report, Failure> {
    let to = Utc::now();
    let window = i64::try_from(q.window_secs).unwrap_or(i64::MAX / 2);
    let from = to - chrono::Duration::try_seconds(window).unwrap_or_else(|| chrono::Duration::days(30));
    let mut acts = Vec::new();
    let mut warnings = Vec::new();
    for dep in &q.deployments {
        let client = clients.get(dep.key.instance).ok_or_else(|| {
            Failure::new(ErrorKind::Usage, format!("no configured instance #{} for {}", dep.key.instance, dep.key.name))
        })?;
        let app = client.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
        let settings = PromoteSettings::for_client(client).await?;
        let commits = match overlay_log(&app, &settings).await {
            Ok(c) => c,
            Err(f) => {
                warnings.push(format!("{}: no GitOps commits read: {}", dep.key.name, f.message));
                Vec::new()
            }
        };
        acts.extend(commits.iter().map(|c| commit_activity(c, &dep.service, &dep.env)));
        let by_sha: HashMap<&str, &OverlayCommit> = commits.iter().map(|c| (c.sha.as_str(), c)).collect();
        let mut history = app.to_detail().history;
        history.sort_by_key(|e| e.id);
        let again = revisits(&history);
        for e in history {
            let Some(at) = e.deployed_at else { continue };
            let commit = by_sha.get(e.revision.as_str());
            let revisit = again.get(&e.id).copied();
            let kind = match commit.map(|c| kind_of(&c.subject)) {
                // Argo CD's own rollback deploys an earlier entry's revision again.
                None | Some(Kind::Deploy) if matches!(revisit, Some(Revisit::BackTo(_))) => Kind::Rollback,
                k => k.unwrap_or(Kind::Deploy),
            };
            let version = commit
                .and_then(|c| version_of(&c.subject, &dep.service))
                .or_else(|| e.images.first().and_then(|i| crate::domain::deployment::image_tag(i).map(str::to_string)));
            let rev = e.revision.get(..7).unwrap_or(&e.revision).to_string();
            // `initiatedBy` names a user, or `automated` (the controller): read as "automated".
            // Neither set is a history entry the reference says nothing about: "auto-sync".
            let who = if e.initiated_by.is_empty() { "auto-sync".to_string() } else { e.initiated_by.clone() };
            let detail = match revisit {
                Some(Revisit::BackTo(id)) => format!("history {} rev {rev} (back to {id})", e.id),
                Some(Revisit::Resync) => format!("history {} rev {rev} (the same revision again)", e.id),
                None => format!("history {} rev {rev}", e.id),
            };
            // A re-sync of what runs changes nothing: shown, not counted as a deployment.
            let counts = revisit != Some(Revisit::Resync);
            acts.push(Activity { counts, ..act(at, kind, &dep.env, who, version, detail, "argocd") });
        }
        if dep.health == Health::Degraded {
            let detail = "degraded now".to_string();
            acts.push(Activity {
                counts: true,
                ..act(to, Kind::Degraded, &dep.env, String::new(), None, detail, "argocd")
            });
        }
    }
    let trail = gov.trail_or_local().await;
    acts.extend(trail.iter().filter_map(|e| trail_activity(e, &q.service)).flatten());
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
    // Oldest first; what happened at the same second in a fixed order, whatever order the
    // caller listed the deployments in (the console and the headless command list them apart).
    acts.sort_by(|a, b| {
        (a.at, &a.env, a.source, a.kind.name(), &a.detail).cmp(&(b.at, &b.env, b.source, b.kind.name(), &b.detail))
    });
    for a in &mut acts {
        sanitize(a);
    }
    let figures = figures(&acts, &q.env, from, to);
    Ok(Report { service: q.service.clone(), figures, timeline: acts, warnings })
}

/// A history entry that deploys a revision an earlier entry deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Revisit {
    /// The revision of the entry just before: a re-sync of what runs.
    Resync,
    /// An older one: a going back to that entry (its id).
    BackTo(i64),
}

/// The entries (by id, oldest first) that deploy a revision deployed before. The reference
/// does not say what entry Argo CD's rollback (`POST …/rollback` with an `id`) appends; it
/// syncs to that entry's revision, so the new entry names it again, read here as the rollback
/// it is.
fn revisits(history: &[crate::domain::HistoryEntry]) -> HashMap<i64, Revisit> {
    let mut seen: HashMap<&str, i64> = HashMap::new();
    let mut out = HashMap::new();
    let mut prev: Option<&str> = None;
    for e in history.iter().filter(|e| !e.revision.is_empty()) {
        let rev = e.revision.as_str();
        match seen.get(rev) {
            Some(_) if prev == Some(rev) => _ = out.insert(e.id, Revisit::Resync),
            Some(&id) => _ = out.insert(e.id, Revisit::BackTo(id)),
            None => {}
        }
        seen.insert(rev, e.id);
        prev = Some(rev);
    }
    out
}

/// Server strings (trail actors, commit subjects, Argo CD users) reach a terminal.
fn sanitize(a: &mut Activity) {
    a.env = clean(&a.env);
    a.who = clean(&a.who);
    a.detail = clean(&a.detail);
    a.version = a.version.as_deref().map(clean);
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

    #[test]
    fn a_revision_deployed_again_is_a_rollback_to_it_or_a_resync_of_it() {
        let entry = |id: i64, revision: &str| crate::domain::HistoryEntry {
            id,
            revision: revision.into(),
            ..Default::default()
        };
        let history =
            [entry(0, "aaa"), entry(1, "bbb"), entry(2, "bbb"), entry(3, "ccc"), entry(4, "aaa"), entry(5, "")];
        let again = super::revisits(&history);
        assert_eq!(again.get(&4), Some(&super::Revisit::BackTo(0)), "aaa again after bbb and ccc");
        assert_eq!(again.get(&2), Some(&super::Revisit::Resync), "bbb twice in a row");
        assert_eq!(again.len(), 2, "{again:?}");
    }

    #[test]
    fn a_failed_run_in_the_trail_marks_its_environment_degraded() {
        let mut e = crate::engine::TrailEvent {
            event: "action".into(),
            action: Some("promote".into()),
            outcome: "failed: not healthy".into(),
            actor: "dave\u{1b}[31m".into(),
            to: Some("prod".into()),
            ..Default::default()
        };
        e.target =
            Some(crate::engine::trail::Target { service: "alpha".into(), env: "staging".into(), ..Default::default() });
        let acts = super::trail_activity(&e, "alpha").unwrap_or_default();
        let kinds: Vec<_> = acts.iter().map(|a| (a.kind, a.env.as_str(), a.failed, a.counts)).collect();
        assert_eq!(kinds, [(super::Kind::Promote, "prod", true, false), (super::Kind::Degraded, "prod", false, true)]);
        assert!(super::trail_activity(&e, "beta").is_none());
        let mut a = acts[0].clone();
        super::sanitize(&mut a);
        assert_eq!(a.who, "dave");
    }
}
