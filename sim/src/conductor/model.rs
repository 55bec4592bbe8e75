//! The simulated Conductor's records: workflow executions and their tasks, rendered as the
//! OSS `Workflow` and `Task` JSON (shared/reference/conductor/schemas/{Workflow,Task}.json).

use serde_json::{json, Value};

/// A task status (Task.json `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    Scheduled,
    InProgress,
    Completed,
    CompletedWithErrors,
    Failed,
    FailedWithTerminalError,
    TimedOut,
    Canceled,
}

impl TaskStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Scheduled => "SCHEDULED",
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
            Self::CompletedWithErrors => "COMPLETED_WITH_ERRORS",
            Self::Failed => "FAILED",
            Self::FailedWithTerminalError => "FAILED_WITH_TERMINAL_ERROR",
            Self::TimedOut => "TIMED_OUT",
            Self::Canceled => "CANCELED",
        }
    }
    /// The statuses a worker may report (TaskResult.status).
    pub fn parse_result(s: &str) -> Option<Self> {
        Some(match s {
            "IN_PROGRESS" => Self::InProgress,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            "FAILED_WITH_TERMINAL_ERROR" => Self::FailedWithTerminalError,
            _ => return None,
        })
    }
    pub fn terminal(self) -> bool {
        !matches!(self, Self::Scheduled | Self::InProgress)
    }
    pub fn successful(self) -> bool {
        matches!(self, Self::Completed | Self::CompletedWithErrors)
    }
}

/// A workflow status (Workflow.json `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WfStatus {
    Running,
    Completed,
    Failed,
    TimedOut,
    Terminated,
    Paused,
}

impl WfStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::TimedOut => "TIMED_OUT",
            Self::Terminated => "TERMINATED",
            Self::Paused => "PAUSED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RUNNING" => Self::Running,
            "COMPLETED" => Self::Completed,
            "FAILED" => Self::Failed,
            "TIMED_OUT" => Self::TimedOut,
            "TERMINATED" => Self::Terminated,
            "PAUSED" => Self::Paused,
            _ => return None,
        })
    }
    pub fn terminal(self) -> bool {
        !matches!(self, Self::Running | Self::Paused)
    }
}

/// One task of an execution.
#[derive(Clone, Debug)]
pub struct Task {
    pub id: String,
    /// `SIMPLE` tasks carry their definition's name here, as Conductor does.
    pub task_type: String,
    pub def_name: String,
    pub ref_name: String,
    pub status: TaskStatus,
    pub input: Value,
    pub output: Value,
    pub retry_count: u32,
    pub seq: u32,
    pub poll_count: u32,
    pub scheduled_ms: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub update_ms: i64,
    pub worker_id: Option<String>,
    pub reason: Option<String>,
    pub callback_after_secs: u64,
    pub response_timeout_secs: u64,
    /// DO_WHILE iteration the task belongs to (0 outside loops); the loop task's own count.
    pub iteration: u32,
    /// The task's configuration in the workflow definition.
    pub config: Value,
    pub retried: bool,
    pub domain: Option<String>,
    /// Waiting in its queue, deliverable from `visible_ms` on (scheduled, retried after a
    /// delay, or postponed by an IN_PROGRESS update with `callbackAfterSeconds`).
    pub queued: bool,
    pub visible_ms: i64,
    pub logs: Vec<Value>,
}

impl Task {
    pub fn json(&self, wf: &Workflow) -> Value {
        json!({
            "taskType": self.task_type,
            "status": self.status.name(),
            "inputData": self.input,
            "referenceTaskName": self.ref_name,
            "retryCount": self.retry_count,
            "seq": self.seq,
            "correlationId": wf.correlation_id,
            "pollCount": self.poll_count,
            "taskDefName": self.def_name,
            "scheduledTime": self.scheduled_ms,
            "startTime": self.start_ms,
            "endTime": self.end_ms,
            "updateTime": self.update_ms,
            "startDelayInSeconds": 0,
            "retried": self.retried,
            "executed": self.status.terminal(),
            "callbackFromWorker": true,
            "responseTimeoutSeconds": self.response_timeout_secs,
            "workflowInstanceId": wf.id,
            "workflowType": wf.name,
            "taskId": self.id,
            "reasonForIncompletion": self.reason,
            "callbackAfterSeconds": self.callback_after_secs,
            "workerId": self.worker_id,
            "outputData": self.output,
            "workflowTask": self.config,
            "domain": self.domain,
            "workflowPriority": wf.priority,
            "iteration": self.iteration,
            "firstStartTime": self.start_ms,
        })
    }
}

/// One workflow execution.
#[derive(Clone, Debug)]
pub struct Workflow {
    pub id: String,
    pub name: String,
    pub version: u32,
    pub def: Value,
    pub status: WfStatus,
    pub input: Value,
    pub output: Value,
    pub tasks: Vec<Task>,
    pub correlation_id: Option<String>,
    pub reason: Option<String>,
    pub priority: i64,
    pub task_to_domain: Value,
    pub start_ms: i64,
    pub end_ms: i64,
    pub update_ms: i64,
    pub created_by: Option<String>,
}

impl Workflow {
    /// The fields expressions see as `workflow.*`.
    pub fn scope_json(&self) -> Value {
        json!({
            "workflowId": self.id,
            "workflowType": self.name,
            "version": self.version,
            "input": self.input,
            "output": self.output,
            "status": self.status.name(),
            "correlationId": self.correlation_id,
            "startTime": self.start_ms,
            "variables": {},
        })
    }

    pub fn json(&self, include_tasks: bool) -> Value {
        let failed: Vec<&str> = self
            .tasks
            .iter()
            .filter(|t| {
                matches!(t.status, TaskStatus::Failed | TaskStatus::FailedWithTerminalError | TaskStatus::TimedOut)
                    && !t.retried
            })
            .map(|t| t.ref_name.as_str())
            .collect();
        json!({
            "workflowId": self.id,
            "workflowName": self.name,
            "workflowVersion": self.version,
            "status": self.status.name(),
            "startTime": self.start_ms,
            "endTime": self.end_ms,
            "updateTime": self.update_ms,
            "createTime": self.start_ms,
            "input": self.input,
            "output": self.output,
            "tasks": if include_tasks { self.tasks.iter().map(|t| t.json(self)).collect::<Vec<_>>() } else { Vec::new() },
            "correlationId": self.correlation_id,
            "reasonForIncompletion": self.reason,
            "failedReferenceTaskNames": failed,
            "taskToDomain": self.task_to_domain,
            "priority": self.priority,
            "variables": {},
            "workflowDefinition": self.def,
            "ownerApp": "",
            "createdBy": self.created_by,
        })
    }

    /// The search summary (WorkflowSummary) of this execution.
    pub fn summary(&self) -> Value {
        json!({
            "workflowType": self.name,
            "version": self.version,
            "workflowId": self.id,
            "correlationId": self.correlation_id,
            "startTime": iso(self.start_ms),
            "updateTime": iso(self.update_ms),
            "endTime": if self.end_ms > 0 { iso(self.end_ms) } else { String::new() },
            "status": self.status.name(),
            "input": self.input.to_string(),
            "output": self.output.to_string(),
            "reasonForIncompletion": self.reason,
            "executionTime": if self.end_ms > 0 { self.end_ms - self.start_ms } else { 0 },
            "failedReferenceTaskNames": "",
            "priority": self.priority,
            "createdBy": self.created_by,
        })
    }
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}
