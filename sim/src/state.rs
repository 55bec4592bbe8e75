//! Per-instance mutable state: the apps, the sim clock, pending timers, the resourceVersion
//! counter, and the registry of open watch connections that every change is pushed to.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::{mpsc, watch};

use crate::model::{App, AppEvent, Health, Service};
use crate::render::{self, Env};
use crate::rng::Rng;
use crate::selector::Selector;

/// Argo CD's default `ARGOCD_WATCH_API_BUFFER_SIZE`: events beyond it are dropped.
pub const WATCH_BUFFER: usize = 1000;

/// Lock ignoring poisoning: a panicked handler must not wedge the simulator.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Something due at a sim time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimerKind {
    FinishOp(u64),
    Healthy(u32),
    Recover(u32),
    AutoSync,
    Chaos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timer {
    pub due_ms: i64,
    pub seq: u64,
    pub app: usize,
    pub kind: TimerKind,
}

/// Query filters shared by list and watch.
#[derive(Debug, Clone, Default)]
pub struct AppFilter {
    pub name: Option<String>,
    pub projects: Vec<String>,
    pub selector: Selector,
    pub repo: Option<String>,
    pub app_namespace: Option<String>,
}

impl AppFilter {
    pub fn matches(&self, app: &App, svc: &Service, env: &str, repo_url: &str) -> bool {
        if app.origin.deleted {
            return false;
        }
        let env = app.origin.env_label.as_deref().unwrap_or(env);
        if self.name.as_deref().is_some_and(|n| n != app.name) {
            return false;
        }
        if !self.projects.is_empty() && !self.projects.iter().any(|p| *p == svc.team) {
            return false;
        }
        if self.repo.as_deref().is_some_and(|r| r != repo_url) {
            return false;
        }
        if self.app_namespace.as_deref().is_some_and(|ns| ns != render::APP_NAMESPACE) {
            return false;
        }
        let labels: BTreeMap<&str, &str> = [
            ("app.kubernetes.io/name", svc.name.as_str()),
            ("app.kubernetes.io/environment", env),
            ("team", &*svc.team),
        ]
        .into_iter()
        .collect();
        self.selector.matches(&labels)
    }
}

/// One change pushed to a watch connection.
#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub kind: &'static str,
    pub name: String,
    pub rv: u64,
    pub app: Arc<Value>,
}

pub struct Watcher {
    pub id: u64,
    pub tx: mpsc::Sender<WatchEvent>,
    pub filter: AppFilter,
    /// Who opened it (the demo shows which operators are connected).
    pub user: &'static str,
}

/// A resource-tree stream of one app: gets the whole tree after every change of the app.
pub struct TreeWatcher {
    pub id: u64,
    pub app: String,
    pub tx: mpsc::Sender<Arc<Value>>,
}

/// Health and sync before a mutation, to emit ResourceUpdated events for transitions.
#[derive(Debug, Clone, Copy)]
pub struct Before {
    health: Health,
    out_of_sync: bool,
}

pub struct Instance {
    pub env: String,
    pub services: Arc<Vec<Service>>,
    pub apps: Vec<App>,
    pub index: HashMap<String, usize>,
    pub now_ms: i64,
    pub rv: u64,
    pub timers: BinaryHeap<Reverse<Timer>>,
    pub timer_seq: u64,
    pub rng: Rng,
    pub op_seq: u64,
    pub event_seq: u64,
    pub watchers: Vec<Watcher>,
    pub next_watcher: u64,
    pub watch_count: watch::Sender<usize>,
    pub tree_watchers: Vec<TreeWatcher>,
    /// Open resource-tree streams (tests wait on it before changing an app).
    pub tree_watch_count: watch::Sender<usize>,
    /// Where the Applications' desired state lives (`spec.source.repoURL`).
    pub repo_url: String,
    /// Revision id → the real commit, for revisions read from the GitOps repository.
    pub commits: HashMap<u64, String>,
    /// Injected JSON merge patches per app name, applied to every rendering (`faults`).
    pub patches: HashMap<String, Value>,
}

impl Instance {
    pub fn new(
        env: String,
        services: Arc<Vec<Service>>,
        apps: Vec<App>,
        now_ms: i64,
        seed: u64,
        chaos: bool,
    ) -> Instance {
        let index = apps.iter().enumerate().map(|(i, a)| (a.name.clone(), i)).collect();
        let (watch_count, _) = watch::channel(0);
        let (tree_watch_count, _) = watch::channel(0);
        let mut inst = Instance {
            env,
            services,
            apps,
            index,
            now_ms,
            rv: 1,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            rng: Rng::new(seed),
            op_seq: 0,
            event_seq: 0,
            watchers: Vec::new(),
            next_watcher: 1,
            watch_count,
            tree_watchers: Vec::new(),
            tree_watch_count,
            repo_url: render::REPO_URL.to_string(),
            commits: HashMap::new(),
            patches: HashMap::new(),
        };
        // Every app starts at the instance's initial resourceVersion.
        inst.rv = 1;
        if chaos && !inst.apps.is_empty() {
            let first = inst.rng.range(15_000, 30_000) as i64;
            inst.schedule(first, usize::MAX, crate::state::TimerKind::Chaos);
        }
        inst
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    pub fn svc(&self, idx: usize) -> &Service {
        &self.services[self.apps[idx].svc as usize]
    }

    /// Full Application JSON of app `idx`.
    pub fn render(&self, idx: usize) -> Value {
        let app = &self.apps[idx];
        let mut json = render::application(app, self.env_of(idx));
        if let Some(patch) = self.patches.get(&app.name) {
            crate::patch::merge_patch(&mut json, patch);
        }
        json
    }

    pub fn env_of(&self, idx: usize) -> Env<'_> {
        let origin = &self.apps[idx].origin;
        Env {
            svc: &self.services[self.apps[idx].svc as usize],
            env: origin.env_label.as_deref().unwrap_or(&self.env),
            path: origin.path.as_deref(),
            namespace: origin.namespace.as_deref(),
            repo: &self.repo_url,
            commits: &self.commits,
        }
    }

    pub fn schedule(&mut self, after_ms: i64, app: usize, kind: TimerKind) {
        self.timer_seq += 1;
        self.timers.push(Reverse(Timer { due_ms: self.now_ms + after_ms, seq: self.timer_seq, app, kind }));
    }

    pub fn before(&self, idx: usize) -> Before {
        let a = &self.apps[idx];
        Before { health: a.health, out_of_sync: a.out_of_sync() }
    }

    pub fn event(&mut self, idx: usize, reason: &'static str, message: String, warning: bool) {
        self.event_seq += 1;
        let ev = AppEvent {
            seq: self.event_seq,
            reason,
            message,
            warning,
            at_ms: self.now_ms,
            component: if reason == "ResourceUpdated" || reason == "OperationCompleted" {
                "argocd-application-controller"
            } else {
                "argocd-server"
            },
        };
        self.apps[idx].push_event(ev);
    }

    /// Record a change of app `idx`: transition events, auto-sync scheduling, new
    /// resourceVersion, and a MODIFIED event to every matching watcher.
    pub fn changed(&mut self, idx: usize, before: Before) {
        let (health, oos) = (self.apps[idx].health, self.apps[idx].out_of_sync());
        if before.out_of_sync != oos {
            let s = |b: bool| if b { "OutOfSync" } else { "Synced" };
            let msg = format!("Updated sync status: {} -> {}", s(before.out_of_sync), s(oos));
            self.event(idx, "ResourceUpdated", msg, false);
        }
        if before.health != health {
            let msg = format!("Updated health status: {} -> {}", before.health.as_str(), health.as_str());
            self.event(idx, "ResourceUpdated", msg, false);
        }
        let app = &self.apps[idx];
        if app.auto_sync && oos && !app.op_in_flight() && !app.autosync_due {
            self.apps[idx].autosync_due = true;
            // Argo CD's controller notices drift on its next reconcile; ~1 s here.
            self.schedule(1000, idx, TimerKind::AutoSync);
        }
        self.rv += 1;
        let now = self.now_ms;
        let app = &mut self.apps[idx];
        app.rv = self.rv;
        app.reconciled_ms = now;
        self.broadcast(idx, "MODIFIED");
    }

    /// Push the current state of app `idx` to matching watchers (dropping when a buffer is full).
    pub fn broadcast(&mut self, idx: usize, kind: &'static str) {
        self.broadcast_tree(idx);
        let before = self.watchers.len();
        self.watchers.retain(|w| !w.tx.is_closed());
        if self.watchers.len() != before {
            self.watch_count.send_replace(self.watchers.len());
        }
        let app = &self.apps[idx];
        let svc = &self.services[app.svc as usize];
        let targets: Vec<usize> = self
            .watchers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.filter.matches(app, svc, &self.env, &self.repo_url))
            .map(|(i, _)| i)
            .collect();
        if targets.is_empty() {
            return;
        }
        let ev = WatchEvent { kind, name: app.name.clone(), rv: app.rv, app: Arc::new(self.render(idx)) };
        for i in targets {
            // try_send: a full per-connection buffer drops the event, as Argo CD does.
            let _ = self.watchers[i].tx.try_send(ev.clone());
        }
    }

    /// Register a watch connection; returns its id and receiver.
    pub fn add_watcher(&mut self, filter: AppFilter, user: &'static str) -> (u64, mpsc::Receiver<WatchEvent>) {
        let (tx, rx) = mpsc::channel(WATCH_BUFFER);
        let id = self.next_watcher;
        self.next_watcher += 1;
        self.watchers.retain(|w| !w.tx.is_closed());
        self.watchers.push(Watcher { id, tx, filter, user });
        self.watch_count.send_replace(self.watchers.len());
        (id, rx)
    }

    /// The users with a watch stream open, each once, sorted.
    pub fn watching_users(&self) -> Vec<&'static str> {
        let mut users: Vec<&'static str> = self.watchers.iter().filter(|w| !w.tx.is_closed()).map(|w| w.user).collect();
        users.sort_unstable();
        users.dedup();
        users
    }

    pub fn remove_watcher(&mut self, id: u64) {
        self.watchers.retain(|w| w.id != id && !w.tx.is_closed());
        self.watch_count.send_replace(self.watchers.len());
    }

    pub fn drop_watchers(&mut self) {
        self.watchers.clear();
        self.watch_count.send_replace(0);
        self.tree_watchers.clear();
        self.tree_watch_count.send_replace(0);
    }

    /// The app's tree to each of its resource-tree streams (dropped when a buffer is full,
    /// like app events: the next change sends the whole tree again).
    fn broadcast_tree(&mut self, idx: usize) {
        let name = &self.apps[idx].name;
        if !self.tree_watchers.iter().any(|w| &w.app == name) {
            return;
        }
        let tree = Arc::new(crate::objects::tree(&self.apps[idx], self.env_of(idx)));
        for w in self.tree_watchers.iter().filter(|w| &w.app == name) {
            let _ = w.tx.try_send(tree.clone());
        }
    }

    /// Register a resource-tree stream of app `app`; returns its id and receiver.
    pub fn add_tree_watcher(&mut self, app: &str) -> (u64, mpsc::Receiver<Arc<Value>>) {
        let (tx, rx) = mpsc::channel(WATCH_BUFFER);
        let id = self.next_watcher;
        self.next_watcher += 1;
        self.tree_watchers.retain(|w| !w.tx.is_closed());
        self.tree_watchers.push(TreeWatcher { id, app: app.to_string(), tx });
        self.tree_watch_count.send_replace(self.tree_watchers.len());
        (id, rx)
    }

    pub fn remove_tree_watcher(&mut self, id: u64) {
        self.tree_watchers.retain(|w| w.id != id && !w.tx.is_closed());
        self.tree_watch_count.send_replace(self.tree_watchers.len());
    }

    pub fn live_watchers(&mut self) -> usize {
        self.watchers.retain(|w| !w.tx.is_closed());
        self.watch_count.send_replace(self.watchers.len());
        self.watchers.len()
    }
}
