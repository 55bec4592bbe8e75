//! When the update tells the user (`[notify]`): a watched deployment turns Degraded, a run
//! this console started ends, an approval this user may decide arrives. It only emits
//! `Effect::Notify`; the terminal-writing layer turns that into a bell and an OSC 9/777
//! sequence. A leaf of `app/`.

use super::Effect;
use crate::domain::approvals::PendingRequest;
use crate::domain::notify::{Notice, NotifyEvent};
use crate::domain::{Deployment, Health, Model, RunOutcome};

fn emit(model: &Model, event: NotifyEvent, body: &str, fx: &mut Vec<Effect>) {
    if model.notify.wants(event) {
        fx.push(Effect::Notify(Notice::new(event, body)));
    }
}

/// A deployment changed: tell when it turned Degraded (not when it was first listed so: the
/// matrix shows those, and a start-up must not ring for every old problem).
pub fn app_changed(model: &Model, old: Option<&Deployment>, new: &Deployment, fx: &mut Vec<Effect>) {
    let was = old.map(|d| d.health);
    if new.health != Health::Degraded || was.is_none() || was == Some(Health::Degraded) {
        return;
    }
    let why = new.health_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
    emit(model, NotifyEvent::Degraded, &format!("{}/{} is degraded{why}", new.service, new.env), fx);
}

/// A run this console started ended.
pub fn run_ended(model: &Model, text: &str, outcome: &RunOutcome, fx: &mut Vec<Effect>) {
    if !matches!(outcome, RunOutcome::Running) {
        emit(model, NotifyEvent::RunEnded, text, fx);
    }
}

/// Requests this user may decide: those not seen before notify (on the first read too: a
/// request waiting since before the console started still waits on them).
pub fn approvals_read(model: &Model, old: &[PendingRequest], new: &[PendingRequest], fx: &mut Vec<Effect>) {
    let waits = |r: &PendingRequest| r.open && r.refusal.is_none();
    let fresh: Vec<&PendingRequest> =
        new.iter().filter(|r| waits(r) && !old.iter().any(|o| o.id == r.id && waits(o))).collect();
    let body = match fresh.as_slice() {
        [] => return,
        [r] => format!("{} · asked by {}", r.summary, r.requester),
        many => format!("{} requests wait on you, the first: {}", many.len(), many[0].summary),
    };
    emit(model, NotifyEvent::Approval, &body, fx);
}
