//! The one shape of an Argo CD Application that flightdeck creates: a pure builder used both
//! by the API path (`POST /api/v1/applications`, `client::argocd::lifecycle`) and by the
//! app-of-apps path (a YAML manifest committed to the GitOps repository), so the two ways
//! of creating a service's Applications can never drift apart. Field names and nesting are
//! the `v1alpha1Application` of the reference swagger.json.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Argo CD's `apiVersion` and `kind` of an Application (swagger: `v1alpha1Application`).
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
pub const KIND: &str = "Application";
/// The namespace Argo CD's Applications live in by default.
pub const APP_NAMESPACE: &str = "argocd";

/// Everything that varies between the Applications flightdeck creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppManifest {
    pub name: String,
    /// `spec.project` (the owning team's project).
    pub project: String,
    /// `metadata.labels`: the configured service and environment labels, at least.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub repo_url: String,
    /// `spec.source.path`: the overlay directory.
    pub path: String,
    pub target_revision: String,
    pub dest_server: String,
    pub dest_namespace: String,
    /// `spec.syncPolicy.automated` (with prune and self-heal) when on; absent when off.
    pub automated: bool,
}

impl AppManifest {
    /// The Application as JSON: the body of the API's create, and what the YAML renders.
    pub fn to_value(&self) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(self.name));
        metadata.insert("namespace".into(), json!(APP_NAMESPACE));
        if !self.labels.is_empty() {
            metadata.insert("labels".into(), json!(self.labels));
        }
        if !self.annotations.is_empty() {
            metadata.insert("annotations".into(), json!(self.annotations));
        }
        let mut sync_policy = Map::new();
        if self.automated {
            sync_policy.insert("automated".into(), json!({"prune": true, "selfHeal": true}));
        }
        sync_policy.insert("syncOptions".into(), json!(["CreateNamespace=true"]));
        json!({
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": metadata,
            "spec": {
                "project": self.project,
                "source": {
                    "repoURL": self.repo_url,
                    "path": self.path,
                    "targetRevision": self.target_revision,
                },
                "destination": {"server": self.dest_server, "namespace": self.dest_namespace},
                "syncPolicy": sync_policy,
            },
        })
    }

    /// The Application as the YAML file an app-of-apps parent reads (same value as
    /// [`Self::to_value`]).
    pub fn to_yaml(&self) -> String {
        // A JSON value of strings, bools and maps always renders as YAML.
        serde_yaml_ng::to_string(&self.to_value()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(automated: bool) -> AppManifest {
        AppManifest {
            name: "billing-dev".into(),
            project: "backend".into(),
            labels: [("app.kubernetes.io/name", "billing"), ("app.kubernetes.io/environment", "dev")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: BTreeMap::new(),
            repo_url: "file:///tmp/gitops.git".into(),
            path: "apps/billing/overlays/dev".into(),
            target_revision: "main".into(),
            dest_server: "https://kubernetes.default.svc".into(),
            dest_namespace: "billing".into(),
            automated,
        }
    }

    #[test]
    fn the_yaml_and_the_json_are_one_shape() {
        let m = manifest(true);
        let back: Value = serde_yaml_ng::from_str(&m.to_yaml()).unwrap();
        assert_eq!(back, m.to_value());
        let v = m.to_value();
        assert_eq!(v["metadata"]["labels"]["app.kubernetes.io/environment"], "dev");
        assert_eq!(v["spec"]["source"]["path"], "apps/billing/overlays/dev");
        assert_eq!(v["spec"]["syncPolicy"]["automated"]["selfHeal"], true);
        assert!(v["metadata"].get("annotations").is_none());
    }

    #[test]
    fn automated_sync_off_leaves_automated_out() {
        let v = manifest(false).to_value();
        assert!(v["spec"]["syncPolicy"].get("automated").is_none());
        assert_eq!(v["spec"]["project"], "backend");
    }
}
