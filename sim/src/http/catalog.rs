//! Read-only lists of what the estate is made of, consistent with its Applications: projects
//! (one per team, plus `default`; `GET /api/v1/projects[/{name}]`), the one cluster every app
//! deploys to (`/api/v1/clusters`) and the one GitOps repository they all read
//! (`/api/v1/repositories`). Shapes: swagger `v1alpha1AppProjectList`, `v1alpha1ClusterList`,
//! `v1alpha1RepositoryList`; credentials are never part of them (Argo CD strips them too,
//! `Cluster.Sanitized()`, notes §4).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{json, Value};

use super::{json_ok, ApiResult, Ctx, Q};
use crate::errors::ApiError;
use crate::render::{ts, APP_NAMESPACE, CLUSTER};
use crate::state::Instance;

/// The Kubernetes version the sim's clusters report (the kubectl its version answer names).
const K8S_VERSION: &str = "1.34";

/// The teams that own services, plus Argo CD's built-in `default`, sorted.
fn project_names(inst: &Instance) -> Vec<&str> {
    let mut teams: Vec<&str> = inst.services.iter().map(|s| &*s.team).collect();
    teams.push("default");
    teams.sort_unstable();
    teams.dedup();
    teams
}

fn project(inst: &Instance, name: &str) -> Value {
    let mut spec = json!({
        "sourceRepos": ["*"],
        "destinations": [{"server": "*", "namespace": "*"}],
        "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
    });
    if inst.env == "prod" {
        // The weekend deny window the apps' syncwindows answer shows comes from here.
        spec["syncWindows"] = json!([{"kind": "deny", "schedule": "0 22 * * 5", "duration": "56h",
            "applications": ["*"], "manualSync": true}]);
    }
    json!({"metadata": {"name": name, "namespace": APP_NAMESPACE, "resourceVersion": inst.rv.to_string()},
        "spec": spec})
}

pub async fn projects(State(ctx): State<Ctx>, headers: HeaderMap) -> ApiResult {
    ctx.auth(&headers)?;
    let inst = ctx.inst();
    let items: Vec<Value> = project_names(&inst).into_iter().map(|p| project(&inst, p)).collect();
    Ok(json_ok(&json!({"metadata": {"resourceVersion": inst.rv.to_string()}, "items": items})))
}

pub async fn project_get(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap) -> ApiResult {
    ctx.auth(&headers)?;
    let inst = ctx.inst();
    if !project_names(&inst).contains(&name.as_str()) {
        return Err(ApiError::new(5, format!("appprojects.argoproj.io \"{name}\" not found")));
    }
    Ok(json_ok(&project(&inst, &name)))
}

/// `connectionState` of a cluster or repository the sim can always reach.
fn connected(now_ms: i64) -> Value {
    json!({"status": "Successful", "message": "", "attemptedAt": ts(now_ms)})
}

/// The in-cluster destination every app of the instance deploys to. `server=` and `name=`
/// narrow the list as Argo CD's do.
pub async fn clusters(State(ctx): State<Ctx>, headers: HeaderMap, q: Q) -> ApiResult {
    ctx.auth(&headers)?;
    let inst = ctx.inst();
    let wanted = |k: &str, v: &str| q.get(k).filter(|x| !x.is_empty()).is_none_or(|x| x == v);
    let mut items = Vec::new();
    if wanted("server", CLUSTER) && wanted("name", "in-cluster") {
        // Every app's tree: Service, workload, ReplicaSet and its pods.
        let resources: u64 = inst.apps.iter().map(|a| 3 + u64::from(a.live_replicas)).sum();
        items.push(json!({
            "server": CLUSTER,
            "name": "in-cluster",
            "config": {"tlsClientConfig": {"insecure": false}},
            "connectionState": connected(inst.now_ms),
            "serverVersion": K8S_VERSION,
            "info": {
                "connectionState": connected(inst.now_ms),
                "serverVersion": K8S_VERSION,
                "cacheInfo": {"resourcesCount": resources, "apisCount": 64, "lastCacheSyncTime": ts(inst.now_ms)},
                "applicationsCount": inst.apps.iter().filter(|a| !a.origin.deleted).count(),
            },
        }));
    }
    Ok(json_ok(&json!({"metadata": {}, "items": items})))
}

/// The GitOps repository the Applications read (`spec.source.repoURL`); `repo=` narrows.
pub async fn repositories(State(ctx): State<Ctx>, headers: HeaderMap, q: Q) -> ApiResult {
    ctx.auth(&headers)?;
    let inst = ctx.inst();
    let items: Vec<Value> = q.get("repo").filter(|r| !r.is_empty() && *r != inst.repo_url).map_or_else(
        || vec![json!({"repo": inst.repo_url, "type": "git", "connectionState": connected(inst.now_ms)})],
        |_| Vec::new(),
    );
    Ok(json_ok(&json!({"metadata": {}, "items": items})))
}
