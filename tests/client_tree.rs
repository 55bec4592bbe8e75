//! The detail pane's live resource tree, end to end through the executor: `WatchTree` GETs
//! the tree, then follows its stream, and a change of health in the simulator reaches the
//! model and the rendered detail; against a server that refuses the stream (404 text/plain)
//! it falls back to one-shot GETs driven by the app's own watch.

mod client_support;

use client_support::*;
use flightdeck::app::{update, Effect, Msg};
use flightdeck::client::Executor;
use flightdeck::domain::{AppKey, Health, ResourceTree};
use flightdeck_sim::Sim;
use tokio::sync::mpsc;

const DEV: usize = 0;

/// Health of the workload node of a tree.
fn workload(tree: &ResourceTree) -> Option<Health> {
    tree.nodes
        .iter()
        .find(|n| matches!(n.kind.as_str(), "Deployment" | "Rollout" | "StatefulSet"))
        .and_then(|n| n.health)
}

/// The next tree for `key` (failures panic).
async fn next_tree(rx: &mut mpsc::Receiver<Msg>, key: &AppKey) -> (ResourceTree, Msg) {
    loop {
        let msg = recv(rx).await;
        if let Msg::TreeChanged { key: k, result, .. } = &msg {
            assert_eq!(k, key);
            let tree = result.clone().expect("a tree");
            return (tree, msg);
        }
    }
}

async fn start(sim: &Sim) -> (AppKey, Executor, mpsc::Receiver<Msg>) {
    let key = first_key(&client(sim, DEV)).await;
    sim.set_health(DEV, &key.name, "Healthy", "");
    let (tx, rx) = mpsc::channel(64);
    let mut exec = Executor::new(vec![client(sim, DEV)], tx);
    exec.spawn(Effect::WatchTree { key: key.clone() });
    (key, exec, rx)
}

#[tokio::test]
async fn health_changes_reach_the_rendered_detail_live() {
    let sim = sim().await;
    let (key, _exec, mut rx) = start(&sim).await;
    let (first, _) = next_tree(&mut rx, &key).await;
    assert_eq!(workload(&first), Some(Health::Healthy));
    assert!(first.pods().1 > 0, "the tree has pods: {first:?}");
    sim.wait_tree_watchers(DEV, 1).await;
    assert_eq!(sim.request_count(DEV, "/api/v1/stream/applications/"), 1);

    sim.set_health(DEV, &key.name, "Degraded", "back-off restarting failed container");
    let (tree, msg) = next_tree(&mut rx, &key).await;
    assert_eq!(workload(&tree), Some(Health::Degraded));
    let (ok, all) = tree.pods();
    assert!(ok < all, "a crashing pod: {tree:?}");

    // Through the pure update into the detail pane's text.
    let mut model = flightdeck::domain::Model {
        envs: vec!["dev".into()],
        instances: vec![Default::default()],
        now: chrono::Utc::now(),
        ..Default::default()
    };
    let keymap = flightdeck::config::keymap::builtin();
    let (apps, _) = client(&sim, DEV).list().await.expect("list");
    update(&mut model, Msg::AppsListed { instance: DEV, apps, at: chrono::Utc::now() }, &keymap);
    let (detail, _) = client(&sim, DEV).get(&key, None).await.expect("get");
    let generation = model.detail.as_ref().expect("detail").generation;
    update(
        &mut model,
        Msg::DetailLoaded { key: key.clone(), generation, result: Ok(detail), at: chrono::Utc::now() },
        &keymap,
    );
    update(&mut model, msg, &keymap);
    let ui = flightdeck::ui::Ui { theme: flightdeck::ui::theme::Theme::default(), keymap, ascii: false };
    let text: String = flightdeck::ui::panes::detail::body(&model, &ui, false, 120)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect();
    assert!(text.contains(&format!("pods ({ok}/{all} healthy)")), "{text}");
    assert!(text.contains("Degraded") && text.contains("back-off restarting failed container"), "{text}");
}

#[tokio::test]
async fn a_server_without_the_stream_is_followed_with_one_shot_gets() {
    let sim = sim().await;
    sim.refuse_tree_streams(DEV, true);
    let (key, _exec, mut rx) = start(&sim).await;
    let (first, _) = next_tree(&mut rx, &key).await;
    assert_eq!(workload(&first), Some(Health::Healthy));
    // The app's own watch tells when to GET again.
    sim.wait_watchers(DEV, 1).await;
    let gets = sim.request_count(DEV, &format!("/api/v1/applications/{}/resource-tree", key.name));
    sim.set_health(DEV, &key.name, "Degraded", "boom");
    let (tree, _) = next_tree(&mut rx, &key).await;
    assert_eq!(workload(&tree), Some(Health::Degraded));
    assert!(sim.request_count(DEV, &format!("/api/v1/applications/{}/resource-tree", key.name)) > gets);
    assert_eq!(sim.request_count(DEV, "/api/v1/stream/applications/"), 1, "the stream was asked for once");
}
