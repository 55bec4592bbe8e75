//! Console/headless parity of the delivery history, against the simulator and its real Git
//! repository: after a deploy made through Flightdeck, the console's delivery view — its
//! `Effect::LoadDelivery` run by the real executor with the session's governance, its answer
//! fed to the pure update — shows the same figures and the same timeline as the real binary's
//! `flightdeck delivery -o json`, for production and, after `e`, for dev.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use flightdeck::app::{self, Effect, Key, Keymap, Msg};
use flightdeck::client::credentials::{clients, Resolved};
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::Executor;
use flightdeck::config::Config;
use flightdeck::domain::delivery::Report;
use flightdeck::domain::Model;

fn keymap() -> Keymap {
    flightdeck::config::keymap::builtin()
}

fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for k in keys.split_whitespace() {
        fx.extend(app::update(m, Msg::Key(Key::parse(k).expect("a key")), &keymap()));
    }
    fx
}

fn type_line(m: &mut Model, text: &str) -> Vec<Effect> {
    let mut fx = press(m, ":");
    for c in text.chars() {
        fx.extend(app::update(m, Msg::Key(Key::char(c)), &keymap()));
    }
    fx.extend(press(m, "enter"));
    fx
}

/// Run the one delivery load among `fx` through the executor and feed its answer back.
async fn answer(m: &mut Model, ex: &mut Executor, rx: &mut tokio::sync::mpsc::Receiver<Msg>, fx: Vec<Effect>) {
    let load = fx.into_iter().find(|e| matches!(e, Effect::LoadDelivery { .. })).expect("a delivery load");
    ex.spawn(load);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv()).await.expect("the history arrives").expect("open");
        if let Msg::DeliveryLoaded { .. } = msg {
            app::update(m, msg, &keymap());
            return;
        }
    }
}

fn shown(m: &Model) -> Report {
    let v = m.delivery.as_ref().expect("the view");
    assert!(v.report.failure().is_none(), "{:?}", v.report.failure());
    v.report.value().cloned().expect("a report")
}

/// The headless report, as `-o json` prints it.
async fn headless(cfg: &Path, home: &Path, service: &str, env: &str) -> serde_json::Value {
    let args = ["delivery", service, "--window", "400d", "--env", env, "-o", "json"];
    let out = common::finish(common::headless(cfg, home, &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

/// Both sides' figures and timeline agree (the rate per day over windows a few seconds apart).
fn agree(console: &Report, cli: &serde_json::Value) {
    let mut c = serde_json::to_value(&console.figures).expect("json");
    let mut h = cli["figures"].clone();
    let per_day = |v: &mut serde_json::Value| v.as_object_mut().and_then(|o| o.remove("deployments_per_day"));
    let (pc, ph) = (per_day(&mut c), per_day(&mut h));
    let (pc, ph) = (pc.and_then(|v| v.as_f64()).unwrap_or(-1.0), ph.and_then(|v| v.as_f64()).unwrap_or(-2.0));
    assert!((pc - ph).abs() < 1e-3, "per day: console {pc}, headless {ph}");
    for v in [&mut c, &mut h] {
        if let Some(o) = v.as_object_mut() {
            o.remove("from");
            o.remove("to");
        }
    }
    assert_eq!(c, h, "the figures");
    // Every event but "degraded now" (stamped with each side's own clock) is the same.
    let events = |t: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut t = t.as_array().cloned().unwrap_or_default();
        for a in &mut t {
            if a["detail"] == "degraded now" {
                if let Some(o) = a.as_object_mut() {
                    o.remove("at");
                }
            }
        }
        t
    };
    let console_timeline = serde_json::to_value(&console.timeline).expect("json");
    assert_eq!(events(&console_timeline), events(&cli["timeline"]), "the timeline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_view_and_the_headless_command_agree() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg_path = common::operator_config(&sim, home.path(), "dave");
    let (_, service) = common::auto_synced_app(&sim, 0, "dev", false);
    let args = ["deploy", &service, "--env", "dev", "--tag", "v9.8.0"];
    let out = common::finish(common::headless(&cfg_path, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    for _ in 0..3 {
        sim.advance(Duration::from_secs(15)).await;
    }

    // The console, as the session builds it: the same config, the same audit directory.
    let mut cfg: Config = common::sim_config(&sim);
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        let token = sim.token_for(i, "dave").expect("demo user");
        inst.auth = flightdeck::config::Auth::Token(flightdeck::config::Secret::new(token));
    }
    let list = clients(&cfg, &Resolved::default()).expect("clients");
    let mut m = flightdeck::session::model_from(&cfg);
    app::init(&mut m);
    for (i, c) in list.iter().enumerate() {
        let (apps, _) = c.list().await.expect("list");
        app::update(&mut m, Msg::AppsListed { instance: i, apps, at: Utc::now() }, &keymap());
    }
    let paths = LedgerPaths {
        cache_root: Some(home.path().join("cache")),
        audit_dir: Some(home.path().join("data").join("flightdeck")),
        ..Default::default()
    };
    let gov = flightdeck::session::governance(&cfg, None, paths).expect("governance");
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let mut ex = Executor::new(list, tx).with_governance(gov);
    m.selected_row = m.rows.iter().position(|r| *r.service == *service).expect("the service's row");

    let fx = type_line(&mut m, "delivery 400d");
    answer(&mut m, &mut ex, &mut rx, fx).await;
    let prod = shown(&m);
    assert_eq!(prod.figures.env, "prod");
    let cli = headless(&cfg_path, home.path(), &service, "prod").await;
    agree(&prod, &cli);
    assert!(
        prod.timeline.iter().any(|a| a.source == "trail" && a.who == "dave"),
        "the console reads the trail the headless deploy wrote: {:?}",
        prod.timeline
    );

    // e: the next environment after the last is the first, dev, where the deploy landed.
    let fx = press(&mut m, "e");
    answer(&mut m, &mut ex, &mut rx, fx).await;
    let dev = shown(&m);
    assert_eq!(dev.figures.env, "dev");
    assert!(dev.figures.deployments >= 1 && dev.figures.lead_time_secs.is_some(), "{:?}", dev.figures);
    agree(&dev, &headless(&cfg_path, home.path(), &service, "dev").await);
    sim.shutdown().await;
}
