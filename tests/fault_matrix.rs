//! The fault matrix, one named test per case, against the simulator's fault injection (and
//! OpenBao where Vault is involved): what the user sees, and that nothing is lost or done
//! twice. Cases covered elsewhere by their own named tests: the Argo CD token rotated
//! mid-session (`vault_backends::argo_401_reads_the_rotated_token_once`, both Vaults), a
//! push race with another promoter (`gitops_promote::a_second_clone_pushing_first_is_rebased_
//! over_and_retried`, `…_conflicting_push_first_aborts_the_rebase_and_pushes_nothing`,
//! `…_remote_that_never_stops_moving_gives_up_after_the_bound`), the resize storm and SIGHUP
//! mid-run (`e2e_faults.rs`).

#[path = "client_support/mod.rs"]
mod support;
mod vault_support;

use std::time::Duration;

use flightdeck::app::{Msg, WatchChange};
use flightdeck::client::argocd::GET_TRIES;
use flightdeck::client::backoff::Backoff;
use flightdeck::client::credentials::{clients, resolve};
use flightdeck::client::{supervise, ArgoClient, SyncOpts, WatchOptions};
use flightdeck::config::{Auth, Config, InstanceConfig, Secret, VaultAuth, VaultRef};
use flightdeck::domain::{Action, ConnState, ErrorKind, Health};
use flightdeck_sim::Sim;
use serde_json::json;
use support::{client, recv, sim};
use tokio::sync::mpsc;

const DEV: usize = 0;

fn quick() -> WatchOptions {
    let reconnect = Backoff::new(Duration::from_millis(10), Duration::from_millis(50));
    WatchOptions { relist_every: Duration::from_secs(3600), reconnect, ..WatchOptions::default() }
}

/// The next message that is not a watch change (changes of other apps may come any time).
async fn next_but_changes(rx: &mut mpsc::Receiver<Msg>) -> Msg {
    loop {
        match recv(rx).await {
            Msg::AppsChanged { .. } => {}
            other => return other,
        }
    }
}

/// Wait for a state matching `want`, returning it; lists and other states pass by.
async fn until_state(rx: &mut mpsc::Receiver<Msg>, want: impl Fn(&ConnState) -> bool) -> ConnState {
    loop {
        if let Msg::ConnectionChanged { state, .. } = recv(rx).await {
            if want(&state) {
                return state;
            }
        }
    }
}

/// Wait for a list of the instance; returns its apps.
async fn until_listed(rx: &mut mpsc::Receiver<Msg>) -> Vec<flightdeck::domain::Deployment> {
    loop {
        if let Msg::AppsListed { apps, .. } = recv(rx).await {
            return apps;
        }
    }
}

/// A live supervisor of dev: Connecting, listed, Live, its watch open.
async fn live(sim: &Sim, opts: WatchOptions) -> (mpsc::Receiver<Msg>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel(256);
    let task = tokio::spawn(supervise(client(sim, DEV), tx, opts));
    until_listed(&mut rx).await;
    until_state(&mut rx, |s| *s == ConnState::Live).await;
    sim.wait_watchers(DEV, 1).await;
    (rx, task)
}

#[tokio::test]
async fn forbidden_in_the_middle_of_an_action_shows_the_reason_once_and_does_not_loop() {
    let sim = sim().await;
    let c = client(&sim, DEV);
    let (apps, _) = c.list().await.expect("list");
    let app = apps.iter().find(|d| sim.app_json(DEV, &d.key.name).is_some()).expect("an app").clone();
    let detail = c.get(&app.key, None).await.expect("get").0;
    let w = detail.workload().expect("a workload").clone();
    let action = Action::Scale { kind: w.kind, group: w.group, name: w.name, namespace: w.namespace, replicas: 4 };
    let path = format!("/api/v1/applications/{}/resource/actions", app.key.name);
    let before = sim.request_count(DEV, &path);
    let mut steps = Vec::new();
    // The action reads the app (allowed), then sends the write: refused there.
    sim.fail_next_writes(DEV, 1, 403);
    let run = async {
        let mut report = |s: flightdeck::client::StepReport| steps.push((s.label, s.status));
        flightdeck::client::run_action(&c, &app.key, &action, true, &mut report).await
    };
    let f = run.await.expect_err("refused");
    assert_eq!(f.kind, ErrorKind::Forbidden, "{f:?}");
    assert!(f.message.contains("HTTP 403"), "{f:?}");
    assert!(f.hint.as_deref().unwrap_or_default().contains("permission"), "the reason and what to do: {f:?}");
    assert_eq!(sim.request_count(DEV, &path), before + 1, "the refused write was sent once, never again");
    assert_eq!(steps.last().map(|(l, _)| l.as_str()), Some("scale sent"));
    assert_eq!(sim.writes(DEV).len(), 1, "one write reached the server: {:?}", sim.writes(DEV));
}

#[tokio::test]
async fn a_5xx_storm_backs_off_reads_never_retries_writes_shows_degraded_and_recovers() {
    let sim = sim().await;
    let (mut rx, _task) = live(&sim, quick()).await;
    let c = client(&sim, DEV);
    let name = sim.app_names(DEV)[0].clone();
    let key = c.list().await.expect("list").0.into_iter().find(|d| d.key.name == name).expect("app").key;
    // A write in the storm: sent once, never retried.
    sim.fail_next(DEV, 1, 503);
    let e = c.sync(&key, SyncOpts::default()).await.expect_err("the storm refuses it");
    assert_eq!(e.status(), Some(503));
    assert_eq!(sim.request_count(DEV, &format!("/api/v1/applications/{name}/sync")), 1, "a write is never retried");
    // Reads in the storm: each list is tried GET_TRIES times with backoff, then the instance
    // shows degraded (not merely reconnecting) while it retries.
    let lists = || sim.request_count(DEV, "/api/v1/applications") - sim.request_count(DEV, "/api/v1/applications/");
    let before = lists();
    sim.fail_next_gets(DEV, 3 * GET_TRIES, 503);
    sim.drop_watches(DEV);
    let degraded = until_state(&mut rx, |s| matches!(s, ConnState::Degraded { .. })).await;
    let ConnState::Degraded { error, .. } = degraded else { unreachable!() };
    assert!(error.contains("HTTP 503"), "{error}");
    // Recovery without a restart: the storm passes, the same supervisor lists and goes live.
    let apps = until_listed(&mut rx).await;
    assert_eq!(apps.len(), 5, "everything back after the storm");
    until_state(&mut rx, |s| *s == ConnState::Live).await;
    assert!(lists() >= before + 3 * u64::from(GET_TRIES), "every read of the storm was tried {GET_TRIES} times");
    assert_eq!(sim.writes(DEV).len(), 1, "the storm caused no write: {:?}", sim.writes(DEV));
}

#[tokio::test]
async fn a_watch_dropped_in_the_middle_of_an_event_reconnects_and_relists_losing_nothing() {
    let sim = sim().await;
    let (mut rx, _task) = live(&sim, quick()).await;
    let name = sim.app_names(DEV)[1].clone();
    sim.cut_next_watch_event(DEV);
    sim.set_health(DEV, &name, "Degraded", "the event that is cut in half");
    let state = until_state(&mut rx, |s| !matches!(s, ConnState::Live)).await;
    assert!(matches!(state, ConnState::Reconnecting { attempt: 1, .. }), "{state:?}");
    // The half event is not applied; the re-list brings the change whole.
    let apps = until_listed(&mut rx).await;
    let app = apps.iter().find(|d| d.key.name == name).expect("the app");
    assert_eq!(app.health, Health::Degraded, "the change the cut event carried is there");
    until_state(&mut rx, |s| *s == ConnState::Live).await;
}

#[tokio::test]
async fn a_watch_open_but_silent_is_caught_by_the_keepalive_deadline_and_relisted() {
    let sim = sim().await;
    let opts = WatchOptions { keepalive_deadline: Duration::from_millis(300), ..quick() };
    let (mut rx, _task) = live(&sim, opts).await;
    // A proxy swallows the stream: connections open, nothing ever comes, no keep-alive.
    sim.silence_watches(DEV, true);
    sim.drop_watches(DEV);
    let name = sim.app_names(DEV)[2].clone();
    let mut silent_seen = false;
    for _ in 0..3 {
        let state = until_state(&mut rx, |s| matches!(s, ConnState::Reconnecting { .. })).await;
        silent_seen |= matches!(&state, ConnState::Reconnecting { error, .. } if error.contains("silent"));
        // While silent, changes still reach the console through the re-list.
        sim.set_health(DEV, &name, "Progressing", "seen through the re-list");
        let apps = until_listed(&mut rx).await;
        assert!(apps.iter().any(|d| d.key.name == name && d.health == Health::Progressing));
    }
    assert!(silent_seen, "the deadline named the silence");
    sim.silence_watches(DEV, false);
    until_state(&mut rx, |s| *s == ConnState::Live).await;
    sim.wait_watchers(DEV, 1).await;
    sim.set_health(DEV, &name, "Degraded", "live again");
    loop {
        if let Msg::AppsChanged { changes, .. } = recv(&mut rx).await {
            if changes
                .iter()
                .any(|c| matches!(c, WatchChange::Upsert(d) if d.key.name == name && d.health == Health::Degraded))
            {
                break;
            }
        }
    }
}

#[tokio::test]
async fn a_slow_server_times_out_naming_the_instance() {
    let sim = sim().await;
    let inst = support::instance(&sim, DEV);
    let mut cfg = support::config(&inst, Auth::Token(Secret::new(inst.token.clone())));
    cfg.request_timeout = Duration::from_millis(500);
    let c = ArgoClient::new(&cfg).expect("client");
    // Headers after 20 s.
    sim.slow_headers(DEV, Some(("/api/v1/applications", Duration::from_secs(20))));
    let started = std::time::Instant::now();
    let e = c.list().await.expect_err("times out");
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.to_string().contains(&inst.name), "the timeout names the instance: {e}");
    assert!(started.elapsed() < Duration::from_secs(10), "the request timeout, not the server, decides");
    // A body trickling in, one byte every 20 ms: the same timeout, the same name.
    sim.slow_headers(DEV, None);
    sim.trickle_bodies(DEV, Some(("/api/v1/applications", Duration::from_millis(20))));
    let e = c.list().await.expect_err("times out");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains(&inst.name), "{e}");
    sim.trickle_bodies(DEV, None);
    assert!(c.list().await.is_ok(), "a normal answer again");
}

#[tokio::test]
async fn a_malformed_list_item_and_watch_event_are_skipped_and_named_the_rest_shown() {
    let sim = sim().await;
    let names = sim.app_names(DEV);
    // One item of the list has a field of the wrong type.
    sim.patch_app_json(DEV, &names[0], json!({ "spec": { "destination": "not an object" } }));
    let (tx, mut rx) = mpsc::channel(256);
    let _task = tokio::spawn(supervise(client(&sim, DEV), tx, quick()));
    let apps = until_listed(&mut rx).await;
    assert_eq!(apps.len(), names.len() - 1, "the others are all shown");
    let Msg::AppsUnreadable { items, .. } = next_but_changes(&mut rx).await else { panic!("the item is named") };
    assert_eq!(items.len(), 1);
    assert!(items[0].starts_with(&format!("{}: invalid type", names[0])), "{items:?}");
    let mut model = flightdeck::session::model_from(&flightdeck::session::config_for_sim(&sim));
    let keymap = flightdeck::config::keymap::builtin();
    flightdeck::app::update(&mut model, Msg::AppsUnreadable { instance: DEV, items, at: chrono::Utc::now() }, &keymap);
    let flash = model.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains(&names[0]) && flash.contains("could not be read"), "the console names it: {flash}");
    // One watch event with the wrong type: skipped and named, the stream stays up.
    until_state(&mut rx, |s| *s == ConnState::Live).await;
    sim.wait_watchers(DEV, 1).await;
    sim.patch_app_json(DEV, &names[1], json!({ "status": { "health": 42 } }));
    sim.set_health(DEV, &names[2], "Degraded", "after the bad event");
    let mut named = false;
    loop {
        match recv(&mut rx).await {
            Msg::AppsUnreadable { items, .. } => named |= items.iter().any(|i| i.starts_with(&names[1])),
            Msg::AppsChanged { changes, .. }
                if changes.iter().any(|c| matches!(c, WatchChange::Upsert(d) if d.key.name == names[2])) =>
            {
                break
            }
            Msg::ConnectionChanged { state, .. } => panic!("one bad event must not break the stream: {state:?}"),
            _ => {}
        }
    }
    assert!(named, "the bad event was named");
}

#[tokio::test]
async fn unknown_health_and_sync_states_are_shown_as_they_come() {
    let sim = sim().await;
    let name = sim.app_names(DEV)[0].clone();
    let patch = json!({ "status": { "health": { "status": "Hibernating" }, "sync": { "status": "Drifting" } } });
    sim.patch_app_json(DEV, &name, patch);
    let c = client(&sim, DEV);
    let (apps, _) = c.list().await.expect("list");
    let d = apps.iter().find(|d| d.key.name == name).expect("not dropped");
    assert_eq!((d.health_word(), d.sync_word()), ("Hibernating", "Drifting"));
    assert_eq!(d.health, Health::Unknown, "counted as unknown health, shown as it came");
    // On screen: the matrix shows the words.
    let cfg = flightdeck::session::config_for_sim(&sim);
    let mut model = flightdeck::session::model_from(&cfg);
    let keymap = flightdeck::config::keymap::builtin();
    let msg = Msg::AppsListed { instance: DEV, apps: apps.clone(), at: chrono::Utc::now() };
    flightdeck::app::update(&mut model, msg, &keymap);
    let service = d.service.clone();
    model.selected_row = model.rows.iter().position(|r| *r.service == *service).expect("row");
    let ui = flightdeck::ui::Ui { theme: Default::default(), keymap, ascii: false };
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 30)).expect("terminal");
    term.draw(|f| flightdeck::ui::draw(f, &model, &ui)).expect("draw");
    let screen: String = term.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("Hibernating") && screen.contains("Drifting"), "{screen}");
}

both!(vault_sealed_mid_session_says_so_and_does_not_loop);

/// A session whose Argo CD token is kept in Vault goes on; Vault is sealed; the token is then
/// refused: the one re-read meets the seal, the user is told Vault is sealed, and nothing
/// loops (one re-read, one request).
async fn vault_sealed_mid_session_says_so_and_does_not_loop(w: vault_support::World) {
    let inst = w.sim.instances().into_iter().next().expect("instance");
    w.put("argocd/dev", &[("token", inst.token.as_str())]).await;
    let mut c = InstanceConfig::new(inst.name.clone(), inst.base_url.clone());
    c.vault = Some(VaultRef::parse("secret/argocd/dev#token").expect("reference"));
    c.auth_source = "token from vault secret/argocd/dev".into();
    let mut cfg = Config { instances: vec![c], vault: w.settings(VaultAuth::Token), ..Config::default() };
    let root = w.root();
    let env = move |k: &str| (k == "VAULT_TOKEN").then(|| root.clone());
    let resolved = resolve(&mut cfg, &env).await.expect("resolve");
    let client = clients(&cfg, &resolved).expect("clients").remove(0);
    assert!(client.list().await.is_ok(), "the session works");
    let reads = w.requests("secret/data/argocd/dev");
    let lists = w.sim.request_count(0, "/api/v1/applications");
    w.seal().await;
    w.sim.fail_next(0, 1, 401);
    let e = client.list().await.expect_err("refused");
    let f = e.to_failure();
    assert!(f.message.to_lowercase().contains("sealed"), "{}: {f:?}", w.name());
    // One re-read at most (a sealed OpenBao audits nothing, so there it counts none).
    assert!(w.requests("secret/data/argocd/dev") <= reads + 1, "{}: no re-read loop", w.name());
    assert_eq!(w.sim.request_count(0, "/api/v1/applications"), lists + 1, "{}: no retry without a token", w.name());
}
