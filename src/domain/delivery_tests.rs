//! The delivery figures over a scripted history: every figure checked by hand.

use chrono::{DateTime, TimeZone, Utc};

use super::*;

fn t(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap()
}

fn act(at: DateTime<Utc>, kind: Kind, env: &str) -> Activity {
    Activity {
        at,
        kind,
        env: env.into(),
        who: "dave".into(),
        version: None,
        detail: String::new(),
        source: "argocd",
        failed: false,
        first_commit_at: None,
        counts: true,
    }
}

fn deploy(at: DateTime<Utc>, kind: Kind, committed: Option<DateTime<Utc>>, failed: bool) -> Activity {
    Activity { first_commit_at: committed, failed, ..act(at, kind, "prod") }
}

fn history() -> Vec<Activity> {
    vec![
        // Before the window: ignored.
        deploy(t(1, 10, 0), Kind::Promote, Some(t(1, 9, 0)), false),
        // v1: promoted two hours after its commit; nothing bad follows.
        deploy(t(10, 10, 0), Kind::Promote, Some(t(10, 8, 0)), false),
        // v2: twelve hours; degraded half an hour later, rolled back half an hour after that.
        deploy(t(11, 10, 0), Kind::Promote, Some(t(10, 22, 0)), false),
        act(t(11, 10, 30), Kind::Degraded, "prod"),
        deploy(t(11, 11, 0), Kind::Rollback, None, false),
        // v3 fails by itself; v3b, committed at 09:00, restores it at 10:20.
        deploy(t(13, 10, 0), Kind::Deploy, None, true),
        deploy(t(13, 10, 20), Kind::Deploy, Some(t(13, 9, 0)), false),
        // Not deployments of prod: a scale, an approval, staging, and a second source's copy.
        act(t(14, 9, 0), Kind::Scale, "prod"),
        act(t(14, 9, 5), Kind::Approval, "prod"),
        act(t(14, 9, 10), Kind::Deploy, "staging"),
        Activity { counts: false, ..deploy(t(13, 10, 20), Kind::Deploy, Some(t(13, 9, 0)), false) },
    ]
}

#[test]
fn figures_from_a_scripted_history() {
    let f = figures(&history(), "prod", t(9, 0, 0), t(16, 0, 0));
    assert_eq!(f.deployments, 5, "two promotions, a rollback, two deploys");
    assert!((f.deployments_per_day - 5.0 / 7.0).abs() < 1e-9, "{}", f.deployments_per_day);
    // Leads of the successful deploys with a known commit: 2h, 12h, 1h20m → median 2h.
    assert_eq!(f.lead_time_secs, Some(2 * 3600));
    // v2 (degraded, rolled back) and v3 (failed) out of four changes that were not rollbacks.
    assert_eq!(f.failed_changes, 2);
    assert_eq!(f.change_failure_rate, Some(0.5));
    // Restored after 30m (degraded → rollback) and 20m (failed → next deploy): median 25m.
    assert_eq!(f.time_to_restore_secs, Some(25 * 60));
}

#[test]
fn a_rollback_alone_marks_the_change_it_undid() {
    let acts = vec![
        deploy(t(10, 10, 0), Kind::Promote, Some(t(10, 9, 0)), false),
        deploy(t(10, 10, 45), Kind::Rollback, None, false),
    ];
    let f = figures(&acts, "prod", t(10, 0, 0), t(11, 0, 0));
    assert_eq!((f.deployments, f.failed_changes, f.change_failure_rate), (2, 1, Some(1.0)));
    assert_eq!(f.time_to_restore_secs, Some(45 * 60));
}

#[test]
fn an_empty_window_has_no_rates() {
    let f = figures(&history(), "prod", t(20, 0, 0), t(27, 0, 0));
    assert_eq!((f.deployments, f.lead_time_secs, f.change_failure_rate, f.time_to_restore_secs), (0, None, None, None));
    assert_eq!(human(90), "1m 30s");
    assert_eq!(human(3 * 86_400 + 4 * 3600 + 60), "3d 4h");
}
