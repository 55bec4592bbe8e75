//! A loopback Conductor on the simulator's listener, under `/api/...`: the OSS/Orkes REST
//! contract (shared/reference/conductor/: the Orkes OpenAPI, the OSS schemas) for the subset
//! it implements — metadata (task and workflow definitions), start / get / search /
//! terminate / retry / pause / resume, task poll (204 when empty), batch poll (long-poll),
//! update, update by reference name, and the optional Orkes `/api/token` exchange. It is a
//! generic Conductor for that subset, not one shaped to Flightdeck's workflows: task types
//! SIMPLE, HUMAN, SWITCH, INLINE, TERMINATE, WAIT and DO_WHILE ([`run`]), `${…}` parameters
//! ([`params`]), a small JavaScript subset ([`expr`]), retries per task definition, and
//! response timeouts that re-queue a task whose worker vanished.
//!
//! Time is wall-clock milliseconds plus an offset tests move ([`Conductor::advance`]); a
//! sweeper applies timeouts every [`SWEEP_EVERY`], and every request sweeps first.

mod expr;
mod http;
mod model;
mod params;
mod run;
mod tasks;
mod workflows;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;

use model::{TaskStatus, WfStatus, Workflow};

/// How often the sweeper looks for timed-out tasks and due WAITs.
pub const SWEEP_EVERY: Duration = Duration::from_millis(100);

/// Orkes-style application credentials: with them, every `/api` call needs a token from
/// `POST /api/token`; without them the server is OSS (`/api/token` is 404).
#[derive(Clone, Debug)]
pub struct ConductorAuth {
    pub key_id: String,
    pub key_secret: String,
    /// How long a token stays valid.
    pub token_ttl: Duration,
}

/// What the simulated Conductor holds.
#[derive(Default)]
pub(crate) struct State {
    pub task_defs: BTreeMap<String, Value>,
    /// name → version → definition.
    pub wf_defs: BTreeMap<String, BTreeMap<u32, Value>>,
    pub workflows: HashMap<String, Workflow>,
    /// Workflow ids in start order.
    pub order: Vec<String>,
    /// task id → workflow id.
    pub task_home: HashMap<String, String>,
    pub counter: u64,
    pub seed: u64,
    /// token → expiry (ms).
    pub tokens: HashMap<String, i64>,
    /// Requests per route template (`GET /api/tasks/poll/batch`), for tests and benchmarks.
    pub requests: HashMap<String, u64>,
    /// Pending injected failures: (remaining count, HTTP status).
    pub fail: Option<(u32, u16)>,
}

impl State {
    pub fn new_id(&mut self) -> String {
        self.counter += 1;
        let n = crate::rng::mix(self.seed ^ self.counter);
        let m = crate::rng::mix(n ^ 0x9e37_79b9);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            n >> 32,
            (n >> 16) & 0xffff,
            n & 0xfff,
            m & 0xfff,
            (m >> 16) & 0xffff_ffff_ffff
        )
    }

    /// Apply response timeouts, task timeouts and due WAITs at `now`; advance what moved.
    pub fn sweep(&mut self, now: i64) {
        let mut touched = Vec::new();
        let ids: Vec<String> = self.order.iter().filter(|id| self.running(id)).cloned().collect();
        for id in ids {
            let Some(wf) = self.workflows.get_mut(&id) else { continue };
            let mut timeouts = Vec::new();
            for (i, t) in wf.tasks.iter_mut().enumerate() {
                if t.status != TaskStatus::InProgress {
                    continue;
                }
                if t.task_type == "WAIT" && t.visible_ms > 0 && t.visible_ms <= now {
                    run::finish(t, TaskStatus::Completed, None, now);
                    touched.push(id.clone());
                    continue;
                }
                let def = self.task_defs.get(&t.def_name);
                let Some(def) = def.filter(|_| t.task_type == t.def_name) else { continue };
                let timeout = def["timeoutSeconds"].as_i64().filter(|s| *s > 0);
                if let Some(secs) = timeout.filter(|s| now - t.start_ms > s * 1000) {
                    let policy = def["timeoutPolicy"].as_str().unwrap_or("TIME_OUT_WF").to_string();
                    timeouts.push((i, format!("Task timed out after {secs} seconds. Timeout configured as {secs} seconds. Timeout policy configured to {policy}"), policy));
                } else if !t.queued
                    && now - t.update_ms > i64::try_from(t.response_timeout_secs).unwrap_or(i64::MAX / 2000) * 1000
                {
                    timeouts.push((
                        i,
                        format!("responseTimeout: {} exceeded for taskId: {}", t.response_timeout_secs, t.id),
                        "RETRY".into(),
                    ));
                }
            }
            for (i, why, policy) in timeouts {
                match policy.as_str() {
                    "ALERT_ONLY" => {}
                    "TIME_OUT_WF" => {
                        if let Some(wf) = self.workflows.get_mut(&id) {
                            run::finish(&mut wf.tasks[i], TaskStatus::TimedOut, Some(why.clone()), now);
                            run::end(wf, WfStatus::TimedOut, Some(why), now);
                        }
                    }
                    _ => self.fail_task(&id, i, TaskStatus::TimedOut, Some(why), now),
                }
                touched.push(id.clone());
            }
        }
        touched.dedup();
        for id in touched {
            self.decide(&id, now);
        }
    }

    fn running(&self, id: &str) -> bool {
        self.workflows.get(id).is_some_and(|w| w.status == WfStatus::Running)
    }
}

/// The simulated Conductor.
pub struct Conductor {
    pub(crate) state: Mutex<State>,
    /// Woken whenever a task may have become pollable.
    pub(crate) ready: Notify,
    offset_ms: AtomicI64,
    pub(crate) auth: Mutex<Option<ConductorAuth>>,
    pub(crate) base: String,
}

impl Conductor {
    pub(crate) fn new(addr: std::net::SocketAddr, seed: u64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State { seed, ..State::default() }),
            ready: Notify::new(),
            offset_ms: AtomicI64::new(0),
            auth: Mutex::new(None),
            base: format!("http://{addr}"),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        crate::state::lock(&self.state)
    }

    /// Simulated now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2))
            .unwrap_or(0);
        wall + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Sweep timeouts now and wake pollers.
    pub(crate) fn sweep(&self) {
        let now = self.now_ms();
        self.lock().sweep(now);
        self.ready.notify_waiters();
    }

    /// Move simulated time forward by `d` and apply what became due.
    pub fn advance(&self, d: Duration) {
        self.offset_ms.fetch_add(i64::try_from(d.as_millis()).unwrap_or(0), Ordering::Relaxed);
        self.sweep();
    }

    /// The API base clients use (`http://host:port/api`).
    pub fn api_url(&self) -> String {
        format!("{}/api", self.base)
    }

    /// Answer the next `count` API requests with HTTP `status` and a Conductor error body.
    pub fn fail_next(&self, count: u32, status: u16) {
        self.lock().fail = (count > 0).then_some((count, status));
    }

    /// Requests so far whose route starts with `prefix` (`"POST /api/tasks"`).
    pub fn request_count(&self, prefix: &str) -> u64 {
        self.lock().requests.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, n)| *n).sum()
    }

    /// The execution `id` as `GET /api/workflow/{id}` shows it.
    pub fn workflow_json(&self, id: &str) -> Option<Value> {
        self.lock().workflows.get(id).map(|w| w.json(true))
    }

    /// Require Orkes application credentials from now on (`None`: an OSS server, no auth).
    pub fn require_auth(&self, auth: Option<ConductorAuth>) {
        *crate::state::lock(&self.auth) = auth;
    }

    pub(crate) fn auth(&self) -> Option<ConductorAuth> {
        crate::state::lock(&self.auth).clone()
    }

    /// The status of execution `id` (RUNNING, COMPLETED, …), cheaply.
    pub fn workflow_status(&self, id: &str) -> Option<String> {
        self.lock().workflows.get(id).map(|w| w.status.name().to_string())
    }

    /// Make every token issued so far expire (the next call answers EXPIRED_TOKEN).
    pub fn expire_tokens(&self) {
        let now = self.now_ms();
        for exp in self.lock().tokens.values_mut() {
            *exp = now - 1;
        }
    }

    pub(crate) fn router(self: &Arc<Self>) -> axum::Router {
        http::router(self.clone())
    }

    /// Run the sweeper until the returned task is aborted.
    pub(crate) fn spawn_sweeper(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                match me.upgrade() {
                    Some(c) => c.sweep(),
                    None => return,
                }
            }
        })
    }
}
