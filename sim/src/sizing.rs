//! Container requests and limits as the overlay sets them: a strategic-merge patch listed in
//! the kustomization's `patches:` (or `patchesStrategicMerge:`) that names the service's
//! workload gives the `resources` of its container `app`, which the simulator renders in the
//! workload's desired manifest; a sync applies it to the live one (so self-heal keeps what Git
//! says, and a change in Git makes the app OutOfSync until it is synced).

use serde_json::Value;

/// The container every simulated workload runs (`objects::workload_obj`).
pub const CONTAINER: &str = "app";

/// The `resources` of container `app` of `workload` in the patches `kustomization` lists (read
/// by `show`, by overlay-relative name), as JSON; `None` when no patch sets any.
pub fn resources_in(kustomization: &str, workload: &str, show: impl Fn(&str) -> Option<String>) -> Option<Value> {
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(kustomization).ok()?;
    let listed = |k: &str| doc.get(k).and_then(|v| v.as_sequence()).cloned().unwrap_or_default();
    let files: Vec<String> = listed("patches")
        .iter()
        .filter_map(|p| p.get("path").and_then(|v| v.as_str()).map(str::to_string))
        .chain(listed("patchesStrategicMerge").iter().filter_map(|p| p.as_str().map(str::to_string)))
        .filter(|f| !f.contains('/'))
        .collect();
    files.iter().find_map(|f| {
        let patch: Value = serde_yaml_ng::from_str(&show(f)?).ok()?;
        if patch.pointer("/metadata/name").and_then(Value::as_str) != Some(workload) {
            return None;
        }
        let containers = patch.pointer("/spec/template/spec/containers")?.as_array()?;
        let c = containers.iter().find(|c| c.get("name").and_then(Value::as_str) == Some(CONTAINER))?;
        c.get("resources").filter(|r| r.is_object()).cloned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_app_containers_resources_from_a_listed_patch() {
        let kust = "kind: Kustomization\npatches:\n  - path: a-resources.yaml\n";
        let patch =
            "kind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n        \
                     - name: app\n          resources:\n            limits:\n              cpu: \"1\"\n";
        let show = |f: &str| (f == "a-resources.yaml").then(|| patch.to_string());
        let r = resources_in(kust, "a", show).unwrap();
        assert_eq!(r.pointer("/limits/cpu").and_then(Value::as_str), Some("1"));
        assert_eq!(resources_in(kust, "b", show), None);
        assert_eq!(resources_in("kind: Kustomization\n", "a", show), None);
    }
}
