//! The simulator's Vault against a real OpenBao, request by request: the same status, the
//! same `errors` list, and the same shape (every key, every value's JSON type) for health,
//! token lookup and renewal, AppRole login, KV v2 read (by version too), metadata read and
//! list, policy denial, a missing or bad token, an unknown mount, and a sealed server. Where
//! they differ the simulator is wrong. Skipped with one line where `bao` is missing.

mod vault_support;

use serde_json::{json, Map, Value};
use vault_support::World;

/// `v` with every leaf replaced by its JSON type; arrays by their first element's shape.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), shape(x))).collect::<Map<_, _>>()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::Null => json!("null"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
    }
}

/// What a request's answer must agree on: status, and the exact errors or the shape.
fn digest(status: u16, body: &Value) -> Value {
    match body.get("errors") {
        Some(e) => json!({ "status": status, "errors": e }),
        None => json!({ "status": status, "shape": shape(body) }),
    }
}

async fn call(w: &World, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
    let (status, body) = vault_support::raw_call(&w.addr(), method, path, token, body).await;
    digest(status, &body)
}

/// Every request of the comparison, named, with its digest.
async fn answers(w: &World) -> Vec<(&'static str, Value)> {
    w.put("argocd/dev", &[("token", "one")]).await;
    w.put("argocd/dev", &[("token", "two")]).await;
    w.put("other/thing", &[("token", "x")]).await;
    let (role_id, secret_id) = w.approle().await;
    let login = json!({ "role_id": role_id, "secret_id": secret_id });
    let (_, auth) = vault_support::raw_call(&w.addr(), "POST", "auth/approle/login", None, Some(login.clone())).await;
    let app = auth["auth"]["client_token"].as_str().expect("token").to_string();
    let narrow = w.token(&["secret/data/argocd/"], 3600, true).await;
    let root = w.root();
    let (r, a, n) = (Some(root.as_str()), Some(app.as_str()), Some(narrow.as_str()));
    let mut out = vec![
        ("health", call(w, "GET", "sys/health", None, None).await),
        ("lookup-self root", call(w, "GET", "auth/token/lookup-self", r, None).await),
        ("lookup-self approle", call(w, "GET", "auth/token/lookup-self", a, None).await),
        ("lookup-self no token", call(w, "GET", "auth/token/lookup-self", None, None).await),
        ("lookup-self bad token", call(w, "GET", "auth/token/lookup-self", Some("s.nope"), None).await),
        ("approle login", call(w, "POST", "auth/approle/login", None, Some(login)).await),
        (
            "approle bad login",
            call(w, "POST", "auth/approle/login", None, Some(json!({"role_id": "x", "secret_id": "y"}))).await,
        ),
        ("login unknown mount", call(w, "POST", "auth/nomount/login", None, Some(json!({}))).await),
        ("kv read", call(w, "GET", "secret/data/argocd/dev", a, None).await),
        ("kv read v1", call(w, "GET", "secret/data/argocd/dev?version=1", a, None).await),
        ("kv read v9", call(w, "GET", "secret/data/argocd/dev?version=9", a, None).await),
        ("kv read missing", call(w, "GET", "secret/data/argocd/none", a, None).await),
        ("kv metadata", call(w, "GET", "secret/metadata/argocd/dev", a, None).await),
        ("kv metadata missing", call(w, "GET", "secret/metadata/argocd/none", a, None).await),
        ("kv list", call(w, "GET", "secret/metadata/argocd?list=true", a, None).await),
        ("kv LIST", call(w, "LIST", "secret/metadata/", a, None).await),
        ("kv list empty", call(w, "GET", "secret/metadata/nothing?list=true", a, None).await),
        ("kv policy denied", call(w, "GET", "secret/data/other/thing", n, None).await),
        ("kv no token", call(w, "GET", "secret/data/argocd/dev", None, None).await),
        ("no mount", call(w, "GET", "nomount/data/x/y", r, None).await),
        ("renew approle", call(w, "POST", "auth/token/renew-self", a, Some(json!({"increment": "2h"}))).await),
        ("renew root", call(w, "POST", "auth/token/renew-self", r, Some(json!({}))).await),
    ];
    w.seal().await;
    out.push(("health sealed", call(w, "GET", "sys/health", None, None).await));
    out.push(("kv sealed", call(w, "GET", "secret/data/argocd/dev", r, None).await));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_vault_answers_as_openbao_does() {
    let Some(real) = World::openbao().await else { return };
    let sim = World::simulated().await;
    let (want, got) = (answers(&real).await, answers(&sim).await);
    let mut diffs = Vec::new();
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        if w != g {
            diffs.push(format!("{name}:\n  OpenBao   {w}\n  simulator {g}"));
        }
    }
    assert!(diffs.is_empty(), "the simulator differs from OpenBao:\n{}", diffs.join("\n"));
}
