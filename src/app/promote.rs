//! The promotion flow in the console, pure: `p` promotes the selected cell's environment A to
//! the next environment B (pipeline order = `model.envs`). The dialog opens at once naming
//! A → B, the service and the versions moving, while `Effect::PlanPromotion` computes the
//! exact diff; on confirm (typed name in protected environments, ticket and reason when the
//! policy asks) the one governance path decides (`gate::govern`, as for every action): run
//! now (`Action::Promote`), file an approval request, or refuse with its explanation.
//! `:deploy TAG` opens the same dialog for a tag deployed in the selected cell itself.

use chrono::{DateTime, Utc};

use super::editor::edit_line;
use super::gate::{self, Asked, Hold, APPROVAL_STEP};
use super::runlog::{current_user, flash_error};
use super::{Effect, Key, KeyCode};
use crate::domain::model::{Dialog, DialogKind, Flash, LineInput, Mode};
use crate::domain::promotion::{PromoteDialog, PromoteField, PromotionPlan};
use crate::domain::scale::ScaleChange;
use crate::domain::{Action, Deployment, Failure, Intent, Loadable, Model, Promotion, RunOutcome, StepStatus};
use crate::engine::governance;

/// Diff lines one page key moves.
const PAGE_LINES: u16 = 10;

/// `p`: open the promotion dialog for the selected cell, or say why not.
pub fn open(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(src) = model.selected().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    let col = model.selected_col;
    let Some(to_env) = model.envs.get(col + 1).cloned() else {
        return flash_error(model, format!("{} is the last environment: there is nothing to promote to", src.env));
    };
    let target_key = model.rows.get(model.selected_row).and_then(|r| r.cells.get(col + 1)).cloned().flatten();
    let Some(dst) = target_key.and_then(|k| model.deployments.get(&k)).cloned() else {
        return flash_error(model, format!("{} has no deployment in {to_env} to promote into", src.service));
    };
    if src.images.is_empty() {
        return flash_error(
            model,
            format!("{} in {} reports no image to promote (status.summary.images is empty)", src.service, src.env),
        );
    }
    let images = src.images.clone();
    open_dialog(model, &src, &dst, images, Intent::Promote, None, fx);
}

/// `:deploy TAG`: open the same dialog for deploying `tag` in the selected cell itself, the
/// GitOps way (the overlay's tag committed: diff first, then the policy, as a `deploy`).
pub fn open_deploy(model: &mut Model, tag: &str, fx: &mut Vec<Effect>) {
    let Some(dep) = model.selected().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    match crate::domain::promotion::retag(&dep.images, tag) {
        Ok(images) => open_dialog(model, &dep, &dep, images, Intent::Deploy, None, fx),
        Err(why) => flash_error(model, format!("deploy {}/{}: {why}", dep.service, dep.env)),
    }
}

/// A preview environment copied from the selected cell, owned by the console's user for
/// `ttl`: the same dialog (the preview's files as the diff), then the gate as a `preview`.
pub fn open_preview(model: &mut Model, ttl: Option<std::time::Duration>, fx: &mut Vec<Effect>) {
    let Some(dep) = model.selected().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    let owner = super::runlog::current_user(model).username;
    let salt = u64::try_from(model.now.timestamp()).unwrap_or_default() ^ model.next_run_id;
    match crate::domain::preview::request(&dep.service, &dep.env, &owner, None, ttl, None, model.now, salt) {
        Ok(intent) => open_dialog(model, &dep, &dep, Vec::new(), Intent::Preview(intent), None, fx),
        Err(why) => flash_error(model, format!("preview of {}/{}: {why}", dep.service, dep.env)),
    }
}

/// A GitOps rollback from the rollback dialog: the same dialog, writing back the version
/// history entry `history_id` ran (read from the overlay at `revision` by the plan).
pub fn open_rollback(model: &mut Model, history_id: i64, revision: &str, fx: &mut Vec<Effect>) {
    let Some(dep) = model.selected().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    open_dialog(model, &dep, &dep, Vec::new(), Intent::Rollback { history_id }, Some(revision), fx);
}

/// A GitOps scale from the scale dialog: the same dialog, writing `change` (replicas,
/// requests/limits or the autoscaler's min/max) for `workload` into the selected cell's overlay.
pub fn open_scale(model: &mut Model, workload: String, change: ScaleChange, fx: &mut Vec<Effect>) {
    let Some(dep) = model.selected().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    open_dialog(model, &dep, &dep, Vec::new(), Intent::Scale { workload, change }, None, fx);
}

/// Open the dialog writing `images` into `dst`'s overlay and ask for the plan (the diff).
fn open_dialog(
    model: &mut Model,
    src: &Deployment,
    dst: &Deployment,
    images: Vec<String>,
    intent: Intent,
    revision: Option<&str>,
    fx: &mut Vec<Effect>,
) {
    open_release(model, src, dst, images, intent, revision, Vec::new(), fx);
}

/// [`open_dialog`] for a release: `release` = the other services, promoted with `dst`'s.
#[allow(clippy::too_many_arguments)]
pub(super) fn open_release(
    model: &mut Model,
    src: &Deployment,
    dst: &Deployment,
    images: Vec<String>,
    intent: Intent,
    revision: Option<&str>,
    release: Vec<crate::domain::release::ReleasePart>,
    fx: &mut Vec<Effect>,
) {
    model.promote_plans += 1;
    let generation = model.promote_plans;
    let revision = revision.map(str::to_string);
    let (target, planned) = (dst.key.clone(), images.clone());
    let also = release.clone();
    // A promotion's versions come from A: each service's deployment there is gated on its
    // verification (an in-place change moves nothing out of another environment).
    let sources: Vec<Deployment> = match intent {
        Intent::Promote => std::iter::once(src.clone())
            .chain(release.iter().filter_map(|r| {
                model.deployments.values().find(|d| d.service == r.service && d.env == src.env).cloned()
            }))
            .collect(),
        _ => Vec::new(),
    };
    let intent_now = intent.clone();
    fx.push(Effect::PlanPromotion { generation, target, images: planned, intent: intent_now, revision, also, sources });
    let to_env = dst.env.clone();
    let protected = model.protected_envs.contains(&to_env);
    let kind = PromoteDialog {
        from_env: src.env.clone(),
        to_env: to_env.clone(),
        source: src.key.clone(),
        images,
        target_version: dst.version(),
        generation,
        plan: Loadable::Loading { stale: None },
        scroll: 0,
        focus: PromoteField::Diff,
        ticket: LineInput::default(),
        reason: LineInput::default(),
        refusal: None,
        asks: (false, false),
        intent,
        also: release,
    };
    model.mode = Mode::Dialog(Box::new(Dialog {
        kind: DialogKind::Promote(Box::new(kind)),
        target: dst.key.clone(),
        service: dst.service.clone(),
        env: to_env,
        require_typed: protected.then(|| dst.service.clone()),
        typed: LineInput::default(),
        error: None,
        auto_sync: dst.auto_sync,
        typing: false,
        gate: Default::default(),
    }));
    refresh_asks(model);
}

/// What the policy asks of this promotion: a ticket, a reason.
fn asks(model: &Model, d: &Dialog, p: &PromoteDialog) -> (bool, bool) {
    let user = model.instances.get(d.target.instance).and_then(|i| i.user.value()).cloned().unwrap_or_default();
    let (ticket, reason) =
        governance::asks(&model.approvals.policy, &promotion(d, p, &Asked::default()), &d.env, &user);
    (ticket, reason || d.gate.override_freeze)
}

/// Keep the dialog's view of what the policy asks current (it may be read after the dialog
/// opened, or an override may add a reason).
pub fn refresh_asks(model: &mut Model) {
    let Mode::Dialog(d) = &model.mode else { return };
    let DialogKind::Promote(p) = &d.kind else { return };
    let now = asks(model, d, p);
    if let Mode::Dialog(d) = &mut model.mode {
        if let DialogKind::Promote(p) = &mut d.kind {
            p.asks = now;
        }
    }
}
/// A key in the promotion dialog.
pub fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &model.mode else { return };
    let DialogKind::Promote(p) = &d.kind else { return };
    let (ticket, reason) = asks(model, d, p);
    let Mode::Dialog(d) = &mut model.mode else { return };
    if key == Key::ctrl('o') {
        gate::toggle_override(d);
        if let DialogKind::Promote(p) = &mut d.kind {
            if d.gate.override_freeze {
                p.focus = PromoteField::Reason;
            }
        }
        return refresh_asks(model);
    }
    let override_freeze = d.gate.override_freeze;
    let Dialog { kind: DialogKind::Promote(p), require_typed, typed, error, typing, .. } = &mut **d else { return };
    *error = None;
    let fields = p.fields(ticket, reason || override_freeze, require_typed.is_some());
    match key.code {
        KeyCode::Esc => {
            model.mode = Mode::Normal;
            return;
        }
        KeyCode::Enter => return confirm(model, fx),
        KeyCode::Tab | KeyCode::BackTab => {
            let at = fields.iter().position(|f| *f == p.focus).unwrap_or(0);
            let n = fields.len();
            let next = if key.code == KeyCode::Tab { (at + 1) % n } else { (at + n - 1) % n };
            p.focus = fields[next];
        }
        // Typing while the diff has the keys goes to the first field that takes text (it
        // was dropped once); j, k and g still scroll.
        KeyCode::Char(c) if p.focus == PromoteField::Diff && !key.ctrl && !key.alt && !matches!(c, 'j' | 'k' | 'g') => {
            if let Some(f) = fields.iter().copied().find(|f| *f != PromoteField::Diff) {
                p.focus = f;
                match f {
                    PromoteField::Name => _ = edit_line(typed, key),
                    PromoteField::Ticket => _ = edit_line(&mut p.ticket, key),
                    PromoteField::Reason => _ = edit_line(&mut p.reason, key),
                    PromoteField::Diff => {}
                }
            }
        }
        _ => match p.focus {
            PromoteField::Diff => {
                let max = u16::try_from(p.plan.value().map_or(0, |pl| pl.diff.len())).unwrap_or(u16::MAX);
                p.scroll = match key.code {
                    KeyCode::Char('j') | KeyCode::Down => p.scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => p.scroll.saturating_sub(1),
                    KeyCode::PageDown => p.scroll.saturating_add(PAGE_LINES),
                    KeyCode::PageUp => p.scroll.saturating_sub(PAGE_LINES),
                    KeyCode::Char('g') | KeyCode::Home => 0,
                    _ => p.scroll,
                }
                .min(max.saturating_sub(1));
            }
            PromoteField::Name => {
                edit_line(typed, key);
            }
            PromoteField::Ticket => {
                edit_line(&mut p.ticket, key);
            }
            PromoteField::Reason => {
                edit_line(&mut p.reason, key);
            }
        },
    }
    *typing = p.focus == PromoteField::Name;
    refresh_asks(model);
}

/// The promotion the dialog describes, with what the user gave.
fn promotion(d: &Dialog, p: &PromoteDialog, asked: &Asked) -> Action {
    Action::Promote(Box::new(Promotion {
        diff: p.plan.value().map(|pl| pl.diff.clone()).unwrap_or_default(),
        ticket: asked.ticket.clone(),
        reason: asked.reason.clone(),
        intent: p.intent.clone(),
        also: p.also.clone(),
        ..Promotion::new(&d.service, &p.from_env, &p.to_env, p.images.clone())
    }))
}

/// Enter: check what the dialog needs, then ask the one governance path.
pub fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &model.mode else { return };
    let DialogKind::Promote(p) = &d.kind else { return };
    let (need_ticket, need_reason) = asks(model, d, p);
    let p: PromoteDialog = (**p).clone();
    let (target, service, want, typed) =
        (d.target.clone(), d.service.clone(), d.require_typed.clone(), d.typed.text.clone());
    let plan = match &p.plan {
        Loadable::Ready { value, .. } => value.clone(),
        Loadable::Failed { failure, .. } => {
            // Nothing can be confirmed: close with the answer (nothing to do is no error).
            let text = failure.message.clone();
            let error = !text.starts_with("nothing to do");
            model.mode = Mode::Normal;
            model.flash = Some(Flash { text: format!("promote {service}: {text}"), error });
            return;
        }
        _ => return refuse(model, None, "still computing the diff — confirm once it is shown".into()),
    };
    let to = match p.intent {
        Intent::Deploy => "deploy in",
        Intent::Rollback { .. } => "roll back in",
        Intent::Scale { .. } => "scale in",
        Intent::Preview(_) => "request a preview of",
        _ => "promote to",
    };
    let given = |l: &LineInput| Some(l.text.trim().to_string()).filter(|t| !t.is_empty());
    let asked = Asked { ticket: given(&p.ticket), reason: given(&p.reason), override_freeze: d.gate.override_freeze };
    if need_ticket && asked.ticket.is_none() {
        let why = format!("the policy needs a change ticket to {to} {}", p.to_env);
        return refuse(model, Some(PromoteField::Ticket), why);
    }
    if need_reason && asked.reason.is_none() {
        let why = format!("the policy needs a reason to {to} {}", p.to_env);
        return refuse(model, Some(PromoteField::Reason), why);
    }
    if let Some(want) = want.filter(|w| typed.trim() != w) {
        return refuse(model, Some(PromoteField::Name), format!("type {want} to confirm: {to} {}", p.to_env));
    }
    let action = promotion(d, &p, &asked);
    let planned = format!("diff planned: {} changed line(s)", changed_lines(&plan));
    match gate::govern(model, target, &service, &p.to_env, action, &asked, fx) {
        Ok(()) => {
            model.mode = Mode::Normal;
            if !p.also.is_empty() {
                // The marks were the release's.
                model.marks.clear();
            }
            // The plan is the first step of what was started (a run, or a request).
            if let Some(run) = model.runs.last_mut() {
                run.steps.insert(
                    0,
                    crate::domain::Step {
                        label: planned,
                        status: StepStatus::Done,
                        started_at: model.now,
                        finished_at: Some(model.now),
                    },
                );
            }
        }
        Err(Hold::Reading) => {
            refuse(model, None, Hold::Reading.text());
            if let Mode::Dialog(d) = &mut model.mode {
                d.gate.awaiting_policy = true;
            }
        }
        Err(h) => {
            let may =
                governance::may_override_freeze(&model.approvals.policy, &p.to_env, &current_user(model), model.now);
            if let Mode::Dialog(d) = &mut model.mode {
                d.gate.may_override = may;
                if let DialogKind::Promote(p) = &mut d.kind {
                    p.refusal = Some(h.text());
                }
            }
            refuse(model, None, h.text());
        }
    }
}

/// Keep the dialog open with `why`, moving the keys to `field` when it is what is missing.
fn refuse(model: &mut Model, field: Option<PromoteField>, why: String) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    d.error = Some(why);
    if let (Some(f), DialogKind::Promote(p)) = (field, &mut d.kind) {
        p.focus = f;
        d.typing = f == PromoteField::Name;
    }
}

/// Changed lines (added or removed) of a plan's diff.
fn changed_lines(plan: &PromotionPlan) -> usize {
    use crate::domain::DiffLine;
    plan.diff.iter().filter(|l| matches!(l, DiffLine::Added(_) | DiffLine::Removed(_))).count()
}

/// The plan (or the refusal) arrived; a late answer to an earlier dialog is dropped.
pub fn on_planned(model: &mut Model, generation: u64, result: Result<Box<PromotionPlan>, Failure>, at: DateTime<Utc>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::Promote(p) = &mut d.kind else { return };
    if p.generation != generation {
        return;
    }
    // A rollback's images are known once the plan read them from Git.
    if let Ok(plan) = &result {
        if !plan.images.is_empty() {
            p.images.clone_from(&plan.images);
        }
    }
    p.plan.finish(result.map(|b| *b), at);
}

/// The approval request was filed (or not): finish its run-log entry and say so.
pub fn on_approval_requested(model: &mut Model, run_id: u64, result: Result<String, Failure>, at: DateTime<Utc>) {
    let Some(run) = model.runs.iter_mut().find(|r| r.id == run_id) else { return };
    let waiting = run.steps.iter().rev().find(|s| s.label.starts_with(APPROVAL_STEP)).map(|s| s.label.clone());
    // Promotions and every other held action (`app::gate`) come back here.
    let (label, verb) = (run.label.clone(), run.action.verb());
    match result {
        Ok(id) => {
            if let Some(w) = &waiting {
                run.step(w, StepStatus::Done, at);
            }
            run.request = Some(id.clone());
            run.step(&format!("request {id} filed"), StepStatus::Done, at);
            run.finish(RunOutcome::Succeeded, at);
            let what = waiting.as_deref().and_then(|w| w.split_once(": ")).map_or("", |(_, n)| n);
            model.flash =
                Some(Flash { text: format!("{verb} {label}: approval request {id} filed ({what})"), error: false });
        }
        Err(f) => {
            if let Some(w) = &waiting {
                run.step(w, StepStatus::Failed, at);
            }
            let text = format!("{verb} {label}: could not file the approval request: {}", f.message);
            run.finish(RunOutcome::Failed { message: f.message, hint: f.hint }, at);
            model.flash = Some(Flash { text, error: true });
        }
    }
}

#[cfg(test)]
#[path = "promote_tests.rs"]
mod tests;
