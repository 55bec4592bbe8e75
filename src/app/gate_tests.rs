//! Pure update tests of the policy gate on the action dialogs: a prod sync the policy holds
//! becomes a request effect, a freeze refuses with its sentence, the on-call rollback runs as
//! an emergency, dev runs at once, and an unknown or unreadable policy refuses (fail closed).

use chrono::{DateTime, Utc};

use crate::app::{update, Effect, Key, Keymap, Msg};
use crate::domain::approvals::PolicyState;
use crate::domain::model::{InstanceState, Mode};
use crate::domain::policy::{self, Policy};
use crate::domain::*;

/// Tuesday 2023-11-14 22:13 UTC: outside the example's prod freeze.
const TUESDAY: i64 = 1_700_000_000;
/// Saturday 2023-11-18 22:13 UTC: inside it ("* * * * sat,sun").
const SATURDAY: i64 = TUESDAY + 4 * 86_400;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap()
}

fn keymap() -> Keymap {
    crate::config::keymap::builtin()
}

/// The example policy, where developers may also ask for a prod sync (it then needs one
/// approval from release-managers or sre, a ticket and a reason, as prod's defaults say).
fn policy() -> Policy {
    let text = format!(
        "{}\n[env.prod.sync]\nrequesters = [\"group:developers\", \"group:release-managers\", \"group:sre\"]\n",
        policy::EXAMPLE
    );
    policy::parse(&text, std::path::Path::new("policy.toml")).unwrap()
}

fn dep(instance: usize, env: &str) -> Deployment {
    Deployment {
        key: AppKey { instance, namespace: "argocd".into(), name: format!("alpha-{env}") },
        service: "alpha".into(),
        env: env.into(),
        health: Health::Healthy,
        sync: SyncStatus::Synced,
        auto_sync: env != "prod",
        ..Default::default()
    }
}

/// dev, staging, prod with one service, the ledger configured, `user` known everywhere, and
/// `policy` as the last ledger load read it.
fn model(user: &str, groups: &[&str], now: i64, policy: Option<PolicyState>) -> Model {
    let envs = ["dev", "staging", "prod"];
    let info = UserInfo { username: user.into(), groups: groups.iter().map(|g| g.to_string()).collect() };
    let mut m = Model {
        now: at(now),
        envs: envs.iter().map(|s| s.to_string()).collect(),
        protected_envs: ["prod".to_string()].into_iter().collect(),
        instances: envs
            .iter()
            .map(|e| InstanceState {
                name: e.to_string(),
                env: Some(e.to_string()),
                user: Loadable::Ready { value: info.clone(), at: at(now) },
                ..Default::default()
            })
            .collect(),
        page_rows: 10,
        ..Default::default()
    };
    m.approvals.engine = Some("the ledger of file:///gitops.git".into());
    m.approvals.policy = PolicyState::Reading;
    crate::app::init(&mut m);
    for (i, e) in envs.iter().enumerate() {
        update(&mut m, Msg::AppsListed { instance: i, apps: vec![dep(i, e)], at: at(now) }, &keymap());
    }
    if let Some(state) = policy {
        let generation = m.approvals.generation;
        assert!(generation > 0, "the ledger load (and with it the policy) was asked for");
        update(&mut m, Msg::PolicyLoaded { generation, state: Box::new(state), at: at(now) }, &keymap());
    }
    m
}

fn ready() -> Option<PolicyState> {
    Some(PolicyState::Ready(policy()))
}

fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    keys.split_whitespace().flat_map(|k| update(m, Msg::Key(Key::parse(k).unwrap()), &keymap())).collect()
}

fn type_text(m: &mut Model, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(m, Msg::Key(Key::char(c)), &keymap())).collect()
}

fn dialog_error(m: &Model) -> Option<String> {
    match &m.mode {
        Mode::Dialog(d) => d.error.clone(),
        other => panic!("no dialog: {other:?}"),
    }
}

/// In the open prod sync dialog: ticket, reason, name (tab between them), then enter.
fn fill_prod_dialog(m: &mut Model, ticket: &str, reason: &str) -> Vec<Effect> {
    if !ticket.is_empty() {
        press(m, "tab");
        type_text(m, ticket);
    }
    press(m, "tab");
    type_text(m, reason);
    press(m, "tab");
    type_text(m, "alpha");
    press(m, "enter")
}

fn nothing_sent(fx: &[Effect]) -> bool {
    fx.iter().all(|e| !matches!(e, Effect::RunAction { .. } | Effect::RequestApproval { .. }))
}

#[test]
fn a_prod_sync_by_dave_becomes_an_approval_request_and_nothing_runs() {
    let mut m = model("dave", &["developers"], TUESDAY, ready());
    press(&mut m, "l l s p");
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    assert!(d.gate.ticket.is_some() && d.gate.reason.is_some(), "prod asks for ticket and reason: {:?}", d.gate);
    // Without a ticket the dialog says so and nothing is sent.
    let fx = press(&mut m, "tab tab tab");
    type_text(&mut m, "alpha");
    assert!(nothing_sent(&press(&mut m, "enter")) && nothing_sent(&fx));
    assert_eq!(dialog_error(&m).as_deref(), Some("the policy needs a change ticket to sync in prod"));
    // enter moved the keys to the ticket.
    type_text(&mut m, "CHG-7");
    press(&mut m, "tab");
    type_text(&mut m, "hotfix");
    let fx = press(&mut m, "enter");
    assert_eq!(m.mode, Mode::Normal, "{fx:?}");
    assert!(fx.iter().all(|e| !matches!(e, Effect::RunAction { .. })), "nothing runs before approval: {fx:?}");
    let Some(Effect::RequestApproval { run_id, requester, request, service, action, .. }) =
        fx.iter().find(|e| matches!(e, Effect::RequestApproval { .. }))
    else {
        panic!("no request filed: {fx:?}")
    };
    assert_eq!((service.as_str(), requester.username.as_str()), ("alpha", "dave"));
    assert_eq!(**action, Action::Sync { prune: true, dry_run: false, force: false, apply_only: false });
    assert_eq!(request.action, Some(policy::ActionKind::Sync));
    assert_eq!((request.ticket.as_deref(), request.reason.as_deref()), (Some("CHG-7"), Some("hotfix")));
    let run = m.runs.iter().find(|r| r.id == *run_id).unwrap();
    assert_eq!(run.steps.last().unwrap().label, "approval requested: needs 1 of release-managers or sre");
    let id = *run_id;
    update(&mut m, Msg::ApprovalRequested { run_id: id, result: Ok("req-9".into()), at: at(TUESDAY + 1) }, &keymap());
    let flash = m.flash.clone().unwrap();
    assert_eq!(flash.text, "sync alpha/prod: approval request req-9 filed (needs 1 of release-managers or sre)");
    assert_eq!(m.runs.iter().find(|r| r.id == id).unwrap().outcome, RunOutcome::Succeeded);
}

#[test]
fn olgas_prod_sync_in_a_freeze_is_refused_with_the_freezes_sentence() {
    let mut m = model("olga", &["sre", "on-call"], SATURDAY, ready());
    press(&mut m, "l l s");
    let fx = fill_prod_dialog(&mut m, "CHG-8", "tidy up");
    assert!(nothing_sent(&fx), "{fx:?}");
    let err = dialog_error(&m).unwrap();
    assert!(err.starts_with("prod is frozen: Friday evening and weekend ("), "{err}");
    assert!(err.ends_with("; sre may override it with a reason"), "{err}");
    // The refusal reaches the run log and the trail.
    assert!(fx.iter().any(|e| matches!(e, Effect::Record(r) if r.event == "refusal" && r.actor == "olga")), "{fx:?}");
    assert!(
        matches!(&m.runs.last().unwrap().outcome, RunOutcome::Failed { message, .. } if message.contains("frozen"))
    );
}

#[test]
fn olga_overrides_the_freeze_with_ctrl_o_and_a_reason_and_the_run_says_so() {
    let mut m = model("olga", &["sre", "on-call"], SATURDAY, ready());
    press(&mut m, "l l s");
    fill_prod_dialog(&mut m, "CHG-8", "tidy up");
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    assert!(d.gate.may_override, "the freeze names sre: the dialog offers the override");
    press(&mut m, "ctrl-o");
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    assert!(d.gate.override_freeze);
    // The freeze no longer stops it; prod's approval still applies, and the request carries
    // the override (checked again, with it, when the approved request runs).
    let fx = press(&mut m, "enter");
    let Some(Effect::RequestApproval { request, .. }) = fx.iter().find(|e| matches!(e, Effect::RequestApproval { .. }))
    else {
        panic!("no request: {fx:?} {:?}", m.mode)
    };
    assert!(request.override_freeze);
    assert_eq!(request.reason.as_deref(), Some("tidy up"));
    // dave is not named by the freeze: ctrl-o says so and changes nothing.
    let mut m = model("dave", &["developers"], SATURDAY, ready());
    press(&mut m, "s ctrl-o");
    assert_eq!(dialog_error(&m).as_deref(), Some("no freeze you may override applies here"));
}

#[test]
fn olgas_prod_rollback_is_an_emergency_that_runs_at_once_with_a_reason() {
    let mut m = model("olga", &["sre", "on-call"], SATURDAY, ready());
    press(&mut m, "l l");
    let d = m.detail.as_ref().unwrap();
    let (key, generation) = (d.key.clone(), d.generation);
    let history = (0..3).map(|id| HistoryEntry { id, revision: format!("rev{id}"), ..Default::default() }).collect();
    // The newest entry runs now.
    let detail = AppDetail { history, sync_revision: "rev2".into(), ..Default::default() };
    update(&mut m, Msg::DetailLoaded { key, generation, result: Ok(detail), at: at(SATURDAY) }, &keymap());
    press(&mut m, "r");
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    assert!(d.gate.ticket.is_none() && d.gate.reason.is_some(), "an emergency asks a reason, no ticket");
    let fx = fill_prod_dialog(&mut m, "", "pager 4711: bad release");
    let Some(Effect::RunAction { action, key, .. }) = fx.iter().find(|e| matches!(e, Effect::RunAction { .. })) else {
        panic!("no run: {fx:?} {:?}", m.mode)
    };
    assert_eq!(*action, Action::Rollback { history_id: 1, pause_auto_sync: false });
    assert_eq!(key.name, "alpha-prod");
    let steps: Vec<&str> = m.runs.last().unwrap().steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(steps, ["allowed by policy: emergency rollback by olga without approvals"]);
}

#[test]
fn a_dev_sync_runs_at_once() {
    let mut m = model("dave", &["developers"], TUESDAY, ready());
    let fx = press(&mut m, "s enter");
    assert!(
        matches!(fx.as_slice(), [Effect::RunAction { action: Action::Sync { .. }, .. }]),
        "dev: anyone, at once: {fx:?}"
    );
}

#[test]
fn a_confirm_before_the_policy_is_read_waits_for_it_then_goes_ahead() {
    let mut m = model("dave", &["developers"], TUESDAY, None);
    assert!(nothing_sent(&press(&mut m, "s enter")));
    assert_eq!(dialog_error(&m).as_deref(), Some("reading the policy from the GitOps repository…"));
    let generation = m.approvals.generation;
    let msg = Msg::PolicyLoaded { generation, state: Box::new(PolicyState::Ready(policy())), at: at(TUESDAY + 1) };
    let fx = update(&mut m, msg, &keymap());
    assert!(matches!(fx.as_slice(), [Effect::RunAction { action: Action::Sync { .. }, .. }]), "{fx:?}");
    assert_eq!(m.mode, Mode::Normal);
    // Escaping the dialog meanwhile cancels it: the policy arriving sends nothing.
    let mut m = model("dave", &["developers"], TUESDAY, None);
    press(&mut m, "s enter esc");
    let generation = m.approvals.generation;
    let msg = Msg::PolicyLoaded { generation, state: Box::new(PolicyState::Ready(policy())), at: at(TUESDAY + 1) };
    assert!(nothing_sent(&update(&mut m, msg, &keymap())));
}

#[test]
fn the_same_policy_read_again_draws_no_frame_and_a_changed_one_does() {
    let mut m = model("dave", &["developers"], TUESDAY, ready());
    let again = |m: &mut Model, state: PolicyState| {
        let (generation, rev) = (m.approvals.generation, m.view_rev);
        update(m, Msg::PolicyLoaded { generation, state: Box::new(state), at: at(TUESDAY + 5) }, &keymap());
        m.view_rev != rev
    };
    assert!(!again(&mut m, PolicyState::Ready(policy())), "the poll's re-read of an unchanged policy");
    let failure = Failure::new(ErrorKind::Unavailable, "git fetch failed");
    assert!(again(&mut m, PolicyState::Unreadable(failure)), "a policy that became unreadable is shown");
    assert!(again(&mut m, PolicyState::Ready(policy())), "and readable again");
    // A confirm waiting for it goes ahead, which the screen shows.
    let mut m = model("dave", &["developers"], TUESDAY, None);
    press(&mut m, "s enter");
    m.approvals.policy = PolicyState::Ready(policy());
    assert!(again(&mut m, PolicyState::Ready(policy())));
    assert_eq!(m.mode, Mode::Normal);
}

#[test]
fn an_unreadable_policy_refuses_instead_of_guessing() {
    let failure = Failure::new(ErrorKind::Unavailable, "git fetch failed");
    // A confirm waiting for the first read is refused when the read fails.
    let mut m = model("alice", &["release-managers"], TUESDAY, None);
    press(&mut m, "s enter");
    let generation = m.approvals.generation;
    update(
        &mut m,
        Msg::PolicyLoaded { generation, state: Box::new(PolicyState::Unreadable(failure.clone())), at: at(TUESDAY) },
        &keymap(),
    );
    assert!(dialog_error(&m).unwrap().starts_with("cannot read the policy"), "{:?}", dialog_error(&m));
    let failure = Failure::new(ErrorKind::Unavailable, "git fetch failed");
    let mut m = model("alice", &["release-managers"], TUESDAY, Some(PolicyState::Unreadable(failure)));
    assert!(nothing_sent(&press(&mut m, "s enter")));
    let err = dialog_error(&m).unwrap();
    assert!(err.starts_with("cannot read the policy from the GitOps repository (git fetch failed)"), "{err}");
}
