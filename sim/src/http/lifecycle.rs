//! Application create and delete (`POST /api/v1/applications`,
//! `DELETE /api/v1/applications/{name}`): the API half of `crate::lifecycle`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::{empty_ok, json_ok, parse_body, ApiResult, Ctx, Q};
use crate::errors::ApiError;
use crate::lifecycle::AppSpec;

/// `POST /api/v1/applications?upsert=&validate=`, body a `v1alpha1Application`.
///
/// An existing app with the same spec is answered as it is; with a different spec and no
/// `upsert`, InvalidArgument. The reference (swagger.json, API-NOTES §3.7) names the
/// parameters only; these two answers and their wording follow Argo CD's server
/// (`server/application/application.go` Create), not the reference. `validate` (on unless
/// `false`) refuses a source path holding no overlay in the repository: the wording of
/// that refusal is the simulator's own, the reference being silent.
pub async fn create(State(ctx): State<Ctx>, headers: HeaderMap, q: Q, body: Bytes) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let spec = AppSpec::from_json(&parse_body(&body)?).map_err(ApiError::invalid)?;
    claims.enforce("create", &spec.project, &spec.name)?;
    let upsert = q.get("upsert") == Some("true");
    let validate = q.get("validate") != Some("false");
    let desired = match ctx.shared.git.clone() {
        Some(side) => {
            let path = spec.path.clone();
            tokio::task::spawn_blocking(move || side.overlay_on_main(&path)).await.unwrap_or(None)
        }
        None => None,
    };
    if validate && desired.is_none() && ctx.shared.git.is_some() {
        return Err(ApiError::invalid(format!(
            "application spec for {} is invalid: InvalidSpecError: Unable to generate manifests in {}: app path does not exist",
            spec.name, spec.path
        )));
    }
    let mut inst = ctx.inst();
    let idx = match inst.find(&spec.name) {
        None => inst.create_app(&spec, desired.as_ref(), false),
        Some(idx) if inst.spec_of(idx).as_ref() == Some(&spec) => idx,
        Some(idx) if upsert => {
            inst.update_app(idx, &spec, desired.as_ref());
            idx
        }
        Some(_) => {
            return Err(ApiError::invalid("existing application spec is different, use upsert flag to force update"))
        }
    };
    Ok(json_ok(&inst.render(idx)))
}

/// `DELETE /api/v1/applications/{name}?cascade=&propagationPolicy=&appNamespace=&project=`
/// → `{}` (API-NOTES §3.7). RBAC `delete`; an unknown app follows the 403/404 rule of the
/// other per-app calls.
pub async fn delete(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let policy = q.get("propagationPolicy").filter(|p| !p.is_empty());
    if q.get("cascade") == Some("false") && policy.is_some() {
        return Err(ApiError::invalid("cannot set propagation policy when cascading is disabled"));
    }
    let (mut inst, idx) = ctx.app(&claims, &name, q.get("project"), "delete")?;
    inst.delete_app(idx);
    Ok(empty_ok())
}
