//! Flightdeck's workflow and task definitions, shipped as data (`config/workflows/*.json`,
//! compiled in) and installed with `flightdeck conductor install`: a plan first (what is
//! missing, current, changed, or newer on the server), then only what the plan says.
//! Idempotent: installing twice changes nothing the second time. A workflow definition the
//! server holds in a newer version is left alone, and one that differs at the same version
//! is replaced only with `--force` (running executions keep the definition they started
//! with either way).

use serde_json::Value;

use super::ConductorClient;
use crate::domain::{ErrorKind, Failure};

/// The task definitions (`config/workflows/taskdefs.json`).
pub const TASK_DEFS: &str = include_str!("../../../config/workflows/taskdefs.json");

/// One workflow per action: `(action, definition)`.
pub const WORKFLOWS: [(&str, &str); 5] = [
    ("sync", include_str!("../../../config/workflows/sync.json")),
    ("rollback", include_str!("../../../config/workflows/rollback.json")),
    ("scale", include_str!("../../../config/workflows/scale.json")),
    ("restart", include_str!("../../../config/workflows/restart.json")),
    ("promote", include_str!("../../../config/workflows/promote.json")),
];

/// The task types `flightdeck worker` serves.
pub const TASK_TYPES: [&str; 5] = [
    "flightdeck_check_approvals",
    "flightdeck_git_promote",
    "flightdeck_argocd_action",
    "flightdeck_follow",
    "flightdeck_record",
];

/// The shipped definitions, parsed: task definitions, then workflow definitions.
pub fn shipped() -> Result<(Vec<Value>, Vec<Value>), Failure> {
    let bad =
        |what: &str, e: serde_json::Error| Failure::new(ErrorKind::Decode, format!("shipped {what} is not JSON: {e}"));
    let tasks: Vec<Value> = serde_json::from_str(TASK_DEFS).map_err(|e| bad("taskdefs.json", e))?;
    let flows = WORKFLOWS
        .iter()
        .map(|(n, text)| serde_json::from_str(text).map_err(|e| bad(n, e)))
        .collect::<Result<Vec<Value>, Failure>>()?;
    Ok((tasks, flows))
}

/// What installing one definition would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Not on the server: registered.
    Missing,
    /// The server's matches what is shipped.
    Current,
    /// Same name (and version), different content: the keys that differ.
    Differs(Vec<String>),
    /// The server holds a newer version: left alone.
    Newer { server: u64, shipped: u64 },
}

/// One line of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// `task flightdeck_follow` / `workflow flightdeck_sync v1`.
    pub what: String,
    pub change: Change,
    pub def: Value,
    pub is_workflow: bool,
}

/// The keys of `shipped` whose value the server's copy does not have (servers add
/// timestamps and defaults of their own; those do not make a difference).
fn differing(shipped: &Value, server: &Value) -> Vec<String> {
    shipped.as_object().map_or_else(Vec::new, |m| {
        m.iter().filter(|(k, v)| server.get(k.as_str()) != Some(v)).map(|(k, _)| k.clone()).collect()
    })
}

/// Compare the shipped definitions with the server's.
pub async fn plan(client: &ConductorClient) -> Result<Vec<Item>, Failure> {
    let (tasks, flows) = shipped()?;
    let mut out = Vec::new();
    for def in tasks {
        let name = def["name"].as_str().unwrap_or("").to_string();
        let change = match client.task_def(&name).await? {
            None => Change::Missing,
            Some(server) => match differing(&def, &server) {
                d if d.is_empty() => Change::Current,
                d => Change::Differs(d),
            },
        };
        out.push(Item { what: format!("task {name}"), change, def, is_workflow: false });
    }
    for def in flows {
        let name = def["name"].as_str().unwrap_or("").to_string();
        let version = def["version"].as_u64().unwrap_or(1);
        let change = match client.workflow_def(&name).await? {
            None => Change::Missing,
            Some(server) => {
                let sv = server["version"].as_u64().unwrap_or(1);
                if sv > version {
                    Change::Newer { server: sv, shipped: version }
                } else if sv < version {
                    Change::Missing
                } else {
                    match differing(&def, &server) {
                        d if d.is_empty() => Change::Current,
                        d => Change::Differs(d),
                    }
                }
            }
        };
        out.push(Item { what: format!("workflow {name} v{version}"), change, def, is_workflow: true });
    }
    Ok(out)
}

/// One line for the plan's item.
pub fn describe(item: &Item, force: bool) -> String {
    match &item.change {
        Change::Missing => format!("{}: not on the server, registering", item.what),
        Change::Current => format!("{}: current", item.what),
        Change::Differs(keys) if !item.is_workflow || force => {
            format!("{}: differs in {}, updating", item.what, keys.join(", "))
        }
        Change::Differs(keys) => format!(
            "{}: differs in {} at the same version; left alone (use --force to replace it)",
            item.what,
            keys.join(", ")
        ),
        Change::Newer { server, shipped } => {
            format!("{}: the server has v{server}, newer than the shipped v{shipped}; left alone", item.what)
        }
    }
}

/// Apply `items` (task definitions first, so the workflows that use them register).
pub async fn apply(client: &ConductorClient, items: &[Item], force: bool) -> Result<usize, Failure> {
    let wanted = |i: &&Item| match &i.change {
        Change::Missing => true,
        Change::Differs(_) => !i.is_workflow || force,
        _ => false,
    };
    let tasks: Vec<Value> = items.iter().filter(|i| !i.is_workflow).filter(wanted).map(|i| i.def.clone()).collect();
    let flows: Vec<Value> = items.iter().filter(|i| i.is_workflow).filter(wanted).map(|i| i.def.clone()).collect();
    if !tasks.is_empty() {
        client.register_task_defs(&tasks).await?;
    }
    if !flows.is_empty() {
        client.put_workflow_defs(&flows).await?;
    }
    Ok(tasks.len() + flows.len())
}

/// Whether every shipped definition is on the server and current (for `doctor`): the
/// lines that are not.
pub async fn problems(client: &ConductorClient) -> Result<Vec<String>, Failure> {
    Ok(plan(client).await?.iter().filter(|i| i.change != Change::Current).map(|i| describe(i, false)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_definitions_parse_and_name_only_served_task_types() {
        let (tasks, flows) = shipped().unwrap();
        let names: Vec<&str> = tasks.iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, TASK_TYPES);
        for t in &tasks {
            // Every retry and timeout is set on purpose, with the reason in the description.
            for k in [
                "retryCount",
                "retryLogic",
                "retryDelaySeconds",
                "timeoutSeconds",
                "responseTimeoutSeconds",
                "description",
                "ownerEmail",
            ] {
                assert!(t.get(k).is_some(), "{} lacks {k}", t["name"]);
            }
        }
        for (f, (action, _)) in flows.iter().zip(WORKFLOWS) {
            assert_eq!(f["name"].as_str(), Some(format!("flightdeck_{action}").as_str()));
            let text = f.to_string();
            for t in TASK_TYPES.iter().filter(|t| text.contains(&format!("\"name\":\"{t}\""))) {
                assert!(names.contains(t), "{t}");
            }
            assert!(text.contains("\"type\":\"HUMAN\"") && text.contains("flightdeck_check_approvals"), "{action}");
        }
    }

    #[test]
    fn only_keys_the_server_lacks_or_changed_differ() {
        let shipped = serde_json::json!({ "name": "a", "retryCount": 3 });
        let server = serde_json::json!({ "name": "a", "retryCount": 3, "createTime": 1 });
        assert!(differing(&shipped, &server).is_empty());
        let server = serde_json::json!({ "name": "a", "retryCount": 1 });
        assert_eq!(differing(&shipped, &server), ["retryCount"]);
    }
}
