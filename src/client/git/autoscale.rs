//! An autoscaler's bounds written to an overlay, for a workload whose replica count an HPA or a
//! KEDA ScaledObject owns: the `autoscaling/v2` HorizontalPodAutoscaler's
//! `spec.minReplicas`/`spec.maxReplicas`, or the ScaledObject's
//! `spec.minReplicaCount`/`spec.maxReplicaCount`, in the overlay file (one of the
//! kustomization's `resources:`) whose `spec.scaleTargetRef.name` is the workload. Helm: the
//! values keys under `[gitops] helm_autoscaling_key` (`autoscaling.minReplicas` …, the keys of
//! `helm create` charts). Pure text in, text out; a max below the min the file keeps is refused.

use serde_yaml_ng::Value;

use super::overlay::OverlayError;
use super::yaml_set::{set_scalar, Seg};
use crate::domain::scale::ScaleChange;

/// Helm values key of the autoscaler's settings when the config names none.
pub const DEFAULT_HELM_AUTOSCALING_KEY: &str = "autoscaling";

/// The overlay file holding the autoscaler, and its text after the edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundsEdit {
    pub file: String,
    pub before: String,
    pub after: String,
}

/// The bound keys of an autoscaler `kind` (HPA or ScaledObject); `None` for anything else.
pub fn bound_keys(doc: &Value) -> Option<(&'static str, &'static str)> {
    let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    match doc.get("kind").and_then(Value::as_str)? {
        "HorizontalPodAutoscaler" if api.starts_with("autoscaling/") => Some(("minReplicas", "maxReplicas")),
        "ScaledObject" if api.starts_with("keda.sh/") => Some(("minReplicaCount", "maxReplicaCount")),
        _ => None,
    }
}

/// The overlay-relative files a kustomization lists in `resources:` (directories and remote
/// bases left out).
fn resource_files(kustomization: &str) -> Vec<String> {
    let Ok(doc) = serde_yaml_ng::from_str::<Value>(kustomization) else { return Vec::new() };
    let list = doc.get("resources").and_then(Value::as_sequence).cloned().unwrap_or_default();
    list.iter()
        .filter_map(Value::as_str)
        .filter(|f| (f.ends_with(".yaml") || f.ends_with(".yml")) && !f.contains("://"))
        .map(str::to_string)
        .collect()
}

/// Set `change.min`/`change.max` in the autoscaler of `workload` among the overlay's resources.
/// `Ok(None)` when it already says so.
pub fn kustomize(
    kustomization: &str,
    read: &dyn Fn(&str) -> Option<String>,
    workload: &str,
    change: &ScaleChange,
) -> Result<Option<BoundsEdit>, OverlayError> {
    let found = resource_files(kustomization).into_iter().find_map(|f| {
        let text = read(&f)?;
        let doc: Value = serde_yaml_ng::from_str(&text).ok()?;
        let keys = bound_keys(&doc)?;
        let target = doc.get("spec")?.get("scaleTargetRef")?.get("name")?.as_str()?;
        (target == workload).then_some((f, text, doc, keys))
    });
    let Some((file, before, doc, (min_key, max_key))) = found else {
        return Err(OverlayError::Refused(format!(
            "no HorizontalPodAutoscaler or ScaledObject scaling {workload} among the overlay's resources: \
             when it comes from a base, change its bounds there"
        )));
    };
    let spec = doc.get("spec");
    let now = |k: &str| spec.and_then(|s| s.get(k)).and_then(Value::as_u64);
    check_bounds(change, now(min_key), now(max_key), &file)?;
    let mut text = before.clone();
    for (key, value) in [(min_key, change.min), (max_key, change.max)] {
        let Some(n) = value else { continue };
        if let Some(t) = set_scalar(&text, &[Seg::Key("spec"), Seg::Key(key)], &Value::Number(n.into()))? {
            text = t;
        }
    }
    Ok((text != before).then_some(BoundsEdit { file, before, after: text }))
}

/// Set the bounds in Helm values under `key` (`autoscaling` → `autoscaling.minReplicas`,
/// `autoscaling.maxReplicas`). `Ok(None)` when they already say so.
pub fn helm(values: &str, key: &str, change: &ScaleChange) -> Result<Option<String>, OverlayError> {
    let doc: Value = serde_yaml_ng::from_str(values).map_err(|e| OverlayError::Invalid(e.to_string()))?;
    let base: Vec<&str> = key.split('.').filter(|k| !k.is_empty()).collect();
    let now = |k: &str| {
        let mut cur = Some(&doc);
        for b in &base {
            cur = cur.and_then(|c| c.get(*b));
        }
        cur.and_then(|c| c.get(k)).and_then(Value::as_u64)
    };
    check_bounds(change, now("minReplicas"), now("maxReplicas"), key)?;
    let mut text = values.to_string();
    for (k, value) in [("minReplicas", change.min), ("maxReplicas", change.max)] {
        let Some(n) = value else { continue };
        let mut path: Vec<Seg> = base.iter().map(|b| Seg::Key(b)).collect();
        path.push(Seg::Key(k));
        if let Some(t) = set_scalar(&text, &path, &Value::Number(n.into()))? {
            text = t;
        }
    }
    Ok((text != values).then_some(text))
}

/// The bounds after the change must still hold min ≤ max (one bound given is checked against
/// the other as `where` keeps it).
fn check_bounds(change: &ScaleChange, min: Option<u64>, max: Option<u64>, place: &str) -> Result<(), OverlayError> {
    let lo = change.min.map(u64::from).or(min);
    let hi = change.max.map(u64::from).or(max);
    match (lo, hi) {
        (Some(lo), Some(hi)) if lo > hi => Err(OverlayError::Refused(format!(
            "min {lo} would be above max {hi} (as {place} would have them): give both --min and --max"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUST: &str = "kind: Kustomization\nresources:\n  - ../../base\n  - hpa.yaml\n";
    const HPA: &str = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: alpha\nspec:\n  \
                       scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: alpha\n  \
                       minReplicas: 2 # floor\n  maxReplicas: 10\n";

    fn bounds(min: Option<u32>, max: Option<u32>) -> ScaleChange {
        ScaleChange { min, max, ..ScaleChange::default() }
    }

    #[test]
    fn changes_the_hpa_bounds_in_place() {
        let read = |f: &str| (f == "hpa.yaml").then(|| HPA.to_string());
        let e = kustomize(KUST, &read, "alpha", &bounds(Some(3), Some(6))).unwrap().unwrap();
        assert_eq!(e.file, "hpa.yaml");
        assert_eq!(
            e.after,
            HPA.replace("minReplicas: 2", "minReplicas: 3").replace("maxReplicas: 10", "maxReplicas: 6")
        );
        assert_eq!(kustomize(KUST, &read, "alpha", &bounds(Some(2), None)).unwrap(), None);
        let err = kustomize(KUST, &read, "alpha", &bounds(None, Some(1))).unwrap_err();
        assert!(err.to_string().contains("min 2 would be above max 1"), "{err}");
        let err = kustomize(KUST, &read, "beta", &bounds(None, Some(4))).unwrap_err();
        assert!(err.to_string().contains("no HorizontalPodAutoscaler or ScaledObject scaling beta"), "{err}");
    }

    #[test]
    fn a_scaled_object_has_its_own_keys() {
        let so = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: alpha\nspec:\n  scaleTargetRef:\n    \
                  name: alpha\n  minReplicaCount: 1\n  maxReplicaCount: 5\n";
        let read = |f: &str| (f == "hpa.yaml").then(|| so.to_string());
        let e = kustomize(KUST, &read, "alpha", &bounds(None, Some(8))).unwrap().unwrap();
        assert_eq!(e.after, so.replace("maxReplicaCount: 5", "maxReplicaCount: 8"));
    }

    #[test]
    fn helm_bounds_use_the_chart_keys() {
        let values = "autoscaling:\n  enabled: true\n  minReplicas: 1\n  maxReplicas: 100\n";
        let out = helm(values, "autoscaling", &bounds(Some(2), Some(4))).unwrap().unwrap();
        assert_eq!(out, "autoscaling:\n  enabled: true\n  minReplicas: 2\n  maxReplicas: 4\n");
        assert!(helm(values, "autoscaling", &bounds(Some(200), None)).is_err());
    }
}
