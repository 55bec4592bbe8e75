//! Pure update tests of the `:new-service` form: typing and tabbing, the plan asked with
//! what the fields say (and dropped when they change), a stale plan ignored, the policy's
//! refusal kept in the form (and recorded), and a run started through the one gate.

use super::tests::{keymap, model, press, t, type_text};
use crate::app::{update, Effect, Msg};
use crate::domain::approvals::PolicyState;
use crate::domain::model::{DialogKind, Mode};
use crate::domain::new_service::{FormField, NewServiceForm};
use crate::domain::*;

fn form(m: &Model) -> &NewServiceForm {
    match &m.mode {
        Mode::Dialog(d) => match &d.kind {
            DialogKind::NewService(f) => f,
            other => panic!("not the form: {other:?}"),
        },
        other => panic!("no dialog: {other:?}"),
    }
}

fn error(m: &Model) -> Option<String> {
    match &m.mode {
        Mode::Dialog(d) => d.error.clone(),
        _ => None,
    }
}

/// Open the form and fill name, team and template.
fn filled() -> Model {
    let mut m = model();
    press(&mut m, ":");
    type_text(&mut m, "new-service");
    press(&mut m, "enter");
    type_text(&mut m, "billing");
    press(&mut m, "tab");
    type_text(&mut m, "backend");
    press(&mut m, "tab");
    type_text(&mut m, "web");
    m
}

fn planned(m: &mut Model) -> u64 {
    let fx = press(m, "enter");
    let [Effect::PlanCreation { generation, creation }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!(
        (creation.service.as_str(), creation.team.as_str(), creation.template.as_str()),
        ("billing", "backend", "web")
    );
    assert_eq!(creation.envs, ["dev", "staging", "prod"]);
    let diff = vec![DiffLine::Hunk("--- /dev/null".into()), DiffLine::Added("kind: Kustomization".into())];
    update(m, Msg::CreationPlanned { generation: *generation, result: Ok(diff), at: t(3) }, &keymap());
    *generation
}

#[test]
fn the_form_takes_its_fields_and_asks_for_a_plan_of_them() {
    let mut m = filled();
    assert_eq!(form(&m).focus, FormField::Template);
    assert_eq!((form(&m).name.text.as_str(), form(&m).team.text.as_str()), ("billing", "backend"));
    let generation = planned(&mut m);
    assert!(matches!(&form(&m).plan, Loadable::Ready { value, .. } if value.len() == 2));
    // A late answer to an earlier plan is dropped.
    let stale = Msg::CreationPlanned { generation: generation - 1, result: Ok(Vec::new()), at: t(4) };
    update(&mut m, stale, &keymap());
    assert!(matches!(&form(&m).plan, Loadable::Ready { value, .. } if value.len() == 2));
    // Editing a field the plan depends on drops the plan: enter plans again.
    type_text(&mut m, "x");
    assert_eq!(form(&m).plan, Loadable::NotAsked);
    assert!(matches!(press(&mut m, "enter").as_slice(), [Effect::PlanCreation { .. }]));
}

#[test]
fn an_empty_field_is_named_and_nothing_is_planned() {
    let mut m = model();
    press(&mut m, ":");
    type_text(&mut m, "new-service");
    press(&mut m, "enter");
    type_text(&mut m, "billing");
    assert!(press(&mut m, "enter").is_empty());
    assert_eq!(error(&m).as_deref(), Some("the team is needed"));
    assert_eq!(form(&m).focus, FormField::Team);
    // A plan that fails (a bad template) keeps the form open with the reason.
    let mut m = filled();
    let fx = press(&mut m, "enter");
    let [Effect::PlanCreation { generation, .. }] = fx.as_slice() else { panic!("{fx:?}") };
    let f = Failure::new(ErrorKind::Usage, "templates/web/base/deployment.yaml:4:11: unknown placeholder {{teem}}");
    update(&mut m, Msg::CreationPlanned { generation: *generation, result: Err(f), at: t(3) }, &keymap());
    assert!(error(&m).is_some_and(|e| e.contains("deployment.yaml:4")), "{:?}", error(&m));
    assert!(matches!(m.mode, Mode::Dialog(_)));
}

#[test]
fn confirming_goes_through_the_gate_refused_in_the_form_or_run() {
    let mut m = filled();
    let policy = crate::domain::policy::parse(crate::domain::policy::EXAMPLE, "policy.toml".as_ref()).unwrap();
    m.approvals.policy = PolicyState::Ready(policy);
    let viewer = UserInfo { username: "viewer".into(), groups: vec!["viewers".into()] };
    for i in 0..3 {
        m.instances[i].user = Loadable::Ready { value: viewer.clone(), at: t(0) };
    }
    planned(&mut m);
    let fx = press(&mut m, "enter");
    assert!(fx.iter().any(|e| matches!(e, Effect::Record(_))), "the refusal is recorded: {fx:?}");
    assert!(!fx.iter().any(|e| matches!(e, Effect::RunAction { .. })));
    assert!(error(&m).is_some_and(|e| e.contains("create")), "{:?}", error(&m));

    // Without a Flightdeck policy it runs: one RunAction of the creation.
    m.approvals.policy = PolicyState::RbacOnly;
    let fx = press(&mut m, "enter");
    let run = fx.iter().find_map(|e| match e {
        Effect::RunAction { action: Action::Create(n), key, .. } => Some((n.clone(), key.clone())),
        _ => None,
    });
    let (n, key) = run.unwrap_or_else(|| panic!("{fx:?}"));
    assert_eq!((n.service.as_str(), n.diff.len(), key.name.as_str()), ("billing", 2, "billing-prod"));
    assert!(matches!(m.mode, Mode::Normal));
}

#[test]
fn an_approved_creation_claimed_here_runs_as_the_app_it_governs() {
    use crate::domain::approvals::{ClaimedRun, DecisionOutcome};
    let mut m = model();
    let n = crate::domain::new_service::NewService {
        service: "billing".into(),
        team: "backend".into(),
        template: "web".into(),
        envs: vec!["dev".into(), "staging".into(), "prod".into()],
        request_id: Some("r1".into()),
        ..Default::default()
    };
    let action = Action::Create(Box::new(n));
    let outcome = DecisionOutcome {
        counted: 1,
        needed: 1,
        run: Some(ClaimedRun {
            service: "billing".into(),
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
        Effect::RunAction { key, action, .. } => Some((key.clone(), action.clone())),
        _ => None,
    });
    let (key, ran) = run.unwrap_or_else(|| panic!("not run: {fx:?}"));
    assert_eq!((key.instance, key.name.as_str()), (2, "billing-prod"));
    assert_eq!(ran, action);
}
