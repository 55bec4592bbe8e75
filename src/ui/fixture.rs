//! Test fixtures: a small estate (7 services × dev/staging/prod, one degraded, one out of
//! sync with a running operation, a Rollout, runs in the log) at a FIXED clock.

use chrono::{DateTime, Duration, Utc};

use crate::domain::model::DetailState;
use crate::domain::*;

use super::theme::{ColorDepth, Theme};
use super::Ui;

pub const ENVS: [&str; 3] = ["dev", "staging", "prod"];
pub const SELECTED_SERVICE: &str = "payment-service";

/// 2025-03-14 10:31:09 UTC.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_741_948_269, 0).unwrap_or_default()
}

fn ago(secs: i64) -> DateTime<Utc> {
    now() - Duration::seconds(secs)
}

pub fn key(service: &str, env_idx: usize) -> AppKey {
    AppKey { instance: env_idx, namespace: "argocd".into(), name: format!("{service}-{}", ENVS[env_idx]) }
}

pub fn ui() -> Ui {
    Ui {
        theme: Theme::load("default", ColorDepth::TrueColor).unwrap(),
        keymap: crate::config::keymap::builtin(),
        ascii: false,
    }
}

pub fn ui_no_color() -> Ui {
    Ui { theme: Theme::load("default", ColorDepth::NoColor).unwrap(), ..ui() }
}

/// (service, team, versions per env).
const SERVICES: [(&str, &str, [&str; 3]); 7] = [
    ("cart", "web", ["v2.4.0", "v2.4.0", "v2.3.1"]),
    ("checkout", "web", ["v4.0.1", "v4.0.1", "v3.9.7"]),
    ("inventory", "backend", ["v1.8.2", "v1.8.2", "v1.8.2"]),
    ("notifications", "platform", ["v0.9.0", "v0.9.0", "v0.8.5"]),
    ("payment-service", "backend", ["v1.3.0", "v1.2.0", "v1.1.0"]),
    ("search", "web", ["v3.1.0", "v3.0.2", "v3.0.2"]),
    ("user-profile", "identity", ["v5.2.0", "v5.2.0", "v5.1.9"]),
];

fn deployment(service: &str, team: &str, env_idx: usize, version: &str) -> Deployment {
    Deployment {
        key: key(service, env_idx),
        project: "shop".into(),
        service: service.into(),
        env: ENVS[env_idx].into(),
        team: Some(team.into()),
        health: Health::Healthy,
        sync: SyncStatus::Synced,
        revision: "3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e".into(),
        images: vec![format!("registry.local/shop/{service}:{version}")],
        operation: Some(OpPhase::Succeeded),
        auto_sync: env_idx < 2,
        repo_url: "https://git.example.com/shop/deploy.git".into(),
        path: format!("overlays/{}/{service}", ENVS[env_idx]),
        target_revision: "main".into(),
        dest_namespace: service.into(),
        ..Default::default()
    }
}

fn instance(env: &str) -> InstanceState {
    InstanceState {
        name: env.into(),
        url: format!("https://argocd-{env}.example.com"),
        env: Some(env.into()),
        conn: ConnState::Live,
        user: Loadable::Ready { value: UserInfo { username: "admin".into(), groups: vec![] }, at: ago(60) },
        last_update: Some(ago(2)),
        // None keeps the whole-screen snapshots independent of the credential lines, which
        // `panes::runlog` tests on their own.
        credential: None,
        stale_since: None,
        read_only: None,
        unreadable: Vec::new(),
    }
}

pub fn app_detail() -> AppDetail {
    let res = |group: &str, kind: &str, name: &str, status, health, msg: Option<&str>| ResourceStatus {
        group: group.into(),
        version: "v1".into(),
        kind: kind.into(),
        namespace: "payment-service".into(),
        name: name.into(),
        status,
        health,
        health_message: msg.map(Into::into),
    };
    AppDetail {
        health: Health::Progressing,
        health_message: None,
        sync: SyncStatus::OutOfSync,
        sync_revision: "9b1e4d7a2c9b1e4d7a2c9b1e4d7a2c9b1e4d7a2c".into(),
        auto_sync: false,
        self_heal: false,
        prune: false,
        operation: Some(OperationInfo {
            phase: Some(OpPhase::Running),
            message: "waiting for healthy state of argoproj.io/Rollout/payment-service".into(),
            revision: "9b1e4d7a2c9b1e4d7a2c9b1e4d7a2c9b1e4d7a2c".into(),
            started_at: Some(ago(7)),
            finished_at: None,
            initiated_by: "admin".into(),
        }),
        resources: vec![
            res(
                "argoproj.io",
                "Rollout",
                "payment-service",
                SyncStatus::OutOfSync,
                Some(Health::Progressing),
                Some("more replicas need to be updated"),
            ),
            res("", "Service", "payment-service", SyncStatus::Synced, Some(Health::Healthy), None),
            res("", "ConfigMap", "payment-config", SyncStatus::Synced, None, None),
        ],
        history: vec![
            HistoryEntry {
                id: 21,
                revision: "1111111aaaaaaa1111111aaaaaaa1111111aaaaa".into(),
                deployed_at: Some(ago(3 * 86_400)),
                initiated_by: "ci".into(),
                ..Default::default()
            },
            HistoryEntry {
                id: 22,
                revision: "2222222bbbbbbb2222222bbbbbbb2222222bbbbb".into(),
                deployed_at: Some(ago(86_400 + 60)),
                initiated_by: "ci".into(),
                ..Default::default()
            },
            HistoryEntry {
                id: 23,
                revision: "3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e".into(),
                deployed_at: Some(ago(2 * 3600)),
                initiated_by: "admin".into(),
                ..Default::default()
            },
        ],
        conditions: vec![],
        reconciled_at: Some(ago(5)),
    }
}

fn diffs() -> Vec<ResourceDiff> {
    vec![ResourceDiff {
        group: "argoproj.io".into(),
        kind: "Rollout".into(),
        namespace: "payment-service".into(),
        name: "payment-service".into(),
        lines: detail::diff_lines(
            "spec:\n  replicas: 5\n  template:\n    spec:\n      containers:\n      - image: registry.local/shop/payment-service:v1.1.0\n",
            "spec:\n  replicas: 5\n  template:\n    spec:\n      containers:\n      - image: registry.local/shop/payment-service:v1.2.0\n",
        ),
    }]
}

fn events() -> Vec<KubeEvent> {
    vec![
        KubeEvent {
            kind: "Normal".into(),
            reason: "OperationStarted".into(),
            message: "Initiated automated sync to '9b1e4d7'".into(),
            count: 1,
            last_seen: Some(ago(7)),
        },
        KubeEvent {
            kind: "Normal".into(),
            reason: "ResourceUpdated".into(),
            message: "Updated sync status: Synced -> OutOfSync".into(),
            count: 2,
            last_seen: Some(ago(6)),
        },
    ]
}

fn run(
    id: u64,
    service: &str,
    env_idx: usize,
    action: Action,
    started: i64,
    steps: &[(&str, StepStatus, i64)],
    outcome: RunOutcome,
) -> Run {
    let started_at = ago(started);
    let mut r = Run {
        id,
        user: "admin".into(),
        action,
        target: key(service, env_idx),
        label: format!("{service}/{}", ENVS[env_idx]),
        started_at,
        finished_at: None,
        steps: vec![],
        outcome: RunOutcome::Running,
        request: None,
    };
    for (label, status, at) in steps {
        r.step(label, StepStatus::Running, started_at);
        r.step(label, *status, started_at + Duration::milliseconds(*at));
    }
    if outcome != RunOutcome::Running {
        let end = r.steps.last().and_then(|s| s.finished_at).unwrap_or(started_at);
        r.finish(outcome, end);
    }
    r
}

pub fn runs() -> Vec<Run> {
    let sync = Action::Sync { prune: true, dry_run: false, force: false, apply_only: false };
    vec![
        run(
            1,
            "cart",
            0,
            Action::Rollback { history_id: 12, pause_auto_sync: true },
            1_200,
            &[
                ("auto-sync paused", StepStatus::Done, 400),
                ("rollback sent", StepStatus::Done, 900),
                ("healthy", StepStatus::Done, 4_200),
            ],
            RunOutcome::Succeeded,
        ),
        run(
            2,
            "checkout",
            1,
            sync.clone(),
            300,
            &[("sync sent", StepStatus::Done, 300), ("operation running", StepStatus::Failed, 9_800)],
            RunOutcome::Failed {
                message: "one or more synchronization tasks completed unsuccessfully".into(),
                hint: Some("see the events in the detail pane (enter)".into()),
            },
        ),
        {
            let mut r =
                run(3, "payment-service", 2, sync, 7, &[("sync sent", StepStatus::Done, 200)], RunOutcome::Running);
            r.step("operation running", StepStatus::Running, ago(6));
            r
        },
    ]
}

/// The normal screen: payment-service/prod selected, its detail loaded.
pub fn fixture_model() -> Model {
    let mut m = Model { now: now(), viewport: (120, 40), ..Default::default() };
    // A governed estate, as the demo is: the example policy in force.
    m.approvals.engine =
        Some("policy policy.toml and ledger refs/flightdeck/approvals of file:///srv/gitops.git".into());
    let policy = crate::domain::policy::parse(crate::domain::policy::EXAMPLE, std::path::Path::new("policy.toml"));
    m.approvals.policy = policy.map_or(approvals::PolicyState::RbacOnly, approvals::PolicyState::Ready);
    m.approvals.pending = Loadable::Ready { value: Vec::new(), at: now() };
    m.envs = ENVS.iter().map(|e| e.to_string()).collect();
    m.instances = ENVS.iter().map(|e| instance(e)).collect();
    m.protected_envs.insert("prod".into());
    for (service, team, versions) in SERVICES {
        for (i, v) in versions.iter().enumerate() {
            let d = deployment(service, team, i, v);
            m.deployments.insert(d.key.clone(), d);
        }
        m.rows.push(ServiceRow {
            service: service.into(),
            team: Some(team.into()),
            cells: (0..3).map(|i| Some(key(service, i))).collect(),
            trouble: 0,
        });
    }
    if let Some(d) = m.deployments.get_mut(&key("checkout", 1)) {
        d.health = Health::Degraded;
        d.health_message = Some("Rollout has unavailable replicas".into());
        d.operation = Some(OpPhase::Failed);
    }
    if let Some(d) = m.deployments.get_mut(&key("payment-service", 2)) {
        d.health = Health::Progressing;
        d.sync = SyncStatus::OutOfSync;
        d.operation = Some(OpPhase::Running);
    }
    // search has no prod deployment yet: an empty cell.
    m.deployments.remove(&key("search", 2));
    if let Some(r) = m.rows.iter_mut().find(|r| &*r.service == "search") {
        let mut cells = r.cells.to_vec();
        cells[2] = None;
        r.cells = cells.into();
    }
    m.selected_row = m.rows.iter().position(|r| &*r.service == SELECTED_SERVICE).unwrap_or(0);
    m.selected_col = 2;
    m.detail = Some(DetailState {
        key: key(SELECTED_SERVICE, 2),
        generation: 1,
        app: Loadable::Ready { value: app_detail(), at: ago(1) },
        events: Loadable::Ready { value: events(), at: ago(1) },
        diff: Loadable::Ready { value: diffs(), at: ago(1) },
        tree: Loadable::NotAsked,
    });
    m.runs = runs();
    m
}

/// Two pending requests: a promotion to prod asked by dave with one verified approval of two,
/// and a rollback in staging asked by the console's own user (so four-eyes refuses them).
pub fn pending_requests() -> Vec<approvals::PendingRequest> {
    use approvals::{ApprovalVote, PendingRequest};
    vec![
        PendingRequest {
            id: "req-1a2b3c4d5e".into(),
            action: "promote".into(),
            service: "payment-service".into(),
            from_env: Some("staging".into()),
            to_env: "prod".into(),
            summary: "promote payment-service staging → prod (v1.2.0)".into(),
            requester: "dave".into(),
            ticket: Some("CHG-12345".into()),
            reason: Some("fixes the refund rounding bug".into()),
            requested_at: ago(12 * 60),
            approvals: vec![ApprovalVote {
                actor: "alice".into(),
                at: ago(5 * 60),
                comment: Some("lgtm".into()),
                verified: true,
            }],
            counted: 1,
            needed: 2,
            ignored: vec![],
            diff: vec![
                "@@ apps/payment-service/overlays/prod/kustomization.yaml".into(),
                "   - name: registry.local/shop/payment-service".into(),
                "-    newTag: v1.1.0".into(),
                "+    newTag: v1.2.0".into(),
            ],
            refusal: None,
            status: "pending".into(),
            open: true,
            lane: None,
        },
        PendingRequest {
            id: "req-9f8e7d6c5b".into(),
            action: "rollback".into(),
            service: "checkout".into(),
            from_env: None,
            to_env: "staging".into(),
            summary: "rollback checkout in staging to history 41".into(),
            requester: "admin".into(),
            ticket: None,
            reason: None,
            requested_at: ago(3 * 60),
            approvals: vec![ApprovalVote { actor: "bob".into(), at: ago(60), comment: None, verified: false }],
            counted: 1,
            needed: 2,
            ignored: vec![],
            diff: vec![],
            refusal: Some("you asked for this rollback; staging needs someone else to approve it (four-eyes)".into()),
            status: "pending".into(),
            open: true,
            lane: None,
        },
    ]
}

/// The normal screen with the ledger configured and two requests waiting.
pub fn approvals_model() -> Model {
    let mut m = fixture_model();
    m.approvals.pending = Loadable::Ready { value: pending_requests(), at: ago(2) };
    m
}
