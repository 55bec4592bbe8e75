//! The pod logs view in the pure update: `L` opens it on the selected app's workload and
//! follows its pods' logs through Argo CD; its keys (the keymap's `logs` context) pause and
//! follow, pick the next container, switch to the previous (terminated) instance, wrap, and
//! filter (`/`, typed in place); leaving it stops the stream. A leaf of `app/`.

use super::editor::edit_line;
use super::runlog::flash_error;
use super::{Command, Effect, Key, KeyCode, KeyContext, Keymap};
use crate::domain::logs::{LogLine, LogSource, LogView};
use crate::domain::model::Mode;
use crate::domain::{Failure, Model};

/// Lines a page key scrolls.
const PAGE: usize = 20;

/// `L`: open the logs of the selected app's workload.
pub fn open(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(key) = model.selected_key().cloned() else {
        return flash_error(model, "no deployment in this cell");
    };
    let Some(app) = model.detail.as_ref().filter(|d| d.key == key).and_then(|d| d.app.value()) else {
        return flash_error(model, "still loading this app's detail — try again in a moment");
    };
    let Some(w) = app.workload() else {
        return flash_error(model, "no Deployment, StatefulSet or Rollout with pods in this app");
    };
    let source = LogSource {
        group: w.group.clone(),
        kind: w.kind.clone(),
        name: w.name.clone(),
        namespace: w.namespace.clone(),
    };
    let generation = model.logs.as_ref().map_or(1, |l| l.generation + 1);
    model.logs = Some(LogView { key, source, generation, follow: true, ..Default::default() });
    model.mode = Mode::Logs;
    restart(model, fx);
}

/// (Re)open the stream with the view's container and instance; older lines stay shown.
fn restart(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(v) = model.logs.as_mut() else { return };
    v.generation += 1;
    v.ended = None;
    fx.push(Effect::FollowLogs {
        key: v.key.clone(),
        generation: v.generation,
        source: v.source.clone(),
        container: v.container.clone(),
        previous: v.previous,
    });
}

fn current(model: &mut Model, generation: u64) -> Option<&mut LogView> {
    model.logs.as_mut().filter(|v| v.generation == generation)
}

pub fn opened(model: &mut Model, generation: u64, containers: Vec<String>) {
    if let Some(v) = current(model, generation) {
        v.containers = containers;
    }
}

pub fn lines(model: &mut Model, generation: u64, lines: Vec<LogLine>) {
    if let Some(v) = current(model, generation) {
        v.push(lines);
    }
}

pub fn ended(model: &mut Model, generation: u64, result: Result<(), Failure>) {
    if let Some(v) = current(model, generation) {
        v.ended = Some(result);
    }
}

/// Keys in the view. Returns a command for the caller (quit, help).
pub fn on_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) -> Option<Command> {
    let Some(v) = model.logs.as_mut() else {
        model.mode = Mode::Normal;
        return None;
    };
    if v.editing {
        match key.code {
            KeyCode::Enter => v.editing = false,
            KeyCode::Esc => {
                v.editing = false;
                v.filter.text.clear();
            }
            _ => _ = edit_line(&mut v.filter, key),
        }
        return None;
    }
    match keymap.lookup_in(KeyContext::Logs, key) {
        Some(Command::LogFollow) => {
            v.follow = !v.follow;
            v.back = 0;
            v.unseen = 0;
        }
        Some(Command::LogWrap) => v.wrap = !v.wrap,
        Some(Command::Filter) => v.editing = true,
        Some(Command::LogContainer) => {
            // None (Argo CD's default) → each container → None.
            let at = v.container.as_ref().and_then(|c| v.containers.iter().position(|x| x == c));
            v.container = match at {
                None => v.containers.first().cloned(),
                Some(i) => v.containers.get(i + 1).cloned(),
            };
            v.lines.clear();
            restart(model, fx);
        }
        Some(Command::LogPrevious) => {
            v.previous = !v.previous;
            v.lines.clear();
            restart(model, fx);
        }
        Some(Command::Up) => scroll(v, 1),
        Some(Command::PageUp) => scroll(v, PAGE),
        Some(Command::Down) => unscroll(v, 1),
        Some(Command::PageDown) => unscroll(v, PAGE),
        Some(Command::Top) => scroll(v, usize::MAX / 2),
        Some(Command::Bottom) => {
            v.back = 0;
            v.follow = true;
            v.unseen = 0;
        }
        Some(Command::Back | Command::PodLogs) => {
            model.mode = Mode::Normal;
            fx.push(Effect::StopLogs);
        }
        None if key.code == KeyCode::Esc => {
            model.mode = Mode::Normal;
            fx.push(Effect::StopLogs);
        }
        Some(c @ (Command::Quit | Command::Help)) => return Some(c),
        _ => {}
    }
    None
}

/// Scrolling back pauses: the lines stay where they are while new ones arrive.
fn scroll(v: &mut LogView, n: usize) {
    v.follow = false;
    v.back = v.back.saturating_add(n).min(v.lines.len());
}

fn unscroll(v: &mut LogView, n: usize) {
    v.back = v.back.saturating_sub(n);
}
