//! Shared helpers for the integration tests: a simulator-backed config and a PTY harness.

#![allow(dead_code)]

pub mod conductor;
pub mod pty;

use std::path::{Path, PathBuf};

use flightdeck::config::{self, Config};
use flightdeck_sim::{Sim, SimClock, SimOptions};

/// A small deterministic xorshift, so a failure of a randomised test can be replayed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A calm simulator with a manual clock: nothing happens unless the test advances time.
pub async fn calm_sim(services: usize) -> Sim {
    Sim::start(SimOptions { services, chaos: false, clock: SimClock::Manual, ..Default::default() })
        .await
        .expect("start the simulator")
}

/// A Flightdeck config pointing at the simulator, one instance per environment (the same
/// one `flightdeck demo` and `flightdeck sim` use).
pub fn sim_config(sim: &Sim) -> Config {
    flightdeck::session::config_for_sim(sim)
}

/// Write the config for `sim` into `dir` and return its path.
pub fn write_sim_config(sim: &Sim, dir: &Path) -> PathBuf {
    let path = dir.join("flightdeck.toml");
    config::write_file(&path, &sim_config(sim)).expect("write config");
    path
}

/// The service of an app named `{service}-{env}`.
pub fn service_of(app: &str, env: &str) -> String {
    app.strip_suffix(&format!("-{env}")).unwrap_or(app).to_string()
}

/// Commit to the simulator's repository a policy without freeze windows: the example freezes
/// prod on Friday evenings and weekends by the wall clock, which a test must not depend on
/// (freezes have their own tests in `policy_decide.rs`). `scratch` holds the editing clone.
pub fn commit_policy_without_freezes(sim: &Sim, scratch: &Path) {
    let git = flightdeck::client::git::Git::new().with_identity("Platform", "platform@example.com");
    let bare = sim.git_dir().expect("the simulator has a repository");
    let work = scratch.join("policy-edit");
    git.run(scratch, &["clone", "-q", bare.to_str().unwrap(), work.to_str().unwrap()]).unwrap();
    let policy = std::fs::read_to_string(work.join("policy.toml")).unwrap();
    let cut = policy.find("[[env.prod.freeze]]").expect("the example has a freeze");
    let head = policy[..cut].rsplit_once("\n\n").map_or(&policy[..cut], |(h, _)| h);
    std::fs::write(work.join("policy.toml"), format!("{head}\n")).unwrap();
    git.run(&work, &["commit", "-q", "-am", "policy: no freeze windows in this test"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

/// Commit a policy without freezes whose staging names one HTTP check, `smoke`, probing the
/// simulator's per-deployment endpoint.
pub fn commit_policy_with_a_staging_check(sim: &Sim, scratch: &Path) {
    commit_policy_without_freezes(sim, scratch);
    let git = flightdeck::client::git::Git::new().with_identity("Platform", "platform@example.com");
    let work = scratch.join("policy-edit");
    git.run(&work, &["pull", "-q", "origin", "main"]).unwrap();
    let mut policy = std::fs::read_to_string(work.join("policy.toml")).unwrap();
    let url = sim.probe_url("{env}", "{service}");
    policy.push_str(&format!("\n[[env.staging.check]]\nname = \"smoke\"\nhttp = \"{url}\"\ntimeout = \"5s\"\n"));
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    git.run(&work, &["commit", "-q", "-am", "policy: staging verifies a smoke probe"]).unwrap();
    git.run(&work, &["push", "-q", "origin", "HEAD:main"]).unwrap();
}

/// Safety net for one run of the binary (a real failure shows as a timeout, not a hang).
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// One operator's config: the simulator's estate, logged in as `user` on every instance,
/// written to `<home>/<user>.toml`.
pub fn operator_config(sim: &Sim, home: &Path, user: &str) -> PathBuf {
    let mut cfg = sim_config(sim);
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        let token = sim.token_for(i, user).expect("demo user exists");
        inst.auth = flightdeck::config::Auth::Token(flightdeck::config::Secret::new(token));
    }
    let path = home.join(format!("{user}.toml"));
    config::write_file(&path, &cfg).expect("write config");
    path
}

/// `flightdeck --config <home>/<user>.toml ARGS` with a clean environment under `home` (shared
/// by the operators: one cache, one audit directory, as on a shared jump host).
pub async fn run_as(home: &Path, user: &str, args: &[&str]) -> std::process::Output {
    let mut c = command(&home.join(format!("{user}.toml")), home, args);
    c.env("GIT_AUTHOR_NAME", user)
        .env("GIT_AUTHOR_EMAIL", format!("{user}@example.com"))
        .env("GIT_COMMITTER_NAME", user)
        .env("GIT_COMMITTER_EMAIL", format!("{user}@example.com"));
    finish(c).await
}

/// `flightdeck --config <cfg> ARGS` as a script runs it: no terminal, a clean environment
/// under `home` (state, cache, data and the completion names there too).
pub fn command(cfg: &Path, home: &Path, args: &[&str]) -> std::process::Command {
    use std::process::{Command, Stdio};
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.arg("--config").arg(cfg).args(args);
    c.env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Run `c` to its end (within [`RUN_LIMIT`]).
pub async fn finish(mut c: std::process::Command) -> std::process::Output {
    let out = tokio::task::spawn_blocking(move || c.output());
    tokio::time::timeout(RUN_LIMIT, out).await.expect("flightdeck finishes").expect("join").expect("runs")
}

/// The real binary with `--config cfg` and `args`, in a clean environment under `home` with a
/// git identity (dave's), stdin closed and output captured.
pub fn headless(cfg: &Path, home: &Path, args: &[&str]) -> std::process::Command {
    use std::process::Stdio;
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.arg("--config").arg(cfg).args(args);
    c.env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("GIT_AUTHOR_NAME", "Dave")
        .env("GIT_AUTHOR_EMAIL", "dave@example.com")
        .env("GIT_COMMITTER_NAME", "Dave")
        .env("GIT_COMMITTER_EMAIL", "dave@example.com")
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// Run `c` while advancing the simulator's clock, for commands that follow an operation
/// (`--wait`, `logs --follow`): once `watchers` watch streams are open on `instance` (0 when
/// the command does not watch), time moves in 500 ms steps until the command ends.
pub async fn finish_advancing(
    sim: &Sim,
    instance: usize,
    watchers: usize,
    c: std::process::Command,
) -> std::process::Output {
    let mut c = c;
    let child = c.spawn().expect("spawn flightdeck");
    if watchers > 0 {
        tokio::time::timeout(RUN_LIMIT, sim.wait_watchers(instance, watchers)).await.expect("the command watches");
    }
    let waiter = tokio::task::spawn_blocking(move || child.wait_with_output());
    let deadline = tokio::time::Instant::now() + RUN_LIMIT;
    while !waiter.is_finished() {
        assert!(tokio::time::Instant::now() < deadline, "flightdeck finishes");
        sim.advance(std::time::Duration::from_millis(500)).await;
        tokio::task::yield_now().await;
    }
    waiter.await.expect("join").expect("runs")
}

/// stdout or stderr as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A dev app whose workload is an Argo Rollout, if the estate has one.
pub fn rollout_app(sim: &Sim, instance: usize) -> Option<String> {
    let mut names = sim.app_names(instance);
    names.sort();
    names.into_iter().find(|n| {
        sim.app_json(instance, n)
            .and_then(|a| a.pointer("/status/resources").and_then(|r| r.as_array()).cloned())
            .is_some_and(|r| r.iter().any(|x| x["kind"] == "Rollout"))
    })
}

/// A calm estate, its config, and one dev service (`{service}-dev`), sorted for stability.
pub async fn estate(services: usize) -> (flightdeck_sim::Sim, tempfile::TempDir, std::path::PathBuf, String) {
    let sim = calm_sim(services).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let service = service_of(&names[0], "dev");
    (sim, home, cfg, service)
}

/// Poll simulated Conductor execution `id` until `done` holds (a real deadline, no sleep
/// waits a result out); the execution as `GET /api/workflow/{id}` shows it.
pub async fn wait_for_workflow(
    sim: &Sim,
    id: &str,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let wf = sim.conductor().workflow_json(id).expect("execution exists");
        if done(&wf) {
            return wf;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {wf:#}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The latest task of execution `wf` with reference name `reference` (null when none).
pub fn workflow_task<'a>(wf: &'a serde_json::Value, reference: &str) -> &'a serde_json::Value {
    static NULL: serde_json::Value = serde_json::Value::Null;
    wf["tasks"].as_array().and_then(|ts| ts.iter().rev().find(|t| t["referenceTaskName"] == reference)).unwrap_or(&NULL)
}

/// The first app (sorted) of `instance` with auto-sync on and, with `self_heal`, self-heal,
/// a Deployment and health Healthy too; its name and its service in `env`.
pub fn auto_synced_app(sim: &Sim, instance: usize, env: &str, self_heal: bool) -> (String, String) {
    let mut names = sim.app_names(instance);
    names.sort();
    let app = names
        .into_iter()
        .find(|n| {
            let a = sim.app_json(instance, n).unwrap();
            let heal = a.pointer("/spec/syncPolicy/automated/selfHeal").and_then(|v| v.as_bool()) == Some(true);
            let deployment =
                a["status"]["resources"].as_array().is_some_and(|r| r.iter().any(|x| x["kind"] == "Deployment"));
            let healthy = a["status"]["health"]["status"] == "Healthy";
            a.pointer("/spec/syncPolicy/automated").is_some() && (!self_heal || (heal && deployment && healthy))
        })
        .expect("an app with auto-sync");
    let service = service_of(&app, env);
    (app, service)
}
