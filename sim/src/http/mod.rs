//! HTTP surface: one axum router per instance nested under `/<env>`, a guard layer (request
//! counting, the record of writes, injected faults (`crate::faults`), the 415 content-type rule), gzip for unary routes only, and the
//! shared request context handlers use.

mod apps;
mod catalog;
mod lifecycle;
mod logs;
mod misc;
mod ops;
mod resources;
mod tree_watch;
mod watch;

use std::sync::{Arc, MutexGuard};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::compression::CompressionLayer;

use crate::auth::{self, Claims};
use crate::errors::{code_for_status, plain, ApiError};
use crate::state::{lock, Instance};
use crate::{Shared, Slot};

/// Handler context: which instance a request is for.
#[derive(Clone)]
pub struct Ctx {
    pub shared: Arc<Shared>,
    pub idx: usize,
}

impl Ctx {
    pub fn slot(&self) -> &Slot {
        &self.shared.slots[self.idx]
    }
    pub fn inst(&self) -> MutexGuard<'_, Instance> {
        lock(&self.slot().inst)
    }
    pub fn now_secs(&self) -> i64 {
        self.inst().now_ms / 1000
    }
    pub fn auth(&self, headers: &HeaderMap) -> Result<Claims, ApiError> {
        auth::authenticate(self.slot().secret, headers, self.now_secs())
    }
    /// The per-app handler prologue, after [`Ctx::auth`] (which must not run under the lock):
    /// lock the instance, look `name` up under the 403/404 rule of [`find_app`], then enforce
    /// `applications, <action>` for the app's project (`"get"` is allowed to every user).
    pub fn app(
        &self,
        claims: &Claims,
        name: &str,
        project: Option<&str>,
        action: &str,
    ) -> Result<(MutexGuard<'_, Instance>, usize), ApiError> {
        let inst = self.inst();
        let idx = find_app(&inst, name, project)?;
        claims.enforce(action, &inst.svc(idx).team, name)?;
        Ok((inst, idx))
    }
}

/// Query pairs, keeping repeats (`projects=a&projects=b`); extracted like `Query`, with its
/// rejection.
pub struct Q(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state).await?;
        Ok(Q(pairs))
    }
}

impl Q {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
    }
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0.iter().filter(|(key, _)| key == k).map(|(_, v)| v.clone()).collect()
    }
}

/// JSON response with the given body.
pub fn json_ok(v: &serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// Look an app up under the RBAC/existence rule of `getAppEnforceRBAC`.
fn find_app(inst: &Instance, name: &str, project: Option<&str>) -> Result<usize, ApiError> {
    let project = project.filter(|p| !p.is_empty());
    match (inst.find(name), project) {
        (None, None) => Err(ApiError::permission_denied()),
        (None, Some(_)) => Err(ApiError::not_found_app(name)),
        (Some(i), Some(p)) if inst.svc(i).team != p => Err(ApiError::not_found_app(name)),
        (Some(i), _) => Ok(i),
    }
}

/// A request body as JSON; an empty (or all-blank) body is `{}`.
pub fn parse_body(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::invalid(e.to_string()))
}

/// The JSON text of a patch a request carries in a string.
pub fn parse_patch(text: &str) -> Result<serde_json::Value, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::invalid(e.to_string()))
}

async fn guard(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    *lock(&ctx.slot().requests).entry(path.clone()).or_insert(0) += 1;
    let faults = &ctx.slot().faults;
    faults.record(&method, &path, req.uri().query());
    let injected = {
        let mut fail = lock(&ctx.slot().fail);
        match *fail {
            Some((n, status)) if n > 0 => {
                *fail = if n > 1 { Some((n - 1, status)) } else { None };
                Some(status)
            }
            _ => None,
        }
    };
    let injected = injected.or_else(|| faults.take_failure(&method));
    if let Some(delay) = faults.header_delay(&path) {
        tokio::time::sleep(delay).await;
    }
    let refusing = ctx.slot().refuse_tree_streams.load(std::sync::atomic::Ordering::Relaxed);
    if refusing && path.starts_with("/api/v1/stream/applications/") && path.ends_with("/resource-tree") {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    }
    if let Some(status) = injected {
        let err = ApiError::new(code_for_status(status), injected_message(status));
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if path.starts_with("/api/v1/stream/") {
            let sse = watch::wants_sse(req.headers());
            return watch::error_response(&err, sse, Some(code));
        }
        let mut resp = err.into_response();
        *resp.status_mut() = code;
        return resp;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("application/json"));
        if !ok {
            return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Invalid content type");
        }
    }
    let resp = next.run(req).await;
    ctx.slot().faults.maybe_trickle(&method, &path, resp).await
}

/// Messages for injected faults, in the style of gRPC transport errors.
fn injected_message(status: u16) -> String {
    match status {
        503 => "connection error: desc = \"transport: Error while dialing: dial tcp 127.0.0.1:8083: connect: connection refused\"".into(),
        504 => "context deadline exceeded".into(),
        429 => "too many requests".into(),
        _ => format!("simulated failure (HTTP {status})"),
    }
}

/// An unknown route: under `/api/` the gRPC gateway's JSON error (`runtimeError` in the
/// swagger: `error`, `code` 5 NotFound, `message`), elsewhere plain text (the UI's server).
/// API-NOTES §1 records grpc-gateway v1.16's plain-text default here; a real third-party
/// client against a real Argo CD was seen to get the JSON body (issue 9), so JSON it is.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().contains("/api/") {
        return ApiError::new(5, "Not Found").into_response();
    }
    plain(StatusCode::NOT_FOUND, "Not Found")
}

/// A known route with another method: the gateway's `Unimplemented` (12 → HTTP 501).
async fn method_not_allowed() -> Response {
    ApiError::new(12, "Not Implemented").into_response()
}

fn instance_router(ctx: Ctx) -> Router {
    let unary = Router::new()
        .route("/api/version", get(misc::version))
        .route("/api/v1/session", post(misc::login).delete(misc::logout))
        .route("/api/v1/session/userinfo", get(misc::userinfo))
        .route("/api/v1/settings", get(misc::settings))
        .route("/api/v1/account/can-i/{resource}/{action}/{*subresource}", get(misc::can_i))
        .route("/api/v1/projects", get(catalog::projects))
        .route("/api/v1/projects/{name}", get(catalog::project_get))
        .route("/api/v1/clusters", get(catalog::clusters))
        .route("/api/v1/repositories", get(catalog::repositories))
        .route("/api/v1/applications", get(apps::list).post(lifecycle::create))
        .route("/api/v1/applications/{name}", get(apps::get_app).patch(apps::patch_app).delete(lifecycle::delete))
        .route("/api/v1/applications/{name}/sync", post(ops::sync))
        .route("/api/v1/applications/{name}/rollback", post(ops::rollback))
        .route("/api/v1/applications/{name}/operation", delete(ops::terminate))
        .route(
            "/api/v1/applications/{name}/resource",
            get(resources::get_resource).post(resources::patch_resource).delete(resources::delete_resource),
        )
        .route(
            "/api/v1/applications/{name}/resource/actions",
            get(resources::list_actions).post(resources::run_action_v1),
        )
        .route("/api/v1/applications/{name}/resource/actions/v2", post(resources::run_action_v2))
        .route("/api/v1/applications/{name}/resource-tree", get(resources::tree))
        .route("/api/v1/applications/{name}/managed-resources", get(resources::managed))
        .route("/api/v1/applications/{name}/events", get(resources::events))
        .route("/api/v1/applications/{name}/manifests", get(resources::manifests))
        .route("/api/v1/applications/{name}/syncwindows", get(resources::syncwindows))
        // gzip only for unary routes: Argo CD skips SSE, and compressing the NDJSON watch would
        // buffer events inside the encoder, which a live console cannot afford.
        .layer(CompressionLayer::new());
    let streams = Router::new()
        .route("/api/v1/stream/applications", get(watch::watch))
        .route("/api/v1/stream/applications/{name}/resource-tree", get(tree_watch::watch_tree))
        .route("/api/v1/applications/{name}/logs", get(logs::app_logs))
        .route("/api/v1/applications/{name}/pods/{pod}/logs", get(logs::pod_logs));
    unary
        .merge(streams)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(ctx.clone(), guard))
        .with_state(ctx)
}

pub fn router(shared: Arc<Shared>) -> Router {
    let mut r = Router::new();
    for (idx, slot) in shared.slots.iter().enumerate() {
        let ctx = Ctx { shared: shared.clone(), idx };
        r = r.nest(&format!("/{}", slot.env), instance_router(ctx));
    }
    r.fallback(not_found)
}

/// Helper for handlers returning either a response or an API error.
pub type ApiResult = Result<Response, ApiError>;

pub fn empty_ok() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], Body::from("{}")).into_response()
}
