//! Error codes and exact texts of API-NOTES §2 and §5, served by the simulator.

mod common;

use common::{client, get, manual_sim, post};
use serde_json::json;

#[tokio::test]
async fn auth_errors_and_login() {
    let sim = manual_sim(5).await;
    let inst = &sim.instances()[2];
    let base = &inst.base_url;
    let r = client().get(format!("{base}/api/v1/applications")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body, json!({"error": "no session information", "code": 16, "message": "no session information"}));

    let (s, b) = get(base, "a.b.c", "/api/v1/applications").await;
    assert_eq!(s, 401);
    assert!(b["message"].as_str().unwrap().starts_with("invalid session: "), "{b}");

    // A token from another instance is signed with another secret.
    let (s, _) = get(base, &sim.instances()[0].token, "/api/v1/applications").await;
    assert_eq!(s, 401);

    let (s, b) = post(base, "", "/api/v1/session", json!({"username": "admin", "password": "nope"})).await;
    assert_eq!((s, b["message"].as_str().unwrap()), (401, "Invalid username or password"));
    let (s, b) = post(base, "", "/api/v1/session", json!({"username": "", "password": ""})).await;
    assert_eq!((s, b["error"].as_str().unwrap()), (401, "no credentials supplied"));

    let r = client()
        .post(format!("{base}/api/v1/session"))
        .header("Content-Type", "application/json")
        .body(json!({"username": "viewer", "password": "viewer"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("argocd.token="), "{cookie}");
    let token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3);
    // Cookie auth works as well as Bearer.
    let r = client()
        .get(format!("{base}/api/v1/session/userinfo"))
        .header("Cookie", format!("argocd.token={token}"))
        .send()
        .await
        .unwrap();
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info, json!({"loggedIn": true, "username": "viewer", "iss": "argocd", "groups": ["viewers"]}));

    // Viewer may not sync: exact RBAC text.
    let app = sim.app_names(2)[0].clone();
    let (s, b) = post(base, &token, &format!("/api/v1/applications/{app}/sync"), json!({})).await;
    assert_eq!(s, 403);
    let msg = b["message"].as_str().unwrap();
    assert!(msg.starts_with("permission denied: applications, sync, "), "{msg}");
    assert!(msg.contains(&format!("/{app}, sub: viewer, iat: ")), "{msg}");
    let (s, b) = get(base, &token, "/api/v1/account/can-i/applications/sync/x/y").await;
    assert_eq!((s, b), (200, json!({"value": "no"})));
    sim.shutdown().await;
}

#[tokio::test]
async fn existence_rules_content_type_selector_and_version() {
    let sim = manual_sim(5).await;
    let inst = &sim.instances()[0];
    let (base, tok) = (&inst.base_url, &inst.token);
    let (s, b) = get(base, tok, "/api/v1/applications/nope").await;
    assert_eq!((s, b["message"].as_str().unwrap()), (403, "permission denied"));
    let (s, b) = get(base, tok, "/api/v1/applications/nope?project=web").await;
    assert_eq!((s, b["message"].as_str().unwrap()), (404, "applications.argoproj.io \"nope\" not found"));
    let app = sim.app_names(0)[0].clone();
    let (s, _) = get(base, tok, &format!("/api/v1/applications/{app}?project=not-its-project")).await;
    assert_eq!(s, 404);
    let (s, b) = get(base, tok, &format!("/api/v1/applications/{app}?projects=a&projects=b")).await;
    assert_eq!(s, 400);
    assert_eq!(b["message"], "multiple projects specified - the get endpoint accepts either zero or one project");

    let r = client()
        .post(format!("{base}/api/v1/applications/{app}/sync"))
        .bearer_auth(tok)
        .header("Content-Type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(r.text().await.unwrap(), "Invalid content type");

    let (s, b) = get(base, tok, "/api/v1/applications?selector=team%3Dweb%3Dx").await;
    assert_eq!(s, 500);
    assert!(b["message"].as_str().unwrap().starts_with("error parsing the selector: "), "{b}");

    let r = client().get(format!("{base}/api/version")).send().await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!({"Version": "v3.5.1"}));
    let (_, b) = get(base, tok, "/api/version").await;
    assert!(b["GitCommit"].is_string() && b["KubectlVersion"].is_string());

    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_api_routes_answer_the_gateways_json_error() {
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[0];
    let (base, tok) = (&inst.base_url, &inst.token);
    let r = client().get(format!("{base}/api/v1/nothing-here")).bearer_auth(tok).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body, json!({"error": "Not Found", "code": 5, "message": "Not Found"}));
    // A known route with a method it does not have: Unimplemented.
    let r = client().put(format!("{base}/api/v1/clusters")).bearer_auth(tok).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 501);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["code"].as_u64(), body["message"].as_str()), (Some(12), Some("Not Implemented")));
    // Outside the API (the UI's paths) a 404 stays plain text.
    let r = client().get(format!("{base}/nothing-here")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    sim.shutdown().await;
}

#[tokio::test]
async fn injected_faults_are_counted_and_expire() {
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[1];
    sim.fail_next(1, 2, 503);
    for _ in 0..2 {
        let (s, b) = get(&inst.base_url, &inst.token, "/api/v1/applications").await;
        assert_eq!((s, b["code"].as_u64()), (503, Some(14)));
    }
    let (s, _) = get(&inst.base_url, &inst.token, "/api/v1/applications").await;
    assert_eq!(s, 200);
    assert_eq!(sim.request_count(1, "/api/v1/applications"), 3);
    assert_eq!(sim.request_count(0, "/api/v1/applications"), 0);
    sim.shutdown().await;
}
