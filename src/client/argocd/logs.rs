//! Pod logs: `GET /api/v1/applications/{name}/logs` (notes §3.15) for every pod under one
//! resource (`group` + `kind` + `resourceName`), optionally one container, the last N lines,
//! the previous container instance, and following. The answer is a stream of
//! `{"result":{"content","timeStamp","timeStampStr","podName","last"}}` messages (framed as
//! the watch is); without `follow` it ends after a message with `"last":true`.

use reqwest::Method;
use serde::Deserialize;

use super::apps::ResourceRef;
use super::stream::{chunk_error, MessageStream};
use super::wire::parse_time;
use super::ArgoClient;
use crate::client::error::ClientError;
use crate::domain::logs::{LogSource, TAIL_LINES};
use crate::domain::sanitize::clean;
use crate::domain::AppKey;

/// What to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// The resource whose pods are read (a Deployment, StatefulSet or Rollout).
    pub resource: ResourceRef,
    pub container: Option<String>,
    /// Only the last N lines of each pod (`tailLines`).
    pub tail: Option<u64>,
    pub follow: bool,
    /// The previous (terminated) container instance.
    pub previous: bool,
}

pub use crate::domain::logs::LogLine;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    result: Option<Entry>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Entry {
    content: Option<String>,
    time_stamp_str: Option<String>,
    time_stamp: Option<String>,
    pod_name: Option<String>,
    last: Option<bool>,
}

/// An open log stream.
pub struct LogStream {
    raw: MessageStream,
    done: bool,
}

impl LogStream {
    /// The next lines: `Ok(None)` at the end (the `last` message, or the server closed it).
    pub async fn next_lines(&mut self) -> Result<Option<Vec<LogLine>>, ClientError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(messages) = self.raw.next_messages().await? else { return Ok(None) };
            let mut lines = Vec::new();
            for m in messages {
                let env: Envelope = serde_json::from_str(&m)
                    .map_err(|e| ClientError::Decode { what: self.raw.what.clone(), detail: e.to_string() })?;
                if let Some(e) = chunk_error(env.error.as_ref(), "logs") {
                    return Err(e);
                }
                let Some(r) = env.result else { continue };
                let content = r.content.unwrap_or_default();
                if r.last == Some(true) {
                    // The closing message carries no line of its own (notes §3.15).
                    self.done = true;
                    if content.is_empty() {
                        break;
                    }
                }
                lines.push(LogLine {
                    pod: clean(r.pod_name.as_deref().unwrap_or("")),
                    at: parse_time(&r.time_stamp_str).or_else(|| parse_time(&r.time_stamp)),
                    content: clean(&content),
                });
            }
            if !lines.is_empty() || self.done {
                return Ok(Some(lines));
            }
        }
    }
}

impl ArgoClient {
    /// Open the pod logs of `q.resource` in app `key`.
    pub async fn logs(&self, key: &AppKey, q: &LogQuery) -> Result<LogStream, ClientError> {
        let r = &q.resource;
        let mut req = self
            .app_req(Method::GET, key, "/logs", "logs")
            .query("namespace", r.namespace.clone())
            .query("group", r.group.clone())
            .query("kind", r.kind.clone())
            .query("resourceName", r.name.clone())
            .query("follow", q.follow.to_string())
            .query("previous", q.previous.to_string())
            // The UI always sends it, 0 when unset (notes §3.15).
            .query("sinceSeconds", "0");
        if let Some(c) = &q.container {
            req = req.query("container", c.clone());
        }
        if let Some(n) = q.tail {
            req = req.query("tailLines", n.to_string());
        }
        req.stream = true;
        Ok(LogStream { raw: self.open_stream(req).await?, done: false })
    }
}

/// The console's log stream: the containers of the workload's pod template first (one read of
/// its manifest), then the last [`TAIL_LINES`] lines and every new one, as messages, until the
/// stream ends or the task is aborted (another container, the view closed).
pub async fn follow_logs(
    client: &ArgoClient,
    key: &AppKey,
    generation: u64,
    source: LogSource,
    container: Option<String>,
    previous: bool,
    tx: &tokio::sync::mpsc::Sender<crate::app::Msg>,
) -> Result<(), crate::domain::Failure> {
    let version = client.get(key, None).await.ok().and_then(|(d, _)| {
        d.resources.into_iter().find(|r| r.kind == source.kind && r.name == source.name).map(|r| r.version)
    });
    let resource = ResourceRef {
        group: source.group,
        version: version.unwrap_or_else(|| "v1".into()),
        kind: source.kind,
        namespace: source.namespace,
        name: source.name,
    };
    let containers = match client.resource_manifest(key, &resource).await {
        Ok(m) => containers_of(&m),
        Err(_) => Vec::new(),
    };
    if tx.send(crate::app::Msg::LogsOpened { generation, containers }).await.is_err() {
        return Ok(());
    }
    let q = LogQuery { resource, container, tail: Some(TAIL_LINES), follow: true, previous };
    let mut stream = client.logs(key, &q).await.map_err(|e| e.to_failure())?;
    while let Some(lines) = stream.next_lines().await.map_err(|e| e.to_failure())? {
        if !lines.is_empty() && tx.send(crate::app::Msg::LogLines { generation, lines }).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Container names of a workload's pod template (init containers too).
pub fn containers_of(manifest: &serde_json::Value) -> Vec<String> {
    let spec = manifest.pointer("/spec/template/spec");
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec.and_then(|s| s.get(*k)).and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(|c| c.get("name").and_then(serde_json::Value::as_str))
        .map(clean)
        .collect()
}
