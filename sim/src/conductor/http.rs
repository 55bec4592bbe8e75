//! HTTP of the simulated Conductor: routes under `/api`, the error body of Conductor's
//! `ApplicationExceptionMapper` (`{status, message, instance, retryable}`, plus
//! `validationErrors` on 400s), the Orkes token exchange and `X-Authorization` check,
//! injected faults, and the metadata endpoints. Workflow and task endpoints are in
//! [`super::workflows`] and [`super::tasks`].
//!
//! Where the reference is silent the choice is said next to it: the texts of 404/409
//! messages follow Conductor OSS's exceptions as far as they are known; the Orkes body of an
//! expired token is not in the OpenAPI file, only the `error` codes clients read
//! (EXPIRED_TOKEN, INVALID_TOKEN, per BACKENDS-NOTES §2).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};

use super::{tasks, workflows, Conductor};
use crate::http::Q;

/// A Conductor error answer.
pub struct ConductorError {
    pub status: StatusCode,
    pub message: String,
    pub extra: Value,
}

impl ConductorError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), extra: json!({}) }
    }
    pub fn not_found(m: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, m)
    }
    pub fn conflict(m: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, m)
    }
    pub fn bad(m: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, m)
    }
    /// A 400 with one validation error per `(path, message)`, as constraint violations are.
    pub fn invalid(errors: Vec<(String, String)>) -> Self {
        let list: Vec<Value> = errors.iter().map(|(p, m)| json!({ "path": p, "message": m })).collect();
        let mut e = Self::bad("Validation failed, check below errors for detail.");
        e.extra = json!({ "validationErrors": list });
        e
    }
}

impl IntoResponse for ConductorError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "status": self.status.as_u16(),
            "message": self.message,
            "instance": "flightdeck-sim",
            "retryable": self.status.is_server_error(),
        });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), self.extra.as_object()) {
            b.extend(extra.clone());
        }
        (self.status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

pub type Answer = Result<Response, ConductorError>;

pub fn json_answer(v: &Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

pub fn text_answer(s: &str) -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], s.to_string()).into_response()
}

/// A request body as JSON.
pub fn body_json(body: &Bytes) -> Result<Value, ConductorError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| ConductorError::bad(format!("Failed to read request body: {e}")))
}

pub(super) fn router(c: Arc<Conductor>) -> Router {
    let api = Router::new()
        .route("/api/token", post(token))
        .route("/api/metadata/taskdefs", get(list_taskdefs).post(register_taskdefs).put(update_taskdef))
        .route("/api/metadata/taskdefs/{name}", get(get_taskdef).delete(delete_taskdef))
        .route("/api/metadata/workflow", get(list_workflow_defs).post(create_workflow_def).put(update_workflow_defs))
        .route("/api/metadata/workflow/{name}", get(get_workflow_def))
        .route("/api/workflow", post(workflows::start))
        .route("/api/workflow/search", get(workflows::search))
        .route("/api/workflow/{id}", post(workflows::start_named).get(workflows::get).delete(workflows::terminate))
        .route("/api/workflow/{id}/retry", post(workflows::retry))
        .route("/api/workflow/{id}/pause", put(workflows::pause))
        .route("/api/workflow/{id}/resume", put(workflows::resume))
        .route("/api/tasks", post(tasks::update))
        .route("/api/tasks/update-v2", post(tasks::update_v2))
        .route("/api/tasks/poll/{task_type}", get(tasks::poll))
        .route("/api/tasks/poll/batch/{task_type}", get(tasks::batch_poll))
        .route("/api/tasks/{task_id}", get(tasks::get))
        .route("/api/tasks/{task_id}/log", get(tasks::logs).post(tasks::log))
        .route("/api/tasks/{workflow_id}/{ref_name}/{status}", post(tasks::update_by_ref));
    api.layer(middleware::from_fn_with_state(c.clone(), guard)).with_state(c)
}

/// Count, inject faults, check the token, and apply due timeouts before every request.
async fn guard(State(c): State<Arc<Conductor>>, req: Request, next: Next) -> Response {
    let route = route_key(req.method().as_str(), req.uri().path());
    let injected = {
        let mut st = c.lock();
        *st.requests.entry(route).or_insert(0) += 1;
        match st.fail {
            Some((n, status)) if n > 0 => {
                st.fail = if n > 1 { Some((n - 1, status)) } else { None };
                Some(status)
            }
            _ => None,
        }
    };
    if let Some(status) = injected {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return ConductorError::new(code, format!("simulated failure (HTTP {status})")).into_response();
    }
    if c.auth().is_some() && req.uri().path() != "/api/token" {
        if let Err(e) = check_token(&c, req.headers()) {
            return e.into_response();
        }
    }
    c.sweep();
    next.run(req).await
}

/// `GET /api/tasks/poll/batch/x` → `GET /api/tasks/poll/batch`: ids and names dropped.
fn route_key(method: &str, path: &str) -> String {
    let keep = [
        "api", "metadata", "taskdefs", "workflow", "tasks", "poll", "batch", "search", "token", "retry", "pause",
        "resume", "log",
    ];
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).take_while(|p| keep.contains(p)).collect();
    format!("{method} /{}", parts.join("/"))
}

fn check_token(c: &Conductor, headers: &HeaderMap) -> Result<(), ConductorError> {
    let token = headers.get("x-authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let now = c.now_ms();
    let expiry = c.lock().tokens.get(token).copied();
    let code = match expiry {
        Some(exp) if exp > now => return Ok(()),
        Some(_) => "EXPIRED_TOKEN",
        None => "INVALID_TOKEN",
    };
    let mut e = ConductorError::new(StatusCode::UNAUTHORIZED, "Token verification failed");
    e.extra = json!({ "error": code });
    Err(e)
}

/// `POST /api/token {keyId, keySecret}` → `{"token": …}` (Orkes); 404 on an OSS server.
async fn token(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let Some(auth) = c.auth() else { return Err(ConductorError::not_found("No static resource api/token.")) };
    let req = body_json(&body)?;
    if req["keyId"].as_str() != Some(&auth.key_id) || req["keySecret"].as_str() != Some(&auth.key_secret) {
        let mut e = ConductorError::new(StatusCode::UNAUTHORIZED, "Invalid access key or secret");
        e.extra = json!({ "error": "INVALID_TOKEN" });
        return Err(e);
    }
    let now = c.now_ms();
    let mut st = c.lock();
    let token = format!("sim.{}", st.new_id());
    st.tokens.insert(token.clone(), now + i64::try_from(auth.token_ttl.as_millis()).unwrap_or(i64::MAX / 4));
    Ok(json_answer(&json!({ "token": token })))
}

async fn list_taskdefs(State(c): State<Arc<Conductor>>) -> Answer {
    let defs: Vec<Value> = c.lock().task_defs.values().cloned().collect();
    Ok(json_answer(&Value::Array(defs)))
}

async fn get_taskdef(State(c): State<Arc<Conductor>>, Path(name): Path<String>) -> Answer {
    c.lock()
        .task_defs
        .get(&name)
        .map(json_answer)
        .ok_or_else(|| ConductorError::not_found(format!("No such taskType found by name: {name}")))
}

async fn delete_taskdef(State(c): State<Arc<Conductor>>, Path(name): Path<String>) -> Answer {
    match c.lock().task_defs.remove(&name) {
        Some(_) => Ok(StatusCode::OK.into_response()),
        None => Err(ConductorError::not_found(format!("No such taskType found by name: {name}"))),
    }
}

fn check_taskdef(d: &Value, at: &str) -> Vec<(String, String)> {
    let mut errs = Vec::new();
    if d["name"].as_str().is_none_or(str::is_empty) {
        errs.push((format!("{at}.name"), "TaskDef name cannot be null or empty".into()));
    }
    if d["retryCount"].as_i64().is_some_and(|n| n < 0) {
        errs.push((format!("{at}.retryCount"), "TaskDef retryCount: must be >= 0".into()));
    }
    if d["responseTimeoutSeconds"].as_i64().is_some_and(|n| n < 1) {
        errs.push((format!("{at}.responseTimeoutSeconds"), "TaskDef responseTimeoutSeconds: must be >= 1".into()));
    }
    errs
}

/// `POST /api/metadata/taskdefs` (an array): registered or replaced.
async fn register_taskdefs(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let defs = body_json(&body)?;
    let Some(list) = defs.as_array() else { return Err(ConductorError::bad("expected an array of task definitions")) };
    let errs: Vec<_> = list
        .iter()
        .enumerate()
        .flat_map(|(i, d)| check_taskdef(d, &format!("registerTaskDef.taskDefinitions[{i}]")))
        .collect();
    if !errs.is_empty() {
        return Err(ConductorError::invalid(errs));
    }
    let now = c.now_ms();
    let mut st = c.lock();
    for d in list {
        let mut d = d.clone();
        d["createTime"] = json!(now);
        st.task_defs.insert(d["name"].as_str().unwrap_or("").to_string(), d);
    }
    Ok(StatusCode::OK.into_response())
}

/// `PUT /api/metadata/taskdefs` (one): 404 when it does not exist yet.
async fn update_taskdef(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let d = body_json(&body)?;
    let errs = check_taskdef(&d, "updateTaskDef.taskDef");
    if !errs.is_empty() {
        return Err(ConductorError::invalid(errs));
    }
    let name = d["name"].as_str().unwrap_or("").to_string();
    let mut st = c.lock();
    if !st.task_defs.contains_key(&name) {
        return Err(ConductorError::not_found(format!("No such taskType found by name: {name}")));
    }
    st.task_defs.insert(name, d);
    Ok(StatusCode::OK.into_response())
}

async fn list_workflow_defs(State(c): State<Arc<Conductor>>) -> Answer {
    let defs: Vec<Value> = c.lock().wf_defs.values().flat_map(|v| v.values().cloned()).collect();
    Ok(json_answer(&Value::Array(defs)))
}

async fn get_workflow_def(State(c): State<Arc<Conductor>>, Path(name): Path<String>, q: Q) -> Answer {
    let version: Option<u32> = q.get("version").and_then(|v| v.parse().ok());
    let st = c.lock();
    let found = st.wf_defs.get(&name).and_then(|vs| match version {
        Some(v) => vs.get(&v),
        None => vs.values().next_back(),
    });
    found.map(json_answer).ok_or_else(|| {
        let v = version.map_or_else(|| "null".to_string(), |v| v.to_string());
        ConductorError::not_found(format!("No such workflow found by name: {name}, version: {v}"))
    })
}

/// What is wrong with a workflow definition: names, task types this simulator runs, SIMPLE
/// tasks without a task definition (Conductor refuses those at registration too).
fn check_workflow_def(st: &super::State, d: &Value, at: &str) -> Vec<(String, String)> {
    let mut errs = Vec::new();
    if d["name"].as_str().is_none_or(str::is_empty) {
        errs.push((format!("{at}.name"), "WorkflowDef name cannot be null or empty".into()));
    }
    if d["tasks"].as_array().is_none_or(Vec::is_empty) {
        errs.push((format!("{at}.tasks"), "WorkflowTask list cannot be empty".into()));
    }
    for t in super::run::all_configs(&d["tasks"]) {
        let kind = t["type"].as_str().unwrap_or("SIMPLE");
        let name = t["name"].as_str().unwrap_or("");
        if !super::run::SUPPORTED.contains(&kind) {
            errs.push((
                format!("{at}.tasks"),
                format!("task type {kind} ({name}) is not supported by the simulated Conductor"),
            ));
        }
        if t["taskReferenceName"].as_str().is_none_or(|r| r.is_empty() || r.contains("__")) {
            errs.push((
                format!("{at}.tasks"),
                format!("taskReferenceName of {name} must be set and must not contain '__'"),
            ));
        }
        if kind == "SIMPLE" && !st.task_defs.contains_key(name) {
            errs.push((format!("{at}.tasks"), format!("workflowTask: {name} task definition is not defined")));
        }
    }
    errs
}

/// `POST /api/metadata/workflow[?overwrite]`: 409 when that version exists, unless overwrite.
async fn create_workflow_def(State(c): State<Arc<Conductor>>, q: Q, body: Bytes) -> Answer {
    let d = body_json(&body)?;
    let overwrite = q.get("overwrite") == Some("true");
    let mut st = c.lock();
    let errs = check_workflow_def(&st, &d, "create.workflowDef");
    if !errs.is_empty() {
        return Err(ConductorError::invalid(errs));
    }
    let (name, version) = name_version(&d);
    if !overwrite && st.wf_defs.get(&name).is_some_and(|vs| vs.contains_key(&version)) {
        return Err(ConductorError::conflict(format!("Workflow with {name}.{version} already exists!")));
    }
    st.wf_defs.entry(name).or_default().insert(version, d);
    Ok(StatusCode::OK.into_response())
}

/// `PUT /api/metadata/workflow` (an array): created or replaced; a BulkResponse.
async fn update_workflow_defs(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let defs = body_json(&body)?;
    let Some(list) = defs.as_array() else {
        return Err(ConductorError::bad("expected an array of workflow definitions"));
    };
    let mut st = c.lock();
    let errs: Vec<_> = list
        .iter()
        .enumerate()
        .flat_map(|(i, d)| check_workflow_def(&st, d, &format!("update.workflowDefs[{i}]")))
        .collect();
    if !errs.is_empty() {
        return Err(ConductorError::invalid(errs));
    }
    let mut ok = Vec::new();
    for d in list {
        let (name, version) = name_version(d);
        st.wf_defs.entry(name.clone()).or_default().insert(version, d.clone());
        ok.push(name);
    }
    Ok(json_answer(&json!({ "bulkSuccessfulResults": ok, "bulkErrorResults": {} })))
}

fn name_version(d: &Value) -> (String, u32) {
    let version = d["version"].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(1);
    (d["name"].as_str().unwrap_or("").to_string(), version)
}

#[cfg(test)]
mod tests {
    #[test]
    fn routes_are_counted_without_their_ids() {
        assert_eq!(super::route_key("GET", "/api/tasks/poll/batch/x"), "GET /api/tasks/poll/batch");
        assert_eq!(super::route_key("POST", "/api/tasks/wf/ref/COMPLETED"), "POST /api/tasks");
        assert_eq!(super::route_key("POST", "/api/workflow/abc/retry"), "POST /api/workflow");
    }
}
