//! Application lifecycle: create, update and delete an app on one instance, from an
//! Application manifest sent to `POST /api/v1/applications` or committed under the
//! repository's app-of-apps directory ([`crate::git::APPS_DIR`]).
//!
//! App-of-apps, honestly simplified: real Argo CD has a parent Application whose source path
//! holds the child manifests; syncing the parent applies them and (with prune) deletes the
//! children whose files are gone. The simulator acts as if such a parent existed on `main`
//! with automated sync and prune on, reading the directory on its Git poll; the parent itself
//! is not listed (every estate would otherwise grow a row), and the child lands on the
//! instance serving its environment label (or the first instance when none does), where a
//! real estate would name the destination cluster.
//!
//! Deleting leaves a tombstone (`Origin::deleted`): timers hold indices into `apps`.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::Value;

use crate::git::{rev_of, OverlayChange};
use crate::model::{App, Health, Origin, RolloutPhase, Service, Ver};
use crate::rng::{hash_bytes, mix};
use crate::state::{Instance, TimerKind};

/// The labels the simulator's estate reads a service and environment from (the product's
/// default mapping, PRODUCT.md).
pub const SERVICE_LABEL: &str = "app.kubernetes.io/name";
pub const ENV_LABEL: &str = "app.kubernetes.io/environment";

/// What the simulator keeps of an Application manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub name: String,
    /// `app.kubernetes.io/name`, else the app's name.
    pub service: String,
    /// `app.kubernetes.io/environment`, if labelled.
    pub env: Option<String>,
    /// `spec.project`, which the simulator's estate equates with the owning team.
    pub project: String,
    pub path: String,
    pub namespace: String,
    pub auto_sync: bool,
    pub self_heal: bool,
    pub prune: bool,
}

/// One manifest read from Git with the overlay its path names at the same commit.
#[derive(Debug, Clone)]
pub struct GitApp {
    pub file: String,
    pub spec: AppSpec,
    pub desired: Option<OverlayChange>,
}

impl AppSpec {
    /// Read an Application (JSON value of `v1alpha1Application`). Errors are the text of an
    /// InvalidArgument answer.
    pub fn from_json(app: &Value) -> Result<AppSpec, String> {
        let s = |v: &Value| v.as_str().unwrap_or("").to_string();
        if let Some(kind) = app["kind"].as_str().filter(|k| *k != "Application") {
            return Err(format!("kind {kind:?} is not an Application"));
        }
        let name = s(&app["metadata"]["name"]);
        if name.is_empty() {
            return Err("application name is required".into());
        }
        let labels = &app["metadata"]["labels"];
        let spec = &app["spec"];
        let source = &spec["source"];
        if source.is_null() {
            return Err("spec.source is required".into());
        }
        let path = s(&source["path"]).trim_end_matches('/').to_string();
        let service = labels[SERVICE_LABEL].as_str().unwrap_or(&name).to_string();
        let automated = &spec["syncPolicy"]["automated"];
        let auto_sync = automated.is_object() && automated["enabled"].as_bool() != Some(false);
        Ok(AppSpec {
            env: labels[ENV_LABEL].as_str().map(str::to_string),
            project: Some(s(&spec["project"])).filter(|p| !p.is_empty()).unwrap_or_else(|| "default".into()),
            namespace: Some(s(&spec["destination"]["namespace"])).filter(|n| !n.is_empty()).unwrap_or(service.clone()),
            service,
            path,
            auto_sync,
            self_heal: auto_sync && automated["selfHeal"].as_bool() == Some(true),
            prune: auto_sync && automated["prune"].as_bool() == Some(true),
            name,
        })
    }

    /// Read an Application manifest in YAML (a file of the app-of-apps directory).
    pub fn from_yaml(text: &str) -> Result<AppSpec, String> {
        let value: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        Self::from_json(&value)
    }
}

impl Instance {
    /// What an existing app's manifest says, read back from its rendering (so "the same
    /// spec" is decided on what a client sees).
    pub fn spec_of(&self, idx: usize) -> Option<AppSpec> {
        AppSpec::from_json(&self.render(idx)).ok()
    }

    /// Create app `spec` wanting `desired` (the overlay its path names; `None` when the path
    /// holds none) and send ADDED to the watchers. Never deployed yet: Missing and
    /// OutOfSync, synced by the controller when automated sync is on.
    pub fn create_app(&mut self, spec: &AppSpec, desired: Option<&OverlayChange>, from_git: bool) -> usize {
        let svc = self.service_index(spec);
        let now = self.now_ms;
        let uid_seed = mix(hash_bytes(now as u64, spec.name.as_bytes()) ^ self.rv);
        let mut app = App {
            svc,
            name: spec.name.clone(),
            uid_seed,
            rv: 0,
            generation: 1,
            created_ms: now,
            auto_sync: spec.auto_sync,
            self_heal: spec.self_heal,
            auto_prune: spec.prune,
            health: Health::Missing,
            health_since_ms: now,
            health_msg: None,
            health_token: 0,
            head_rev: 0,
            head_ver: NOTHING,
            live_ver: NOTHING,
            replicas: 1,
            live_replicas: 0,
            paused: false,
            restarted_ms: None,
            rollout: RolloutPhase::Healthy,
            history: Vec::new(),
            op: None,
            reconciled_ms: now,
            fail_next_sync: None,
            autosync_due: false,
            conditions: Vec::new(),
            events: VecDeque::new(),
            origin: Origin::default(),
            bounds: None,
            resources: None,
            live_resources: None,
        };
        set_origin(&mut app, spec, &self.env, from_git);
        let idx = self.apps.len();
        self.apps.push(app);
        self.index.insert(spec.name.clone(), idx);
        self.want(idx, desired);
        self.rv += 1;
        self.apps[idx].rv = self.rv;
        self.event(idx, "ResourceCreated", format!("{} created application", self.creator(from_git)), false);
        self.broadcast(idx, "ADDED");
        self.schedule_autosync(idx);
        idx
    }

    /// Apply a changed manifest to app `idx` (an upsert, or an edited file in Git).
    pub fn update_app(&mut self, idx: usize, spec: &AppSpec, desired: Option<&OverlayChange>) {
        let b = self.before(idx);
        let from_git = self.apps[idx].origin.from_git;
        let env = self.env.clone();
        let app = &mut self.apps[idx];
        (app.auto_sync, app.self_heal, app.auto_prune) = (spec.auto_sync, spec.self_heal, spec.prune);
        app.generation += 1;
        set_origin(app, spec, &env, from_git);
        self.want(idx, desired);
        self.changed(idx, b);
    }

    /// Delete app `idx`: DELETED to the watchers, then a tombstone. Simplified: Argo CD's
    /// cascading delete first marks the app (`deletionTimestamp`, a MODIFIED event) and
    /// sends DELETED once its resources are gone; here the resources go at once.
    pub fn delete_app(&mut self, idx: usize) {
        self.rv += 1;
        self.apps[idx].rv = self.rv;
        self.broadcast(idx, "DELETED");
        let app = &mut self.apps[idx];
        app.origin.deleted = true;
        app.autosync_due = false;
        let name = app.name.clone();
        self.index.remove(&name);
        self.patches.remove(&name);
    }

    /// The app-of-apps parent's sync on this instance: create or update every manifest that
    /// lands here, and prune the apps created from Git whose file is gone.
    pub fn sync_git_apps(&mut self, apps: &[&GitApp]) {
        for g in apps {
            match self.find(&g.spec.name) {
                None => {
                    self.create_app(&g.spec, g.desired.as_ref(), true);
                }
                Some(idx) if self.spec_of(idx).as_ref() != Some(&g.spec) => {
                    self.apps[idx].origin.from_git = true;
                    self.update_app(idx, &g.spec, g.desired.as_ref());
                }
                Some(_) => {}
            }
        }
        let gone: Vec<usize> = (0..self.apps.len())
            .filter(|&i| {
                let a = &self.apps[i];
                a.origin.from_git && !a.origin.deleted && !apps.iter().any(|g| g.spec.name == a.name)
            })
            .collect();
        for idx in gone {
            self.delete_app(idx);
        }
    }

    /// Point app `idx` at the overlay's version (kept at nothing when there is none: Argo CD
    /// then reports a comparison error, which the simulator leaves out).
    fn want(&mut self, idx: usize, desired: Option<&OverlayChange>) {
        let Some(change) = desired else { return };
        let Some((ver, replicas)) = change.desired(&self.svc(idx).name) else { return };
        let rev = rev_of(&change.commit);
        self.commits.insert(rev, change.commit.clone());
        let app = &mut self.apps[idx];
        app.head_ver = ver;
        app.head_rev = rev;
        app.replicas = replicas.unwrap_or(app.replicas.max(1));
        app.resources = change.resources.clone().map(Box::new);
        if let Some(bounds) = change.bounds {
            crate::autoscale::clamp(app, bounds);
        }
    }

    fn schedule_autosync(&mut self, idx: usize) {
        let app = &self.apps[idx];
        if app.auto_sync && app.out_of_sync() && !app.op_in_flight() && !app.autosync_due {
            self.apps[idx].autosync_due = true;
            self.schedule(1000, idx, TimerKind::AutoSync);
        }
    }

    fn creator(&self, from_git: bool) -> &'static str {
        if from_git {
            "argocd-application-controller"
        } else {
            "admin"
        }
    }

    /// The service `spec` belongs to, added to this instance's list when new (the list is
    /// shared between instances until one of them grows it).
    fn service_index(&mut self, spec: &AppSpec) -> u32 {
        if let Some(i) = self.services.iter().position(|s| s.name == spec.service) {
            return i as u32;
        }
        let salt = mix(hash_bytes(7, spec.service.as_bytes()));
        let service = Service {
            name: spec.service.clone(),
            team: Cow::Owned(spec.project.clone()),
            rollout: false,
            salt,
            scaler: None,
        };
        let list = Arc::make_mut(&mut self.services);
        list.push(service);
        (list.len() - 1) as u32
    }
}

/// The version of an app that never ran anything (no image in its summary).
pub const NOTHING: Ver = Ver(0, 0, 0);

fn set_origin(app: &mut App, spec: &AppSpec, instance_env: &str, from_git: bool) {
    app.origin = Origin {
        env_label: spec.env.clone().filter(|e| e != instance_env),
        path: Some(spec.path.clone()),
        namespace: Some(spec.namespace.clone()).filter(|n| *n != spec.service),
        from_git,
        deleted: false,
    };
}
