//! The delivery view in the pure update: opening it asks the client for the selected
//! service's history (every environment's deployment, the figures for production, 30 days),
//! the window and environment keys ask again while the last report stays shown (stale), an
//! answer to an older ask drops, a failure keeps the report, and esc closes.

use super::tests::{model, press, t};
use super::*;
use crate::domain::delivery::{script, DeliveryView, Query, Report};
use crate::domain::model::Mode;
use crate::domain::{ErrorKind, Failure, Loadable, Model};

/// The one delivery load among `fx`.
fn asked(fx: &[Effect]) -> (u64, Query) {
    let loads: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadDelivery { generation, query } => Some((*generation, (**query).clone())),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len(), 1, "one load asked: {fx:?}");
    loads[0].clone()
}

fn view(m: &Model) -> &DeliveryView {
    m.delivery.as_ref().expect("the delivery view")
}

fn arrive(m: &mut Model, generation: u64, result: Result<Report, Failure>) -> Vec<Effect> {
    let msg = Msg::DeliveryLoaded { generation, result: result.map(Box::new), at: t(5) };
    update(m, msg, &super::tests::keymap())
}

/// The selection on alpha's row (rows are sorted by name: alpha first).
fn on_alpha() -> Model {
    let mut m = model();
    m.selected_row = m.rows.iter().position(|r| &*r.service == "alpha").unwrap();
    m
}

#[test]
fn d_opens_the_view_and_asks_for_the_service_everywhere() {
    let mut m = on_alpha();
    let fx = press(&mut m, "D");
    assert_eq!(m.mode, Mode::Delivery);
    let (generation, q) = asked(&fx);
    assert_eq!((q.service.as_str(), q.env.as_str(), q.window_secs), ("alpha", "prod", 30 * 86_400));
    let envs: Vec<_> = q.deployments.iter().map(|d| (d.service.as_str(), d.env.as_str())).collect();
    assert_eq!(envs, [("alpha", "dev"), ("alpha", "prod"), ("alpha", "staging")]);
    assert!(view(&m).report.is_loading());
    assert_eq!(view(&m).generation, generation);
}

#[test]
fn the_command_line_opens_it_over_its_window() {
    let mut m = on_alpha();
    let mut fx = press(&mut m, ":");
    for c in "delivery 7d".chars() {
        fx.extend(update(&mut m, Msg::Key(Key::char(c)), &super::tests::keymap()));
    }
    fx.extend(press(&mut m, "enter"));
    assert_eq!(m.mode, Mode::Delivery);
    assert_eq!(asked(&fx).1.window_secs, 7 * 86_400);
}

#[test]
fn the_report_arrives_and_an_older_answer_drops() {
    let mut m = on_alpha();
    let (first, _) = asked(&press(&mut m, "D"));
    // w: another window, asked again before the first answer came.
    let (second, q) = asked(&press(&mut m, "w"));
    assert_eq!(q.window_secs, 90 * 86_400, "30d → 90d");
    assert!(second > first);
    arrive(&mut m, first, Ok(script::report(t(5), "prod", 30 * 86_400)));
    assert!(view(&m).report.is_loading(), "the first answer is for a window no longer asked");
    let report = script::report(t(5), "prod", 90 * 86_400);
    arrive(&mut m, second, Ok(report.clone()));
    assert_eq!(view(&m).report, Loadable::Ready { value: report, at: t(5) });
    assert!(!view(&m).stale());
    assert_eq!(asked(&press(&mut m, "w")).1.window_secs, 7 * 86_400, "90d → back to 7d");
}

#[test]
fn another_environment_asks_again_and_keeps_the_last_report_marked_stale() {
    let mut m = on_alpha();
    let (g, _) = asked(&press(&mut m, "D"));
    arrive(&mut m, g, Ok(script::report(t(5), "prod", 30 * 86_400)));
    let (_, q) = asked(&press(&mut m, "e"));
    assert_eq!(q.env, "dev", "after the last environment, the first");
    assert_eq!(view(&m).env, "dev");
    assert!(view(&m).stale() && view(&m).report.value().is_some(), "shown while it reloads");
    let (_, q) = asked(&press(&mut m, "h"));
    assert_eq!(q.env, "prod", "left: the previous one");
    let (_, q) = asked(&press(&mut m, "l"));
    assert_eq!(q.env, "dev");
}

#[test]
fn a_failure_is_kept_with_the_stale_report_and_r_asks_again() {
    let mut m = on_alpha();
    let (g, _) = asked(&press(&mut m, "D"));
    arrive(&mut m, g, Ok(script::report(t(5), "prod", 30 * 86_400)));
    let (g, _) = asked(&press(&mut m, "R"));
    arrive(&mut m, g, Err(Failure::new(ErrorKind::Unavailable, "argocd-prod: connection refused")));
    let v = view(&m);
    assert_eq!(v.report.failure().map(|f| f.message.as_str()), Some("argocd-prod: connection refused"));
    assert!(v.stale() && v.report.value().is_some());
    assert_eq!(m.mode, Mode::Delivery, "R reads again here, it runs no refresh");
    assert!(m.runs.is_empty());
}

#[test]
fn the_timeline_scrolls_back_from_the_newest_and_esc_closes() {
    let mut m = on_alpha();
    let (g, _) = asked(&press(&mut m, "D"));
    let report = script::report(t(5), "prod", 30 * 86_400);
    let n = report.timeline.len();
    arrive(&mut m, g, Ok(report));
    press(&mut m, "k k");
    assert_eq!(view(&m).back, 2, "up goes back in time");
    press(&mut m, "j");
    assert_eq!(view(&m).back, 1);
    press(&mut m, "g");
    assert_eq!(view(&m).back, n - 1, "the oldest");
    press(&mut m, "G");
    assert_eq!(view(&m).back, 0);
    press(&mut m, "esc");
    assert_eq!(m.mode, Mode::Normal);
    // Opened again on the same service: the last report shows while it reloads.
    let fx = press(&mut m, "D");
    assert!(view(&m).report.value().is_some() && view(&m).report.is_loading());
    assert_eq!(asked(&fx).1.window_secs, 30 * 86_400);
}

#[test]
fn nothing_to_open_without_a_row() {
    let mut m = Model { envs: vec!["prod".into()], ..Default::default() };
    let fx = press(&mut m, "D");
    assert!(fx.iter().all(|e| !matches!(e, Effect::LoadDelivery { .. })));
    assert_eq!(m.mode, Mode::Normal);
    assert!(m.flash.as_ref().is_some_and(|f| f.error));
}
