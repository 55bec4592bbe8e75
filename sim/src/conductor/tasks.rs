//! Task endpoints of the simulated Conductor: poll (a Task, or 204 with no body), batch
//! poll (a long-poll up to `timeout` ms for up to `count` tasks; `[]` when none came),
//! update (`POST /api/tasks` with a TaskResult → the task id as text/plain), update by
//! reference name (`POST /api/tasks/{workflowId}/{ref}/{status}`, body merged into the
//! output), get, and the task's log.
//!
//! An update to a task that already ended (it timed out and was retried, its workflow was
//! terminated) is ignored, as Conductor ignores it: a worker that comes back late cannot
//! undo what happened since.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::http::{body_json, json_answer, text_answer, Answer, ConductorError};
use super::model::{TaskStatus, WfStatus};
use super::{Conductor, State as St};
use crate::http::Q;

/// The longest batch long-poll the simulator honours.
const MAX_POLL_WAIT: Duration = Duration::from_secs(30);
/// How often a long-poll looks again for tasks that became visible by time alone.
const POLL_RECHECK: Duration = Duration::from_millis(50);

/// Take up to `count` queued tasks of `task_type` (and `domain`) visible at `now`.
fn take(
    st: &mut St,
    task_type: &str,
    domain: Option<&str>,
    worker: Option<&str>,
    count: usize,
    now: i64,
) -> Vec<Value> {
    let mut found: Vec<(i64, i64, String, usize)> = Vec::new();
    for id in &st.order {
        let Some(wf) = st.workflows.get(id).filter(|w| w.status == WfStatus::Running) else { continue };
        for (i, t) in wf.tasks.iter().enumerate() {
            if t.queued && t.task_type == task_type && t.visible_ms <= now && t.domain.as_deref() == domain {
                found.push((-wf.priority, t.visible_ms, id.clone(), i));
            }
        }
    }
    found.sort();
    let mut out = Vec::new();
    for (_, _, id, i) in found.into_iter().take(count) {
        let Some(wf) = st.workflows.get_mut(&id) else { continue };
        let t = &mut wf.tasks[i];
        t.queued = false;
        t.status = TaskStatus::InProgress;
        t.poll_count += 1;
        if t.start_ms == 0 {
            t.start_ms = now;
        }
        t.update_ms = now;
        t.worker_id = worker.map(str::to_string);
        let json = wf.tasks[i].json(wf);
        out.push(json);
    }
    out
}

/// `GET /api/tasks/poll/{taskType}?workerid&domain`.
pub async fn poll(State(c): State<Arc<Conductor>>, Path(task_type): Path<String>, q: Q) -> Answer {
    let now = c.now_ms();
    let got = take(&mut c.lock(), &task_type, q.get("domain").filter(|d| !d.is_empty()), q.get("workerid"), 1, now);
    Ok(match got.into_iter().next() {
        Some(t) => json_answer(&t),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `GET /api/tasks/poll/batch/{taskType}?workerid&domain&count=1&timeout=100`.
pub async fn batch_poll(State(c): State<Arc<Conductor>>, Path(task_type): Path<String>, q: Q) -> Answer {
    let count = q.get("count").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1).max(1);
    let wait =
        Duration::from_millis(q.get("timeout").and_then(|n| n.parse::<u64>().ok()).unwrap_or(100)).min(MAX_POLL_WAIT);
    let deadline = tokio::time::Instant::now() + wait;
    let domain = q.get("domain").filter(|d| !d.is_empty());
    loop {
        // Register for the wake-up before looking, so a task scheduled in between is not missed.
        let woken = c.ready.notified();
        let now = c.now_ms();
        let got = take(&mut c.lock(), &task_type, domain, q.get("workerid"), count, now);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if !got.is_empty() || left.is_zero() {
            return Ok(json_answer(&Value::Array(got)));
        }
        let _ = tokio::time::timeout(left.min(POLL_RECHECK), woken).await;
    }
}

/// `GET /api/tasks/{taskId}`: the task, or 204 when unknown (as Conductor answers).
pub async fn get(State(c): State<Arc<Conductor>>, Path(task_id): Path<String>) -> Answer {
    let st = c.lock();
    let found = st
        .task_home
        .get(&task_id)
        .and_then(|w| st.workflows.get(w))
        .and_then(|wf| wf.tasks.iter().find(|t| t.id == task_id).map(|t| t.json(wf)));
    Ok(match found {
        Some(t) => json_answer(&t),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Apply a worker's result to task `task_id` of workflow `wf_id`.
fn apply(c: &Conductor, wf_id: &str, task_id: &str, result: &Value) -> Result<(), ConductorError> {
    let status_text = result["status"].as_str().unwrap_or("");
    let status = TaskStatus::parse_result(status_text)
        .ok_or_else(|| ConductorError::bad(format!("invalid task status {status_text:?}")))?;
    let now = c.now_ms();
    let mut st = c.lock();
    let wf = st
        .workflows
        .get_mut(wf_id)
        .ok_or_else(|| ConductorError::not_found(format!("No such workflow found by id: {wf_id}")))?;
    let i = wf
        .tasks
        .iter()
        .position(|t| t.id == task_id)
        .ok_or_else(|| ConductorError::not_found(format!("No such task found by id: {task_id}")))?;
    if wf.status.terminal() || wf.tasks[i].status.terminal() {
        tracing::debug!(task_id, "update of a finished task ignored");
        return Ok(());
    }
    let t = &mut wf.tasks[i];
    if let Some(out) = result.get("outputData").and_then(Value::as_object) {
        if let Some(o) = t.output.as_object_mut() {
            o.extend(out.clone());
        }
    }
    for l in result["logs"].as_array().into_iter().flatten() {
        t.logs.push(l.clone());
    }
    if let Some(w) = result["workerId"].as_str() {
        t.worker_id = Some(w.to_string());
    }
    let reason = result["reasonForIncompletion"].as_str().map(str::to_string);
    match status {
        TaskStatus::InProgress => {
            // Postponed: back in the queue after callbackAfterSeconds (0 = at once); the
            // response timeout counts from now.
            let cb = result["callbackAfterSeconds"].as_u64().unwrap_or(0);
            t.callback_after_secs = cb;
            t.update_ms = now;
            if t.task_type != "HUMAN" && t.task_type != "WAIT" {
                t.queued = true;
                t.visible_ms = now + i64::try_from(cb).unwrap_or(0) * 1000;
            }
        }
        TaskStatus::Completed => super::run::finish(t, TaskStatus::Completed, None, now),
        failed => {
            let why = reason.or_else(|| Some(format!("task {} {}", t.ref_name, failed.name())));
            st.fail_task(wf_id, i, failed, why, now);
        }
    }
    st.decide(wf_id, now);
    drop(st);
    c.ready.notify_waiters();
    Ok(())
}

/// `POST /api/tasks` with a TaskResult.
pub async fn update(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let result = body_json(&body)?;
    let (Some(wf_id), Some(task_id)) = (result["workflowInstanceId"].as_str(), result["taskId"].as_str()) else {
        return Err(ConductorError::invalid(vec![(
            "updateTask.taskResult".into(),
            "Workflow Id and Task Id cannot be null or empty".into(),
        )]));
    };
    apply(&c, wf_id, task_id, &result)?;
    Ok(text_answer(task_id))
}

/// `POST /api/tasks/update-v2`: the update, then the next task of the same type for the same
/// worker (a Task, or 204 when none is queued), as Conductor's `updateTaskV2` answers.
pub async fn update_v2(State(c): State<Arc<Conductor>>, body: Bytes) -> Answer {
    let result = body_json(&body)?;
    let (Some(wf_id), Some(task_id)) = (result["workflowInstanceId"].as_str(), result["taskId"].as_str()) else {
        return Err(ConductorError::invalid(vec![(
            "updateTaskV2.taskResult".into(),
            "Workflow Id and Task Id cannot be null or empty".into(),
        )]));
    };
    apply(&c, wf_id, task_id, &result)?;
    let (task_type, domain) = {
        let st = c.lock();
        let t = st.workflows.get(wf_id).and_then(|w| w.tasks.iter().find(|t| t.id == task_id));
        (t.map(|t| t.task_type.clone()).unwrap_or_default(), t.and_then(|t| t.domain.clone()))
    };
    let now = c.now_ms();
    let next = take(&mut c.lock(), &task_type, domain.as_deref(), result["workerId"].as_str(), 1, now);
    Ok(match next.into_iter().next() {
        Some(t) => json_answer(&t),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `POST /api/tasks/{workflowId}/{taskRefName}/{status}?workerid`: the body is merged into
/// the pending task's output.
pub async fn update_by_ref(
    State(c): State<Arc<Conductor>>,
    Path((wf_id, ref_name, status)): Path<(String, String, String)>,
    q: Q,
    body: Bytes,
) -> Answer {
    let output = body_json(&body)?;
    let task_id = {
        let st = c.lock();
        let wf = st
            .workflows
            .get(&wf_id)
            .ok_or_else(|| ConductorError::not_found(format!("No such workflow found by id: {wf_id}")))?;
        wf.tasks.iter().find(|t| !t.status.terminal() && t.ref_name == ref_name).map(|t| t.id.clone()).ok_or_else(
            || ConductorError::not_found(format!("Found no running task {ref_name} of workflow {wf_id} to update")),
        )?
    };
    let mut result = json!({ "status": status, "outputData": output });
    if let Some(w) = q.get("workerid") {
        result["workerId"] = json!(w);
    }
    apply(&c, &wf_id, &task_id, &result)?;
    Ok(text_answer(&task_id))
}

/// `GET /api/tasks/{taskId}/log`.
pub async fn logs(State(c): State<Arc<Conductor>>, Path(task_id): Path<String>) -> Answer {
    let st = c.lock();
    let logs = st
        .task_home
        .get(&task_id)
        .and_then(|w| st.workflows.get(w))
        .and_then(|wf| wf.tasks.iter().find(|t| t.id == task_id))
        .map(|t| t.logs.clone())
        .unwrap_or_default();
    Ok(json_answer(&Value::Array(logs)))
}

/// `POST /api/tasks/{taskId}/log` with the line as body.
pub async fn log(State(c): State<Arc<Conductor>>, Path(task_id): Path<String>, body: Bytes) -> Answer {
    let line = String::from_utf8_lossy(&body).trim_matches('"').to_string();
    let now = c.now_ms();
    let mut st = c.lock();
    let home = st
        .task_home
        .get(&task_id)
        .cloned()
        .ok_or_else(|| ConductorError::not_found(format!("No such task found by id: {task_id}")))?;
    if let Some(t) = st.workflows.get_mut(&home).and_then(|wf| wf.tasks.iter_mut().find(|t| t.id == task_id)) {
        t.logs.push(json!({ "log": line, "taskId": task_id, "createdTime": now }));
    }
    Ok(StatusCode::OK.into_response())
}
