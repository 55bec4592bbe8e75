//! Watch stream framing (NDJSON and SSE), the initial ADDED burst vs resourceVersion, per-name
//! dedup, `fields` filtering, list semantics, and closing streams on demand.

mod common;

use std::time::Duration;

use common::{client, get, manual_sim, StreamReader};
use flightdeck_sim::SimInstance;

const STAGING: usize = 1;

/// Open the application watch (`query` is empty or starts with `?`) with the admin token.
async fn watch(inst: &SimInstance, query: &str) -> reqwest::Response {
    let url = format!("{}/api/v1/stream/applications{query}", inst.base_url);
    client().get(url).bearer_auth(&inst.token).send().await.unwrap()
}

#[tokio::test]
async fn ndjson_burst_then_modified_and_dedup() {
    let sim = manual_sim(5).await;
    let inst = &sim.instances()[STAGING];
    let r = watch(inst, "").await;
    assert_eq!(r.headers()["content-type"], "application/json");
    let mut s = StreamReader::new(r);
    let names = sim.app_names(STAGING);
    let mut seen = Vec::new();
    for _ in 0..names.len() {
        let m = s.next_json().await.unwrap();
        assert_eq!(m["result"]["type"], "ADDED");
        seen.push(m["result"]["application"]["metadata"]["name"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, names, "ADDED burst sorted by name");
    sim.wait_watchers(STAGING, 1).await;
    sim.set_health(STAGING, &names[2], "Degraded", "boom");
    let m = s.next_json().await.unwrap();
    assert_eq!(m["result"]["type"], "MODIFIED");
    assert_eq!(m["result"]["application"]["status"]["health"]["status"], "Degraded");
    sim.drop_watches(STAGING);
    assert!(s.next_frame("\n").await.is_none(), "stream closed by drop_watches");
    assert_eq!(sim.watch_count(STAGING), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn sse_with_resource_version_and_fields_dedups_unchanged_fields() {
    let sim = manual_sim(5).await;
    let inst = &sim.instances()[STAGING];
    let (_, list) =
        get(&inst.base_url, &inst.token, "/api/v1/applications?fields=metadata.resourceVersion,items.metadata.name")
            .await;
    let rv = list["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    assert!(list["items"][0].get("status").is_none());
    let url = format!(
        "{}/api/v1/stream/applications?resourceVersion={rv}&fields=result.type,result.application.metadata.name,result.application.status.health",
        inst.base_url
    );
    let r = client().get(url).bearer_auth(&inst.token).header("Accept", "text/event-stream").send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut s = StreamReader::new(r);
    sim.wait_watchers(STAGING, 1).await;
    let names = sim.app_names(STAGING);
    sim.set_health(STAGING, &names[0], "Degraded", "x");
    let first = s.next_frame("\n\n\n").await.unwrap();
    assert!(first.contains(names[0].as_str()), "{first}");
    // A change outside the selected fields (auto-sync off) is deduplicated away…
    sim.set_auto_sync(STAGING, &names[0], false);
    // …while a health change comes through.
    sim.set_health(STAGING, &names[1], "Degraded", "x");
    let frame = s.next_frame("\n\n\n").await.unwrap();
    let payload = frame.strip_prefix("data: ").and_then(|f| f.strip_suffix(' ')).expect("SSE framing `data: … `");
    let v: serde_json::Value = serde_json::from_str(payload).unwrap();
    assert_eq!(v["result"]["type"], "MODIFIED");
    assert_eq!(v["result"]["application"]["metadata"]["name"], names[1].as_str());
    assert_eq!(v["result"]["application"]["status"]["health"]["status"], "Degraded");
    assert!(v["result"]["application"].get("spec").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn name_watch_always_starts_with_added_and_errors_use_stream_chunks() {
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[0];
    let name = sim.app_names(0)[1].clone();
    let r = watch(inst, &format!("?name={name}&resourceVersion=1")).await;
    let mut s = StreamReader::new(r);
    let m = s.next_json().await.unwrap();
    assert_eq!(
        (m["result"]["type"].as_str(), m["result"]["application"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some(name.as_str()))
    );
    sim.advance(Duration::from_secs(1)).await;

    let r = client().get(format!("{}/api/v1/stream/applications", inst.base_url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: serde_json::Value = serde_json::from_str(r.text().await.unwrap().trim_end()).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"error": {"grpc_code": 16, "http_code": 401, "message": "no session information", "http_status": "Unauthorized"}})
    );
    sim.fail_next(0, 1, 503);
    let r = watch(inst, "").await;
    assert_eq!(r.status().as_u16(), 503);
    let v: serde_json::Value = serde_json::from_str(r.text().await.unwrap().trim_end()).unwrap();
    assert_eq!(v["error"]["grpc_code"], 14);
    sim.shutdown().await;
}

#[tokio::test]
async fn list_filters_sorting_and_fields_whitelist() {
    let sim = manual_sim(12).await;
    let inst = &sim.instances()[2];
    let (base, tok) = (&inst.base_url, &inst.token);
    let (_, all) = get(base, tok, "/api/v1/applications").await;
    let names: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|a| a["metadata"]["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
    assert!(all["items"][0].get("kind").is_none());
    let (_, web) = get(base, tok, "/api/v1/applications?projects=web&projects=data").await;
    assert!(web["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| ["web", "data"].contains(&a["spec"]["project"].as_str().unwrap())));
    let (_, sel) =
        get(base, tok, "/api/v1/applications?selector=team!%3Dweb,app.kubernetes.io/environment%3Dprod").await;
    assert!(sel["items"].as_array().unwrap().iter().all(|a| a["metadata"]["labels"]["team"] != "web"));
    let (_, none) = get(base, tok, "/api/v1/applications?selector=missing&fields=items.metadata.name").await;
    assert!(none["items"].is_null());
    // Exclude mode = whitelist minus the excluded paths.
    let (_, f) = get(base, tok, "/api/v1/applications?fields=-items.status.resources,items.metadata.labels").await;
    let item = &f["items"][0];
    assert!(item["metadata"].get("labels").is_none() && item["status"].get("resources").is_none());
    assert!(item["metadata"]["name"].is_string() && item["spec"]["destination"].is_object());
    assert!(item["status"].get("health").is_some() && item["status"].get("conditions").is_none());
    sim.shutdown().await;
}
