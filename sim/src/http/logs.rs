//! Pod logs, `GET /api/v1/applications/{name}/logs` and `…/pods/{podName}/logs` (notes
//! §3.15): every pod under the named resource (or the one pod), optionally one container,
//! `tailLines`, `sinceSeconds`, `previous`, `filter`, and `follow` (new lines as sim time
//! moves, until the client leaves). Messages are `{"result":{content,timeStamp,timeStampStr,
//! podName,last}}`, framed as the watch is; without `follow` a `last:true` message ends it.
//! Kubernetes' own log errors (an unknown container, no previous instance) arrive as content
//! lines, as upstream sends them.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::watch::{error_response, frame, wants_sse};
use super::{Ctx, Q};
use crate::errors::ApiError;
use crate::model::Health;
use crate::objects::rs_and_pods;
use crate::podlogs::{rfc3339_nano, Line, Writer};
use crate::render::workload_kind;
use crate::state::Instance;

/// `server.maxPodLogsToRender` default.
const MAX_PODS: usize = 10;
/// How often a follower looks at the sim clock for new lines (real time).
const FOLLOW_POLL: Duration = Duration::from_millis(100);
/// The only container of the simulated pods (`objects::workload_obj`).
const CONTAINER: &str = "app";

/// What the query asks for, validated.
struct Ask {
    pods: Vec<String>,
    container: Option<String>,
    tail: Option<usize>,
    since_secs: Option<i64>,
    follow: bool,
    previous: bool,
    filter: Option<String>,
}

pub async fn app_logs(State(ctx): State<Ctx>, Path(name): Path<String>, headers: HeaderMap, q: Q) -> Response {
    serve(ctx, name, None, headers, q).await
}

pub async fn pod_logs(
    State(ctx): State<Ctx>,
    Path((name, pod)): Path<(String, String)>,
    headers: HeaderMap,
    q: Q,
) -> Response {
    serve(ctx, name, Some(pod), headers, q).await
}

async fn serve(ctx: Ctx, name: String, pod: Option<String>, headers: HeaderMap, q: Q) -> Response {
    let sse = wants_sse(&headers);
    let ask = match ask(&ctx, &name, pod, &headers, &q) {
        Ok(a) => a,
        Err(e) => return error_response(&e, sse, None),
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(64);
    tokio::spawn(stream(ctx, name, ask, sse, tx));
    let body = Body::from_stream(ReceiverStream::new(rx));
    let ct = if sse { "text/event-stream" } else { "application/json" };
    (StatusCode::OK, [(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

fn ask(ctx: &Ctx, name: &str, pod: Option<String>, headers: &HeaderMap, q: &Q) -> Result<Ask, ApiError> {
    let claims = ctx.auth(headers)?;
    let (inst, idx) = ctx.app(&claims, name, q.get("project"), "get")?;
    let (_, pods) = rs_and_pods(&inst.apps[idx], inst.env_of(idx));
    let svc = &inst.svc(idx).name;
    let (group, _, kind) = workload_kind(inst.svc(idx));
    let pick = |k: &str| q.get(k).filter(|v| !v.is_empty());
    // The reference is silent on a pod or resource outside the app; the sim answers as the
    // single-resource endpoints do (notes §3.8).
    let outside = |kind: &str, group: &str, res: &str| {
        ApiError::invalid(format!("{kind} {group} {res} not found as part of application {name}"))
    };
    let pods = match pod.as_deref().or(pick("podName")) {
        Some(p) if pods.iter().any(|x| x == p) => vec![p.to_string()],
        Some(p) => return Err(outside("Pod", "", p)),
        None => {
            let (k, g, r) =
                (pick("kind").unwrap_or(""), q.get("group").unwrap_or(""), pick("resourceName").unwrap_or(""));
            let whole = (k == kind && g == group && r == svc) || (k == "ReplicaSet" && g == "apps");
            if !whole {
                return Err(outside(k, g, r));
            }
            pods
        }
    };
    if pods.len() > MAX_PODS {
        return Err(ApiError::invalid("max pods to view logs are reached. Please provide more granular query"));
    }
    let flag = |k: &str| q.get(k) == Some("true");
    Ok(Ask {
        pods,
        container: pick("container").map(str::to_string),
        tail: pick("tailLines").and_then(|v| v.parse().ok()),
        since_secs: pick("sinceSeconds").and_then(|v| v.parse().ok()).filter(|s: &i64| *s > 0),
        follow: flag("follow"),
        previous: flag("previous"),
        filter: pick("filter").map(str::to_string),
    })
}

/// One pod's writer as the instance is now; `Err` is the log error Kubernetes would give.
fn writer<'a>(inst: &'a Instance, idx: usize, pod: &'a str, a: &Ask) -> Result<Writer<'a>, String> {
    if let Some(c) = a.container.as_deref().filter(|c| *c != CONTAINER) {
        return Err(format!("container {c} is not valid for pod {pod}"));
    }
    let app = &inst.apps[idx];
    let (_, pods) = rs_and_pods(app, inst.env_of(idx));
    // As the resource tree shows it: the first pod of a Degraded app is crash-looping.
    let crashing = app.health == Health::Degraded && pods.first().is_some_and(|p| p == pod);
    if a.previous && !crashing {
        return Err(format!("previous terminated container \"{CONTAINER}\" in pod \"{pod}\" not found"));
    }
    let start_ms = app.restarted_ms.unwrap_or(app.health_since_ms);
    let version = app.live_ver.tag();
    Ok(Writer { service: &inst.svc(idx).name, pod, version, start_ms, crashing, previous: a.previous })
}

/// Every pod's lines in `(after, until]`, merged by time as Argo CD merges pod streams. The
/// first read also says a pod's log error once and keeps only the last `tailLines`.
fn collect(inst: &Instance, idx: usize, a: &Ask, after: i64, until: i64, first: bool) -> Vec<(String, Line)> {
    let mut out = Vec::new();
    for pod in &a.pods {
        let mut lines = match writer(inst, idx, pod, a) {
            Ok(w) => w.lines(after, until),
            Err(e) if first => vec![(until, e)],
            Err(_) => Vec::new(),
        };
        if let Some(f) = &a.filter {
            let (neg, needle) = f.strip_prefix('!').map_or((false, f.as_str()), |n| (true, n));
            lines.retain(|(_, l)| l.contains(needle) != neg);
        }
        if let (Some(n), true) = (a.tail, first) {
            lines.drain(..lines.len().saturating_sub(n));
        }
        out.extend(lines.into_iter().map(|l| (pod.clone(), l)));
    }
    out.sort_by_key(|(_, (t, _))| *t);
    out
}

fn message(pod: &str, at_ms: i64, content: &str, last: bool, sse: bool) -> Bytes {
    let ts = crate::render::ts(at_ms);
    let m = json!({"result": {"content": content, "timeStamp": ts, "timeStampStr": rfc3339_nano(at_ms),
        "podName": pod, "last": last}});
    frame(&m.to_string(), sse)
}

/// Send what is there, then (following) what each move of the sim clock adds: every read
/// covers `(last read, now]`, so no line comes twice or goes missing.
async fn stream(ctx: Ctx, name: String, a: Ask, sse: bool, tx: mpsc::Sender<Result<Bytes, Infallible>>) {
    let mut after: Option<i64> = None;
    loop {
        let (lines, now) = {
            let inst = ctx.inst();
            let Some(idx) = inst.find(&name) else { return };
            let now = inst.now_ms;
            let from = after.unwrap_or_else(|| a.since_secs.map_or(i64::MIN, |s| now - s * 1000));
            (collect(&inst, idx, &a, from, now, after.is_none()), now)
        };
        for (pod, (t, text)) in lines {
            if tx.send(Ok(message(&pod, t, &text, false, sse))).await.is_err() {
                return;
            }
        }
        after = Some(now);
        if !a.follow {
            let _ = tx.send(Ok(message("", now, "", true, sse))).await;
            return;
        }
        tokio::select! {
            _ = tx.closed() => return,
            _ = tokio::time::sleep(FOLLOW_POLL) => {}
        }
    }
}
