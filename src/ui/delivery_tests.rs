//! Snapshots of the delivery view at 120×40 and 80×24 from a scripted history (its figures
//! computed by the real `domain::delivery` code), loading, failed with a stale report, at 16
//! colours, and a server string with escapes drawn harmless.

use super::fixture::{fixture_model, now, ui};
use super::tests::*;
use crate::domain::delivery::{script, summary, DeliveryView};
use crate::domain::model::Mode;
use crate::domain::*;

fn delivery_model(report: Loadable<delivery::Report>) -> Model {
    let mut m = fixture_model();
    m.delivery = Some(DeliveryView {
        service: "payment-service".into(),
        env: "prod".into(),
        window_secs: 30 * 86_400,
        generation: 1,
        report,
        back: 0,
    });
    m.mode = Mode::Delivery;
    m
}

fn ready() -> Model {
    let report = script::report(now(), "prod", 30 * 86_400);
    delivery_model(Loadable::Ready { value: report, at: now() })
}

#[test]
fn the_figures_over_the_timeline() {
    let m = ready();
    snap("delivery", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    // The figures on screen are the ones the domain computes (and the headless text prints).
    let f = &m.delivery.as_ref().unwrap().report.value().unwrap().figures;
    for (label, value, note) in summary(f) {
        let line = text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("{label}: {text}"));
        assert!(line.contains(&value) && line.contains(&note), "{line}");
    }
    assert_eq!((f.deployments, f.failed_changes, f.changes), (4, 1, 3), "{f:?}");
    assert!(text.contains("4 (0.13/day)") && text.contains("33%") && text.contains("1 of 3 changes"), "{text}");
    // Oldest first, as `flightdeck delivery` prints it: the newest line is the last.
    let first = text.find("deploy payment-service in staging: v1.4.0").unwrap();
    let last = text.find("history 24 rev 2b3c4d5").unwrap();
    assert!(first < last);
}

#[test]
fn scrolled_back_it_says_what_is_below() {
    let mut m = ready();
    if let Some(v) = m.delivery.as_mut() {
        v.back = 3;
    }
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("3 newer below"), "{text}");
    assert!(!text.contains("history 24 rev"), "the newest is scrolled out: {text}");
}

#[test]
fn loading_then_failed_with_the_stale_report() {
    let mut l = Loadable::NotAsked;
    l.start_loading();
    let m = delivery_model(l);
    snap("delivery_loading", &m);
    assert!(screen_text(&m, &ui(), 80, 24).contains("reading the history of payment-service"));

    let mut l =
        Loadable::Ready { value: script::report(now(), "prod", 30 * 86_400), at: now() - chrono::Duration::minutes(4) };
    l.start_loading();
    l.finish(Err(Failure::new(ErrorKind::Unavailable, "argocd-prod: connection refused")), now());
    let m = delivery_model(l);
    snap("delivery_failed_stale", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(
        text.contains("argocd-prod: connection refused") && text.contains("showing the report of 4m ago"),
        "{text}"
    );
}

#[test]
fn sixteen_colours() {
    let m = ready();
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("delivery_ansi16_{w}x{h}"), colour_map(&render(&m, &ui_16(), w, h)));
    }
}

#[test]
fn server_strings_are_drawn_harmless() {
    let mut report = script::report(now(), "prod", 30 * 86_400);
    if let Some(a) = report.timeline.last_mut() {
        a.who = "mallory\u{1b}]0;owned\u{7}".into();
        a.detail = "line\nbreak\u{1b}[2J".into();
    }
    let m = delivery_model(Loadable::Ready { value: report, at: now() });
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("mallory ") && text.contains("line break"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains("owned"), "{text}");
}
