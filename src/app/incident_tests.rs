//! Pure update tests of the incident views: the attention queue, marks and bulk actions,
//! the filter and sort, the `:` line, history and rollback, sync policy, scale, pod logs and
//! notifications. Shares the fixtures of `tests.rs`.

use super::tests::{dep, detail_ready, history, keymap, model, press, t, type_text};
use super::*;
use crate::domain::model::{DialogKind, Mode, SortMode};
use crate::domain::*;

fn change(m: &mut Model, d: Deployment) -> Vec<Effect> {
    let instance = d.key.instance;
    let msg = Msg::AppsChanged { instance, changes: vec![WatchChange::Upsert(Box::new(d))], at: t(5) };
    update(m, msg, &keymap())
}

#[test]
fn the_attention_index_follows_every_change_and_the_queue_acts_on_its_selection() {
    let mut m = model();
    assert!(m.attention.keys.is_empty(), "all healthy, nothing protected out of sync");
    let mut bad = dep(1, "bravo", "staging");
    bad.health = Health::Degraded;
    bad.health_message = Some("back-off restarting failed container".into());
    change(&mut m, bad.clone());
    assert!(m.attention.keys.contains(&bad.key));
    let mut oos = dep(2, "charlie", "prod");
    oos.sync = SyncStatus::OutOfSync;
    change(&mut m, oos.clone());
    assert!(m.attention.keys.contains(&oos.key), "out of sync in a protected environment");
    // Opening the queue looks closer at its apps.
    let fx = press(&mut m, "!");
    assert_eq!(m.mode, Mode::Attention);
    let explained: Vec<&AppKey> =
        fx.iter().filter_map(|f| if let Effect::ExplainApp { key } = f { Some(key) } else { None }).collect();
    assert_eq!(explained.len(), 2, "{fx:?}");
    // The most urgent first, and the matrix follows the selection.
    assert_eq!(m.selected_key(), Some(&bad.key));
    press(&mut m, "j");
    assert_eq!(m.selected_key(), Some(&oos.key));
    // An action key acts on the selected entry: here the sync dialog for charlie in prod.
    press(&mut m, "s");
    let Mode::Dialog(d) = &m.mode else { panic!("{:?}", m.mode) };
    assert_eq!((d.service.as_str(), d.env.as_str()), ("charlie", "prod"));
    // Healed: out of the index.
    press(&mut m, "esc");
    change(&mut m, dep(1, "bravo", "staging"));
    assert!(!m.attention.keys.contains(&bad.key));
    // A change while the queue is open is looked at again.
    press(&mut m, "!");
    let mut failed = dep(0, "alpha", "dev");
    failed.operation = Some(OpPhase::Failed);
    let fx = change(&mut m, failed.clone());
    assert!(fx.iter().any(|f| matches!(f, Effect::ExplainApp { key } if *key == failed.key)), "{fx:?}");
}

#[test]
fn marked_deployments_sync_together_behind_one_confirmation_naming_each() {
    let mut m = model();
    // alpha in dev, then move to prod and mark bravo and charlie there.
    press(&mut m, "space");
    assert_eq!(m.marks.len(), 1);
    assert_eq!(m.selected_row, 1, "marking moves down");
    press(&mut m, "l l space space");
    assert_eq!(m.marks.len(), 3);
    press(&mut m, "s");
    let Mode::Dialog(d) = &m.mode else { panic!("{:?}", m.mode) };
    let DialogKind::Bulk { targets, .. } = &d.kind else { panic!("{:?}", d.kind) };
    assert_eq!(targets.len(), 3);
    assert_eq!(d.require_typed.as_deref(), Some("prod"), "a protected environment among them");
    press(&mut m, "p");
    let fx = press(&mut m, "enter");
    assert!(fx.is_empty(), "not before prod is typed");
    type_text(&mut m, "prod");
    let fx = press(&mut m, "enter");
    let runs: Vec<(&str, &Action)> = fx
        .iter()
        .filter_map(|f| match f {
            Effect::RunAction { key, action, .. } => Some((key.name.as_str(), action)),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 3, "{fx:?}");
    assert!(runs.iter().any(|(n, _)| *n == "alpha-dev"));
    assert!(runs.iter().any(|(n, _)| *n == "charlie-prod"));
    assert!(runs.iter().all(|(_, a)| matches!(a, Action::Sync { prune: true, .. })));
    assert!(m.marks.is_empty() && m.mode == Mode::Normal);
    // Refresh of marks: one confirmation too.
    press(&mut m, "space R");
    assert!(
        matches!(&m.mode, Mode::Dialog(d) if matches!(d.kind, DialogKind::Bulk { action: Action::Refresh { .. }, .. }))
    );
    // esc clears marks, never the filter.
    press(&mut m, "esc");
    m.filter.text = "al".into();
    rows::rebuild(&mut m);
    press(&mut m, "esc");
    assert!(m.marks.is_empty());
    assert_eq!(m.filter.text, "al", "esc in the matrix keeps the filter");
}

#[test]
fn the_filter_reads_state_and_names_sort_naturally() {
    let mut m = model();
    let mut bad = dep(1, "bravo", "staging");
    bad.health = Health::Degraded;
    update(
        &mut m,
        Msg::AppsChanged { instance: 1, changes: vec![WatchChange::Upsert(Box::new(bad))], at: t(3) },
        &keymap(),
    );
    press(&mut m, "/");
    type_text(&mut m, "degraded");
    assert_eq!(m.rows.iter().map(|r| &*r.service).collect::<Vec<_>>(), ["bravo"]);
    press(&mut m, "enter");
    // Healing moves it out of a state filter (the incremental path rebuilds then).
    update(
        &mut m,
        Msg::AppsChanged {
            instance: 1,
            changes: vec![WatchChange::Upsert(Box::new(dep(1, "bravo", "staging")))],
            at: t(4),
        },
        &keymap(),
    );
    assert!(m.rows.is_empty());
    let mut m = model();
    let apps = ["svc-10", "svc-2", "svc-1"].iter().map(|s| dep(0, s, "dev")).collect();
    update(&mut m, Msg::AppsListed { instance: 0, apps, at: t(5) }, &keymap());
    let names: Vec<&str> = m.rows.iter().map(|r| &*r.service).filter(|s| s.starts_with("svc")).collect();
    assert_eq!(names, ["svc-1", "svc-2", "svc-10"]);
}

#[test]
fn command_lines_honour_their_arguments() {
    let mut m = model();
    press(&mut m, ":");
    type_text(&mut m, "sync --prune --dry-run");
    press(&mut m, "enter");
    let Mode::Dialog(d) = &m.mode else { panic!("{:?}", m.mode) };
    assert_eq!(d.kind, DialogKind::Sync { prune: true, dry_run: true, force: false, apply_only: false });
    press(&mut m, "esc :");
    type_text(&mut m, "theme light");
    let fx = press(&mut m, "enter");
    assert_eq!(fx, vec![Effect::SetTheme { name: "light".into() }]);
    press(&mut m, ":");
    type_text(&mut m, "sort staging");
    press(&mut m, "enter");
    assert_eq!(m.sort, SortMode::Version(1));
    press(&mut m, ":");
    type_text(&mut m, "ru");
    press(&mut m, "tab");
    assert_eq!(m.mode, Mode::Command(crate::domain::model::LineInput { text: "run-log ".into() }));
    press(&mut m, "enter");
    assert_eq!(m.mode, Mode::RunLog { back: 0 });
}

#[test]
fn the_rollback_dialog_never_preselects_what_runs_and_refuses_it() {
    let mut m = model();
    let mut d = history(4);
    // A rollback earlier made entry 3 deploy rev1 again: rev1 runs now.
    d.history[3].revision = "rev1".into();
    d.sync_revision = "rev1".into();
    detail_ready(&mut m, d);
    press(&mut m, "r");
    let Mode::Dialog(dlg) = &m.mode else { panic!("{:?}", m.mode) };
    assert_eq!(dlg.kind, DialogKind::Rollback { selected: 2, pause_auto_sync: false }, "rev2, not rev1 that runs");
    // Choosing the running revision is refused with the reason.
    let fx = press(&mut m, "j enter");
    assert!(fx.is_empty());
    let Mode::Dialog(dlg) = &m.mode else { panic!() };
    assert!(dlg.error.as_deref().unwrap().contains("running now"), "{:?}", dlg.error);
}

#[test]
fn the_history_view_reads_each_revision_and_rolls_back_from_there() {
    let mut m = model();
    detail_ready(&mut m, history(3));
    let fx = press(&mut m, "H");
    assert_eq!(m.mode, Mode::History);
    let revisions: Vec<&str> = fx
        .iter()
        .filter_map(|f| if let Effect::LoadManifests { revision, .. } = f { Some(revision.as_str()) } else { None })
        .collect();
    assert_eq!(revisions.len(), 3, "{fx:?}");
    // Newest first: j selects entry 1; space marks it; r opens the rollback dialog on it.
    press(&mut m, "j space");
    assert_eq!(m.history.as_ref().unwrap().mark, Some(1));
    press(&mut m, "r");
    let Mode::Dialog(dlg) = &m.mode else { panic!("{:?}", m.mode) };
    assert_eq!(dlg.kind, DialogKind::Rollback { selected: 1, pause_auto_sync: false });
}

#[test]
fn the_sync_policy_dialog_toggles_and_runs_through_the_policy() {
    let mut m = model();
    let mut d = history(2);
    d.auto_sync = true;
    detail_ready(&mut m, d);
    press(&mut m, "Y");
    let Mode::Dialog(dlg) = &m.mode else { panic!("{:?}", m.mode) };
    assert_eq!(dlg.kind, DialogKind::SyncPolicy(SyncPolicy { auto_sync: true, self_heal: false, prune: false }));
    // Unchanged: nothing to do.
    assert!(press(&mut m, "enter").is_empty());
    let fx = press(&mut m, "h p enter");
    let Some(Effect::RunAction { action, .. }) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(*action, Action::SetSyncPolicy(SyncPolicy { auto_sync: true, self_heal: true, prune: true }));
    // Auto-sync off takes self-heal and prune with it.
    press(&mut m, "Y a");
    let fx = press(&mut m, "enter");
    assert!(
        matches!(fx.first(), Some(Effect::RunAction { action: Action::SetSyncPolicy(p), .. }) if *p == SyncPolicy::default())
    );
}

#[test]
fn the_scale_dialog_reads_the_replicas_now_and_starts_from_them() {
    let mut m = model();
    detail_ready(&mut m, history(2));
    let fx = press(&mut m, "S");
    let Some(Effect::LoadWorkload { key, name, .. }) =
        fx.iter().find(|f| matches!(f, Effect::LoadWorkload { .. })).cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(name, "alpha");
    let state = crate::domain::detail::WorkloadState {
        replicas: Some(3),
        ready: Some(3),
        desired: Some(3),
        hpa: None,
        containers: vec![],
    };
    update(&mut m, Msg::WorkloadLoaded { key, result: Ok(state), at: t(3) }, &keymap());
    let Mode::Dialog(d) = &m.mode else { panic!() };
    let DialogKind::Scale { replicas, current, .. } = &d.kind else { panic!() };
    assert_eq!((replicas.text.as_str(), *current), ("3", Some(3)));
}

#[test]
fn pod_logs_follow_the_workload_and_switch_container_or_instance() {
    let mut m = model();
    detail_ready(&mut m, history(2));
    let fx = press(&mut m, "L");
    assert_eq!(m.mode, Mode::Logs);
    let Some(Effect::FollowLogs { generation, source, container: None, previous: false, .. }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    assert_eq!((source.kind.as_str(), source.name.as_str()), ("Deployment", "alpha"));
    let line = |s: &str| crate::domain::logs::LogLine { pod: "alpha-1".into(), at: None, content: s.into() };
    update(&mut m, Msg::LogsOpened { generation, containers: vec!["app".into(), "proxy".into()] }, &keymap());
    update(&mut m, Msg::LogLines { generation, lines: vec![line("started")] }, &keymap());
    assert_eq!(m.logs.as_ref().unwrap().lines.len(), 1);
    // Another container: a new stream; the old one's late lines drop.
    let fx = press(&mut m, "c");
    assert!(matches!(fx.first(), Some(Effect::FollowLogs { container: Some(c), .. }) if c == "app"), "{fx:?}");
    update(&mut m, Msg::LogLines { generation, lines: vec![line("late")] }, &keymap());
    assert!(m.logs.as_ref().unwrap().lines.is_empty());
    // Paused: what is shown stays put as lines arrive.
    let g = m.logs.as_ref().unwrap().generation;
    press(&mut m, "f");
    update(&mut m, Msg::LogLines { generation: g, lines: vec![line("a"), line("b")] }, &keymap());
    assert_eq!((m.logs.as_ref().unwrap().unseen, m.logs.as_ref().unwrap().back), (2, 2));
    // The previous instance, then leave: the stream stops.
    let fx = press(&mut m, "p");
    assert!(matches!(fx.first(), Some(Effect::FollowLogs { previous: true, .. })), "{fx:?}");
    let fx = press(&mut m, "esc");
    assert_eq!(fx, vec![Effect::StopLogs]);
    assert_eq!(m.mode, Mode::Normal);
}

fn notices(fx: &[Effect]) -> Vec<crate::domain::notify::Notice> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_watched_app_turning_degraded_notifies_with_the_cleaned_reason_once() {
    let mut m = model();
    let mut bad = dep(2, "bravo", "prod");
    bad.health = Health::Degraded;
    bad.health_message = Some("back-off\x1b]9;pwned\x07 restarting".into());
    let change = |d: &Deployment| Msg::AppsChanged {
        instance: 2,
        changes: vec![WatchChange::Upsert(Box::new(d.clone()))],
        at: t(5),
    };
    let fx = update(&mut m, change(&bad), &keymap());
    let n = notices(&fx);
    assert_eq!(n.len(), 1, "{fx:?}");
    assert_eq!(n[0].body, "bravo/prod is degraded: back-off restarting");
    // Still degraded: told once. Listed degraded from the start: the matrix shows it, no bell.
    assert!(notices(&update(&mut m, change(&bad), &keymap())).is_empty());
    let fx = update(&mut m, Msg::AppsListed { instance: 2, apps: vec![bad], at: t(6) }, &keymap());
    assert!(notices(&fx).is_empty());
}

#[test]
fn a_run_i_started_ending_notifies_with_its_outcome() {
    let mut m = model();
    let fx = press(&mut m, "s enter");
    let Some(Effect::RunAction { run_id, .. }) = fx.into_iter().find(|f| matches!(f, Effect::RunAction { .. })) else {
        panic!("no run")
    };
    let failed = RunOutcome::Failed { message: "one or more objects failed to apply".into(), hint: None };
    let fx = update(&mut m, Msg::RunFinished { run_id, outcome: failed, at: t(9) }, &keymap());
    let n = notices(&fx);
    assert_eq!(n.len(), 1, "{fx:?}");
    assert!(n[0].body.contains("failed: one or more objects failed to apply"), "{:?}", n[0]);
    assert_eq!(n[0].event, crate::domain::notify::NotifyEvent::RunEnded);
}

#[test]
fn a_failed_run_is_retried_as_a_new_entry_and_a_running_one_can_be_terminated() {
    let mut m = model();
    let fx = press(&mut m, "ctrl-r");
    assert!(fx.is_empty() && m.flash.as_ref().is_some_and(|f| f.error), "nothing failed yet");
    let fx = press(&mut m, "ctrl-t");
    assert!(fx.is_empty() && m.flash.as_ref().is_some_and(|f| f.text.contains("no run in progress")));
    let fx = press(&mut m, "R");
    let Some(Effect::RunAction { run_id, .. }) = fx.into_iter().find(|f| matches!(f, Effect::RunAction { .. })) else {
        panic!()
    };
    // While it runs, ctrl-t asks the client to terminate the workflow behind it.
    let km = keymap();
    let user = m.instances.iter().find_map(|i| i.user.value().cloned()).unwrap_or_default();
    assert_eq!(press(&mut m, "ctrl-t"), vec![Effect::TerminateRun { of: run_id, user }]);
    let failed = RunOutcome::Failed { message: "workflow failed".into(), hint: None };
    update(&mut m, Msg::RunFinished { run_id, outcome: failed, at: t(12) }, &km);
    let fx = press(&mut m, "ctrl-r");
    let retry = m.runs.last().unwrap();
    assert_eq!(fx, vec![Effect::RetryRun { run_id: retry.id, of: run_id }]);
    assert_eq!((retry.outcome.clone(), retry.label.as_str()), (RunOutcome::Running, m.runs[0].label.as_str()));
    assert_ne!(retry.id, run_id);
}
