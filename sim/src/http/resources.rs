//! Per-app resource endpoints: resource get/patch/delete, actions (list, v2 and deprecated run),
//! resource-tree, managed-resources, events and sync windows.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::{empty_ok, json_ok, parse_body, parse_patch, ApiResult, Ctx, Q};
use crate::errors::ApiError;
use crate::fields::{self, Fields};
use crate::objects;
use crate::patch::{json_patch, merge_patch};
use crate::render::workload_kind;
use crate::state::Instance;

/// Which node of the tree a query names.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Service,
    Workload,
    /// The HPA or ScaledObject owning the workload's replicas.
    Autoscaler,
    Child(String, String),
}

struct ResQuery<'a> {
    namespace: &'a str,
    name: &'a str,
    group: &'a str,
    kind: &'a str,
}

fn res_query<'a>(q: &'a Q, body: Option<&'a Value>) -> ResQuery<'a> {
    let pick =
        |k: &str| -> &'a str { body.and_then(|b| b.get(k)).and_then(Value::as_str).or_else(|| q.get(k)).unwrap_or("") };
    ResQuery { namespace: pick("namespace"), name: pick("resourceName"), group: pick("group"), kind: pick("kind") }
}

fn locate(inst: &Instance, idx: usize, r: &ResQuery) -> Result<Node, ApiError> {
    let svc = inst.svc(idx);
    let (wg, _, wk) = workload_kind(svc);
    let ns_ok = r.namespace.is_empty() || r.namespace == svc.name;
    let found = if !ns_ok {
        None
    } else if r.kind == "Service" && r.group.is_empty() && r.name == svc.name {
        Some(Node::Service)
    } else if r.kind == wk && r.group == wg && r.name == svc.name {
        Some(Node::Workload)
    } else if svc.scaler.is_some_and(|s| (s.gvk().0, s.gvk().2) == (r.group, r.kind)) && r.name == svc.name {
        Some(Node::Autoscaler)
    } else {
        let (rs, pods) = objects::rs_and_pods(&inst.apps[idx], inst.env_of(idx));
        let child = (r.kind == "ReplicaSet" && r.group == "apps" && r.name == rs)
            || (r.kind == "Pod" && r.group.is_empty() && pods.iter().any(|p| p == r.name));
        child.then(|| Node::Child(r.kind.to_string(), r.name.to_string()))
    };
    found.ok_or_else(|| {
        ApiError::invalid(format!(
            "{} {} {} not found as part of application {}",
            r.kind, r.group, r.name, inst.apps[idx].name
        ))
    })
}

fn manifest(inst: &Instance, idx: usize, node: &Node) -> Value {
    let (app, e) = (&inst.apps[idx], inst.env_of(idx));
    match node {
        Node::Service => objects::service_obj(app, e),
        Node::Workload => objects::workload_obj(app, e, true),
        Node::Autoscaler => match e.svc.scaler {
            Some(s) => crate::autoscale::object(app, e, s),
            None => Value::Null,
        },
        Node::Child(kind, name) => objects::child_manifest(app, e, kind, name),
    }
}

pub async fn get_resource(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let node = locate(&inst, idx, &res_query(&q, None))?;
    Ok(json_ok(&json!({"manifest": manifest(&inst, idx, &node).to_string()})))
}

pub async fn patch_resource(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    headers: HeaderMap,
    q: Q,
    body: Bytes,
) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    // body: "patch" — the body is a JSON string literal holding the patch.
    let raw = parse_body(&body)?;
    let text = raw.as_str().ok_or_else(|| ApiError::invalid("patch body must be a JSON string"))?;
    let patch = parse_patch(text)?;
    let (mut inst, idx) = ctx.app(&claims, &name, q.get("project"), "update")?;
    let node = locate(&inst, idx, &res_query(&q, None))?;
    let mut obj = manifest(&inst, idx, &node);
    match q.get("patchType").unwrap_or("application/merge-patch+json") {
        "application/json-patch+json" => json_patch(&mut obj, &patch).map_err(ApiError::invalid)?,
        // Strategic merge is approximated by a JSON merge patch (no list-merge keys in the sim).
        _ => merge_patch(&mut obj, &patch),
    }
    if node == Node::Workload {
        inst.apply_live_edit(idx, &obj);
        obj = manifest(&inst, idx, &node);
    }
    Ok(json_ok(&json!({"manifest": obj.to_string()})))
}

pub async fn delete_resource(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "delete")?;
    locate(&inst, idx, &res_query(&q, None))?;
    // A deleted pod is replaced by its ReplicaSet; the sim's state does not change.
    Ok(empty_ok())
}

pub async fn list_actions(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let r = res_query(&q, None);
    let node = locate(&inst, idx, &r)?;
    let actions = if node == Node::Workload { objects::actions(&inst.apps[idx], r.kind) } else { Vec::new() };
    if actions.is_empty() {
        return Ok(empty_ok());
    }
    Ok(json_ok(&json!({"actions": actions})))
}

fn run(ctx: &Ctx, name: &str, headers: &HeaderMap, q: &Q, body: Option<&Value>, action: &str) -> ApiResult {
    let claims = ctx.auth(headers)?;
    let project = body.and_then(|b| b["project"].as_str()).or(q.get("project"));
    let r = res_query(q, body);
    let (mut inst, idx) = ctx.app(&claims, name, project, &format!("action/{}/{}/{action}", r.group, r.kind))?;
    let node = locate(&inst, idx, &r)?;
    if node != Node::Workload {
        return Err(ApiError::invalid(format!("action '{action}' not found for {}", r.kind)));
    }
    let replicas = body
        .and_then(|b| b["resourceActionParameters"].as_array())
        .and_then(|ps| ps.iter().find(|p| p["name"] == "replicas"))
        .and_then(|p| p["value"].as_str());
    let kind = r.kind.to_string();
    inst.run_action(idx, &kind, action, replicas, claims.user.name).map_err(ApiError::invalid)?;
    Ok(empty_ok())
}

pub async fn run_action_v2(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let req = parse_body(&body)?;
    let action = req["action"].as_str().unwrap_or("").to_string();
    run(&ctx, &name, &headers, &Q(Vec::new()), Some(&req), &action)
}

/// Deprecated form: resource in the query, body = JSON string literal with the action name.
pub async fn run_action_v1(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    headers: HeaderMap,
    q: Q,
    body: Bytes,
) -> ApiResult {
    let raw = parse_body(&body)?;
    let action = raw.as_str().unwrap_or("").to_string();
    run(&ctx, &name, &headers, &q, None, &action)
}

pub async fn tree(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let t = objects::tree(&inst.apps[idx], inst.env_of(idx));
    Ok(json_ok(&apply_fields(t, &q)))
}

fn apply_fields(v: Value, q: &Q) -> Value {
    match Fields::parse(q.get("fields")) {
        Some(f) => fields::generic(&v, &f),
        None => v,
    }
}

pub async fn managed(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let want =
        |k: &str, item: &Value| q.get(k).filter(|v| !v.is_empty()).is_none_or(|v| item[k].as_str().unwrap_or("") == v);
    let items: Vec<Value> = objects::managed(&inst.apps[idx], inst.env_of(idx))
        .into_iter()
        .filter(|i| want("name", i) && want("namespace", i) && want("group", i) && want("kind", i))
        .collect();
    Ok(json_ok(&apply_fields(json!({"items": items}), &q)))
}

/// `GET …/manifests?revision=`: the app's desired manifests at a revision (a history entry's
/// SHA, or empty/HEAD for Git's head), each a JSON document as a string
/// (`repositoryManifestResponse`; the reference does not say JSON or YAML: JSON here).
pub async fn manifests(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let (rev, ver) = inst.resolve_revision(idx, q.get("revision").unwrap_or(""));
    let mut app = inst.apps[idx].clone();
    app.head_ver = ver;
    let e = inst.env_of(idx);
    let docs = [objects::service_obj(&app, e), objects::workload_obj(&app, e, false)];
    Ok(json_ok(&json!({
        "manifests": docs.iter().map(Value::to_string).collect::<Vec<_>>(),
        "namespace": e.svc.name,
        "server": crate::render::CLUSTER,
        "revision": crate::rng::sha40(rev),
        "sourceType": "Kustomize",
    })))
}

pub async fn events(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, idx) = ctx.app(&claims, &name, q.get("project"), "get")?;
    let app = &inst.apps[idx];
    let res_name = q.get("resourceName").unwrap_or("");
    let items: Vec<Value> = if res_name.is_empty() {
        app.events.iter().map(|e| objects::event_json(app, e)).collect()
    } else {
        // Resource-scoped events: the resource must be in the tree; the sim records none.
        let (rs, pods) = objects::rs_and_pods(app, inst.env_of(idx));
        let svc = &inst.svc(idx).name;
        if res_name != svc && res_name != rs && !pods.iter().any(|p| p == res_name) {
            return Err(ApiError::invalid(format!("{res_name} not found as part of application {name}")));
        }
        Vec::new()
    };
    let items = if items.is_empty() { Value::Null } else { Value::Array(items) };
    Ok(json_ok(&json!({"metadata": {}, "items": items})))
}

pub async fn syncwindows(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> ApiResult {
    let claims = ctx.auth(&headers)?;
    let (inst, _) = ctx.app(&claims, &name, q.get("project"), "get")?;
    if inst.env == "prod" {
        // An assigned weekend deny window; the sim never evaluates it as active.
        return Ok(json_ok(&json!({
            "assignedWindows": [{"kind": "deny", "schedule": "0 22 * * 5", "duration": "56h", "manualSync": true}],
            "canSync": true,
        })));
    }
    Ok(json_ok(&json!({"canSync": true})))
}
