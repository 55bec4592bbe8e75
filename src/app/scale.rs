//! The scale dialog's own keys and its GitOps confirm: `↑/↓` walk the fields (the count — or
//! an autoscaler's min/max when one owns it — then CPU/memory requests and limits), typing
//! edits the focused one; under auto-sync the confirm builds the [`ScaleChange`], checks it
//! (the same checks and refusals as `flightdeck scale`), picks the container, and opens the
//! GitOps dialog (diff first, then the policy as a scale).

use super::editor::edit_line;
use super::runlog::flash_error;
use super::{Effect, Key, KeyCode};
use crate::domain::model::{DialogKind, LineInput, Mode};
use crate::domain::scale::pick_container;
use crate::domain::scale_form::ScaleForm;
use crate::domain::Model;

/// A key in the scale dialog (the typed name and the policy's inputs are handled before).
pub fn on_key(replicas: &mut LineInput, form: &mut ScaleForm, owned: bool, key: Key) {
    let field = form.focused(owned);
    match key.code {
        KeyCode::Down => form.step(owned, false),
        KeyCode::Up => form.step(owned, true),
        KeyCode::Char(c) if !field.accepts(c) => {}
        KeyCode::Char(_) | KeyCode::Backspace => {
            let line = match form.input_mut(field) {
                Some(l) => l,
                None => replicas,
            };
            edit_line(line, key);
        }
        _ => {}
    }
}

/// Confirm under auto-sync: the change the fields ask for goes to Git, or the dialog says why
/// not. `owner` is what owns the count (an HPA or ScaledObject), `max_replicas` the typo guard.
pub fn confirm_gitops(model: &mut Model, owner: Option<String>, max_replicas: u32, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::Scale { kind, name, replicas, state, form, .. } = &d.kind else { return };
    let desired = state.value().and_then(|s| s.desired);
    let mut change = match form.change(&replicas.text, desired, owner.is_some()) {
        Ok(c) => c,
        Err(why) => return d.error = Some(why),
    };
    if change.replicas.is_some_and(|n| n > max_replicas) {
        d.error = Some(format!("replicas must be a number from 0 to {max_replicas}"));
        return;
    }
    if change.is_empty() {
        let what = if owner.is_some() { "min or max" } else { "a new count" };
        d.error = Some(format!("nothing to change: type {what}, or a CPU/memory request or limit"));
        return;
    }
    change.kind = Some(kind.clone());
    let checked =
        change.check().and_then(|()| match change.refusal(&format!("{kind} {name}"), owner.as_deref(), true) {
            Some((why, hint)) => Err(format!("{why}: {hint}")),
            None => Ok(()),
        });
    if let Err(why) = checked {
        d.error = Some(why);
        return;
    }
    if change.has_resources() {
        let containers = state.value().map(|s| s.containers.clone()).unwrap_or_default();
        match pick_container(None, &containers) {
            Ok(c) => change.container = Some(c),
            Err(why) => return d.error = Some(why),
        }
    }
    let workload = name.clone();
    if model.selected().is_none() {
        return flash_error(model, "no deployment in this cell");
    }
    super::promote::open_scale(model, workload, change, fx);
}
