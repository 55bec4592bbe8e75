//! Pure update tests of the promotion flow: the `p` key, the dialog, the plan and refusal
//! messages, and each branch of the policy (run, needs approval, refused).

use chrono::{DateTime, Utc};

use crate::app::{update, Effect, Key, Keymap, Msg};
use crate::domain::model::{DialogKind, InstanceState, Mode};
use crate::domain::policy::{self, Policy};
use crate::domain::promotion::{PromoteDialog, PromoteField, PromotionPlan};
use crate::domain::*;

fn t(s: i64) -> DateTime<Utc> {
    // Tuesday 2023-11-14 22:13 UTC: outside the example policy's prod freeze.
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn keymap() -> Keymap {
    crate::config::keymap::builtin()
}

fn dep(instance: usize, service: &str, env: &str, tag: &str) -> Deployment {
    Deployment {
        key: AppKey { instance, namespace: "argocd".into(), name: format!("{service}-{env}") },
        service: service.into(),
        env: env.into(),
        health: Health::Healthy,
        sync: SyncStatus::Synced,
        images: vec![format!("registry.example.com/{service}:{tag}")],
        auto_sync: env != "prod",
        ..Default::default()
    }
}

/// dev runs v3, staging v2, prod v1; `user` is who Argo CD says we are on every instance.
fn model(user: &str, groups: &[&str]) -> Model {
    let envs = ["dev", "staging", "prod"];
    let info = UserInfo { username: user.into(), groups: groups.iter().map(|g| g.to_string()).collect() };
    let mut m = Model {
        now: t(0),
        envs: envs.iter().map(|s| s.to_string()).collect(),
        protected_envs: ["prod".to_string()].into_iter().collect(),
        instances: envs
            .iter()
            .map(|e| InstanceState {
                name: e.to_string(),
                env: Some(e.to_string()),
                user: Loadable::Ready { value: info.clone(), at: t(0) },
                ..Default::default()
            })
            .collect(),
        page_rows: 10,
        ..Default::default()
    };
    for (i, (e, tag)) in envs.iter().zip(["v3", "v2", "v1"]).enumerate() {
        let apps = vec![dep(i, "alpha", e, tag), dep(i, "bravo", e, tag)];
        update(&mut m, Msg::AppsListed { instance: i, apps, at: t(1) }, &keymap());
    }
    m
}

fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    keys.split_whitespace().flat_map(|k| update(m, Msg::Key(Key::parse(k).unwrap()), &keymap())).collect()
}

fn type_text(m: &mut Model, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| update(m, Msg::Key(Key::char(c)), &keymap())).collect()
}

fn promote_dialog(m: &Model) -> &PromoteDialog {
    match &m.mode {
        Mode::Dialog(d) => match &d.kind {
            DialogKind::Promote(p) => p,
            other => panic!("not the promotion dialog: {other:?}"),
        },
        other => panic!("no dialog: {other:?}"),
    }
}

fn dialog_error(m: &Model) -> Option<String> {
    match &m.mode {
        Mode::Dialog(d) => d.error.clone(),
        _ => None,
    }
}

fn example_policy() -> Policy {
    policy::parse(policy::EXAMPLE, std::path::Path::new("policy.toml")).unwrap()
}

/// The plan of a promotion with `lines` of context; `policy` becomes the console's policy in
/// force (the open policy stands for no Flightdeck policy: Argo CD RBAC only).
fn plan(policy: Policy, lines: usize) -> (PromotionPlan, Policy) {
    let mut diff = vec![DiffLine::Hunk("--- a/kustomization.yaml".into()), DiffLine::Hunk("+++ b/k".into())];
    for i in 0..lines {
        diff.push(DiffLine::Context(format!("line {i}")));
    }
    diff.push(DiffLine::Removed("    newTag: v2".into()));
    diff.push(DiffLine::Added("    newTag: v3".into()));
    let path = "apps/alpha/overlays/staging".into();
    (PromotionPlan { diff, repo_url: "file:///gitops.git".into(), path, images: Vec::new() }, policy)
}

/// Press `p` and answer the plan request with `plan`; returns the generation asked for.
fn open_with_plan(m: &mut Model, (p, policy): (PromotionPlan, Policy)) -> u64 {
    m.approvals.policy = if policy.open {
        crate::domain::approvals::PolicyState::RbacOnly
    } else {
        m.approvals.engine = Some("the ledger of file:///gitops.git".into());
        crate::domain::approvals::PolicyState::Ready(policy)
    };
    let fx = press(m, "p");
    let Some(Effect::PlanPromotion { generation, .. }) = fx.iter().find(|e| matches!(e, Effect::PlanPromotion { .. }))
    else {
        panic!("no plan asked for: {fx:?}");
    };
    let generation = *generation;
    update(m, Msg::PromotionPlanned { generation, result: Ok(Box::new(p)), at: t(2) }, &keymap());
    generation
}

#[test]
fn p_opens_the_dialog_at_once_and_asks_for_the_plan_of_the_next_environment() {
    let mut m = model("dave", &["developers"]);
    let fx = press(&mut m, "p");
    let staging_alpha = dep(1, "alpha", "staging", "v2").key;
    let asked: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::PlanPromotion { .. })).collect();
    assert_eq!(asked.len(), 1);
    let Effect::PlanPromotion { generation, target, images, .. } = asked[0] else { unreachable!() };
    assert_eq!((*generation, target), (1, &staging_alpha));
    assert_eq!(images, &["registry.example.com/alpha:v3".to_string()]);
    let p = promote_dialog(&m);
    assert_eq!((p.from_env.as_str(), p.to_env.as_str()), ("dev", "staging"));
    assert_eq!(p.versions(), ["v3"]);
    assert_eq!(p.target_version, "v2");
    assert!(p.plan.is_loading(), "computing the diff");
    let Mode::Dialog(d) = &m.mode else { unreachable!() };
    assert_eq!((d.target.clone(), d.env.as_str(), d.require_typed.clone()), (staging_alpha, "staging", None));
    // Enter before the plan arrives changes nothing and says why.
    let fx = press(&mut m, "enter");
    assert!(fx.is_empty());
    assert!(dialog_error(&m).unwrap().contains("still computing the diff"));
}

#[test]
fn p_in_the_last_environment_or_without_a_target_says_why() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, "l l");
    let fx = press(&mut m, "p");
    assert!(fx.iter().all(|e| !matches!(e, Effect::PlanPromotion { .. })));
    assert_eq!(m.mode, Mode::Normal);
    let flash = m.flash.clone().unwrap();
    assert!(flash.error && flash.text.contains("prod is the last environment"), "{flash:?}");
    // A dev app with no image to promote.
    let mut m = model("dave", &["developers"]);
    let key = m.selected_key().cloned().unwrap();
    m.deployments.get_mut(&key).unwrap().images.clear();
    press(&mut m, "p");
    assert!(m.flash.clone().unwrap().text.contains("no image to promote"));
    assert_eq!(m.mode, Mode::Normal);
}

#[test]
fn the_plan_fills_the_dialog_scrolls_with_j_k_and_stale_answers_drop() {
    let mut m = model("dave", &["developers"]);
    let generation = open_with_plan(&mut m, plan(Policy::open(), 30));
    assert_eq!(promote_dialog(&m).plan.value().unwrap().diff.len(), 34);
    press(&mut m, "j j j k");
    assert_eq!(promote_dialog(&m).scroll, 2);
    // A late answer for an earlier dialog does not replace this plan.
    let stale = Err(Failure::new(ErrorKind::Unavailable, "old"));
    update(&mut m, Msg::PromotionPlanned { generation: generation - 1, result: stale, at: t(3) }, &keymap());
    assert!(promote_dialog(&m).plan.value().is_some());
    // Esc closes; reopening asks again with a new generation.
    press(&mut m, "esc");
    assert_eq!(m.mode, Mode::Normal);
    let fx = press(&mut m, "p");
    assert!(fx.iter().any(|e| matches!(e, Effect::PlanPromotion { generation: g, .. } if *g == generation + 1)));
}

#[test]
fn a_refused_plan_is_shown_and_enter_closes_with_the_answer() {
    let mut m = model("dave", &["developers"]);
    let fx = press(&mut m, "p");
    assert!(!fx.is_empty());
    let nothing = Failure::new(ErrorKind::Usage, "nothing to do: alpha-staging already runs v3");
    update(&mut m, Msg::PromotionPlanned { generation: 1, result: Err(nothing), at: t(2) }, &keymap());
    assert!(promote_dialog(&m).refused().unwrap().message.starts_with("nothing to do"));
    let fx = press(&mut m, "enter");
    assert!(fx.iter().all(|e| !matches!(e, Effect::RunAction { .. } | Effect::RequestApproval { .. })));
    assert_eq!(m.mode, Mode::Normal);
    let flash = m.flash.clone().unwrap();
    assert!(!flash.error && flash.text.contains("nothing to do"), "{flash:?}");
    // A real failure (no such image) closes as an error.
    press(&mut m, "p");
    let missing = Failure::new(ErrorKind::NotFound, "apps/alpha/overlays/staging/kustomization.yaml: no image alpha");
    update(&mut m, Msg::PromotionPlanned { generation: 2, result: Err(missing), at: t(2) }, &keymap());
    press(&mut m, "enter");
    assert!(m.flash.clone().unwrap().error);
}

#[test]
fn policy_run_starts_the_promotion_with_the_diff_shown() {
    let mut m = model("dave", &["developers"]);
    let shown = plan(example_policy(), 2);
    open_with_plan(&mut m, shown.clone());
    let shown = shown.0;
    let fx = press(&mut m, "enter");
    assert_eq!(m.mode, Mode::Normal);
    let runs: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::RunAction { .. })).collect();
    assert_eq!(runs.len(), 1, "{fx:?}");
    let Effect::RunAction { key, action: Action::Promote(p), user, .. } = runs[0] else { panic!("{runs:?}") };
    assert_eq!(key, &dep(1, "alpha", "staging", "v2").key);
    assert_eq!(user.username, "dave");
    assert_eq!((p.from_env.as_str(), p.to_env.as_str(), p.service.as_str()), ("dev", "staging", "alpha"));
    assert_eq!(p.diff, shown.diff, "the run refuses if the change is no longer the one shown");
    assert_eq!(p.images, ["registry.example.com/alpha:v3"]);
    let run = m.runs.last().unwrap();
    let steps: Vec<&str> = run.steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(steps, ["diff planned: 2 changed line(s)", "allowed by policy"]);
    assert_eq!(run.label, "alpha/staging");
}

#[test]
fn policy_needs_approval_asks_ticket_reason_and_name_then_files_a_request() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, "l");
    open_with_plan(&mut m, plan(example_policy(), 1));
    assert_eq!(promote_dialog(&m).to_env, "prod");
    // Ticket and reason are required in prod, and the name must be typed.
    let fx = press(&mut m, "enter");
    assert!(fx.is_empty());
    assert!(dialog_error(&m).unwrap().contains("change ticket"));
    assert_eq!(promote_dialog(&m).focus, PromoteField::Ticket);
    type_text(&mut m, "CHG-1");
    press(&mut m, "enter");
    assert_eq!(promote_dialog(&m).focus, PromoteField::Reason);
    type_text(&mut m, "ship it");
    press(&mut m, "enter");
    assert!(dialog_error(&m).unwrap().contains("type alpha to confirm"));
    type_text(&mut m, "alpha");
    let fx = press(&mut m, "enter");
    assert_eq!(m.mode, Mode::Normal);
    assert!(fx.iter().all(|e| !matches!(e, Effect::RunAction { .. })), "nothing runs before approvals: {fx:?}");
    let asked: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::RequestApproval { .. })).collect();
    assert_eq!(asked.len(), 1);
    let Effect::RequestApproval { run_id, requester, request, action, .. } = asked[0] else { unreachable!() };
    let Action::Promote(promotion) = &**action else { panic!("not a promotion: {action:?}") };
    assert_eq!(requester.username, "dave");
    assert_eq!((request.ticket.as_deref(), request.reason.as_deref()), (Some("CHG-1"), Some("ship it")));
    assert_eq!((promotion.from_env.as_str(), promotion.to_env.as_str()), ("staging", "prod"));
    let run = m.runs.iter().find(|r| r.id == *run_id).unwrap();
    let waiting = run.steps.last().unwrap();
    assert_eq!(waiting.label, "approval requested: needs 2 of release-managers");
    assert_eq!(waiting.status, StepStatus::Running);
    // The ledger took it.
    let id = *run_id;
    update(&mut m, Msg::ApprovalRequested { run_id: id, result: Ok("req-1a2b".into()), at: t(5) }, &keymap());
    let run = m.runs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(run.outcome, RunOutcome::Succeeded);
    assert!(run.steps.iter().all(|s| s.status == StepStatus::Done));
    assert!(run.steps.iter().any(|s| s.label == "request req-1a2b filed"));
    let flash = m.flash.clone().unwrap();
    assert!(!flash.error && flash.text.contains("req-1a2b") && flash.text.contains("needs 2 of release-managers"));
}

#[test]
fn a_request_the_ledger_refuses_fails_its_run() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, "l");
    open_with_plan(&mut m, plan(example_policy(), 1));
    press(&mut m, "tab");
    type_text(&mut m, "CHG-1");
    press(&mut m, "tab");
    type_text(&mut m, "why");
    press(&mut m, "tab");
    type_text(&mut m, "alpha");
    let fx = press(&mut m, "enter");
    let Some(Effect::RequestApproval { run_id, .. }) = fx.iter().find(|e| matches!(e, Effect::RequestApproval { .. }))
    else {
        panic!("{fx:?}")
    };
    let err = Err(Failure::new(ErrorKind::Unavailable, "approvals ledger: remote unreachable"));
    update(&mut m, Msg::ApprovalRequested { run_id: *run_id, result: err, at: t(5) }, &keymap());
    let run = m.runs.iter().find(|r| r.id == *run_id).unwrap();
    assert!(matches!(&run.outcome, RunOutcome::Failed { message, .. } if message.contains("unreachable")));
    assert!(m.flash.clone().unwrap().error);
}

#[test]
fn policy_refusal_keeps_the_dialog_open_with_the_explanation() {
    let mut m = model("eve", &["marketing"]);
    open_with_plan(&mut m, plan(example_policy(), 1));
    let fx = press(&mut m, "enter");
    // Nothing written to Git or Argo CD; the refusal itself goes to the trail and the run log.
    assert!(matches!(fx.as_slice(), [Effect::Record(e)] if e.event == "refusal" && e.actor == "eve"), "{fx:?}");
    let p = promote_dialog(&m);
    let why = p.refusal.clone().unwrap();
    assert!(why.contains("you are eve in group marketing"), "{why}");
    assert_eq!(dialog_error(&m).unwrap(), why);
    assert!(
        matches!(&m.runs[..], [r] if matches!(&r.outcome, RunOutcome::Failed { message, .. } if message.contains("eve")))
    );
}

#[test]
fn promoting_past_the_next_environment_is_refused_naming_the_one_skipped() {
    let mut m = model("dave", &["developers"]);
    // Without a policy too: the configured order holds (dev → staging → prod).
    m.approvals.policy = crate::domain::approvals::PolicyState::RbacOnly;
    let dev = m.selected().cloned().unwrap();
    let prod_key = dep(2, "alpha", "prod", "v1").key;
    let promotion = Action::Promote(Box::new(Promotion::new("alpha", &dev.env, "prod", dev.images.clone())));
    let mut fx = Vec::new();
    let asked = crate::app::gate::Asked::default();
    let held = crate::app::gate::govern(&mut m, prod_key, "alpha", "prod", promotion, &asked, &mut fx);
    let Err(crate::app::gate::Hold::Refused(why)) = held else { panic!("{held:?}") };
    assert!(why.contains("skips staging") && why.contains("dev → staging first"), "{why}");
    assert!(matches!(fx.as_slice(), [Effect::Record(_)]), "{fx:?}");
}

#[test]
fn confirm_waits_for_userinfo() {
    let mut m = model("dave", &["developers"]);
    for i in &mut m.instances {
        i.user = Loadable::NotAsked;
    }
    open_with_plan(&mut m, plan(example_policy(), 1));
    assert!(press(&mut m, "enter").is_empty());
    assert!(dialog_error(&m).unwrap().contains("who you are"));
}

/// `:deploy TAG` in the selected cell, answered with a plan; the plan request's effect.
fn deploy_with_plan(m: &mut Model, tag: &str) -> Effect {
    command_with_plan(m, &format!("deploy {tag}"))
}

fn command_with_plan(m: &mut Model, line: &str) -> Effect {
    m.approvals.engine = Some("the ledger of file:///gitops.git".into());
    m.approvals.policy = crate::domain::approvals::PolicyState::Ready(example_policy());
    press(m, ":");
    type_text(m, line);
    let fx = press(m, "enter");
    let asked = fx.into_iter().find(|e| matches!(e, Effect::PlanPromotion { .. })).expect("a plan is asked for");
    let Effect::PlanPromotion { generation, .. } = &asked else { unreachable!() };
    let (p, _) = plan(example_policy(), 1);
    update(m, Msg::PromotionPlanned { generation: *generation, result: Ok(Box::new(p)), at: t(2) }, &keymap());
    asked
}

#[test]
fn deploy_command_opens_the_dialog_for_the_tag_in_place_and_runs_it_as_a_deploy() {
    let mut m = model("dave", &["developers"]);
    let asked = deploy_with_plan(&mut m, "v9");
    let Effect::PlanPromotion { target, images, .. } = asked else { unreachable!() };
    assert_eq!((target, images), (dep(0, "alpha", "dev", "v3").key, vec!["registry.example.com/alpha:v9".to_string()]));
    assert_eq!(promote_dialog(&m).intent, crate::domain::Intent::Deploy);
    let fx = press(&mut m, "enter");
    let run = fx.iter().find_map(|e| match e {
        Effect::RunAction { action: Action::Promote(p), .. } => Some(p.clone()),
        _ => None,
    });
    let p = run.unwrap_or_else(|| panic!("the deploy runs: {fx:?}"));
    assert_eq!((p.from_env.as_str(), p.to_env.as_str(), &p.intent), ("dev", "dev", &crate::domain::Intent::Deploy));
    assert_eq!(Action::Promote(p).verb(), "deploy");
}

#[test]
fn a_developer_deploying_in_prod_from_the_console_is_refused() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, "l l");
    deploy_with_plan(&mut m, "v9");
    press(&mut m, "enter");
    assert!(dialog_error(&m).unwrap().contains("change ticket to deploy in prod"), "{:?}", dialog_error(&m));
    type_text(&mut m, "CHG-1");
    press(&mut m, "enter");
    type_text(&mut m, "hotfix");
    press(&mut m, "enter");
    type_text(&mut m, "alpha");
    let fx = press(&mut m, "enter");
    let why = promote_dialog(&m).refusal.clone().unwrap_or_else(|| panic!("refused: {fx:?} {:?}", dialog_error(&m)));
    assert!(why.contains("deploy in prod") && why.contains("you are dave"), "{why}");
    assert!(fx.iter().any(|e| matches!(e, Effect::Record(r) if r.event == "refusal")), "{fx:?}");
}

#[test]
fn deploy_command_without_a_tag_says_why() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, ":");
    type_text(&mut m, "deploy");
    let fx = press(&mut m, "enter");
    assert!(fx.iter().all(|e| !matches!(e, Effect::PlanPromotion { .. })));
    assert!(m.flash.as_ref().is_some_and(|f| f.error && f.text.contains("needs an image tag")), "{:?}", m.flash);
}

#[test]
fn typing_while_the_diff_has_the_keys_goes_to_the_first_field() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, "l");
    open_with_plan(&mut m, plan(example_policy(), 1));
    assert_eq!(promote_dialog(&m).focus, PromoteField::Diff);
    type_text(&mut m, "CHG-7");
    assert_eq!(promote_dialog(&m).focus, PromoteField::Ticket);
    assert_eq!(promote_dialog(&m).ticket.text, "CHG-7", "not one key dropped");
}

#[test]
fn preview_command_asks_for_the_preview_of_the_cell_and_runs_it_as_a_preview() {
    use crate::domain::preview::PreviewOp;
    let mut m = model("dave", &["developers"]);
    m.now = t(100);
    let Effect::PlanPromotion { target, intent, .. } = command_with_plan(&mut m, "preview 4h") else { unreachable!() };
    assert_eq!(target, dep(0, "alpha", "dev", "v3").key, "planned beside the selected cell's overlay");
    let Intent::Preview(i) = intent else { panic!("a preview: {intent:?}") };
    assert_eq!((i.service.as_str(), i.from.as_str()), ("alpha", "dev"));
    assert!(i.name.starts_with("preview-dave-"), "{}", i.name);
    let PreviewOp::Request { owner, created, expires, tag } = &i.op else { panic!("{:?}", i.op) };
    assert_eq!(
        (owner.as_str(), *created, *expires - *created, tag),
        ("dave", t(100), chrono::Duration::hours(4), &None)
    );
    let fx = press(&mut m, "enter");
    let p = fx.iter().find_map(|e| match e {
        Effect::RunAction { action: Action::Promote(p), .. } => Some(p.clone()),
        _ => None,
    });
    let p = p.unwrap_or_else(|| panic!("dev lets anyone ask for a preview: {fx:?}"));
    assert_eq!(Action::Promote(p).verb(), "request preview");
}

#[test]
fn preview_command_refuses_a_bad_ttl() {
    let mut m = model("dave", &["developers"]);
    press(&mut m, ":");
    type_text(&mut m, "preview 30d");
    let fx = press(&mut m, "enter");
    assert!(fx.iter().all(|e| !matches!(e, Effect::PlanPromotion { .. })));
    assert!(m.flash.as_ref().is_some_and(|f| f.error && f.text.contains("at most 7d")), "{:?}", m.flash);
}
