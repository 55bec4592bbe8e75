//! Contract test against the upstream swagger.json: every served route exists with its method,
//! responses use only property names the schemas define (walking `$ref`/`allOf`), and the request
//! bodies the simulator accepts fit the request schemas. Documented wire quirks are allowed.

mod common;

use std::time::Duration;

use common::{get, manual_sim, post};
use serde_json::{json, Value};

fn swagger() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/reference/argocd/swagger.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("swagger.json missing at {path} ({e}); the reference must be present"));
    serde_json::from_str(&text).expect("swagger.json parses")
}

/// Routes served (mirrors sim/src/http/mod.rs).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/version"),
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("get", "/api/v1/session/userinfo"),
    ("get", "/api/v1/settings"),
    ("get", "/api/v1/account/can-i/{}/{}/{}"),
    ("get", "/api/v1/projects"),
    ("get", "/api/v1/projects/{}"),
    ("get", "/api/v1/clusters"),
    ("get", "/api/v1/repositories"),
    ("get", "/api/v1/applications"),
    ("get", "/api/v1/applications/{}"),
    ("patch", "/api/v1/applications/{}"),
    ("post", "/api/v1/applications/{}/sync"),
    ("post", "/api/v1/applications/{}/rollback"),
    ("delete", "/api/v1/applications/{}/operation"),
    ("get", "/api/v1/applications/{}/resource"),
    ("post", "/api/v1/applications/{}/resource"),
    ("delete", "/api/v1/applications/{}/resource"),
    ("get", "/api/v1/applications/{}/resource/actions"),
    ("post", "/api/v1/applications/{}/resource/actions"),
    ("post", "/api/v1/applications/{}/resource/actions/v2"),
    ("get", "/api/v1/applications/{}/resource-tree"),
    ("get", "/api/v1/applications/{}/managed-resources"),
    ("get", "/api/v1/applications/{}/events"),
    ("get", "/api/v1/applications/{}/syncwindows"),
    ("get", "/api/v1/stream/applications"),
    ("get", "/api/v1/stream/applications/{}/resource-tree"),
];

fn normalize(p: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in p.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn operation<'a>(sw: &'a Value, method: &str, route: &str) -> &'a Value {
    // Several swagger paths can normalise alike (`{name}` vs `{application.metadata.name}`).
    sw["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| normalize(p) == route)
        .find_map(|(_, item)| item.get(method))
        .unwrap_or_else(|| panic!("{method} {route} not in swagger"))
}

fn resolve<'a>(sw: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str() {
        Some(r) => resolve(sw, &sw["definitions"][r.trim_start_matches("#/definitions/")]),
        None => s,
    }
}

/// Collect every property name in `v` that `schema` does not define.
fn check(sw: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let name = schema["$ref"].as_str().unwrap_or("").trim_start_matches("#/definitions/").to_string();
    let s = resolve(sw, schema);
    // Wire shapes that differ from swagger on purpose (API-NOTES §1): times are strings.
    if matches!(name.as_str(), "v1Time" | "v1MicroTime" | "intstrIntOrString" | "runtimeRawExtension") {
        return;
    }
    match v {
        Value::Object(m) => {
            let mut props = s["properties"].as_object().cloned().unwrap_or_default();
            for part in s["allOf"].as_array().into_iter().flatten() {
                if let Some(p) = resolve(sw, part)["properties"].as_object() {
                    props.extend(p.clone());
                }
            }
            if props.is_empty() {
                if let Some(ap) = s.get("additionalProperties") {
                    for (k, x) in m {
                        check(sw, ap, x, &format!("{at}.{k}"), errs);
                    }
                }
                return;
            }
            for (k, x) in m {
                match props.get(k) {
                    Some(ps) => check(sw, ps, x, &format!("{at}.{k}"), errs),
                    // SyncStrategyHook embeds SyncStrategyApply inline: `hook.force`.
                    None if name == "v1alpha1SyncStrategyHook" && k == "force" => {}
                    None => errs.push(format!("{at}.{k} (schema {name})")),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check(sw, &s["items"], x, &format!("{at}[{i}]"), errs);
            }
        }
        _ => {}
    }
}

fn response_schema<'a>(sw: &'a Value, method: &str, route: &str) -> &'a Value {
    &operation(sw, method, route)["responses"]["200"]["schema"]
}

fn assert_fits(sw: &Value, schema: &Value, v: &Value, what: &str) {
    let mut errs = Vec::new();
    check(sw, schema, v, what, &mut errs);
    assert!(errs.is_empty(), "{what}: properties not in swagger: {errs:?}");
}

#[test]
fn every_route_exists_in_swagger() {
    let sw = swagger();
    for (m, r) in ROUTES {
        operation(&sw, m, r);
    }
}

#[test]
fn accepted_request_bodies_fit_swagger() {
    let sw = swagger();
    let body_schema = |m: &str, r: &str| -> Value {
        operation(&sw, m, r)["parameters"].as_array().unwrap().iter().find(|p| p["in"] == "body").expect("body param")
            ["schema"]
            .clone()
    };
    let bodies = [
        ("post", "/api/v1/session", json!({"username": "admin", "password": "password"})),
        (
            "post",
            "/api/v1/applications/{}/sync",
            json!({"revision": "main", "dryRun": false, "prune": true,
            "strategy": {"hook": {"force": false}}, "resources": [{"group": "apps", "kind": "Deployment", "name": "web", "namespace": "prod"}],
            "syncOptions": {"items": ["CreateNamespace=true"]}, "project": "web"}),
        ),
        ("post", "/api/v1/applications/{}/rollback", json!({"id": 3, "dryRun": false, "prune": false})),
        ("patch", "/api/v1/applications/{}", json!({"patch": "{}", "patchType": "merge"})),
        (
            "post",
            "/api/v1/applications/{}/resource/actions/v2",
            json!({"name": "a", "namespace": "n", "resourceName": "r",
            "version": "v1", "group": "apps", "kind": "Deployment", "action": "scale",
            "resourceActionParameters": [{"name": "replicas", "value": "3"}]}),
        ),
    ];
    for (m, r, b) in bodies {
        assert_fits(&sw, &body_schema(m, r), &b, r);
    }
    // body: "patch" / deprecated actions: the body is a JSON string.
    assert_eq!(body_schema("post", "/api/v1/applications/{}/resource")["type"], "string");
    assert_eq!(body_schema("post", "/api/v1/applications/{}/resource/actions")["type"], "string");
}

#[tokio::test]
async fn responses_use_only_swagger_properties() {
    let sw = swagger();
    let sim = manual_sim(10).await;
    let inst = &sim.instances()[2];
    let (base, tok) = (&inst.base_url, &inst.token);
    let names = sim.app_names(2);
    let app = &names[0];
    // Create history, events, an operation state and a drift first.
    sim.fail_next_sync(2, &names[1], "boom");
    post(base, tok, &format!("/api/v1/applications/{}/sync", names[1]), json!({})).await;
    sim.set_out_of_sync(2, app);
    let (_, synced) = post(
        base,
        tok,
        &format!("/api/v1/applications/{app}/sync"),
        json!({"strategy": {"hook": {"force": true}}, "prune": true}),
    )
    .await;
    assert_fits(&sw, response_schema(&sw, "post", "/api/v1/applications/{}/sync"), &synced, "sync");
    sim.advance(Duration::from_secs(5)).await;
    let checks = [
        ("/api/v1/applications".to_string(), "/api/v1/applications"),
        (format!("/api/v1/applications/{app}"), "/api/v1/applications/{}"),
        (format!("/api/v1/applications/{}", names[1]), "/api/v1/applications/{}"),
        (format!("/api/v1/applications/{app}/resource-tree"), "/api/v1/applications/{}/resource-tree"),
        (format!("/api/v1/applications/{app}/managed-resources"), "/api/v1/applications/{}/managed-resources"),
        (format!("/api/v1/applications/{app}/events"), "/api/v1/applications/{}/events"),
        (format!("/api/v1/applications/{app}/syncwindows"), "/api/v1/applications/{}/syncwindows"),
        (format!("/api/v1/applications/{app}/manifests"), "/api/v1/applications/{}/manifests"),
        ("/api/v1/session/userinfo".to_string(), "/api/v1/session/userinfo"),
        ("/api/v1/account/can-i/applications/sync/web/x".to_string(), "/api/v1/account/can-i/{}/{}/{}"),
        ("/api/v1/settings".to_string(), "/api/v1/settings"),
        ("/api/version".to_string(), "/api/version"),
        ("/api/v1/projects".to_string(), "/api/v1/projects"),
        ("/api/v1/projects/default".to_string(), "/api/v1/projects/{}"),
        ("/api/v1/clusters".to_string(), "/api/v1/clusters"),
        ("/api/v1/repositories".to_string(), "/api/v1/repositories"),
    ];
    for (url, route) in checks {
        let (s, v) = get(base, tok, &url).await;
        assert_eq!(s, 200, "{url}: {v}");
        assert!(v.as_object().is_some_and(|m| !m.is_empty()), "{url} returned an empty object");
        assert_fits(&sw, response_schema(&sw, "get", route), &v, &url);
    }
    let (_, ev) = get(base, tok, &format!("/api/v1/applications/{app}/events")).await;
    assert!(ev["items"].as_array().is_some_and(|i| !i.is_empty()));
    // The catalog is the estate's: the apps' cluster, repository and projects.
    let (_, app_json) = get(base, tok, &format!("/api/v1/applications/{app}")).await;
    let (_, clusters) = get(base, tok, "/api/v1/clusters").await;
    assert_eq!(clusters["items"][0]["server"], app_json["spec"]["destination"]["server"]);
    assert_eq!(clusters["items"][0]["info"]["applicationsCount"], names.len());
    let (_, repos) = get(base, tok, "/api/v1/repositories").await;
    assert_eq!(repos["items"][0]["repo"], app_json["spec"]["source"]["repoURL"]);
    let project = app_json["spec"]["project"].as_str().unwrap();
    let (s, p) = get(base, tok, &format!("/api/v1/projects/{project}")).await;
    assert_eq!((s, p["metadata"]["name"].as_str()), (200, Some(project)));
    let (s, p) = get(base, tok, "/api/v1/projects/nope").await;
    assert_eq!((s, p["message"].as_str()), (404, Some("appprojects.argoproj.io \"nope\" not found")));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_tree_stream_message_fits_swagger() {
    let sw = swagger();
    let sim = manual_sim(3).await;
    let inst = &sim.instances()[0];
    let app = sim.app_names(0)[0].clone();
    let url = format!("{}/api/v1/stream/applications/{app}/resource-tree", inst.base_url);
    let resp = common::client().get(url).bearer_auth(&inst.token).send().await.unwrap();
    let mut s = common::StreamReader::new(resp);
    sim.wait_tree_watchers(0, 1).await;
    sim.set_health(0, &app, "Degraded", "x");
    let msg = s.next_json().await.expect("a message");
    assert!(msg["result"]["nodes"].as_array().is_some_and(|n| !n.is_empty()));
    assert_fits(&sw, response_schema(&sw, "get", "/api/v1/stream/applications/{}/resource-tree"), &msg, "tree stream");
    sim.shutdown().await;
}

#[test]
fn the_checker_flags_unknown_properties() {
    let sw = swagger();
    let schema = json!({"$ref": "#/definitions/v1alpha1Application"});
    let mut errs = Vec::new();
    check(&sw, &schema, &json!({"status": {"health": {"status": "Healthy", "bogus": 1}}}), "app", &mut errs);
    assert_eq!(errs, vec!["app.status.health.bogus (schema v1alpha1AppHealthStatus)".to_string()]);
}
