//! Pure update tests: messages in, model and effects checked. No terminal, no network.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::model::{DialogKind, InstanceState, Mode, SortMode};
use crate::domain::*;

pub(super) fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

pub(super) fn dep(instance: usize, service: &str, env: &str) -> Deployment {
    Deployment {
        key: AppKey { instance, namespace: "argocd".into(), name: format!("{service}-{env}") },
        project: "default".into(),
        service: service.into(),
        env: env.into(),
        health: Health::Healthy,
        sync: SyncStatus::Synced,
        images: vec![format!("registry.example.com/{service}:v1.0.0")],
        auto_sync: env != "prod",
        ..Default::default()
    }
}

pub(super) fn keymap() -> Keymap {
    crate::config::keymap::builtin()
}

/// Three instances (dev, staging, prod), services alpha, bravo, charlie listed everywhere.
pub(super) fn model() -> Model {
    let envs = ["dev", "staging", "prod"];
    let mut m = Model {
        now: t(0),
        envs: envs.iter().map(|s| s.to_string()).collect(),
        protected_envs: ["prod".to_string()].into_iter().collect(),
        instances: envs
            .iter()
            .map(|e| InstanceState { name: e.to_string(), env: Some(e.to_string()), ..Default::default() })
            .collect(),
        page_rows: 10,
        ..Default::default()
    };
    let km = keymap();
    for (i, e) in envs.iter().enumerate() {
        let apps = ["charlie", "alpha", "bravo"].iter().map(|s| dep(i, s, e)).collect();
        update(&mut m, Msg::AppsListed { instance: i, apps, at: t(1) }, &km);
    }
    m
}

pub(super) fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    let km = keymap();
    let mut fx = Vec::new();
    for k in keys.split_whitespace() {
        fx.extend(update(m, Msg::Key(Key::parse(k).unwrap()), &km));
    }
    fx
}

pub(super) fn type_text(m: &mut Model, text: &str) -> Vec<Effect> {
    let km = keymap();
    text.chars().flat_map(|c| update(m, Msg::Key(Key::char(c)), &km)).collect()
}

pub(super) fn detail_ready(m: &mut Model, detail: AppDetail) {
    let d = m.detail.as_ref().unwrap();
    let (key, generation) = (d.key.clone(), d.generation);
    update(m, Msg::DetailLoaded { key, generation, result: Ok(detail), at: t(2) }, &keymap());
}

#[test]
fn init_watches_every_instance_and_asks_who_we_are() {
    let mut m = model();
    let fx = init(&mut m);
    assert_eq!(fx.iter().filter(|f| matches!(f, Effect::WatchInstance { .. })).count(), 3);
    assert_eq!(fx.iter().filter(|f| matches!(f, Effect::LoadUser { .. })).count(), 3);
    assert!(m.instances.iter().all(|i| i.conn == ConnState::Connecting));
}

#[test]
fn listing_builds_sorted_rows_and_loads_detail_of_the_selection() {
    let mut m = Model { envs: vec!["dev".into()], instances: vec![InstanceState::default()], ..Default::default() };
    let fx = update(
        &mut m,
        Msg::AppsListed { instance: 0, apps: vec![dep(0, "zulu", "dev"), dep(0, "alpha", "dev")], at: t(1) },
        &keymap(),
    );
    let names: Vec<_> = m.rows.iter().map(|r| &*r.service).collect();
    assert_eq!(names, ["alpha", "zulu"]);
    let key = dep(0, "alpha", "dev").key;
    assert_eq!(fx, vec![Effect::LoadDetail { key: key.clone(), generation: 1 }, Effect::WatchTree { key }]);
    assert!(m.detail.as_ref().unwrap().app.is_loading());
}

#[test]
fn the_tree_follows_the_selection_across_reloads_and_drops_other_apps() {
    use crate::domain::{ResourceTree, TreeNode};
    let mut m = model();
    let key = m.detail.as_ref().unwrap().key.clone();
    let tree = |h: Health| ResourceTree {
        nodes: vec![TreeNode { kind: "Pod".into(), name: "p".into(), health: Some(h), ..Default::default() }],
    };
    // A reload bumps the generation; the tree of the same selection still lands.
    detail_ready(&mut m, AppDetail::default());
    update(&mut m, Msg::TreeChanged { key: key.clone(), result: Ok(tree(Health::Degraded)), at: t(6) }, &keymap());
    assert_eq!(m.detail.as_ref().unwrap().tree.value(), Some(&tree(Health::Degraded)));
    // Another app's tree (a stream not yet replaced) is ignored.
    let other = dep(0, "zulu", "dev").key;
    update(&mut m, Msg::TreeChanged { key: other, result: Ok(tree(Health::Healthy)), at: t(7) }, &keymap());
    assert_eq!(m.detail.as_ref().unwrap().tree.value(), Some(&tree(Health::Degraded)));
    // A new selection asks for its own tree.
    let fx = press(&mut m, "j");
    assert!(fx.iter().any(|f| matches!(f, Effect::WatchTree { key: k } if *k != key)));
}

#[test]
fn unknown_environments_become_new_columns() {
    let mut m = model();
    update(
        &mut m,
        Msg::AppsChanged { instance: 0, changes: vec![WatchChange::Upsert(Box::new(dep(0, "alpha", "qa")))], at: t(3) },
        &keymap(),
    );
    assert_eq!(m.envs, ["dev", "staging", "prod", "qa"]);
    assert!(m.rows[0].cells[3].is_some());
}

#[test]
fn moving_the_cursor_changes_the_detail_and_drops_stale_answers() {
    let mut m = model();
    let old = m.detail.clone().unwrap();
    let fx = press(&mut m, "j l");
    assert_eq!(m.selected().unwrap().key.name, "bravo-staging");
    assert!(fx.iter().any(|f| matches!(f, Effect::LoadDetail { key, .. } if key.name == "bravo-staging")));
    // An answer for the old selection arrives late: ignored.
    update(
        &mut m,
        Msg::DetailLoaded { key: old.key, generation: old.generation, result: Ok(AppDetail::default()), at: t(5) },
        &keymap(),
    );
    assert!(m.detail.as_ref().unwrap().app.is_loading());
}

#[test]
fn watch_changes_keep_the_cursor_on_its_service_and_reload_detail_without_blanking() {
    let mut m = model();
    press(&mut m, "j");
    detail_ready(&mut m, AppDetail { health: Health::Healthy, ..Default::default() });
    let mut degraded = dep(0, "bravo", "dev");
    degraded.health = Health::Degraded;
    update(&mut m, Msg::Key(Key::char('o')), &keymap()); // problems first
    assert_eq!(m.sort, SortMode::ProblemsFirst);
    let fx = update(
        &mut m,
        Msg::AppsChanged { instance: 0, changes: vec![WatchChange::Upsert(Box::new(degraded))], at: t(4) },
        &keymap(),
    );
    assert_eq!(m.rows[0].service, "bravo".into(), "degraded first");
    assert_eq!(m.rows[m.selected_row].service, "bravo".into(), "cursor followed its service");
    assert!(fx.iter().any(|f| matches!(f, Effect::LoadDetail { .. })));
    let d = m.detail.as_ref().unwrap();
    assert!(d.app.is_loading() && d.app.value().is_some(), "stale value stays while reloading");
    update(
        &mut m,
        Msg::AppsChanged { instance: 0, changes: vec![WatchChange::Deleted(dep(0, "bravo", "dev").key)], at: t(5) },
        &keymap(),
    );
    assert!(m.rows.iter().find(|r| &*r.service == "bravo").unwrap().cells[0].is_none());
}

#[test]
fn filter_is_live_and_escape_clears_it() {
    let mut m = model();
    press(&mut m, "/");
    type_text(&mut m, "cha");
    assert_eq!(m.rows.len(), 1);
    assert_eq!(m.rows[0].service, "charlie".into());
    press(&mut m, "enter");
    assert_eq!(m.mode, Mode::Normal);
    assert_eq!(m.rows.len(), 1, "filter kept after enter");
    press(&mut m, "/ esc");
    assert_eq!(m.rows.len(), 3);
}

#[test]
fn prod_sync_needs_the_service_name_typed_and_names_its_options() {
    let mut m = model();
    press(&mut m, "l l s");
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    assert_eq!((d.env.as_str(), d.require_typed.as_deref()), ("prod", Some("alpha")));
    press(&mut m, "p d"); // toggles while the options have the keys
    let fx = press(&mut m, "enter enter");
    assert!(fx.is_empty());
    let Mode::Dialog(d) = &m.mode else { panic!("dialog closed without the name") };
    assert!(d.error.as_deref().unwrap().contains("type alpha"));
    type_text(&mut m, "alpha");
    let fx = press(&mut m, "enter");
    assert_eq!(m.mode, Mode::Normal);
    let Some(Effect::RunAction { action, key, .. }) = fx.first() else { panic!("no run: {fx:?}") };
    assert_eq!(*action, Action::Sync { prune: true, dry_run: true, force: false, apply_only: false });
    assert_eq!(key.name, "alpha-prod");
    assert_eq!(m.runs.last().unwrap().label, "alpha/prod");
}

#[test]
fn dev_sync_confirms_with_enter_and_escape_cancels() {
    let mut m = model();
    assert!(press(&mut m, "s esc").is_empty());
    let fx = press(&mut m, "s enter");
    assert!(matches!(fx.as_slice(), [Effect::RunAction { action: Action::Sync { prune: false, .. }, .. }]));
}

pub(super) fn history(n: i64) -> AppDetail {
    AppDetail {
        history: (0..n).map(|id| HistoryEntry { id, revision: format!("rev{id}"), ..Default::default() }).collect(),
        // The newest entry is what runs.
        sync_revision: format!("rev{}", n - 1),
        resources: vec![ResourceStatus {
            group: "apps".into(),
            kind: "Deployment".into(),
            name: "alpha".into(),
            namespace: "alpha".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn rollback_under_auto_sync_pauses_first_then_pins_until_resumed() {
    let mut m = model(); // alpha/dev, auto-sync on
    detail_ready(&mut m, history(3));
    press(&mut m, "r");
    let Mode::Dialog(d) = &m.mode else { panic!() };
    assert_eq!(d.kind, DialogKind::Rollback { selected: 1, pause_auto_sync: false });
    // By default it rolls back the GitOps way: the version is read from Git.
    let fx = press(&mut m, "enter");
    let planned = fx.iter().find_map(|e| match e {
        Effect::PlanPromotion { intent, revision, .. } => Some((intent.clone(), revision.clone())),
        _ => None,
    });
    let (intent, revision) = planned.unwrap_or_else(|| panic!("the GitOps rollback is planned: {fx:?}"));
    assert_eq!(intent, crate::domain::Intent::Rollback { history_id: 1 });
    assert!(revision.is_some());
    // Back to the rollback dialog, the break-glass way this time (space: pause auto-sync).
    press(&mut m, "esc");
    press(&mut m, "r");
    let fx = press(&mut m, "space k enter");
    let Some(Effect::RunAction { run_id, action, .. }) = fx.first().cloned() else { panic!("{fx:?}") };
    assert_eq!(action, Action::Rollback { history_id: 0, pause_auto_sync: true });
    // The watch shows auto-sync off, the run ends: pinned.
    let mut paused = dep(0, "alpha", "dev");
    paused.auto_sync = false;
    update(
        &mut m,
        Msg::AppsChanged { instance: 0, changes: vec![WatchChange::Upsert(Box::new(paused))], at: t(6) },
        &keymap(),
    );
    update(&mut m, Msg::RunFinished { run_id, outcome: RunOutcome::Succeeded, at: t(7) }, &keymap());
    assert!(m.pinned.contains(&dep(0, "alpha", "dev").key));
    let fx = press(&mut m, "U enter");
    let Some(Effect::RunAction { run_id, action: Action::ResumeAutoSync, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    update(&mut m, Msg::RunFinished { run_id, outcome: RunOutcome::Succeeded, at: t(8) }, &keymap());
    assert!(m.pinned.is_empty());
}

#[test]
fn actions_needing_detail_or_state_explain_why_not() {
    let mut m = model();
    press(&mut m, "r");
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.flash.as_ref().unwrap().text.contains("loading"));
    press(&mut m, "t");
    assert!(m.flash.as_ref().unwrap().text.contains("no operation in progress"));
    detail_ready(&mut m, history(1));
    press(&mut m, "r");
    assert!(m.flash.as_ref().unwrap().text.contains("nothing to roll back to"));
    press(&mut m, "P");
    assert!(m.flash.as_ref().unwrap().text.contains("Rollout"));
}

#[test]
fn scale_takes_digits_only_and_checks_the_range() {
    let mut m = model();
    // Without auto-sync the live workload is patched (with it, see the GitOps scale below).
    let mut pinned = dep(0, "alpha", "dev");
    pinned.auto_sync = false;
    update(&mut m, Msg::AppsListed { instance: 0, apps: vec![pinned, dep(0, "bravo", "dev")], at: t(1) }, &keymap());
    detail_ready(&mut m, history(2));
    press(&mut m, "S");
    type_text(&mut m, "x9");
    let Mode::Dialog(d) = &m.mode else { panic!() };
    let DialogKind::Scale { replicas, .. } = &d.kind else { panic!() };
    assert_eq!(replicas.text, "9");
    type_text(&mut m, "999");
    assert!(press(&mut m, "enter").is_empty());
    press(&mut m, "backspace backspace");
    let fx = press(&mut m, "enter");
    assert!(matches!(&fx[..], [Effect::RunAction { action: Action::Scale { replicas: 99, .. }, .. }]));
}

#[test]
fn scale_under_auto_sync_goes_to_git() {
    let mut m = model(); // alpha/dev, auto-sync on
    detail_ready(&mut m, history(2));
    press(&mut m, "S");
    type_text(&mut m, "4");
    let fx = press(&mut m, "enter");
    let planned = fx.iter().find_map(|e| match e {
        Effect::PlanPromotion { intent, .. } => Some(intent.clone()),
        _ => None,
    });
    let Some(crate::domain::Intent::Scale { change, .. }) = planned else {
        panic!("a GitOps scale is planned: {fx:?}")
    };
    assert_eq!((change.replicas, change.kind.as_deref(), change.has_resources()), (Some(4), Some("Deployment"), false));
    assert!(matches!(&m.mode, Mode::Dialog(d) if matches!(d.kind, DialogKind::Promote(_))));
}

#[test]
fn run_steps_are_timed_and_closed_when_the_run_ends() {
    let mut m = model();
    let fx = press(&mut m, "R"); // refresh: runs at once, no dialog
    let Some(Effect::RunAction { run_id, .. }) = fx.iter().find(|f| matches!(f, Effect::RunAction { .. })).cloned()
    else {
        panic!()
    };
    let km = keymap();
    update(&mut m, Msg::RunStep { run_id, label: "refresh sent".into(), status: StepStatus::Running, at: t(10) }, &km);
    update(&mut m, Msg::RunStep { run_id, label: "refresh sent".into(), status: StepStatus::Done, at: t(11) }, &km);
    update(&mut m, Msg::RunStep { run_id, label: "compared".into(), status: StepStatus::Running, at: t(11) }, &km);
    update(
        &mut m,
        Msg::RunFinished { run_id, outcome: RunOutcome::Failed { message: "boom".into(), hint: None }, at: t(12) },
        &km,
    );
    let run = m.runs.last().unwrap();
    assert_eq!(run.steps.len(), 2);
    assert_eq!(run.steps[0].finished_at, Some(t(11)));
    assert_eq!(run.steps[1].status, StepStatus::Failed);
    assert!(m.flash.as_ref().unwrap().error);
}

#[test]
fn command_line_selects_envs_runs_commands_and_rejects_unknown_ones() {
    let mut m = model();
    press(&mut m, ":");
    type_text(&mut m, "env prod");
    press(&mut m, "enter");
    assert_eq!(m.selected_col, 2);
    press(&mut m, ":");
    type_text(&mut m, "frobnicate");
    press(&mut m, "enter");
    assert!(m.flash.as_ref().unwrap().text.contains("unknown command"));
    press(&mut m, ":");
    type_text(&mut m, "q");
    let fx = press(&mut m, "enter");
    assert!(m.quit && fx.contains(&Effect::Quit));
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut m = model();
    press(&mut m, "s");
    let fx = press(&mut m, "ctrl-c");
    assert!(m.quit && fx.contains(&Effect::Quit));
}

#[test]
fn paging_keeps_the_selection_visible() {
    let mut m = model();
    let km = keymap();
    update(&mut m, Msg::Resize { width: 80, height: 24, page_rows: 2 }, &km);
    press(&mut m, "G");
    assert_eq!((m.selected_row, m.scroll), (2, 1));
    press(&mut m, "g");
    assert_eq!((m.selected_row, m.scroll), (0, 0));
}

#[test]
fn a_dropped_stream_marks_its_instance_stale_from_when_it_dropped_until_relisted() {
    let mut m = model();
    let km = keymap();
    let conn = |state| Msg::ConnectionChanged { instance: 2, state };
    update(&mut m, conn(ConnState::Live), &km);
    assert_eq!(m.stale_since(2), None);
    let dropped = ConnState::Reconnecting { attempt: 1, error: "refused".into(), since: t(10) };
    update(&mut m, conn(dropped), &km);
    assert_eq!(m.stale_since(2), Some(t(10)));
    assert_eq!(m.stale_since(0), None, "other instances stay live");
    // Later attempts keep the first moment it dropped.
    let again = ConnState::Reconnecting { attempt: 2, error: "refused".into(), since: t(30) };
    update(&mut m, conn(again), &km);
    assert_eq!(m.stale_since(2), Some(t(10)));
    // A fresh list is the truth again.
    update(&mut m, Msg::AppsListed { instance: 2, apps: vec![dep(2, "alpha", "prod")], at: t(40) }, &km);
    assert_eq!(m.stale_since(2), None);
    // Credentials refused later: stale from then on, until live again.
    m.now = t(50);
    let failed = ConnState::Failed(Failure::new(ErrorKind::Unauthorized, "token expired"));
    update(&mut m, conn(failed), &km);
    assert_eq!(m.stale_since(2), Some(t(50)));
    update(&mut m, conn(ConnState::Live), &km);
    assert_eq!(m.stale_since(2), None);
    // A server answering only errors (5xx storm) is stale the same way.
    update(&mut m, conn(ConnState::Degraded { attempt: 1, error: "HTTP 503".into(), since: t(60) }), &km);
    assert_eq!(m.stale_since(2), Some(t(60)));
}

#[test]
fn nothing_listed_is_never_stale() {
    let mut m = Model { instances: vec![InstanceState::default()], ..Default::default() };
    let down = ConnState::Reconnecting { attempt: 1, error: "refused".into(), since: t(10) };
    update(&mut m, Msg::ConnectionChanged { instance: 0, state: down }, &keymap());
    assert_eq!(m.stale_since(0), None, "no data shown, nothing stale: the matrix says connecting");
}

#[test]
fn q_asks_while_a_run_is_in_flight_and_quits_at_once_after_it_ends() {
    let mut m = model();
    let fx = press(&mut m, "s enter");
    let Some(Effect::RunAction { run_id, .. }) = fx.first().cloned() else { panic!("{fx:?}") };
    let fx = press(&mut m, "q");
    assert!(!m.quit && fx.is_empty());
    let Mode::ConfirmQuit { reasons } = &m.mode else { panic!("{:?}", m.mode) };
    assert!(reasons[0].contains("sync alpha/dev") && reasons[0].contains("still running"), "{reasons:?}");
    // n stays; a second ctrl-c quits.
    press(&mut m, "n");
    assert_eq!(m.mode, Mode::Normal);
    press(&mut m, "ctrl-c");
    assert!(matches!(m.mode, Mode::ConfirmQuit { .. }) && !m.quit);
    let fx = press(&mut m, "ctrl-c");
    assert!(m.quit && fx.contains(&Effect::Quit));
    // Once the run ends, q quits at once.
    let mut m2 = model();
    press(&mut m2, "s enter");
    update(&mut m2, Msg::RunFinished { run_id, outcome: RunOutcome::Succeeded, at: t(9) }, &keymap());
    let fx = press(&mut m2, "q");
    assert!(m2.quit && fx.contains(&Effect::Quit));
}

#[test]
fn q_in_the_demo_asks_while_other_operators_are_connected() {
    let mut m = model();
    m.demo = Some(crate::domain::model::DemoState { me: "dave".into(), ..Default::default() });
    update(&mut m, Msg::OperatorsConnected { users: vec!["alice".into(), "dave".into()] }, &keymap());
    assert_eq!(m.demo.as_ref().unwrap().connected, ["alice"], "everyone but me");
    press(&mut m, "q");
    let Mode::ConfirmQuit { reasons } = &m.mode else { panic!("{:?}", m.mode) };
    assert!(reasons[0].contains("alice is connected"), "{reasons:?}");
    let fx = press(&mut m, "y");
    assert!(m.quit && fx.contains(&Effect::Quit));
    // Alone again: q quits at once.
    let mut m = model();
    m.demo = Some(crate::domain::model::DemoState { me: "dave".into(), ..Default::default() });
    update(&mut m, Msg::OperatorsConnected { users: vec!["dave".into()] }, &keymap());
    let fx = press(&mut m, "q");
    assert!(m.quit && fx.contains(&Effect::Quit));
}

#[test]
fn the_detail_reloads_when_a_run_on_it_ends() {
    let mut m = model();
    let fx = press(&mut m, "s enter");
    let Some(Effect::RunAction { run_id, .. }) = fx.first().cloned() else { panic!("{fx:?}") };
    let before = m.detail.as_ref().unwrap().generation;
    let fx = update(&mut m, Msg::RunFinished { run_id, outcome: RunOutcome::Succeeded, at: t(9) }, &keymap());
    assert!(
        fx.iter().any(|f| matches!(f, Effect::LoadDetail { generation, .. } if *generation == before + 1)),
        "{fx:?}"
    );
}
