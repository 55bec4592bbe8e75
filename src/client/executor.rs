//! The effect runner: turns each `Effect` from the pure update into a spawned task that
//! talks to Argo CD and answers with `Msg`s. `spawn` never blocks the UI loop; every task
//! has a timeout; effects sharing a `coalesce_key` are newest-wins (the older task is
//! aborted, so a stale answer never arrives); dropping the executor aborts every task.
//! [`Executor::finish`] ends it gracefully (quit, SIGTERM, SIGHUP): runs stop following and
//! record that they were interrupted, and every record in flight (the trail, the ledger)
//! gets to land before the rest is aborted.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::actions::{run_action_with, RunOptions, StepReport, FOLLOW_TIMEOUT};
use super::argocd::watch::{supervise, WatchOptions};
use super::argocd::{ArgoClient, GET_TRIES};
use super::engine::conductor::ConductorEngine;
use super::engine::conductor_run::RunTarget;
use super::engine::Governance;
use crate::app::{Effect, Msg};
use crate::domain::{Action, ConnState, ErrorKind, Failure, RunOutcome, StepStatus};

/// Extra time a run gets beyond its follow timeout (the requests before the follow).
const RUN_MARGIN: Duration = Duration::from_secs(60);

/// Runs effects; owns their tasks.
pub struct Executor {
    clients: Vec<ArgoClient>,
    tx: mpsc::Sender<Msg>,
    /// The live task per coalesce key (newest wins).
    keyed: HashMap<String, AbortHandle>,
    /// Every task not yet seen finished, to abort on drop.
    tasks: Vec<AbortHandle>,
    watch: WatchOptions,
    follow_timeout: Duration,
    /// The policy, the engine and the trail (Argo CD RBAC only by default).
    governance: Governance,
    /// The Conductor workflow behind each run that is one, for retry and terminate.
    workflows: Arc<Mutex<HashMap<u64, String>>>,
    /// Tasks that write records (runs, trail records, requests, decisions): awaited on
    /// [`Executor::finish`] so nothing acknowledged on screen is lost on the way out.
    durable: Vec<tokio::task::JoinHandle<()>>,
    /// Tells running runs to stop following and record themselves as interrupted.
    stop: tokio::sync::watch::Sender<bool>,
}

/// How long a graceful end waits for records in flight (a shared-trail push included).
pub const FINISH_GRACE: Duration = Duration::from_secs(15);

impl Executor {
    /// One client per configured instance, in configuration order (the index in this list
    /// is the `instance` of every key and message).
    pub fn new(clients: Vec<ArgoClient>, tx: mpsc::Sender<Msg>) -> Self {
        let clients: Vec<ArgoClient> = clients.into_iter().enumerate().map(|(i, c)| c.with_instance(i)).collect();
        for c in &clients {
            c.report_credentials_to(tx.clone());
        }
        Self {
            clients,
            tx,
            keyed: HashMap::new(),
            tasks: Vec::new(),
            watch: WatchOptions::default(),
            follow_timeout: FOLLOW_TIMEOUT,
            governance: Governance::new(None, Default::default(), None),
            workflows: Arc::default(),
            durable: Vec::new(),
            stop: tokio::sync::watch::channel(false).0,
        }
    }

    /// End gracefully: runs stop following and record how far they got; records in flight
    /// land (within `grace`); then every other task is aborted (on drop).
    pub async fn finish(mut self, grace: Duration) {
        self.stop.send_replace(true);
        let durable = std::mem::take(&mut self.durable);
        if tokio::time::timeout(grace, futures_util::future::join_all(durable)).await.is_err() {
            tracing::warn!(grace_secs = grace.as_secs(), "records still in flight when Flightdeck stopped");
        }
    }

    /// The session's governance (`session::governance`): policy, engine and trail.
    pub fn with_governance(mut self, governance: Governance) -> Self {
        self.governance = governance;
        self
    }

    /// Override the watch supervisor's timings.
    pub fn with_watch_options(mut self, watch: WatchOptions) -> Self {
        self.watch = watch;
        self
    }

    /// Override how long a run follows its operation.
    pub fn with_follow_timeout(mut self, follow_timeout: Duration) -> Self {
        self.follow_timeout = follow_timeout;
        self
    }

    /// How many tasks are still running (finished ones are forgotten lazily).
    pub fn running(&mut self) -> usize {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.len()
    }

    /// Start the effect in the background; returns at once. Must be called inside a Tokio
    /// runtime (the console's loop is one).
    pub fn spawn(&mut self, effect: Effect) {
        self.tasks.retain(|t| !t.is_finished());
        let key = match &effect {
            // One supervisor per instance, whatever asked twice.
            Effect::WatchInstance { instance } => Some(format!("watch/{instance}")),
            other => other.coalesce_key(),
        };
        let durable = matches!(
            effect,
            Effect::RunAction { .. }
                | Effect::Record(_)
                | Effect::RequestApproval { .. }
                | Effect::DecideApproval { .. }
                | Effect::WithdrawRequest { .. }
        );
        let Some(task) = self.task(effect) else { return };
        let join = tokio::spawn(task);
        let handle = join.abort_handle();
        if let Some(k) = key {
            if let Some(old) = self.keyed.insert(k, handle.clone()) {
                old.abort();
            }
        }
        self.tasks.push(handle);
        if durable {
            self.durable.retain(|t| !t.is_finished());
            self.durable.push(join);
        }
    }

    fn client(&self, instance: usize) -> Result<ArgoClient, Failure> {
        self.clients
            .get(instance)
            .cloned()
            .ok_or_else(|| Failure::new(ErrorKind::Usage, format!("no configured instance #{instance}")))
    }

    /// The future that runs one effect, or `None` for effects that are not ours.
    fn task(&self, effect: Effect) -> Option<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> {
        let tx = self.tx.clone();
        Some(match effect {
            Effect::WatchInstance { instance } => {
                let client = self.client(instance);
                let opts = self.watch;
                Box::pin(async move {
                    match client {
                        Ok(c) => supervise(c, tx, opts).await,
                        Err(f) => drop(tx.send(Msg::ConnectionChanged { instance, state: ConnState::Failed(f) }).await),
                    }
                })
            }
            Effect::LoadUser { instance } => {
                let client = self.client(instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => bounded(&c, c.userinfo()).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::UserLoaded { instance, result, at: Utc::now() }).await;
                })
            }
            Effect::LoadDetail { key, generation } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let (detail, events) = match client {
                        Ok(c) => {
                            let get = bounded(&c, c.get(&key, None));
                            let events = bounded(&c, c.events(&key));
                            let (d, e) = tokio::join!(get, events);
                            (d.map(|(detail, _)| detail), e)
                        }
                        Err(f) => (Err(f.clone()), Err(f)),
                    };
                    let at = Utc::now();
                    let msg = Msg::DetailLoaded { key: key.clone(), generation, result: detail, at };
                    if tx.send(msg).await.is_ok() {
                        let _ = tx.send(Msg::EventsLoaded { key, generation, result: events, at }).await;
                    }
                })
            }
            Effect::WatchTree { key } => {
                let client = self.client(key.instance);
                let backoff = self.watch.reconnect;
                Box::pin(async move {
                    match client {
                        Ok(c) => super::argocd::tree::follow_tree(c, key, tx, backoff).await,
                        Err(f) => drop(tx.send(Msg::TreeChanged { key, result: Err(f), at: Utc::now() }).await),
                    }
                })
            }
            Effect::LoadDiff { key, generation } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => bounded(&c, c.diff(&key)).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::DiffLoaded { key, generation, result, at: Utc::now() }).await;
                })
            }
            Effect::RunAction { run_id, key, action, user, context, target } => {
                let client = self.client(key.instance);
                let opts = RunOptions { wait: true, follow_timeout: self.follow_timeout };
                let gov = self.governance.clone();
                let mut stop = self.stop.subscribe();
                if let Some(engine) = gov.conductor().filter(|_| ConductorEngine::runs(&action)).cloned() {
                    // On Conductor the run is a workflow: start it (or, for an approved
                    // request, follow the one the worker runs) and follow it in the run log.
                    let limit = self.follow_timeout + RUN_MARGIN;
                    let workflows = self.workflows.clone();
                    return Some(Box::pin(async move {
                        let t = RunTarget {
                            service: target.service.clone(),
                            env: target.env.clone(),
                            app: key.name.clone(),
                            namespace: key.namespace.clone(),
                            instance: target.instance.clone(),
                        };
                        let started = match &context.request {
                            Some(id) => Ok(id.clone()),
                            None => engine.start_run(&user, &t, &action, &context).await,
                        };
                        let result = match &started {
                            Ok(id) => {
                                remember(&workflows, run_id, id);
                                let e = engine.clone();
                                let follow = run_reporting(run_id, &tx, limit, |steps| async move {
                                    e.follow(id, limit, &mut steps.report()).await
                                });
                                tokio::select! {
                                    r = follow => r,
                                    // Flightdeck is stopping: the workflow goes on on the server.
                                    _ = stop.wait_for(|s| *s) => Err(interrupted()),
                                }
                            }
                            Err(f) => Err(f.clone()),
                        };
                        let outcome = match result {
                            Ok(()) => RunOutcome::Succeeded,
                            Err(f) => RunOutcome::Failed { message: f.message, hint: f.hint },
                        };
                        if started.is_err() {
                            // Nothing started, so no worker will record it: the trail says so here.
                            let event =
                                crate::engine::TrailEvent::run(Utc::now(), &user, &action, target, &context, &outcome);
                            gov.record(event).await;
                        }
                        let _ = tx.send(Msg::RunFinished { run_id, outcome, at: Utc::now() }).await;
                    }));
                }
                let clients = self.clients.clone();
                Box::pin(async move {
                    let run = async {
                        match client {
                            Ok(c) => {
                                let limit = opts.follow_timeout + RUN_MARGIN;
                                let (key, action, gov, who, t) = (&key, &action, &gov, &user, &target);
                                let clients = &clients;
                                run_reporting(run_id, &tx, limit, |steps| async move {
                                    if let Action::Create(n) = action {
                                        // A creation spans the instances of its environments.
                                        let cx = super::create::context_governed(clients, gov).await?;
                                        return super::create::run(clients, &cx, n, opts, &mut steps.report()).await;
                                    }
                                    run_action_with(&c, key, action, opts, &mut steps.report()).await?;
                                    // Healthy: the environment's checks say whether it may move on.
                                    super::verify::after_run(gov, who, action, t, &mut steps.report()).await
                                })
                                .await
                            }
                            Err(f) => Err(f),
                        }
                    };
                    let result = tokio::select! {
                        r = run => r,
                        // Flightdeck is stopping: what was sent stays sent; say so in the trail.
                        _ = stop.wait_for(|s| *s) => Err(interrupted()),
                    };
                    let outcome = match result {
                        Ok(()) => RunOutcome::Succeeded,
                        Err(f) => RunOutcome::Failed { message: f.message, hint: f.hint },
                    };
                    // Every console action lands in the trail, here and only here.
                    let event = crate::engine::TrailEvent::run(Utc::now(), &user, &action, target, &context, &outcome);
                    gov.record(event).await;
                    if let Some(id) = &context.request {
                        gov.finish(&user, id, &crate::engine::trail::describe_outcome(&outcome)).await;
                    }
                    let _ = tx.send(Msg::RunFinished { run_id, outcome, at: Utc::now() }).await;
                })
            }
            Effect::LoadApprovals { generation, delay_ms, user } => {
                let gov = self.governance.clone();
                Box::pin(async move {
                    // Due, not free-running: a newer load (coalesced) aborts this wait.
                    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                    let (state, result) = gov.load(&user).await;
                    // The policy first: it gates actions as soon as the pane shows the load.
                    let _ = tx.send(Msg::PolicyLoaded { generation, state: Box::new(state), at: Utc::now() }).await;
                    let _ = tx.send(Msg::ApprovalsLoaded { generation, result, at: Utc::now() }).await;
                })
            }
            Effect::DecideApproval { id, approve, comment, user } => {
                let gov = self.governance.clone();
                Box::pin(async move {
                    let result = gov.decide(&user, &id, approve, &comment).await;
                    let _ = tx.send(Msg::ApprovalDecided { id, approve, result, at: Utc::now() }).await;
                })
            }
            Effect::WithdrawRequest { id, user } => {
                let gov = self.governance.clone();
                Box::pin(async move {
                    let result = gov.withdraw(&user, &id).await;
                    let _ = tx.send(Msg::RequestWithdrawn { id, result, at: Utc::now() }).await;
                })
            }
            Effect::PlanCreation { generation, creation } => {
                let (clients, gov) = (self.clients.clone(), self.governance.clone());
                Box::pin(async move {
                    let result = match super::create::context_governed(&clients, &gov).await {
                        Ok(cx) => super::create::plan(&clients, &cx, &creation).await.map(|p| p.diff),
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::CreationPlanned { generation, result, at: Utc::now() }).await;
                })
            }
            Effect::PlanPromotion { generation, target, images, intent, revision, also, sources } => {
                let client = self.client(target.instance);
                let gov = self.governance.clone();
                // The trail names each source with its instance, as the headless gate does.
                let sources: Vec<_> = sources
                    .into_iter()
                    .map(|d| {
                        let instance = self.client(d.key.instance).map(|c| c.config().name.clone()).unwrap_or_default();
                        (d, instance)
                    })
                    .collect();
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => match super::verify::gate_sources(&c, &gov, &sources).await {
                            Ok(()) => super::git::promote_flow::plan_effect(
                                &c,
                                &target,
                                &images,
                                &intent,
                                revision.as_deref(),
                                also,
                            )
                            .await
                            .map(Box::new),
                            Err(f) => Err(f),
                        },
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::PromotionPlanned { generation, result, at: Utc::now() }).await;
                })
            }
            Effect::RequestApproval { run_id, requester, request, service, action } => {
                let gov = self.governance.clone();
                Box::pin(async move {
                    let result = gov.file(&requester, request, &service, &action).await;
                    let _ = tx.send(Msg::ApprovalRequested { run_id, result, at: Utc::now() }).await;
                })
            }
            Effect::LoadManifests { key, revision } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => bounded(&c, c.manifests(&key, &revision)).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::ManifestsLoaded { key, revision, result, at: Utc::now() }).await;
                })
            }
            Effect::LoadResourceManifests { key } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => bounded(&c, c.resource_manifests(&key)).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::ResourceManifestsLoaded { key, result, at: Utc::now() }).await;
                })
            }
            Effect::LoadWorkload { key, group, kind, name, namespace } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let res = super::ResourceRef { group, version: String::new(), kind, namespace, name };
                    let result = match client {
                        Ok(c) => {
                            // The version the app lists the workload under (the resource API needs it).
                            let version = c.get(&key, None).await.ok().and_then(|(d, _)| {
                                d.resources
                                    .into_iter()
                                    .find(|r| r.kind == res.kind && r.name == res.name)
                                    .map(|r| r.version)
                            });
                            let res = super::ResourceRef { version: version.unwrap_or_else(|| "v1".into()), ..res };
                            bounded(&c, c.workload_state(&key, &res)).await
                        }
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::WorkloadLoaded { key, result, at: Utc::now() }).await;
                })
            }
            Effect::FollowLogs { key, generation, source, container, previous } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => {
                            super::argocd::logs::follow_logs(&c, &key, generation, source, container, previous, &tx)
                                .await
                        }
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::LogsEnded { generation, result }).await;
                })
            }
            Effect::LoadDelivery { generation, query } => {
                let (clients, gov) = (self.clients.clone(), self.governance.clone());
                Box::pin(async move {
                    let result = super::delivery::bounded(&clients, &gov, &query).await.map(Box::new);
                    let _ = tx.send(Msg::DeliveryLoaded { generation, result, at: Utc::now() }).await;
                })
            }
            // Replaces (aborts) the log stream under the same key; nothing else to do.
            Effect::StopLogs => Box::pin(async {}),
            Effect::ExplainApp { key } => {
                let client = self.client(key.instance);
                Box::pin(async move {
                    let result = match client {
                        Ok(c) => bounded(&c, c.explain(&key)).await,
                        Err(f) => Err(f),
                    };
                    let _ = tx.send(Msg::AppExplained { key, result, at: Utc::now() }).await;
                })
            }
            Effect::RetryRun { run_id, of } => {
                let (gov, workflows, limit) =
                    (self.governance.clone(), self.workflows.clone(), self.follow_timeout + RUN_MARGIN);
                Box::pin(async move {
                    let wf = workflows.lock().ok().and_then(|m| m.get(&of).cloned());
                    let result = match (gov.conductor(), wf) {
                        (Some(engine), Some(id)) => match engine.client().retry(&id).await {
                            Ok(()) => {
                                remember(&workflows, run_id, &id);
                                run_reporting(run_id, &tx, limit, |steps| async move {
                                    engine.follow(&id, limit, &mut steps.report()).await
                                })
                                .await
                            }
                            Err(f) => Err(f),
                        },
                        _ => Err(not_a_workflow(of)),
                    };
                    let outcome = match result {
                        Ok(()) => RunOutcome::Succeeded,
                        Err(f) => RunOutcome::Failed { message: f.message, hint: f.hint },
                    };
                    let _ = tx.send(Msg::RunFinished { run_id, outcome, at: Utc::now() }).await;
                })
            }
            Effect::TerminateRun { of, user } => {
                let (gov, workflows) = (self.governance.clone(), self.workflows.clone());
                Box::pin(async move {
                    let wf = workflows.lock().ok().and_then(|m| m.get(&of).cloned());
                    let sent = match (gov.conductor(), wf) {
                        (Some(engine), Some(id)) => {
                            let reason = format!("terminated from the console by {}", user.username);
                            engine.client().terminate(&id, &reason).await
                        }
                        _ => Err(not_a_workflow(of)),
                    };
                    let (label, status) = match sent {
                        Ok(()) => ("terminate sent".to_string(), StepStatus::Done),
                        Err(f) => (format!("terminate: {}", f.message), StepStatus::Failed),
                    };
                    // The run's own follow sees the workflow end and finishes the run.
                    let _ = tx.send(Msg::RunStep { run_id: of, label, status, at: Utc::now() }).await;
                })
            }
            Effect::Record(event) => {
                let gov = self.governance.clone();
                Box::pin(async move { gov.record(*event).await })
            }
            // The runtime's own business.
            Effect::Quit | Effect::Suspend | Effect::SetTheme { .. } | Effect::Notify(_) => return None,
        })
    }
}

/// How a run that Flightdeck stopped following ends.
fn interrupted() -> Failure {
    Failure::new(ErrorKind::Unavailable, "interrupted: Flightdeck stopped while this ran")
        .with_hint("what was sent goes on in Argo CD; look at the app in the console or with `flightdeck status`")
}

impl Drop for Executor {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A read with an overall deadline covering its retries.
async fn bounded<T>(
    client: &ArgoClient,
    fut: impl Future<Output = Result<T, super::ClientError>>,
) -> Result<T, Failure> {
    let limit = client.config().request_timeout * (GET_TRIES + 1);
    match tokio::time::timeout(limit, fut).await {
        Ok(r) => r.map_err(|e| e.to_failure()),
        Err(_) => {
            let what = format!("request to {}", client.config().name);
            Err(super::ClientError::Timeout { what, after: limit }.to_failure())
        }
    }
}

/// Remember that run `run_id` follows workflow `id`.
fn remember(workflows: &Mutex<HashMap<u64, String>>, run_id: u64, id: &str) {
    if let Ok(mut m) = workflows.lock() {
        m.insert(run_id, id.to_string());
    }
}

/// Retry and terminate act on Conductor workflows only.
fn not_a_workflow(run: u64) -> Failure {
    Failure::new(ErrorKind::Usage, format!("run #{run} is not a Conductor workflow"))
        .with_hint("start the action again (t terminates an Argo CD operation)")
}

/// Where a run reports its steps: each lands, stamped with its time, in the queue the
/// forwarder of [`run_reporting`] drains.
pub struct Steps(mpsc::UnboundedSender<(StepReport, chrono::DateTime<Utc>)>);

impl Steps {
    /// The report callback the actions take.
    pub fn report(&self) -> impl FnMut(StepReport) + Send + '_ {
        // Stamp the time when the step happened, not when the UI channel had room.
        move |s| {
            let _ = self.0.send((s, Utc::now()));
        }
    }
}

/// Run `run` within `limit`, forwarding each step as `Msg::RunStep` as it happens. Steps go
/// through an unbounded queue because the report callback is synchronous; a forwarder awaits
/// the bounded UI channel, so no step is ever dropped.
async fn run_reporting<F, Fut>(run_id: u64, tx: &mpsc::Sender<Msg>, limit: Duration, run: F) -> Result<(), Failure>
where
    F: FnOnce(Steps) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let (stx, mut srx) = mpsc::unbounded_channel::<(StepReport, chrono::DateTime<Utc>)>();
    let run = async move {
        match tokio::time::timeout(limit, run(Steps(stx))).await {
            Ok(r) => r,
            Err(_) => Err(Failure::new(ErrorKind::Timeout, format!("run took longer than {}s", limit.as_secs()))),
        }
    };
    let forward = async {
        while let Some((s, at)) = srx.recv().await {
            let msg = Msg::RunStep { run_id, label: s.label, status: s.status, at };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    };
    let (result, ()) = tokio::join!(run, forward);
    result
}
