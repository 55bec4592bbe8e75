//! Action dialogs: open one for the selection, edit its options, and confirm it — with the
//! environment named, the service name typed in protected environments, and the policy's
//! ticket and reason when it asks for them (the decision itself is `gate.rs`).

use super::editor::edit_line;
use super::gate::{self, Hold};
use super::runlog::flash_error;
use super::{Command, Effect, Key, KeyCode};
use crate::domain::model::{Dialog, DialogKind, GateFocus, LineInput, Mode};
use crate::domain::{Action, Model};

/// What an open dialog needs read (the scale dialog: the workload's replicas and autoscaler).
pub fn load_for(model: &Model, fx: &mut Vec<Effect>) {
    if let Mode::Dialog(d) = &model.mode {
        if let DialogKind::Scale { kind, group, name, namespace, .. } = &d.kind {
            fx.push(Effect::LoadWorkload {
                key: d.target.clone(),
                group: group.clone(),
                kind: kind.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
            });
        }
    }
}

/// The workload's replicas arrived: the scale dialog shows them (and starts from them).
pub fn workload_loaded(
    model: &mut Model,
    key: &crate::domain::AppKey,
    result: Result<crate::domain::detail::WorkloadState, crate::domain::Failure>,
    at: chrono::DateTime<chrono::Utc>,
) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    if d.target != *key {
        return;
    }
    if let DialogKind::Scale { state, current, replicas, .. } = &mut d.kind {
        if let Ok(s) = &result {
            *current = s.replicas;
            if replicas.text.is_empty() {
                replicas.text = s.replicas.map(|n| n.to_string()).unwrap_or_default();
            }
        }
        state.finish(result, at);
    }
}

/// The selected app's sync policy as its detail says.
pub fn current_policy(model: &Model) -> Option<crate::domain::SyncPolicy> {
    model.detail.as_ref().and_then(|d| d.app.value()).map(crate::domain::AppDetail::sync_policy)
}

/// The revision running now: what the app is synced to.
pub fn running_revision(detail: &crate::domain::AppDetail, dep: &crate::domain::Deployment) -> String {
    if detail.sync_revision.is_empty() {
        dep.revision.clone()
    } else {
        detail.sync_revision.clone()
    }
}

/// Largest replica count the dialog accepts: a typo guard, not a policy.
const MAX_REPLICAS: u32 = 1000;

/// Open the dialog for `cmd` on the selected deployment, or say why not.
pub fn open(model: &mut Model, cmd: Command) {
    let Some(dep) = model.selected().cloned() else {
        flash_error(model, "no deployment in this cell");
        return;
    };
    let detail = model.detail.as_ref().filter(|d| d.key == dep.key).and_then(|d| d.app.value()).cloned();
    let need_detail = |model: &mut Model| flash_error(model, "still loading this app's detail — try again in a moment");
    let kind = match cmd {
        Command::Sync => DialogKind::Sync { prune: false, dry_run: false, force: false, apply_only: false },
        Command::Rollback => {
            let Some(detail) = detail else { return need_detail(model) };
            // Never preselect what already runs: the newest entry of another revision. Under
            // auto-sync the GitOps way is the default (space: break-glass, pause it and pin).
            let running = running_revision(&detail, &dep);
            let Some(selected) = detail.history.iter().rposition(|h| h.revision != running) else {
                return flash_error(model, "nothing to roll back to: every history entry is the revision running now");
            };
            DialogKind::Rollback { selected, pause_auto_sync: false }
        }
        Command::Scale => {
            let Some(detail) = detail else { return need_detail(model) };
            let Some(w) = detail.workload() else {
                return flash_error(model, "no Deployment, StatefulSet or Rollout in this app to scale");
            };
            let mut state = crate::domain::Loadable::default();
            state.start_loading();
            DialogKind::Scale {
                kind: w.kind.clone(),
                group: w.group.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
                replicas: LineInput::default(),
                current: None,
                state,
                form: Default::default(),
            }
        }
        Command::Restart => {
            let Some(detail) = detail else { return need_detail(model) };
            let Some(w) = detail.workload() else {
                return flash_error(model, "no Deployment, StatefulSet or Rollout in this app to restart");
            };
            DialogKind::Confirm(Action::Restart {
                kind: w.kind.clone(),
                group: w.group.clone(),
                name: w.name.clone(),
                namespace: w.namespace.clone(),
            })
        }
        Command::RolloutPromote | Command::RolloutAbort => {
            let Some(detail) = detail else { return need_detail(model) };
            let Some(r) = detail.rollout() else {
                return flash_error(model, "this app has no Argo Rollout");
            };
            let (name, namespace) = (r.name.clone(), r.namespace.clone());
            DialogKind::Confirm(if cmd == Command::RolloutPromote {
                Action::RolloutPromote { name, namespace }
            } else {
                Action::RolloutAbort { name, namespace }
            })
        }
        Command::SyncPolicy => {
            let Some(p) = current_policy(model) else { return need_detail(model) };
            DialogKind::SyncPolicy(p)
        }
        Command::Terminate => {
            if dep.operation.is_none_or(|p| p.is_completed()) {
                return flash_error(model, "no operation in progress to terminate");
            }
            DialogKind::Confirm(Action::Terminate)
        }
        Command::ResumeAutoSync => {
            if dep.auto_sync {
                return flash_error(model, "auto-sync is already on");
            }
            DialogKind::Confirm(Action::ResumeAutoSync)
        }
        _ => return,
    };
    let protected = model.protected_envs.contains(&dep.env);
    let has_options = !matches!(kind, DialogKind::Confirm(_));
    let gate = gate::inputs_for(model, &representative(&kind), &dep.env, dep.key.instance);
    model.mode = Mode::Dialog(Box::new(Dialog {
        kind,
        target: dep.key.clone(),
        service: dep.service.clone(),
        env: dep.env.clone(),
        require_typed: protected.then(|| dep.service.clone()),
        typed: LineInput::default(),
        error: None,
        auto_sync: dep.auto_sync,
        typing: protected && !has_options,
        gate,
    }));
}

/// A key in a dialog.
pub fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    // The promotion dialog has its own fields (diff, ticket, reason) and confirm (the policy).
    if matches!(&model.mode, Mode::Dialog(d) if matches!(d.kind, DialogKind::Promote(_))) {
        return super::promote::on_key(model, key, fx);
    }
    if matches!(&model.mode, Mode::Dialog(d) if matches!(d.kind, DialogKind::NewService(_))) {
        return super::new_service::on_key(model, key, fx);
    }
    let history_len = history_len(model);
    let owned = owner(model).is_some();
    let Mode::Dialog(d) = &mut model.mode else { return };
    d.error = None;
    if key == Key::ctrl('o') {
        return gate::toggle_override(d);
    }
    match key.code {
        KeyCode::Esc => {
            model.mode = Mode::Normal;
            return;
        }
        KeyCode::Tab | KeyCode::BackTab
            if d.require_typed.is_some() || d.gate.ticket.is_some() || d.gate.reason.is_some() =>
        {
            gate::next_focus(d, key.code == KeyCode::BackTab);
            return;
        }
        KeyCode::Enter => {
            if d.require_typed.is_some() && !d.typing && d.gate.focus == GateFocus::Options {
                d.typing = true;
                return;
            }
            return confirm(model, fx);
        }
        _ => {}
    }
    if d.typing {
        edit_line(&mut d.typed, key);
        return;
    }
    if gate::edit_input(d, key) {
        return;
    }
    match &mut d.kind {
        DialogKind::Sync { prune, dry_run, force, apply_only } => match key.code {
            KeyCode::Char('p') => *prune = !*prune,
            KeyCode::Char('d') => *dry_run = !*dry_run,
            KeyCode::Char('f') => *force = !*force,
            KeyCode::Char('a') => *apply_only = !*apply_only,
            _ => {}
        },
        DialogKind::Rollback { selected, pause_auto_sync } => match key.code {
            KeyCode::Char('j') | KeyCode::Down => *selected = (*selected + 1).min(history_len.saturating_sub(1)),
            KeyCode::Char('k') | KeyCode::Up => *selected = selected.saturating_sub(1),
            KeyCode::Char(' ') => *pause_auto_sync = !*pause_auto_sync,
            _ => {}
        },
        DialogKind::Scale { replicas, form, .. } => super::scale::on_key(replicas, form, owned, key),
        DialogKind::SyncPolicy(p) => match key.code {
            KeyCode::Char('a') => p.auto_sync = !p.auto_sync,
            KeyCode::Char('h') if p.auto_sync => p.self_heal = !p.self_heal,
            KeyCode::Char('p') if p.auto_sync => p.prune = !p.prune,
            _ => {}
        },
        DialogKind::Bulk { action: Action::Sync { prune, dry_run, force, apply_only }, .. } => match key.code {
            KeyCode::Char('p') => *prune = !*prune,
            KeyCode::Char('d') => *dry_run = !*dry_run,
            KeyCode::Char('f') => *force = !*force,
            KeyCode::Char('a') => *apply_only = !*apply_only,
            _ => {}
        },
        DialogKind::Confirm(_) | DialogKind::Promote(_) | DialogKind::Bulk { .. } | DialogKind::NewService(_) => {}
    }
}

/// What owns the selected app's replica count besides Git (an HPA, a KEDA ScaledObject).
fn owner(model: &Model) -> Option<String> {
    let detail = model.detail.as_ref().and_then(|d| d.app.value())?;
    crate::domain::scale_form::owner_of(&detail.resources)
}

fn history_len(model: &Model) -> usize {
    model.detail.as_ref().and_then(|d| d.app.value()).map_or(0, |a| a.history.len())
}

/// Validate the dialog and start the run, or leave it open with the reason.
pub fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
    let history = model.detail.as_ref().and_then(|d| d.app.value()).map(|a| a.history.clone()).unwrap_or_default();
    let running =
        model.detail.as_ref().and_then(|d| d.app.value()).zip(model.selected()).map(|(a, d)| running_revision(a, d));
    let model_policy = current_policy(model);
    let owner = owner(model);
    let Mode::Dialog(d) = &mut model.mode else { return };
    if let Some(want) = &d.require_typed {
        if d.typed.text.trim() != want {
            let what = if matches!(d.kind, DialogKind::Bulk { .. }) {
                "an action there".to_string()
            } else {
                format!("an action in {}", d.env)
            };
            d.error = Some(format!("type {want} to confirm {what}"));
            d.typing = true;
            return;
        }
    }
    if let DialogKind::Bulk { action, targets } = &d.kind {
        let (action, targets, asked) = (action.clone(), targets.clone(), gate::asked(d));
        let Mode::Dialog(d) = &model.mode else { return };
        if let Some((focus, why)) = gate::missing(model, &action, d, &asked) {
            return hold(model, Some(focus), why);
        }
        return super::bulk::confirm(model, action, targets, &asked, fx);
    }
    let action = match &d.kind {
        DialogKind::Sync { prune, dry_run, force, apply_only } => {
            Action::Sync { prune: *prune, dry_run: *dry_run, force: *force, apply_only: *apply_only }
        }
        DialogKind::Rollback { selected, pause_auto_sync } => {
            let Some(entry) = history.get(*selected) else {
                d.error = Some("pick a history entry".into());
                return;
            };
            if Some(&entry.revision) == running.as_ref() {
                d.error = Some(format!("history {} is the revision running now: pick another entry", entry.id));
                return;
            }
            if d.auto_sync && !pause_auto_sync {
                // The GitOps way: that entry's version committed back to the overlay, with
                // auto-sync left on (the promotion dialog: diff first, then the policy).
                let (id, revision) = (entry.id, entry.revision.clone());
                return super::promote::open_rollback(model, id, &revision, fx);
            }
            Action::Rollback { history_id: entry.id, pause_auto_sync: *pause_auto_sync && d.auto_sync }
        }
        DialogKind::Scale { .. } if d.auto_sync => {
            // Under auto-sync a live patch is reverted: the change goes to Git instead (the
            // promotion dialog: diff first, then the policy as a scale); the bounds when an
            // autoscaler owns the count.
            return super::scale::confirm_gitops(model, owner, MAX_REPLICAS, fx);
        }
        DialogKind::Scale { form, .. } if form.change("", None, false).is_ok_and(|c| !c.is_empty()) => {
            let why = form.change("", None, false).unwrap_or_default().refusal(&d.service, None, false);
            d.error = why.map(|(why, hint)| format!("{why}: {hint}"));
            return;
        }
        DialogKind::Scale { kind, group, name, namespace, replicas, .. } => match replicas.text.parse::<u32>() {
            Ok(n) if n <= MAX_REPLICAS => Action::Scale {
                kind: kind.clone(),
                group: group.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
                replicas: n,
            },
            _ => {
                d.error = Some(format!("replicas must be a number from 0 to {MAX_REPLICAS}"));
                d.typing = false;
                return;
            }
        },
        DialogKind::Confirm(a) => a.clone(),
        DialogKind::SyncPolicy(wanted) => {
            let now = model_policy.unwrap_or_default();
            if wanted.effective() == now {
                d.error = Some(format!("nothing to change: it is already {}", now.describe()));
                return;
            }
            Action::SetSyncPolicy(wanted.effective())
        }
        // Confirmed in `promote::on_key`, `new_service::on_key` and above, never here.
        DialogKind::Promote(_) | DialogKind::Bulk { .. } | DialogKind::NewService(_) => return,
    };
    // The policy decides: run, refuse in the dialog, or file an approval request.
    let asked = gate::asked(d);
    let Mode::Dialog(d) = &model.mode else { return };
    if let Some((focus, why)) = gate::missing(model, &action, d, &asked) {
        gate::refresh_inputs(model, &action);
        return hold(model, Some(focus), why);
    }
    let Mode::Dialog(d) = &model.mode else { return };
    let (target, service, env) = (d.target.clone(), d.service.clone(), d.env.clone());
    match gate::govern(model, target, &service, &env, action.clone(), &asked, fx) {
        Ok(()) => model.mode = Mode::Normal,
        Err(Hold::Reading) => {
            hold(model, None, Hold::Reading.text());
            if let Mode::Dialog(d) = &mut model.mode {
                d.gate.awaiting_policy = true;
            }
        }
        Err(h) => {
            gate::refresh_inputs(model, &action);
            hold(model, None, h.text());
        }
    }
}

/// `:sync --prune …`: the options of the sync dialog just opened (one or many).
pub fn preset_sync(model: &mut Model, p: bool, d: bool, f: bool, a: bool) {
    let Mode::Dialog(dialog) = &mut model.mode else { return };
    match &mut dialog.kind {
        DialogKind::Sync { prune, dry_run, force, apply_only }
        | DialogKind::Bulk { action: Action::Sync { prune, dry_run, force, apply_only }, .. } => {
            (*prune, *dry_run, *force, *apply_only) = (p, d, f, a);
        }
        _ => {}
    }
}

/// `:scale N`: the replicas of the scale dialog just opened.
pub fn preset_scale(model: &mut Model, n: u32) {
    if let Mode::Dialog(d) = &mut model.mode {
        if let DialogKind::Scale { replicas, .. } = &mut d.kind {
            replicas.text = n.to_string();
        }
    }
}

/// `:rollback ID`: the history entry of the rollback dialog just opened.
pub fn preset_rollback(model: &mut Model, id: i64) {
    let at = model.detail.as_ref().and_then(|d| d.app.value()).and_then(|a| a.history.iter().position(|h| h.id == id));
    let Mode::Dialog(d) = &mut model.mode else { return };
    if let DialogKind::Rollback { selected, .. } = &mut d.kind {
        match at {
            Some(i) => *selected = i,
            None => d.error = Some(format!("no history entry {id} — pick one with j/k")),
        }
    }
}

/// Keep the dialog open with `why`, moving the keys to `focus` when it is what is missing.
fn hold(model: &mut Model, focus: Option<GateFocus>, why: String) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    d.error = Some(why);
    if let Some(f) = focus {
        d.gate.focus = f;
        d.typing = false;
    }
}

/// The policy was read (or could not be): a dialog confirmed while waiting for it is
/// confirmed now, with the same inputs.
pub fn policy_arrived(model: &mut Model, fx: &mut Vec<Effect>) {
    super::promote::refresh_asks(model);
    let Mode::Dialog(d) = &mut model.mode else { return };
    if std::mem::take(&mut d.gate.awaiting_policy) {
        d.error = None;
        if matches!(d.kind, DialogKind::Promote(_)) {
            super::promote::confirm(model, fx);
        } else if matches!(d.kind, DialogKind::NewService(_)) {
            super::new_service::confirm(model, fx);
        } else {
            confirm(model, fx);
        }
    }
}

/// An action standing for the dialog's kind, for what the policy asks of it (the options do
/// not change which rules apply).
fn representative(kind: &DialogKind) -> Action {
    match kind {
        DialogKind::Sync { .. } => Action::Sync { prune: false, dry_run: false, force: false, apply_only: false },
        DialogKind::Rollback { .. } => Action::Rollback { history_id: 0, pause_auto_sync: false },
        DialogKind::Scale { kind, group, name, namespace, .. } => Action::Scale {
            kind: kind.clone(),
            group: group.clone(),
            name: name.clone(),
            namespace: namespace.clone(),
            replicas: 0,
        },
        DialogKind::Confirm(a) | DialogKind::Bulk { action: a, .. } => a.clone(),
        DialogKind::SyncPolicy(p) => Action::SetSyncPolicy(*p),
        DialogKind::Promote(p) => {
            Action::Promote(Box::new(crate::domain::Promotion::new("", &p.from_env, &p.to_env, p.images.clone())))
        }
        DialogKind::NewService(f) => Action::Create(Box::new(f.request())),
    }
}
