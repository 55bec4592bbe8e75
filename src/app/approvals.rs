//! The approvals pane in the pure update: focusing it (`tab`), selecting (`j/k`), opening the
//! comment editor for an approval (`a`) or a rejection (`x`), loading the ledger on start and
//! every [`APPROVALS_RELOAD_MS`] while the console runs (a due effect, not a free-running
//! timer, and none at all when approvals are not configured), and acting on a decision:
//! when this console's approval satisfied the policy and it won the claim, the action runs
//! through the usual run path.

use super::normal::flash_error;
use super::update::start_run;
use super::{editor, Command, Effect, Key, KeyCode, Keymap};
use crate::domain::approvals::{ApprovalSource, CommentDraft, DecisionOutcome, PendingRequest, APPROVALS_RELOAD_MS};
use crate::domain::model::{Flash, Mode};
use crate::domain::{Failure, Loadable, Model, UserInfo};

/// The ledger's location with the remote filled in: the configured one, else the repository
/// every app's desired state comes from, when they all share one. `None` = not (yet) known.
pub fn resolved_source(model: &Model) -> Option<ApprovalSource> {
    let src = model.approvals.source.as_ref()?;
    if src.remote.as_deref().is_some_and(|r| !r.is_empty()) {
        return Some(src.clone());
    }
    let mut repos = model.deployments.values().map(|d| d.repo_url.as_str()).filter(|r| !r.is_empty());
    let first = repos.next()?;
    if repos.all(|r| r == first) {
        Some(ApprovalSource { remote: Some(first.to_string()), ..src.clone() })
    } else {
        None
    }
}

/// Who we are, as far as we know yet (the first instance that told us).
fn current_user(model: &Model) -> Option<UserInfo> {
    model.instances.iter().find_map(|i| i.user.value().cloned())
}

/// Ask for a ledger read in `delay_ms` (newest wins). Nothing when the ledger is unknown.
pub fn schedule_load(model: &mut Model, delay_ms: u64, fx: &mut Vec<Effect>) {
    let Some(source) = resolved_source(model) else { return };
    let user = current_user(model).unwrap_or_default();
    let a = &mut model.approvals;
    a.generation += 1;
    a.scheduled = true;
    if delay_ms == 0 {
        a.pending.start_loading();
    }
    fx.push(Effect::LoadApprovals { generation: a.generation, delay_ms, source, user });
}

/// On start, and whenever something that decides the first load arrives (the apps, so the
/// shared remote is known; who we are, so refusals are tallied for us): load once.
pub fn ensure_loading(model: &mut Model, fx: &mut Vec<Effect>) {
    if model.approvals.source.is_some() && !model.approvals.scheduled {
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
    result: Result<Vec<PendingRequest>, Failure>,
    at: chrono::DateTime<chrono::Utc>,
    fx: &mut Vec<Effect>,
) -> bool {
    if generation != model.approvals.generation {
        return false; // A newer load is on its way.
    }
    let a = &mut model.approvals;
    let same = matches!((&result, &a.pending), (Ok(new), Loadable::Ready { value, .. }) if new == value);
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
    let a = &mut model.approvals;
    a.pending.finish(result, at);
    a.selected = a.selected.min(a.count().saturating_sub(1));
    a.scheduled = false;
    schedule_load(model, APPROVALS_RELOAD_MS, fx);
    true
}

/// `tab` from the matrix: give the approvals pane the keyboard.
pub fn focus(model: &mut Model) {
    if model.approvals.source.is_none() {
        flash_error(model, "approvals are not configured: set [gitops] remote in the config");
    } else {
        model.mode = Mode::Approvals;
    }
}

/// Keys while the pane has focus: the keymap's moves, `a` approve, `x` reject, back.
pub fn on_pane_key(model: &mut Model, key: Key, keymap: &Keymap, fx: &mut Vec<Effect>) {
    match key.code {
        KeyCode::Char('a') if !key.ctrl && !key.alt => return open_comment(model, true),
        KeyCode::Char('x') if !key.ctrl && !key.alt => return open_comment(model, false),
        KeyCode::Esc => {
            model.mode = Mode::Normal;
            return;
        }
        _ => {}
    }
    let count = model.approvals.count();
    let sel = &mut model.approvals.selected;
    match keymap.lookup(key) {
        Some(Command::Down) => *sel = (*sel + 1).min(count.saturating_sub(1)),
        Some(Command::Up) => *sel = sel.saturating_sub(1),
        Some(Command::Top) => *sel = 0,
        Some(Command::Bottom) => *sel = count.saturating_sub(1),
        Some(Command::FocusApprovals | Command::Back) => model.mode = Mode::Normal,
        Some(Command::Quit) => {
            model.quit = true;
            fx.push(Effect::Quit);
        }
        Some(Command::Help) => model.mode = Mode::Help { scroll: 0 },
        _ => {}
    }
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
    // Where to write and as whom, looked up only on submit (it may scan the apps).
    let ctx = (key == Key::ctrl('s')).then(|| (resolved_source(model), current_user(model)));
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
    let Some((Some(source), Some(user))) = ctx else {
        draft.error = Some("still learning who you are from Argo CD — try again in a moment".into());
        return;
    };
    model.mode = Mode::Approvals;
    model.approvals.deciding = Some(id.clone());
    fx.push(Effect::DecideApproval { id, approve, comment, source, user });
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
        Ok(_) if !approve => model.flash = Some(Flash { text: format!("rejected {id}"), error: false }),
        Ok(DecisionOutcome { run: Some(run), .. }) => {
            let key = model
                .deployments
                .values()
                .find(|d| d.service == run.service && d.env == run.env)
                .map(|d| d.key.clone());
            match key {
                Some(key) => {
                    let label = format!("{}/{}", run.service, run.env);
                    start_run(model, key, label, run.action, fx);
                    let text = format!("approved {id}: policy satisfied, running it now");
                    model.flash = Some(Flash { text, error: false });
                }
                None => flash_error(
                    model,
                    format!("approved {id} and claimed its run, but {}/{} is not in view", run.service, run.env),
                ),
            }
        }
        Ok(DecisionOutcome { note: Some(note), .. }) => flash_error(model, format!("approved {id}: {note}")),
        Ok(o) if o.claimed_elsewhere => {
            let text = format!("approved {id}: satisfied; another console is running it");
            model.flash = Some(Flash { text, error: false });
        }
        Ok(o) => {
            let text = format!("approved {id}: {} of {} approvals", o.counted, o.needed);
            model.flash = Some(Flash { text, error: false });
        }
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
