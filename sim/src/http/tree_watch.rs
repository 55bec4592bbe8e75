//! The resource-tree stream `/api/v1/stream/applications/{name}/resource-tree`: the whole
//! `v1alpha1ApplicationTree` in `{"result": …}` after each change of the app that changes the
//! tree, no initial message (a client GETs the tree first; `WatchResourceTree`, notes §3.10),
//! in the app stream's framings (NDJSON by default, SSE with keep-alives on request), with the
//! same 403/404 rule and stream-error chunk as the other per-app routes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::watch::{error_response, frame, open, wants_sse, KEEPALIVE_EVERY};
use super::{Ctx, Q};

pub async fn watch_tree(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> Response {
    let sse = wants_sse(&headers);
    let claims = match ctx.auth(&headers) {
        Ok(c) => c,
        Err(e) => return error_response(&e, sse, None),
    };
    let (id, mut rx) = match ctx.app(&claims, &name, q.get("project"), "get") {
        Ok((mut inst, _)) => inst.add_tree_watcher(&name),
        Err(e) => return error_response(&e, sse, None),
    };
    let (out, resp) = open(sse);
    let task_ctx = ctx.clone();
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + KEEPALIVE_EVERY;
        let mut keepalive = tokio::time::interval_at(start, KEEPALIVE_EVERY);
        // A change of the app that leaves its tree as it was sends nothing.
        let mut last = None;
        loop {
            tokio::select! {
                _ = out.closed() => break,
                tree = rx.recv() => {
                    let Some(tree) = tree else { break };
                    let payload = json!({ "result": *tree }).to_string();
                    let mut h = DefaultHasher::new();
                    payload.hash(&mut h);
                    let digest = Some(h.finish());
                    if digest == last {
                        continue;
                    }
                    last = digest;
                    if out.send(Ok(frame(&payload, sse))).await.is_err() {
                        break;
                    }
                }
                _ = keepalive.tick(), if sse => {
                    if out.send(Ok(Bytes::from_static(b":\n"))).await.is_err() {
                        break;
                    }
                }
            }
        }
        task_ctx.inst().remove_tree_watcher(id);
    });
    resp
}
