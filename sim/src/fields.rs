//! The `fields` query parameter: the fixed application-list whitelist (`appFields` of
//! `forwarder_overwrite.go`) and the generic path pick/omit used for watch and other endpoints.
//! A leading `-` on the whole value selects exclude mode.

use serde_json::{Map, Value};

/// Parsed `fields` value.
#[derive(Debug, Clone)]
pub struct Fields {
    pub paths: Vec<String>,
    pub exclude: bool,
}

impl Fields {
    pub fn parse(raw: Option<&str>) -> Option<Fields> {
        let raw = raw?.trim();
        if raw.is_empty() {
            return None;
        }
        let (exclude, rest) = match raw.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, raw),
        };
        let paths = rest.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        Some(Fields { paths, exclude })
    }

    fn has(&self, p: &str) -> bool {
        self.paths.iter().any(|x| x == p)
    }
}

/// The only application paths a filtered list can emit: (emitted path, source path).
/// `status.operationState.operation.sync` emits `syncResult` — an upstream quirk kept on purpose.
const APP_FIELDS: &[(&str, &str)] = &[
    ("metadata.name", "metadata.name"),
    ("metadata.namespace", "metadata.namespace"),
    ("metadata.annotations", "metadata.annotations"),
    ("metadata.labels", "metadata.labels"),
    ("metadata.creationTimestamp", "metadata.creationTimestamp"),
    ("metadata.deletionTimestamp", "metadata.deletionTimestamp"),
    ("spec", "spec"),
    ("spec.destination", "spec.destination"),
    ("spec.project", "spec.project"),
    ("spec.source", "spec.source"),
    ("spec.sources", "spec.sources"),
    ("spec.sourceHydrator", "spec.sourceHydrator"),
    ("spec.syncPolicy", "spec.syncPolicy"),
    ("operation.sync", "operation.sync"),
    ("status.sourceHydrator", "status.sourceHydrator"),
    ("status.summary", "status.summary"),
    ("status.health", "status.health"),
    ("status.resources", "status.resources"),
    ("status.sync.status", "status.sync.status"),
    ("status.sync.revision", "status.sync.revision"),
    ("status.operationState.phase", "status.operationState.phase"),
    ("status.operationState.startedAt", "status.operationState.startedAt"),
    ("status.operationState.finishedAt", "status.operationState.finishedAt"),
    ("status.operationState.operation.sync", "status.operationState.syncResult"),
];

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k)).filter(|v| !v.is_null())
}

fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(k) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(k.to_string(), value);
            return;
        }
        let entry = cur.entry(k.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        match entry {
            Value::Object(m) => cur = m,
            _ => return,
        }
    }
}

/// One list item under the whitelist (`items.` prefix on the requested paths).
pub fn list_item(app: &Value, f: &Fields) -> Value {
    let mut out = Map::new();
    for (emit, src) in APP_FIELDS {
        if f.has(&format!("items.{emit}")) == f.exclude {
            continue;
        }
        if let Some(v) = get_path(app, src) {
            set_path(&mut out, emit, v.clone());
        }
    }
    Value::Object(out)
}

fn pick(v: &Value, parts: &[&str]) -> Option<Value> {
    let Some((first, rest)) = parts.split_first() else {
        return Some(v.clone());
    };
    match v {
        Value::Object(m) => {
            let inner = pick(m.get(*first)?, rest)?;
            let mut o = Map::new();
            o.insert((*first).to_string(), inner);
            Some(Value::Object(o))
        }
        Value::Array(a) => Some(Value::Array(a.iter().filter_map(|x| pick(x, parts)).collect())),
        _ => None,
    }
}

fn merge_into(dst: &mut Value, src: Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                match d.get_mut(&k) {
                    Some(existing) => merge_into(existing, v),
                    None => {
                        d.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(s)) => {
            for (x, y) in d.iter_mut().zip(s) {
                merge_into(x, y);
            }
        }
        (d, s) => *d = s,
    }
}

fn omit(v: &mut Value, parts: &[&str]) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    match v {
        Value::Object(m) if rest.is_empty() => {
            m.remove(*first);
        }
        Value::Object(m) => {
            if let Some(inner) = m.get_mut(*first) {
                omit(inner, rest);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| omit(x, parts)),
        _ => {}
    }
}

/// Generic field selection over any response (arrays are traversed element-wise).
pub fn generic(v: &Value, f: &Fields) -> Value {
    if f.exclude {
        let mut out = v.clone();
        for p in &f.paths {
            omit(&mut out, &p.split('.').collect::<Vec<_>>());
        }
        return out;
    }
    let mut out = Value::Object(Map::new());
    for p in &f.paths {
        if let Some(picked) = pick(v, &p.split('.').collect::<Vec<_>>()) {
            merge_into(&mut out, picked);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whitelist_drops_unknown_and_renames_sync_result() {
        let app = json!({"metadata": {"name": "a", "resourceVersion": "5"},
            "status": {"conditions": [1], "operationState": {"syncResult": {"revision": "x"}}}});
        let f = Fields::parse(Some("items.metadata.name,items.metadata.resourceVersion,items.status.conditions,items.status.operationState.operation.sync")).unwrap();
        assert_eq!(
            list_item(&app, &f),
            json!({"metadata": {"name": "a"},
            "status": {"operationState": {"operation": {"sync": {"revision": "x"}}}}})
        );
        let ex = Fields::parse(Some("-items.metadata.name")).unwrap();
        assert!(list_item(&app, &ex).get("metadata").is_none());
    }

    #[test]
    fn generic_picks_through_arrays() {
        let v = json!({"items": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]});
        let f = Fields::parse(Some("items.a")).unwrap();
        assert_eq!(generic(&v, &f), json!({"items": [{"a": 1}, {"a": 3}]}));
        let f = Fields::parse(Some("-items.a")).unwrap();
        assert_eq!(generic(&v, &f), json!({"items": [{"b": 2}, {"b": 4}]}));
    }
}
