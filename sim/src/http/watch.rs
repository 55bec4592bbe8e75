//! The application watch stream `/api/v1/stream/applications`: NDJSON by default, SSE with
//! `Accept: text/event-stream` (`data: … \n\n` + delimiter, `:` keep-alive every 15 s), an
//! initial ADDED burst unless `resourceVersion` is given (always with `name`), per-name dedup of
//! the fields-filtered payload, and the stream-error chunk for failures.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::apps::filter_from;
use super::{Ctx, Q};
use crate::errors::ApiError;
use crate::fields::{self, Fields};

/// `forwarders.go` keep-alive period for SSE.
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(15);

pub fn wants_sse(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/event-stream"))
}

pub fn frame(payload: &str, sse: bool) -> Bytes {
    if sse {
        Bytes::from(format!("data: {payload} \n\n\n"))
    } else {
        Bytes::from(format!("{payload}\n"))
    }
}

fn content_type(sse: bool) -> &'static str {
    if sse {
        "text/event-stream"
    } else {
        "application/json"
    }
}

/// A failed stream: mapped status and one error chunk.
pub fn error_response(err: &ApiError, sse: bool, status: Option<StatusCode>) -> Response {
    let body = frame(&err.stream_chunk(), sse);
    (status.unwrap_or_else(|| err.status()), [(header::CONTENT_TYPE, content_type(sse))], body).into_response()
}

struct Conn {
    ctx: Ctx,
    sse: bool,
    fields: Option<Fields>,
    last: HashMap<String, u64>,
    out: Out,
}

impl Conn {
    /// Send one event unless it repeats the last payload for that app; false when the client left.
    async fn emit(&mut self, kind: &str, name: &str, app: &Value) -> bool {
        let envelope = json!({"result": {"type": kind, "application": app}});
        let envelope = match &self.fields {
            Some(f) => fields::generic(&envelope, f),
            None => envelope,
        };
        let payload = envelope.to_string();
        let mut h = DefaultHasher::new();
        payload.hash(&mut h);
        let digest = h.finish();
        if self.last.get(name) == Some(&digest) {
            return true;
        }
        self.last.insert(name.to_string(), digest);
        let frame = frame(&payload, self.sse);
        if self.ctx.slot().faults.take_cut() {
            // The connection drops halfway through writing this event.
            let _ = self.out.send(Ok(crate::faults::half(&frame))).await;
            return false;
        }
        self.out.send(Ok(frame)).await.is_ok()
    }
}

pub async fn watch(State(ctx): State<Ctx>, headers: HeaderMap, q: Q) -> Response {
    let sse = wants_sse(&headers);
    let claims = match ctx.auth(&headers) {
        Ok(c) => c,
        Err(e) => return error_response(&e, sse, None),
    };
    let filter = match filter_from(&q) {
        Ok(f) => f,
        Err(e) => return error_response(&e, sse, None),
    };
    if ctx.slot().faults.silent() {
        // Open, and silent: no event, no keep-alive, until the client gives up.
        let (tx, resp) = open(sse);
        tokio::spawn(async move { tx.closed().await });
        return resp;
    }
    let fields = Fields::parse(q.get("fields"));
    let min_rv: Option<u64> = q.get("resourceVersion").filter(|v| !v.is_empty()).and_then(|v| v.parse().ok());
    let has_rv = q.get("resourceVersion").is_some_and(|v| !v.is_empty());
    let by_name = filter.name.is_some();
    let (id, mut rx, initial) = {
        let mut inst = ctx.inst();
        let initial: Vec<String> = if !has_rv || by_name {
            inst.apps
                .iter()
                .enumerate()
                .filter(|(i, a)| filter.matches(a, inst.svc(*i), &inst.env, &inst.repo_url))
                .map(|(_, a)| a.name.clone())
                .collect()
        } else {
            Vec::new()
        };
        let (id, rx) = inst.add_watcher(filter, claims.user.name);
        (id, rx, initial)
    };
    let (tx, resp) = open(sse);
    let task_ctx = ctx.clone();
    tokio::spawn(async move {
        let mut conn = Conn { ctx: task_ctx.clone(), sse, fields, last: HashMap::new(), out: tx };
        for name in initial {
            let app = {
                let inst = task_ctx.inst();
                inst.find(&name).map(|i| inst.render(i))
            };
            if let Some(app) = app {
                if !conn.emit("ADDED", &name, &app).await {
                    task_ctx.inst().remove_watcher(id);
                    return;
                }
            }
        }
        let start = tokio::time::Instant::now() + KEEPALIVE_EVERY;
        let mut keepalive = tokio::time::interval_at(start, KEEPALIVE_EVERY);
        loop {
            tokio::select! {
                _ = conn.out.closed() => break,
                ev = rx.recv() => {
                    let Some(ev) = ev else { break };
                    // With a resourceVersion (and no name) older changes are suppressed.
                    if !by_name && min_rv.is_some_and(|rv| ev.rv < rv) {
                        continue;
                    }
                    if !conn.emit(ev.kind, &ev.name, &ev.app).await {
                        break;
                    }
                }
                _ = keepalive.tick(), if sse => {
                    if conn.out.send(Ok(Bytes::from_static(b":\n"))).await.is_err() {
                        break;
                    }
                }
            }
        }
        task_ctx.inst().remove_watcher(id);
    });
    resp
}

/// The sending half of a stream's body.
pub type Out = mpsc::Sender<Result<Bytes, Infallible>>;

/// A streaming 200 response in the framing asked for, fed through the returned sender.
pub fn open(sse: bool) -> (Out, Response) {
    let (tx, body_rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    let body = Body::from_stream(ReceiverStream::new(body_rx));
    let mut resp = (StatusCode::OK, [(header::CONTENT_TYPE, content_type(sse))], body).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    (tx, resp)
}
