//! Serde shapes of exactly the Argo CD JSON we read, and their conversion to domain types.
//! Every field is optional: Go's `omitempty` drops empty values and lists may be `null`
//! (notes §1). Every string from the server goes through `sanitize::clean` on conversion.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::domain::mapping::Mapping;
use crate::domain::sanitize::clean;
use crate::domain::{
    AppDetail, AppKey, Condition, Deployment, Health, HistoryEntry, KubeEvent, OpPhase, OperationInfo, ResourceStatus,
    SyncStatus, UserInfo,
};

/// A state word Flightdeck does not know (`parsed_unknown`), kept to be shown as it came:
/// cleaned and capped; `None` for an absent word or Argo CD's own `Unknown`.
fn unknown_word(raw: &str, parsed_unknown: bool) -> Option<String> {
    let word: String = clean(raw.trim()).chars().take(32).collect();
    (parsed_unknown && !word.is_empty() && word != "Unknown").then_some(word)
}

fn sync_unknown(raw: &str) -> bool {
    SyncStatus::parse(raw) == SyncStatus::Unknown
}

/// `null` or absent → the default (lists, maps, nested objects).
fn nd<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// RFC3339 → time; anything unparsable counts as absent rather than failing the whole app.
pub fn parse_time(s: &Option<String>) -> Option<DateTime<Utc>> {
    let s = s.as_deref()?;
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[path = "wire_list.rs"]
mod list;
pub use list::{DeploymentList, ListSeed};

/// `v1alpha1ApplicationList` (list metadata always present when `fields` is set).
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct AppList {
    #[serde(deserialize_with = "nd")]
    pub metadata: ListMeta,
    #[serde(deserialize_with = "nd")]
    pub items: Vec<App>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ListMeta {
    pub resource_version: String,
}

/// One Application, as much of it as we read.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct App {
    #[serde(deserialize_with = "nd")]
    pub metadata: Meta,
    #[serde(deserialize_with = "nd")]
    pub spec: Spec,
    #[serde(deserialize_with = "nd")]
    pub status: Status,
    /// Top-level `operation`: present only while an operation is requested or running.
    pub operation: Option<Value>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: String,
    pub namespace: String,
    #[serde(deserialize_with = "nd")]
    pub labels: BTreeMap<String, String>,
    pub deletion_timestamp: Option<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Spec {
    pub project: String,
    pub source: Option<Source>,
    #[serde(deserialize_with = "nd")]
    pub sources: Vec<Source>,
    #[serde(deserialize_with = "nd")]
    pub destination: Destination,
    pub sync_policy: Option<SyncPolicy>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Source {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    pub path: String,
    pub target_revision: String,
    /// `helm.valueFiles` and the rest of the Helm source, when the source is a chart.
    pub helm: Option<SourceHelm>,
    /// `kustomize.images`: image overrides set on the source itself.
    pub kustomize: Option<SourceKustomize>,
}

/// `ApplicationSourceKustomize`: only its image overrides (`name[=new][:tag][@digest]`).
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct SourceKustomize {
    #[serde(deserialize_with = "nd")]
    pub images: Vec<String>,
}

/// `ApplicationSourceHelm`: only the value files a promotion edits.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct SourceHelm {
    #[serde(deserialize_with = "nd")]
    pub value_files: Vec<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct Destination {
    pub namespace: String,
    /// The cluster's API URL (`server`) or its name (`name`): one of the two is set.
    pub server: String,
    pub name: String,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct SyncPolicy {
    /// Kept raw: pausing auto-sync remembers it so resuming restores the same settings.
    pub automated: Option<Value>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Status {
    #[serde(deserialize_with = "nd")]
    pub health: HealthInfo,
    #[serde(deserialize_with = "nd")]
    pub sync: SyncInfo,
    #[serde(deserialize_with = "nd")]
    pub summary: Summary,
    pub operation_state: Option<OperationState>,
    #[serde(deserialize_with = "nd")]
    pub resources: Vec<Resource>,
    #[serde(deserialize_with = "nd")]
    pub history: Vec<History>,
    #[serde(deserialize_with = "nd")]
    pub conditions: Vec<Cond>,
    pub reconciled_at: Option<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct HealthInfo {
    pub status: String,
    pub message: Option<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct SyncInfo {
    pub status: String,
    pub revision: String,
    #[serde(deserialize_with = "nd")]
    pub revisions: Vec<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct Summary {
    #[serde(deserialize_with = "nd")]
    pub images: Vec<String>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct OperationState {
    pub phase: String,
    pub message: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub sync_result: Option<SyncResult>,
    pub operation: Option<OperationSpec>,
}

impl OperationState {
    pub fn phase(&self) -> Option<OpPhase> {
        OpPhase::parse(&self.phase)
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct SyncResult {
    pub revision: String,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct OperationSpec {
    #[serde(deserialize_with = "nd")]
    pub initiated_by: InitiatedBy,
    pub sync: Option<SyncResult>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct InitiatedBy {
    pub username: String,
    pub automated: bool,
}

impl InitiatedBy {
    fn who(&self) -> String {
        if !self.username.is_empty() {
            clean(&self.username)
        } else if self.automated {
            "automated".into()
        } else {
            String::new()
        }
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct Resource {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub status: String,
    pub health: Option<HealthInfo>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct History {
    pub id: i64,
    pub revision: String,
    #[serde(deserialize_with = "nd")]
    pub revisions: Vec<String>,
    pub deployed_at: Option<String>,
    pub deploy_started_at: Option<String>,
    #[serde(deserialize_with = "nd")]
    pub initiated_by: InitiatedBy,
    pub source: Option<Source>,
    #[serde(deserialize_with = "nd")]
    pub sources: Vec<Source>,
}

impl History {
    /// The image overrides the entry's source(s) name (`kustomize.images`).
    fn images(&self) -> Vec<String> {
        let sources = self.source.iter().chain(self.sources.iter());
        sources.filter_map(|s| s.kustomize.as_ref()).flat_map(|k| k.images.iter().map(|i| clean(i))).collect()
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase")]
pub struct Cond {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub last_transition_time: Option<String>,
}

fn first_or<'a>(one: &'a str, many: &'a [String]) -> &'a str {
    if one.is_empty() {
        many.first().map(String::as_str).unwrap_or("")
    } else {
        one
    }
}

impl App {
    pub fn key(&self, instance: usize) -> AppKey {
        AppKey { instance, namespace: clean(&self.metadata.namespace), name: clean(&self.metadata.name) }
    }

    /// Auto-sync on ⇔ `automated` present and `automated.enabled != false` (notes §6.2).
    pub fn auto_sync(&self) -> bool {
        let automated = self.spec.sync_policy.as_ref().and_then(|p| p.automated.as_ref());
        match automated {
            Some(a) if !a.is_null() => a.get("enabled").and_then(Value::as_bool) != Some(false),
            _ => false,
        }
    }

    fn self_heal(&self) -> bool {
        self.sync_policy().self_heal
    }

    /// `spec.syncPolicy.automated` read as Argo CD does: self-heal and prune count only while
    /// auto-sync is on, and default to off (swagger `v1alpha1SyncPolicyAutomated`).
    pub fn sync_policy(&self) -> crate::domain::SyncPolicy {
        let automated = self.spec.sync_policy.as_ref().and_then(|p| p.automated.as_ref());
        let flag =
            |k: &str| self.auto_sync() && automated.and_then(|a| a.get(k)).and_then(Value::as_bool) == Some(true);
        crate::domain::SyncPolicy { auto_sync: self.auto_sync(), self_heal: flag("selfHeal"), prune: flag("prune") }
    }

    pub fn health(&self) -> Health {
        Health::parse(&self.status.health.status)
    }

    pub fn op_phase(&self) -> Option<OpPhase> {
        self.status.operation_state.as_ref().and_then(OperationState::phase)
    }

    fn source(&self) -> Option<&Source> {
        self.spec.source.as_ref().or_else(|| self.spec.sources.first())
    }

    /// The matrix view of this app, placed in service × environment by `mapping`.
    pub fn to_deployment(&self, instance: usize, mapping: &Mapping, fallback_env: &str) -> Deployment {
        let labels = &self.metadata.labels;
        let (service, env) = mapping.resolve(&self.metadata.name, |k| labels.get(k).map(String::as_str), fallback_env);
        let team = labels.get("team").or_else(|| labels.get("app.kubernetes.io/part-of")).map(|t| clean(t));
        let op = self.status.operation_state.as_ref();
        let src = self.source();
        Deployment {
            key: self.key(instance),
            project: clean(&self.spec.project),
            service: clean(&service),
            env: clean(&env),
            team,
            health: self.health(),
            health_message: self.status.health.message.as_deref().map(clean).filter(|m| !m.is_empty()),
            sync: SyncStatus::parse(&self.status.sync.status),
            revision: clean(first_or(&self.status.sync.revision, &self.status.sync.revisions)),
            images: self.status.summary.images.iter().map(|i| clean(i)).collect(),
            operation: op.and_then(OperationState::phase),
            op_started_at: op.and_then(|o| parse_time(&o.started_at)),
            op_finished_at: op.and_then(|o| parse_time(&o.finished_at)),
            auto_sync: self.auto_sync(),
            repo_url: src.map(|s| clean(&s.repo_url)).unwrap_or_default(),
            path: src.map(|s| clean(&s.path)).unwrap_or_default(),
            target_revision: src.map(|s| clean(&s.target_revision)).unwrap_or_default(),
            dest_namespace: clean(&self.spec.destination.namespace),
            deleting: self.metadata.deletion_timestamp.is_some(),
            unknown_health: unknown_word(&self.status.health.status, self.health() == Health::Unknown),
            unknown_sync: unknown_word(&self.status.sync.status, sync_unknown(&self.status.sync.status)),
        }
    }

    /// The detail-pane view of the whole object.
    pub fn to_detail(&self) -> AppDetail {
        let st = &self.status;
        AppDetail {
            health: self.health(),
            health_message: st.health.message.as_deref().map(clean).filter(|m| !m.is_empty()),
            sync: SyncStatus::parse(&st.sync.status),
            sync_revision: clean(first_or(&st.sync.revision, &st.sync.revisions)),
            auto_sync: self.auto_sync(),
            self_heal: self.self_heal(),
            prune: self.sync_policy().prune,
            operation: st.operation_state.as_ref().map(|o| OperationInfo {
                phase: o.phase(),
                message: clean(&o.message),
                revision: clean(
                    o.sync_result
                        .as_ref()
                        .map(|r| r.revision.as_str())
                        .filter(|r| !r.is_empty())
                        .or_else(|| o.operation.as_ref().and_then(|op| op.sync.as_ref()).map(|s| s.revision.as_str()))
                        .unwrap_or(""),
                ),
                started_at: parse_time(&o.started_at),
                finished_at: parse_time(&o.finished_at),
                initiated_by: o.operation.as_ref().map(|op| op.initiated_by.who()).unwrap_or_default(),
            }),
            resources: st.resources.iter().map(Resource::to_domain).collect(),
            history: st
                .history
                .iter()
                .map(|h| HistoryEntry {
                    id: h.id,
                    revision: clean(first_or(&h.revision, &h.revisions)),
                    deployed_at: parse_time(&h.deployed_at),
                    initiated_by: h.initiated_by.who(),
                    started_at: parse_time(&h.deploy_started_at),
                    images: h.images(),
                })
                .collect(),
            conditions: st
                .conditions
                .iter()
                .map(|c| Condition {
                    kind: clean(&c.kind),
                    message: clean(&c.message),
                    last_transition: parse_time(&c.last_transition_time),
                })
                .collect(),
            reconciled_at: parse_time(&st.reconciled_at),
        }
    }
}

impl Resource {
    fn to_domain(&self) -> ResourceStatus {
        ResourceStatus {
            group: clean(&self.group),
            version: clean(&self.version),
            kind: clean(&self.kind),
            namespace: clean(&self.namespace),
            name: clean(&self.name),
            status: SyncStatus::parse(&self.status),
            health: self.health.as_ref().filter(|h| !h.status.is_empty()).map(|h| Health::parse(&h.status)),
            health_message: self.health.as_ref().and_then(|h| h.message.as_deref()).map(clean),
        }
    }
}

/// One message of the watch stream: a result or an error chunk.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct WatchEnvelope {
    pub result: Option<WatchResult>,
    pub error: Option<Value>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct WatchResult {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "nd")]
    pub application: App,
}

/// `eventsEventList` (items may be null).
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct EventList {
    #[serde(deserialize_with = "nd")]
    pub items: Vec<Event>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub last_timestamp: Option<String>,
    pub first_timestamp: Option<String>,
    pub event_time: Option<String>,
}

impl Event {
    pub fn to_domain(&self) -> KubeEvent {
        KubeEvent {
            kind: clean(&self.kind),
            reason: clean(&self.reason),
            message: clean(&self.message),
            count: self.count,
            last_seen: parse_time(&self.last_timestamp)
                .or_else(|| parse_time(&self.event_time))
                .or_else(|| parse_time(&self.first_timestamp)),
        }
    }
}

/// `GET /api/v1/session/userinfo` (proto3 omitempty: `{}` for anonymous).
#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct UserInfoWire {
    pub logged_in: bool,
    pub username: String,
    #[serde(deserialize_with = "nd")]
    pub groups: Vec<String>,
}

impl UserInfoWire {
    pub fn to_domain(&self) -> UserInfo {
        UserInfo { username: clean(&self.username), groups: self.groups.iter().map(|g| clean(g)).collect() }
    }
}

/// `GET /api/version`: capitalised keys.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct VersionWire {
    #[serde(rename = "Version")]
    pub version: String,
}

/// `POST /api/v1/session` answer.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SessionWire {
    pub token: String,
}

/// `{"items":[ResourceDiff]}` of managed-resources; the four states are JSON strings.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
pub struct ManagedList {
    #[serde(deserialize_with = "nd")]
    pub items: Vec<Managed>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Managed {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub modified: bool,
    pub target_state: Option<String>,
    pub live_state: Option<String>,
    pub normalized_live_state: Option<String>,
    pub predicted_live_state: Option<String>,
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
