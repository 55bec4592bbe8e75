//! The ONE implementation of every action, used by the console (through the executor) and
//! by the headless CLI. Each action reports its steps (Running, then Done or Failed); with
//! `wait` it follows the app on a `watch?name=` stream until the operation completed and
//! the app settled, within an overall follow timeout.

use std::time::Duration;

use futures_util::FutureExt;
use serde_json::json;

use super::argocd::apps::{Refresh, ResourceRef, SyncOpts};
use super::argocd::follow::{Follower, Goal, Seen};
use super::argocd::stream::WatchEvent;
use super::argocd::wire::App;
use super::argocd::ArgoClient;
use super::backoff::Backoff;
use super::error::ClientError;
use crate::domain::{Action, AppKey, ErrorKind, Failure, Health, OpPhase, StepStatus};

/// Longest time an action is followed before the run gives up (the operation goes on).
pub const FOLLOW_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Reconnects of the follow stream before giving up on it.
const FOLLOW_RECONNECTS: u32 = 5;
const FOLLOW_BACKOFF: Backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
/// What the follower reads of the app (watch fields are rooted at `result.`).
const FOLLOW_FIELDS: &str = "result.type,result.application.metadata.name,result.application.metadata.namespace,\
result.application.operation,result.application.status.operationState,result.application.status.health";

/// One step of a run as the action reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    pub label: String,
    pub status: StepStatus,
}

/// How to run: follow or not, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    pub wait: bool,
    pub follow_timeout: Duration,
}

pub(super) type Report<'a> = &'a mut (dyn FnMut(StepReport) + Send);

pub(super) fn say(report: &mut Report<'_>, label: &str, status: StepStatus) {
    report(StepReport { label: label.to_string(), status });
}

/// Run one step: Running, then Done or Failed with the error as a failure.
pub(super) async fn step<T>(
    report: &mut Report<'_>,
    label: &str,
    fut: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<T, Failure> {
    say(report, label, StepStatus::Running);
    match fut.await {
        Ok(v) => {
            say(report, label, StepStatus::Done);
            Ok(v)
        }
        Err(e) => {
            say(report, label, StepStatus::Failed);
            Err(e.to_failure())
        }
    }
}

/// Run `action` on `key`; with `wait`, follow it to its end (see [`FOLLOW_TIMEOUT`]).
pub async fn run_action(
    client: &ArgoClient,
    key: &AppKey,
    action: &Action,
    wait: bool,
    report: &mut (dyn FnMut(StepReport) + Send),
) -> Result<(), Failure> {
    run_action_with(client, key, action, RunOptions { wait, follow_timeout: FOLLOW_TIMEOUT }, report).await
}

/// [`run_action`] with explicit options.
pub async fn run_action_with(
    client: &ArgoClient,
    key: &AppKey,
    action: &Action,
    opts: RunOptions,
    mut report: &mut (dyn FnMut(StepReport) + Send),
) -> Result<(), Failure> {
    let r = &mut report;
    let verb = action.verb();
    match action {
        Action::Sync { prune, dry_run, force, apply_only } => {
            let o =
                SyncOpts { prune: *prune, dry_run: *dry_run, force: *force, apply_only: *apply_only, revision: None };
            let app = step(r, "sync sent", client.sync(key, o)).await?;
            let goal = if *dry_run { Goal::Operation } else { Goal::OperationThenHealth };
            let labels = if *dry_run { Labels::OPERATION_ONLY } else { Labels::OPERATION };
            follow_if(client, key, opts, Follower::new(goal, Some(&app)), labels, verb, r).await
        }
        Action::Rollback { history_id, pause_auto_sync } => {
            if *pause_auto_sync {
                step(r, "auto-sync paused", client.set_auto_sync(key, false)).await?;
            }
            let app = step(r, "rollback sent", client.rollback(key, *history_id)).await?;
            let f = Follower::new(Goal::OperationThenHealth, Some(&app));
            follow_if(client, key, opts, f, Labels::OPERATION, verb, r).await
        }
        Action::Terminate => {
            step(r, "terminate sent", client.terminate(key)).await?;
            let f = Follower::new(Goal::Operation, None).assume_running();
            follow_if(client, key, opts, f, Labels::TERMINATE, verb, r).await
        }
        Action::Refresh { hard } => {
            let how = if *hard { Refresh::Hard } else { Refresh::Normal };
            step(r, "refresh sent", client.get_app(key, Some(how))).await.map(drop)
        }
        Action::ResumeAutoSync => step(r, "auto-sync resumed", client.set_auto_sync(key, true)).await,
        Action::SyncRevision { revision } => {
            let o = SyncOpts { revision: Some(revision.clone()), ..SyncOpts::default() };
            let app = step(r, "sync sent", client.sync(key, o)).await?;
            let f = Follower::new(Goal::OperationThenHealth, Some(&app));
            follow_if(client, key, opts, f, Labels::OPERATION, verb, r).await
        }
        Action::Scale { kind, group, name, namespace, replicas } => {
            let res = resource(client, key, group, kind, name, namespace).await;
            let sent = if kind == "Rollout" && group == "argoproj.io" {
                // Rollouts have no `scale` action; patch spec.replicas (notes §3.8).
                let patch = json!({ "spec": { "replicas": replicas } });
                step(r, "scale sent", client.patch_resource(key, &res, &patch)).await
            } else {
                let params = [("replicas", replicas.to_string())];
                step(r, "scale sent", client.resource_action(key, &res, "scale", &params)).await
            };
            sent?;
            if !opts.wait {
                return Ok(());
            }
            follow_replicas(client, key, &res, *replicas, opts, r).await
        }
        Action::Restart { kind, group, name, namespace } => {
            let res = resource(client, key, group, kind, name, namespace).await;
            step(r, "restart sent", client.resource_action(key, &res, "restart", &[])).await?;
            follow_if(client, key, opts, Follower::new(Goal::Health, None), Labels::HEALTH, verb, r).await
        }
        Action::RolloutPromote { name, namespace } => {
            let res = resource(client, key, "argoproj.io", "Rollout", name, namespace).await;
            step(r, "promote sent", client.resource_action(key, &res, "promote-full", &[])).await?;
            follow_if(client, key, opts, Follower::new(Goal::Health, None), Labels::HEALTH, verb, r).await
        }
        Action::Promote(p) => {
            // An approved request keeps its requester; a direct run is requested by its runner.
            let user = match &p.requested_by {
                Some(r) => r.clone(),
                None => client.userinfo().await.map(|u| u.username).unwrap_or_default(),
            };
            if p.is_release() {
                return super::release_run::run(client, key, p, user, opts, r).await;
            }
            let input = super::git::promote::PromoteInput::of(p, user, p.diff.clone());
            let app = step(r, "overlay located", client.get_app(key, None)).await?;
            // The step ends under what happened: "commit a1b2c3d pushed" or "nothing to do: …".
            const PUSH: &str = "push commit";
            say(r, PUSH, StepStatus::Running);
            let settings = match super::git::promote::PromoteSettings::for_client(client).await {
                Ok(s) => s,
                Err(f) => {
                    say(r, PUSH, StepStatus::Failed);
                    return Err(f);
                }
            };
            let outcome = super::git::promote::push(&app, &input, &settings).await;
            match outcome {
                Ok(super::git::promote::GitOutcome::Pushed { commit, .. }) => {
                    say(r, &format!("commit {} pushed", commit.get(..7).unwrap_or(&commit)), StepStatus::Done);
                }
                Ok(super::git::promote::GitOutcome::NothingToDo(why)) => {
                    say(r, &format!("nothing to do: {why}"), StepStatus::Done);
                    return Ok(());
                }
                Err(f) => {
                    say(r, PUSH, StepStatus::Failed);
                    return Err(f);
                }
            }
            if let crate::domain::Intent::Preview(i) = &p.intent {
                return super::preview_run::after_push(client, key, &app, i, opts, r).await;
            }
            let before_push = app;
            let app = step(r, "refresh sent", client.get_app(key, Some(Refresh::Normal))).await?;
            if app.auto_sync() {
                // Auto-sync deploys the new commit itself; follow the operation it starts. The
                // baseline is the app as it was before the push: auto-sync may have started and
                // even finished that operation before the refresh answered.
                let f = Follower::new(Goal::OperationThenHealth, Some(&before_push));
                follow_if(client, key, opts, f, Labels::OPERATION, verb, r).await
            } else {
                let app = step(r, "sync sent", client.sync(key, SyncOpts::default())).await?;
                let f = Follower::new(Goal::OperationThenHealth, Some(&app));
                follow_if(client, key, opts, f, Labels::OPERATION, verb, r).await
            }
        }
        Action::RolloutResume { name, namespace } => {
            let res = resource(client, key, "argoproj.io", "Rollout", name, namespace).await;
            step(r, "resume sent", client.resource_action(key, &res, "resume", &[])).await?;
            follow_if(client, key, opts, Follower::new(Goal::Health, None), Labels::HEALTH, verb, r).await
        }
        Action::SetSyncPolicy(p) => {
            step(r, &format!("sync policy set: {}", p.describe()), client.set_sync_policy(key, *p)).await
        }
        // A creation spans every instance its environments live on: `client::create::run`,
        // which the executor and the headless run call with the estate's clients.
        Action::Create(_) => Err(Failure::new(ErrorKind::Usage, "a new service is created by client::create::run")),
        Action::RolloutAbort { name, namespace } => {
            // An aborted Rollout is Degraded by design: nothing to follow.
            let res = resource(client, key, "argoproj.io", "Rollout", name, namespace).await;
            step(r, "abort sent", client.resource_action(key, &res, "abort", &[])).await
        }
    }
}

/// The resource reference with its API version, read from the app's resource list
/// (well-known versions when the app cannot be read).
async fn resource(client: &ArgoClient, key: &AppKey, group: &str, kind: &str, name: &str, ns: &str) -> ResourceRef {
    let listed = client.get_app(key, None).await.ok().and_then(|app| {
        app.status
            .resources
            .iter()
            .find(|x| x.group == group && x.kind == kind && x.name == name && (ns.is_empty() || x.namespace == ns))
            .map(|x| x.version.clone())
    });
    let version = listed.filter(|v| !v.is_empty()).unwrap_or_else(|| {
        match group {
            "argoproj.io" => "v1alpha1",
            _ => "v1",
        }
        .to_string()
    });
    ResourceRef { group: group.into(), version, kind: kind.into(), namespace: ns.into(), name: name.into() }
}

pub(super) async fn follow_if(
    client: &ArgoClient,
    key: &AppKey,
    opts: RunOptions,
    follower: Follower,
    labels: Labels,
    verb: &str,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    if !opts.wait {
        return Ok(());
    }
    let fut = follow(client, key, follower, verb, labels, r);
    match tokio::time::timeout(opts.follow_timeout, fut).await {
        Ok(res) => res,
        Err(_) => Err(timeout_failure(opts.follow_timeout)),
    }
}

fn timeout_failure(after: Duration) -> Failure {
    Failure::new(ErrorKind::Timeout, format!("still not finished after {}s", after.as_secs()))
        .with_hint("the operation goes on in Argo CD; watch it in the console, or terminate it (t)")
}

/// The step labels a follow reports (must match the follower's goal).
#[derive(Clone, Copy)]
pub(super) struct Labels {
    /// Step done when our operation is seen running.
    running: Option<&'static str>,
    /// Step done when it completed (failed unless Succeeded, when `running` is set).
    completed: Option<&'static str>,
    /// Whether a "healthy" step follows.
    health: bool,
}

impl Labels {
    pub(super) const OPERATION: Self =
        Self { running: Some("operation running"), completed: Some("operation succeeded"), health: true };
    const OPERATION_ONLY: Self = Self { health: false, ..Self::OPERATION };
    /// Terminating ends the operation in phase Failed "Operation terminated": that is success.
    const TERMINATE: Self = Self { running: None, completed: Some("operation terminated"), health: false };
    pub(super) const HEALTH: Self = Self { running: None, completed: None, health: true };
}

async fn follow(
    client: &ArgoClient,
    key: &AppKey,
    mut f: Follower,
    verb: &str,
    labels: Labels,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    let mut pending = match (labels.running, labels.completed) {
        (Some(run), Some(done)) => {
            say(r, run, StepStatus::Running);
            if f.seen_running() {
                // The action's own answer already showed our operation running.
                say(r, run, StepStatus::Done);
                say(r, done, StepStatus::Running);
                Some(done)
            } else {
                Some(run)
            }
        }
        (run, done) => {
            let l = run.or(done).unwrap_or("healthy");
            say(r, l, StepStatus::Running);
            Some(l)
        }
    };
    let mut reconnects = 0;
    loop {
        let mut stream = match client.watch_app(key, FOLLOW_FIELDS).await {
            Ok(s) => s,
            Err(e) if transient(&e) && reconnects < FOLLOW_RECONNECTS => {
                reconnects += 1;
                tokio::time::sleep(FOLLOW_BACKOFF.delay(reconnects)).await;
                continue;
            }
            Err(e) => return fail_pending(r, pending, e.to_failure()),
        };
        loop {
            let events = match stream.next_batch().await {
                Ok(Some(events)) => events,
                Ok(None) => break,
                Err(e) if transient(&e) => break,
                Err(e) => return fail_pending(r, pending, e.to_failure()),
            };
            for ev in events {
                let app = match ev {
                    WatchEvent::Upsert(app) => app,
                    // Another app's (or an unreadable) message: not ours to follow.
                    WatchEvent::Unreadable(_) => continue,
                    WatchEvent::Deleted(_) => {
                        let f = Failure::new(ErrorKind::NotFound, format!("{} was deleted", key.name));
                        return fail_pending(r, pending, f);
                    }
                };
                for seen in f.observe(&app) {
                    if let Some(done) = on_seen(seen, &labels, &mut pending, verb, &app, r) {
                        return done;
                    }
                }
                if f.finished() {
                    return Ok(());
                }
            }
        }
        reconnects += 1;
        if reconnects > FOLLOW_RECONNECTS {
            let f = Failure::new(ErrorKind::Unavailable, "lost the app's watch stream too often");
            return fail_pending(r, pending, f);
        }
        tokio::time::sleep(FOLLOW_BACKOFF.delay(reconnects)).await;
    }
}

/// Turn one observation into step reports; `Some` when the run ends.
fn on_seen(
    seen: Seen,
    labels: &Labels,
    pending: &mut Option<&'static str>,
    verb: &str,
    app: &App,
    r: &mut Report<'_>,
) -> Option<Result<(), Failure>> {
    match seen {
        Seen::Running => {
            if let (Some(run), Some(done)) = (labels.running, labels.completed) {
                say(r, run, StepStatus::Done);
                say(r, done, StepStatus::Running);
                *pending = Some(done);
            }
            None
        }
        Seen::Completed { phase, message } => {
            let msg = crate::domain::sanitize::clean(&message);
            // Argo CD ends a terminated operation in phase Failed, "Operation terminated".
            let terminated = phase == OpPhase::Failed && msg.to_lowercase().contains("terminated");
            let terminating = labels.running.is_none() && labels.completed.is_some();
            let ok = phase == OpPhase::Succeeded || terminating;
            // The step ends under what happened, never the outcome hoped for.
            let label = match (phase, terminated) {
                (OpPhase::Succeeded, _) if terminating => "operation had already succeeded".to_string(),
                (_, true) => "operation terminated".to_string(),
                (OpPhase::Succeeded, false) => labels.completed.unwrap_or("operation").to_string(),
                (p, false) => format!("operation {}", p.as_str().to_lowercase()),
            };
            say(r, &label, if ok { StepStatus::Done } else { StepStatus::Failed });
            if !ok {
                let failure = if terminated {
                    Failure::new(ErrorKind::ActionFailed, format!("{verb} terminated before it finished: {msg}"))
                        .with_hint("someone terminated the operation (t); run it again when ready")
                } else {
                    Failure::new(ErrorKind::ActionFailed, format!("{verb} {}: {msg}", phase.as_str().to_lowercase()))
                        .with_hint("see the failing resources and events in the detail pane; fix the cause and sync again, or roll back (r)")
                };
                return Some(Err(failure));
            }
            if !labels.health {
                return Some(Ok(()));
            }
            *pending = Some("healthy");
            say(r, "healthy", StepStatus::Running);
            None
        }
        Seen::Settled { health, message } => {
            let name = crate::domain::sanitize::clean(&app.metadata.name);
            if health == Health::Degraded {
                say(r, "healthy", StepStatus::Failed);
                let msg = crate::domain::sanitize::clean(&message);
                return Some(Err(Failure::new(ErrorKind::ActionFailed, format!("{name} is Degraded: {msg}"))
                    .with_hint(
                        "check the resources and events in the detail pane; roll back (r) if this change broke it",
                    )));
            }
            say(r, "healthy", StepStatus::Done);
            if health == Health::Suspended {
                say(r, "suspended (paused Rollout)", StepStatus::Done);
            }
            Some(Ok(()))
        }
    }
}

fn transient(e: &ClientError) -> bool {
    matches!(e.kind(), ErrorKind::Unavailable | ErrorKind::Timeout)
}

fn fail_pending(r: &mut Report<'_>, pending: Option<&str>, f: Failure) -> Result<(), Failure> {
    if let Some(l) = pending {
        say(r, l, StepStatus::Failed);
    }
    Err(f)
}

/// After a scale: poll the resource until `spec.replicas` and `status.readyReplicas` are
/// `n`; when the resource cannot be read, wait for the app to settle instead.
async fn follow_replicas(
    client: &ArgoClient,
    key: &AppKey,
    res: &ResourceRef,
    n: u32,
    opts: RunOptions,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    let label = format!("replicas {n}");
    say(r, &label, StepStatus::Running);
    let poll = async {
        let mut attempt = 0;
        loop {
            match client.resource_manifest(key, res).await {
                Ok(m) => {
                    let spec = m.pointer("/spec/replicas").and_then(|v| v.as_u64()).unwrap_or(1);
                    let ready = m.pointer("/status/readyReplicas").and_then(|v| v.as_u64()).unwrap_or(0);
                    if spec == u64::from(n) && ready == u64::from(n) {
                        return Ok(true);
                    }
                }
                Err(e) if transient(&e) => {}
                Err(e) if e.kind() == ErrorKind::Unauthorized || e.kind() == ErrorKind::Forbidden => {
                    return Err(e.to_failure())
                }
                Err(_) => return Ok(false),
            }
            attempt += 1;
            tokio::time::sleep(FOLLOW_BACKOFF.delay(attempt)).await;
        }
    };
    let outcome = match tokio::time::timeout(opts.follow_timeout, poll).await {
        Ok(o) => o,
        Err(_) => Err(timeout_failure(opts.follow_timeout)),
    };
    match outcome {
        Ok(true) => {
            say(r, &label, StepStatus::Done);
            Ok(())
        }
        Ok(false) => {
            // The resource endpoint is unavailable here: the app's health is the next best sign.
            let res = follow_if(client, key, opts, Follower::new(Goal::Health, None), Labels::HEALTH, "scale", r)
                .boxed()
                .await;
            say(r, &label, if res.is_ok() { StepStatus::Done } else { StepStatus::Failed });
            res
        }
        Err(f) => {
            say(r, &label, StepStatus::Failed);
            Err(f)
        }
    }
}
