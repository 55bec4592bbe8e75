//! Snapshot and screen tests of the incident views: safe exits and the demo banner, the full
//! run log, the attention queue, sideways scrolling, bulk confirmation, history, manifests and
//! pod logs. Shares the helpers of `tests.rs`.

use super::fixture::{self, fixture_model, key, ui};
use super::tests::*;
use crate::domain::model::{DialogKind, Mode};
use crate::domain::*;

fn demo_model() -> Model {
    use crate::domain::model::{DemoJoin, DemoState};
    let mut m = fixture_model();
    let join = |u: &str, role: &str| DemoJoin {
        user: u.into(),
        role: role.into(),
        command: format!("flightdeck --config /tmp/flightdeck-demo-4242/sim-{u}.toml"),
    };
    m.demo = Some(DemoState {
        me: "dave".into(),
        role: "developer".into(),
        joins: vec![join("alice", "release manager"), join("bob", "release manager"), join("olga", "on-call SRE")],
        connected: vec!["alice".into()],
    });
    m
}

#[test]
fn quitting_asks_when_it_would_leave_something_behind() {
    let mut m = demo_model();
    m.mode = Mode::ConfirmQuit {
        reasons: vec![
            "sync payment-service/prod is still running: it keeps running in Argo CD, but this console stops following it"
                .into(),
            "alice is connected to this demo estate: quitting stops it for them".into(),
        ],
    };
    snap("confirm_quit", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("Quit?") && text.contains("y quit anyway") && text.contains("alice is connected"), "{text}");
}

#[test]
fn the_demo_says_who_you_are_and_how_the_others_join() {
    let mut m = demo_model();
    for (w, h) in SIZES {
        let text = screen_text(&m, &ui(), w, h);
        assert!(text.contains("demo you are dave (developer) · alice connected"), "{w}x{h}\n{text}");
    }
    m.mode = Mode::Help { scroll: 0 };
    snap("demo_help", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("flightdeck --config /tmp/flightdeck-demo-4242/sim-alice.toml"), "{text}");
    assert!(text.contains("olga (on-call SRE)"), "{text}");
    assert!(text.contains("connected now: alice"), "{text}");
}

#[test]
fn the_full_run_log_shows_every_step_with_its_time() {
    let mut m = fixture_model();
    m.mode = Mode::RunLog { back: 0 };
    snap("run_log", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("10:11:09.0  ✓ auto-sync paused  0.4s"), "{text}");
    assert!(text.contains("one or more synchronization tasks completed unsuccessfully"), "{text}");
    assert!(text.contains("hint: see the events"), "{text}");
    // Scrolled back past the start: the oldest run's first line shows.
    m.mode = Mode::RunLog { back: u16::MAX };
    let text = screen_text(&m, &ui(), 80, 10);
    assert!(text.contains("rollback cart/dev"), "{text}");
}

/// The fixture with more trouble: a failed sync waiting on a hook-free retry, a paused canary,
/// a pinned app, the approvals waiting, and the attention index as the update keeps it.
fn attention_model() -> Model {
    use crate::domain::attention::{worth_watching, Explanation, RolloutStatus};
    let mut m = fixture::approvals_model();
    if let Some(d) = m.deployments.get_mut(&key("cart", 2)) {
        d.operation = Some(OpPhase::Failed);
        d.op_finished_at = Some(m.now - chrono::Duration::minutes(12));
    }
    if let Some(d) = m.deployments.get_mut(&key("search", 1)) {
        d.health = Health::Suspended;
        d.health_message = Some("Rollout is paused".into());
    }
    if let Some(d) = m.deployments.get_mut(&key("inventory", 2)) {
        d.operation = Some(OpPhase::Running);
        d.op_started_at = Some(m.now - chrono::Duration::minutes(7));
    }
    m.pinned.insert(key("user-profile", 0));
    let explain = |msg: Option<&str>, rollout| Loadable::Ready {
        value: Explanation { op_message: msg.map(Into::into), rollout, unhealthy: None },
        at: m.now,
    };
    m.attention.explained.insert(
        key("cart", 2),
        explain(Some("one or more objects failed to apply, reason: admission webhook denied the request"), None),
    );
    m.attention
        .explained
        .insert(key("inventory", 2), explain(Some("waiting for completion of hook batch/Job/db-migrate"), None));
    let canary = RolloutStatus {
        name: "search".into(),
        step: Some(2),
        steps: 4,
        weight: Some(20),
        paused_since: Some(m.now - chrono::Duration::minutes(4)),
    };
    m.attention.explained.insert(key("search", 1), explain(None, Some(canary)));
    let keys: Vec<AppKey> = m
        .deployments
        .values()
        .filter(|d| worth_watching(d, m.protected_envs.contains(&d.env), m.pinned.contains(&d.key)))
        .map(|d| d.key.clone())
        .collect();
    m.attention.keys.extend(keys);
    m.mode = Mode::Attention;
    m
}

#[test]
fn the_attention_queue_puts_the_most_urgent_first_with_argo_cds_reasons() {
    let mut m = attention_model();
    snap("attention", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    let order: Vec<&str> = [
        "degraded",
        "operation failed",
        "waiting on a hook",
        "approval for you",
        "paused Rollout",
        "out of sync",
        "pinned",
    ]
    .into_iter()
    .filter(|w| text.contains(w))
    .collect();
    assert_eq!(order.len(), 7, "{text}");
    let pos = |w: &str| text.find(w).unwrap();
    assert!(pos("degraded") < pos("operation failed") && pos("operation failed") < pos("waiting on a hook"), "{text}");
    assert!(pos("approval for you") < pos("paused Rollout") && pos("out of sync") < pos("pinned"), "{text}");
    assert!(text.contains("search step 2/4 · canary 20%"), "{text}");
    assert!(text.contains("batch/Job/db-migrate"), "{text}");
    // The selected entry (the degraded one) names the keys that act on it.
    assert!(text.contains("enter detail") && text.contains("r rollback"), "{text}");
    // The selected entry's reason is shown whole under the list.
    m.attention.selected = 1;
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("admission webhook denied the") && text.contains(" request "), "{text}");
    m.attention.selected = 4;
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("P Rollout promote"), "{text}");
}

#[test]
fn environment_columns_scroll_sideways_when_they_do_not_fit() {
    let mut m = fixture_model();
    m.selected_col = 0;
    let text = screen_text(&m, &ui(), 40, 15);
    let title = text.lines().nth(1).unwrap();
    assert!(title.contains("dev") && !title.contains("prod") && title.contains("›"), "{text}");
    m.selected_col = 2;
    let text = screen_text(&m, &ui(), 40, 15);
    insta::assert_snapshot!("narrow_scrolled_40x15", text);
    let title = text.lines().nth(1).unwrap();
    assert!(title.contains("prod") && title.contains("‹"), "{text}");
    // The selected cell is on screen: payment-service's prod version.
    let row = text.lines().find(|l| l.contains(">payment")).unwrap();
    assert!(row.contains("v1.1.0"), "{text}");
    // Wide enough: every column, no marks.
    let wide = screen_text(&m, &ui(), 120, 40);
    assert!(!wide.lines().nth(1).unwrap().contains('›'));
}

#[test]
fn one_confirmation_names_every_marked_target() {
    let mut m = fixture_model();
    let targets = vec![key("cart", 0), key("checkout", 1), key("payment-service", 2)];
    m.marks = targets.iter().cloned().collect();
    let mut d = dialog(DialogKind::Bulk {
        action: Action::Sync { prune: true, dry_run: false, force: false, apply_only: false },
        targets,
    });
    d.require_typed = Some("prod".into());
    m.mode = Mode::Dialog(Box::new(d));
    snap("bulk_dialog", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("Sync 3 marked deployments"), "{text}");
    assert!(text.contains("cart in dev, checkout in staging, payment-service in PROD"), "{text}");
    assert!(text.contains("type prod to confirm"), "{text}");
    m.mode = Mode::Normal;
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("• 3 marked"), "{text}");
}

fn manifests_at(tag: &str) -> crate::domain::manifest::Manifests {
    use crate::domain::manifest::{ManifestDoc, Manifests};
    let image = format!("registry.local/shop/payment-service:{tag}");
    Manifests {
        revision: tag.into(),
        docs: vec![ManifestDoc {
            kind: "Rollout".into(),
            name: "payment-service".into(),
            yaml: format!("spec:\n  replicas: 5\n  template:\n    spec:\n      containers:\n      - image: {image}\n"),
        }],
        images: vec![image],
    }
}

#[test]
fn the_history_view_shows_versions_and_diffs_two_entries() {
    let mut m = fixture_model();
    let detail = fixture::app_detail();
    let mut view =
        crate::domain::manifest::HistoryView { key: key(fixture::SELECTED_SERVICE, 2), ..Default::default() };
    for (h, tag) in detail.history.iter().zip(["v1.0.8", "v1.0.9", "v1.1.0"]) {
        view.manifests.insert(h.revision.clone(), Loadable::Ready { value: manifests_at(tag), at: m.now });
    }
    view.mark = Some(22);
    m.history = Some(view);
    m.mode = Mode::History;
    snap("history", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("v1.1.0") && text.contains("v1.0.9") && text.contains("v1.0.8"), "{text}");
    assert!(text.contains("diff 22 → 23"), "{text}");
    assert!(text.contains("- image: registry.local/shop/payment-service:v1.0.9"), "{text}");
    assert!(
        text.contains("+ image: registry.local/shop/payment-service:v1.1.0")
            || text.contains("+       - image: registry.local/shop/payment-service:v1.1.0"),
        "{text}"
    );
}

#[test]
fn the_manifest_view_shows_live_or_desired() {
    use crate::domain::manifest::{ManifestView, ResourceManifest};
    let mut m = fixture_model();
    let r = ResourceManifest {
        group: "argoproj.io".into(),
        kind: "Rollout".into(),
        namespace: "payment-service".into(),
        name: "payment-service".into(),
        live: "spec:\n  replicas: 5\n  image: v1.1.0\n".into(),
        desired: "spec:\n  replicas: 5\n  image: v1.2.0\n".into(),
    };
    m.manifest = Some(ManifestView {
        key: key(fixture::SELECTED_SERVICE, 2),
        resources: Loadable::Ready { value: vec![r], at: m.now },
        ..Default::default()
    });
    m.mode = Mode::Manifest;
    snap("manifest_live", &m);
    assert!(screen_text(&m, &ui(), 80, 24).contains("image: v1.1.0"));
    m.manifest.as_mut().unwrap().desired = true;
    assert!(screen_text(&m, &ui(), 80, 24).contains("image: v1.2.0"));
}

#[test]
fn the_pod_logs_view_shows_pods_times_and_lines() {
    use crate::domain::logs::{LogLine, LogSource, LogView};
    let mut m = fixture_model();
    let mut v = LogView {
        key: key(fixture::SELECTED_SERVICE, 2),
        source: LogSource {
            group: "argoproj.io".into(),
            kind: "Rollout".into(),
            name: "payment-service".into(),
            namespace: "payment-service".into(),
        },
        follow: true,
        containers: vec!["app".into()],
        ..Default::default()
    };
    let pods = ["payment-service-7d9f-abcde", "payment-service-7d9f-fghij"];
    v.push(
        (0..30)
            .map(|i| LogLine {
                pod: pods[i % 2].into(),
                at: Some(m.now - chrono::Duration::seconds(30 - i as i64)),
                content: if i == 29 {
                    "level=error msg=\"charge failed\" err=\"upstream timeout after 5s\" order=42".into()
                } else {
                    format!("level=info msg=\"GET /api/orders/{i}\" status=200 duration=12ms")
                },
            })
            .collect(),
    );
    m.logs = Some(v);
    m.mode = Mode::Logs;
    snap("pod_logs", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("logs · Rollout payment-service"), "{text}");
    assert!(text.contains("upstream timeout"), "the newest line shows: {text}");
    assert!(text.contains("f follow") && text.contains("c container"), "{text}");
    m.logs.as_mut().unwrap().filter.text = "error".into();
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(!text.contains("GET /api/orders"), "{text}");
}
