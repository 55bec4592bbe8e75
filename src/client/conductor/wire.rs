//! The Conductor wire types Flightdeck reads and writes, from the OSS schemas
//! (shared/reference/conductor/schemas/{Workflow,Task}.json) and the OpenAPI's TaskResult and
//! StartWorkflowRequest. Only the fields Flightdeck uses; every one defaults, so an answer
//! with fewer fields still decodes. Strings from the server are untrusted: callers clean
//! them before they reach a terminal.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A workflow execution (`GET /api/workflow/{id}`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Workflow {
    pub workflow_id: String,
    pub workflow_name: String,
    pub workflow_version: u32,
    /// RUNNING, COMPLETED, FAILED, TIMED_OUT, TERMINATED, PAUSED.
    pub status: String,
    pub input: Value,
    pub output: Value,
    pub tasks: Vec<Task>,
    pub correlation_id: Option<String>,
    pub reason_for_incompletion: Option<String>,
    pub start_time: i64,
    pub end_time: i64,
    pub update_time: i64,
}

impl Workflow {
    pub fn is_running(&self) -> bool {
        matches!(self.status.as_str(), "RUNNING" | "PAUSED")
    }
    /// The latest task with reference name `r` (retries append a new one).
    pub fn task(&self, r: &str) -> Option<&Task> {
        self.tasks.iter().rev().find(|t| t.reference_task_name == r)
    }
}

/// One task of an execution (also what a poll hands a worker).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Task {
    pub task_id: String,
    /// The task definition's name for SIMPLE tasks, the system type otherwise.
    pub task_type: String,
    pub task_def_name: String,
    pub reference_task_name: String,
    /// SCHEDULED, IN_PROGRESS, COMPLETED, FAILED, TIMED_OUT, CANCELED, ….
    pub status: String,
    pub input_data: Value,
    pub output_data: Value,
    pub retry_count: u32,
    pub poll_count: u32,
    pub seq: u32,
    pub iteration: u32,
    pub workflow_instance_id: String,
    pub workflow_type: String,
    pub reason_for_incompletion: Option<String>,
    pub worker_id: Option<String>,
    pub callback_after_seconds: u64,
    pub response_timeout_seconds: u64,
    pub scheduled_time: i64,
    pub start_time: i64,
    pub end_time: i64,
    pub update_time: i64,
}

impl Task {
    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), "SCHEDULED" | "IN_PROGRESS")
    }
    /// The reference name without its DO_WHILE iteration (`approval__2` → `approval`).
    pub fn plain_ref(&self) -> &str {
        self.reference_task_name.split_once("__").map_or(&self.reference_task_name, |(p, _)| p)
    }
}

/// What a worker reports (`POST /api/tasks`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskResult {
    pub workflow_instance_id: String,
    pub task_id: String,
    /// IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR.
    pub status: String,
    pub output_data: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_for_incompletion: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub callback_after_seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<TaskLog>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line of a task's execution log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskLog {
    pub log: String,
    pub task_id: String,
    pub created_time: i64,
}

/// `POST /api/workflow` body.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartWorkflowRequest {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub task_to_domain: serde_json::Map<String, Value>,
}

/// One hit of `GET /api/workflow/search` (WorkflowSummary).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WorkflowSummary {
    pub workflow_id: String,
    pub workflow_type: String,
    pub version: u32,
    pub status: String,
    pub correlation_id: Option<String>,
    pub start_time: String,
    pub reason_for_incompletion: Option<String>,
}

/// `GET /api/workflow/search` answer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchResult {
    pub total_hits: u64,
    pub results: Vec<WorkflowSummary>,
}
