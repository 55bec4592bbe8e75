//! The simulated Vault's HTTP handling: one dispatcher over `/v1/{*rest}` (Vault routes by
//! mount, so a path table would fight the `{mount}/data/{path}` shape), the injected 307, the
//! sealed rule, token checks and the response envelope.
//!
//! Where `shared/reference/vault/` is silent the simulator says so next to the choice; the
//! 400 texts for a bad AppRole login and a non-renewable token are OpenBao 2.7's (observed).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::{kv, now_secs, TokenInfo, Vault};

/// A missing, unknown or expired token. Vault 1.x answers "2 errors occurred: … permission
/// denied … invalid token" (examples/error-403-invalid-or-expired-token.json); OpenBao 2.7, the
/// real server the tests run, answers this bare text, so the simulator does too.
const BAD_TOKEN: &str = "permission denied";
const POLICY_DENIED: &str = "1 error occurred:\n\t* permission denied\n\n";
const SEALED: &str = "Vault is sealed";

pub(super) fn router(vault: Arc<Vault>) -> Router {
    Router::new().route("/v1/{*rest}", any(dispatch)).with_state(vault)
}

pub(super) fn errors(status: StatusCode, msgs: &[&str]) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], json!({ "errors": msgs }).to_string()).into_response()
}

pub(super) fn json_resp(status: StatusCode, v: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// The envelope every Vault JSON answer has (Vault and OpenBao send all eight fields).
pub(super) fn envelope(vault: &Vault, data: Value, auth: Value) -> Value {
    let n = {
        let mut st = vault.state();
        st.counter += 1;
        crate::rng::mix(st.counter)
    };
    json!({
        "request_id": format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", n >> 32, (n >> 16) & 0xffff, n & 0xffff, (n >> 48) & 0xffff, n & 0xffff_ffff_ffff),
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
    })
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    h("x-vault-token")
        .or_else(|| h("authorization").and_then(|a| a.strip_prefix("Bearer ").map(str::to_string)))
        .filter(|t| !t.is_empty())
}

async fn dispatch(State(vault): State<Arc<Vault>>, req: Request) -> Response {
    let path = req.uri().path().trim_start_matches("/v1/").to_string();
    let method = req.method().clone();
    let headers = req.headers().clone();
    {
        let mut st = vault.state();
        *st.requests.entry(path.clone()).or_insert(0) += 1;
        if let Some(ns) = headers.get("x-vault-namespace").and_then(|v| v.to_str().ok()) {
            st.last_namespace = Some(ns.to_string());
        }
        if path.starts_with("sys/trap/") {
            // The redirect target: record any token that followed the redirect here.
            if let Some(t) = token_of(&headers) {
                st.trap_tokens.push(t);
            }
            return errors(StatusCode::NOT_FOUND, &[]);
        }
        if let Some(target) = st.redirect_next.take() {
            let location = format!("{target}/v1/sys/trap/{path}");
            return (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]).into_response();
        }
    }
    let query = req.uri().query().unwrap_or("").to_string();
    let param = |k: &str| {
        query.split('&').filter_map(|kv| kv.split_once('=')).find(|(key, _)| *key == k).map(|(_, v)| v.to_string())
    };
    let (version, list) = (param("version"), param("list").is_some_and(|v| v == "true"));
    let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
    if path == "sys/health" {
        return health(&vault);
    }
    if vault.state().sealed {
        return errors(StatusCode::SERVICE_UNAVAILABLE, &[SEALED]);
    }
    let listing = method.as_str() == "LIST" || (method == Method::GET && list);
    match (method, path.as_str()) {
        (Method::POST | Method::PUT, p) if p.starts_with("auth/") && p.ends_with("/login") => login(&vault, p, &body),
        (Method::GET, "auth/token/lookup-self") => with_token(&vault, &headers, "", |t, info| lookup(&vault, t, info)),
        (Method::POST | Method::PUT, "auth/token/renew-self") => {
            let token = token_of(&headers);
            with_token(&vault, &headers, "", |_, info| renew(&vault, token.as_deref().unwrap_or(""), info, &body))
        }
        (_, p) if listing => match p.split_once("/metadata") {
            Some((mount, rest)) => kv::list(&vault, &headers, mount, rest.trim_start_matches('/')),
            None => no_route(p),
        },
        (Method::GET, p) => match (p.split_once("/data/"), p.split_once("/metadata/")) {
            (Some((mount, secret)), _) => kv::read(&vault, &headers, mount, secret, version.as_deref()),
            (None, Some((mount, secret))) => kv::metadata(&vault, &headers, mount, secret),
            _ => no_route(p),
        },
        (_, p) => no_route(p),
    }
}

pub(super) fn no_route(p: &str) -> Response {
    errors(StatusCode::NOT_FOUND, &[&format!("no handler for route \"{p}\". route entry not found.")])
}

/// `sys/health` as OpenBao 2.7 answers: no `performance_standby` (a Vault Enterprise field),
/// and when sealed `standby: true`, replication modes "unknown" and no cluster fields.
fn health(vault: &Vault) -> Response {
    let sealed = vault.state().sealed;
    let mut body = json!({
        "initialized": true,
        "sealed": sealed,
        "standby": sealed,
        "replication_performance_mode": if sealed { "unknown" } else { "disabled" },
        "replication_dr_mode": if sealed { "unknown" } else { "disabled" },
        "server_time_utc": now_secs(),
        "version": "2.7.2",
    });
    if !sealed {
        body["cluster_name"] = json!("vault-cluster-flightdeck-sim");
        body["cluster_id"] = json!("00af5aa8-c87d-b5fc-e82e-97cd8dfaf731");
    }
    let status = if sealed { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    json_resp(status, &body)
}

/// Check the request's token (valid, unexpired, allowed `api_path`) and run `f`.
pub(super) fn with_token(
    vault: &Vault,
    headers: &HeaderMap,
    api_path: &str,
    f: impl FnOnce(&str, &TokenInfo) -> Response,
) -> Response {
    let Some(token) = token_of(headers) else {
        return errors(StatusCode::FORBIDDEN, &[BAD_TOKEN]);
    };
    let info = vault.state().tokens.get(&token).cloned();
    let Some(info) = info.filter(|i| i.expires_at_secs.is_none_or(|e| e > now_secs())) else {
        return errors(StatusCode::FORBIDDEN, &[BAD_TOKEN]);
    };
    if !api_path.is_empty() && !info.allowed.iter().any(|a| api_path.starts_with(a.as_str())) {
        return errors(StatusCode::FORBIDDEN, &[POLICY_DENIED]);
    }
    f(&token, &info)
}

fn lookup(vault: &Vault, token: &str, info: &TokenInfo) -> Response {
    let ttl = info.expires_at_secs.map_or(0, |e| (e - now_secs()).max(0));
    let at = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .map(|t| json!(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)))
            .unwrap_or(Value::Null)
    };
    // A login's token is named after its auth method, as OpenBao does ("approle").
    let display = info.path.strip_prefix("auth/").and_then(|p| p.strip_suffix("/login")).unwrap_or("token");
    // No `identity_policies`: OpenBao 2.7 sends it only for tokens whose entity has policies.
    let data = json!({
        "accessor": info.accessor,
        "creation_time": info.created_secs,
        "creation_ttl": info.creation_ttl_secs,
        "display_name": display,
        "entity_id": "",
        "expire_time": info.expires_at_secs.map_or(Value::Null, at),
        "explicit_max_ttl": 0,
        "id": token,
        "issue_time": at(info.created_secs),
        "meta": info.metadata,
        "num_uses": 0,
        "orphan": true,
        "path": info.path,
        "policies": info.policies,
        "renewable": info.renewable,
        "ttl": ttl,
        "type": "service",
    });
    json_resp(StatusCode::OK, &envelope(vault, data, Value::Null))
}

/// `"1h"`, `"30m"`, `"90s"`, `"3600"` → seconds.
fn parse_increment(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'h' => (&s[..s.len() - 1], 3600),
        'm' => (&s[..s.len() - 1], 60),
        's' => (&s[..s.len() - 1], 1),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|n| n * mult)
}

fn renew(vault: &Vault, token: &str, info: &TokenInfo, body: &Bytes) -> Response {
    if !info.renewable {
        // Not in the reference: Vault's wording for a token that cannot be renewed.
        return errors(StatusCode::BAD_REQUEST, &["lease is not renewable"]);
    }
    let inc = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("increment").and_then(|i| i.as_str().map(str::to_string).or(i.as_u64().map(|n| n.to_string())))
        })
        .and_then(|s| parse_increment(&s));
    let ttl = inc.unwrap_or(info.creation_ttl_secs).max(1);
    {
        let mut st = vault.state();
        if let Some(t) = st.tokens.get_mut(token) {
            t.expires_at_secs = Some(now_secs() + ttl as i64);
            t.creation_ttl_secs = ttl;
        }
    }
    json_resp(StatusCode::OK, &envelope(vault, Value::Null, auth_block(token, info, ttl)))
}

/// The `auth` block of a login or renewal (examples/login-approle-200.json), plus the
/// `mfa_requirement` and `num_uses` that OpenBao 2.7 (and Vault ≥ 1.10) send.
fn auth_block(token: &str, info: &TokenInfo, ttl: u64) -> Value {
    json!({
        "client_token": token,
        "accessor": info.accessor,
        "policies": info.policies,
        "token_policies": info.policies,
        "metadata": info.metadata,
        "lease_duration": ttl,
        "renewable": info.renewable,
        "entity_id": "",
        "token_type": "service",
        "orphan": true,
        "mfa_requirement": null,
        "num_uses": 0,
    })
}

fn login(vault: &Vault, path: &str, body: &Bytes) -> Response {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (ok, metadata) = match path {
        "auth/approle/login" => (
            field("role_id") == vault.role_id && field("secret_id") == vault.secret_id,
            Some(super::handlers::to_map([("role_name", super::ROLE_NAME)])),
        ),
        "auth/kubernetes/login" => (field("role") == vault.k8s_role && field("jwt") == vault.k8s_jwt, None),
        // An auth mount that does not exist: OpenBao answers 403 (unauthenticated paths are
        // checked like any other), not the "no handler" 404.
        _ => return errors(StatusCode::FORBIDDEN, &[BAD_TOKEN]),
    };
    if !ok {
        // AppRole: OpenBao 2.7's 400 text. Kubernetes cannot run here; Vault's plugin refuses
        // a bad JWT or role with 403 "permission denied" (not checked against a server).
        return if path.contains("approle") {
            errors(StatusCode::BAD_REQUEST, &["invalid role or secret ID"])
        } else {
            errors(StatusCode::FORBIDDEN, &[BAD_TOKEN])
        };
    }
    let (token, info) = vault.login_token(path, metadata);
    let ttl = info.creation_ttl_secs;
    json_resp(StatusCode::OK, &envelope(vault, Value::Null, auth_block(&token, &info, ttl)))
}

/// Put a secret map (used by `Sim::vault_put_secret`).
pub(super) fn to_map<K: Into<String>, V: Into<String>>(
    it: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<String, String> {
    it.into_iter().map(|(k, v)| (k.into(), v.into())).collect()
}
