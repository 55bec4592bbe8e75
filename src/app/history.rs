//! The history view (`H`) and the manifest view (`M`) in the pure update. History: every
//! entry of the selected app, newest first, with the version each deployed (read from its
//! revision's desired manifests as they arrive), who and when; a mark (space) picks the entry
//! the selection is diffed against (else what runs now); the rollback key opens the rollback
//! dialog on the selected entry. Manifests: each managed resource live or desired (tab).
//! A leaf of `app/`.

use super::runlog::flash_error;
use super::{Command, Effect, Key, KeyCode, Keymap};
use crate::domain::manifest::{HistoryView, ManifestView, Manifests, ResourceManifest};
use crate::domain::model::Mode;
use crate::domain::{AppKey, Failure, Model};

/// Lines the diff or a manifest scrolls by per page key.
const PAGE: u16 = 10;

/// What the caller runs after a key of these views.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Then {
    Nothing,
    Run(Command),
    /// Open the rollback dialog on this history entry.
    RollbackTo(i64),
}

/// `H`: open the history of the selected app, asking for every revision's manifests.
pub fn open(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(key) = model.selected_key().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    let Some(app) = model.detail.as_ref().filter(|d| d.key == key).and_then(|d| d.app.value()) else {
        return flash_error(model, "still loading this app's detail — try again in a moment");
    };
    let revisions: Vec<String> = app.history.iter().map(|h| h.revision.clone()).filter(|r| !r.is_empty()).collect();
    let mut view = HistoryView { key: key.clone(), ..Default::default() };
    for r in revisions {
        if view.manifests.contains_key(&r) {
            continue;
        }
        view.manifests.entry(r.clone()).or_default().start_loading();
        fx.push(Effect::LoadManifests { key: key.clone(), revision: r });
    }
    model.history = Some(view);
    model.mode = Mode::History;
}

/// A revision's manifests arrived.
pub fn manifests_loaded(
    model: &mut Model,
    key: AppKey,
    revision: String,
    result: Result<Manifests, Failure>,
    at: chrono::DateTime<chrono::Utc>,
) {
    if let Some(l) = model.history.as_mut().filter(|h| h.key == key).and_then(|h| h.manifests.get_mut(&revision)) {
        l.finish(result, at);
    }
}

fn entries(model: &Model) -> usize {
    model.detail.as_ref().and_then(|d| d.app.value()).map_or(0, |a| a.history.len())
}

/// Keys in the history view.
pub fn on_history_key(model: &mut Model, key: Key, keymap: &Keymap) -> Then {
    let n = entries(model);
    let newest_first_id = |model: &Model, i: usize| {
        model.detail.as_ref().and_then(|d| d.app.value()).and_then(|a| a.history.iter().rev().nth(i)).map(|h| h.id)
    };
    let Some(h) = model.history.as_mut() else {
        model.mode = Mode::Normal;
        return Then::Nothing;
    };
    let before = h.selected;
    match keymap.lookup(key) {
        Some(Command::Down) => h.selected = (h.selected + 1).min(n.saturating_sub(1)),
        Some(Command::Up) => h.selected = h.selected.saturating_sub(1),
        Some(Command::Top) => h.selected = 0,
        Some(Command::Bottom) => h.selected = n.saturating_sub(1),
        Some(Command::PageDown) => h.scroll = h.scroll.saturating_add(PAGE),
        Some(Command::PageUp) => h.scroll = h.scroll.saturating_sub(PAGE),
        Some(Command::Mark) => {
            let id = newest_first_id(model, before);
            let h = model.history.as_mut().map(|h| &mut h.mark);
            if let Some(mark) = h {
                *mark = if *mark == id { None } else { id };
            }
        }
        Some(Command::Rollback) => {
            return match newest_first_id(model, before) {
                Some(id) => Then::RollbackTo(id),
                None => Then::Nothing,
            }
        }
        Some(Command::Back | Command::History) => model.mode = Mode::Normal,
        None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
        Some(c @ (Command::Quit | Command::Help | Command::CommandLine)) => return Then::Run(c),
        _ => {}
    }
    if let Some(h) = model.history.as_mut().filter(|h| h.selected != before) {
        h.scroll = 0;
    }
    Then::Nothing
}

/// `M`: the selected app's managed resources, live and desired.
pub fn open_manifest(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(key) = model.selected_key().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    let mut view = ManifestView { key: key.clone(), ..Default::default() };
    view.resources.start_loading();
    model.manifest = Some(view);
    model.mode = Mode::Manifest;
    fx.push(Effect::LoadResourceManifests { key });
}

/// The managed resources arrived.
pub fn resource_manifests_loaded(
    model: &mut Model,
    key: AppKey,
    result: Result<Vec<ResourceManifest>, Failure>,
    at: chrono::DateTime<chrono::Utc>,
) {
    if let Some(v) = model.manifest.as_mut().filter(|v| v.key == key) {
        v.resources.finish(result, at);
        // The workload first: what a manifest is usually looked at for.
        if let Some(i) = v
            .resources
            .value()
            .and_then(|r| r.iter().position(|m| matches!(m.kind.as_str(), "Deployment" | "StatefulSet" | "Rollout")))
        {
            v.selected = i;
        }
    }
}

/// Keys in the manifest view: j/k another resource, tab live ⇄ desired, pages scroll.
pub fn on_manifest_key(model: &mut Model, key: Key, keymap: &Keymap) -> Then {
    let Some(v) = model.manifest.as_mut() else {
        model.mode = Mode::Normal;
        return Then::Nothing;
    };
    let n = v.resources.value().map_or(0, Vec::len);
    if key.code == KeyCode::Tab {
        v.desired = !v.desired;
        v.scroll = 0;
        return Then::Nothing;
    }
    match keymap.lookup(key) {
        Some(Command::Down) => {
            v.selected = (v.selected + 1).min(n.saturating_sub(1));
            v.scroll = 0;
        }
        Some(Command::Up) => {
            v.selected = v.selected.saturating_sub(1);
            v.scroll = 0;
        }
        Some(Command::PageDown) => v.scroll = v.scroll.saturating_add(PAGE),
        Some(Command::PageUp) => v.scroll = v.scroll.saturating_sub(PAGE),
        Some(Command::Back | Command::Manifest) => model.mode = Mode::Normal,
        None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
        Some(c @ (Command::Quit | Command::Help | Command::CommandLine)) => return Then::Run(c),
        _ => {}
    }
    Then::Nothing
}
