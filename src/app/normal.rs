//! Keys outside dialogs: the keymap's commands in normal mode, and the small editors of
//! the filter, the command line, help and the full-screen views.

use super::detail::reload_detail;
use super::editor::edit_line;
use super::runlog::{flash_error, start_run};
use super::{approvals, dialog, rows, Command, Effect, Key, KeyCode, Keymap};
use crate::domain::model::{LineInput, Mode, SortMode};
use crate::domain::{Action, Loadable, Model, RunContext};

/// Dispatch a key by mode.
pub fn on_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) {
    // ctrl-c always quits, whatever the keymap says: the one escape hatch.
    if key == Key::ctrl('c') {
        run_command(model, Command::Quit, fx);
        return;
    }
    match &mut model.mode {
        Mode::Normal => {
            if let Some(cmd) = keymap.lookup(key) {
                run_command(model, cmd, fx);
            }
        }
        Mode::Filter => on_filter_key(model, key),
        Mode::Command(_) => on_command_key(model, key, fx),
        Mode::Dialog(_) => dialog::on_key(model, key, fx),
        Mode::Approvals => approvals::on_pane_key(model, key, keymap, fx),
        Mode::ApprovalComment(_) => approvals::on_comment_key(model, key, fx),
        Mode::Help { scroll } | Mode::Detail { scroll } | Mode::Diff { scroll } => {
            match keymap.lookup(key).or(match key.code {
                KeyCode::Esc => Some(Command::Back),
                _ => None,
            }) {
                Some(Command::Down) => *scroll = scroll.saturating_add(1),
                Some(Command::Up) => *scroll = scroll.saturating_sub(1),
                Some(Command::PageDown) => *scroll = scroll.saturating_add(10),
                Some(Command::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(Command::Top) => *scroll = 0,
                Some(Command::Back | Command::Quit | Command::Help) => model.mode = Mode::Normal,
                Some(Command::Diff) if !matches!(model.mode, Mode::Diff { .. }) => {
                    run_command(model, Command::Diff, fx)
                }
                Some(Command::Detail) if matches!(model.mode, Mode::Diff { .. }) => {
                    run_command(model, Command::Detail, fx)
                }
                Some(
                    cmd @ (Command::Sync
                    | Command::Rollback
                    | Command::Promote
                    | Command::Scale
                    | Command::Refresh
                    | Command::Restart
                    | Command::Terminate
                    | Command::RolloutPromote
                    | Command::RolloutAbort
                    | Command::ResumeAutoSync),
                ) => {
                    // Actions work from the detail views too; they return to the matrix.
                    model.mode = Mode::Normal;
                    run_command(model, cmd, fx);
                }
                _ => {}
            }
        }
    }
}

/// Run a bound command (also reached from the `:` command line).
pub fn run_command(model: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
    // Read-only: an action key says why and does nothing (greyed in the hint bar).
    if cmd.writes() {
        let instance = model.selected_key().map(|k| k.instance);
        if super::gate::refuse_read_only(model, instance, cmd.hint()) {
            return;
        }
    }
    let rows_len = model.rows.len();
    let page = model.page_rows.max(1);
    match cmd {
        Command::Down => model.selected_row = (model.selected_row + 1).min(rows_len.saturating_sub(1)),
        Command::Up => model.selected_row = model.selected_row.saturating_sub(1),
        Command::Left => model.selected_col = model.selected_col.saturating_sub(1),
        Command::Right => model.selected_col = (model.selected_col + 1).min(model.envs.len().saturating_sub(1)),
        Command::PageDown => model.selected_row = (model.selected_row + page).min(rows_len.saturating_sub(1)),
        Command::PageUp => model.selected_row = model.selected_row.saturating_sub(page),
        Command::Top => model.selected_row = 0,
        Command::Bottom => model.selected_row = rows_len.saturating_sub(1),
        Command::Detail => {
            if model.selected_key().is_some() {
                model.mode = Mode::Detail { scroll: 0 };
                ask_diff(model, fx);
            } else {
                flash_error(model, "no deployment in this cell");
            }
        }
        Command::Diff => {
            if model.selected_key().is_some() {
                model.mode = Mode::Diff { scroll: 0 };
                ask_diff(model, fx);
            } else {
                flash_error(model, "no deployment in this cell");
            }
        }
        Command::Filter => model.mode = Mode::Filter,
        Command::CommandLine => model.mode = Mode::Command(LineInput::default()),
        Command::Help => model.mode = Mode::Help { scroll: 0 },
        Command::ToggleSort => {
            model.sort = match model.sort {
                SortMode::Name => SortMode::ProblemsFirst,
                SortMode::ProblemsFirst => SortMode::Name,
            };
            rows::rebuild(model);
        }
        Command::Back => {
            if !model.filter.text.is_empty() {
                model.filter.text.clear();
                rows::rebuild(model);
            }
            model.mode = Mode::Normal;
        }
        Command::Quit => {
            model.quit = true;
            fx.push(Effect::Quit);
        }
        Command::Suspend => fx.push(Effect::Suspend),
        Command::Promote => super::promote::open(model, fx),
        Command::FocusApprovals => approvals::focus(model),
        Command::RetryRun => super::runlog::retry_failed(model, fx),
        Command::TerminateRun => super::runlog::terminate_running(model, fx),
        Command::Refresh => {
            // Refresh changes nothing in the cluster: run it at once, no dialog.
            if let Some((key, label)) = selected_target(model) {
                start_run(model, key, label, Action::Refresh { hard: false }, RunContext::default(), fx);
                reload_detail(model, fx);
            } else {
                flash_error(model, "no deployment in this cell");
            }
        }
        Command::Sync
        | Command::Rollback
        | Command::Scale
        | Command::Terminate
        | Command::Restart
        | Command::RolloutPromote
        | Command::RolloutAbort
        | Command::ResumeAutoSync => dialog::open(model, cmd),
    }
    rows::keep_visible(model);
}

fn ask_diff(model: &mut Model, fx: &mut Vec<Effect>) {
    if let Some(d) = model.detail.as_mut() {
        if matches!(d.diff, Loadable::NotAsked) || d.diff.failure().is_some() {
            d.diff.start_loading();
            fx.push(Effect::LoadDiff { key: d.key.clone(), generation: d.generation });
        }
    }
}

/// The selected deployment's key and `service/env` label.
pub(crate) fn selected_target(model: &Model) -> Option<(crate::domain::AppKey, String)> {
    model.selected().map(|d| (d.key.clone(), format!("{}/{}", d.service, d.env)))
}

fn on_filter_key(model: &mut Model, key: Key) {
    match key.code {
        KeyCode::Enter => model.mode = Mode::Normal,
        KeyCode::Esc => {
            model.filter.text.clear();
            model.mode = Mode::Normal;
            rows::rebuild(model);
        }
        _ => {
            if edit_line(&mut model.filter, key) {
                model.selected_row = 0;
                model.scroll = 0;
                rows::rebuild(model);
            }
        }
    }
}

fn on_command_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let Mode::Command(line) = &mut model.mode else { return };
    match key.code {
        KeyCode::Esc => model.mode = Mode::Normal,
        KeyCode::Enter => {
            let text = line.text.trim().to_string();
            model.mode = Mode::Normal;
            execute_command_line(model, &text, fx);
        }
        _ => {
            edit_line(line, key);
        }
    }
}

/// `:q`, `:sync`, `:filter pay`, `:env prod`, `:sort`, or any command name from the keymap.
fn execute_command_line(model: &mut Model, text: &str, fx: &mut Vec<Effect>) {
    let (word, arg) = text.split_once(' ').map_or((text, ""), |(w, a)| (w, a.trim()));
    match word {
        "" => {}
        "q" | "q!" | "quit" | "exit" => run_command(model, Command::Quit, fx),
        "filter" | "f" => {
            model.filter.text = arg.to_string();
            model.selected_row = 0;
            rows::rebuild(model);
        }
        "env" => match model.envs.iter().position(|e| e == arg) {
            Some(i) => model.selected_col = i,
            None => flash_error(model, format!("no environment {arg:?}; known: {}", model.envs.join(", "))),
        },
        "sort" => run_command(model, Command::ToggleSort, fx),
        other => match Command::from_name(&other.replace('-', "_")) {
            Some(cmd) => run_command(model, cmd, fx),
            None => flash_error(model, format!("unknown command {other:?} — press ? for the list")),
        },
    }
}
