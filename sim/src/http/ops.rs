//! Operations: sync, rollback and terminate, with the refusal table of API-NOTES §3.4–3.6.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::{empty_ok, json_ok, parse_body, ApiResult, Ctx, Q};
use crate::errors::ApiError;
use crate::life::user;
use crate::model::{SyncParams, SyncResource};

const IN_PROGRESS: &str = "another operation is already in progress";

pub async fn sync(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let req = parse_body(&body)?;
    let (mut inst, idx) = ctx.app(&claims, &name, req["project"].as_str(), "sync")?;
    let app = &inst.apps[idx];
    let dry_run = req["dryRun"].as_bool().unwrap_or(false);
    let revision = req["revision"].as_str().unwrap_or("");
    if app.auto_sync && !dry_run && !revision.is_empty() && revision != "main" {
        return Err(ApiError::precondition(format!("Cannot sync to {revision}: auto-sync currently set to main")));
    }
    let has_manifests = req["manifests"].as_array().is_some_and(|m| !m.is_empty());
    if has_manifests && app.auto_sync && !dry_run {
        return Err(ApiError::precondition(
            "cannot use local sync when Automatic Sync Policy is enabled unless for dry run",
        ));
    }
    if app.op_in_flight() {
        return Err(ApiError::precondition(IN_PROGRESS));
    }
    let (rev, ver) = inst.resolve_revision(idx, revision);
    let strategy = &req["strategy"];
    let apply_strategy = strategy.get("apply").is_some_and(|a| !a.is_null());
    let force = if apply_strategy {
        strategy["apply"]["force"].as_bool().unwrap_or(false)
    } else {
        strategy["hook"]["force"].as_bool().unwrap_or(false)
    };
    let sync_options = match req["syncOptions"]["items"].as_array() {
        Some(items) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        None => vec!["CreateNamespace=true".to_string()],
    };
    let resources = req["resources"].as_array().filter(|r| !r.is_empty()).map(|rs| {
        rs.iter()
            .map(|r| SyncResource {
                group: r["group"].as_str().unwrap_or("").into(),
                kind: r["kind"].as_str().unwrap_or("").into(),
                name: r["name"].as_str().unwrap_or("").into(),
                namespace: r["namespace"].as_str().unwrap_or("").into(),
            })
            .collect()
    });
    let params = SyncParams {
        rev,
        ver,
        initiator: user(claims.user.name),
        dry_run,
        prune: req["prune"].as_bool().unwrap_or(false),
        apply_strategy,
        force,
        sync_options,
        resources,
        rollback_id: None,
    };
    inst.start_sync(idx, params);
    Ok(json_ok(&inst.render(idx)))
}

pub async fn rollback(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let req = parse_body(&body)?;
    let (mut inst, idx) = ctx.app(&claims, &name, req["project"].as_str(), "sync")?;
    let app = &inst.apps[idx];
    if app.auto_sync {
        return Err(ApiError::precondition("rollback cannot be initiated when auto-sync is enabled"));
    }
    let id = req["id"].as_i64().unwrap_or(0);
    let Some(h) = app.history.iter().find(|h| i64::from(h.id) == id).cloned() else {
        return Err(ApiError::invalid(format!("application argocd/{name} does not have deployment with id {id}")));
    };
    if app.op_in_flight() {
        return Err(ApiError::precondition(IN_PROGRESS));
    }
    let params = SyncParams {
        rev: h.rev,
        ver: h.ver,
        initiator: user(claims.user.name),
        dry_run: req["dryRun"].as_bool().unwrap_or(false),
        prune: req["prune"].as_bool().unwrap_or(false),
        apply_strategy: true,
        force: false,
        sync_options: Vec::new(),
        resources: None,
        rollback_id: Some(h.id),
    };
    inst.start_sync(idx, params);
    Ok(json_ok(&inst.render(idx)))
}

pub async fn terminate(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (mut inst, idx) = ctx.app(&claims, &name, q.get("project"), "sync")?;
    if !inst.apps[idx].op_in_flight() {
        return Err(ApiError::invalid("Unable to terminate operation. No operation is in progress"));
    }
    inst.terminate(idx, claims.user.name);
    Ok(empty_ok())
}
