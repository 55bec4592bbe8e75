//! The Conductor endpoints Flightdeck calls (paths and bodies from the Orkes OpenAPI in
//! shared/reference/conductor/): metadata, workflow start / get / search / terminate /
//! retry, task batch poll, update and update by reference name.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::wire::{SearchResult, StartWorkflowRequest, Task, TaskResult, Workflow};
use super::{Call, ConductorClient};
use crate::domain::{ErrorKind, Failure};

/// Path segments are ids and names Flightdeck chose or the server returned; escape anyway.
fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl ConductorClient {
    /// `GET /api/metadata/taskdefs/{name}`; `None` when it does not exist.
    pub async fn task_def(&self, name: &str) -> Result<Option<Value>, Failure> {
        let a = self.send(&Call::new(Method::GET, format!("/metadata/taskdefs/{}", seg(name)))).await?;
        match a.status {
            404 => Ok(None),
            200 => serde_json::from_str(&a.text).map(Some).map_err(|e| Failure::new(ErrorKind::Decode, e.to_string())),
            s => Err(super::http_failure(s, &a.text, &format!("read task definition {name}"))),
        }
    }

    /// `POST /api/metadata/taskdefs` (a list).
    pub async fn register_task_defs(&self, defs: &[Value]) -> Result<(), Failure> {
        let call = Call::new(Method::POST, "/metadata/taskdefs").body(Value::Array(defs.to_vec()));
        self.ok(&call, "register task definitions").await.map(drop)
    }

    /// `GET /api/metadata/workflow/{name}` (latest version); `None` when it does not exist.
    pub async fn workflow_def(&self, name: &str) -> Result<Option<Value>, Failure> {
        let a = self.send(&Call::new(Method::GET, format!("/metadata/workflow/{}", seg(name)))).await?;
        match a.status {
            404 => Ok(None),
            200 => serde_json::from_str(&a.text).map(Some).map_err(|e| Failure::new(ErrorKind::Decode, e.to_string())),
            s => Err(super::http_failure(s, &a.text, &format!("read workflow definition {name}"))),
        }
    }

    /// `PUT /api/metadata/workflow` (a list: created or replaced).
    pub async fn put_workflow_defs(&self, defs: &[Value]) -> Result<(), Failure> {
        let call = Call::new(Method::PUT, "/metadata/workflow").body(Value::Array(defs.to_vec()));
        self.ok(&call, "register workflow definitions").await.map(drop)
    }

    /// `POST /api/workflow`: the new execution's id (text/plain).
    pub async fn start_workflow(&self, req: &StartWorkflowRequest) -> Result<String, Failure> {
        let body = serde_json::to_value(req).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
        let a = self.ok(&Call::new(Method::POST, "/workflow").body(body), &format!("start {}", req.name)).await?;
        let id = a.text.trim().trim_matches('"').to_string();
        if id.is_empty() || id.chars().any(|c| c.is_control() || c == '/') {
            return Err(Failure::new(ErrorKind::Decode, "Conductor answered the start with no usable workflow id"));
        }
        Ok(id)
    }

    /// `GET /api/workflow/{id}?includeTasks=true`.
    pub async fn workflow(&self, id: &str) -> Result<Workflow, Failure> {
        let call = Call::new(Method::GET, format!("/workflow/{}", seg(id))).query("includeTasks", "true");
        self.json(&call, &format!("read workflow {id}")).await
    }

    /// `GET /api/workflow/search?query=…` (newest first).
    pub async fn search(&self, query: &str, size: usize) -> Result<SearchResult, Failure> {
        let call = Call::new(Method::GET, "/workflow/search")
            .query("query", query)
            .query("size", size)
            .query("sort", "startTime:DESC")
            .query("freeText", "*");
        self.json(&call, "search workflows").await
    }

    /// `DELETE /api/workflow/{id}?reason=`.
    pub async fn terminate(&self, id: &str, reason: &str) -> Result<(), Failure> {
        let call = Call::new(Method::DELETE, format!("/workflow/{}", seg(id))).query("reason", reason);
        self.ok(&call, &format!("terminate workflow {id}")).await.map(drop)
    }

    /// `POST /api/workflow/{id}/retry` (204).
    pub async fn retry(&self, id: &str) -> Result<(), Failure> {
        self.ok(&Call::new(Method::POST, format!("/workflow/{}/retry", seg(id))), &format!("retry workflow {id}"))
            .await
            .map(drop)
    }

    /// `GET /api/tasks/poll/batch/{type}?workerid&domain&count&timeout`: up to `count`
    /// tasks, waiting up to `wait` for the first.
    pub async fn batch_poll(
        &self,
        task_type: &str,
        worker: &str,
        domain: Option<&str>,
        count: usize,
        wait: Duration,
    ) -> Result<Vec<Task>, Failure> {
        let mut call = Call::new(Method::GET, format!("/tasks/poll/batch/{}", seg(task_type)))
            .query("workerid", worker)
            .query("count", count)
            .query("timeout", wait.as_millis());
        if let Some(d) = domain {
            call = call.query("domain", d);
        }
        call.timeout = Some(wait + Duration::from_secs(10));
        let a = self.ok(&call, &format!("poll {task_type}")).await?;
        if a.status == 204 || a.text.trim().is_empty() {
            return Ok(Vec::new());
        }
        serde_json::from_str(&a.text).map_err(|e| Failure::new(ErrorKind::Decode, format!("poll answer: {e}")))
    }

    /// `POST /api/tasks` with a TaskResult.
    pub async fn update_task(&self, result: &TaskResult) -> Result<(), Failure> {
        let body = serde_json::to_value(result).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
        self.ok(&Call::new(Method::POST, "/tasks").body(body), &format!("update task {}", result.task_id))
            .await
            .map(drop)
    }

    /// `POST /api/tasks/{workflowId}/{ref}/{status}`: `output` merged into the pending task's.
    pub async fn update_by_ref(
        &self,
        workflow: &str,
        reference: &str,
        status: &str,
        output: &Value,
    ) -> Result<(), Failure> {
        let path = format!("/tasks/{}/{}/{}", seg(workflow), seg(reference), seg(status));
        self.ok(&Call::new(Method::POST, path).body(output.clone()), &format!("complete {reference} of {workflow}"))
            .await
            .map(drop)
    }
}
