//! Overlay edits for a scale made the GitOps way: a kustomization's `replicas[]` entry for the
//! workload (kustomize's own replica transformer: `- name: W` / `count: N`, added when the
//! overlay has none), or a Helm values key (`replicaCount` unless configured). As for images,
//! only the lines that must change are touched and the result is checked structurally. Also:
//! who else owns the replica count (an HPA or a KEDA ScaledObject), which a commit must not
//! fight.

use serde_yaml_ng::{Mapping, Value};

use super::overlay::{apply_to_mapping, check_same, edit_lines, Change, OverlayError};
use super::yaml_lines::{body, ending, indent, is_filler, key_of, render_scalar, Lines};
use crate::client::argocd::wire::App;
use crate::domain::sanitize::clean;

/// Helm values key of the replica count when the config does not name one (the key
/// `helm create` charts use).
pub const DEFAULT_HELM_REPLICAS_KEY: &str = "replicaCount";

/// Point the kustomization's `replicas[]` entry for `workload` at `count`, adding the entry
/// (and the list) when missing. `Ok(None)` when it already says exactly that.
pub fn edit_kustomization_replicas(text: &str, workload: &str, count: u32) -> Result<Option<String>, OverlayError> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| OverlayError::Invalid(e.to_string()))?;
    let entries = doc.get("replicas").and_then(Value::as_sequence).cloned().unwrap_or_default();
    let named = |e: &Value| e.get("name").and_then(Value::as_str) == Some(workload);
    let mut expected = doc.clone();
    let edited = match entries.iter().position(named) {
        Some(index) => {
            if entries[index].get("count").and_then(Value::as_u64) == Some(u64::from(count)) {
                return Ok(None);
            }
            let changes = [Change::Number("count", count)];
            if let Some(Value::Mapping(entry)) = expected.get_mut("replicas").and_then(|v| v.get_mut(index)) {
                apply_to_mapping(entry, &changes);
            }
            edit_lines(text, "replicas", index, &changes)?
        }
        None => {
            let mut entry = Mapping::new();
            entry.insert(Value::String("name".into()), Value::String(workload.into()));
            entry.insert(Value::String("count".into()), Value::Number(count.into()));
            match expected.as_mapping_mut() {
                Some(m) => match m.get_mut("replicas").and_then(Value::as_sequence_mut) {
                    Some(list) => list.push(Value::Mapping(entry)),
                    None => {
                        m.insert(Value::String("replicas".into()), Value::Sequence(vec![Value::Mapping(entry)]));
                    }
                },
                None => return Err(OverlayError::Unsupported("the kustomization is not a mapping".into())),
            }
            append_entry(text, workload, count, doc.get("replicas").is_some())?
        }
    };
    check_same(&edited, &expected)?;
    Ok(Some(edited))
}

/// Add `- name: W / count: N` at the end of the top-level `replicas:` block, or a new block
/// at the end of the file.
fn append_entry(text: &str, workload: &str, count: u32, has_list: bool) -> Result<String, OverlayError> {
    let lines = Lines::new(text).lines;
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let name = render_scalar(workload, None);
    if !has_list {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&format!("replicas:{eol}  - name: {name}{eol}    count: {count}{eol}"));
        return Ok(out);
    }
    let unsupported = |why: &str| OverlayError::Unsupported(why.to_string());
    let head = lines
        .iter()
        .position(|l| indent(l) == 0 && key_of(body(l)).is_some_and(|(k, _)| k == "replicas"))
        .ok_or_else(|| unsupported("replicas is not a top-level block key"))?;
    let first = (head + 1..lines.len()).find(|&i| !is_filler(lines[i]));
    let dash = match first {
        Some(i) if body(lines[i]).trim_start().starts_with('-') => indent(lines[i]),
        _ => return Err(unsupported("replicas is not a block list")),
    };
    // The block ends at the next line that is neither filler nor indented past column 0
    // (a list at column 0 continues with dashes at column 0).
    let end = (head + 1..lines.len())
        .find(|&i| !is_filler(lines[i]) && indent(lines[i]) == 0 && !(dash == 0 && lines[i].starts_with('-')))
        .unwrap_or(lines.len());
    let pad = " ".repeat(dash);
    let item = format!("{pad}- name: {name}{eol}{pad}  count: {count}{eol}");
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if let Some(last) = out.get_mut(end.saturating_sub(1)).filter(|l| ending(l).is_empty()) {
        last.push_str(eol);
    }
    out.insert(end, item);
    Ok(out.concat())
}

/// What owns the replica count besides Git, read from the app's managed resources: an
/// `autoscaling` HorizontalPodAutoscaler or a KEDA `ScaledObject`. `None` when nothing does.
pub fn replica_owner(app: &App) -> Option<String> {
    app.status
        .resources
        .iter()
        .find(|r| {
            (r.kind == "HorizontalPodAutoscaler" && r.group == "autoscaling")
                || (r.kind == "ScaledObject" && r.group == "keda.sh")
        })
        .map(|r| format!("{} {}", clean(&r.kind), clean(&r.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "kind: Kustomization\n# one overlay\nimages:\n  - name: r/alpha\n    newTag: v1.0.0\n";

    #[test]
    fn adds_a_replicas_block_when_the_overlay_has_none() {
        let out = edit_kustomization_replicas(BASE, "alpha", 4).unwrap().unwrap();
        assert_eq!(out, format!("{BASE}replicas:\n  - name: alpha\n    count: 4\n"));
        assert_eq!(edit_kustomization_replicas(&out, "alpha", 4).unwrap(), None);
    }

    #[test]
    fn changes_only_the_count_of_the_named_entry() {
        let text = "replicas:\n- name: other\n  count: 2\n- name: alpha\n  count: 3 # peak\nimages: []\n";
        let out = edit_kustomization_replicas(text, "alpha", 5).unwrap().unwrap();
        assert_eq!(out, text.replace("count: 3 # peak", "count: 5 # peak"));
        let added = edit_kustomization_replicas(text, "beta", 1).unwrap().unwrap();
        assert_eq!(added, text.replace("images: []", "- name: beta\n  count: 1\nimages: []"));
    }

    #[test]
    fn an_hpa_or_scaled_object_owns_the_replicas() {
        let app = |kind: &str, group: &str| -> App {
            serde_json::from_value(serde_json::json!({"metadata": {"name": "a"}, "status": {"resources": [
                {"group": "apps", "kind": "Deployment", "name": "a", "namespace": "a"},
                {"group": group, "kind": kind, "name": "a-hpa", "namespace": "a"}]}}))
            .unwrap()
        };
        assert_eq!(
            replica_owner(&app("HorizontalPodAutoscaler", "autoscaling")).as_deref(),
            Some("HorizontalPodAutoscaler a-hpa")
        );
        assert_eq!(replica_owner(&app("ScaledObject", "keda.sh")).as_deref(), Some("ScaledObject a-hpa"));
        assert_eq!(replica_owner(&app("Service", "")), None);
    }

    #[test]
    fn helm_counts_stay_numbers() {
        let out = super::super::overlay::edit_helm_number("replicaCount: 2\nimage:\n  tag: v1\n", "replicaCount", 6);
        assert_eq!(out.unwrap().unwrap(), "replicaCount: 6\nimage:\n  tag: v1\n");
    }
}
