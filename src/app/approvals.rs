//! The approvals pane in the pure update: focusing it (`tab`), selecting (`j/k`), opening the
//! comment editor for an approval (`a`) or a rejection (`x`), withdrawing one's own request
//! (`w`), loading the engine on start and every [`APPROVALS_RELOAD_MS`] while the console
//! runs (a due effect, not a free-running timer, and none at all without governance), acting
//! on a decision (when this console's approval satisfied the policy and won the claim, the
//! action runs through the usual run path), and telling the requester what happened to their
//! requests (approved, running, done, failed, rejected with the comment, expired).

use super::runlog::{current_user, flash_error, flash_info, log_run, start_run};
use super::{editor, Command, Effect, Key, KeyCode, KeyContext, Keymap};
use crate::domain::approvals::{CommentDraft, DecisionOutcome, EngineView, APPROVALS_RELOAD_MS, RBAC_ONLY};
use crate::domain::model::Mode;
use crate::domain::{Action, AppKey, Failure, Loadable, Model, RunOutcome, StepStatus};

/// Ask for an engine read in `delay_ms` (newest wins). Nothing without governance.
pub fn schedule_load(model: &mut Model, delay_ms: u64, fx: &mut Vec<Effect>) {
    if model.approvals.engine.is_none() {
        return;
    }
    let user = current_user(model);
    let a = &mut model.approvals;
    a.generation += 1;
    a.scheduled = true;
    if delay_ms == 0 {
        a.pending.start_loading();
    }
    fx.push(Effect::LoadApprovals { generation: a.generation, delay_ms, user });
}

/// On start: load once (later loads are due effects).
pub fn ensure_loading(model: &mut Model, fx: &mut Vec<Effect>) {
    if model.approvals.engine.is_some() && !model.approvals.scheduled {
        schedule_load(model, 0, fx);
    }
}

/// Who we are just became known: re-tally for us at once.
pub fn user_known(model: &mut Model, fx: &mut Vec<Effect>) {
    if model.approvals.generation > 0 {
        schedule_load(model, 0, fx);
    }
}

/// The ledger was read.
/// Returns whether anything visible changed: a poll that finds the ledger as it was must not
/// cost a frame (idle means no frames).
pub fn loaded(
    model: &mut Model,
    generation: u64,
    result: Result<EngineView, Failure>,
    at: chrono::DateTime<chrono::Utc>,
    fx: &mut Vec<Effect>,
) -> bool {
    if generation != model.approvals.generation {
        return false; // A newer load is on its way.
    }
    let told = match &result {
        Ok(view) => tell_requester(model, &view.mine, at),
        Err(_) => false,
    };
    let result = result.map(|v| v.requests);
    let a = &mut model.approvals;
    let same = !told && matches!((&result, &a.pending), (Ok(new), Loadable::Ready { value, .. }) if new == value);
    if same {
        // Only the time of the last check moves; the next frame that happens shows it.
        if let Loadable::Ready { at: seen, .. } = &mut a.pending {
            *seen = at;
        }
        a.scheduled = false;
        schedule_load(model, APPROVALS_RELOAD_MS, fx);
        return false;
    }
    model.now = model.now.max(at);
    if let Ok(new) = &result {
        let old = model.approvals.pending.value().map_or(&[][..], Vec::as_slice);
        super::notify::approvals_read(model, old, new, fx);
    }
    let a = &mut model.approvals;
    a.pending.finish(result, at);
    a.selected = a.selected.min(a.count().saturating_sub(1));
    a.scheduled = false;
    schedule_load(model, APPROVALS_RELOAD_MS, fx);
    true
}

/// What happened to this user's requests since the last report goes to their run log (the
/// request's own entry, or a new one) and the flash line. Returns whether anything was new.
fn tell_requester(
    model: &mut Model,
    mine: &[crate::domain::approvals::MyRequest],
    at: chrono::DateTime<chrono::Utc>,
) -> bool {
    let news = crate::engine::view::news(&model.approvals.mine, mine);
    model.approvals.mine = mine.to_vec();
    let Some((_, summary, last)) = news.last().cloned() else { return false };
    for (id, summary, line) in news {
        let bad = ["rejected", "failed", "refused", "expired", "withdrawn"].iter().any(|w| line.starts_with(w));
        let status = if bad { StepStatus::Failed } else { StepStatus::Done };
        let closed = mine.iter().any(|m| m.id == id && m.closed);
        if !model.runs.iter().any(|r| r.request.as_deref() == Some(id.as_str())) {
            // Not in this console's log (filed elsewhere, or before a restart): an entry of its own.
            log_run(model, AppKey::default(), summary.clone(), Action::Refresh { hard: false });
            if let Some(run) = model.runs.last_mut() {
                run.request = Some(id.clone());
                run.label = summary.clone();
            }
        }
        if let Some(run) = model.runs.iter_mut().rev().find(|r| r.request.as_deref() == Some(id.as_str())) {
            run.step(&line, status, at);
            if closed {
                let outcome =
                    if bad { RunOutcome::Failed { message: line.clone(), hint: None } } else { RunOutcome::Succeeded };
                run.finish(outcome, at);
            }
        }
    }
    let text = format!("your request {summary}: {last}");
    if last.starts_with("rejected") || last.starts_with("failed") || last.starts_with("refused") {
        flash_error(model, text);
    } else {
        flash_info(model, text);
    }
    true
}

/// `tab` from the matrix: give the approvals pane the keyboard.
pub fn focus(model: &mut Model) {
    if model.approvals.engine.is_none() {
        flash_error(model, format!("{RBAC_ONLY}: there are no approvals (set [gitops] remote to use a policy)"));
    } else {
        model.mode = Mode::Approvals;
    }
}

/// Lines the selected request scrolls by per page key.
const SCROLL_PAGE: u16 = 10;

/// Keys in the approvals view, from the keymap's `approvals` context (then the normal one):
/// approve, reject, withdraw, select, scroll the request, back. Returns a command it leaves
/// to the caller (quit, help).
pub fn on_pane_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) -> Option<Command> {
    let cmd = keymap.lookup_in(KeyContext::Approvals, key);
    let decision = match cmd {
        Some(Command::Approve) => Some("approval"),
        Some(Command::Reject) => Some("rejection"),
        Some(Command::Withdraw) => Some("withdrawal"),
        _ => None,
    };
    // A decision is a ledger record: a read-only session says why and writes none.
    if decision.is_some_and(|what| super::gate::refuse_read_only(model, None, what)) {
        return None;
    }
    let count = model.approvals.count();
    let a = &mut model.approvals;
    let before = a.selected;
    match cmd {
        Some(Command::Approve) => open_comment(model, true),
        Some(Command::Reject) => open_comment(model, false),
        Some(Command::Withdraw) => withdraw(model, fx),
        Some(Command::Down) => a.selected = (a.selected + 1).min(count.saturating_sub(1)),
        Some(Command::Up) => a.selected = a.selected.saturating_sub(1),
        Some(Command::Top) => a.selected = 0,
        Some(Command::Bottom) => a.selected = count.saturating_sub(1),
        Some(Command::PageDown) => a.scroll = a.scroll.saturating_add(SCROLL_PAGE),
        Some(Command::PageUp) => a.scroll = a.scroll.saturating_sub(SCROLL_PAGE),
        Some(Command::FocusApprovals | Command::Back) => model.mode = Mode::Normal,
        Some(cmd @ (Command::Quit | Command::Help)) => return Some(cmd),
        None if key.code == KeyCode::Esc => model.mode = Mode::Normal,
        _ => {}
    }
    if model.approvals.selected != before {
        model.approvals.scroll = 0;
    }
    None
}

/// `w`: withdraw the selected request, if it is yours.
fn withdraw(model: &mut Model, fx: &mut Vec<Effect>) {
    let me = current_user(model);
    let Some(req) = model.approvals.selected_request() else {
        return flash_error(model, "no approval request selected");
    };
    if me.username.is_empty() || req.requester != me.username {
        let text = format!("only {} (who asked) may withdraw {}", req.requester, req.id);
        return flash_error(model, text);
    }
    let id = req.id.clone();
    model.approvals.deciding = Some(id.clone());
    fx.push(Effect::WithdrawRequest { id, user: me });
}

/// A withdrawal came back.
pub fn withdrawn(model: &mut Model, id: String, result: Result<(), Failure>, fx: &mut Vec<Effect>) {
    model.approvals.deciding = None;
    match result {
        Ok(()) => flash_info(model, format!("withdrew {id}")),
        Err(f) => flash_error(model, format!("withdrawing {id} refused: {}", f.message)),
    }
    schedule_load(model, 0, fx);
}

/// Open the comment editor for the selected request, or explain why not.
fn open_comment(model: &mut Model, approve: bool) {
    let Some(req) = model.approvals.selected_request() else {
        return flash_error(model, "no approval request selected");
    };
    if let Some(why) = &req.refusal {
        let why = why.clone();
        return flash_error(model, why);
    }
    if let Some(id) = &model.approvals.deciding {
        let text = format!("still writing the decision on {id} to the ledger");
        return flash_error(model, text);
    }
    model.mode = Mode::ApprovalComment(Box::new(CommentDraft {
        id: req.id.clone(),
        approve,
        summary: req.summary.clone(),
        editor: Default::default(),
        error: None,
    }));
}

/// Keys in the comment editor: text keys edit, `ctrl-s` submits, `esc` cancels.
pub fn on_comment_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let user = current_user(model);
    let Mode::ApprovalComment(draft) = &mut model.mode else { return };
    if key.code == KeyCode::Esc {
        model.mode = Mode::Approvals;
        return;
    }
    if key != Key::ctrl('s') {
        if editor::edit(&mut draft.editor, key) {
            draft.error = None;
        }
        return;
    }
    let comment = draft.editor.text();
    if !draft.approve && comment.is_empty() {
        draft.error = Some("a rejection needs a comment saying why".into());
        return;
    }
    let (id, approve) = (draft.id.clone(), draft.approve);
    if user.username.is_empty() {
        draft.error = Some("still learning who you are from Argo CD — try again in a moment".into());
        return;
    }
    model.mode = Mode::Approvals;
    model.approvals.deciding = Some(id.clone());
    fx.push(Effect::DecideApproval { id, approve, comment, user });
}

/// A decision came back from the ledger: say what happened, run a claimed action, reload.
pub fn decided(
    model: &mut Model,
    id: String,
    approve: bool,
    result: Result<DecisionOutcome, Failure>,
    fx: &mut Vec<Effect>,
) {
    model.approvals.deciding = None;
    match result {
        Err(f) => flash_error(model, format!("{} {id} refused: {}", verb(approve), f.message)),
        Ok(_) if !approve => flash_info(model, format!("rejected {id}")),
        Ok(DecisionOutcome { run: Some(run), .. }) => {
            let key = match &run.action {
                // A new service is not in view yet: it runs as the app it governs.
                Action::Create(n) => Some(super::new_service::target_of(model, n)),
                _ => model
                    .deployments
                    .values()
                    .find(|d| d.service == run.service && d.env == run.env)
                    .map(|d| d.key.clone()),
            };
            match key {
                Some(key) => {
                    let label = format!("{}/{}", run.service, run.env);
                    start_run(model, key, label, run.action, run.context, fx);
                    flash_info(model, format!("approved {id}: policy satisfied, running it now"));
                }
                None => flash_error(
                    model,
                    format!("approved {id} and claimed its run, but {}/{} is not in view", run.service, run.env),
                ),
            }
        }
        Ok(DecisionOutcome { note: Some(note), .. }) => flash_error(model, format!("approved {id}: {note}")),
        Ok(o) if o.claimed_elsewhere => {
            flash_info(model, format!("approved {id}: satisfied; another console is running it"))
        }
        Ok(o) => flash_info(model, format!("approved {id}: {} of {} approvals", o.counted, o.needed)),
    }
    schedule_load(model, 0, fx);
}

fn verb(approve: bool) -> &'static str {
    if approve {
        "approval of"
    } else {
        "rejection of"
    }
}
