//! JSON merge patch (RFC 7386) and JSON patch (RFC 6902: add, remove, replace, test) over
//! serde_json values — used by PATCH application and the resource patch endpoint.

use serde_json::Value;

/// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn parent_and_key<'a>(root: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), String> {
    let mut parts: Vec<String> = path.split('/').skip(1).map(unescape).collect();
    let last = parts.pop().ok_or_else(|| format!("invalid path {path}"))?;
    let mut cur = root;
    for p in parts {
        cur = match cur {
            Value::Object(m) => m.get_mut(&p).ok_or_else(|| format!("path {path} not found"))?,
            Value::Array(a) => {
                let i: usize = p.parse().map_err(|_| format!("invalid index {p}"))?;
                a.get_mut(i).ok_or_else(|| format!("path {path} not found"))?
            }
            _ => return Err(format!("path {path} not found")),
        };
    }
    Ok((cur, last))
}

/// RFC 6902 subset; an error string on the first failing operation.
pub fn json_patch(target: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops.as_array().ok_or("json patch must be an array")?;
    for op in ops {
        let kind = op["op"].as_str().unwrap_or_default();
        let path = op["path"].as_str().ok_or("missing path")?;
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        if path.is_empty() {
            if kind == "add" || kind == "replace" {
                *target = value;
                continue;
            }
            return Err(format!("unsupported operation {kind} on root"));
        }
        let (parent, key) = parent_and_key(target, path)?;
        match (kind, parent) {
            ("add", Value::Object(m)) | ("replace", Value::Object(m)) => {
                if kind == "replace" && !m.contains_key(&key) {
                    return Err(format!("replace operation does not apply: doc is missing key: {path}"));
                }
                m.insert(key, value);
            }
            ("add", Value::Array(a)) => {
                let i = if key == "-" { a.len() } else { key.parse().map_err(|_| "bad index")? };
                if i > a.len() {
                    return Err(format!("index out of range: {path}"));
                }
                a.insert(i, value);
            }
            ("replace", Value::Array(a)) => {
                let i: usize = key.parse().map_err(|_| "bad index")?;
                *a.get_mut(i).ok_or("index out of range")? = value;
            }
            ("remove", Value::Object(m)) => {
                m.remove(&key)
                    .ok_or_else(|| format!("remove operation does not apply: doc is missing path: {path}"))?;
            }
            ("remove", Value::Array(a)) => {
                let i: usize = key.parse().map_err(|_| "bad index")?;
                if i >= a.len() {
                    return Err("index out of range".into());
                }
                a.remove(i);
            }
            ("test", Value::Object(m)) => {
                if m.get(&key) != Some(&value) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            (other, _) => return Err(format!("unsupported operation {other} at {path}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_deletes_on_null_and_json_patch_replaces() {
        let mut v = json!({"spec": {"syncPolicy": {"automated": {"prune": true}, "x": 1}}});
        merge_patch(&mut v, &json!({"spec": {"syncPolicy": {"automated": null}}}));
        assert_eq!(v, json!({"spec": {"syncPolicy": {"x": 1}}}));
        json_patch(&mut v, &json!([{"op": "replace", "path": "/spec/syncPolicy/x", "value": 2}])).unwrap();
        assert_eq!(v["spec"]["syncPolicy"]["x"], 2);
        assert!(json_patch(&mut v, &json!([{"op": "replace", "path": "/nope", "value": 2}])).is_err());
    }
}
