//! flightdeck-sim: a loopback Argo CD. One listener hosts one Argo CD instance per environment,
//! each under its own root path (`/<env>`, like `--rootpath`), speaking the real REST contract
//! (see /work/shared/reference/argocd/API-NOTES.md) over a living, deterministic estate.
//!
//! Data flow: `estate` generates compact `model` structs → `state::Instance` owns them per env →
//! `life` moves them through sim time (timers run by `Sim::advance`) → every change is rendered
//! (`render`, `objects`) and pushed to watch connections; `http` serves the API. `probes`
//! stands for the services' own health endpoints (verification probes that fail on purpose).

mod auth;
mod autoscale;
pub mod conductor;
mod errors;
mod estate;
mod faults;
mod fields;
pub mod git;
mod http;
mod life;
mod lifecycle;
mod model;
mod objects;
mod patch;
mod podlogs;
mod probes;
mod render;
mod rng;
mod selector;
mod sizing;
mod state;
pub mod vault;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::state::{lock, Instance};

/// How simulated time moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimClock {
    /// Sim time follows real time, advanced every `tick`.
    Auto { tick: Duration },
    /// Sim time moves only through [`Sim::advance`] (for tests).
    Manual,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub services: usize,
    pub seed: u64,
    pub envs: Vec<String>,
    pub listen: SocketAddr,
    pub clock: SimClock,
    pub chaos: bool,
    /// Create the GitOps repository (a bare repo with every overlay) at start. Off for huge
    /// estates (benchmarks), whose Applications then point at a fixed URL nobody clones.
    pub git: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            services: 40,
            seed: 1,
            envs: vec!["dev".into(), "staging".into(), "prod".into()],
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: SimClock::Auto { tick: Duration::from_millis(200) },
            chaos: true,
            git: true,
        }
    }
}

/// One simulated Argo CD instance as a client should address it.
#[derive(Debug, Clone)]
pub struct SimInstance {
    pub name: String,
    pub env: String,
    pub base_url: String,
    pub token: String,
}

/// Per-instance state reachable from handlers and the public API.
pub(crate) struct Slot {
    pub env: String,
    pub base_url: String,
    pub secret: u64,
    pub inst: Mutex<Instance>,
    pub requests: Mutex<HashMap<String, u64>>,
    /// Pending injected failures: (remaining count, HTTP status).
    pub fail: Mutex<Option<(u32, u16)>>,
    /// Answer the resource-tree stream route 404 text/plain, as a server without it does.
    pub refuse_tree_streams: std::sync::atomic::AtomicBool,
    /// The other injected faults, and the record of writes received (`faults`).
    pub faults: faults::Faults,
}

pub(crate) struct Shared {
    pub slots: Vec<Slot>,
    pub nonce: std::sync::atomic::AtomicU64,
    pub advance_gate: tokio::sync::Mutex<()>,
    /// The GitOps repository the Applications point at (None when `git` is unavailable).
    pub git: Option<Arc<git::GitSide>>,
}

impl Shared {
    pub async fn advance(&self, d: Duration) {
        let _gate = self.advance_gate.lock().await;
        // Commits to the GitOps repository are seen on the next tick, as a refresh would.
        self.read_git().await;
        let d_ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4);
        for slot in &self.slots {
            let mut inst = lock(&slot.inst);
            let target = inst.now_ms.saturating_add(d_ms);
            inst.advance_to(target);
        }
    }
}

impl Shared {
    /// What a refresh asks of Argo CD's repo server: read the GitOps repository now, so an
    /// app whose overlay changed wants the new commit before the refresh answers (a sync
    /// right after a push deploys it, as with Argo CD).
    pub async fn refresh_git(&self) {
        let _gate = self.advance_gate.lock().await;
        self.read_git().await;
    }

    /// Apply the changes on `main` since the last read (callers hold the gate): the
    /// app-of-apps directory's manifests first (each on the instance serving its
    /// environment, else the first), then the overlays.
    async fn read_git(&self) {
        let Some(side) = self.git.clone() else { return };
        let changes = tokio::task::spawn_blocking(move || side.poll()).await.unwrap_or_default();
        for (pos, slot) in self.slots.iter().enumerate() {
            let mut inst = lock(&slot.inst);
            if let Some(apps) = &changes.apps {
                let here: Vec<&lifecycle::GitApp> =
                    apps.iter().filter(|g| self.instance_for(g.spec.env.as_deref()) == pos).collect();
                inst.sync_git_apps(&here);
            }
            for c in &changes.overlays {
                inst.follow_overlay(c);
            }
        }
    }

    /// The instance serving environment `env` (the first one when none does).
    fn instance_for(&self, env: Option<&str>) -> usize {
        env.and_then(|e| self.slots.iter().position(|s| s.env == e)).unwrap_or(0)
    }
}

/// A running simulator. Methods take `&self`; clone the `Arc` inside by sharing `&Sim`.
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Arc<Notify>,
    server: JoinHandle<()>,
    ticker: Option<JoinHandle<()>>,
    vault: Arc<vault::Vault>,
    conductor: Arc<conductor::Conductor>,
    sweeper: JoinHandle<()>,
    probes: Arc<probes::Probes>,
}

/// Who is connected to the simulated estate: the users with a watch stream open.
#[derive(Clone)]
pub struct Operators {
    shared: Arc<Shared>,
}

impl Operators {
    /// The users watching any instance now, each once, sorted.
    pub fn watching(&self) -> Vec<String> {
        let mut users: Vec<String> =
            self.shared.slots.iter().flat_map(|s| lock(&s.inst).watching_users()).map(str::to_string).collect();
        users.sort();
        users.dedup();
        users
    }

    /// One receiver per instance, told whenever the number of its watch streams changes (a
    /// console came or went; its streams on the instances close one by one).
    pub fn changes(&self) -> Vec<tokio::sync::watch::Receiver<usize>> {
        self.shared.slots.iter().map(|s| lock(&s.inst).watch_count.subscribe()).collect()
    }
}

impl Sim {
    pub async fn start(opts: SimOptions) -> std::io::Result<Sim> {
        let listener = tokio::net::TcpListener::bind(opts.listen).await?;
        let addr = listener.local_addr()?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64 * 1000)
            .unwrap_or(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let services = Arc::new(estate::services(opts.services, opts.seed));
        let n_env = opts.envs.len();
        let slots: Vec<Slot> = opts
            .envs
            .iter()
            .enumerate()
            .map(|(pos, env)| {
                let apps = estate::apps_for_env(&services, env, pos, n_env, opts.seed, now_ms);
                let inst_seed = rng::hash_bytes(opts.seed, env.as_bytes());
                let inst = Instance::new(env.clone(), services.clone(), apps, now_ms, inst_seed, opts.chaos);
                Slot {
                    env: env.clone(),
                    base_url: format!("http://{addr}/{env}"),
                    secret: rng::mix(rng::hash_bytes(opts.seed ^ nanos, env.as_bytes())),
                    inst: Mutex::new(inst),
                    requests: Mutex::new(HashMap::new()),
                    fail: Mutex::new(None),
                    refuse_tree_streams: std::sync::atomic::AtomicBool::new(false),
                    faults: faults::Faults::default(),
                }
            })
            .collect();
        let git = if opts.git { start_git(&slots, now_ms) } else { None };
        let shared = Arc::new(Shared {
            git,
            slots,
            nonce: std::sync::atomic::AtomicU64::new(nanos),
            advance_gate: tokio::sync::Mutex::new(()),
        });
        let vault = vault::Vault::new(addr, opts.seed ^ nanos);
        let conductor = conductor::Conductor::new(addr, opts.seed ^ nanos);
        let sweeper = conductor.spawn_sweeper();
        let probes = Arc::new(probes::Probes::default());
        let app = http::router(shared.clone())
            .merge(vault::router(vault.clone()))
            .merge(conductor.router())
            .merge(probes::router(probes.clone()));
        let stop = Arc::new(Notify::new());
        let stop_rx = stop.clone();
        let server = tokio::spawn(async move {
            // Argo CD is a Go server, and Go turns Nagle's algorithm off on every TCP
            // connection (`net.TCPConn.SetNoDelay`: "The default is true (no delay)"); with it
            // on, a watch event written right after another waits for the client's delayed
            // ACK, up to 40 ms, which no real Argo CD adds.
            let listener = listener.tap_io(|tcp| {
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY");
                }
            });
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                stop_rx.notified().await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "simulator server stopped");
            }
        });
        let ticker = match opts.clock {
            SimClock::Manual => None,
            SimClock::Auto { tick } => {
                let shared = shared.clone();
                let tick = tick.max(Duration::from_millis(1));
                Some(tokio::spawn(async move {
                    let mut every = tokio::time::interval(tick);
                    every.tick().await;
                    loop {
                        every.tick().await;
                        shared.advance(tick).await;
                    }
                }))
            }
        };
        Ok(Sim { shared, addr, stop, server, ticker, vault, conductor, sweeper, probes })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn instances(&self) -> Vec<SimInstance> {
        self.shared
            .slots
            .iter()
            .map(|s| {
                let now_secs = lock(&s.inst).now_ms / 1000;
                let nonce = self.shared.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                SimInstance {
                    name: format!("argocd-{}", s.env),
                    env: s.env.clone(),
                    base_url: s.base_url.clone(),
                    token: auth::issue(s.secret, "admin", now_secs, nonce),
                }
            })
            .collect()
    }

    /// The local users an outside client logs in as: `(name, password)`.
    pub fn users(&self) -> Vec<(&'static str, &'static str)> {
        auth::USERS.iter().map(|u| (u.name, u.password)).collect()
    }

    /// A session token for `user` (e.g. `alice`, `bob`, `dave`, `olga`) on `instance`;
    /// `None` when either is unknown.
    pub fn token_for(&self, instance: usize, user: &str) -> Option<String> {
        let s = self.slot(instance)?;
        auth::user(user)?;
        let now_secs = lock(&s.inst).now_ms / 1000;
        let nonce = self.shared.nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(auth::issue(s.secret, user, now_secs, nonce))
    }

    /// The simulated GitOps remote (`file://…` of a bare repository) the Applications point at.
    pub fn git_remote(&self) -> String {
        self.shared.git.as_ref().map(|g| g.url.clone()).unwrap_or_else(|| render::REPO_URL.to_string())
    }

    /// The bare repository's directory, if the simulator has one.
    pub fn git_dir(&self) -> Option<std::path::PathBuf> {
        self.shared.git.as_ref().map(|g| g.bare.clone())
    }

    fn slot(&self, instance: usize) -> Option<&Slot> {
        self.shared.slots.get(instance)
    }

    /// Run `f` on app `name` of `instance` (no-op when either is unknown).
    fn with_app(&self, instance: usize, name: &str, f: impl FnOnce(&mut Instance, usize)) {
        if let Some(slot) = self.slot(instance) {
            let mut inst = lock(&slot.inst);
            if let Some(idx) = inst.find(name) {
                f(&mut inst, idx);
            }
        }
    }

    pub fn app_names(&self, instance: usize) -> Vec<String> {
        let names = |inst: &Instance| -> Vec<String> {
            inst.apps.iter().filter(|a| !a.origin.deleted).map(|a| a.name.clone()).collect()
        };
        self.slot(instance).map(|s| names(&lock(&s.inst))).unwrap_or_default()
    }

    pub fn app_json(&self, instance: usize, name: &str) -> Option<serde_json::Value> {
        let slot = self.slot(instance)?;
        let inst = lock(&slot.inst);
        inst.find(name).map(|i| inst.render(i))
    }

    /// The workload's replicas of app `name`: (as Git says, as the cluster runs).
    pub fn replicas(&self, instance: usize, name: &str) -> Option<(u16, u16)> {
        let slot = self.slot(instance)?;
        let inst = lock(&slot.inst);
        inst.find(name).map(|i| (inst.apps[i].replicas, inst.apps[i].live_replicas))
    }

    /// The workload of app `name` as Git wants it (`live` false) or as it runs.
    pub fn workload_json(&self, instance: usize, name: &str, live: bool) -> Option<serde_json::Value> {
        let slot = self.slot(instance)?;
        let inst = lock(&slot.inst);
        inst.find(name).map(|i| objects::workload_obj(&inst.apps[i], inst.env_of(i), live))
    }

    /// The (min, max) of the autoscaler owning app `name`'s replicas, as last read from Git.
    pub fn bounds(&self, instance: usize, name: &str) -> Option<(u16, u16)> {
        let slot = self.slot(instance)?;
        let inst = lock(&slot.inst);
        inst.find(name).and_then(|i| inst.apps[i].bounds)
    }

    pub async fn advance(&self, d: Duration) {
        self.shared.advance(d).await;
    }

    pub fn fail_next(&self, instance: usize, count: u32, status: u16) {
        if let Some(slot) = self.slot(instance) {
            *lock(&slot.fail) = (count > 0).then_some((count, status));
        }
    }

    /// Make `instance` answer the resource-tree stream with 404 text/plain (a server without
    /// the route), so clients must fall back to one-shot GETs.
    pub fn refuse_tree_streams(&self, instance: usize, refuse: bool) {
        if let Some(slot) = self.slot(instance) {
            slot.refuse_tree_streams.store(refuse, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Every write `instance` received, in order, as `METHOD /path` (a GET with `refresh`
    /// counts: Argo CD writes the refresh annotation; logging in does not).
    pub fn writes(&self, instance: usize) -> Vec<String> {
        self.slot(instance).map(|s| state::lock(&s.faults.writes).clone()).unwrap_or_default()
    }

    /// The pushes that reached the GitOps repository (accepted or not), one line per ref:
    /// `old new ref`.
    pub fn git_pushes(&self) -> Vec<String> {
        self.shared.git.as_ref().map(|g| g.pushes()).unwrap_or_default()
    }

    /// The next `count` GETs on `instance` fail with `status` (a storm on reads); writes are
    /// answered as usual, so a test sees whether a client retries them.
    pub fn fail_next_gets(&self, instance: usize, count: u32, status: u16) {
        if let Some(slot) = self.slot(instance) {
            *state::lock(&slot.faults.fail_gets) = (count > 0).then_some((count, status));
        }
    }

    /// The next `count` writes (any method but GET) on `instance` fail with `status`; reads
    /// pass, so an action meets the failure in its middle, after what it read.
    pub fn fail_next_writes(&self, instance: usize, count: u32, status: u16) {
        if let Some(slot) = self.slot(instance) {
            *state::lock(&slot.faults.fail_writes) = (count > 0).then_some((count, status));
        }
    }

    /// Watch streams opened on `instance` from now on stay open and silent: no event, not
    /// even the SSE keep-alive (a proxy that swallows them, a server stuck).
    pub fn silence_watches(&self, instance: usize, silent: bool) {
        if let Some(slot) = self.slot(instance) {
            slot.faults.silent_watches.store(silent, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The next event on `instance`'s open watch streams is cut in its middle and the
    /// stream ends there (a connection dropped mid-write).
    pub fn cut_next_watch_event(&self, instance: usize) {
        if let Some(slot) = self.slot(instance) {
            slot.faults.cut_next_event.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Requests to `instance` whose path (below its root) starts with `path_prefix` get their
    /// headers only after `delay`; `None` ends it.
    pub fn slow_headers(&self, instance: usize, fault: Option<(&str, Duration)>) {
        if let Some(slot) = self.slot(instance) {
            *state::lock(&slot.faults.slow) =
                fault.map(|(p, delay)| faults::Slow { path_prefix: p.to_string(), delay });
        }
    }

    /// The bodies of GETs under `path_prefix` on `instance` trickle in, one byte per `every`.
    pub fn trickle_bodies(&self, instance: usize, fault: Option<(&str, Duration)>) {
        if let Some(slot) = self.slot(instance) {
            *state::lock(&slot.faults.trickle) = fault.map(|(p, every)| (p.to_string(), every));
        }
    }

    /// Merge `patch` (RFC 7386) into app `name`'s JSON wherever it is rendered (get, list,
    /// watch) and push it to the watchers: a wrong type in one item, a health or sync state
    /// Argo CD does not have yet. `Value::Null` removes the patch.
    pub fn patch_app_json(&self, instance: usize, name: &str, patch: serde_json::Value) {
        self.with_app(instance, name, |inst, i| {
            let key = inst.apps[i].name.clone();
            if patch.is_null() {
                inst.patches.remove(&key);
            } else {
                inst.patches.insert(key, patch);
            }
            let before = inst.before(i);
            inst.changed(i, before);
        });
    }

    pub fn drop_watches(&self, instance: usize) {
        if let Some(slot) = self.slot(instance) {
            lock(&slot.inst).drop_watchers();
        }
    }

    pub fn fail_next_sync(&self, instance: usize, app: &str, message: &str) {
        self.with_app(instance, app, |inst, i| inst.apps[i].fail_next_sync = Some(message.to_string()));
    }

    pub fn set_health(&self, instance: usize, app: &str, health: &str, message: &str) {
        let h = model::Health::parse(health).unwrap_or(model::Health::Unknown);
        self.with_app(instance, app, |inst, i| inst.set_health(i, h, message));
    }

    /// Like [`Sim::set_health`], and returns when the change was handed to the watch
    /// connections (stamped under the instance lock just before the broadcast), so a
    /// benchmark can measure event → frame. `None` when the instance or app is unknown.
    pub fn touch(&self, instance: usize, app: &str, health: &str, message: &str) -> Option<std::time::Instant> {
        let h = model::Health::parse(health).unwrap_or(model::Health::Unknown);
        let mut stamp = None;
        self.with_app(instance, app, |inst, i| {
            stamp = Some(std::time::Instant::now());
            inst.set_health(i, h, message);
        });
        stamp
    }

    pub fn set_out_of_sync(&self, instance: usize, app: &str) {
        self.with_app(instance, app, |inst, i| inst.drift(i));
    }

    /// `http://ADDR/probe/{env}/{service}` answers `status` from now on (200 until set): a
    /// verification probe that passes or fails on purpose.
    pub fn set_probe(&self, env: &str, service: &str, status: u16) {
        self.probes.set(env, service, status);
    }

    /// The URL of `env`/`service`'s probe.
    pub fn probe_url(&self, env: &str, service: &str) -> String {
        format!("http://{}/probe/{env}/{service}", self.addr)
    }

    pub fn set_auto_sync(&self, instance: usize, app: &str, on: bool) {
        self.with_app(instance, app, |inst, i| inst.set_auto_sync(i, on));
    }

    pub fn request_count(&self, instance: usize, path_prefix: &str) -> u64 {
        self.slot(instance)
            .map(|s| lock(&s.requests).iter().filter(|(p, _)| p.starts_with(path_prefix)).map(|(_, n)| *n).sum())
            .unwrap_or(0)
    }

    pub fn watch_count(&self, instance: usize) -> usize {
        self.slot(instance).map(|s| lock(&s.inst).live_watchers()).unwrap_or(0)
    }

    /// Who has the estate open: a handle that outlives this borrow (the demo's console asks
    /// it whenever a console comes or goes).
    pub fn operators(&self) -> Operators {
        Operators { shared: self.shared.clone() }
    }

    pub async fn wait_watchers(&self, instance: usize, n: usize) {
        let Some(slot) = self.slot(instance) else { return };
        let mut rx = lock(&slot.inst).watch_count.subscribe();
        // The sender lives as long as the instance, so this only errors on shutdown.
        let _ = rx.wait_for(|c| *c >= n).await;
    }

    /// Wait until `n` resource-tree streams are open on `instance`.
    pub async fn wait_tree_watchers(&self, instance: usize, n: usize) {
        let Some(slot) = self.slot(instance) else { return };
        let mut rx = lock(&slot.inst).tree_watch_count.subscribe();
        // The sender lives as long as the instance, so this only errors on shutdown.
        let _ = rx.wait_for(|c| *c >= n).await;
    }

    /// The simulated Vault's address (`VAULT_ADDR`): the same listener, routes under `/v1`.
    pub fn vault_addr(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A root token of the simulated Vault (reads everything, never expires).
    pub fn vault_root_token(&self) -> String {
        self.vault.root_token.clone()
    }

    /// Store a new version of the KV v2 secret `mount`/`path` (the mount is created if new).
    pub fn vault_put_secret<K: Into<String>, V: Into<String>>(
        &self,
        mount: &str,
        path: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) {
        self.vault.put_secret(mount, path, data);
    }

    /// Seal or unseal the simulated Vault (sealed: 503 "Vault is sealed" everywhere).
    pub fn vault_seal(&self, sealed: bool) {
        self.vault.seal(sealed);
    }

    /// A token that may read API paths under each of `allowed` (e.g. `secret/data/argocd/`),
    /// valid for `ttl_secs`.
    pub fn vault_create_token(&self, allowed: &[&str], ttl_secs: u64, renewable: bool) -> String {
        let allowed = allowed.iter().map(|a| a.to_string()).collect();
        self.vault.issue(allowed, vec!["default".into()], ttl_secs, renewable, "auth/token/create").0
    }

    pub fn vault_expire_token(&self, token: &str) {
        self.vault.expire_token(token);
    }

    /// Expire every token issued by an AppRole or Kubernetes login.
    pub fn vault_expire_logins(&self) {
        self.vault.expire_logins();
    }

    pub fn vault_set_token_ttl(&self, token: &str, secs_left: u64) {
        self.vault.set_ttl(token, secs_left);
    }

    pub fn vault_token_ttl(&self, token: &str) -> Option<i64> {
        self.vault.ttl_left(token)
    }

    /// The AppRole `(role_id, secret_id)` that logs in (mount `approle`).
    pub fn vault_approle(&self) -> (String, String) {
        (self.vault.role_id.clone(), self.vault.secret_id.clone())
    }

    /// The Kubernetes `(role, jwt)` that logs in (mount `kubernetes`).
    pub fn vault_kubernetes(&self) -> (String, String) {
        (self.vault.k8s_role.clone(), self.vault.k8s_jwt.clone())
    }

    /// Answer the next Vault request with a 307 to another host name of this listener.
    pub fn vault_redirect_next(&self) {
        self.vault.redirect_next();
    }

    /// Tokens that arrived at the redirect target (must stay empty).
    pub fn vault_trap_tokens(&self) -> Vec<String> {
        self.vault.trap_tokens()
    }

    /// Vault requests whose path (after `/v1/`) starts with `prefix`.
    pub fn vault_request_count(&self, prefix: &str) -> u64 {
        self.vault.request_count(prefix)
    }

    /// The `X-Vault-Namespace` header of the last request that had one.
    pub fn vault_last_namespace(&self) -> Option<String> {
        self.vault.last_namespace()
    }

    /// The simulated Conductor on this listener (API under `/api`).
    pub fn conductor(&self) -> &conductor::Conductor {
        &self.conductor
    }

    pub async fn shutdown(self) {
        self.sweeper.abort();
        if let Some(t) = &self.ticker {
            t.abort();
        }
        // Stop accepting first, then end every stream: a client reconnecting in between
        // would otherwise register a watch nothing ends (connection tasks outlive the
        // server's), and its keep-alives would look live for ever.
        self.stop.notify_one();
        let drop_all = |shared: &Shared| {
            for slot in &shared.slots {
                lock(&slot.inst).drop_watchers();
            }
        };
        drop_all(&self.shared);
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(5), &mut server).await.is_err() {
            server.abort();
        }
        drop_all(&self.shared);
    }
}

/// Create the GitOps repository with every app's overlay at its desired version and point
/// the instances at it. Without a usable `git` the simulator still runs, on the fixed URL.
fn start_git(slots: &[Slot], now_ms: i64) -> Option<Arc<git::GitSide>> {
    let mut files = Vec::new();
    for slot in slots {
        let inst = lock(&slot.inst);
        for (i, app) in inst.apps.iter().enumerate() {
            let svc = inst.svc(i);
            let image = render::image(svc, app.head_ver);
            let name = image.rsplit_once(':').map(|(n, _)| n).unwrap_or(&image);
            let mut kustomization = git::kustomization(&svc.name, name, &app.head_ver.tag());
            if let Some(scaler) = svc.scaler {
                kustomization.push_str(&autoscale::kustomization_lines(scaler));
                let path = format!("apps/{}/overlays/{}/{}", svc.name, slot.env, scaler.file());
                files.push((path, autoscale::overlay_file(svc, scaler)));
            }
            files.push((git::overlay_path(&svc.name, &slot.env), kustomization));
        }
    }
    match git::GitSide::create(&files, now_ms / 1000) {
        Ok(side) => {
            for slot in slots {
                lock(&slot.inst).repo_url = side.url.clone();
            }
            Some(Arc::new(side))
        }
        Err(e) => {
            tracing::warn!(error = %e, "simulator runs without a GitOps repository");
            None
        }
    }
}
