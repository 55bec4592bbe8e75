//! Live-vs-desired diff of managed resources: each side's JSON-encoded state is decoded,
//! stripped of noise (managedFields, status, the last-applied annotation) and printed as
//! YAML, then diffed line by line. Pure; unit-tested against the reference examples.

use serde_json::Value;

use super::wire::Managed;
use crate::domain::detail::diff_lines;
use crate::domain::sanitize::clean;
use crate::domain::{DiffLine, ResourceDiff};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Diffs of the `modified` resources: normalizedLiveState (else liveState) vs
/// predictedLiveState (else targetState), as the Argo CD UI compares them.
pub fn resource_diffs(items: &[Managed]) -> Vec<ResourceDiff> {
    items
        .iter()
        .filter(|m| m.modified)
        .map(|m| {
            let live = m.normalized_live_state.as_deref().or(m.live_state.as_deref());
            let desired = m.predicted_live_state.as_deref().or(m.target_state.as_deref());
            ResourceDiff {
                group: clean(&m.group),
                kind: clean(&m.kind),
                namespace: clean(&m.namespace),
                name: clean(&m.name),
                lines: diff_lines(&to_yaml(live), &to_yaml(desired)).into_iter().map(clean_line).collect(),
            }
        })
        .collect()
}

fn clean_line(l: DiffLine) -> DiffLine {
    match l {
        DiffLine::Context(s) => DiffLine::Context(clean(&s)),
        DiffLine::Added(s) => DiffLine::Added(clean(&s)),
        DiffLine::Removed(s) => DiffLine::Removed(clean(&s)),
        DiffLine::Hunk(s) => DiffLine::Hunk(clean(&s)),
    }
}

/// A state string (`"null"` or absent for a missing side) as stripped YAML; empty when absent.
pub fn to_yaml(state: Option<&str>) -> String {
    let Some(text) = state else { return String::new() };
    let mut v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        // Not JSON: show it as it came rather than hide the resource.
        Err(_) => return format!("{text}\n"),
    };
    if v.is_null() {
        return String::new();
    }
    strip(&mut v);
    serde_yaml_ng::to_string(&v).unwrap_or_default()
}

fn strip(v: &mut Value) {
    let Some(obj) = v.as_object_mut() else { return };
    obj.remove("status");
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        let empty = match meta.get_mut("annotations").and_then(Value::as_object_mut) {
            Some(ann) => {
                ann.remove(LAST_APPLIED);
                ann.is_empty()
            }
            None => false,
        };
        if empty {
            meta.remove("annotations");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_json(file: &str) -> String {
        let path = format!("{}/../shared/reference/argocd/examples/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).expect("example");
        let v: Value = serde_yaml_ng::from_str(&text).expect("yaml");
        v.to_string()
    }

    #[test]
    fn live_vs_target_deployment() {
        let live = example_json("managed-deployment-live.yaml");
        let target = example_json("managed-deployment-target.yaml");
        assert!(live.contains("managedFields") && live.contains(LAST_APPLIED));
        let m = Managed {
            kind: "Deployment".into(),
            name: "kustomize-guestbook-ui".into(),
            modified: true,
            live_state: Some(live),
            target_state: Some(target),
            ..Default::default()
        };
        let unmodified = Managed { modified: false, ..Default::default() };
        let diffs = resource_diffs(&[m, unmodified]);
        assert_eq!(diffs.len(), 1, "only modified resources");
        let text: Vec<String> = diffs[0].lines.iter().map(|l| format!("{l:?}")).collect();
        let joined = text.join("\n");
        assert!(!joined.contains("managedFields"), "managedFields stripped");
        assert!(!joined.contains(LAST_APPLIED), "last-applied stripped");
        assert!(!joined.contains("availableReplicas"), "status stripped");
        assert!(diffs[0].lines.iter().any(|l| matches!(l, DiffLine::Added(_) | DiffLine::Removed(_))));
    }

    #[test]
    fn missing_sides_and_fallbacks() {
        assert_eq!(to_yaml(Some("null")), "");
        assert_eq!(to_yaml(None), "");
        let m = Managed {
            kind: "ConfigMap".into(),
            modified: true,
            live_state: Some("null".into()),
            target_state: Some(r#"{"kind":"ConfigMap","data":{"a":"1"}}"#.into()),
            predicted_live_state: Some(r#"{"kind":"ConfigMap","data":{"a":"2"}}"#.into()),
            ..Default::default()
        };
        let d = resource_diffs(&[m]);
        assert!(d[0].lines.contains(&DiffLine::Added("  a: '2'".into())), "{:?}", d[0].lines);
        assert!(!d[0].lines.iter().any(|l| matches!(l, DiffLine::Removed(_))), "live side absent");
    }
}
