//! Pure update tests of the approvals pane: loading on start and when due, newest-wins,
//! never blanking, focus and selection keys, the comment editor, refusals, and running a
//! claimed request through the run path.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::approvals::{
    ClaimedRun, DecisionOutcome, EngineView, MyRequest, PendingRequest, PolicyState, TextEditor, APPROVALS_RELOAD_MS,
};
use crate::domain::model::{InstanceState, Mode};
use crate::domain::*;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn request(id: &str, refusal: Option<&str>) -> PendingRequest {
    PendingRequest {
        id: id.into(),
        action: "promote".into(),
        service: "alpha".into(),
        from_env: Some("staging".into()),
        to_env: "prod".into(),
        summary: format!("promote alpha staging → prod ({id})"),
        requester: "dave".into(),
        ticket: Some("CHG-1".into()),
        reason: None,
        requested_at: t(0),
        approvals: vec![],
        counted: 0,
        needed: 2,
        ignored: vec![],
        diff: vec!["+    newTag: v2".into()],
        refusal: refusal.map(Into::into),
        status: "pending".into(),
        open: true,
        lane: None,
    }
}

fn view(requests: Vec<PendingRequest>) -> EngineView {
    EngineView { requests, mine: Vec::new() }
}

/// One prod instance, alice logged in, alpha deployed; the ledger at a configured remote.
fn model() -> Model {
    let mut m = Model { now: t(0), envs: vec!["prod".into()], ..Default::default() };
    let mut inst = InstanceState { name: "prod".into(), env: Some("prod".into()), ..Default::default() };
    let alice = UserInfo { username: "alice".into(), groups: vec!["release-managers".into()] };
    inst.user = Loadable::Ready { value: alice, at: t(0) };
    m.instances = vec![inst];
    let d = Deployment {
        key: AppKey { instance: 0, namespace: "argocd".into(), name: "alpha-prod".into() },
        service: "alpha".into(),
        env: "prod".into(),
        repo_url: "file:///srv/gitops.git".into(),
        ..Default::default()
    };
    m.deployments.insert(d.key.clone(), d);
    m.approvals.engine =
        Some("policy policy.toml and ledger refs/flightdeck/approvals of file:///srv/gitops.git".into());
    m.approvals.policy = PolicyState::Reading;
    m
}

fn key(c: char) -> Msg {
    Msg::Key(Key::char(c))
}

fn loads(fx: &[Effect]) -> Vec<(u64, u64)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::LoadApprovals { generation, delay_ms, .. } => Some((*generation, *delay_ms)),
            _ => None,
        })
        .collect()
}

/// The model after the first load answered with `reqs`, and its effects.
fn loaded(reqs: Vec<PendingRequest>) -> (Model, Vec<Effect>) {
    let mut m = model();
    let fx = init(&mut m);
    let (generation, _) = loads(&fx)[0];
    let fx = update(&mut m, Msg::ApprovalsLoaded { generation, result: Ok(view(reqs)), at: t(1) }, &keymap());
    (m, fx)
}

fn keymap() -> Keymap {
    crate::config::keymap::builtin()
}

#[test]
fn loads_on_start_then_again_when_due() {
    let mut m = model();
    let fx = init(&mut m);
    assert_eq!(loads(&fx), vec![(1, 0)], "one load at once on start");
    let fx = update(
        &mut m,
        Msg::ApprovalsLoaded { generation: 1, result: Ok(view(vec![request("r1", None)])), at: t(1) },
        &keymap(),
    );
    assert_eq!(loads(&fx), vec![(2, APPROVALS_RELOAD_MS)], "the next read is due in 5 s, not a free-running timer");
    assert_eq!(m.approvals.count(), 1);
}

#[test]
fn nothing_is_loaded_when_approvals_are_not_configured() {
    let mut m = model();
    m.approvals.engine = None;
    m.approvals.policy = PolicyState::RbacOnly;
    assert!(loads(&init(&mut m)).is_empty());
}

#[test]
fn governance_is_opt_in_the_repo_the_apps_share_is_never_guessed() {
    // Every app points at one repository, but no remote is configured: Argo CD RBAC only,
    // nothing is read (the app's repository is often private, reached with other keys).
    let mut m = model();
    m.approvals.engine = None;
    m.approvals.policy = PolicyState::RbacOnly;
    let fx = init(&mut m);
    assert!(loads(&fx).is_empty());
    update(&mut m, Msg::Key(Key::plain(KeyCode::Tab)), &keymap());
    assert_eq!(m.mode, Mode::Normal);
    let flash = m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains("no Flightdeck policy: Argo CD RBAC only"), "{flash}");
}

#[test]
fn the_requester_is_told_what_happened_to_their_request() {
    let (mut m, fx) = loaded(vec![]);
    let (generation, _) = loads(&fx)[0];
    let mine = |events: &[&str], closed| MyRequest {
        id: "r9".into(),
        summary: "sync alpha in prod".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        closed,
    };
    let first = EngineView { requests: vec![], mine: vec![mine(&["filed by alice"], false)] };
    let fx = update(&mut m, Msg::ApprovalsLoaded { generation, result: Ok(first), at: t(6) }, &keymap());
    assert!(m.runs.is_empty(), "what happened before this console watched is not replayed");
    let (generation, _) = loads(&fx)[0];
    let later = EngineView {
        requests: vec![],
        mine: vec![mine(&["filed by alice", "rejected by bob: not during the incident"], true)],
    };
    update(&mut m, Msg::ApprovalsLoaded { generation, result: Ok(later), at: t(11) }, &keymap());
    let flash = m.flash.clone().expect("told");
    assert!(flash.error && flash.text.contains("rejected by bob: not during the incident"), "{flash:?}");
    let run = m.runs.last().expect("a run-log entry for the request");
    assert_eq!(run.request.as_deref(), Some("r9"));
    assert!(matches!(&run.outcome, RunOutcome::Failed { message, .. } if message.contains("rejected by bob")));
}

#[test]
fn w_withdraws_your_own_request_only() {
    let mut mine = request("r1", None);
    mine.requester = "alice".into();
    let (mut m, _) = loaded(vec![mine, request("r2", None)]);
    m.mode = Mode::Approvals;
    let fx = update(&mut m, key('w'), &keymap());
    assert!(matches!(fx.as_slice(), [Effect::WithdrawRequest { id, user }] if id == "r1" && user.username == "alice"));
    m.approvals.deciding = None;
    m.approvals.selected = 1;
    let fx = update(&mut m, key('w'), &keymap());
    assert!(fx.is_empty());
    assert!(m.flash.as_ref().is_some_and(|f| f.text.contains("only dave (who asked) may withdraw r2")));
}

#[test]
fn stale_answers_drop_and_failures_keep_the_requests() {
    let (mut m, fx) = loaded(vec![request("r1", None)]);
    let (due, _) = loads(&fx)[0];
    // An answer to an older load arrives late: ignored.
    update(&mut m, Msg::ApprovalsLoaded { generation: due - 1, result: Ok(view(vec![])), at: t(2) }, &keymap());
    assert_eq!(m.approvals.count(), 1);
    // The due load fails: the requests stay shown with the error.
    let failure = Failure::new(ErrorKind::Unavailable, "remote hung up");
    update(&mut m, Msg::ApprovalsLoaded { generation: due, result: Err(failure), at: t(6) }, &keymap());
    assert_eq!(m.approvals.count(), 1);
    assert!(m.approvals.pending.failure().is_some());
}

#[test]
fn tab_focuses_jk_select_and_tab_returns() {
    let (mut m, _) = loaded(vec![request("r1", None), request("r2", None)]);
    update(&mut m, Msg::Key(Key::plain(KeyCode::Tab)), &keymap());
    assert_eq!(m.mode, Mode::Approvals);
    update(&mut m, key('j'), &keymap());
    update(&mut m, key('j'), &keymap());
    assert_eq!(m.approvals.selected, 1, "clamped to the last request");
    update(&mut m, key('k'), &keymap());
    assert_eq!(m.approvals.selected, 0);
    update(&mut m, Msg::Key(Key::plain(KeyCode::Tab)), &keymap());
    assert_eq!(m.mode, Mode::Normal);
}

#[test]
fn approve_opens_the_editor_and_ctrl_s_sends_the_comment() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    update(&mut m, Msg::Key(Key::plain(KeyCode::Tab)), &keymap());
    update(&mut m, key('a'), &keymap());
    assert!(matches!(&m.mode, Mode::ApprovalComment(d) if d.approve && d.id == "r1"));
    for c in "ok".chars() {
        update(&mut m, key(c), &keymap());
    }
    update(&mut m, Msg::Key(Key::plain(KeyCode::Enter)), &keymap());
    for c in "CHG-1".chars() {
        update(&mut m, key(c), &keymap());
    }
    let fx = update(&mut m, Msg::Key(Key::ctrl('s')), &keymap());
    let sent = fx.iter().find_map(|e| match e {
        Effect::DecideApproval { id, approve, comment, user, .. } => {
            Some((id.clone(), *approve, comment.clone(), user.username.clone()))
        }
        _ => None,
    });
    assert_eq!(sent, Some(("r1".into(), true, "ok\nCHG-1".into(), "alice".into())));
    assert_eq!(m.mode, Mode::Approvals);
    assert_eq!(m.approvals.deciding.as_deref(), Some("r1"));
}

#[test]
fn a_rejection_needs_a_comment_and_esc_cancels() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    m.mode = Mode::Approvals;
    update(&mut m, key('x'), &keymap());
    let fx = update(&mut m, Msg::Key(Key::ctrl('s')), &keymap());
    assert!(fx.is_empty());
    assert!(
        matches!(&m.mode, Mode::ApprovalComment(d) if d.error.as_deref() == Some("a rejection needs a comment saying why"))
    );
    update(&mut m, Msg::Key(Key::plain(KeyCode::Esc)), &keymap());
    assert_eq!(m.mode, Mode::Approvals);
}

#[test]
fn four_eyes_refusal_is_explained_instead_of_opening_the_editor() {
    let why = "you asked for this promote; prod needs someone else to approve it (four-eyes)";
    let (mut m, _) = loaded(vec![request("r1", Some(why))]);
    m.mode = Mode::Approvals;
    let fx = update(&mut m, key('a'), &keymap());
    assert!(fx.iter().all(|e| !matches!(e, Effect::DecideApproval { .. })));
    assert_eq!(m.mode, Mode::Approvals);
    assert_eq!(m.flash.as_ref().map(|f| f.text.as_str()), Some(why));
}

#[test]
fn a_claimed_request_runs_through_the_run_path_and_the_ledger_reloads() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    m.approvals.deciding = Some("r1".into());
    let action = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
    let outcome = DecisionOutcome {
        counted: 2,
        needed: 2,
        run: Some(ClaimedRun {
            service: "alpha".into(),
            env: "prod".into(),
            action: action.clone(),
            context: RunContext { request: Some("r1".into()), ..RunContext::default() },
        }),
        claimed_elsewhere: false,
        note: None,
    };
    let fx = update(
        &mut m,
        Msg::ApprovalDecided { id: "r1".into(), approve: true, result: Ok(outcome), at: t(3) },
        &keymap(),
    );
    let run = fx.iter().find_map(|e| match e {
        Effect::RunAction { key, action, user, context, .. } => {
            Some((key.name.clone(), action.clone(), user.username.clone(), context.request.clone()))
        }
        _ => None,
    });
    assert_eq!(run, Some(("alpha-prod".into(), action, "alice".into(), Some("r1".into()))));
    assert_eq!(m.runs.len(), 1);
    assert_eq!(loads(&fx).len(), 1, "the ledger is read again at once");
    assert!(m.approvals.deciding.is_none());
}

#[test]
fn a_refused_decision_is_flashed_with_the_policy_sentence() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    let f = Failure::new(ErrorKind::Forbidden, "prod needs approvals from release-managers; you are bob in no group");
    update(&mut m, Msg::ApprovalDecided { id: "r1".into(), approve: true, result: Err(f), at: t(3) }, &keymap());
    let flash = m.flash.expect("a flash");
    assert!(flash.error);
    assert!(flash.text.contains("prod needs approvals from release-managers"), "{}", flash.text);
    assert!(m.runs.is_empty());
}

#[test]
fn editor_state_survives_in_the_model_as_plain_lines() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    m.mode = Mode::Approvals;
    update(&mut m, key('a'), &keymap());
    update(&mut m, key('h'), &keymap());
    match &m.mode {
        Mode::ApprovalComment(d) => assert_eq!(d.editor, TextEditor { lines: vec!["h".into()], row: 0, col: 1 }),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_poll_that_finds_the_ledger_unchanged_costs_no_frame_but_keeps_polling() {
    let (mut m, fx) = loaded(vec![request("r1", None)]);
    let (generation, _) = loads(&fx)[0];
    let rev = m.view_rev;
    let fx = update(
        &mut m,
        Msg::ApprovalsLoaded { generation, result: Ok(view(vec![request("r1", None)])), at: t(6) },
        &keymap(),
    );
    assert_eq!(m.view_rev, rev, "nothing visible changed: no redraw");
    assert_eq!(loads(&fx), vec![(generation + 1, APPROVALS_RELOAD_MS)], "the next poll is still scheduled");
    assert_eq!(m.approvals.pending.at(), Some(t(6)), "the time of the last check moved");
    // A real change does redraw.
    let fx = update(
        &mut m,
        Msg::ApprovalsLoaded { generation: generation + 1, result: Ok(view(vec![])), at: t(11) },
        &keymap(),
    );
    assert_ne!(m.view_rev, rev);
    assert_eq!(loads(&fx).len(), 1);
}

#[test]
fn a_from_the_matrix_opens_the_view_first_and_the_request_scrolls() {
    let (mut m, _) = loaded(vec![request("r1", None), request("r2", None)]);
    update(&mut m, key('a'), &keymap());
    assert_eq!(m.mode, Mode::Approvals, "the request is read before anything is approved");
    update(&mut m, Msg::Key(Key::ctrl('d')), &keymap());
    update(&mut m, Msg::Key(Key::ctrl('d')), &keymap());
    assert_eq!(m.approvals.scroll, 20);
    update(&mut m, Msg::Key(Key::ctrl('u')), &keymap());
    assert_eq!(m.approvals.scroll, 10);
    // Another request starts at its top.
    update(&mut m, key('j'), &keymap());
    assert_eq!((m.approvals.selected, m.approvals.scroll), (1, 0));
    update(&mut m, Msg::Key(Key::plain(KeyCode::Esc)), &keymap());
    assert_eq!(m.mode, Mode::Normal);
}

#[test]
fn approval_keys_come_from_the_keymap() {
    let (mut m, _) = loaded(vec![request("r1", None)]);
    m.mode = Mode::Approvals;
    let path = std::env::temp_dir().join(format!("fd-approve-keys-{}.toml", std::process::id()));
    std::fs::write(&path, "prepend_keymap = [{ on = [\"y\"], run = \"approve\", context = \"approvals\" }]\n").unwrap();
    let km = crate::config::keymap::load(Some(&path)).unwrap();
    let _ = std::fs::remove_file(&path);
    update(&mut m, key('y'), &km);
    assert!(matches!(&m.mode, Mode::ApprovalComment(d) if d.approve && d.id == "r1"));
}

fn notices(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.body.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_approval_waiting_on_me_notifies_once_and_refused_ones_never() {
    let (mut m, fx) = loaded(vec![request("r1", None), request("r2", Some("you asked for it"))]);
    assert_eq!(notices(&fx), vec!["promote alpha staging → prod (r1) · asked by dave"]);
    let generation = m.approvals.generation;
    let again = vec![request("r1", None), request("r3", None)];
    let fx = update(&mut m, Msg::ApprovalsLoaded { generation, result: Ok(view(again)), at: t(6) }, &keymap());
    assert_eq!(notices(&fx), vec!["promote alpha staging → prod (r3) · asked by dave"], "r1 was told already");
    // Turned off in [notify]: nothing.
    m.notify.on.clear();
    let generation = m.approvals.generation;
    let fx = update(
        &mut m,
        Msg::ApprovalsLoaded { generation, result: Ok(view(vec![request("r4", None)])), at: t(11) },
        &keymap(),
    );
    assert!(notices(&fx).is_empty());
}
