//! The needs-attention queue in the pure update: the index of apps worth watching, kept on
//! every list and change (one check per app that changed, never a scan per frame); opening
//! the queue (`!`) and asking for a closer look at the apps in it (their operation's message,
//! their Rollout); and its keys — moving selects the app in the matrix too, so every action
//! key works on it from here (a dialog opens over the queue), enter opens the detail or the
//! approval request. A leaf of `app/` (it uses only `rows`).

use super::runlog::flash_info;
use super::{rows, Command, Effect, Key, KeyCode, Keymap};
use crate::domain::attention::{self, Entry, Subject, EXPLAIN_MAX};
use crate::domain::model::Mode;
use crate::domain::{AppKey, Failure, Model};

/// Recheck whether `key` belongs in the index (after it changed or went away); while the
/// queue is open, a member is looked at again (its reason may have moved on).
pub fn note(model: &mut Model, key: &AppKey, fx: &mut Vec<Effect>) {
    let worth = model.deployments.get(key).is_some_and(|d| {
        attention::worth_watching(d, model.protected_envs.contains(&d.env), model.pinned.contains(key))
    });
    if !worth {
        model.attention.keys.remove(key);
        model.attention.explained.remove(key);
        return;
    }
    model.attention.keys.insert(key.clone());
    let explained = model.attention.explained.len();
    if model.mode == Mode::Attention && (model.attention.explained.contains_key(key) || explained < EXPLAIN_MAX) {
        explain(model, key.clone(), fx);
    }
}

/// An instance was listed again: its members are whatever its apps say now.
pub fn relist(model: &mut Model, instance: usize, fx: &mut Vec<Effect>) {
    model.attention.keys.retain(|k| k.instance != instance);
    let keys: Vec<AppKey> = model.deployments.keys().filter(|k| k.instance == instance).cloned().collect();
    for k in keys {
        note(model, &k, fx);
    }
}

fn explain(model: &mut Model, key: AppKey, fx: &mut Vec<Effect>) {
    model.attention.explained.entry(key.clone()).or_default().start_loading();
    fx.push(Effect::ExplainApp { key });
}

fn entries(model: &Model) -> Vec<Entry> {
    attention::queue(model)
}

/// `!`: open the queue (or close it), looking closer at its most urgent apps.
pub fn open(model: &mut Model, fx: &mut Vec<Effect>) {
    if model.mode == Mode::Attention {
        model.mode = Mode::Normal;
        return;
    }
    model.mode = Mode::Attention;
    model.attention.selected = 0;
    model.attention.explained.clear();
    let keys: Vec<AppKey> = entries(model)
        .into_iter()
        .filter_map(|e| match e.subject {
            Subject::App(k) => Some(k),
            Subject::Request(_) => None,
        })
        .take(EXPLAIN_MAX)
        .collect();
    // Members the list alone does not place (a running operation: stuck, or just running?).
    let more: Vec<AppKey> = model.attention.keys.iter().filter(|k| !keys.contains(k)).cloned().collect();
    for k in keys.into_iter().chain(more).take(EXPLAIN_MAX) {
        explain(model, k, fx);
    }
    follow(model);
    if entries(model).is_empty() {
        flash_info(model, "nothing needs attention now");
    }
}

/// A closer look arrived.
pub fn explained(
    model: &mut Model,
    key: AppKey,
    result: Result<attention::Explanation, Failure>,
    at: chrono::DateTime<chrono::Utc>,
) {
    if let Some(e) = model.attention.explained.get_mut(&key) {
        e.finish(result, at);
    }
}

/// Keys in the queue. Returns a command for the caller to run on the selected app (already
/// selected in the matrix), or quit/help.
pub fn on_key(model: &mut Model, key: Key, keymap: &Keymap, _fx: &mut [Effect]) -> Option<Command> {
    let list = entries(model);
    let n = list.len();
    let sel = &mut model.attention.selected;
    *sel = (*sel).min(n.saturating_sub(1));
    let cmd = keymap.lookup(key);
    match cmd {
        Some(Command::Down) => *sel = (*sel + 1).min(n.saturating_sub(1)),
        Some(Command::Up) => *sel = sel.saturating_sub(1),
        Some(Command::PageDown) => *sel = (*sel + 10).min(n.saturating_sub(1)),
        Some(Command::PageUp) => *sel = sel.saturating_sub(10),
        Some(Command::Top) => *sel = 0,
        Some(Command::Bottom) => *sel = n.saturating_sub(1),
        Some(Command::Back | Command::Attention) => model.mode = Mode::Normal,
        None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
        Some(c @ (Command::Quit | Command::Help | Command::CommandLine)) => return Some(c),
        Some(c) => {
            let entry = list.get(model.attention.selected)?;
            return match (&entry.subject, c) {
                (
                    Subject::Request(id),
                    Command::Detail | Command::Approve | Command::Reject | Command::FocusApprovals,
                ) => {
                    let at = model.approvals.pending.value().and_then(|p| p.iter().position(|r| &r.id == id));
                    model.approvals.selected = at.unwrap_or(0);
                    model.approvals.scroll = 0;
                    model.mode = Mode::Approvals;
                    None
                }
                (Subject::Request(_), _) => None,
                (Subject::App(k), c) => {
                    if !rows::select_key(model, k) {
                        return None;
                    }
                    Some(c)
                }
            };
        }
        None => {}
    }
    follow(model);
    None
}

/// Keep the matrix (and so the detail pane) on the selected entry's app.
fn follow(model: &mut Model) {
    let list = entries(model);
    if let Some(Entry { subject: Subject::App(k), .. }) = list.get(model.attention.selected) {
        rows::select_key(model, k);
    }
}
