//! Streaming responses: the framed message stream every streaming endpoint shares, and the
//! `GET /api/v1/stream/applications` watch read as batches of events (a burst becomes one
//! message to the UI). Error chunks (`{"error":{…}}`) become typed errors.

use std::pin::Pin;
use std::time::Duration;

use futures_util::{FutureExt, Stream, StreamExt};
use reqwest::Method;

use super::apps::watch_fields;
use super::framing::{FrameParser, Framing};
use super::wire::{App, WatchEnvelope};
use super::{ArgoClient, Req};
use crate::client::error::{stream_error, ClientError, Ctx};
use crate::domain::AppKey;

type BodyStream = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// A watch that sends nothing for this long — not even the keep-alive Argo CD writes every
/// 15 s on SSE (API-NOTES §3.3) — is dead though open: three keep-alives missed.
pub const KEEPALIVE_DEADLINE: Duration = Duration::from_secs(45);

/// One event of the stream.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// ADDED or MODIFIED.
    Upsert(App),
    /// DELETED (carries the last state).
    Deleted(App),
    /// A message that could not be read, named (`app: why`): skipped.
    Unreadable(String),
}

/// The app a watch message that could not be read is about (sanitized), if that much reads.
fn event_name(message: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(message).unwrap_or_default();
    match v.pointer("/result/application/metadata/name").and_then(serde_json::Value::as_str) {
        Some(n) => crate::domain::sanitize::clean(n),
        None => "a watch event".into(),
    }
}

/// An open streaming response read as framed messages (JSON texts): the watch and the pod
/// logs share it. Each read waits for the next chunk, then drains every chunk already
/// buffered, so a burst becomes one batch.
pub(crate) struct MessageStream {
    body: BodyStream,
    parser: FrameParser,
    pub(crate) what: String,
    ended: bool,
    /// Longest wait for the next bytes (an event or a keep-alive) before the stream counts as
    /// dead; `None` waits forever (streams without keep-alives).
    idle: Option<Duration>,
}

impl MessageStream {
    /// The next batch of messages: `Ok(None)` when the server closed the stream.
    pub(crate) async fn next_messages(&mut self) -> Result<Option<Vec<String>>, ClientError> {
        if self.ended {
            return Ok(None);
        }
        let mut messages = Vec::new();
        let first = match self.idle {
            None => self.body.next().await,
            Some(limit) => match tokio::time::timeout(limit, self.body.next()).await {
                Ok(item) => item,
                Err(_) => {
                    return Err(ClientError::Timeout {
                        what: format!("{} (open but silent: no event, not even a keep-alive)", self.what),
                        after: limit,
                    })
                }
            },
        };
        self.take(first, &mut messages)?;
        // Drain what is already here without waiting.
        while !self.ended {
            match self.body.next().now_or_never() {
                Some(item) => self.take(item, &mut messages)?,
                None => break,
            }
        }
        Ok(Some(messages))
    }

    fn take(&mut self, item: Option<reqwest::Result<Vec<u8>>>, out: &mut Vec<String>) -> Result<(), ClientError> {
        let chunk = match item {
            None => {
                self.ended = true;
                return Ok(());
            }
            Some(Err(e)) => {
                return Err(ClientError::Connect { server: self.what.clone(), detail: format!("stream broke: {e}") })
            }
            Some(Ok(c)) => c,
        };
        let messages = self.parser.push(&chunk).map_err(|_| ClientError::Decode {
            what: self.what.clone(),
            detail: "message larger than the limit".into(),
        })?;
        out.extend(messages);
        Ok(())
    }
}

/// The typed error a stream-error chunk (`{"error":{…}}`) carries, if `error` is one.
pub(crate) fn chunk_error(error: Option<&serde_json::Value>, action: &str) -> Option<ClientError> {
    let wrapped = error.map(|e| serde_json::json!({ "error": e }));
    let (code, message) = wrapped.as_ref().and_then(stream_error)?;
    let status = if code == 0 { 500 } else { code };
    let body = serde_json::json!({ "message": message }).to_string();
    Some(ClientError::from_body(status, body.as_bytes(), Ctx::new(action, None)))
}

/// An open watch.
pub struct WatchStream {
    raw: MessageStream,
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream").field("what", &self.raw.what).field("ended", &self.raw.ended).finish()
    }
}

impl WatchStream {
    /// Count the stream dead after `limit` without a byte (events or keep-alives).
    pub fn with_idle_deadline(mut self, limit: Duration) -> Self {
        self.raw.idle = Some(limit);
        self
    }

    /// The next batch of events: `Ok(None)` when the server closed the stream.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<WatchEvent>>, ClientError> {
        loop {
            let Some(messages) = self.raw.next_messages().await? else { return Ok(None) };
            let mut events = Vec::new();
            for m in messages {
                events.extend(self.decode(&m)?);
            }
            if !events.is_empty() {
                return Ok(Some(events));
            }
        }
    }

    fn decode(&self, message: &str) -> Result<Option<WatchEvent>, ClientError> {
        // Straight into the typed envelope: no `Value` tree per event during a storm.
        let env: WatchEnvelope = match serde_json::from_str(message) {
            Ok(v) => v,
            Err(e) => {
                // One bad message must not kill a healthy stream: skipped and named (the
                // periodic re-list heals it).
                tracing::warn!(what = %self.raw.what, error = %e, "skipping undecodable watch message");
                let name = event_name(message);
                return Ok(Some(WatchEvent::Unreadable(format!("{name}: {e}"))));
            }
        };
        if let Some(e) = chunk_error(env.error.as_ref(), "get") {
            return Err(e);
        }
        Ok(env.result.map(|r| {
            if r.kind == "DELETED" {
                WatchEvent::Deleted(r.application)
            } else {
                WatchEvent::Upsert(r.application)
            }
        }))
    }
}

impl ArgoClient {
    /// Send a streaming request and frame its body by its Content-Type.
    pub(crate) async fn open_stream(&self, req: Req) -> Result<MessageStream, ClientError> {
        let what = format!("GET {} on {}", req.path, self.config().name);
        let resp = self.execute(&req).await?;
        let ct = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body: BodyStream = Box::pin(resp.bytes_stream().map(|r| r.map(|b| b.to_vec())));
        let parser = FrameParser::new(Framing::from_content_type(ct.as_deref()));
        Ok(MessageStream { body, parser, what, ended: false, idle: None })
    }

    /// A watch, as SSE (keep-alives every 15 s) with the keep-alive deadline.
    async fn open_watch(&self, mut req: Req) -> Result<WatchStream, ClientError> {
        req.sse = true;
        Ok(WatchStream { raw: self.open_stream(req).await? }.with_idle_deadline(KEEPALIVE_DEADLINE))
    }

    /// Watch every app (fields-filtered, server-side filters applied) from `resource_version`:
    /// with it, only changes arrive; without it, an ADDED burst first.
    pub async fn watch(&self, resource_version: Option<&str>) -> Result<WatchStream, ClientError> {
        let mut req =
            Req::new(Method::GET, "/api/v1/stream/applications", Ctx::new("get", None)).query("fields", watch_fields());
        if let Some(rv) = resource_version.filter(|rv| !rv.is_empty()) {
            req = req.query("resourceVersion", rv.to_string());
        }
        req.stream = true;
        self.open_watch(self.with_filters(req)).await
    }

    /// Watch one app: its current state first (ADDED, always sent for `name`), then changes.
    /// `fields` as the server accepts them for the watch (rooted at `result.`).
    pub async fn watch_app(&self, key: &AppKey, fields: &str) -> Result<WatchStream, ClientError> {
        let mut req = Req::new(Method::GET, "/api/v1/stream/applications", Ctx::new("get", Some(&key.name)))
            .query("name", key.name.clone())
            .query("fields", fields.to_string());
        if !key.namespace.is_empty() {
            req = req.query("appNamespace", key.namespace.clone());
        }
        req.stream = true;
        self.open_watch(req).await
    }
}
