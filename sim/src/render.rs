//! Application → wire JSON (the `kubectl get app -o json` shape Argo CD serves), built on demand
//! from the compact model. Go `omitempty` is mirrored by leaving keys out.

use serde_json::{json, Map, Value};

use crate::model::{App, Hist, Initiator, OpState, Phase, Service, SyncParams, Ver};
use crate::rng::{sha40, uid};

pub const REPO_URL: &str = "https://git.example.com/platform/gitops.git";
pub const CLUSTER: &str = "https://kubernetes.default.svc";
pub const APP_NAMESPACE: &str = "argocd";

/// What a renderer needs besides the app itself.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub svc: &'a Service,
    pub env: &'a str,
    /// `spec.source.path` of a created app (`None`: `apps/{service}/overlays/{env}`).
    pub path: Option<&'a str>,
    /// `spec.destination.namespace` of a created app (`None`: the service's name).
    pub namespace: Option<&'a str>,
    /// `spec.source.repoURL`: the simulator's bare repository, or [`REPO_URL`] without one.
    pub repo: &'a str,
    /// The real commit of each revision the GitOps repository produced (others are made up).
    pub commits: &'a std::collections::HashMap<u64, String>,
}

/// The 40-hex revision of `rev`: the real commit when it came from the repository.
pub fn sha(commits: &std::collections::HashMap<u64, String>, rev: u64) -> String {
    commits.get(&rev).cloned().unwrap_or_else(|| sha40(rev))
}

/// RFC3339 with second precision, as `metav1.Time` marshals.
pub fn ts(ms: i64) -> String {
    chrono::DateTime::from_timestamp(ms.div_euclid(1000), 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

pub fn image(svc: &Service, v: Ver) -> String {
    format!("registry.example.com/{}/{}:{}", svc.team, svc.name, v.tag())
}

pub fn source(e: Env) -> Value {
    json!({
        "repoURL": e.repo,
        "path": e.path.map_or_else(|| format!("apps/{}/overlays/{}", e.svc.name, e.env), str::to_string),
        "targetRevision": "main",
    })
}

fn destination(e: Env) -> Value {
    json!({"server": CLUSTER, "namespace": e.namespace.unwrap_or(&e.svc.name)})
}

pub fn app_uid(app: &App) -> String {
    uid(app.uid_seed)
}

pub fn workload_kind(svc: &Service) -> (&'static str, &'static str, &'static str) {
    if svc.rollout {
        ("argoproj.io", "v1alpha1", "Rollout")
    } else {
        ("apps", "v1", "Deployment")
    }
}

fn initiator(i: &Initiator) -> Value {
    match i {
        Initiator::Automated => json!({"automated": true}),
        Initiator::User(u) => json!({"username": u}),
    }
}

/// The top-level `operation` (also `operationState.operation`).
pub fn operation(op: &SyncParams, e: Env) -> Value {
    let mut sync = Map::new();
    sync.insert("revision".into(), json!(sha(e.commits, op.rev)));
    if op.prune {
        sync.insert("prune".into(), json!(true));
    }
    if op.dry_run {
        sync.insert("dryRun".into(), json!(true));
    }
    let strategy = if op.apply_strategy {
        if op.force {
            json!({"apply": {"force": true}})
        } else {
            json!({"apply": {}})
        }
    } else if op.force {
        // hook.force is inline on the wire (SyncStrategyHook embeds SyncStrategyApply).
        json!({"hook": {"force": true}})
    } else {
        json!({"hook": {}})
    };
    sync.insert("syncStrategy".into(), strategy);
    if !op.sync_options.is_empty() {
        sync.insert("syncOptions".into(), json!(op.sync_options));
    }
    if let Some(res) = &op.resources {
        let items: Vec<Value> = res
            .iter()
            .map(|r| {
                let mut m = Map::new();
                if !r.group.is_empty() {
                    m.insert("group".into(), json!(r.group));
                }
                m.insert("kind".into(), json!(r.kind));
                m.insert("name".into(), json!(r.name));
                if !r.namespace.is_empty() {
                    m.insert("namespace".into(), json!(r.namespace));
                }
                Value::Object(m)
            })
            .collect();
        sync.insert("resources".into(), Value::Array(items));
    }
    json!({"sync": sync, "initiatedBy": initiator(&op.initiator)})
}

fn sync_result(app: &App, e: Env, op: &OpState) -> Value {
    let (group, version, kind) = workload_kind(e.svc);
    let failed = op.phase == Phase::Failed && op.message != "Operation terminated";
    let verb = if op.params.dry_run { "configured (dry run)" } else { "configured" };
    let lower = kind.to_ascii_lowercase();
    let workload_msg = if failed { op.message.clone() } else { format!("{lower}.{group}/{} {verb}", e.svc.name) };
    let _ = app;
    json!({
        "revision": sha(e.commits, op.params.rev),
        "source": source(e),
        "resources": [
            {"group": "", "version": "v1", "kind": "Service", "namespace": e.svc.name,
             "name": e.svc.name, "status": "Synced", "hookPhase": "Running", "syncPhase": "Sync",
             "message": format!("service/{} unchanged", e.svc.name)},
            {"group": group, "version": version, "kind": kind, "namespace": e.svc.name,
             "name": e.svc.name, "status": if failed {"SyncFailed"} else {"Synced"},
             "hookPhase": if failed {"Failed"} else {"Running"}, "syncPhase": "Sync",
             "message": workload_msg},
        ],
    })
}

pub fn operation_state(app: &App, e: Env, op: &OpState) -> Value {
    let mut m = Map::new();
    m.insert("operation".into(), operation(&op.params, e));
    m.insert("phase".into(), json!(op.phase.as_str()));
    m.insert("message".into(), json!(op.message));
    m.insert("startedAt".into(), json!(ts(op.started_ms)));
    if let Some(f) = op.finished_ms {
        m.insert("finishedAt".into(), json!(ts(f)));
    }
    if !op.phase.in_flight() && op.message != "Operation terminated" {
        m.insert("syncResult".into(), sync_result(app, e, op));
    }
    Value::Object(m)
}

fn history_entry(h: &Hist, e: Env) -> Value {
    json!({
        "id": h.id,
        "revision": sha(e.commits, h.rev),
        "deployStartedAt": ts(h.started_ms),
        "deployedAt": ts(h.deployed_ms),
        "source": source(e),
        "initiatedBy": initiator(&h.initiator),
    })
}

/// `status.resources[]`: the Service and the workload, with per-resource health.
pub fn resource_statuses(app: &App, e: Env) -> Value {
    let (group, version, kind) = workload_kind(e.svc);
    let mut health = Map::new();
    health.insert("status".into(), json!(app.health.as_str()));
    if let Some(m) = &app.health_msg {
        health.insert("message".into(), json!(m));
    }
    let mut list = json!([
        {"version": "v1", "kind": "Service", "namespace": e.svc.name, "name": e.svc.name,
         "status": "Synced", "health": {"status": "Healthy"}},
        {"group": group, "version": version, "kind": kind, "namespace": e.svc.name,
         "name": e.svc.name, "status": app.sync_str(), "health": health},
    ]);
    if let (Some(scaler), Some(items)) = (e.svc.scaler, list.as_array_mut()) {
        items.push(crate::autoscale::status_entry(e, scaler));
    }
    list
}

pub fn labels(e: Env) -> Value {
    json!({
        "app.kubernetes.io/name": e.svc.name,
        "app.kubernetes.io/environment": e.env,
        "team": &*e.svc.team,
    })
}

/// The whole Application object as Get/Watch return it.
pub fn application(app: &App, e: Env) -> Value {
    let mut sync_policy = Map::new();
    if app.auto_sync {
        // Go's omitempty drops the false ones.
        let mut automated = Map::new();
        if app.auto_prune {
            automated.insert("prune".into(), json!(true));
        }
        if app.self_heal {
            automated.insert("selfHeal".into(), json!(true));
        }
        sync_policy.insert("automated".into(), Value::Object(automated));
    }
    sync_policy.insert("syncOptions".into(), json!(["CreateNamespace=true"]));
    let mut status = Map::new();
    status.insert("resources".into(), resource_statuses(app, e));
    status.insert(
        "sync".into(),
        json!({
            "status": app.sync_str(),
            "comparedTo": {"source": source(e), "destination": destination(e)},
            "revision": sha(e.commits, app.head_rev),
        }),
    );
    status
        .insert("health".into(), json!({"status": app.health.as_str(), "lastTransitionTime": ts(app.health_since_ms)}));
    let history: Vec<Value> = app.history.iter().map(|h| history_entry(h, e)).collect();
    if !history.is_empty() {
        status.insert("history".into(), Value::Array(history));
    }
    status.insert("reconciledAt".into(), json!(ts(app.reconciled_ms)));
    if let Some(op) = &app.op {
        status.insert("operationState".into(), operation_state(app, e, op));
    }
    status.insert("sourceType".into(), json!("Kustomize"));
    if app.live_ver == crate::lifecycle::NOTHING {
        // Never deployed: nothing runs, so no image (Go's omitempty drops the list).
        status.insert("summary".into(), json!({}));
    } else {
        status.insert("summary".into(), json!({"images": [image(e.svc, app.live_ver)]}));
    }
    status.insert("controllerNamespace".into(), json!(APP_NAMESPACE));
    if !app.conditions.is_empty() {
        let c: Vec<Value> = app
            .conditions
            .iter()
            .map(|(t, m, at)| json!({"type": t, "message": m, "lastTransitionTime": ts(*at)}))
            .collect();
        status.insert("conditions".into(), Value::Array(c));
    }
    let mut root = Map::new();
    root.insert(
        "metadata".into(),
        json!({
            "name": app.name,
            "namespace": APP_NAMESPACE,
            "uid": app_uid(app),
            "resourceVersion": app.rv.to_string(),
            "generation": app.generation,
            "creationTimestamp": ts(app.created_ms),
            "labels": labels(e),
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        }),
    );
    root.insert(
        "spec".into(),
        json!({
            "source": source(e),
            "destination": destination(e),
            "project": &*e.svc.team,
            "syncPolicy": sync_policy,
        }),
    );
    root.insert("status".into(), Value::Object(status));
    if let Some(op) = app.op.as_ref().filter(|o| o.phase.in_flight()) {
        root.insert("operation".into(), operation(&op.params, e));
    }
    Value::Object(root)
}
