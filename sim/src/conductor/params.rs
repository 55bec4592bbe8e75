//! Conductor's parameter resolution: `${workflow.input.x}`, `${workflow.workflowId}`,
//! `${ref.output.y.z}`, `${ref.input.a}`, `${ref.status}` in a task's `inputParameters`, at any
//! depth. A string that is exactly one expression keeps the value's type; an expression inside
//! a longer string is replaced by its text (as ParametersUtils does). A path that leads
//! nowhere resolves to null. Tasks inside a DO_WHILE (`ref__2`) are also reachable by their
//! plain name, the latest iteration winning, as Conductor resolves them.

use serde_json::{Map, Value};

/// What expressions can reach: the workflow's own fields and each task by reference name.
pub struct Scope {
    pub workflow: Value,
    pub tasks: Map<String, Value>,
}

impl Scope {
    /// `tasks` in workflow order: later tasks with the same (plain) name win.
    pub fn new(workflow: Value, tasks: impl IntoIterator<Item = Value>) -> Self {
        let mut m = Map::new();
        for t in tasks {
            let Some(r) = t["referenceTaskName"].as_str().map(str::to_string) else { continue };
            if let Some((plain, _)) = r.split_once("__") {
                m.insert(plain.to_string(), t.clone());
            }
            m.insert(r, t);
        }
        Self { workflow, tasks: m }
    }

    /// Resolve every expression in `v`.
    pub fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => self.resolve_str(s),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.resolve(x)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), self.resolve(x))).collect()),
            other => other.clone(),
        }
    }

    fn resolve_str(&self, s: &str) -> Value {
        if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            if !inner.contains("${") && !inner.contains('}') {
                return self.lookup(inner);
            }
        }
        if !s.contains("${") {
            return Value::String(s.to_string());
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) => {
                    let v = self.lookup(&after[..end]);
                    out.push_str(&match v {
                        Value::Null => String::new(),
                        other => super::expr::to_text(&other),
                    });
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        Value::String(out)
    }

    /// `workflow.input.x`, `ref.output.y`, … (dots; `[n]` indexes arrays).
    fn lookup(&self, path: &str) -> Value {
        let mut parts = path.split('.');
        let Some(head) = parts.next() else { return Value::Null };
        let root = if head == "workflow" {
            &self.workflow
        } else {
            match self.tasks.get(head) {
                Some(t) => t,
                None => return Value::Null,
            }
        };
        let mut cur = root.clone();
        for (i, p) in parts.enumerate() {
            // `ref.output` / `ref.input` are the task's outputData / inputData.
            let key = match (head == "workflow", i, p) {
                (false, 0, "output") => "outputData",
                (false, 0, "input") => "inputData",
                (_, _, k) => k,
            };
            cur = step(&cur, key);
        }
        cur
    }
}

fn step(v: &Value, key: &str) -> Value {
    let (name, index) = match key.split_once('[') {
        Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
        None => (key, None),
    };
    let got = if name.is_empty() { v.clone() } else { v.get(name).cloned().unwrap_or(Value::Null) };
    match index {
        Some(i) => got.get(i).cloned().unwrap_or(Value::Null),
        None => got,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_expressions_keep_their_type_and_embedded_ones_become_text() {
        let wf = json!({ "workflowId": "w1", "input": { "n": 3, "app": "alpha", "list": ["a", "b"] } });
        let tasks = vec![
            json!({ "referenceTaskName": "check__1", "outputData": { "decision": "pending" } }),
            json!({ "referenceTaskName": "check__2", "outputData": { "decision": "approved" } }),
            json!({ "referenceTaskName": "send", "outputData": { "op": { "id": 7 } }, "inputData": { "x": 1 } }),
        ];
        let s = Scope::new(wf, tasks);
        let got = s.resolve(&json!({
            "n": "${workflow.input.n}",
            "msg": "sync ${workflow.input.app} (${workflow.workflowId})",
            "op": "${send.output.op.id}",
            "x": "${send.input.x}",
            "latest": "${check.output.decision}",
            "first": "${check__1.output.decision}",
            "second": "${workflow.input.list[1]}",
            "none": "${nothing.output.y}",
            "nested": ["${workflow.input.app}", { "k": "${workflow.input.n}" }],
        }));
        assert_eq!(
            got,
            json!({
                "n": 3, "msg": "sync alpha (w1)", "op": 7, "x": 1, "latest": "approved", "first": "pending",
                "second": "b", "none": null, "nested": ["alpha", { "k": 3 }],
            })
        );
    }
}
