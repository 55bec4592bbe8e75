//! `flightdeck worker`'s loop: one long-polling batch poller per task type, sharing a limit
//! of tasks run at once; each task handled (`handlers`) and its result reported, the report
//! retried while Conductor is briefly unreachable (a result is never dropped: the task would
//! time out and run again). On the stop signal the pollers stop asking for work and the
//! tasks in flight finish and report before the worker exits (drain). Several workers on
//! several machines share the queues: Conductor hands each task to one of them.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::defs::TASK_TYPES;
use super::handlers::Handlers;
use super::wire::TaskResult;
use crate::domain::Failure;

/// How long one batch poll waits on the server for work.
pub const POLL_WAIT: Duration = Duration::from_millis(1000);
/// How long a poller with no free slot waits before it looks again, wake-up or not.
const SLOT_RECHECK: Duration = Duration::from_millis(200);
/// Attempts to report one result before it is given up (the task then times out and runs
/// again, which its handler makes safe).
const REPORT_TRIES: u32 = 8;
const REPORT_BACKOFF: crate::client::backoff::Backoff =
    crate::client::backoff::Backoff::new(Duration::from_millis(250), Duration::from_secs(5));

/// What the worker did, for its exit line and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    pub handled: u64,
    pub failed_reports: u64,
}

/// Options of one worker.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    pub concurrency: usize,
    pub domain: Option<String>,
    /// The task types to serve (default: all of Flightdeck's).
    pub task_types: Vec<String>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self { concurrency: 4, domain: None, task_types: TASK_TYPES.iter().map(|t| t.to_string()).collect() }
    }
}

/// Serve until `stop` turns true, then drain. `on_event` hears one line per notable event.
pub async fn serve(
    handlers: Handlers,
    opts: WorkerOptions,
    stop: watch::Receiver<bool>,
    on_event: Arc<dyn Fn(String) + Send + Sync>,
) -> Result<WorkerStats, Failure> {
    let slots = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    // Rung whenever a task ends and frees its slot.
    let freed = Arc::new(tokio::sync::Notify::new());
    let stats = Arc::new(std::sync::Mutex::new(WorkerStats::default()));
    let mut pollers = JoinSet::new();
    for task_type in opts.task_types.clone() {
        let (h, slots, stats, mut stop, on_event, domain, freed) = (
            handlers.clone(),
            slots.clone(),
            stats.clone(),
            stop.clone(),
            on_event.clone(),
            opts.domain.clone(),
            freed.clone(),
        );
        pollers.spawn(async move {
            let mut running = JoinSet::new();
            let mut misses = 0;
            while !*stop.borrow() {
                // Ask for as many tasks as there are free slots; none free: wait until a task
                // ends (or a short while: the wake-up is a hint, the count is the truth).
                // Slots are not held while polling, so an idle type never starves a busy one.
                let free = slots.available_permits();
                if free == 0 {
                    tokio::select! {
                        () = freed.notified() => {}
                        () = tokio::time::sleep(SLOT_RECHECK) => {}
                        _ = stop.changed() => break,
                    }
                    continue;
                }
                let polled = tokio::select! {
                    r = h.conductor.batch_poll(&task_type, &h.worker_id, domain.as_deref(), free, POLL_WAIT) => r,
                    _ = stop.changed() => break,
                };
                let tasks = match polled {
                    Ok(t) => {
                        misses = 0;
                        t
                    }
                    Err(f) => {
                        misses += 1;
                        if misses == 1 {
                            on_event(format!("poll {task_type}: {}", f.message));
                        }
                        tokio::time::sleep(REPORT_BACKOFF.delay(misses.min(6))).await;
                        continue;
                    }
                };
                for task in tasks {
                    // Other types' pollers may have filled the slots meanwhile: hand the task
                    // back (IN_PROGRESS, visible again after a second) rather than sit on it
                    // while its response timeout runs.
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        let back = TaskResult {
                            workflow_instance_id: task.workflow_instance_id.clone(),
                            task_id: task.task_id.clone(),
                            status: "IN_PROGRESS".into(),
                            output_data: task.output_data.clone(),
                            callback_after_seconds: 1,
                            worker_id: Some(h.worker_id.clone()),
                            ..TaskResult::default()
                        };
                        let h = h.clone();
                        running.spawn(async move {
                            report(&h, &back).await;
                        });
                        continue;
                    };
                    let (h, stats, on_event, freed) = (h.clone(), stats.clone(), on_event.clone(), freed.clone());
                    running.spawn(async move {
                        let result = h.run(&task).await;
                        let line = format!(
                            "{} {} of {}: {}",
                            task.task_type, task.task_id, task.workflow_instance_id, result.status
                        );
                        let reported = report(&h, &result).await;
                        if let Ok(mut s) = stats.lock() {
                            s.handled += 1;
                            s.failed_reports += u64::from(!reported);
                        }
                        on_event(if reported { line } else { format!("{line} (could not report it)") });
                        drop(permit);
                        freed.notify_waiters();
                    });
                }
                while running.try_join_next().is_some() {}
            }
            // Drain: what was taken is finished and reported before this poller ends.
            while running.join_next().await.is_some() {}
        });
    }
    while pollers.join_next().await.is_some() {}
    let s = stats.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(s)
}

/// Report `result`, retrying while Conductor is unreachable; whether it was delivered.
async fn report(h: &Handlers, result: &TaskResult) -> bool {
    for attempt in 1..=REPORT_TRIES {
        match h.conductor.update_task(result).await {
            Ok(()) => return true,
            Err(f) if matches!(f.kind, crate::domain::ErrorKind::Unavailable | crate::domain::ErrorKind::Timeout) => {
                tokio::time::sleep(REPORT_BACKOFF.delay(attempt)).await;
            }
            Err(f) => {
                tracing::warn!(task = %result.task_id, error = %f.message, "task result refused");
                return false;
            }
        }
    }
    false
}
