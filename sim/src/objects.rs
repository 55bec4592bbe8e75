//! Kubernetes objects under an app, derived from the model: live/target manifests of the Service
//! and the workload (Deployment or Rollout), the resource tree (ReplicaSet + Pods), the managed
//! resources diff, events, and the resource-action catalogue of the upstream Lua actions.

use serde_json::{json, Map, Value};

use crate::model::{App, AppEvent, Health, RolloutPhase};
use crate::render::{app_uid, image, labels, ts, workload_kind, Env, APP_NAMESPACE};
use crate::rng::{hash_bytes, k8s_suffix, uid};

/// Upper bound of pods rendered per app (a scaled-up drift should not explode the tree).
const MAX_PODS: u16 = 20;

fn rs_hash(app: &App) -> String {
    let seed = app.uid_seed
        ^ (u64::from(app.live_ver.0) << 32 | u64::from(app.live_ver.1) << 16 | u64::from(app.live_ver.2))
        ^ app.restarted_ms.unwrap_or(0) as u64;
    k8s_suffix(seed, 10)
}

fn obj_uid(app: &App, what: &str) -> String {
    uid(hash_bytes(app.uid_seed, what.as_bytes()))
}

fn tracking(app: &App, group: &str, kind: &str, ns: &str, name: &str) -> String {
    format!("{}:{group}/{kind}:{ns}/{name}", app.name)
}

pub fn service_obj(app: &App, e: Env) -> Value {
    let n = &e.svc.name;
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": n, "namespace": n, "labels": labels(e),
            "annotations": {"argocd.argoproj.io/tracking-id": tracking(app, "", "Service", n, n)}},
        "spec": {"selector": {"app.kubernetes.io/name": n},
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]},
    })
}

/// The workload as git wants it (`live == false`) or as it runs.
pub fn workload_obj(app: &App, e: Env, live: bool) -> Value {
    let (group, version, kind) = workload_kind(e.svc);
    let n = &e.svc.name;
    let (ver, replicas) = if live { (app.live_ver, app.live_replicas) } else { (app.head_ver, app.replicas) };
    let mut tmpl_meta = json!({"labels": {"app.kubernetes.io/name": n}});
    let mut spec = Map::new();
    spec.insert("replicas".into(), json!(replicas));
    spec.insert("selector".into(), json!({"matchLabels": {"app.kubernetes.io/name": n}}));
    if live {
        if let (Some(at), false) = (app.restarted_ms, e.svc.rollout) {
            tmpl_meta["annotations"] = json!({"kubectl.kubernetes.io/restartedAt": ts(at)});
        }
    }
    spec.insert(
        "template".into(),
        json!({"metadata": tmpl_meta, "spec": {"containers": [{"name": "app",
            "image": image(e.svc, ver), "ports": [{"containerPort": 8080}]}]}}),
    );
    let sized = if live { &app.live_resources } else { &app.resources };
    if let (Some(r), Some(c)) = (sized, spec.get_mut("template").and_then(|t| t.pointer_mut("/spec/containers/0"))) {
        c["resources"] = (**r).clone();
    }
    if e.svc.rollout {
        spec.insert(
            "strategy".into(),
            json!({"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {"duration": "30s"}}]}}),
        );
    }
    let mut obj = json!({
        "apiVersion": format!("{group}/{version}"), "kind": kind,
        "metadata": {"name": n, "namespace": n, "labels": labels(e),
            "annotations": {"argocd.argoproj.io/tracking-id": tracking(app, group, kind, n, n)}},
        "spec": spec,
    });
    if !live {
        return obj;
    }
    obj["metadata"]["uid"] = json!(obj_uid(app, kind));
    obj["metadata"]["generation"] = json!(app.generation);
    obj["metadata"]["resourceVersion"] = json!(app.rv.to_string());
    obj["metadata"]["creationTimestamp"] = json!(ts(app.created_ms));
    if app.paused && !e.svc.rollout {
        obj["spec"]["paused"] = json!(true);
    }
    let ready = if app.health == Health::Healthy { replicas } else { replicas.saturating_sub(1) };
    let mut status = json!({
        "observedGeneration": app.generation, "replicas": replicas,
        "updatedReplicas": replicas, "readyReplicas": ready, "availableReplicas": ready,
    });
    if e.svc.rollout {
        let hash = rs_hash(app);
        if let Some(at) = app.restarted_ms {
            obj["spec"]["restartAt"] = json!(ts(at));
        }
        match app.rollout {
            RolloutPhase::Healthy => {
                status["stableRS"] = json!(hash);
                status["phase"] = json!("Healthy");
            }
            RolloutPhase::Progressing => {
                status["stableRS"] = json!(k8s_suffix(app.uid_seed ^ 0xabc, 10));
                status["phase"] = json!("Progressing");
                status["currentStepIndex"] = json!(2);
            }
            RolloutPhase::Paused => {
                obj["spec"]["paused"] = json!(true);
                status["stableRS"] = json!(k8s_suffix(app.uid_seed ^ 0xabc, 10));
                status["phase"] = json!("Paused");
                status["currentStepIndex"] = json!(1);
                status["pauseConditions"] =
                    json!([{"reason": "CanaryPauseStep", "startTime": ts(app.health_since_ms)}]);
            }
            RolloutPhase::Aborted => {
                status["stableRS"] = json!(k8s_suffix(app.uid_seed ^ 0xabc, 10));
                status["phase"] = json!("Degraded");
                status["abort"] = json!(true);
            }
        }
        status["currentPodHash"] = json!(hash);
    }
    obj["status"] = status;
    obj
}

fn health(status: Health, message: Option<&str>) -> Value {
    let mut h = Map::new();
    h.insert("status".into(), json!(status.as_str()));
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        h.insert("message".into(), json!(m));
    }
    Value::Object(h)
}

/// One node of the tree: (group, version, kind, name) plus extra fields.
fn node(group: &str, version: &str, kind: &str, ns: &str, name: &str, uid: String) -> Map<String, Value> {
    let mut m = Map::new();
    if !group.is_empty() {
        m.insert("group".into(), json!(group));
    }
    m.insert("version".into(), json!(version));
    m.insert("kind".into(), json!(kind));
    m.insert("namespace".into(), json!(ns));
    m.insert("name".into(), json!(name));
    m.insert("uid".into(), json!(uid));
    m
}

/// Names of the current ReplicaSet and its pods.
pub fn rs_and_pods(app: &App, e: Env) -> (String, Vec<String>) {
    let rs = format!("{}-{}", e.svc.name, rs_hash(app));
    let pods = (0..app.live_replicas.min(MAX_PODS))
        .map(|i| format!("{rs}-{}", k8s_suffix(app.uid_seed ^ u64::from(i) ^ 0x9d, 5)))
        .collect();
    (rs, pods)
}

/// `v1alpha1ApplicationTree`.
pub fn tree(app: &App, e: Env) -> Value {
    let (group, version, kind) = workload_kind(e.svc);
    let n = &e.svc.name;
    let rv = app.rv.to_string();
    let created = ts(app.created_ms);
    let mut nodes = Vec::new();
    let mut svc = node("", "v1", "Service", n, n, obj_uid(app, "Service"));
    svc.insert("health".into(), health(Health::Healthy, None));
    svc.insert("networkingInfo".into(), json!({"targetLabels": {"app.kubernetes.io/name": n}}));
    svc.insert("resourceVersion".into(), json!(rv));
    svc.insert("createdAt".into(), json!(created));
    nodes.push(Value::Object(svc));

    let mut wl = node(group, version, kind, n, n, obj_uid(app, kind));
    wl.insert("health".into(), health(app.health, app.health_msg.as_deref()));
    wl.insert("resourceVersion".into(), json!(rv));
    wl.insert("createdAt".into(), json!(created));
    wl.insert("info".into(), json!([{"name": "Revision", "value": format!("Rev:{}", app.history.len())}]));
    nodes.push(Value::Object(wl));

    if let Some(scaler) = e.svc.scaler {
        nodes.push(crate::autoscale::tree_node(app, e, scaler));
    }
    let (rs_name, pods) = rs_and_pods(app, e);
    let rs_uid = obj_uid(app, &rs_name);
    let mut rs = node("apps", "v1", "ReplicaSet", n, &rs_name, rs_uid.clone());
    rs.insert(
        "parentRefs".into(),
        json!([{"group": group, "kind": kind, "namespace": n, "name": n, "uid": obj_uid(app, kind)}]),
    );
    rs.insert("info".into(), json!([{"name": "Revision", "value": format!("Rev:{}", app.history.len())}]));
    rs.insert(
        "health".into(),
        health(if app.health == Health::Degraded { Health::Degraded } else { Health::Healthy }, None),
    );
    rs.insert("resourceVersion".into(), json!(rv));
    rs.insert("createdAt".into(), json!(created));
    nodes.push(Value::Object(rs));

    let img = image(e.svc, app.live_ver);
    for (i, pod) in pods.iter().enumerate() {
        let (reason, containers, ph) = match app.health {
            Health::Degraded if i == 0 => ("CrashLoopBackOff", "0/1", Health::Degraded),
            Health::Progressing if i == 0 => ("ContainerCreating", "0/1", Health::Progressing),
            _ => ("Running", "1/1", Health::Healthy),
        };
        let restarts = if ph == Health::Degraded { 7 } else { 0 };
        let msg = if ph == Health::Degraded { Some("back-off 5m0s restarting failed container") } else { None };
        let mut p = node("", "v1", "Pod", n, pod, obj_uid(app, pod));
        p.insert(
            "parentRefs".into(),
            json!([{"group": "apps", "kind": "ReplicaSet", "namespace": n, "name": rs_name, "uid": rs_uid}]),
        );
        p.insert("info".into(), json!([
            {"name": "Status Reason", "value": reason},
            {"name": "Node", "value": format!("ip-10-0-{}-{}.ec2.internal", (app.uid_seed >> 8) % 250, (i * 37) % 250)},
            {"name": "Containers", "value": containers},
            {"name": "Restart Count", "value": restarts.to_string()},
        ]));
        p.insert("networkingInfo".into(), json!({"labels": {"app.kubernetes.io/name": n}}));
        p.insert("images".into(), json!([img]));
        p.insert("health".into(), health(ph, msg));
        p.insert("resourceVersion".into(), json!(rv));
        p.insert("createdAt".into(), json!(ts(app.restarted_ms.unwrap_or(app.health_since_ms))));
        nodes.push(Value::Object(p));
    }
    json!({"nodes": nodes})
}

/// Minimal manifests for tree nodes that are not managed (ReplicaSet / Pod).
pub fn child_manifest(app: &App, e: Env, kind: &str, name: &str) -> Value {
    let n = &e.svc.name;
    match kind {
        "Pod" => json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": n, "uid": obj_uid(app, name),
                "labels": {"app.kubernetes.io/name": n}},
            "spec": {"containers": [{"name": "app", "image": image(e.svc, app.live_ver)}]},
            "status": {"phase": "Running"}}),
        _ => json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": n, "uid": obj_uid(app, name)},
            "spec": {"replicas": app.live_replicas},
            "status": {"replicas": app.live_replicas}}),
    }
}

fn diff_item(group: &str, kind: &str, ns: &str, name: &str, target: &Value, live: &Value) -> Value {
    let t = target.to_string();
    let l = live.to_string();
    let mut m = Map::new();
    if !group.is_empty() {
        m.insert("group".into(), json!(group));
    }
    m.insert("kind".into(), json!(kind));
    m.insert("namespace".into(), json!(ns));
    m.insert("name".into(), json!(name));
    m.insert("targetState".into(), json!(t));
    m.insert("liveState".into(), json!(l));
    // Predicted live = what an apply of the target would leave: target fields over live.
    let mut predicted = live.clone();
    crate::patch::merge_patch(&mut predicted, target);
    if let Some(obj) = predicted.as_object_mut() {
        obj.remove("status");
    }
    m.insert("predictedLiveState".into(), json!(predicted.to_string()));
    let mut normalized = live.clone();
    if let Some(obj) = normalized.as_object_mut() {
        obj.remove("status");
    }
    m.insert("normalizedLiveState".into(), json!(normalized.to_string()));
    if predicted != normalized {
        m.insert("modified".into(), json!(true));
    }
    Value::Object(m)
}

/// `ManagedResourcesResponse.items` for the Service and the workload.
pub fn managed(app: &App, e: Env) -> Vec<Value> {
    let (group, _, kind) = workload_kind(e.svc);
    let n = &e.svc.name;
    let svc = service_obj(app, e);
    let mut items = vec![
        diff_item("", "Service", n, n, &svc, &svc),
        diff_item(group, kind, n, n, &workload_obj(app, e, false), &workload_obj(app, e, true)),
    ];
    if let Some(scaler) = e.svc.scaler {
        let (g, _, k) = scaler.gvk();
        let mut target = crate::autoscale::object(app, e, scaler);
        if let Some(o) = target.as_object_mut() {
            o.remove("status");
        }
        items.push(diff_item(g, k, n, n, &target, &crate::autoscale::object(app, e, scaler)));
    }
    items
}

pub fn event_json(app: &App, ev: &AppEvent) -> Value {
    json!({
        "metadata": {"name": format!("{}.{:016x}", app.name, hash_bytes(ev.seq, app.name.as_bytes())),
            "namespace": APP_NAMESPACE, "uid": uid(ev.seq ^ app.uid_seed),
            "resourceVersion": ev.seq.to_string(), "creationTimestamp": ts(ev.at_ms)},
        "involvedObject": {"kind": "Application", "namespace": APP_NAMESPACE, "name": app.name,
            "uid": app_uid(app), "apiVersion": "argoproj.io/v1alpha1", "resourceVersion": app.rv.to_string()},
        "reason": ev.reason,
        "message": ev.message,
        "source": {"component": ev.component},
        "firstTimestamp": ts(ev.at_ms),
        "lastTimestamp": ts(ev.at_ms),
        "count": 1,
        "type": if ev.warning { "Warning" } else { "Normal" },
        "eventTime": null,
        "reportingComponent": "",
        "reportingInstance": "",
    })
}

/// `(name, disabled, displayName, iconClass, params)` per upstream action.lua discovery.
pub fn actions(app: &App, kind: &str) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |name: &str, disabled: bool, display: &str, icon: &str, params: bool| {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        if disabled {
            m.insert("disabled".into(), json!(true));
        }
        if !display.is_empty() {
            m.insert("displayName".into(), json!(display));
        }
        if !icon.is_empty() {
            m.insert("iconClass".into(), json!(icon));
        }
        if params {
            m.insert("params".into(), json!([{"name": "replicas"}]));
        }
        out.push(Value::Object(m));
    };
    match kind {
        "Deployment" => {
            push("restart", false, "", "fa fa-fw fa-redo", false);
            push("pause", app.paused, "", "fa fa-fw fa-pause-circle", false);
            push("resume", !app.paused, "", "fa fa-fw fa-play-circle", false);
            push("scale", false, "", "fa fa-fw fa-plus-circle", true);
        }
        "Rollout" => {
            // Matrix of examples/rollout-actions-expectations.yaml (healthy, no/has pause
            // condition, aborted canary).
            let p = app.rollout;
            use RolloutPhase::*;
            push("restart", false, "Restart Pods", "", false);
            push("resume", p != Paused, "", "", false);
            push("abort", matches!(p, Healthy | Aborted), "", "", false);
            push("retry", p != Aborted, "", "", false);
            push("promote-full", p == Healthy, "", "", false);
            push("skip-current-step", p == Healthy, "", "", false);
            push("pause", matches!(p, Healthy | Aborted), "", "", false);
        }
        _ => {}
    }
    out.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    out
}
