//! Pure update tests of the scale dialog beyond the count: requests and limits typed into
//! their fields go to Git with the container the workload runs; an autoscaled workload offers
//! its min/max instead of the count; what only Git can hold is refused on a live patch.
//! Shares the fixtures of `tests.rs`.

use super::tests::{detail_ready, history, keymap, model, press, t, type_text};
use super::*;
use crate::domain::detail::WorkloadState;
use crate::domain::model::{DialogKind, Mode};
use crate::domain::*;

/// Open the scale dialog on alpha/dev and answer its read of the workload.
fn open(m: &mut Model, detail: AppDetail, containers: &[&str]) {
    detail_ready(m, detail);
    let fx = press(m, "S");
    let Some(Effect::LoadWorkload { key, .. }) = fx.into_iter().find(|f| matches!(f, Effect::LoadWorkload { .. }))
    else {
        panic!("the dialog reads the workload")
    };
    let state = WorkloadState {
        replicas: Some(3),
        ready: Some(3),
        desired: Some(3),
        hpa: None,
        containers: containers.iter().map(|c| c.to_string()).collect(),
    };
    update(m, Msg::WorkloadLoaded { key, result: Ok(state), at: t(3) }, &keymap());
}

fn planned(fx: &[Effect]) -> Option<Intent> {
    fx.iter().find_map(|e| match e {
        Effect::PlanPromotion { intent, .. } => Some(intent.clone()),
        _ => None,
    })
}

fn error(m: &Model) -> String {
    match &m.mode {
        Mode::Dialog(d) => d.error.clone().unwrap_or_default(),
        other => panic!("the dialog stays open: {other:?}"),
    }
}

#[test]
fn requests_and_limits_typed_in_the_dialog_go_to_git_for_the_only_container() {
    let mut m = model(); // alpha/dev, auto-sync on
    open(&mut m, history(2), &["app"]);
    // The count is Git's already (3): only what was typed below it changes.
    press(&mut m, "down");
    type_text(&mut m, "250m");
    press(&mut m, "down down");
    type_text(&mut m, "512Mi");
    let Some(Intent::Scale { workload, change }) = planned(&press(&mut m, "enter")) else {
        panic!("a GitOps scale is planned: {:?}", m.mode)
    };
    assert_eq!(workload, "alpha");
    assert_eq!(change.replicas, None, "the count did not change");
    assert_eq!((change.cpu_request.as_deref(), change.memory_request.as_deref()), (Some("250m"), Some("512Mi")));
    assert_eq!((change.container.as_deref(), change.kind.as_deref()), (Some("app"), Some("Deployment")));
    assert!(matches!(&m.mode, Mode::Dialog(d) if matches!(d.kind, DialogKind::Promote(_))), "diff first");
}

#[test]
fn bad_quantities_and_unknown_containers_keep_the_dialog_open_saying_why() {
    let mut m = model();
    open(&mut m, history(2), &["app", "proxy"]);
    press(&mut m, "down");
    type_text(&mut m, "2");
    press(&mut m, "down");
    type_text(&mut m, "1500m");
    assert!(planned(&press(&mut m, "enter")).is_none());
    assert!(error(&m).contains("cpu request 2 is above its limit 1500m"), "{}", error(&m));
    press(&mut m, "up backspace");
    assert!(planned(&press(&mut m, "enter")).is_none());
    assert!(error(&m).contains("several containers (app, proxy)"), "{}", error(&m));
    // Letters go to a quantity, never to the count.
    press(&mut m, "up up");
    type_text(&mut m, "x");
    let Mode::Dialog(d) = &m.mode else { panic!() };
    let DialogKind::Scale { replicas, .. } = &d.kind else { panic!() };
    assert_eq!(replicas.text, "3");
}

#[test]
fn an_autoscaled_workload_offers_its_bounds_instead_of_the_count() {
    let mut m = model();
    let mut detail = history(2);
    detail.resources.push(ResourceStatus {
        group: "autoscaling".into(),
        kind: "HorizontalPodAutoscaler".into(),
        name: "alpha".into(),
        namespace: "alpha".into(),
        ..Default::default()
    });
    open(&mut m, detail, &["app"]);
    // Nothing typed: nothing to change, and the dialog says what it takes.
    assert!(planned(&press(&mut m, "enter")).is_none());
    assert!(error(&m).contains("type min or max"), "{}", error(&m));
    type_text(&mut m, "2");
    press(&mut m, "down");
    type_text(&mut m, "9");
    let Some(Intent::Scale { change, .. }) = planned(&press(&mut m, "enter")) else { panic!("{:?}", m.mode) };
    assert_eq!((change.replicas, change.min, change.max), (None, Some(2), Some(9)));
}

#[test]
fn a_live_scale_refuses_what_only_git_holds() {
    let mut m = model();
    open(&mut m, history(2), &["app"]);
    // As when the app has no auto-sync: the dialog's count is patched live.
    if let Mode::Dialog(d) = &mut m.mode {
        d.auto_sync = false;
    }
    press(&mut m, "down");
    type_text(&mut m, "1");
    let fx = press(&mut m, "enter");
    assert!(fx.iter().all(|e| !matches!(e, Effect::RunAction { .. } | Effect::PlanPromotion { .. })), "{fx:?}");
    assert!(error(&m).contains("changed in Git only"), "{}", error(&m));
}
