//! Session, version, settings and can-i endpoints.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use serde_json::json;

use super::{empty_ok, json_ok, parse_body, ApiResult, Ctx};
use crate::auth::{self, token_of};
use crate::errors::ApiError;

const RESOURCES: &[&str] = &[
    "clusters",
    "projects",
    "applications",
    "applicationsets",
    "repositories",
    "write-repositories",
    "certificates",
    "accounts",
    "gpgkeys",
    "logs",
    "exec",
    "extensions",
];
const ACTIONS: &[&str] = &["get", "create", "update", "delete", "sync", "rollback", "override", "action", "invoke"];

pub async fn login(State(ctx): State<Ctx>, body: Bytes) -> ApiResult {
    let req = parse_body(&body)?;
    if req["token"].as_str().is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::unauthenticated(
            "token-based session creation no longer supported. please upgrade argocd cli to v0.7+",
        ));
    }
    let username = req["username"].as_str().unwrap_or("");
    let password = req["password"].as_str().unwrap_or("");
    if username.is_empty() || password.is_empty() {
        return Err(ApiError::unauthenticated("no credentials supplied"));
    }
    let user = auth::user(username)
        .filter(|u| u.password == password)
        .ok_or_else(|| ApiError::unauthenticated("Invalid username or password"))?;
    let nonce = ctx.shared.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let token = auth::issue(ctx.slot().secret, user.name, ctx.now_secs(), nonce);
    let mut resp = json_ok(&json!({"token": token}));
    let cookie = format!("argocd.token={token}; path=/{}; SameSite=lax; httpOnly", ctx.slot().env);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn logout() -> ApiResult {
    Ok(empty_ok())
}

pub async fn userinfo(State(ctx): State<Ctx>, headers: HeaderMap) -> ApiResult {
    if token_of(&headers).is_none() {
        return Ok(empty_ok());
    }
    let c = ctx.auth(&headers)?;
    Ok(json_ok(&json!({"loggedIn": true, "username": c.user.name, "iss": "argocd", "groups": c.user.groups})))
}

pub async fn version(State(ctx): State<Ctx>, headers: HeaderMap) -> ApiResult {
    if ctx.auth(&headers).is_err() {
        return Ok(json_ok(&json!({"Version": "v3.5.1"})));
    }
    Ok(json_ok(&json!({
        "Version": "v3.5.1",
        "BuildDate": "2026-08-12T09:14:02Z",
        "GitCommit": crate::rng::sha40(351),
        "GitTag": "v3.5.1",
        "GitTreeState": "clean",
        "GoVersion": "go1.25.0",
        "Compiler": "gc",
        "Platform": "linux/amd64",
        "KustomizeVersion": "v5.7.1 2025-07-23T12:36:00Z",
        "HelmVersion": "v3.18.4+gd80839c",
        "KubectlVersion": "v0.34.0",
        "JsonnetVersion": "v0.21.0",
    })))
}

pub async fn settings(State(ctx): State<Ctx>, headers: HeaderMap) -> ApiResult {
    let mut s = json!({
        "url": ctx.slot().base_url,
        "appLabelKey": "app.kubernetes.io/instance",
        "trackingMethod": "annotation",
        "passwordPattern": "^.{8,32}$",
    });
    if ctx.auth(&headers).is_ok() {
        s["controllerNamespace"] = json!("argocd");
    }
    Ok(json_ok(&s))
}

pub async fn can_i(
    State(ctx): State<Ctx>,
    Path((resource, action, _sub)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult {
    let c = ctx.auth(&headers)?;
    if !RESOURCES.contains(&resource.as_str()) {
        return Err(ApiError::invalid(format!("[{}] does not contain {resource}", RESOURCES.join(" "))));
    }
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::invalid(format!("[{}] does not contain {action}", ACTIONS.join(" "))));
    }
    let yes = c.allows(&action);
    Ok(json_ok(&json!({"value": if yes { "yes" } else { "no" }})))
}
