//! Manifests: an app's desired manifests at a revision (`GET …/manifests?revision=`, swagger
//! `repositoryManifestResponse`; each entry a JSON document as a string — the reference does
//! not say JSON or YAML, so either is read) and each managed resource live and desired
//! (`…/managed-resources`, its `liveState`/`targetState`).

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::apps::ResourceRef;
use super::diff::to_yaml;
use super::wire::ManagedList;
use super::ArgoClient;
use crate::client::error::ClientError;
use crate::domain::detail::WorkloadState;
use crate::domain::manifest::{ManifestDoc, Manifests, ResourceManifest};
use crate::domain::sanitize::clean;
use crate::domain::AppKey;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManifestResponse {
    manifests: Vec<String>,
    revision: String,
}

impl ArgoClient {
    /// The app's desired manifests at `revision` (empty: Git's head).
    pub async fn manifests(&self, key: &AppKey, revision: &str) -> Result<Manifests, ClientError> {
        let mut req = self.app_req(Method::GET, key, "/manifests", "get");
        if !revision.is_empty() {
            req = req.query("revision", revision.to_string());
        }
        let r: ManifestResponse = self.call(req).await?;
        Ok(read(&r.revision, &r.manifests))
    }

    /// Every managed resource, live and desired, as YAML.
    pub async fn resource_manifests(&self, key: &AppKey) -> Result<Vec<ResourceManifest>, ClientError> {
        let list: ManagedList = self.call(self.app_req(Method::GET, key, "/managed-resources", "get")).await?;
        Ok(list
            .items
            .iter()
            .map(|m| ResourceManifest {
                group: clean(&m.group),
                kind: clean(&m.kind),
                namespace: clean(&m.namespace),
                name: clean(&m.name),
                live: clean_text(&to_yaml(m.live_state.as_deref())),
                desired: clean_text(&to_yaml(m.target_state.as_deref())),
            })
            .collect())
    }
}

impl ArgoClient {
    /// A workload's replicas live and in Git, and the HorizontalPodAutoscaler that owns them.
    pub async fn workload_state(&self, key: &AppKey, w: &ResourceRef) -> Result<WorkloadState, ClientError> {
        let live = self.resource_manifest(key, w).await?;
        let count = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        let list: ManagedList = self.call(self.app_req(Method::GET, key, "/managed-resources", "get")).await?;
        let desired = list
            .items
            .iter()
            .find(|m| m.kind == w.kind && m.name == w.name && m.group == w.group)
            .and_then(|m| m.target_state.as_deref())
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| count(&v, "/spec/replicas"));
        let app = self.get_app(key, None).await?.to_detail();
        let mut hpa = None;
        let autoscalers = app.resources.iter().filter(|r| {
            (r.kind == "HorizontalPodAutoscaler" && r.group == "autoscaling")
                || (r.kind == "ScaledObject" && r.group == "keda.sh")
        });
        for r in autoscalers {
            let keda = r.kind == "ScaledObject";
            let version = match (r.version.is_empty(), keda) {
                (false, _) => r.version.clone(),
                (true, false) => "v2".into(),
                (true, true) => "v1alpha1".into(),
            };
            let res = ResourceRef {
                group: r.group.clone(),
                version,
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            };
            let Ok(h) = self.resource_manifest(key, &res).await else { continue };
            let target = |f: &str| h.pointer(&format!("/spec/scaleTargetRef/{f}")).and_then(Value::as_str);
            // A ScaledObject's target kind defaults to Deployment (KEDA's own default).
            let kind_ok = target("kind").or(keda.then_some("Deployment")) == Some(w.kind.as_str());
            if kind_ok && target("name") == Some(w.name.as_str()) {
                let (lo, hi) =
                    if keda { ("minReplicaCount", "maxReplicaCount") } else { ("minReplicas", "maxReplicas") };
                // Defaults when unset: an HPA's min is 1, a ScaledObject's 0 (KEDA's docs).
                let min = count(&h, &format!("/spec/{lo}")).unwrap_or(if keda { 0 } else { 1 });
                let max = count(&h, &format!("/spec/{hi}"));
                let range = max.map_or(format!("min {min}"), |m| format!("{min}–{m}"));
                hpa = Some(format!("{} {} ({range})", r.kind, clean(&r.name)));
            }
        }
        Ok(WorkloadState {
            replicas: count(&live, "/spec/replicas"),
            ready: count(&live, "/status/readyReplicas"),
            desired,
            hpa,
            containers: live
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .map(clean)
                .collect(),
        })
    }
}

/// Control characters out, line breaks kept.
fn clean_text(s: &str) -> String {
    s.lines().map(clean).collect::<Vec<_>>().join("\n") + if s.is_empty() { "" } else { "\n" }
}

/// The documents, their YAML and the images their pod templates run.
fn read(revision: &str, manifests: &[String]) -> Manifests {
    let mut out = Manifests { revision: clean(revision), ..Default::default() };
    for m in manifests {
        let v: Value = serde_yaml_ng::from_str(m).unwrap_or(Value::Null);
        let field = |p: &str| v.pointer(p).and_then(Value::as_str).map(clean).unwrap_or_default();
        for part in ["containers", "initContainers"] {
            let containers = v.pointer(&format!("/spec/template/spec/{part}")).and_then(Value::as_array);
            out.images.extend(containers.into_iter().flatten().filter_map(|c| c["image"].as_str()).map(clean));
        }
        out.docs.push(ManifestDoc {
            kind: field("/kind"),
            name: field("/metadata/name"),
            yaml: clean_text(&to_yaml(Some(&serde_json::to_string(&v).unwrap_or_default()))),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_or_yaml_documents_give_their_images() {
        let json = r#"{"kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"r/web:v2"}]}}}}"#;
        let yaml = "kind: Service\nmetadata:\n  name: web\n";
        let m = read("abc", &[json.to_string(), yaml.to_string()]);
        assert_eq!(m.images, ["r/web:v2"]);
        assert_eq!((m.docs[0].kind.as_str(), m.docs[1].kind.as_str()), ("Deployment", "Service"));
        assert!(m.docs[0].yaml.contains("image: r/web:v2"), "{}", m.docs[0].yaml);
    }
}
