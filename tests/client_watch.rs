//! The watch supervisor against the simulator: list → Live → changes; a dropped stream is
//! reconnected with a re-list and later changes still arrive; the periodic re-list; and a
//! refused token ends in `Failed` without retrying.

mod client_support;

use std::time::Duration;

use client_support::*;
use flightdeck::app::{Msg, WatchChange};
use flightdeck::client::backoff::Backoff;
use flightdeck::client::{supervise, ArgoClient, WatchOptions};
use flightdeck::config::{Auth, Secret};
use flightdeck::domain::{ConnState, ErrorKind, Health};
use tokio::sync::mpsc;

const PROD: usize = 2;

fn quick(relist_every: Duration) -> WatchOptions {
    let reconnect = Backoff::new(Duration::from_millis(10), Duration::from_millis(100));
    WatchOptions { relist_every, reconnect, ..WatchOptions::default() }
}

async fn expect_state(rx: &mut mpsc::Receiver<Msg>) -> ConnState {
    match recv(rx).await {
        Msg::ConnectionChanged { instance, state } => {
            assert_eq!(instance, PROD);
            state
        }
        other => panic!("expected a connection state, got {other:?}"),
    }
}

async fn expect_listed(rx: &mut mpsc::Receiver<Msg>) -> usize {
    match recv(rx).await {
        Msg::AppsListed { instance, apps, .. } => {
            assert_eq!(instance, PROD);
            apps.len()
        }
        other => panic!("expected a list, got {other:?}"),
    }
}

/// Wait for a change of `name` to `health`, skipping unrelated changes.
async fn expect_health(rx: &mut mpsc::Receiver<Msg>, name: &str, health: Health) {
    loop {
        if let Msg::AppsChanged { changes, .. } = recv(rx).await {
            let hit =
                changes.iter().any(|c| matches!(c, WatchChange::Upsert(d) if d.key.name == name && d.health == health));
            if hit {
                return;
            }
        }
    }
}

#[tokio::test]
async fn supervisor_reconnects_relists_and_keeps_delivering() {
    let sim = sim().await;
    let c = client(&sim, PROD);
    let name = sim.app_names(PROD)[0].clone();
    let (tx, mut rx) = mpsc::channel(64);
    let task = tokio::spawn(supervise(c, tx, quick(Duration::from_secs(3600))));

    assert_eq!(expect_state(&mut rx).await, ConnState::Connecting);
    assert_eq!(expect_listed(&mut rx).await, 5);
    assert_eq!(expect_state(&mut rx).await, ConnState::Live);
    sim.wait_watchers(PROD, 1).await;
    sim.set_health(PROD, &name, "Degraded", "back-off restarting failed container");
    expect_health(&mut rx, &name, Health::Degraded).await;

    sim.drop_watches(PROD);
    match expect_state(&mut rx).await {
        ConnState::Reconnecting { attempt, .. } => assert_eq!(attempt, 1),
        other => panic!("expected reconnecting, got {other:?}"),
    }
    assert_eq!(expect_listed(&mut rx).await, 5, "re-list on reconnect");
    assert_eq!(expect_state(&mut rx).await, ConnState::Live);
    sim.wait_watchers(PROD, 1).await;
    sim.set_health(PROD, &name, "Healthy", "");
    expect_health(&mut rx, &name, Health::Healthy).await;
    task.abort();
}

#[tokio::test]
async fn relists_periodically_while_healthy() {
    let sim = sim().await;
    let (tx, mut rx) = mpsc::channel(64);
    let task = tokio::spawn(supervise(client(&sim, PROD), tx, quick(Duration::from_millis(200))));
    assert_eq!(expect_state(&mut rx).await, ConnState::Connecting);
    assert_eq!(expect_listed(&mut rx).await, 5);
    assert_eq!(expect_state(&mut rx).await, ConnState::Live);
    // The next message is the periodic re-list, with no reconnect in between.
    assert_eq!(expect_listed(&mut rx).await, 5);
    assert_eq!(expect_listed(&mut rx).await, 5, "and again: the re-list is periodic");
    task.abort();
}

#[tokio::test]
async fn refused_token_fails_without_retrying() {
    let sim = sim().await;
    let inst = instance(&sim, PROD);
    let bad = ArgoClient::new(&config(&inst, Auth::Token(Secret::new("a.b.c")))).expect("client").with_instance(PROD);
    let (tx, mut rx) = mpsc::channel(8);
    let task = tokio::spawn(supervise(bad, tx, quick(Duration::from_secs(3600))));
    assert_eq!(expect_state(&mut rx).await, ConnState::Connecting);
    match expect_state(&mut rx).await {
        ConnState::Failed(f) => assert_eq!(f.kind, ErrorKind::Unauthorized),
        other => panic!("expected failed, got {other:?}"),
    }
    tokio::time::timeout(SAFETY, task).await.expect("supervisor ends").expect("no panic");
    assert!(rx.recv().await.is_none(), "nothing after Failed");
}
