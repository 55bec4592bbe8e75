//! The promotion flow in the console, pure: `p` promotes the selected cell's environment A to
//! the next environment B (pipeline order = `model.envs`). The dialog opens at once naming
//! A → B, the service and the versions moving, while `Effect::PlanPromotion` computes the
//! exact diff; on confirm (typed name in protected environments, ticket and reason when the
//! policy asks) the policy read with the plan decides: run now (`Action::Promote`), file an
//! approval request (`Effect::RequestApproval`), or refuse with its explanation.

use chrono::{DateTime, Utc};

use super::normal::{edit_line, flash_error};
use super::update::start_run;
use super::{Effect, Key, KeyCode};
use crate::domain::model::{Dialog, DialogKind, Flash, LineInput, Mode};
use crate::domain::policy::{self, ActionKind, Decision};
use crate::domain::promotion::{PromoteDialog, PromoteField, PromotionPlan};
use crate::domain::{Action, Failure, Loadable, Model, Promotion, RunOutcome, StepStatus};

/// The run-log step of a promotion waiting for approvals (its label starts so).
pub(super) const APPROVAL_STEP: &str = "approval requested";
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
    model.promote_plans += 1;
    let generation = model.promote_plans;
    let source = model.approvals.source.clone().unwrap_or_default();
    fx.push(Effect::PlanPromotion { generation, target: dst.key.clone(), images: src.images.clone(), source });
    let protected = model.protected_envs.contains(&to_env);
    let kind = PromoteDialog {
        from_env: src.env.clone(),
        to_env: to_env.clone(),
        source: src.key.clone(),
        images: src.images.clone(),
        target_version: dst.version(),
        generation,
        plan: Loadable::Loading { stale: None },
        scroll: 0,
        focus: PromoteField::Diff,
        ticket: LineInput::default(),
        reason: LineInput::default(),
        refusal: None,
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
}

/// A key in the promotion dialog.
pub fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let Dialog { kind: DialogKind::Promote(p), require_typed, typed, error, typing, .. } = &mut **d else { return };
    *error = None;
    let fields = p.fields(require_typed.is_some());
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
}

/// Enter: check what the dialog needs, then ask the policy.
fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &model.mode else { return };
    let DialogKind::Promote(p) = &d.kind else { return };
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
    let (need_ticket, need_reason) = plan.requires(&p.to_env);
    let ticket = Some(p.ticket.text.trim().to_string()).filter(|t| !t.is_empty());
    let reason = Some(p.reason.text.trim().to_string()).filter(|t| !t.is_empty());
    if need_ticket && ticket.is_none() {
        let why = format!("the policy needs a change ticket to promote to {}", p.to_env);
        return refuse(model, Some(PromoteField::Ticket), why);
    }
    if need_reason && reason.is_none() {
        return refuse(
            model,
            Some(PromoteField::Reason),
            format!("the policy needs a reason to promote to {}", p.to_env),
        );
    }
    if let Some(want) = want.filter(|w| typed.trim() != w) {
        return refuse(model, Some(PromoteField::Name), format!("type {want} to confirm a promotion to {}", p.to_env));
    }
    let Some(user) = model.instances.get(target.instance).and_then(|i| i.user.value()).cloned() else {
        return refuse(model, None, "still asking Argo CD who you are — try again in a moment".into());
    };
    let mut req = policy::Request::new(ActionKind::Promote, &p.to_env);
    req.ticket = ticket.clone();
    req.reason = reason.clone();
    let decision = policy::decide(&plan.policy, &req, &user, model.now);
    let promotion = Promotion {
        service: service.clone(),
        from_env: p.from_env.clone(),
        to_env: p.to_env.clone(),
        images: p.images.clone(),
        diff: plan.diff.clone(),
        ticket,
        reason,
        request_id: None,
        approved_by: Vec::new(),
        requested_by: None,
    };
    let label = format!("{service}/{}", p.to_env);
    let planned = format!("diff planned: {} changed line(s)", changed_lines(&plan));
    match decision {
        Decision::Refused { reason } => {
            if let Mode::Dialog(d) = &mut model.mode {
                if let DialogKind::Promote(p) = &mut d.kind {
                    p.refusal = Some(reason.clone());
                }
            }
            refuse(model, None, reason);
        }
        Decision::Run { .. } => {
            model.mode = Mode::Normal;
            start_run(model, target, label, Action::Promote(Box::new(promotion)), fx);
            log_steps(model, &[planned, decision.explain()], StepStatus::Done);
        }
        Decision::NeedsApproval { needed, .. } => {
            let approvers = plan
                .policy
                .env(&req.env)
                .and_then(|e| e.rules(ActionKind::Promote))
                .map_or_else(|| "the approvers".to_string(), |r| policy::describe(&r.approvers));
            let source = model.approvals.source.clone().unwrap_or_default();
            let remote = source.remote.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| plan.repo_url.clone());
            model.mode = Mode::Normal;
            // The request gets a run-log entry of its own; the client files it instead of
            // running the action (the approver's console runs it once approved).
            start_run(model, target, label, Action::Promote(Box::new(promotion.clone())), fx);
            let run_id = model.next_run_id;
            fx.retain(|e| !matches!(e, Effect::RunAction { run_id: id, .. } if *id == run_id));
            log_steps(model, &[planned], StepStatus::Done);
            log_steps(model, &[format!("{APPROVAL_STEP}: needs {needed} of {approvers}")], StepStatus::Running);
            fx.push(Effect::RequestApproval {
                run_id,
                remote,
                source,
                requester: user,
                request: req,
                service: promotion.service.clone(),
                action: Box::new(Action::Promote(Box::new(promotion))),
            });
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

/// Add steps to the newest run (the one just started).
pub(super) fn log_steps(model: &mut Model, labels: &[String], status: StepStatus) {
    let at = model.now;
    if let Some(run) = model.runs.last_mut() {
        for l in labels {
            run.step(l, status, at);
        }
    }
}

/// The plan (or the refusal) arrived; a late answer to an earlier dialog is dropped.
pub fn on_planned(model: &mut Model, generation: u64, result: Result<Box<PromotionPlan>, Failure>, at: DateTime<Utc>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::Promote(p) = &mut d.kind else { return };
    if p.generation != generation {
        return;
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
