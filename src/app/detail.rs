//! The detail pane's loads, pure: follow the selection (a new selection starts a new load,
//! the old value stays shown while it loads), reload the current one, and drop answers that
//! arrive for an older selection (generation). A leaf of `app/`.

use super::Effect;
use crate::domain::model::DetailState;
use crate::domain::Model;

/// The detail state, if it is still about `key` at `generation` (stale answers drop).
pub fn current_detail<'a>(
    model: &'a mut Model,
    key: &crate::domain::AppKey,
    generation: u64,
) -> Option<&'a mut DetailState> {
    model.detail.as_mut().filter(|d| d.key == *key && d.generation == generation)
}

/// Keep the detail pane on the selected deployment: a new selection starts a new load.
pub fn follow_selection(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(key) = model.selected_key().cloned() else {
        model.detail = None;
        return;
    };
    if model.detail.as_ref().is_some_and(|d| d.key == key) {
        return;
    }
    let generation = model.detail.as_ref().map_or(1, |d| d.generation + 1);
    let mut detail = DetailState { key: key.clone(), generation, ..Default::default() };
    detail.app.start_loading();
    detail.events.start_loading();
    detail.tree.start_loading();
    model.detail = Some(detail);
    fx.push(Effect::LoadDetail { key: key.clone(), generation });
    // The resources follow the app's tree stream live (newest selection wins).
    fx.push(Effect::WatchTree { key });
}

/// Reload the current detail (and the diff if one was asked for), keeping values shown.
pub fn reload_detail(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(d) = model.detail.as_mut() else { return };
    d.generation += 1;
    d.app.start_loading();
    d.events.start_loading();
    fx.push(Effect::LoadDetail { key: d.key.clone(), generation: d.generation });
    if !matches!(d.diff, crate::domain::Loadable::NotAsked) {
        d.diff.start_loading();
        fx.push(Effect::LoadDiff { key: d.key.clone(), generation: d.generation });
    }
}
