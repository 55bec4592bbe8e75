//! The policy gate of every console action (sync, rollback, scale, restart, promote, and the
//! actions the policy maps to the sync rules), pure: on confirm the one governance decision
//! (`engine::governance::verdict`, which the headless commands call too) on the console's
//! policy state decides — run, refuse (the dialog says why; the run log and the trail record
//! it), or file an approval request whose run-log entry says what it needs. Ticket and reason
//! inputs appear in the dialog when the policy asks for them, and those a freeze names may
//! override it (ctrl-o) with a reason. Read-only mode is decided here too ([`read_only`]):
//! an action key, an approval key or a confirm in a read-only session says why and sends
//! nothing.

use super::editor::edit_line;
use super::runlog::{current_user, flash_error, log_refusal, log_run, log_steps, start_run, trail_target};
use super::{Effect, Key};
use crate::domain::model::{Dialog, GateFocus, GateInputs, LineInput};
use crate::domain::policy::Ask;
use crate::domain::{Action, AppKey, Failure, Model, RunContext, StepStatus, UserInfo};
use crate::engine::governance::{self, Verdict};
use crate::engine::trail::{Target, TrailEvent};

/// The run-log step of a request waiting for approvals (its label starts so).
pub const APPROVAL_STEP: &str = "approval requested";

/// What the dialog gathered beside the action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    pub ticket: Option<String>,
    pub reason: Option<String>,
    pub override_freeze: bool,
}

/// Why a confirm did not go through; the dialog stays open and says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hold {
    /// The policy refused (already in the run log and the trail).
    Refused(String),
    /// The configured policy is still being read: confirmed by itself once it is.
    Reading,
    /// Argo CD has not said who we are yet.
    WhoAreYou,
}

impl Hold {
    pub fn text(&self) -> String {
        match self {
            Self::Refused(r) => r.clone(),
            Self::Reading => governance::READING.into(),
            Self::WhoAreYou => "still asking Argo CD who you are — try again in a moment".into(),
        }
    }
}

/// Read-only mode's refusal of a write to `instance` (`None`: the ledger, which only the
/// session's read-only mode covers), the one decision every action key, approval key and
/// confirm asks; `None` when writes are allowed.
pub fn read_only(model: &Model, instance: Option<usize>, what: &str) -> Option<Failure> {
    let own = instance.and_then(|i| model.instances.get(i)).and_then(|i| i.read_only.as_ref());
    model.read_only.as_ref().or(own).map(|cause| cause.refusal(what))
}

/// Say why `what` is not done when the session or `instance` is read-only; true when refused.
pub fn refuse_read_only(model: &mut Model, instance: Option<usize>, what: &str) -> bool {
    match read_only(model, instance, what) {
        Some(f) => {
            flash_error(model, f.to_string());
            true
        }
        None => false,
    }
}

fn user_of(model: &Model, instance: usize) -> Option<UserInfo> {
    model.instances.get(instance).and_then(|i| i.user.value()).cloned()
}

/// The one path from a confirmed dialog to what happens: the verdict, then a run, a request
/// filed, or a refusal logged and recorded. `Ok` closes the dialog.
pub fn govern(
    model: &mut Model,
    target: AppKey,
    service: &str,
    env: &str,
    action: Action,
    asked: &Asked,
    fx: &mut Vec<Effect>,
) -> Result<(), Hold> {
    if let Some(f) = read_only(model, Some(target.instance), action.verb()) {
        return Err(Hold::Refused(f.to_string()));
    }
    let state = &model.approvals.policy;
    // No policy runs everything whoever asks: no need to wait for userinfo then.
    let user = match (user_of(model, target.instance), state.is_configured()) {
        (Some(u), _) => u,
        (None, false) => current_user(model),
        (None, true) => return Err(Hold::WhoAreYou),
    };
    let ask = Ask {
        env,
        ticket: asked.ticket.as_deref(),
        reason: asked.reason.as_deref(),
        override_freeze: asked.override_freeze,
    };
    let (request, verdict) = governance::verdict(state, &model.envs, &action, &ask, &user, model.now);
    let label = format!("{service}/{env}");
    let mut context =
        RunContext { ticket: request.ticket.clone(), reason: request.reason.clone(), ..RunContext::default() };
    match verdict {
        Verdict::Reading => Err(Hold::Reading),
        Verdict::Refused { reason } => {
            let t = Target { service: service.into(), env: env.into(), ..trail_target(model, &target) };
            let event = TrailEvent::refusal(model.now, &user, &action, t, &context, &reason);
            log_refusal(model, target, label, action, &reason);
            fx.push(Effect::Record(Box::new(event)));
            Err(Hold::Refused(reason))
        }
        v @ Verdict::Run { .. } => {
            let governed = model.approvals.policy.is_configured();
            if let Verdict::Run { notes } = &v {
                context.note = Some(notes.join("; ")).filter(|n| !n.is_empty());
            }
            start_run(model, target, label, action, context, fx);
            // The policy's go-ahead is a step of the run (with what let it through: an
            // emergency, an override); without a policy there is nothing to say.
            if governed {
                log_steps(model, &[v.explain()], StepStatus::Done);
            }
            Ok(())
        }
        Verdict::NeedsApproval { needed, approvers, .. } => {
            // A run-log entry of its own; the client files the request instead of running
            // the action (the approver's console runs it once approved).
            let run_id = log_run(model, target, label, action.clone());
            log_steps(model, &[format!("{APPROVAL_STEP}: needs {needed} of {approvers}")], StepStatus::Running);
            fx.push(Effect::RequestApproval {
                run_id,
                requester: user,
                request,
                service: service.to_string(),
                action: Box::new(action),
            });
            Ok(())
        }
    }
}

/// The ticket and reason inputs a new dialog shows (none while the policy or the user is
/// unknown: confirm then says so).
pub fn inputs_for(model: &Model, action: &Action, env: &str, instance: usize) -> GateInputs {
    let Some(user) = user_of(model, instance) else { return GateInputs::default() };
    let (ticket, reason) = governance::asks(&model.approvals.policy, action, env, &user);
    GateInputs {
        ticket: ticket.then(LineInput::default),
        reason: reason.then(LineInput::default),
        ..GateInputs::default()
    }
}

/// After a refusal: show the inputs the policy asks for now (it may have been read since the
/// dialog opened), and offer the freeze override to those the freeze names.
pub fn refresh_inputs(model: &mut Model, action: &Action) {
    let now = model.now;
    let Some((env, instance)) = dialog(model).map(|d| (d.env.clone(), d.target.instance)) else { return };
    let Some(user) = user_of(model, instance) else { return };
    let (ticket, reason) = governance::asks(&model.approvals.policy, action, &env, &user);
    let may_override = governance::may_override_freeze(&model.approvals.policy, &env, &user, now);
    let Some(d) = dialog_mut(model) else { return };
    if ticket && d.gate.ticket.is_none() {
        d.gate.ticket = Some(LineInput::default());
    }
    if (reason || d.gate.override_freeze) && d.gate.reason.is_none() {
        d.gate.reason = Some(LineInput::default());
    }
    d.gate.may_override = may_override;
}

/// ctrl-o: override the active freeze (for those it names), which needs a reason.
pub fn toggle_override(d: &mut Dialog) {
    if !d.gate.may_override {
        d.error = Some("no freeze you may override applies here".into());
        return;
    }
    d.gate.override_freeze = !d.gate.override_freeze;
    if d.gate.override_freeze && d.gate.reason.is_none() {
        d.gate.reason = Some(LineInput::default());
    }
    if d.gate.override_freeze {
        d.gate.focus = GateFocus::Reason;
        d.typing = false;
    }
}

fn dialog(model: &Model) -> Option<&Dialog> {
    match &model.mode {
        crate::domain::model::Mode::Dialog(d) => Some(d),
        _ => None,
    }
}

fn dialog_mut(model: &mut Model) -> Option<&mut Dialog> {
    match &mut model.mode {
        crate::domain::model::Mode::Dialog(d) => Some(d),
        _ => None,
    }
}

/// The dialog's ticket, reason and override, as given.
pub fn asked(d: &Dialog) -> Asked {
    let text = |l: &Option<LineInput>| l.as_ref().map(|l| l.text.trim().to_string()).filter(|t| !t.is_empty());
    Asked { ticket: text(&d.gate.ticket), reason: text(&d.gate.reason), override_freeze: d.gate.override_freeze }
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

/// What the policy needs that the dialog does not have yet, with the field to go to.
pub fn missing(model: &Model, action: &Action, d: &Dialog, asked: &Asked) -> Option<(GateFocus, String)> {
    let user = user_of(model, d.target.instance)?;
    let (ticket, reason) = governance::asks(&model.approvals.policy, action, &d.env, &user);
    if ticket && asked.ticket.is_none() {
        return Some((
            GateFocus::Ticket,
            format!("the policy needs a change ticket to {} in {}", action.verb(), d.env),
        ));
    }
    if (reason || asked.override_freeze) && asked.reason.is_none() {
        let why = if asked.override_freeze { "overriding the freeze" } else { "the policy" };
        return Some((GateFocus::Reason, format!("{why} needs a reason to {} in {}", action.verb(), d.env)));
    }
    None
}
