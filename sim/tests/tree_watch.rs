//! The resource-tree stream: nothing until the app changes, then the whole tree (health of
//! each node live) in NDJSON or SSE framing; unknown apps get the stream-error chunk; a
//! change that leaves the tree as it was sends nothing.

mod common;

use common::{client, manual_sim, StreamReader};
use flightdeck_sim::SimInstance;

const DEV: usize = 0;

async fn tree_stream(inst: &SimInstance, app: &str, sse: bool) -> reqwest::Response {
    let url = format!("{}/api/v1/stream/applications/{app}/resource-tree", inst.base_url);
    let mut req = client().get(url).bearer_auth(&inst.token);
    if sse {
        req = req.header("Accept", "text/event-stream");
    }
    req.send().await.unwrap()
}

/// The workload node's health status in a `{"result": tree}` message.
fn workload_health(msg: &serde_json::Value) -> String {
    let nodes = msg["result"]["nodes"].as_array().expect("nodes");
    let wl = nodes.iter().find(|n| matches!(n["kind"].as_str(), Some("Deployment" | "Rollout" | "StatefulSet")));
    wl.and_then(|n| n["health"]["status"].as_str()).unwrap_or("").to_string()
}

#[tokio::test]
async fn ndjson_tree_follows_health_live() {
    let sim = manual_sim(4).await;
    let inst = &sim.instances()[DEV];
    let app = sim.app_names(DEV)[1].clone();
    let r = tree_stream(inst, &app, false).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let mut s = StreamReader::new(r);
    sim.wait_tree_watchers(DEV, 1).await;
    sim.set_health(DEV, &app, "Degraded", "back-off restarting failed container");
    let m = s.next_json().await.expect("a tree after the change");
    assert_eq!(workload_health(&m), "Degraded", "{m}");
    assert!(m.get("error").is_none());
    // Another app's change is not this stream's business; this app healing is.
    sim.set_health(DEV, &sim.app_names(DEV)[0], "Degraded", "x");
    sim.set_health(DEV, &app, "Healthy", "");
    let m = s.next_json().await.expect("a tree after healing");
    assert_eq!(workload_health(&m), "Healthy");
    sim.drop_watches(DEV);
    assert!(s.next_frame("\n").await.is_none(), "closed by drop_watches");
    sim.shutdown().await;
}

#[tokio::test]
async fn sse_framing_and_no_initial_message() {
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[DEV];
    let app = sim.app_names(DEV)[0].clone();
    let r = tree_stream(inst, &app, true).await;
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut s = StreamReader::new(r);
    sim.wait_tree_watchers(DEV, 1).await;
    // The first frame is the one the change caused: there is no initial push.
    sim.set_health(DEV, &app, "Progressing", "");
    let frame = s.next_frame("\n\n\n").await.expect("frame");
    let payload = frame.strip_prefix("data: ").and_then(|f| f.strip_suffix(' ')).expect("SSE `data: … `");
    let v: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(workload_health(&v), "Progressing");
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_app_and_no_token_get_the_stream_error_chunk() {
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[DEV];
    let r = tree_stream(inst, "nope", false).await;
    assert_eq!(r.status().as_u16(), 403);
    let v: serde_json::Value = serde_json::from_str(r.text().await.unwrap().trim()).unwrap();
    assert_eq!(v["error"]["grpc_code"], 7);
    assert_eq!(v["error"]["message"], "permission denied");
    let url = format!("{}/api/v1/stream/applications/{}/resource-tree", inst.base_url, sim.app_names(DEV)[0]);
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.unwrap().contains("no session information"));
    sim.shutdown().await;
}
