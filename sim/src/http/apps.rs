//! Application list, get and patch (`/api/v1/applications[/{name}]`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;

use super::{json_ok, parse_body, parse_patch, ApiResult, Ctx, Q};
use crate::errors::ApiError;
use crate::fields::{self, Fields};
use crate::patch::{json_patch, merge_patch};
use crate::selector::Selector;
use crate::state::AppFilter;

/// Filters of `ApplicationQuery` (shared with watch).
pub fn filter_from(q: &Q) -> Result<AppFilter, ApiError> {
    let selector = Selector::parse(q.get("selector").unwrap_or(""))
        .map_err(|e| ApiError::new(2, format!("error parsing the selector: {e}")))?;
    let projects = projects_of(q);
    let nonempty = |k: &str| q.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    Ok(AppFilter {
        name: nonempty("name"),
        projects,
        selector,
        repo: nonempty("repo"),
        app_namespace: nonempty("appNamespace"),
    })
}

/// The non-empty `projects` and `project` values, in that order.
fn projects_of(q: &Q) -> Vec<String> {
    let mut projects = q.all("projects");
    projects.extend(q.all("project"));
    projects.retain(|p| !p.is_empty());
    projects
}

pub async fn list(State(ctx): State<Ctx>, headers: HeaderMap, q: Q) -> ApiResult {
    ctx.auth(&headers)?;
    let filter = filter_from(&q)?;
    let fields = Fields::parse(q.get("fields"));
    let inst = ctx.inst();
    // Serialize item by item: a 150k-app estate must not build one giant Value.
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(format!("{{\"metadata\":{{\"resourceVersion\":\"{}\"}},\"items\":", inst.rv).as_bytes());
    let mut n = 0usize;
    for (i, app) in inst.apps.iter().enumerate() {
        if !filter.matches(app, inst.svc(i), &inst.env, &inst.repo_url) {
            continue;
        }
        out.push(if n == 0 { b'[' } else { b',' });
        n += 1;
        let full = inst.render(i);
        let item = match &fields {
            Some(f) => fields::list_item(&full, f),
            None => full,
        };
        // Writing a Value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &item);
    }
    drop(inst);
    if n == 0 {
        // A fields-filtered empty list marshals a nil slice.
        out.extend_from_slice(if fields.is_some() { b"null" } else { b"[]" });
    } else {
        out.push(b']');
    }
    out.push(b'}');
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

pub async fn get_app(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let projects = projects_of(&q);
    if projects.len() > 1 {
        return Err(ApiError::invalid(
            "multiple projects specified - the get endpoint accepts either zero or one project",
        ));
    }
    if q.get("refresh").is_some_and(|r| !r.is_empty()) {
        // The repo server reads Git on a refresh (a pushed overlay commit is seen at once).
        ctx.shared.refresh_git().await;
    }
    let (mut inst, idx) = ctx.app(&claims, &name, projects.first().map(String::as_str), "get")?;
    if q.get("refresh").is_some_and(|r| !r.is_empty()) {
        // The controller processes the refresh before Get returns: a reconcile = new reconciledAt.
        let b = inst.before(idx);
        inst.changed(idx, b);
    }
    Ok(json_ok(&inst.render(idx)))
}

pub async fn patch_app(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    headers: HeaderMap,
    q: Q,
    body: Bytes,
) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let req = parse_body(&body)?;
    let project = req["project"].as_str().or(q.get("project"));
    let (mut inst, idx) = ctx.app(&claims, &name, project, "update")?;
    let patch_type = req["patchType"].as_str().filter(|t| !t.is_empty()).unwrap_or("json");
    let patch_text = req["patch"].as_str().unwrap_or("");
    let patch = parse_patch(patch_text)?;
    let mut doc = inst.render(idx);
    match patch_type {
        "merge" => merge_patch(&mut doc, &patch),
        "json" => json_patch(&mut doc, &patch).map_err(ApiError::invalid)?,
        other => return Err(ApiError::invalid(format!("Patch type '{other}' is not supported"))),
    }
    // Only spec.syncPolicy.automated (on/off, selfHeal, prune) is applied back; the sim keeps the rest of the spec fixed.
    let automated = &doc["spec"]["syncPolicy"]["automated"];
    let on = automated.is_object() && automated["enabled"].as_bool() != Some(false);
    let flags = (automated["selfHeal"].as_bool() == Some(true), automated["prune"].as_bool() == Some(true));
    let app = &inst.apps[idx];
    if on && flags != (app.self_heal, app.auto_prune) {
        let b = inst.before(idx);
        (inst.apps[idx].self_heal, inst.apps[idx].auto_prune) = flags;
        inst.changed(idx, b);
    }
    if on != inst.apps[idx].auto_sync {
        inst.set_auto_sync(idx, on);
    }
    Ok(json_ok(&inst.render(idx)))
}
