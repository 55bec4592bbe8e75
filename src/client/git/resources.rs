//! CPU/memory requests and limits written to an overlay. Kustomize: a strategic-merge patch of
//! the workload's container resources, in a patch file the kustomization's `patches:` refers
//! to — the one already patching this workload when there is one (edited in place, one line
//! per value), else `{workload}-resources.yaml`, created and added to `patches:`. Helm: the
//! values keys under `[gitops] helm_resources_key` (`resources` unless configured:
//! `resources.requests.cpu` …). Pure text in, text out; the caller reads and writes the files.

use serde_yaml_ng::Value;

use super::overlay::OverlayError;
use super::yaml_lines::render_scalar;
use super::yaml_set::{set_scalar, Seg};
use crate::domain::scale::ScaleChange;

/// Helm values key under which requests and limits live when the config names none (the key
/// `helm create` charts use).
pub const DEFAULT_HELM_RESOURCES_KEY: &str = "resources";

/// What the kustomize half writes: the patch file (its overlay-relative name, text before —
/// `None` when created — and after) and the kustomization when it gains the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchEdit {
    pub file: String,
    pub before: Option<String>,
    pub after: String,
    pub kustomization: Option<String>,
}

/// `apiVersion` of the workloads a strategic-merge patch can change. An Argo Rollout is a
/// custom resource: kustomize merges a CRD's lists whole (no merge key), so a patch naming one
/// container would drop the others — refused with why.
fn api_version(kind: &str) -> Result<&'static str, OverlayError> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => Ok("apps/v1"),
        other => Err(OverlayError::Refused(format!(
            "requests and limits of a {other} are not patched: kustomize merges a custom resource's \
             containers list whole, which would drop the containers the patch does not name; set them \
             in the base"
        ))),
    }
}

/// The overlay-relative patch files a kustomization lists (`patches[].path`, and the older
/// `patchesStrategicMerge` file names).
pub fn patch_files(kustomization: &str) -> Vec<String> {
    let Ok(doc) = serde_yaml_ng::from_str::<Value>(kustomization) else { return Vec::new() };
    let listed = |k: &str| doc.get(k).and_then(Value::as_sequence).cloned().unwrap_or_default();
    let from_patches =
        listed("patches").into_iter().filter_map(|p| p.get("path").and_then(Value::as_str).map(String::from));
    let from_smp = listed("patchesStrategicMerge").into_iter().filter_map(|p| p.as_str().map(String::from));
    from_patches.chain(from_smp).filter(|f| !f.contains('\n')).collect()
}

/// Whether `text` is a patch of `kind` `workload` (its `kind` and `metadata.name`).
fn patches(text: &str, kind: &str, workload: &str) -> bool {
    serde_yaml_ng::from_str::<Value>(text).is_ok_and(|d| {
        d.get("kind").and_then(Value::as_str) == Some(kind)
            && d.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str) == Some(workload)
    })
}

/// Write `change`'s requests and limits for `container` of `kind` `workload`. `read` gives an
/// overlay file's text by its overlay-relative name (`None`: no such file). `Ok(None)` when
/// everything already says so.
pub fn kustomize(
    kustomization: &str,
    read: &dyn Fn(&str) -> Option<String>,
    kind: &str,
    workload: &str,
    container: &str,
    change: &ScaleChange,
) -> Result<Option<PatchEdit>, OverlayError> {
    let existing = patch_files(kustomization)
        .into_iter()
        .find_map(|f| read(&f).filter(|t| patches(t, kind, workload)).map(|t| (f, t)));
    let (file, before, referenced) = match existing {
        Some((f, t)) => (f, Some(t), true),
        None => {
            let f = format!("{workload}-resources.yaml");
            let before = read(&f);
            if before.as_deref().is_some_and(|t| !patches(t, kind, workload)) {
                return Err(OverlayError::Refused(format!(
                    "{f} exists but is no patch of {kind} {workload}: name the file in patches: or move it"
                )));
            }
            (f, before, false)
        }
    };
    let mut text = match &before {
        Some(t) => t.clone(),
        None => format!(
            "# Requests and limits of {workload}, written by Flightdeck (flightdeck scale).\n\
             apiVersion: {}\nkind: {kind}\nmetadata:\n  name: {}\n",
            api_version(kind)?,
            render_scalar(workload, None)
        ),
    };
    for (section, what, value) in change.resources() {
        let Some(v) = value else { continue };
        let path = [
            Seg::Key("spec"),
            Seg::Key("template"),
            Seg::Key("spec"),
            Seg::Key("containers"),
            Seg::Named(container),
            Seg::Key("resources"),
            Seg::Key(section),
            Seg::Key(what),
        ];
        if let Some(t) = set_scalar(&text, &path, &Value::String(v.to_string()))? {
            text = t;
        }
    }
    let kustomization = match referenced {
        true => None,
        false => Some(super::replicas::append_item(kustomization, "patches", &[("path", render_scalar(&file, None))])?),
    };
    if before.as_deref() == Some(text.as_str()) && kustomization.is_none() {
        return Ok(None);
    }
    Ok(Some(PatchEdit { file, before, after: text, kustomization }))
}

/// Write `change`'s requests and limits into Helm values under `key` (dotted, e.g.
/// `resources` → `resources.requests.cpu`). `Ok(None)` when they already say so.
pub fn helm(values: &str, key: &str, change: &ScaleChange) -> Result<Option<String>, OverlayError> {
    let mut text = values.to_string();
    for (section, what, value) in change.resources() {
        let Some(v) = value else { continue };
        let mut path: Vec<Seg> = key.split('.').filter(|k| !k.is_empty()).map(Seg::Key).collect();
        path.extend([Seg::Key(section), Seg::Key(what)]);
        if let Some(t) = set_scalar(&text, &path, &Value::String(v.to_string()))? {
            text = t;
        }
    }
    Ok((text != values).then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUST: &str = "kind: Kustomization\n# one overlay\nimages:\n  - name: r/alpha\n    newTag: v1.0.0\n";

    fn change() -> ScaleChange {
        ScaleChange { cpu_request: Some("250m".into()), memory_limit: Some("512Mi".into()), ..ScaleChange::default() }
    }

    #[test]
    fn creates_the_patch_and_refers_to_it() {
        let none = |_: &str| None;
        let e = kustomize(KUST, &none, "Deployment", "alpha", "app", &change()).unwrap().unwrap();
        assert_eq!((e.file.as_str(), e.before.as_deref()), ("alpha-resources.yaml", None));
        assert_eq!(e.kustomization.as_deref(), Some(&*format!("{KUST}patches:\n  - path: alpha-resources.yaml\n")));
        let doc: Value = serde_yaml_ng::from_str(&e.after).unwrap();
        let c = &doc["spec"]["template"]["spec"]["containers"][0];
        assert_eq!((c["name"].as_str(), doc["apiVersion"].as_str()), (Some("app"), Some("apps/v1")));
        assert_eq!(c["resources"]["requests"]["cpu"].as_str(), Some("250m"));
        assert_eq!(c["resources"]["limits"]["memory"].as_str(), Some("512Mi"));
        assert!(c["resources"]["limits"].get("cpu").is_none(), "only what was asked");
    }

    #[test]
    fn edits_the_existing_patch_in_place() {
        let kust = format!("{KUST}patches:\n  - path: tune.yaml # sizes\n");
        let patch = concat!(
            "kind: Deployment\nmetadata:\n  name: alpha\nspec:\n  template:\n    spec:\n      containers:\n",
            "      - name: app\n        resources:\n          requests:\n            cpu: 100m # floor\n"
        );
        let read = |f: &str| (f == "tune.yaml").then(|| patch.to_string());
        let e = kustomize(&kust, &read, "Deployment", "alpha", "app", &change()).unwrap().unwrap();
        assert_eq!((e.file.as_str(), e.kustomization.as_deref()), ("tune.yaml", None));
        assert_eq!(
            e.after,
            format!("{}\n          limits:\n            memory: 512Mi\n", patch.replace("100m", "250m").trim_end())
        );
        let again = |f: &str| (f == "tune.yaml").then(|| e.after.clone());
        assert_eq!(kustomize(&kust, &again, "Deployment", "alpha", "app", &change()).unwrap(), None);
    }

    #[test]
    fn a_rollout_is_refused_with_why() {
        let err = kustomize(KUST, &|_: &str| None, "Rollout", "alpha", "app", &change()).unwrap_err();
        assert!(err.to_string().contains("custom resource"), "{err}");
    }

    #[test]
    fn helm_keys_open_an_empty_block() {
        let values = "replicaCount: 2\nresources: {} # sized per env\nimage:\n  tag: v1\n";
        let out = helm(values, "resources", &change()).unwrap().unwrap();
        assert_eq!(
            out,
            "replicaCount: 2\nresources: # sized per env\n  requests:\n    cpu: 250m\n  limits:\n    memory: 512Mi\nimage:\n  tag: v1\n"
        );
        assert_eq!(helm(&out, "resources", &change()).unwrap(), None);
        let nested = helm("app:\n  name: a\n", "app.resources", &change()).unwrap().unwrap();
        assert!(nested.starts_with("app:\n  name: a\n  resources:\n    requests:\n      cpu: 250m\n"), "{nested}");
    }
}
