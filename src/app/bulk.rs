//! Working on many deployments at once: marks (space toggles the selected cell), and a sync or
//! refresh of every marked one behind ONE confirmation that names each target and its
//! environment (and, when any is in a protected environment, asks for that environment's name
//! to be typed); then the one governance path (`gate::govern`) per target — each runs, files a
//! request or is refused and logged on its own. A leaf of `app/` (it uses `gate`, `runlog`).

use super::gate::{self, Asked, Hold};
use super::runlog::{flash_error, flash_info};
use super::Effect;
use crate::domain::model::{Dialog, DialogKind, LineInput, Mode};
use crate::domain::{Action, AppKey, Model};

/// Space: mark or unmark the selected deployment.
pub fn toggle_mark(model: &mut Model) {
    let Some(key) = model.selected_key().cloned() else {
        return flash_error(model, "no deployment in this cell to mark");
    };
    if !model.marks.remove(&key) {
        model.marks.insert(key);
    }
}

/// The marked deployments that still exist, with their service and environment.
pub fn targets(model: &Model) -> Vec<(AppKey, String, String)> {
    model
        .marks
        .iter()
        .filter_map(|k| model.deployments.get(k).map(|d| (k.clone(), d.service.clone(), d.env.clone())))
        .collect()
}

/// Open the one confirmation for `action` on every marked deployment.
pub fn open(model: &mut Model, action: Action) {
    let targets = targets(model);
    let Some((first, service, env)) = targets.first().cloned() else {
        return flash_error(model, "nothing marked");
    };
    let mut protected: Vec<String> =
        targets.iter().filter(|(_, _, e)| model.protected_envs.contains(e)).map(|(_, _, e)| e.clone()).collect();
    protected.sort();
    protected.dedup();
    // The policy's ticket and reason: asked when it asks for them for any of the targets.
    let mut inputs = gate::inputs_for(model, &action, &env, first.instance);
    for (k, _, e) in &targets {
        let more = gate::inputs_for(model, &action, e, k.instance);
        inputs.ticket = inputs.ticket.or(more.ticket);
        inputs.reason = inputs.reason.or(more.reason);
    }
    let typed_name = (!protected.is_empty()).then(|| protected.join(","));
    let has_options = matches!(action, Action::Sync { .. });
    model.mode = Mode::Dialog(Box::new(Dialog {
        kind: DialogKind::Bulk { action, targets: targets.into_iter().map(|(k, _, _)| k).collect() },
        target: first,
        service,
        env,
        typing: typed_name.is_some() && !has_options,
        require_typed: typed_name,
        typed: LineInput::default(),
        error: None,
        auto_sync: false,
        gate: inputs,
    }));
}

/// Confirmed (the typed name already checked): every target through the governance path.
pub fn confirm(model: &mut Model, action: Action, targets: Vec<AppKey>, asked: &Asked, fx: &mut Vec<Effect>) {
    let (mut ran, mut refused) = (0, Vec::new());
    for key in targets {
        let Some(d) = model.deployments.get(&key) else { continue };
        let (service, env) = (d.service.clone(), d.env.clone());
        match gate::govern(model, key, &service, &env, action.clone(), asked, fx) {
            Ok(()) => ran += 1,
            Err(Hold::Refused(_)) => refused.push(format!("{service}/{env}")),
            Err(h @ (Hold::Reading | Hold::WhoAreYou)) => {
                // Nothing ran yet for this one, nor for the rest: keep the dialog open.
                if let Mode::Dialog(d) = &mut model.mode {
                    d.error = Some(h.text());
                    d.gate.awaiting_policy = h == Hold::Reading;
                }
                if ran > 0 {
                    flash_info(model, format!("{ran} started before the policy had to be read again"));
                }
                return;
            }
        }
    }
    model.marks.clear();
    model.mode = Mode::Normal;
    let verb = action.verb();
    if refused.is_empty() {
        flash_info(model, format!("{verb}: {ran} started (the run log follows each)"));
    } else {
        flash_error(model, format!("{verb}: {ran} started, refused for {} (see the run log)", refused.join(", ")));
    }
}
