//! Leaving the console safely: `q` (and ctrl-c) quit at once unless quitting would leave
//! something behind — a run this console is still following (its outcome would no longer be
//! followed or shown here), or, in the demo, other operators connected to the estate this
//! process serves (quitting stops it for them). Then it asks, naming each; `y`, `q`, enter or
//! a second ctrl-c quit, `n` or esc stay. A leaf of `app/`.

use super::{Effect, Key, KeyCode};
use crate::domain::model::Mode;
use crate::domain::Model;

/// What quitting now would leave behind, one sentence each.
pub fn reasons(model: &Model) -> Vec<String> {
    let mut out = Vec::new();
    let running: Vec<String> = model
        .runs
        .iter()
        .filter(|r| model.in_flight.contains(&r.id))
        .map(|r| format!("{} {}", r.action.verb(), r.label))
        .collect();
    if !running.is_empty() {
        let what = if running.len() == 1 { "is" } else { "are" };
        out.push(format!(
            "{} {what} still running: it keeps running in Argo CD, but this console stops following it",
            running.join(", ")
        ));
    }
    if let Some(d) = model.demo.as_ref().filter(|d| !d.connected.is_empty()) {
        out.push(format!(
            "{} {} connected to this demo estate: quitting stops it for them",
            d.connected.join(", "),
            if d.connected.len() == 1 { "is" } else { "are" }
        ));
    }
    out
}

/// `q`: quit, or ask first when something would be left behind.
pub fn request(model: &mut Model, fx: &mut Vec<Effect>) {
    let reasons = reasons(model);
    if reasons.is_empty() {
        now(model, fx);
    } else {
        model.mode = Mode::ConfirmQuit { reasons };
    }
}

/// Quit, no questions.
pub fn now(model: &mut Model, fx: &mut Vec<Effect>) {
    model.quit = true;
    fx.push(Effect::Quit);
}

/// A key while the question is open.
pub fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    match key.code {
        KeyCode::Char('y' | 'Y' | 'q') | KeyCode::Enter => now(model, fx),
        KeyCode::Char('c') if key.ctrl => now(model, fx),
        KeyCode::Char('n' | 'N') | KeyCode::Esc => model.mode = Mode::Normal,
        _ => {}
    }
}

/// The demo told who is connected: everyone but this console's own user.
pub fn operators_connected(model: &mut Model, users: Vec<String>) {
    if let Some(d) = model.demo.as_mut() {
        d.connected = users.into_iter().filter(|u| *u != d.me).collect();
    }
}
