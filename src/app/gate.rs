//! The policy gate of the console's action dialogs (sync, rollback, scale, restart, and the
//! actions the policy maps to the sync rules), pure: on confirm the policy cached with the
//! approvals decides — run as before, refuse in the dialog with the explanation, or file an
//! approval request (`Effect::RequestApproval`, the promotion's path) whose run-log entry says
//! what it needs. Ticket and reason inputs appear in the dialog when the policy asks for them.
//!
//! Which policy: with no GitOps remote at all — none in `[gitops] remote` and none the apps
//! share (where promotions and the ledger would otherwise live, see
//! `approvals::resolved_source`) — the open policy applies, as headless does; otherwise the
//! one read from that repository with the last ledger load. Not read yet, or the last read
//! failed → refuse (fail closed) rather than guess.

use super::normal::edit_line;
use super::promote::{log_steps, APPROVAL_STEP};
use super::update::start_run;
use super::{Effect, Key};
use crate::domain::model::{Dialog, DialogKind, GateFocus, GateInputs, LineInput, Mode};
use crate::domain::policy::{self, ActionKind, Decision, Policy};
use crate::domain::{Action, Loadable, Model, StepStatus, UserInfo};

/// Said while a confirm waits for the first policy read (and then confirmed by itself).
const READING: &str = "reading the policy from the GitOps repository…";

/// The policy in force for the console's actions, or why none can be applied.
pub fn policy_in_force(model: &Model) -> Result<Policy, String> {
    if super::approvals::resolved_source(model).is_none() {
        return Ok(Policy::open());
    }
    match &model.approvals.policy {
        Loadable::Ready { value, .. } => Ok(value.clone()),
        Loadable::Failed { failure, .. } => Err(format!(
            "cannot read the policy from the GitOps repository ({}); nothing is sent until it can be",
            failure.message
        )),
        _ => Err(READING.into()),
    }
}

/// The governed kind of a dialog, as [`ActionKind::of`] maps its action.
fn kind_of(kind: &DialogKind) -> Option<ActionKind> {
    match kind {
        DialogKind::Sync { .. } => Some(ActionKind::Sync),
        DialogKind::Rollback { .. } => Some(ActionKind::Rollback),
        DialogKind::Scale { .. } => Some(ActionKind::Scale),
        DialogKind::Confirm(a) => ActionKind::of(a),
        DialogKind::Promote(_) => Some(ActionKind::Promote),
    }
}

fn user_of(model: &Model, instance: usize) -> Option<UserInfo> {
    model.instances.get(instance).and_then(|i| i.user.value()).cloned()
}

/// The ticket and reason inputs a new dialog shows (none while the policy or the user is
/// unknown: confirm then says so).
pub fn inputs_for(model: &Model, kind: &DialogKind, env: &str, instance: usize) -> GateInputs {
    let (Ok(policy), Some(user)) = (policy_in_force(model), user_of(model, instance)) else {
        return GateInputs::default();
    };
    let (ticket, reason) = policy::requires(&policy, kind_of(kind), env, &user);
    GateInputs {
        ticket: ticket.then(LineInput::default),
        reason: reason.then(LineInput::default),
        focus: GateFocus::Options,
        awaiting_policy: false,
    }
}

/// Tab: options → ticket → reason → typed name → options (skipping what is not asked).
pub fn next_focus(d: &mut Dialog, back: bool) {
    #[derive(PartialEq)]
    enum At {
        Gate(GateFocus),
        Name,
    }
    let mut order = vec![At::Gate(GateFocus::Options)];
    if d.gate.ticket.is_some() {
        order.push(At::Gate(GateFocus::Ticket));
    }
    if d.gate.reason.is_some() {
        order.push(At::Gate(GateFocus::Reason));
    }
    if d.require_typed.is_some() {
        order.push(At::Name);
    }
    let now = if d.typing { At::Name } else { At::Gate(d.gate.focus) };
    let i = order.iter().position(|a| *a == now).unwrap_or(0);
    let n = order.len();
    match &order[if back { (i + n - 1) % n } else { (i + 1) % n }] {
        At::Name => d.typing = true,
        At::Gate(f) => {
            d.typing = false;
            d.gate.focus = *f;
        }
    }
}

/// A key for the ticket or reason input; false when they do not have the keys.
pub fn edit_input(d: &mut Dialog, key: Key) -> bool {
    let line = match d.gate.focus {
        GateFocus::Ticket => d.gate.ticket.as_mut(),
        GateFocus::Reason => d.gate.reason.as_mut(),
        GateFocus::Options => None,
    };
    match line {
        Some(l) if !d.typing => {
            edit_line(l, key);
            true
        }
        _ => false,
    }
}

/// The dialog was confirmed with `action`: ask the policy, then run, refuse or file.
pub fn submit(model: &mut Model, action: Action, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &model.mode else { return };
    let (target, env) = (d.target.clone(), d.env.clone());
    let label = format!("{}/{}", d.service, d.env);
    let service = d.service.clone();
    let text = |l: &Option<LineInput>| l.as_ref().map(|l| l.text.trim().to_string()).filter(|t| !t.is_empty());
    let (ticket, reason) = (text(&d.gate.ticket), text(&d.gate.reason));
    let (ask_ticket, ask_reason) = (d.gate.ticket.is_some(), d.gate.reason.is_some());
    let policy = match policy_in_force(model) {
        Ok(p) => p,
        Err(why) => {
            // Not read yet: nothing is sent now; the answer confirms it (`policy_arrived`).
            let waiting = why == READING;
            refuse(model, None, why);
            if let Mode::Dialog(d) = &mut model.mode {
                d.gate.awaiting_policy = waiting;
            }
            return;
        }
    };
    // The open policy runs everything whoever asks: no need to wait for userinfo then.
    let Some(user) = user_of(model, target.instance).or_else(|| policy.open.then(UserInfo::default)) else {
        return refuse(model, None, "still asking Argo CD who you are — try again in a moment".into());
    };
    let (need_ticket, need_reason) = policy::requires(&policy, ActionKind::of(&action), &env, &user);
    // The dialog opened before the policy was known (or it changed since): show the inputs.
    if let Mode::Dialog(d) = &mut model.mode {
        if need_ticket && !ask_ticket {
            d.gate.ticket = Some(LineInput::default());
        }
        if need_reason && !ask_reason {
            d.gate.reason = Some(LineInput::default());
        }
    }
    if need_ticket && ticket.is_none() {
        let why = format!("the policy needs a change ticket to {} in {env}", action.verb());
        return refuse(model, Some(GateFocus::Ticket), why);
    }
    if need_reason && reason.is_none() {
        let why = format!("the policy needs a reason to {} in {env}", action.verb());
        return refuse(model, Some(GateFocus::Reason), why);
    }
    let ask = policy::Ask { env: &env, ticket: ticket.as_deref(), reason: reason.as_deref() };
    let (request, decision) = policy::gate(&policy, &action, &ask, &user, model.now);
    match decision {
        Decision::Refused { reason } => refuse(model, None, reason),
        Decision::Run { ref notes } => {
            model.mode = Mode::Normal;
            start_run(model, target, label, action, fx);
            // Only worth a line when something let it through (an emergency, no policy).
            if !notes.is_empty() {
                log_steps(model, &[decision.explain()], StepStatus::Done);
            }
        }
        Decision::NeedsApproval { needed, .. } => {
            let approvers = policy::approvers(&policy, &request);
            let source = super::approvals::resolved_source(model).unwrap_or_default();
            let remote = source.remote.clone().unwrap_or_default();
            model.mode = Mode::Normal;
            // A run-log entry of its own; the client files the request instead of running
            // the action (the approver's console runs it once approved).
            start_run(model, target, label, action.clone(), fx);
            let run_id = model.next_run_id;
            fx.retain(|e| !matches!(e, Effect::RunAction { run_id: id, .. } if *id == run_id));
            log_steps(model, &[format!("{APPROVAL_STEP}: needs {needed} of {approvers}")], StepStatus::Running);
            fx.push(Effect::RequestApproval {
                run_id,
                remote,
                source,
                requester: user,
                request,
                service,
                action: Box::new(action),
            });
        }
    }
}

/// The policy was read (or could not be): a dialog confirmed while waiting for it is
/// confirmed now, with the same inputs.
pub fn policy_arrived(model: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    if std::mem::take(&mut d.gate.awaiting_policy) {
        d.error = None;
        super::dialog::confirm(model, fx);
    }
}

/// Keep the dialog open with `why`, moving the keys to `focus` when it is what is missing.
fn refuse(model: &mut Model, focus: Option<GateFocus>, why: String) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    d.error = Some(why);
    if let Some(f) = focus {
        d.gate.focus = f;
        d.typing = false;
    }
}
