//! The whole-object view of the selected deployment: operation, resources, history,
//! conditions, events and the live-vs-desired diff.

use chrono::{DateTime, Utc};

use super::{Health, OpPhase, SyncStatus};

/// `status.operationState` as the detail pane shows it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OperationInfo {
    pub phase: Option<OpPhase>,
    pub message: String,
    pub revision: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub initiated_by: String,
}

/// One entry of `status.resources[]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceStatus {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub status: SyncStatus,
    pub health: Option<Health>,
    pub health_message: Option<String>,
}

/// One entry of `status.history[]` (oldest first on the wire; we keep that order).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HistoryEntry {
    pub id: i64,
    pub revision: String,
    pub deployed_at: Option<DateTime<Utc>>,
    pub initiated_by: String,
    /// When the deployment started (`deployStartedAt`).
    pub started_at: Option<DateTime<Utc>>,
    /// Image overrides the entry's source names (`source.kustomize.images`); empty when the
    /// images live in the repository itself, as Argo CD then does not report them per entry.
    pub images: Vec<String>,
}

/// One of `status.conditions[]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Condition {
    pub kind: String,
    pub message: String,
    pub last_transition: Option<DateTime<Utc>>,
}

impl Condition {
    /// Condition types ending in `Error` are errors; the others are warnings.
    pub fn is_error(&self) -> bool {
        self.kind.ends_with("Error")
    }
}

/// A Kubernetes event about the Application.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct KubeEvent {
    pub kind: String,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub last_seen: Option<DateTime<Utc>>,
}

/// One line of a unified diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Context(String),
    Added(String),
    Removed(String),
    /// `@@` hunk separator.
    Hunk(String),
}

/// Live vs desired of one managed resource that differs.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceDiff {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub lines: Vec<DiffLine>,
}

/// Full object of the selected app, fetched with `GET /api/v1/applications/{name}`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AppDetail {
    pub health: Health,
    pub health_message: Option<String>,
    pub sync: SyncStatus,
    pub sync_revision: String,
    pub auto_sync: bool,
    pub self_heal: bool,
    /// Auto-sync prunes what Git no longer has.
    pub prune: bool,
    pub operation: Option<OperationInfo>,
    pub resources: Vec<ResourceStatus>,
    pub history: Vec<HistoryEntry>,
    pub conditions: Vec<Condition>,
    pub reconciled_at: Option<DateTime<Utc>>,
}

impl AppDetail {
    /// The automated sync policy as Argo CD holds it.
    pub fn sync_policy(&self) -> super::SyncPolicy {
        super::SyncPolicy { auto_sync: self.auto_sync, self_heal: self.self_heal, prune: self.prune }.effective()
    }
    /// The workload a scale/restart acts on: the first Deployment, StatefulSet or Rollout.
    pub fn workload(&self) -> Option<&ResourceStatus> {
        self.resources.iter().find(|r| matches!(r.kind.as_str(), "Deployment" | "StatefulSet" | "Rollout"))
    }
    pub fn rollout(&self) -> Option<&ResourceStatus> {
        self.resources.iter().find(|r| r.kind == "Rollout" && r.group == "argoproj.io")
    }
}

/// A workload's replicas as the scale dialog shows them: live (spec and ready), what Git
/// says, and the HorizontalPodAutoscaler that owns the count, if one does.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WorkloadState {
    pub replicas: Option<u32>,
    pub ready: Option<u32>,
    /// `spec.replicas` in the desired manifest (what self-heal puts back).
    pub desired: Option<u32>,
    /// "HorizontalPodAutoscaler web (2–10)" (or a KEDA "ScaledObject web (1–5)") when one
    /// targets the workload.
    pub hpa: Option<String>,
    /// The names of the live workload's containers (which a requests/limits change is for).
    pub containers: Vec<String>,
}

/// One node of the app's resource tree (`…/resource-tree` and its stream): managed
/// resources and what they own (ReplicaSets, Pods), each with its live health.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TreeNode {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub health: Option<Health>,
    pub health_message: Option<String>,
}

/// The app's live resource tree.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceTree {
    pub nodes: Vec<TreeNode>,
}

impl ResourceTree {
    /// The node of managed resource `r`, if the tree has it.
    pub fn node_of(&self, r: &ResourceStatus) -> Option<&TreeNode> {
        self.nodes
            .iter()
            .find(|n| n.kind == r.kind && n.group == r.group && n.name == r.name && n.namespace == r.namespace)
    }

    /// Pods in the tree: (healthy, all).
    pub fn pods(&self) -> (usize, usize) {
        let pods = self.nodes.iter().filter(|n| n.kind == "Pod" && n.group.is_empty());
        pods.fold((0, 0), |(ok, all), p| (ok + usize::from(p.health == Some(Health::Healthy)), all + 1))
    }
}

/// Line diff of two texts with three lines of context, pure.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(3) {
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            let (o, n) = (first.old_range().start, first.new_range().start);
            let (oe, ne) = (last.old_range().end, last.new_range().end);
            out.push(DiffLine::Hunk(format!("@@ -{},{} +{},{} @@", o + 1, oe - o, n + 1, ne - n)));
        }
        for op in group {
            for change in diff.iter_changes(&op) {
                let text = change.value().trim_end_matches('\n').to_string();
                out.push(match change.tag() {
                    similar::ChangeTag::Equal => DiffLine::Context(text),
                    similar::ChangeTag::Insert => DiffLine::Added(text),
                    similar::ChangeTag::Delete => DiffLine::Removed(text),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_line() {
        let lines = diff_lines("a\nreplicas: 2\nc\n", "a\nreplicas: 3\nc\n");
        assert!(lines.contains(&DiffLine::Removed("replicas: 2".into())));
        assert!(lines.contains(&DiffLine::Added("replicas: 3".into())));
        assert!(matches!(lines[0], DiffLine::Hunk(_)));
        assert!(diff_lines("same\n", "same\n").is_empty());
    }
}
