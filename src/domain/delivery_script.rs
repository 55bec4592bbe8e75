//! A scripted delivery history for the console's tests (update and snapshots): a fortnight of
//! one service — commits, Argo CD's deployments and the trail's runs and approvals across
//! staging and prod, one promotion that degraded and was rolled back — ending at `now`. The
//! figures are computed by the real [`super::figures`], never written down here.

use chrono::{DateTime, Duration, Utc};

use super::{figures, Activity, Kind, Report};

fn at(now: DateTime<Utc>, days: i64, hours: i64) -> DateTime<Utc> {
    now - Duration::days(days) - Duration::hours(hours)
}

#[allow(clippy::too_many_arguments)]
fn act(
    t: DateTime<Utc>,
    kind: Kind,
    env: &str,
    who: &str,
    version: Option<&str>,
    detail: &str,
    source: &'static str,
    counts: bool,
) -> Activity {
    Activity {
        at: t,
        kind,
        env: env.into(),
        who: who.into(),
        version: version.map(str::to_string),
        detail: detail.into(),
        source,
        failed: false,
        first_commit_at: None,
        counts,
    }
}

/// The timeline, oldest first, with each counted deployment's first commit filled in.
pub fn timeline(now: DateTime<Utc>) -> Vec<Activity> {
    use Kind::*;
    let mut acts = vec![
        act(
            at(now, 12, 6),
            Deploy,
            "staging",
            "dave",
            Some("v1.4.0"),
            "commit 1a2b3c4: deploy payment-service in staging: v1.4.0",
            "git",
            false,
        ),
        act(at(now, 12, 5), Deploy, "staging", "dave", Some("v1.4.0"), "history 11 rev 1a2b3c4", "argocd", true),
        act(at(now, 11, 2), Approval, "prod", "erin", None, "promote approved", "trail", false),
        act(
            at(now, 11, 1),
            Promote,
            "prod",
            "dave",
            Some("v1.4.0"),
            "commit 5d6e7f8: promote payment-service staging -> prod: v1.4.0",
            "git",
            false,
        ),
        act(at(now, 11, 0), Promote, "prod", "dave", Some("v1.4.0"), "history 21 rev 5d6e7f8", "argocd", true),
        act(
            at(now, 6, 8),
            Deploy,
            "staging",
            "carol",
            Some("v1.5.0"),
            "commit 9a8b7c6: deploy payment-service in staging: v1.5.0",
            "git",
            false,
        ),
        act(at(now, 6, 7), Deploy, "staging", "carol", Some("v1.5.0"), "history 12 rev 9a8b7c6", "argocd", true),
        act(at(now, 5, 4), Promote, "prod", "carol", Some("v1.5.0"), "history 22 rev 0f1e2d3", "argocd", true),
        act(at(now, 5, 3), Degraded, "prod", "carol", None, "promote failed: not healthy after 5m", "trail", true),
        act(at(now, 5, 2), Rollback, "prod", "oncall", Some("v1.4.0"), "history 23 rev 5d6e7f8", "argocd", true),
        act(
            at(now, 4, 0),
            Scale,
            "prod",
            "oncall",
            None,
            "commit 4c5d6e7: scale payment-service in prod to 5",
            "git",
            false,
        ),
        act(
            at(now, 1, 6),
            Deploy,
            "staging",
            "dave",
            Some("v1.5.1"),
            "commit 7e8f9a0: deploy payment-service in staging: v1.5.1",
            "git",
            false,
        ),
        act(at(now, 1, 2), Promote, "prod", "dave", Some("v1.5.1"), "history 24 rev 2b3c4d5", "argocd", true),
    ];
    let first = |v: &str, acts: &[Activity]| {
        acts.iter().filter(|a| a.source == "git" && a.version.as_deref() == Some(v)).map(|a| a.at).min()
    };
    let firsts: Vec<_> = acts.iter().map(|a| a.version.as_deref().and_then(|v| first(v, &acts))).collect();
    for (a, f) in acts.iter_mut().zip(firsts) {
        if a.counts {
            a.first_commit_at = f;
        }
    }
    acts
}

/// The report the client would assemble for `env` over `window_secs` until `now`.
pub fn report(now: DateTime<Utc>, env: &str, window_secs: i64) -> Report {
    let from = now - Duration::seconds(window_secs);
    let timeline: Vec<Activity> = timeline(now).into_iter().filter(|a| a.at >= from).collect();
    Report {
        service: "payment-service".into(),
        figures: figures(&timeline, env, from, now),
        timeline,
        warnings: Vec::new(),
    }
}
