//! An open `GET /api/v1/stream/applications` response, read as batches of events: each
//! read waits for the next chunk, then drains every chunk already buffered, so a burst
//! becomes one message to the UI. Error chunks (`{"error":{…}}`) become typed errors.

use std::pin::Pin;

use futures_util::{FutureExt, Stream, StreamExt};
use reqwest::Method;

use super::apps::watch_fields;
use super::framing::{FrameParser, Framing};
use super::wire::{App, WatchEnvelope};
use super::{ArgoClient, Req};
use crate::client::error::{stream_error, ClientError, Ctx};
use crate::domain::AppKey;

type BodyStream = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// One event of the stream.
#[derive(Clone, Debug)]
pub enum WatchEvent {
    /// ADDED or MODIFIED.
    Upsert(App),
    /// DELETED (carries the last state).
    Deleted(App),
}

impl WatchEvent {
    pub fn app(&self) -> &App {
        match self {
            Self::Upsert(a) | Self::Deleted(a) => a,
        }
    }
}

/// An open watch.
pub struct WatchStream {
    body: BodyStream,
    parser: FrameParser,
    what: String,
    ended: bool,
}

impl std::fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WatchStream").field("what", &self.what).field("ended", &self.ended).finish()
    }
}

impl WatchStream {
    /// The next batch of events: `Ok(None)` when the server closed the stream.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<WatchEvent>>, ClientError> {
        loop {
            if self.ended {
                return Ok(None);
            }
            let mut events = Vec::new();
            let first = self.body.next().await;
            self.take(first, &mut events)?;
            // Drain what is already here without waiting.
            while !self.ended {
                match self.body.next().now_or_never() {
                    Some(item) => self.take(item, &mut events)?,
                    None => break,
                }
            }
            if !events.is_empty() {
                return Ok(Some(events));
            }
        }
    }

    fn take(&mut self, item: Option<reqwest::Result<Vec<u8>>>, out: &mut Vec<WatchEvent>) -> Result<(), ClientError> {
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
        for m in messages {
            out.extend(self.decode(&m)?);
        }
        Ok(())
    }

    fn decode(&self, message: &str) -> Result<Option<WatchEvent>, ClientError> {
        // Straight into the typed envelope: no `Value` tree per event during a storm.
        let env: WatchEnvelope = match serde_json::from_str(message) {
            Ok(v) => v,
            Err(e) => {
                // One bad message must not kill a healthy stream; the periodic re-list heals it.
                tracing::warn!(what = %self.what, error = %e, "skipping undecodable watch message");
                return Ok(None);
            }
        };
        let error = env.error.map(|e| serde_json::json!({ "error": e }));
        if let Some((code, message)) = error.as_ref().and_then(stream_error) {
            let status = if code == 0 { 500 } else { code };
            return Err(ClientError::from_body(
                status,
                serde_json::json!({ "message": message }).to_string().as_bytes(),
                Ctx::new("get", None),
            ));
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
    async fn open_watch(&self, req: Req) -> Result<WatchStream, ClientError> {
        let what = format!("GET {}", req.path);
        let resp = self.execute(&req).await?;
        let ct = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body: BodyStream = Box::pin(resp.bytes_stream().map(|r| r.map(|b| b.to_vec())));
        Ok(WatchStream {
            body,
            parser: FrameParser::new(Framing::from_content_type(ct.as_deref())),
            what,
            ended: false,
        })
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
