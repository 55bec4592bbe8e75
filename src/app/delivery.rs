//! The delivery view in the pure update: `D` (or `:delivery [WINDOW]`) opens the selected
//! service's delivery history — the figures of one environment over a window, and the
//! timeline — and asks the client for it (`Effect::LoadDelivery`; the headless `delivery`
//! command makes the same call). In the view (the keymap's `delivery` context) `w` cycles the
//! window (7d, 30d, 90d), `e` (or left/right) the environment of the figures, `R` reads it
//! again, `j/k` and pages scroll the timeline, `esc` closes. While a load runs, the last
//! report stays shown, marked stale. A leaf of `app/`.

use super::runlog::flash_error;
use super::{Command, Effect, Key, KeyCode, KeyContext, Keymap};
use crate::domain::delivery::{next_window, DeliveryView, Query, Report, WINDOWS_SECS};
use crate::domain::model::Mode;
use crate::domain::{Failure, Model};

/// Timeline lines a page key scrolls.
const PAGE: usize = 10;

/// Open the view on the selected row's service, over `window_secs` (else the last window the
/// view had, else 30 days), with the figures of the pipeline's last environment.
pub fn open(model: &mut Model, window_secs: Option<u64>, fx: &mut Vec<Effect>) {
    let Some(service) = model.rows.get(model.selected_row).map(|r| r.service.to_string()) else {
        return flash_error(model, "no service selected");
    };
    let last = model.delivery.as_ref().map(|v| v.window_secs);
    let window_secs = window_secs.or(last).unwrap_or(WINDOWS_SECS[1]);
    let generation = model.delivery.as_ref().map_or(0, |v| v.generation);
    let env = model.envs.last().cloned().unwrap_or_else(|| "prod".into());
    // The same service again keeps its report on screen (stale) while it reloads.
    let report = model.delivery.take().filter(|v| v.service == service).map(|v| v.report).unwrap_or_default();
    model.delivery = Some(DeliveryView { service, env, window_secs, generation, report, back: 0 });
    model.mode = Mode::Delivery;
    load(model, fx);
}

/// Ask for the report the view now wants (newest wins: an older answer drops).
fn load(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(v) = model.delivery.as_mut() else { return };
    v.generation += 1;
    v.report.start_loading();
    let mut deployments: Vec<_> = model.deployments.values().filter(|d| d.service == v.service).cloned().collect();
    deployments.sort_by(|a, b| (&a.env, &a.key.name, a.key.instance).cmp(&(&b.env, &b.key.name, b.key.instance)));
    let query = Query { service: v.service.clone(), deployments, env: v.env.clone(), window_secs: v.window_secs };
    fx.push(Effect::LoadDelivery { generation: v.generation, query: Box::new(query) });
}

/// The report arrived (or could not be read): kept only when it answers the latest load.
pub fn loaded(
    model: &mut Model,
    generation: u64,
    result: Result<Box<Report>, Failure>,
    at: chrono::DateTime<chrono::Utc>,
) -> bool {
    let Some(v) = model.delivery.as_mut().filter(|v| v.generation == generation) else { return false };
    v.report.finish(result.map(|r| *r), at);
    true
}

/// The environments the figures can be for: the service's, in pipeline order.
fn envs_of(model: &Model, service: &str) -> Vec<String> {
    let has = |e: &String| model.deployments.values().any(|d| d.service.as_str() == service && d.env == *e);
    let mine: Vec<String> = model.envs.iter().filter(|e| has(e)).cloned().collect();
    if mine.is_empty() {
        model.envs.clone()
    } else {
        mine
    }
}

/// Keys in the view. Returns a command for the caller (quit, help, the command line).
pub fn on_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) -> Option<Command> {
    let Some(v) = model.delivery.as_ref() else {
        model.mode = Mode::Normal;
        return None;
    };
    let lines = v.report.value().map_or(0, |r| r.timeline.len());
    let service = v.service.clone();
    let step = |model: &mut Model, by: isize| {
        let envs = envs_of(model, &service);
        let Some(v) = model.delivery.as_mut() else { return false };
        let at = envs.iter().position(|e| *e == v.env);
        let n = envs.len() as isize;
        let next = match at {
            _ if n == 0 => return false,
            Some(i) => envs[(i as isize + by).rem_euclid(n) as usize].clone(),
            None => envs[0].clone(),
        };
        let changed = next != v.env;
        v.env = next;
        changed
    };
    let scroll = |model: &mut Model, f: &dyn Fn(usize) -> usize| {
        if let Some(v) = model.delivery.as_mut() {
            v.back = f(v.back).min(lines.saturating_sub(1));
        }
    };
    match keymap.lookup_in(KeyContext::Delivery, key) {
        Some(Command::DeliveryWindow) => {
            if let Some(v) = model.delivery.as_mut() {
                v.window_secs = next_window(v.window_secs);
                v.back = 0;
            }
            load(model, fx);
        }
        Some(c @ (Command::DeliveryEnv | Command::Right | Command::Left)) => {
            let by = if c == Command::Left { -1 } else { 1 };
            if step(model, by) {
                load(model, fx);
            }
        }
        Some(Command::Refresh) => load(model, fx),
        // Oldest first, the newest at the bottom: up goes back in time.
        Some(Command::Up) => scroll(model, &|b| b.saturating_add(1)),
        Some(Command::Down) => scroll(model, &|b| b.saturating_sub(1)),
        Some(Command::PageUp) => scroll(model, &|b| b.saturating_add(PAGE)),
        Some(Command::PageDown) => scroll(model, &|b| b.saturating_sub(PAGE)),
        Some(Command::Top) => scroll(model, &|_| usize::MAX),
        Some(Command::Bottom) => scroll(model, &|_| 0),
        Some(Command::Back | Command::Delivery) => model.mode = Mode::Normal,
        None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
        Some(c @ (Command::Quit | Command::Help | Command::CommandLine)) => return Some(c),
        _ => {}
    }
    None
}
