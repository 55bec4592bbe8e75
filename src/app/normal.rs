//! Keys outside dialogs: the keymap's commands in normal mode, and the small editors of
//! the filter, the command line, help and the full-screen views.

use super::cmdline::{self, Line};
use super::detail::reload_detail;
use super::editor::edit_line;
use super::runlog::{flash_error, flash_info, start_run};
use super::{approvals, attention, bulk, dialog, history, logs, quit, rows, Command, Effect, Key, KeyCode, Keymap};
use crate::domain::model::{LineInput, Mode, SortMode};
use crate::domain::{Action, Loadable, Model, RunContext};

/// Dispatch a key by mode.
pub fn on_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) {
    // ctrl-c always leaves, whatever the keymap says: the one escape hatch (asked once when
    // something would be left behind; a second ctrl-c quits).
    if key == Key::ctrl('c') && !matches!(model.mode, Mode::ConfirmQuit { .. }) {
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
        Mode::Approvals => {
            if let Some(cmd) = approvals::on_pane_key(model, key, keymap, fx) {
                run_command(model, cmd, fx);
            }
        }
        Mode::ApprovalComment(_) => approvals::on_comment_key(model, key, fx),
        Mode::ConfirmQuit { .. } => quit::on_key(model, key, fx),
        Mode::Logs => {
            if let Some(cmd) = logs::on_key(model, key, keymap, fx) {
                run_command(model, cmd, fx);
            }
        }
        Mode::Delivery => {
            if let Some(cmd) = super::delivery::on_key(model, key, keymap, fx) {
                run_command(model, cmd, fx);
            }
        }
        Mode::History => {
            let then = history::on_history_key(model, key, keymap);
            after(model, then, fx);
        }
        Mode::Manifest => {
            let then = history::on_manifest_key(model, key, keymap);
            after(model, then, fx);
        }
        Mode::Attention => {
            if let Some(cmd) = attention::on_key(model, key, keymap, fx) {
                run_command(model, cmd, fx);
            }
        }
        Mode::RunLog { back } => match keymap.lookup(key) {
            // Scrolled from the newest end: up goes back in time.
            Some(Command::Up) => *back = back.saturating_add(1),
            Some(Command::Down) => *back = back.saturating_sub(1),
            Some(Command::PageUp) => *back = back.saturating_add(10),
            Some(Command::PageDown) => *back = back.saturating_sub(10),
            Some(Command::Top) => *back = u16::MAX,
            Some(Command::Bottom) => *back = 0,
            Some(Command::Back | Command::RunLog) => model.mode = Mode::Normal,
            None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
            Some(cmd @ (Command::Quit | Command::Help | Command::Attention)) => run_command(model, cmd, fx),
            _ => {}
        },
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

/// What a view asked for after its key.
fn after(model: &mut Model, then: history::Then, fx: &mut Vec<Effect>) {
    match then {
        history::Then::Nothing => {}
        history::Then::Run(cmd) => run_command(model, cmd, fx),
        history::Then::RollbackTo(id) => {
            run_command(model, Command::Rollback, fx);
            dialog::preset_rollback(model, id);
        }
    }
}

/// Run a bound command (also reached from the `:` command line).
pub fn run_command(model: &mut Model, cmd: Command, fx: &mut Vec<Effect>) {
    // Read-only: an action key says why and does nothing (greyed in the hint bar).
    if cmd.writes() {
        let instance = model.selected_key().map(|k| k.instance);
        let what = if cmd == Command::SyncPolicy { "sync policy change" } else { cmd.hint() };
        if super::gate::refuse_read_only(model, instance, what) {
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
                SortMode::ProblemsFirst => SortMode::Team,
                SortMode::Team => SortMode::Version(model.selected_col),
                SortMode::Version(_) => SortMode::Name,
            };
            rows::arrange(model);
            flash_info(model, format!("sorted by {}", model.sort.describe(&model.envs)));
        }
        Command::Back => {
            // Marks go first; the filter stays (clear it with / then esc, or :filter).
            if !model.marks.is_empty() {
                model.marks.clear();
                flash_info(model, "marks cleared");
            }
            model.mode = Mode::Normal;
        }
        Command::Mark => {
            bulk::toggle_mark(model);
            model.selected_row = (model.selected_row + 1).min(rows_len.saturating_sub(1));
        }
        Command::Quit => quit::request(model, fx),
        Command::Suspend => fx.push(Effect::Suspend),
        // Marked cells are a release of every marked service; otherwise the selected cell.
        Command::Promote if !model.marks.is_empty() => super::release::open(model, fx),
        Command::Promote => super::promote::open(model, fx),
        // From the matrix, each of them opens the approvals view: a request is read first.
        Command::FocusApprovals | Command::Approve | Command::Reject | Command::Withdraw => approvals::focus(model),
        Command::RunLog => model.mode = Mode::RunLog { back: 0 },
        Command::Attention => attention::open(model, fx),
        Command::History => history::open(model, fx),
        Command::Manifest => history::open_manifest(model, fx),
        Command::PodLogs => logs::open(model, fx),
        Command::Delivery => super::delivery::open(model, None, fx),
        // Keys of the delivery view only.
        Command::DeliveryWindow | Command::DeliveryEnv => {}
        // Keys of the pod logs view only.
        Command::LogFollow | Command::LogContainer | Command::LogPrevious | Command::LogWrap => {}
        Command::Refresh if !model.marks.is_empty() => bulk::open(model, Action::Refresh { hard: false }),
        Command::Sync if !model.marks.is_empty() => {
            bulk::open(model, Action::Sync { prune: false, dry_run: false, force: false, apply_only: false })
        }
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
        | Command::ResumeAutoSync
        | Command::SyncPolicy => {
            dialog::open(model, cmd);
            dialog::load_for(model, fx);
        }
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
            rows::arrange(model);
        }
        _ => {
            if edit_line(&mut model.filter, key) {
                model.selected_row = 0;
                model.scroll = 0;
                rows::arrange(model);
            }
        }
    }
}

fn on_command_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let Mode::Command(line) = &mut model.mode else { return };
    match key.code {
        KeyCode::Esc => {
            model.completions.clear();
            model.mode = Mode::Normal;
        }
        KeyCode::Enter => {
            let text = line.text.trim().to_string();
            model.completions.clear();
            model.mode = Mode::Normal;
            execute_command_line(model, &text, fx);
        }
        KeyCode::Tab => {
            let text = line.text.clone();
            let (completed, all) = cmdline::complete(model, &text);
            if let Mode::Command(line) = &mut model.mode {
                line.text = completed;
            }
            model.completions = all;
        }
        _ => {
            edit_line(line, key);
            model.completions.clear();
        }
    }
}

/// Run a `:` line, its arguments honoured (see `cmdline::USAGE`).
fn execute_command_line(model: &mut Model, text: &str, fx: &mut Vec<Effect>) {
    match cmdline::parse(text) {
        Line::Nothing => {}
        Line::Quit => run_command(model, Command::Quit, fx),
        Line::QuitNow => quit::now(model, fx),
        Line::Filter(f) => {
            model.filter.text = f;
            model.selected_row = 0;
            rows::arrange(model);
        }
        Line::Env(e) => match model.envs.iter().position(|x| *x == e) {
            Some(i) => model.selected_col = i,
            None => flash_error(model, format!("no environment {e:?}; known: {}", model.envs.join(", "))),
        },
        Line::Sort(None) => run_command(model, Command::ToggleSort, fx),
        Line::Sort(Some(by)) => {
            let mode = match by.as_str() {
                "service" | "name" => Some(SortMode::Name),
                "problems" => Some(SortMode::ProblemsFirst),
                "team" => Some(SortMode::Team),
                env => model.envs.iter().position(|e| e == env).map(SortMode::Version),
            };
            match mode {
                Some(m) => {
                    model.sort = m;
                    rows::arrange(model);
                    flash_info(model, format!("sorted by {}", m.describe(&model.envs)));
                }
                None => flash_error(model, format!("cannot sort by {by:?}: service, problems, team or an environment")),
            }
        }
        Line::Theme(name) => fx.push(Effect::SetTheme { name }),
        Line::Sync(f) => {
            run_command(model, Command::Sync, fx);
            dialog::preset_sync(model, f.prune, f.dry_run, f.force, f.apply_only);
        }
        Line::Scale(n) => {
            run_command(model, Command::Scale, fx);
            dialog::preset_scale(model, n);
        }
        Line::Rollback(id) => {
            run_command(model, Command::Rollback, fx);
            dialog::preset_rollback(model, id);
        }
        Line::Deploy(tag) => super::promote::open_deploy(model, &tag, fx),
        Line::Preview(ttl) => super::promote::open_preview(model, ttl, fx),
        Line::Delivery(secs) => super::delivery::open(model, Some(secs), fx),
        Line::NewService => super::new_service::open(model),
        Line::Run(cmd) => run_command(model, cmd, fx),
        Line::Bad(why) => flash_error(model, why),
    }
}
