//! The executor against the simulator: newest-wins coalescing (the older load never
//! answers), results tagged with the effect's generation, run steps and the run's end as
//! messages, and dropping the executor closes everything.

mod client_support;

use client_support::*;
use flightdeck::app::{Effect, Msg};
use flightdeck::client::Executor;
use flightdeck::domain::{Action, ConnState, RunOutcome, StepStatus};
use tokio::sync::mpsc;

const PROD: usize = 2;

/// Drop the executor, then collect every message left until the channel closes.
async fn drain(exec: Executor, mut rx: mpsc::Receiver<Msg>) -> Vec<Msg> {
    drop(exec);
    let mut left = Vec::new();
    while let Some(m) = tokio::time::timeout(SAFETY, rx.recv()).await.expect("channel closes") {
        left.push(m);
    }
    left
}

#[tokio::test]
async fn newer_detail_load_wins() {
    let sim = sim().await;
    let clients = (0..3).map(|i| client(&sim, i)).collect();
    let key = first_key(&client(&sim, PROD)).await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut exec = Executor::new(clients, tx);
    exec.spawn(Effect::LoadDetail { key: key.clone(), generation: 1 });
    exec.spawn(Effect::LoadDetail { key: key.clone(), generation: 2 });
    exec.spawn(Effect::LoadDiff { key: key.clone(), generation: 2 });
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(recv(&mut rx).await);
    }
    got.extend(drain(exec, rx).await);
    let generations: Vec<u64> = got
        .iter()
        .filter_map(|m| match m {
            Msg::DetailLoaded { generation, result, key: k, .. } => {
                assert!(result.is_ok(), "{result:?}");
                assert_eq!(k, &key);
                Some(*generation)
            }
            Msg::EventsLoaded { generation, .. } | Msg::DiffLoaded { generation, .. } => Some(*generation),
            _ => None,
        })
        .collect();
    assert_eq!(generations.len(), 3, "detail, events and diff of generation 2 only: {got:?}");
    assert!(generations.iter().all(|g| *g == 2), "{generations:?}");
}

#[tokio::test]
async fn user_and_run_messages() {
    let sim = sim().await;
    let clients = (0..3).map(|i| client(&sim, i)).collect();
    let key = first_key(&client(&sim, PROD)).await;
    let (tx, mut rx) = mpsc::channel(64);
    let mut exec = Executor::new(clients, tx);
    exec.spawn(Effect::LoadUser { instance: PROD });
    match recv(&mut rx).await {
        Msg::UserLoaded { instance, result, .. } => {
            assert_eq!(instance, PROD);
            assert_eq!(result.expect("user").username, "admin");
        }
        other => panic!("expected the user, got {other:?}"),
    }
    // Terminating an idle app fails on the server: the run reports it with a hint.
    let user = flightdeck::domain::UserInfo { username: "admin".into(), groups: Vec::new() };
    exec.spawn(Effect::RunAction {
        run_id: 7,
        key,
        action: Action::Terminate,
        user,
        context: Default::default(),
        target: Default::default(),
    });
    let mut steps = Vec::new();
    let outcome = loop {
        match recv(&mut rx).await {
            Msg::RunStep { run_id, label, status, .. } => {
                assert_eq!(run_id, 7);
                steps.push((label, status));
            }
            Msg::RunFinished { run_id, outcome, .. } => {
                assert_eq!(run_id, 7);
                break outcome;
            }
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(
        steps,
        vec![("terminate sent".into(), StepStatus::Running), ("terminate sent".into(), StepStatus::Failed)]
    );
    match outcome {
        RunOutcome::Failed { message, hint } => {
            assert!(message.contains("No operation is in progress"), "{message}");
            assert!(hint.unwrap_or_default().contains("nothing to terminate"));
        }
        other => panic!("expected failure, got {other:?}"),
    }
    // Effects of the runtime are ignored; an unknown instance is reported, not a panic.
    exec.spawn(Effect::Quit);
    exec.spawn(Effect::WatchInstance { instance: 9 });
    match recv(&mut rx).await {
        Msg::ConnectionChanged { instance: 9, state: ConnState::Failed(f) } => assert!(f.message.contains("#9")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(drain(exec, rx).await.is_empty());
}

#[tokio::test]
async fn watch_instance_goes_live_and_drop_stops_it() {
    let sim = sim().await;
    let clients = (0..3).map(|i| client(&sim, i)).collect();
    let (tx, mut rx) = mpsc::channel(64);
    let mut exec = Executor::new(clients, tx);
    exec.spawn(Effect::WatchInstance { instance: PROD });
    let mut live = false;
    while !live {
        if let Msg::ConnectionChanged { instance, state } = recv(&mut rx).await {
            assert_eq!(instance, PROD);
            live = state == ConnState::Live;
        }
    }
    assert_eq!(exec.running(), 1);
    // Dropping the executor aborts the supervisor: its sender goes away, the channel closes.
    drain(exec, rx).await;
}
