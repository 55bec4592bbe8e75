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
            let fields = [("name", render_scalar(workload, None)), ("count", count.to_string())];
            append_item(text, "replicas", &fields)?
        }
    };
    check_same(&edited, &expected)?;
    Ok(Some(edited))
}

/// Add an item (`fields`: key and value already rendered as YAML) at the end of the top-level
/// block list `list:` (`replicas`, `patches`), or a new list at the end of the file.
pub(super) fn append_item(text: &str, list: &str, fields: &[(&str, String)]) -> Result<String, OverlayError> {
    let lines = Lines::new(text).lines;
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let render = |pad: &str| -> String {
        let rows = fields.iter().enumerate().map(|(i, (k, v))| {
            let lead = if i == 0 { "- " } else { "  " };
            format!("{pad}{lead}{k}: {v}{eol}")
        });
        rows.collect()
    };
    let unsupported = |why: &str| OverlayError::Unsupported(why.to_string());
    let head = lines.iter().position(|l| indent(l) == 0 && key_of(body(l)).is_some_and(|(k, _)| k == list));
    let Some(head) = head else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        out.push_str(&format!("{list}:{eol}{}", render("  ")));
        return Ok(out);
    };
    let first = (head + 1..lines.len()).find(|&i| !is_filler(lines[i]));
    let dash = match first {
        Some(i) if body(lines[i]).trim_start().starts_with('-') => indent(lines[i]),
        _ => return Err(unsupported(&format!("{list} is not a block list"))),
    };
    // The block ends at the next line that is neither filler nor indented past column 0
    // (a list at column 0 continues with dashes at column 0).
    let end = (head + 1..lines.len())
        .find(|&i| !is_filler(lines[i]) && indent(lines[i]) == 0 && !(dash == 0 && lines[i].starts_with('-')))
        .unwrap_or(lines.len());
    let item = render(&" ".repeat(dash));
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
    crate::domain::scale_form::owner_of(&app.to_detail().resources)
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
