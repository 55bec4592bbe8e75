//! The pure update function: one `Msg` in, the `Model` changed, `Effect`s out. The top of
//! `app/`: key handling per mode lives in `normal.rs` and `dialog.rs`, matrix rows in
//! `rows.rs`, the detail's loads in `detail.rs`, the run log in `runlog.rs`; none of them
//! calls back up here.

use chrono::{DateTime, Utc};

use super::detail::{current_detail, follow_selection, reload_detail};
use super::{approvals, attention, dialog, normal, rows, Effect, Keymap, Msg, WatchChange};
use crate::domain::model::{Flash, Mode};
use crate::domain::{Action, ConnState, Model, RunOutcome, StepStatus};

/// Effects to run when the console starts: watch every instance and ask who we are.
pub fn init(model: &mut Model) -> Vec<Effect> {
    let mut fx = Vec::new();
    for (i, inst) in model.instances.iter_mut().enumerate() {
        inst.conn = ConnState::Connecting;
        inst.user.start_loading();
        fx.push(Effect::WatchInstance { instance: i });
        fx.push(Effect::LoadUser { instance: i });
    }
    approvals::ensure_loading(model, &mut fx);
    fx
}

/// Apply one message.
pub fn update(model: &mut Model, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    let mut fx = Vec::new();
    // Whether the message may change what is on screen (most do); see `Model::view_rev`.
    let mut visible = true;
    match msg {
        Msg::Key(key) => {
            model.flash = None;
            normal::on_key(model, key, keymap, &mut fx);
        }
        Msg::Resize { width, height, page_rows } => {
            model.viewport = (width, height);
            model.page_rows = page_rows;
            rows::keep_visible(model);
        }
        Msg::Tick(now) => model.now = now,
        Msg::AppsListed { instance, apps, at } => {
            model.now = model.now.max(at);
            model.deployments.retain(|k, _| k.instance != instance);
            model.deployments.reserve(apps.len());
            for d in apps {
                model.deployments.insert(d.key.clone(), d);
            }
            if let Some(inst) = model.instances.get_mut(instance) {
                inst.last_update = Some(at);
                // A fresh list is the truth as of now, whatever the stream does next.
                inst.stale_since = None;
            }
            rows::rebuild(model);
            attention::relist(model, instance, &mut fx);
        }
        Msg::AppsChanged { instance, changes, at } => {
            model.now = model.now.max(at);
            let selected = model.selected_key().cloned();
            let mut selected_changed = false;
            // Apps changing state in place patch their row; anything else rebuilds once.
            let mut rebuild = false;
            for change in changes {
                match change {
                    WatchChange::Upsert(d) => {
                        selected_changed |= selected.as_ref() == Some(&d.key);
                        if d.auto_sync {
                            // Someone turned auto-sync back on: no longer pinned.
                            model.pinned.remove(&d.key);
                        }
                        let key = d.key.clone();
                        super::notify::app_changed(model, model.deployments.get(&key), &d, &mut fx);
                        let old = model.deployments.insert(key.clone(), *d);
                        rebuild = rebuild || !rows::patch_upsert(model, &key, old.as_ref());
                        attention::note(model, &key, &mut fx);
                    }
                    WatchChange::Deleted(key) => {
                        model.pinned.remove(&key);
                        model.deployments.remove(&key);
                        attention::note(model, &key, &mut fx);
                        rebuild = true;
                    }
                }
            }
            if let Some(inst) = model.instances.get_mut(instance) {
                inst.last_update = Some(at);
            }
            if rebuild {
                rows::rebuild(model);
            }
            if selected_changed {
                // The selected app moved on: refresh its detail, keeping the old one shown.
                reload_detail(model, &mut fx);
            }
        }
        Msg::AppsUnreadable { instance, items, at } => {
            model.now = model.now.max(at);
            visible = super::runlog::note_unreadable(model, instance, items);
        }
        Msg::CredentialChanged { instance, source } => {
            if let Some(inst) = model.instances.get_mut(instance) {
                inst.credential = Some(source);
            }
        }
        Msg::ConnectionChanged { instance, state } => {
            let now = model.now;
            if let Some(inst) = model.instances.get_mut(instance) {
                // What was listed stays shown, marked stale from when the stream went down.
                let listed = inst.last_update.is_some();
                inst.stale_since = match &state {
                    ConnState::Live => None,
                    ConnState::Reconnecting { since, .. } | ConnState::Degraded { since, .. } if listed => {
                        Some(inst.stale_since.unwrap_or(*since))
                    }
                    ConnState::Failed(_) if listed => Some(inst.stale_since.unwrap_or(now)),
                    _ => inst.stale_since,
                };
                inst.conn = state;
            }
        }
        Msg::UserLoaded { instance, result, at } => {
            let knew = model.instances.iter().any(|i| i.user.value().is_some());
            if let Some(inst) = model.instances.get_mut(instance) {
                inst.user.finish(result, at);
            }
            if !knew && model.instances.iter().any(|i| i.user.value().is_some()) {
                approvals::user_known(model, &mut fx);
            }
        }
        Msg::DetailLoaded { key, generation, result, at } => {
            if let Some(d) = current_detail(model, &key, generation) {
                d.app.finish(result, at);
            }
        }
        Msg::TreeChanged { key, result, at } => {
            // One stream per selection, whatever the detail's generation (reloads keep it).
            if let Some(d) = model.detail.as_mut().filter(|d| d.key == key) {
                d.tree.finish(result, at);
            }
        }
        Msg::EventsLoaded { key, generation, result, at } => {
            if let Some(d) = current_detail(model, &key, generation) {
                d.events.finish(result, at);
            }
        }
        Msg::DiffLoaded { key, generation, result, at } => {
            if let Some(d) = current_detail(model, &key, generation) {
                d.diff.finish(result, at);
            }
        }
        Msg::RunStep { run_id, label, status, at } => {
            if let Some(run) = model.runs.iter_mut().find(|r| r.id == run_id) {
                run.step(&label, status, at);
            }
        }
        Msg::RunFinished { run_id, outcome, at } => {
            model.in_flight.remove(&run_id);
            run_finished(model, run_id, outcome, at, &mut fx);
            // What the run changed (a rollback's revision, a new history entry) shows at once.
            let target = model.runs.iter().find(|r| r.id == run_id).map(|r| r.target.clone());
            if target.is_some() && model.detail.as_ref().map(|d| &d.key) == target.as_ref() {
                reload_detail(model, &mut fx);
            }
        }
        Msg::OperatorsConnected { users } => super::quit::operators_connected(model, users),
        Msg::AppExplained { key, result, at } => attention::explained(model, key, result, at),
        Msg::WorkloadLoaded { key, result, at } => dialog::workload_loaded(model, &key, result, at),
        Msg::LogsOpened { generation, containers } => super::logs::opened(model, generation, containers),
        Msg::LogLines { generation, lines } => super::logs::lines(model, generation, lines),
        Msg::LogsEnded { generation, result } => super::logs::ended(model, generation, result),
        Msg::ManifestsLoaded { key, revision, result, at } => {
            super::history::manifests_loaded(model, key, revision, result, at)
        }
        Msg::ResourceManifestsLoaded { key, result, at } => {
            super::history::resource_manifests_loaded(model, key, result, at)
        }
        Msg::DeliveryLoaded { generation, result, at } => {
            visible = super::delivery::loaded(model, generation, result, at);
        }
        Msg::ThemeChanged { name, error } => {
            model.flash = Some(match error {
                None => Flash { text: format!("theme {name}"), error: false },
                Some(e) => Flash { text: e, error: true },
            });
        }
        Msg::Resumed => {}
        Msg::PromotionPlanned { generation, result, at } => super::promote::on_planned(model, generation, result, at),
        Msg::CreationPlanned { generation, result, at } => {
            super::new_service::on_planned(model, generation, result, at)
        }
        Msg::ApprovalRequested { run_id, result, at } => {
            super::promote::on_approval_requested(model, run_id, result, at)
        }
        Msg::PolicyLoaded { generation, state, at } => {
            // It gates confirms, and a confirm that waited for it goes ahead now. The approvals
            // poll reads it again every few seconds: the same policy again shows nothing new,
            // so it draws no frame (an idle console draws none).
            visible = false;
            if generation == model.approvals.generation {
                model.now = model.now.max(at);
                let awaited = matches!(&model.mode, Mode::Dialog(d) if d.gate.awaiting_policy);
                visible = awaited || model.approvals.policy != *state;
                model.approvals.policy = *state;
                dialog::policy_arrived(model, &mut fx);
            }
        }
        Msg::ApprovalsLoaded { generation, result, at } => {
            visible = approvals::loaded(model, generation, result, at, &mut fx);
        }
        Msg::ApprovalDecided { id, approve, result, at } => {
            model.now = model.now.max(at);
            approvals::decided(model, id, approve, result, &mut fx);
        }
        Msg::RequestWithdrawn { id, result, at } => {
            model.now = model.now.max(at);
            approvals::withdrawn(model, id, result, &mut fx);
        }
    }
    follow_selection(model, &mut fx);
    if visible {
        model.view_rev = model.view_rev.wrapping_add(1);
    }
    fx
}

/// A run ended: record it, and track the pin a paused-auto-sync rollback leaves behind.
fn run_finished(model: &mut Model, run_id: u64, outcome: RunOutcome, at: DateTime<Utc>, fx: &mut Vec<Effect>) {
    let Some(run) = model.runs.iter_mut().find(|r| r.id == run_id) else { return };
    // Any step still marked running ended with the run.
    let failed = matches!(outcome, RunOutcome::Failed { .. });
    for s in run.steps.iter_mut().filter(|s| s.status == StepStatus::Running) {
        s.status = if failed { StepStatus::Failed } else { StepStatus::Done };
        s.finished_at = Some(at);
    }
    run.finish(outcome.clone(), at);
    let key = run.target.clone();
    let auto_sync_now = model.deployments.get(&key).map(|d| d.auto_sync);
    match (&run.action, &outcome) {
        // Even a failed rollback may have paused auto-sync: pin whenever it is off now.
        (Action::Rollback { pause_auto_sync: true, .. }, _) if auto_sync_now != Some(true) => {
            model.pinned.insert(key.clone());
        }
        (Action::ResumeAutoSync, RunOutcome::Succeeded) => {
            model.pinned.remove(&key);
        }
        _ => {}
    }
    attention::note(model, &key, fx);
    let text = match &outcome {
        RunOutcome::Succeeded => format!("{} {} done", run_verb(model, run_id), label_of(model, run_id)),
        RunOutcome::Failed { message, .. } => {
            format!("{} {} failed: {message}", run_verb(model, run_id), label_of(model, run_id))
        }
        RunOutcome::Running => return,
    };
    super::notify::run_ended(model, &text, &outcome, fx);
    model.flash = Some(Flash { text, error: failed });
}

fn run_verb(model: &Model, id: u64) -> &'static str {
    model.runs.iter().find(|r| r.id == id).map(|r| r.action.verb()).unwrap_or("run")
}

fn label_of(model: &Model, id: u64) -> String {
    model.runs.iter().find(|r| r.id == id).map(|r| r.label.clone()).unwrap_or_default()
}
