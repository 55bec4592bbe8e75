//! A closer look at one app for the needs-attention queue: its operation's message (the list's
//! `fields` whitelist has no `operationState.message`, notes §3.1) and, when it runs an Argo
//! Rollout, where the Rollout stands — its step and canary weight — from the live manifest.

use serde_json::Value;

use super::apps::ResourceRef;
use super::wire::parse_time;
use super::ArgoClient;
use crate::client::error::ClientError;
use crate::domain::attention::{Explanation, RolloutStatus};
use crate::domain::sanitize::clean;
use crate::domain::{AppKey, Health};

impl ArgoClient {
    /// The app's operation message and its Rollout's step and weight.
    pub async fn explain(&self, key: &AppKey) -> Result<Explanation, ClientError> {
        let detail = self.get_app(key, None).await?.to_detail();
        let op_message = detail.operation.as_ref().map(|o| o.message.clone()).filter(|m| !m.is_empty());
        let rollout = match detail.rollout() {
            Some(r) => {
                let res = ResourceRef {
                    group: r.group.clone(),
                    version: if r.version.is_empty() { "v1alpha1".into() } else { r.version.clone() },
                    kind: r.kind.clone(),
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                };
                Some(rollout_status(&r.name, &self.resource_manifest(key, &res).await?))
            }
            None => None,
        };
        let unhealthy =
            detail.resources.iter().find(|r| matches!(r.health, Some(Health::Degraded | Health::Missing))).map(|r| {
                let why = r.health_message.as_deref().filter(|m| !m.is_empty()).unwrap_or("no message");
                format!("{} {}: {why}", r.kind, r.name)
            });
        Ok(Explanation { op_message, rollout, unhealthy })
    }
}

/// Where a Rollout stands: `status.currentStepIndex` of `spec.strategy.canary.steps`, and the
/// canary weight there. The reference's paused Rollout carries no `status.canary.weights`, so
/// the weight is the last `setWeight` at or before the current step (as the steps set it).
pub fn rollout_status(name: &str, manifest: &Value) -> RolloutStatus {
    let steps = manifest.pointer("/spec/strategy/canary/steps").and_then(Value::as_array);
    let index = manifest.pointer("/status/currentStepIndex").and_then(Value::as_u64);
    let weight = match (steps, index) {
        (Some(s), Some(i)) => {
            let upto = usize::try_from(i).unwrap_or(usize::MAX).min(s.len().saturating_sub(1));
            s.iter().take(upto + 1).rev().find_map(|st| st.get("setWeight").and_then(Value::as_u64))
        }
        _ => None,
    };
    let since = manifest
        .pointer("/status/pauseConditions/0/startTime")
        .and_then(Value::as_str)
        .and_then(|t| parse_time(&Some(t.to_string())));
    RolloutStatus {
        name: clean(name),
        step: index.and_then(|i| u32::try_from(i + 1).ok()),
        steps: steps.map_or(0, |s| u32::try_from(s.len()).unwrap_or(u32::MAX)),
        weight: weight.and_then(|w| u32::try_from(w).ok()),
        paused_since: since,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_rollout_paused_at_its_first_step() {
        let text = include_str!("../../../tests/fixtures/argocd/rollout-canary-paused-step1.yaml");
        let manifest: Value = serde_yaml_ng::from_str(text).unwrap_or_default();
        let r = rollout_status("rollouts-demo", &manifest);
        assert_eq!((r.step, r.steps, r.weight), (Some(1), 2, None), "{r:?}");
        assert!(r.paused_since.is_some());
    }

    #[test]
    fn the_weight_is_the_last_set_weight_up_to_the_current_step() {
        let manifest = serde_json::json!({
            "spec": {"strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}]}}},
            "status": {"currentStepIndex": 1}
        });
        let r = rollout_status("web", &manifest);
        assert_eq!((r.step, r.steps, r.weight), (Some(2), 4, Some(20)));
    }
}
