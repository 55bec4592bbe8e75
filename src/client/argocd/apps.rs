//! The Argo CD endpoints flightdeck uses, as typed methods on [`ArgoClient`]: list (always
//! with the `fields` whitelist and the configured server-side filters), get, events,
//! managed-resources diff, userinfo, version, sync, rollback, terminate, auto-sync on/off and
//! the sync policy, resource actions (v2) and resource patches. Shapes per API-NOTES §3–§4.

use reqwest::Method;
use serde_json::{json, Value};

use super::diff::resource_diffs;
use super::wire::{App, EventList, ListSeed, ManagedList, UserInfoWire, VersionWire};
use super::{ArgoClient, Req};
use crate::client::error::{ClientError, Ctx};
use crate::domain::{AppDetail, AppKey, Deployment, KubeEvent, ResourceDiff, UserInfo};

/// What a `Deployment` needs of an Application — all inside Argo CD's list whitelist
/// (`appFields`, notes §3.1), so nothing asked for is silently dropped.
pub const APP_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.labels",
    "metadata.deletionTimestamp",
    "spec.project",
    "spec.source",
    "spec.sources",
    "spec.destination",
    "spec.syncPolicy",
    "status.summary",
    "status.health",
    "status.sync.status",
    "status.sync.revision",
    "status.operationState.phase",
    "status.operationState.startedAt",
    "status.operationState.finishedAt",
];

/// `fields` for the list: the list's own `metadata.resourceVersion`, then `items.<field>`.
pub fn list_fields() -> String {
    let mut f = vec!["metadata.resourceVersion".to_string()];
    f.extend(APP_FIELDS.iter().map(|x| format!("items.{x}")));
    f.join(",")
}

/// `fields` for the watch: rooted at the stream envelope (`result.`).
pub fn watch_fields() -> String {
    let mut f = vec!["result.type".to_string()];
    f.extend(APP_FIELDS.iter().map(|x| format!("result.application.{x}")));
    f.join(",")
}

/// `refresh` of a get: normal re-compares, hard also drops the manifest cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    Normal,
    Hard,
}

/// Options of a sync (notes §3.4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOpts {
    pub prune: bool,
    pub dry_run: bool,
    pub force: bool,
    pub apply_only: bool,
    /// The Git revision to sync to; `None` = the app's `targetRevision`.
    pub revision: Option<String>,
}

/// A managed resource an action or patch targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceRef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// Percent-encode one path segment (app names are DNS labels, but never trust that).
pub(crate) fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ArgoClient {
    /// The environment for apps a mapping cannot place.
    fn fallback_env(&self) -> &str {
        self.config().env.as_deref().unwrap_or("-")
    }

    /// Convert a wire app with this instance's mapping.
    pub fn to_deployment(&self, app: &App) -> Deployment {
        app.to_deployment(self.instance(), &self.config().mapping, self.fallback_env())
    }

    /// Add the configured server-side filters (projects, selector, appNamespace).
    pub(crate) fn with_filters(&self, mut req: Req) -> Req {
        let cfg = self.config();
        for p in &cfg.projects {
            req = req.query("projects", p.clone());
        }
        if let Some(s) = &cfg.selector {
            req = req.query("selector", s.clone());
        }
        if let Some(ns) = &cfg.app_namespace {
            req = req.query("appNamespace", ns.clone());
        }
        req
    }

    /// A request about one app: path under `/api/v1/applications/{name}` plus `appNamespace`.
    pub(crate) fn app_req(&self, method: Method, key: &AppKey, sub: &str, action: &str) -> Req {
        let path = format!("/api/v1/applications/{}{sub}", seg(&key.name));
        let req = Req::new(method, path, Ctx::new(action, Some(&key.name)));
        if key.namespace.is_empty() {
            req
        } else {
            req.query("appNamespace", key.namespace.clone())
        }
    }

    fn list_req(&self) -> Req {
        let req = Req::new(Method::GET, "/api/v1/applications", Ctx::new("get", None)).query("fields", list_fields());
        self.with_filters(req)
    }

    /// The raw (decompressed) body of the fields-trimmed list: exactly the request `list`
    /// sends, for the benchmark's floor (bytes only, no conversion).
    pub async fn list_body(&self) -> Result<impl std::ops::Deref<Target = [u8]>, ClientError> {
        let req = self.list_req();
        let resp = self.execute(&req).await?;
        resp.bytes().await.map_err(|e| self.transport_error(&req, e))
    }

    /// Every app (fields-filtered) and the list's resourceVersion to start a watch from.
    /// Items become deployments as they are parsed (no wire copy of the whole list).
    /// A 404 or a body that is not JSON means the URL is not an Argo CD API (the list never
    /// answers either): the error says so (see `probe.rs`).
    pub async fn list(&self) -> Result<(Vec<Deployment>, String), ClientError> {
        let list = self.list_items().await?;
        Ok((list.deployments, list.resource_version))
    }

    /// [`Self::list`] with the items that could not be read, each named: one malformed app
    /// is skipped (and logged), the others are all there.
    pub async fn list_items(&self) -> Result<super::wire::DeploymentList, ClientError> {
        const TRIED: &str = "/api/v1/applications";
        let body = match self.list_body().await {
            Ok(b) => b,
            Err(e) => return Err(self.explain_not_argo(e, TRIED).await),
        };
        let seed =
            ListSeed { instance: self.instance(), mapping: &self.config().mapping, fallback_env: self.fallback_env() };
        let list = match seed.parse(&body) {
            Ok(l) => l,
            Err(e) => {
                let e = ClientError::Decode { what: format!("GET {TRIED}"), detail: e.to_string() };
                return Err(self.explain_not_argo(e, TRIED).await);
            }
        };
        for item in &list.skipped {
            tracing::warn!(instance = %self.config().name, %item, "skipped an application that could not be read");
        }
        Ok(list)
    }

    /// The whole object of one app (optionally refreshed first; the server blocks until the
    /// controller has processed the refresh).
    pub async fn get_app(&self, key: &AppKey, refresh: Option<Refresh>) -> Result<App, ClientError> {
        let mut req = self.app_req(Method::GET, key, "", "get");
        match refresh {
            Some(Refresh::Normal) => req = req.query("refresh", "normal"),
            Some(Refresh::Hard) => req = req.query("refresh", "hard"),
            None => {}
        }
        self.call(req).await
    }

    /// The detail view and the matrix view of one app.
    pub async fn get(&self, key: &AppKey, refresh: Option<Refresh>) -> Result<(AppDetail, Deployment), ClientError> {
        let app = self.get_app(key, refresh).await?;
        Ok((app.to_detail(), self.to_deployment(&app)))
    }

    /// Kubernetes events of the Application object.
    pub async fn events(&self, key: &AppKey) -> Result<Vec<KubeEvent>, ClientError> {
        let list: EventList = self.call(self.app_req(Method::GET, key, "/events", "get")).await?;
        Ok(list.items.iter().map(|e| e.to_domain()).collect())
    }

    /// Live vs desired of every modified managed resource.
    pub async fn diff(&self, key: &AppKey) -> Result<Vec<ResourceDiff>, ClientError> {
        let list: ManagedList = self.call(self.app_req(Method::GET, key, "/managed-resources", "get")).await?;
        Ok(resource_diffs(&list.items))
    }

    /// Who the credentials belong to.
    pub async fn userinfo(&self) -> Result<UserInfo, ClientError> {
        let req = Req::new(Method::GET, "/api/v1/session/userinfo", Ctx::new("get", None));
        let u: UserInfoWire = self.call(req).await?;
        Ok(u.to_domain())
    }

    /// The server's version string (`/api/version` has no `v1`).
    pub async fn version(&self) -> Result<String, ClientError> {
        let v: VersionWire = self.call(Req::new(Method::GET, "/api/version", Ctx::new("get", None))).await?;
        Ok(crate::domain::sanitize::clean(&v.version))
    }

    /// Start a sync; returns the app with its new `operation`.
    pub async fn sync(&self, key: &AppKey, o: SyncOpts) -> Result<App, ClientError> {
        self.call(self.app_req(Method::POST, key, "/sync", "sync").json(&sync_body(o))).await
    }

    /// Roll back to `status.history[].id` (a JSON number on the wire).
    pub async fn rollback(&self, key: &AppKey, history_id: i64) -> Result<App, ClientError> {
        let body = json!({ "id": history_id, "dryRun": false, "prune": false });
        self.call(self.app_req(Method::POST, key, "/rollback", "sync").json(&body)).await
    }

    /// Terminate the running operation (`DELETE …/operation`).
    pub async fn terminate(&self, key: &AppKey) -> Result<(), ClientError> {
        self.execute(&self.app_req(Method::DELETE, key, "/operation", "sync")).await.map(drop)
    }

    /// Pause or resume auto-sync with a merge patch of `spec.syncPolicy.automated`.
    /// Pausing remembers the old `automated` object so resuming restores it; without one
    /// (paused elsewhere, or by an earlier run) resuming turns on prune + self-heal, the
    /// defaults flightdeck assumes — Argo CD keeps no record of the previous settings.
    pub async fn set_auto_sync(&self, key: &AppKey, on: bool) -> Result<(), ClientError> {
        let memo = format!("{}/{}", key.namespace, key.name);
        let automated = if on {
            let kept = self.paused().lock().ok().and_then(|m| m.get(&memo).cloned());
            kept.unwrap_or_else(|| json!({ "prune": true, "selfHeal": true }))
        } else {
            let app = self.get_app(key, None).await?;
            if let Some(old) = app.spec.sync_policy.and_then(|p| p.automated).filter(|a| !a.is_null()) {
                if let Ok(mut m) = self.paused().lock() {
                    m.insert(memo.clone(), old);
                }
            }
            Value::Null
        };
        let patch = json!({ "spec": { "syncPolicy": { "automated": automated } } }).to_string();
        let body = json!({ "patch": patch, "patchType": "merge" });
        self.execute(&self.app_req(Method::PATCH, key, "", "update").json(&body)).await?;
        if on {
            if let Ok(mut m) = self.paused().lock() {
                m.remove(&memo);
            }
        }
        Ok(())
    }

    /// Set `spec.syncPolicy.automated` to `policy` with a merge patch: removed when auto-sync
    /// is off, else `prune` and `selfHeal` as given (and `enabled: true` when the app had
    /// switched auto-sync off with `enabled: false`). Other keys (`allowEmpty`) are kept.
    pub async fn set_sync_policy(&self, key: &AppKey, policy: crate::domain::SyncPolicy) -> Result<(), ClientError> {
        let automated = if policy.auto_sync {
            let app = self.get_app(key, None).await?;
            let current = app.spec.sync_policy.and_then(|p| p.automated).unwrap_or(Value::Null);
            let mut a = json!({ "prune": policy.prune, "selfHeal": policy.self_heal });
            if current.get("enabled").and_then(Value::as_bool) == Some(false) {
                a["enabled"] = json!(true);
            }
            a
        } else {
            Value::Null
        };
        let patch = json!({ "spec": { "syncPolicy": { "automated": automated } } }).to_string();
        let body = json!({ "patch": patch, "patchType": "merge" });
        self.execute(&self.app_req(Method::PATCH, key, "", "update").json(&body)).await.map(drop)
    }

    /// Run a resource action (`POST …/resource/actions/v2`, notes §3.9).
    pub async fn resource_action(
        &self,
        key: &AppKey,
        r: &ResourceRef,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<(), ClientError> {
        let params: Vec<Value> = params.iter().map(|(n, v)| json!({ "name": n, "value": v })).collect();
        let mut body = json!({
            "name": key.name, "namespace": r.namespace, "resourceName": r.name,
            "version": r.version, "group": r.group, "kind": r.kind, "action": action,
            "resourceActionParameters": params,
        });
        if !key.namespace.is_empty() {
            body["appNamespace"] = json!(key.namespace);
        }
        let rbac = format!("action/{}/{}/{action}", r.group, r.kind);
        let mut req = self.app_req(Method::POST, key, "/resource/actions/v2", "action").json(&body);
        req.ctx = Ctx::new(&rbac, Some(&key.name));
        self.execute(&req).await.map(drop)
    }

    fn resource_req(&self, method: Method, key: &AppKey, r: &ResourceRef, action: &str) -> Req {
        self.app_req(method, key, "/resource", action)
            .query("namespace", r.namespace.clone())
            .query("resourceName", r.name.clone())
            .query("version", r.version.clone())
            // Sent even when empty (core group), as the UI does.
            .query("group", r.group.clone())
            .query("kind", r.kind.clone())
    }

    /// Merge-patch a managed resource; the body is the patch as a JSON string literal.
    pub async fn patch_resource(&self, key: &AppKey, r: &ResourceRef, patch: &Value) -> Result<(), ClientError> {
        let literal = Value::String(patch.to_string());
        let req = self
            .resource_req(Method::POST, key, r, "update")
            .query("patchType", "application/merge-patch+json")
            .json(&literal);
        self.execute(&req).await.map(drop)
    }

    /// The live manifest of a managed resource (`{"manifest":"<JSON string>"}`).
    pub async fn resource_manifest(&self, key: &AppKey, r: &ResourceRef) -> Result<Value, ClientError> {
        let req = self.resource_req(Method::GET, key, r, "get");
        let what = format!("GET {}", req.path);
        let v: Value = self.call(req).await?;
        let text = v.get("manifest").and_then(Value::as_str).unwrap_or("null");
        serde_json::from_str(text).map_err(|e| ClientError::Decode { what, detail: e.to_string() })
    }
}

/// `ApplicationSyncRequest` body. Apply-only selects the `apply` strategy (no hooks),
/// force sets `force` inside the chosen strategy (`hook.force` is inline on the wire).
/// `syncOptions` is left out on purpose: when present it replaces the app's own
/// `spec.syncPolicy.syncOptions` (notes §3.4), and none of ours maps to a sync option.
pub fn sync_body(o: SyncOpts) -> Value {
    let strategy =
        if o.apply_only { json!({ "apply": { "force": o.force } }) } else { json!({ "hook": { "force": o.force } }) };
    let mut body = json!({ "prune": o.prune, "dryRun": o.dry_run, "strategy": strategy });
    if let (Some(rev), Some(m)) = (o.revision, body.as_object_mut()) {
        m.insert("revision".into(), json!(rev));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_rooted_and_whitelisted() {
        let l = list_fields();
        assert!(l.starts_with("metadata.resourceVersion,items.metadata.name,"));
        assert!(l.contains("items.status.operationState.startedAt"));
        assert!(!l.contains("status.resources") && !l.contains("status.history"), "list stays small");
        let w = watch_fields();
        assert!(w.starts_with("result.type,result.application.metadata.name"));
        assert_eq!(w.split(',').count(), APP_FIELDS.len() + 1);
    }

    #[test]
    fn sync_body_shapes() {
        let b = sync_body(SyncOpts { prune: true, ..Default::default() });
        assert_eq!(b, json!({"prune":true,"dryRun":false,"strategy":{"hook":{"force":false}}}));
        let b = sync_body(SyncOpts { apply_only: true, force: true, dry_run: true, prune: false, revision: None });
        assert_eq!(b["strategy"], json!({"apply":{"force":true}}));
        assert_eq!(b["dryRun"], json!(true));
    }

    #[test]
    fn segments_are_escaped() {
        assert_eq!(seg("payment-service-prod"), "payment-service-prod");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
