//! Manifests: an app's desired manifests at a revision (`GET …/manifests?revision=`, swagger
//! `repositoryManifestResponse`; each entry a JSON document as a string — the reference does
//! not say JSON or YAML, so either is read) and each managed resource live and desired
//! (`…/managed-resources`, its `liveState`/`targetState`).

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::diff::to_yaml;
use super::wire::ManagedList;
use super::ArgoClient;
use crate::client::error::ClientError;
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
