//! The selected app's live resource tree for the detail pane: `GET …/resource-tree` first
//! (the stream sends nothing until the tree changes, API-NOTES §3.10), then
//! `GET /api/v1/stream/applications/{name}/resource-tree`, whose every message is the whole
//! tree. A server that refuses the stream (404, 405, 501) is followed the old way: the app's
//! own watch (`?name=`, a narrow `fields`) says when it changed, and a one-shot GET fetches
//! the tree. Each distinct tree becomes one `Msg::TreeChanged`; reconnects back off; 401/403
//! end it. Runs until the executor aborts it (a newer selection coalesces it away).

use chrono::Utc;
use reqwest::Method;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::apps::seg;
use super::stream::{chunk_error, MessageStream};
use super::wire::HealthInfo;
use super::{ArgoClient, Req};
use crate::app::Msg;
use crate::client::backoff::Backoff;
use crate::client::error::{ClientError, Ctx};
use crate::domain::sanitize::clean;
use crate::domain::{AppKey, ErrorKind, Health, ResourceTree, TreeNode};

/// What the fallback watches of the app: only whether it changed.
pub const CHANGE_FIELDS: &str = "result.type,result.application.metadata.resourceVersion";

#[derive(Deserialize, Default)]
#[serde(default)]
struct TreeWire {
    /// `null` or absent when empty (Go `omitempty`).
    nodes: Option<Vec<NodeWire>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NodeWire {
    group: String,
    kind: String,
    namespace: String,
    name: String,
    health: Option<HealthInfo>,
}

/// One message of the tree stream: a tree or an error chunk.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TreeEnvelope {
    result: Option<TreeWire>,
    error: Option<serde_json::Value>,
}

impl TreeWire {
    fn to_domain(&self) -> ResourceTree {
        let nodes = self.nodes.iter().flatten().map(|n| TreeNode {
            group: clean(&n.group),
            kind: clean(&n.kind),
            namespace: clean(&n.namespace),
            name: clean(&n.name),
            health: n.health.as_ref().filter(|h| !h.status.is_empty()).map(|h| Health::parse(&h.status)),
            health_message: n.health.as_ref().and_then(|h| h.message.as_deref()).map(clean).filter(|m| !m.is_empty()),
        });
        ResourceTree { nodes: nodes.collect() }
    }
}

/// An open tree stream.
pub struct TreeStream {
    messages: MessageStream,
}

impl TreeStream {
    /// The newest tree of the next batch; `Ok(None)` when the server closed the stream.
    pub async fn next_tree(&mut self) -> Result<Option<ResourceTree>, ClientError> {
        loop {
            let Some(batch) = self.messages.next_messages().await? else { return Ok(None) };
            let mut newest = None;
            for m in batch {
                let Ok(env) = serde_json::from_str::<TreeEnvelope>(&m) else {
                    tracing::warn!(what = %self.messages.what, "skipping undecodable tree message");
                    continue;
                };
                if let Some(e) = chunk_error(env.error.as_ref(), "get") {
                    return Err(e);
                }
                newest = env.result.map(|t| t.to_domain()).or(newest);
            }
            if newest.is_some() {
                return Ok(newest);
            }
        }
    }
}

impl ArgoClient {
    /// The app's resource tree, once.
    pub async fn resource_tree(&self, key: &AppKey) -> Result<ResourceTree, ClientError> {
        let tree: TreeWire = self.call(self.app_req(Method::GET, key, "/resource-tree", "get")).await?;
        Ok(tree.to_domain())
    }

    /// Open the app's resource-tree stream.
    pub async fn watch_tree(&self, key: &AppKey) -> Result<TreeStream, ClientError> {
        let path = format!("/api/v1/stream/applications/{}/resource-tree", seg(&key.name));
        let mut req = Req::new(Method::GET, path, Ctx::new("get", Some(&key.name)));
        if !key.namespace.is_empty() {
            req = req.query("appNamespace", key.namespace.clone());
        }
        req.stream = true;
        Ok(TreeStream { messages: self.open_stream(req).await? })
    }
}

/// How one round of following ended.
enum End {
    /// The console is gone.
    Closed,
    /// The server has no tree stream: follow the app's watch instead.
    Refused,
    /// Credentials refused: stop.
    Fatal,
    Retry,
}

/// A server without the tree stream answers 404 (or 405/501) on its route.
fn refused(e: &ClientError) -> bool {
    matches!(e.status(), Some(404 | 405 | 501))
}

/// Publishes each new tree (or failure) of one app to the console.
struct Publisher<'a> {
    key: &'a AppKey,
    tx: &'a mpsc::Sender<Msg>,
    last: Option<ResourceTree>,
}

impl Publisher<'_> {
    /// Send `result` unless it is the tree already sent; `false` when the console is gone.
    async fn send(&mut self, result: Result<ResourceTree, ClientError>) -> bool {
        if let Ok(t) = &result {
            if self.last.as_ref() == Some(t) {
                return true;
            }
            self.last = Some(t.clone());
        }
        let msg =
            Msg::TreeChanged { key: self.key.clone(), result: result.map_err(|e| e.to_failure()), at: Utc::now() };
        self.tx.send(msg).await.is_ok()
    }

    /// Report `e` and say how to go on.
    async fn failed(&mut self, e: ClientError) -> End {
        let fatal = matches!(e.kind(), ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Usage);
        match self.send(Err(e)).await {
            false => End::Closed,
            true if fatal => End::Fatal,
            true => End::Retry,
        }
    }

    /// One GET of the tree, published.
    async fn fetch(&mut self, client: &ArgoClient) -> Option<End> {
        match client.resource_tree(self.key).await {
            Ok(t) => (!self.send(Ok(t)).await).then_some(End::Closed),
            Err(e) => Some(self.failed(e).await),
        }
    }
}

/// Follow `key`'s tree until the console goes, credentials are refused, or the task is aborted.
pub async fn follow_tree(client: ArgoClient, key: AppKey, tx: mpsc::Sender<Msg>, backoff: Backoff) {
    let mut p = Publisher { key: &key, tx: &tx, last: None };
    let mut streams = true;
    let mut attempt: u32 = 0;
    loop {
        let end = if streams {
            by_stream(&client, &mut p, &mut attempt).await
        } else {
            by_app_watch(&client, &mut p, &mut attempt).await
        };
        match end {
            End::Closed | End::Fatal => return,
            End::Refused => {
                tracing::info!(app = %key.name, "no resource-tree stream on this server; following the app instead");
                streams = false;
            }
            End::Retry => {
                attempt = attempt.saturating_add(1);
                tokio::time::sleep(backoff.delay(attempt)).await;
            }
        }
    }
}

async fn by_stream(client: &ArgoClient, p: &mut Publisher<'_>, attempt: &mut u32) -> End {
    if let Some(end) = p.fetch(client).await {
        return end;
    }
    let mut stream = match client.watch_tree(p.key).await {
        Ok(s) => s,
        Err(e) if refused(&e) => return End::Refused,
        Err(e) => return p.failed(e).await,
    };
    *attempt = 0;
    loop {
        match stream.next_tree().await {
            Ok(Some(tree)) => {
                if !p.send(Ok(tree)).await {
                    return End::Closed;
                }
            }
            Ok(None) => return End::Retry,
            Err(e) => return p.failed(e).await,
        }
    }
}

/// The fallback: each event of the app's own watch (the first comes at once) → one GET.
async fn by_app_watch(client: &ArgoClient, p: &mut Publisher<'_>, attempt: &mut u32) -> End {
    let mut watch = match client.watch_app(p.key, CHANGE_FIELDS).await {
        Ok(w) => w,
        Err(e) => return p.failed(e).await,
    };
    *attempt = 0;
    loop {
        match watch.next_batch().await {
            Ok(Some(_)) => {
                if let Some(end) = p.fetch(client).await {
                    return end;
                }
            }
            Ok(None) => return End::Retry,
            Err(e) => return p.failed(e).await,
        }
    }
}
