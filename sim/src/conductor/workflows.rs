//! Workflow endpoints of the simulated Conductor: start (`POST /api/workflow` with a
//! StartWorkflowRequest, or `POST /api/workflow/{name}` with the input as body; both answer
//! the id as text/plain), get, search (a subset of the query language), terminate, retry,
//! pause and resume.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::http::{body_json, json_answer, text_answer, Answer, ConductorError};
use super::model::{TaskStatus, WfStatus, Workflow};
use super::Conductor;
use crate::http::Q;

fn no_workflow(id: &str) -> ConductorError {
    ConductorError::not_found(format!("No such workflow found by id: {id}"))
}

/// Start `name` (latest version unless `version`) with `input`; the new id.
fn start_workflow(c: &Conductor, req: &Value) -> Result<String, ConductorError> {
    let name = req["name"].as_str().unwrap_or("").to_string();
    let version = req["version"].as_u64().and_then(|v| u32::try_from(v).ok());
    let now = c.now_ms();
    let mut st = c.lock();
    let def = match req.get("workflowDef").filter(|d| d.is_object()) {
        Some(d) => d.clone(),
        None => st
            .wf_defs
            .get(&name)
            .and_then(|vs| match version {
                Some(v) => vs.get(&v),
                None => vs.values().next_back(),
            })
            .cloned()
            .ok_or_else(|| {
                let v = version.map_or_else(|| "null".to_string(), |v| v.to_string());
                ConductorError::not_found(format!("No such workflow found by name: {name}, version: {v}"))
            })?,
    };
    let id = st.new_id();
    let wf = Workflow {
        id: id.clone(),
        name: def["name"].as_str().unwrap_or(&name).to_string(),
        version: def["version"].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(1),
        def,
        status: WfStatus::Running,
        input: req.get("input").filter(|i| i.is_object()).cloned().unwrap_or(json!({})),
        output: json!({}),
        tasks: Vec::new(),
        correlation_id: req["correlationId"].as_str().map(str::to_string),
        reason: None,
        priority: req["priority"].as_i64().unwrap_or(0),
        task_to_domain: req.get("taskToDomain").filter(|d| d.is_object()).cloned().unwrap_or(json!({})),
        start_ms: now,
        end_ms: 0,
        update_ms: now,
        created_by: req["createdBy"].as_str().map(str::to_string),
    };
    st.workflows.insert(id.clone(), wf);
    st.order.push(id.clone());
    st.decide(&id, now);
    drop(st);
    c.ready.notify_waiters();
    Ok(id)
}

/// `POST /api/workflow` with a StartWorkflowRequest.
pub async fn start(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let req = body_json(&body)?;
    if req["name"].as_str().is_none_or(str::is_empty) {
        return Err(ConductorError::invalid(vec![(
            "startWorkflow.request.name".into(),
            "Workflow name cannot be null or empty".into(),
        )]));
    }
    start_workflow(&c, &req).map(|id| text_answer(&id))
}

/// `POST /api/workflow/{name}?version&correlationId&priority` with the input as body.
pub async fn start_named(State(c): State<Arc<Conductor>>, Path(name): Path<String>, q: Q, body: Bytes) -> Answer {
    let input = body_json(&body)?;
    let mut req = json!({ "name": name, "input": input });
    if let Some(v) = q.get("version").and_then(|v| v.parse::<u64>().ok()) {
        req["version"] = json!(v);
    }
    if let Some(cid) = q.get("correlationId") {
        req["correlationId"] = json!(cid);
    }
    if let Some(p) = q.get("priority").and_then(|p| p.parse::<i64>().ok()) {
        req["priority"] = json!(p);
    }
    start_workflow(&c, &req).map(|id| text_answer(&id))
}

/// `GET /api/workflow/{id}?includeTasks=true`.
pub async fn get(State(c): State<Arc<Conductor>>, Path(id): Path<String>, q: Q) -> Answer {
    let include = q.get("includeTasks") != Some("false");
    c.lock().workflows.get(&id).map(|w| json_answer(&w.json(include))).ok_or_else(|| no_workflow(&id))
}

/// `DELETE /api/workflow/{id}?reason=`: TERMINATED, running tasks CANCELED.
pub async fn terminate(State(c): State<Arc<Conductor>>, Path(id): Path<String>, q: Q) -> Answer {
    let now = c.now_ms();
    let mut st = c.lock();
    let wf = st.workflows.get_mut(&id).ok_or_else(|| no_workflow(&id))?;
    if wf.status.terminal() {
        // The reference has the 409 but not its text; this says what Conductor's check says.
        return Err(ConductorError::conflict(format!(
            "Workflow {id} is in terminal state {}: it cannot be terminated",
            wf.status.name()
        )));
    }
    super::run::end(wf, WfStatus::Terminated, q.get("reason").map(str::to_string), now);
    Ok(StatusCode::OK.into_response())
}

/// `PUT /api/workflow/{id}/pause`.
pub async fn pause(State(c): State<Arc<Conductor>>, Path(id): Path<String>) -> Answer {
    let now = c.now_ms();
    let mut st = c.lock();
    let wf = st.workflows.get_mut(&id).ok_or_else(|| no_workflow(&id))?;
    if wf.status.terminal() {
        return Err(ConductorError::conflict(format!("Workflow {id} has ended, status cannot be updated.")));
    }
    wf.status = WfStatus::Paused;
    wf.update_ms = now;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /api/workflow/{id}/resume`: only a PAUSED workflow (409 otherwise).
pub async fn resume(State(c): State<Arc<Conductor>>, Path(id): Path<String>) -> Answer {
    let now = c.now_ms();
    let mut st = c.lock();
    let wf = st.workflows.get_mut(&id).ok_or_else(|| no_workflow(&id))?;
    if wf.status != WfStatus::Paused {
        return Err(ConductorError::conflict(format!(
            "The workflow {id} is not PAUSED so cannot resume. Current status is {}",
            wf.status.name()
        )));
    }
    wf.status = WfStatus::Running;
    wf.update_ms = now;
    st.decide(&id, now);
    drop(st);
    c.ready.notify_waiters();
    Ok(StatusCode::OK.into_response())
}

/// `POST /api/workflow/{id}/retry`: a FAILED, TIMED_OUT or TERMINATED workflow runs again
/// from its last failed (or cancelled) tasks; 204.
pub async fn retry(State(c): State<Arc<Conductor>>, Path(id): Path<String>) -> Answer {
    let now = c.now_ms();
    let mut st = c.lock();
    let wf = st.workflows.get(&id).ok_or_else(|| no_workflow(&id))?;
    if !wf.status.terminal() {
        return Err(ConductorError::conflict(format!("Workflow is still running.  status={}", wf.status.name())));
    }
    if wf.status == WfStatus::Completed {
        return Err(ConductorError::conflict(format!(
            "Workflow {id} is COMPLETED: only failed, timed-out or terminated workflows can be retried"
        )));
    }
    let redo: Vec<usize> = wf
        .tasks
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            !t.status.successful()
                && t.status.terminal()
                && !t.retried
                && !wf.tasks[i + 1..].iter().any(|l| l.ref_name == t.ref_name)
        })
        .map(|(i, _)| i)
        .collect();
    let ids: Vec<String> = redo.iter().map(|_| st.new_id()).collect();
    let Some(wf) = st.workflows.get_mut(&id) else { return Err(no_workflow(&id)) };
    let mut rerun = Vec::new();
    for (i, new_id) in redo.into_iter().zip(ids) {
        if matches!(wf.tasks[i].task_type.as_str(), "INLINE" | "SWITCH" | "TERMINATE") {
            // Evaluated again: the decider schedules it anew once it is gone.
            rerun.push(i);
            continue;
        }
        let mut again = wf.tasks[i].clone();
        wf.tasks[i].retried = true;
        again.id = new_id;
        again.retry_count += 1;
        again.reason = None;
        again.output = json!({});
        again.end_ms = 0;
        again.update_ms = now;
        again.scheduled_ms = now;
        again.worker_id = None;
        if again.task_type == again.def_name && !matches!(again.task_type.as_str(), "HUMAN" | "WAIT" | "DO_WHILE") {
            again.status = TaskStatus::Scheduled;
            again.queued = true;
            again.visible_ms = now;
            again.start_ms = 0;
        } else {
            again.status = TaskStatus::InProgress;
            again.start_ms = now;
        }
        wf.tasks.push(again);
    }
    for i in rerun.into_iter().rev() {
        wf.tasks.remove(i);
    }
    let new_tasks: Vec<(String, String)> = wf.tasks.iter().map(|t| (t.id.clone(), wf.id.clone())).collect();
    wf.status = WfStatus::Running;
    wf.reason = None;
    wf.end_ms = 0;
    wf.update_ms = now;
    st.task_home.extend(new_tasks);
    st.decide(&id, now);
    drop(st);
    c.ready.notify_waiters();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/workflow/search?start&size&sort&freeText&query` → `{totalHits, results}` of
/// WorkflowSummary. The query subset: `field = 'v'`, `field IN (a, b)`, `startTime > n`
/// joined by AND, on workflowType, status, correlationId and workflowId.
pub async fn search(State(c): State<Arc<Conductor>>, q: Q) -> Answer {
    let start = q.get("start").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let size = q.get("size").and_then(|s| s.parse::<usize>().ok()).unwrap_or(100);
    let clauses = parse_query(q.get("query").unwrap_or(""))?;
    let free = q.get("freeText").unwrap_or("*").trim().to_string();
    let st = c.lock();
    let mut hits: Vec<&Workflow> = st
        .order
        .iter()
        .filter_map(|id| st.workflows.get(id))
        .filter(|w| clauses.iter().all(|cl| cl.matches(w)))
        .filter(|w| {
            free.is_empty()
                || free == "*"
                || w.id == free
                || w.correlation_id.as_deref() == Some(&free)
                || w.input.to_string().contains(&free)
        })
        .collect();
    let desc = q.get("sort").is_some_and(|s| s.ends_with(":DESC"));
    if desc {
        hits.reverse();
    }
    let total = hits.len();
    let results: Vec<Value> = hits.into_iter().skip(start).take(size).map(Workflow::summary).collect();
    Ok(json_answer(&json!({ "totalHits": total, "results": results })))
}

struct Clause {
    field: String,
    op: String,
    values: Vec<String>,
}

impl Clause {
    fn matches(&self, w: &Workflow) -> bool {
        let actual = match self.field.as_str() {
            "workflowType" => w.name.clone(),
            "status" => w.status.name().to_string(),
            "correlationId" => w.correlation_id.clone().unwrap_or_default(),
            "workflowId" => w.id.clone(),
            "startTime" => w.start_ms.to_string(),
            _ => return false,
        };
        match self.op.as_str() {
            ">" | "<" => {
                let (a, b) = (actual.parse::<i64>().unwrap_or(0), self.values[0].parse::<i64>().unwrap_or(0));
                if self.op == ">" {
                    a > b
                } else {
                    a < b
                }
            }
            _ => self.values.contains(&actual),
        }
    }
}

fn parse_query(q: &str) -> Result<Vec<Clause>, ConductorError> {
    let mut out = Vec::new();
    let upper = q.to_uppercase();
    let mut rest = q;
    let mut offset = 0;
    let mut parts = Vec::new();
    while let Some(pos) = upper[offset..].find(" AND ") {
        parts.push(&rest[..pos]);
        rest = &rest[pos + 5..];
        offset += pos + 5;
    }
    parts.push(rest);
    for p in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let unquote = |s: &str| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string();
        let clause = if let Some(i) = p.to_uppercase().find(" IN ") {
            let list = p[i + 4..].trim().trim_start_matches('(').trim_end_matches(')');
            Clause { field: p[..i].trim().into(), op: "IN".into(), values: list.split(',').map(unquote).collect() }
        } else if let Some((f, v)) = p.split_once('=') {
            Clause { field: f.trim().into(), op: "=".into(), values: vec![unquote(v)] }
        } else if let Some((f, v)) = p.split_once('>') {
            Clause { field: f.trim().into(), op: ">".into(), values: vec![unquote(v)] }
        } else if let Some((f, v)) = p.split_once('<') {
            Clause { field: f.trim().into(), op: "<".into(), values: vec![unquote(v)] }
        } else {
            return Err(ConductorError::bad(format!("cannot parse query clause {p:?}")));
        };
        if !["workflowType", "status", "correlationId", "workflowId", "startTime"].contains(&clause.field.as_str()) {
            return Err(ConductorError::bad(format!("the simulated Conductor cannot search by {}", clause.field)));
        }
        out.push(clause);
    }
    Ok(out)
}
