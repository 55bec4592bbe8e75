//! The operation state machine under the Manual clock: sync, rollback, terminate, injected sync
//! failures, auto-sync healing drift, and the refusal texts of §3.4–3.6.

mod common;

use std::time::Duration;

use common::{client, get, manual_sim, post};
use serde_json::json;

const PROD: usize = 2;
const DEV: usize = 0;

fn sec(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Names of the actions a `resource/actions` answer does not mark disabled.
fn enabled_actions(acts: &serde_json::Value) -> Vec<&str> {
    let actions = acts["actions"].as_array().unwrap();
    actions.iter().filter(|a| a.get("disabled").is_none()).map(|a| a["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn sync_runs_then_succeeds_then_goes_healthy() {
    let sim = manual_sim(6).await;
    let inst = &sim.instances()[PROD];
    let (base, tok) = (&inst.base_url, &inst.token);
    let app = sim.app_names(PROD)[0].clone();
    let before = sim.app_json(PROD, &app).unwrap();
    let hist_len = before["status"]["history"].as_array().unwrap().len();

    let (s, b) = post(base, tok, &format!("/api/v1/applications/{app}/sync"), json!({"prune": true})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["operation"]["initiatedBy"]["username"], "admin");
    assert_eq!(b["operation"]["sync"]["revision"].as_str().unwrap().len(), 40);
    assert_eq!(b["status"]["operationState"]["phase"], "Running");
    assert_eq!(b["status"]["operationState"]["message"], "one or more tasks are running");

    let (s, b) = post(base, tok, &format!("/api/v1/applications/{app}/sync"), json!({})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "another operation is already in progress"));

    sim.advance(sec(5)).await;
    let a = sim.app_json(PROD, &app).unwrap();
    assert_eq!(a["status"]["operationState"]["phase"], "Succeeded");
    assert_eq!(a["status"]["operationState"]["message"], "successfully synced (all tasks run)");
    assert!(a.get("operation").is_none());
    assert!(a["status"]["operationState"]["finishedAt"].is_string());
    let hist = a["status"]["history"].as_array().unwrap();
    assert!(hist.len() == hist_len + 1 || hist.len() == 10);
    let ids: Vec<i64> = hist.iter().map(|h| h["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    assert_eq!(a["status"]["sync"]["status"], "Synced");
    // Health: Progressing right after, Healthy within 2 more seconds.
    assert_eq!(a["status"]["health"]["status"], "Progressing");
    sim.advance(sec(3)).await;
    assert_eq!(sim.app_json(PROD, &app).unwrap()["status"]["health"]["status"], "Healthy");

    let (_, ev) = get(base, tok, &format!("/api/v1/applications/{app}/events")).await;
    let reasons: Vec<&str> = ev["items"].as_array().unwrap().iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"OperationStarted") && reasons.contains(&"OperationCompleted"), "{reasons:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn failed_sync_terminate_and_rollback_rules() {
    let sim = manual_sim(6).await;
    let inst = &sim.instances()[PROD];
    let (base, tok) = (&inst.base_url, &inst.token);
    let names = sim.app_names(PROD);
    let (a1, a2) = (names[0].clone(), names[1].clone());

    sim.fail_next_sync(PROD, &a1, "one or more objects failed to apply, reason: boom");
    post(base, tok, &format!("/api/v1/applications/{a1}/sync"), json!({})).await;
    sim.advance(sec(5)).await;
    let a = sim.app_json(PROD, &a1).unwrap();
    assert_eq!(a["status"]["operationState"]["phase"], "Failed");
    assert_eq!(a["status"]["operationState"]["message"], "one or more objects failed to apply, reason: boom");
    assert_eq!(a["status"]["health"]["status"], "Degraded");

    // Terminate: idle → 400; running → Terminating → Failed "Operation terminated".
    let term = |n: &str| format!("{base}/api/v1/applications/{n}/operation");
    let r =
        client().delete(term(&a2)).bearer_auth(tok).header("Content-Type", "application/json").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(b["message"], "Unable to terminate operation. No operation is in progress");
    post(base, tok, &format!("/api/v1/applications/{a2}/sync"), json!({})).await;
    let r =
        client().delete(term(&a2)).bearer_auth(tok).header("Content-Type", "application/json").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(sim.app_json(PROD, &a2).unwrap()["status"]["operationState"]["phase"], "Terminating");
    sim.advance(sec(1)).await;
    let a = sim.app_json(PROD, &a2).unwrap();
    assert_eq!(a["status"]["operationState"]["phase"], "Failed");
    assert_eq!(a["status"]["operationState"]["message"], "Operation terminated");

    // Rollback restores an older entry's image; refused under auto-sync.
    let hist = a["status"]["history"].as_array().unwrap().clone();
    let old = &hist[0];
    let old_id = old["id"].as_i64().unwrap();
    sim.set_auto_sync(PROD, &a2, true);
    let (s, b) = post(base, tok, &format!("/api/v1/applications/{a2}/rollback"), json!({"id": old_id})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "rollback cannot be initiated when auto-sync is enabled"));
    sim.set_auto_sync(PROD, &a2, false);
    let (s, b) = post(base, tok, &format!("/api/v1/applications/{a2}/rollback"), json!({"id": 9999})).await;
    assert_eq!(
        (s, b["message"].as_str().unwrap()),
        (400, format!("application argocd/{a2} does not have deployment with id 9999").as_str())
    );
    let (s, b) = post(base, tok, &format!("/api/v1/applications/{a2}/rollback"), json!({"id": old_id})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["operation"]["sync"]["revision"], old["revision"]);
    sim.advance(sec(5)).await;
    let a = sim.app_json(PROD, &a2).unwrap();
    assert_eq!(a["status"]["operationState"]["phase"], "Succeeded");
    let last = a["status"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["revision"], old["revision"]);
    // The image came back with the old revision: it differs from the newest entry's one unless
    // the history happens to repeat a version, which the generator never does.
    let images_now = a["status"]["summary"]["images"][0].as_str().unwrap().to_string();
    let (_, tree) = get(base, tok, &format!("/api/v1/applications/{a2}/resource-tree")).await;
    let pod_images: Vec<&str> = tree["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "Pod")
        .filter_map(|n| n["images"][0].as_str())
        .collect();
    assert!(pod_images.iter().all(|i| *i == images_now));
    assert_eq!(a["status"]["sync"]["status"], "OutOfSync", "pinned to an old revision");
    sim.shutdown().await;
}

#[tokio::test]
async fn drift_heals_itself_under_auto_sync_and_shows_a_diff() {
    let sim = manual_sim(4).await;
    let inst = &sim.instances()[DEV];
    let app = sim.app_names(DEV)[0].clone();
    sim.set_out_of_sync(DEV, &app);
    let (_, m) = get(&inst.base_url, &inst.token, &format!("/api/v1/applications/{app}/managed-resources")).await;
    let modified: Vec<&serde_json::Value> =
        m["items"].as_array().unwrap().iter().filter(|i| i["modified"] == true).collect();
    assert_eq!(modified.len(), 1);
    let live: serde_json::Value = serde_json::from_str(modified[0]["normalizedLiveState"].as_str().unwrap()).unwrap();
    let want: serde_json::Value = serde_json::from_str(modified[0]["predictedLiveState"].as_str().unwrap()).unwrap();
    assert_ne!(live["spec"]["replicas"], want["spec"]["replicas"]);
    assert_eq!(sim.app_json(DEV, &app).unwrap()["status"]["sync"]["status"], "OutOfSync");
    sim.advance(sec(1)).await;
    let a = sim.app_json(DEV, &app).unwrap();
    assert_eq!(a["operation"]["initiatedBy"]["automated"], true);
    sim.advance(sec(5)).await;
    assert_eq!(sim.app_json(DEV, &app).unwrap()["status"]["sync"]["status"], "Synced");

    // Auto-sync on: a sync to another revision is refused; rollback too.
    let (s, b) =
        post(&inst.base_url, &inst.token, &format!("/api/v1/applications/{app}/sync"), json!({"revision": "v9"})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (400, "Cannot sync to v9: auto-sync currently set to main"));
    // Pausing auto-sync through PATCH (what the console does).
    let patch =
        json!({"patch": json!({"spec": {"syncPolicy": {"automated": null}}}).to_string(), "patchType": "merge"});
    let r = client()
        .patch(format!("{}/api/v1/applications/{app}", inst.base_url))
        .bearer_auth(&inst.token)
        .header("Content-Type", "application/json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(sim.app_json(DEV, &app).unwrap()["spec"]["syncPolicy"].get("automated").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn actions_scale_and_rollout_matrix() {
    let sim = manual_sim(10).await;
    let inst = &sim.instances()[PROD];
    let (base, tok) = (&inst.base_url, &inst.token);
    let apps: Vec<serde_json::Value> = sim.app_names(PROD).iter().map(|n| sim.app_json(PROD, n).unwrap()).collect();
    let dep = apps.iter().find(|a| a["status"]["resources"][1]["kind"] == "Deployment").unwrap();
    let name = dep["metadata"]["name"].as_str().unwrap();
    let svc = dep["spec"]["destination"]["namespace"].as_str().unwrap();
    let q = format!("namespace={svc}&resourceName={svc}&version=v1&group=apps&kind=Deployment");
    let (_, acts) = get(base, tok, &format!("/api/v1/applications/{name}/resource/actions?{q}")).await;
    let names: Vec<&str> = acts["actions"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["pause", "restart", "resume", "scale"]);
    assert_eq!(acts["actions"][2]["disabled"], true);
    assert!(acts["actions"][0].get("disabled").is_none());
    let body = json!({"name": name, "namespace": svc, "resourceName": svc, "version": "v1", "group": "apps",
        "kind": "Deployment", "action": "scale", "resourceActionParameters": [{"name": "replicas", "value": "7"}]});
    let (s, b) = post(base, tok, &format!("/api/v1/applications/{name}/resource/actions/v2"), body).await;
    assert_eq!((s, b), (200, json!({})));
    let (_, m) = get(base, tok, &format!("/api/v1/applications/{name}/resource?{q}")).await;
    let live: serde_json::Value = serde_json::from_str(m["manifest"].as_str().unwrap()).unwrap();
    assert_eq!(live["spec"]["replicas"], 7);

    if let Some(ro) = apps.iter().find(|a| a["status"]["resources"][1]["kind"] == "Rollout") {
        let name = ro["metadata"]["name"].as_str().unwrap();
        let svc = ro["spec"]["destination"]["namespace"].as_str().unwrap();
        let q = format!("namespace={svc}&resourceName={svc}&version=v1alpha1&group=argoproj.io&kind=Rollout");
        let (_, acts) = get(base, tok, &format!("/api/v1/applications/{name}/resource/actions?{q}")).await;
        let enabled = enabled_actions(&acts);
        assert_eq!(enabled, ["restart"], "healthy rollout per upstream fixture");
        // Deprecated form: body is the JSON string literal.
        let r = client()
            .post(format!("{base}/api/v1/applications/{name}/resource/actions?{q}"))
            .bearer_auth(tok)
            .header("Content-Type", "application/json")
            .body("\"pause\"")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let (_, acts) = get(base, tok, &format!("/api/v1/applications/{name}/resource/actions?{q}")).await;
        let enabled = enabled_actions(&acts);
        assert_eq!(enabled, ["abort", "pause", "promote-full", "restart", "resume", "skip-current-step"]);
    }
    sim.shutdown().await;
}
