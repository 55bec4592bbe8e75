//! The ledger's form of a GitOps scale (`"gitops": {"intent": "scale", …}` in a request's
//! payload): the workload and every field asked — replicas, requests and limits, autoscaler
//! bounds — so an approved scale runs exactly as filed. Flightdeck's own format.

use serde_json::{json, Value};

use crate::domain::scale::ScaleChange;

/// A GitOps scale's payload: the workload and every field asked (absent ones left out, so a
/// replicas-only scale keeps the shape older requests have).
pub fn to_json(workload: &str, c: &ScaleChange) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("intent".into(), json!("scale"));
    m.insert("workload".into(), json!(workload));
    let numbers = [("replicas", c.replicas), ("min", c.min), ("max", c.max)];
    for (k, v) in numbers {
        if let Some(n) = v {
            m.insert(k.into(), json!(n));
        }
    }
    let texts = [
        ("kind", &c.kind),
        ("container", &c.container),
        ("cpu_request", &c.cpu_request),
        ("cpu_limit", &c.cpu_limit),
        ("memory_request", &c.memory_request),
        ("memory_limit", &c.memory_limit),
    ];
    for (k, v) in texts {
        if let Some(t) = v {
            m.insert(k.into(), json!(t));
        }
    }
    Value::Object(m)
}

/// The scale a payload holds; `None` when a field has the wrong type or nothing is asked
/// (refused, not guessed).
pub fn from_json(g: &Value) -> Option<ScaleChange> {
    let number = |k: &str| match g.get(k) {
        None => Some(None),
        Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some),
    };
    let text = |k: &str| match g.get(k) {
        None => Some(None),
        Some(v) => v.as_str().map(|s| Some(s.to_string())),
    };
    let c = ScaleChange {
        replicas: number("replicas")?,
        kind: text("kind")?,
        container: text("container")?,
        cpu_request: text("cpu_request")?,
        cpu_limit: text("cpu_limit")?,
        memory_request: text("memory_request")?,
        memory_limit: text("memory_limit")?,
        min: number("min")?,
        max: number("max")?,
    };
    (!c.is_empty()).then_some(c)
}
