//! `flightdeck conductor bench`: the Conductor engine's figures on the simulator (Argo CD,
//! its GitOps repository and the simulated Conductor in this process, over real HTTP), with
//! `flightdeck worker`'s own loop and task handlers:
//!
//! - throughput: promotions dev → staging per second with 1, 2 and 4 workers (each with its
//!   own Git clone, as on separate machines) over N requests, each a real commit, push,
//!   refresh/sync and follow to healthy;
//! - latency: from the deciding approval (the HUMAN task completed) to the action starting
//!   (the deploy task handed to a worker), p50/p99;
//! - kills: a worker killed mid-task, repeatedly — it takes the deploy task and dies either
//!   before or after sending the sync (alternately), never reporting; the task's response
//!   timeout passes (simulated time) and another worker finishes the run. The Argo CD syncs
//!   per run are counted: duplicates must be 0, and no run may be left without its sync.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::bench::measure::percentiles;
use crate::client::conductor::handlers::Handlers;
use crate::client::conductor::worker::{serve, WorkerOptions};
use crate::client::engine::conductor::ConductorEngine;
use crate::client::engine::conductor_run::RunTarget;
use crate::client::engine::embedded::LedgerPaths;
use crate::config::Config;
use crate::domain::policy::{ActionKind, Request};
use crate::domain::{Action, ErrorKind, Failure, Promotion, RunContext, UserInfo};

/// What to run.
#[derive(Clone, Debug)]
pub struct ConductorBenchOptions {
    pub requests: usize,
    pub workers: Vec<usize>,
    /// Tasks each worker runs at once.
    pub concurrency: usize,
    pub latency_samples: usize,
    pub kills: usize,
}

impl Default for ConductorBenchOptions {
    fn default() -> Self {
        Self { requests: 200, workers: vec![1, 2, 4], concurrency: 4, latency_samples: 50, kills: 20 }
    }
}

/// One throughput round.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Throughput {
    pub workers: usize,
    pub requests: usize,
    pub completed: usize,
    pub seconds: f64,
    pub per_second: f64,
}

/// Everything measured.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ConductorFigures {
    pub throughput: Vec<Throughput>,
    pub approval_to_start_p50_ms: f64,
    pub approval_to_start_p99_ms: f64,
    pub latency_samples: usize,
    pub kills: usize,
    pub duplicate_syncs: u64,
    pub runs_without_sync: u64,
}

fn fail(what: &str) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::new(ErrorKind::Unavailable, format!("{what}: {e}"))
}

/// A calm simulator of `services` services moving on its own, Conductor installed.
async fn estate(services: usize) -> Result<(flightdeck_sim::Sim, Config), Failure> {
    let opts = flightdeck_sim::SimOptions {
        services,
        chaos: false,
        clock: flightdeck_sim::SimClock::Auto { tick: Duration::from_millis(20) },
        ..Default::default()
    };
    let sim = flightdeck_sim::Sim::start(opts).await.map_err(fail("cannot start the simulator"))?;
    let mut cfg = crate::session::config_for_sim(&sim);
    crate::session::conductor_for_sim(&sim, &mut cfg).await?;
    Ok((sim, cfg))
}

/// The example policy without its freeze windows (they follow the wall clock, and the
/// figures must not depend on the day the bench runs), committed to the simulator's remote.
fn policy_without_freezes(sim: &flightdeck_sim::Sim, scratch: &std::path::Path) -> Result<(), Failure> {
    let git = crate::client::git::Git::new().with_identity("Platform", "platform@example.com");
    let bare =
        sim.git_dir().ok_or_else(|| Failure::new(ErrorKind::Unavailable, "the simulator has no Git repository"))?;
    let work = scratch.join("policy-edit");
    let e = |e: crate::client::git::GitError| Failure::new(ErrorKind::Unavailable, e.to_string());
    git.run(scratch, &["clone", "-q", &bare.to_string_lossy(), &work.to_string_lossy()]).map_err(e)?;
    let text = std::fs::read_to_string(work.join("policy.toml")).map_err(fail("read policy.toml"))?;
    let cut = text.find("[[env.prod.freeze]]").unwrap_or(text.len());
    std::fs::write(work.join("policy.toml"), &text[..cut]).map_err(fail("write policy.toml"))?;
    git.run(&work, &["commit", "-q", "-am", "bench: no freeze windows"]).map_err(e)?;
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).map_err(e)?;
    Ok(())
}

/// A worker's handlers, as `flightdeck worker` builds them, each with its own Git clone.
fn handlers(cfg: &Config, scratch: &std::path::Path, id: &str) -> Result<Handlers, Failure> {
    let paths = LedgerPaths {
        cache_root: Some(scratch.join(format!("ledger-{id}"))),
        audit_dir: Some(scratch.join(format!("audit-{id}"))),
        ..Default::default()
    };
    let governance = crate::session::governance(cfg, None, paths)?;
    let conductor = governance
        .conductor()
        .map(|e| e.client().clone())
        .ok_or_else(|| Failure::new(ErrorKind::Usage, "no Conductor"))?;
    let argo = crate::client::credentials::clients(cfg, &Default::default()).map_err(|e| e.to_failure())?;
    Ok(Handlers {
        conductor,
        argo,
        governance,
        worker_id: id.into(),
        git_cache: Some(scratch.join(format!("git-{id}"))),
    })
}

/// `n` workers serving until the returned sender says stop.
fn start_workers(
    hs: Vec<Handlers>,
    concurrency: usize,
) -> (tokio::sync::watch::Sender<bool>, Vec<tokio::task::JoinHandle<()>>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let tasks = hs
        .into_iter()
        .map(|h| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let opts = WorkerOptions { concurrency, ..WorkerOptions::default() };
                let debug = std::env::var_os("FLIGHTDECK_BENCH_DEBUG").is_some();
                let log = Arc::new(move |line: String| {
                    if debug {
                        eprintln!("worker: {line}")
                    }
                });
                if let Err(f) = serve(h, opts, rx, log).await {
                    tracing::warn!(error = %f.message, "bench worker stopped");
                }
            })
        })
        .collect();
    (tx, tasks)
}

async fn stop(tx: tokio::sync::watch::Sender<bool>, tasks: Vec<tokio::task::JoinHandle<()>>) {
    let _ = tx.send(true);
    for t in tasks {
        let _ = t.await;
    }
}

fn status(sim: &flightdeck_sim::Sim, id: &str) -> String {
    sim.conductor().workflow_status(id).unwrap_or_default()
}

/// Wait until every execution in `ids` ended (or `limit` passed); how many completed.
async fn settle(sim: &flightdeck_sim::Sim, ids: &[String], limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    loop {
        let states: Vec<String> = ids.iter().map(|id| status(sim, id)).collect();
        if states.iter().all(|s| s != "RUNNING") || Instant::now() > deadline {
            return states.iter().filter(|s| *s == "COMPLETED").count();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn dave() -> UserInfo {
    UserInfo { username: "dave".into(), groups: vec!["developers".into()] }
}

/// One throughput round: `requests` promotions dev → staging, each to its own service and
/// version, served by `workers` workers.
async fn throughput(
    o: &ConductorBenchOptions,
    workers: usize,
    say: &mut dyn FnMut(String),
) -> Result<Throughput, Failure> {
    let scratch = tempfile_dir()?;
    let (sim, cfg) = estate(o.requests).await?;
    let engine: ConductorEngine =
        crate::session::conductor_engine(&cfg, None)?.ok_or_else(|| Failure::new(ErrorKind::Usage, "no Conductor"))?;
    let hs = (0..workers)
        .map(|i| handlers(&cfg, scratch.path(), &format!("w{workers}-{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let services: Vec<String> = sim.app_names(0).iter().map(|a| a.trim_end_matches("-dev").to_string()).collect();
    let (tx, tasks) = start_workers(hs, o.concurrency);
    let started = Instant::now();
    let mut ids = Vec::new();
    for (i, service) in services.iter().cycle().take(o.requests).enumerate() {
        let image = sim
            .app_json(0, &format!("{service}-dev"))
            .and_then(|a| a["status"]["summary"]["images"][0].as_str().map(str::to_string))
            .unwrap_or_default();
        let name = image.rsplit_once(':').map_or(image.as_str(), |(n, _)| n);
        let promotion = Promotion::new(service, "dev", "staging", vec![format!("{name}:v9.{workers}.{i}")]);
        let target = RunTarget {
            service: service.clone(),
            env: "staging".into(),
            app: format!("{service}-staging"),
            namespace: "argocd".into(),
            instance: "staging".into(),
        };
        ids.push(
            engine.start_run(&dave(), &target, &Action::Promote(Box::new(promotion)), &RunContext::default()).await?,
        );
    }
    let completed = settle(&sim, &ids, Duration::from_secs(120)).await;
    let seconds = started.elapsed().as_secs_f64();
    say(breakdown(&sim, &ids));
    stop(tx, tasks).await;
    sim.shutdown().await;
    let per_second = completed as f64 / seconds.max(1e-9);
    say(format!("{workers} worker(s): {completed}/{} promotions in {seconds:.1}s = {per_second:.2}/s", o.requests));
    Ok(Throughput { workers, requests: o.requests, completed, seconds, per_second })
}

/// Mean time per task (queued → done) over `ids`, and the first failure, for the progress lines.
fn breakdown(sim: &flightdeck_sim::Sim, ids: &[String]) -> String {
    let mut sums: std::collections::BTreeMap<String, (f64, f64, u32)> = Default::default();
    let mut failure = None;
    for id in ids {
        let Some(wf) = sim.conductor().workflow_json(id) else { continue };
        if wf["status"] != "COMPLETED" && failure.is_none() {
            let at = wf["tasks"]
                .as_array()
                .and_then(|ts| ts.last())
                .map(|t| format!("{} {} retry {}", t["referenceTaskName"], t["status"], t["retryCount"]))
                .unwrap_or_default();
            failure = Some(format!("{id}: {} {} at {at}", wf["status"], wf["reasonForIncompletion"]));
        }
        for t in wf["tasks"].as_array().into_iter().flatten() {
            let (sch, st, end) = (
                t["scheduledTime"].as_i64().unwrap_or(0),
                t["startTime"].as_i64().unwrap_or(0),
                t["endTime"].as_i64().unwrap_or(0),
            );
            let e = sums.entry(t["referenceTaskName"].as_str().unwrap_or("").to_string()).or_default();
            e.0 += (st - sch) as f64;
            e.1 += (end - st) as f64;
            e.2 += 1;
        }
    }
    let parts: Vec<String> = sums
        .iter()
        .map(|(k, (q, r, n))| format!("{k} wait {:.0} run {:.0} ms", q / f64::from(*n), r / f64::from(*n)))
        .collect();
    format!("{}{}", parts.join(" · "), failure.map(|f| format!("; first failure {f}")).unwrap_or_default())
}

/// Deciding approval → action start, `n` times (one approval each, sync in prod).
async fn latency(o: &ConductorBenchOptions, say: &mut dyn FnMut(String)) -> Result<Vec<f64>, Failure> {
    let scratch = tempfile_dir()?;
    let (sim, cfg) = estate(4).await?;
    policy_without_freezes(&sim, scratch.path())?;
    let engine =
        crate::session::conductor_engine(&cfg, None)?.ok_or_else(|| Failure::new(ErrorKind::Usage, "no Conductor"))?;
    let (tx, tasks) = start_workers(vec![handlers(&cfg, scratch.path(), "lat")?], o.concurrency);
    let service = sim.app_names(2)[0].trim_end_matches("-prod").to_string();
    let olga = UserInfo { username: "olga".into(), groups: vec!["sre".into()] };
    let alice = UserInfo { username: "alice".into(), groups: vec!["release-managers".into()] };
    let mut samples = Vec::new();
    for _ in 0..o.latency_samples {
        let mut req = Request::new(ActionKind::Restart, "prod");
        (req.ticket, req.reason) = (Some("BENCH".into()), Some("bench".into()));
        let action = Action::Restart {
            kind: "Deployment".into(),
            group: "apps".into(),
            name: service.clone(),
            namespace: service.clone(),
        };
        let body = crate::engine::RequestBody {
            payload: crate::engine::payload::payload_of(&action),
            from_env: None,
            policy: req,
            service: service.clone(),
            summary: "bench".into(),
            diff: Vec::new(),
        };
        let id = engine
            .start(&body, &olga, true, serde_json::json!({ "service": service, "env": "prod" }), Value::Null)
            .await?;
        let out = crate::engine::conductor::decision_output(&alice, true, None, chrono::Utc::now());
        let decided = sim.conductor().now_ms();
        engine.client().update_by_ref(&id, "approval__1", "COMPLETED", &out).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        let started = loop {
            let wf = sim.conductor().workflow_json(&id).unwrap_or(Value::Null);
            let deploy = wf["tasks"].as_array().and_then(|ts| {
                ts.iter()
                    .find(|t| t["referenceTaskName"] == "deploy" && t["startTime"].as_i64().unwrap_or(0) > 0)
                    .cloned()
            });
            if let Some(t) = deploy {
                break t["startTime"].as_i64().unwrap_or(decided);
            }
            if Instant::now() > deadline {
                return Err(Failure::new(ErrorKind::Timeout, format!("request {id} never started: {wf}")));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        samples.push((started - decided) as f64);
        settle(&sim, &[id], Duration::from_secs(60)).await;
    }
    stop(tx, tasks).await;
    sim.shutdown().await;
    say(format!("approval → start: {} samples", samples.len()));
    Ok(samples)
}

/// Kill a worker mid-task `n` times; (duplicate syncs, runs without a sync).
async fn kills(o: &ConductorBenchOptions, say: &mut dyn FnMut(String)) -> Result<(u64, u64), Failure> {
    let scratch = tempfile_dir()?;
    let (sim, cfg) = estate(o.kills.max(1)).await?;
    let engine =
        crate::session::conductor_engine(&cfg, None)?.ok_or_else(|| Failure::new(ErrorKind::Usage, "no Conductor"))?;
    let dying = handlers(&cfg, scratch.path(), "dying")?;
    let healthy = handlers(&cfg, scratch.path(), "healthy")?;
    let (mut duplicates, mut missing) = (0, 0);
    let apps = sim.app_names(0);
    for (i, app) in apps.iter().cycle().take(o.kills).enumerate() {
        let service = app.trim_end_matches("-dev").to_string();
        let before = sim.request_count(0, &format!("/api/v1/applications/{app}/sync"));
        let target = RunTarget {
            service,
            env: "dev".into(),
            app: app.clone(),
            namespace: "argocd".into(),
            instance: "dev".into(),
        };
        let sync = Action::Sync { prune: false, dry_run: false, force: false, apply_only: false };
        let id = engine.start_run(&dave(), &target, &sync, &RunContext::default()).await?;
        let taken =
            dying.conductor.batch_poll("flightdeck_argocd_action", "dying", None, 1, Duration::from_secs(5)).await?;
        if i % 2 == 0 {
            // Killed after the side effect, before reporting it.
            for t in &taken {
                let _ = dying.run(t).await;
            }
        }
        sim.conductor().advance(Duration::from_secs(31));
        let (tx, tasks) = start_workers(vec![healthy.clone()], o.concurrency);
        settle(&sim, std::slice::from_ref(&id), Duration::from_secs(60)).await;
        stop(tx, tasks).await;
        let syncs = sim.request_count(0, &format!("/api/v1/applications/{app}/sync")) - before;
        duplicates += syncs.saturating_sub(1);
        missing += u64::from(syncs == 0);
    }
    sim.shutdown().await;
    say(format!("{} kills: {duplicates} duplicate syncs, {missing} runs without a sync", o.kills));
    Ok((duplicates, missing))
}

fn tempfile_dir() -> Result<tempdir::Dir, Failure> {
    tempdir::Dir::new().map_err(fail("cannot make a scratch directory"))
}

/// Run every measurement.
pub async fn run(o: &ConductorBenchOptions, say: &mut dyn FnMut(String)) -> Result<ConductorFigures, Failure> {
    let mut rounds = Vec::new();
    for w in &o.workers {
        rounds.push(throughput(o, *w, say).await?);
    }
    let mut lat = latency(o, say).await?;
    let (duplicate_syncs, runs_without_sync) = kills(o, say).await?;
    let n = lat.len();
    let p = percentiles(&mut lat);
    Ok(ConductorFigures {
        throughput: rounds,
        approval_to_start_p50_ms: p.p50,
        approval_to_start_p99_ms: p.p99,
        latency_samples: n,
        kills: o.kills,
        duplicate_syncs,
        runs_without_sync,
    })
}

/// The figures as a table.
pub fn table(f: &ConductorFigures) -> String {
    let mut out = String::from("workers  requests  completed  seconds  promotions/s\n");
    for t in &f.throughput {
        out.push_str(&format!(
            "{:>7}  {:>8}  {:>9}  {:>7.1}  {:>12.2}\n",
            t.workers, t.requests, t.completed, t.seconds, t.per_second
        ));
    }
    out.push_str(&format!(
        "deciding approval → action start: p50 {:.0} ms, p99 {:.0} ms ({} samples)\n",
        f.approval_to_start_p50_ms, f.approval_to_start_p99_ms, f.latency_samples
    ));
    out.push_str(&format!(
        "worker killed mid-task {} times: {} duplicate Argo CD syncs, {} runs left without one\n",
        f.kills, f.duplicate_syncs, f.runs_without_sync
    ));
    out
}

/// A scratch directory removed on drop (no dev-dependency in product code).
mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> std::io::Result<Self> {
            let n =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let p = std::env::temp_dir().join(format!("flightdeck-bench-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&p)?;
            Ok(Self(p))
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
