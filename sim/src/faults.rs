//! Fault injection for the fault-matrix tests, beyond `Sim::fail_next` (the guard's status
//! faults): reads that fail while writes pass (a 5xx storm on GETs), watch streams that go
//! silent or are cut in the middle of an event, answers whose headers come late or whose
//! body trickles in, and per-app patches of the rendered JSON (a wrong type in one item, a
//! health or sync state Argo CD does not have yet). Also the record of every write a client
//! sent to an instance, so a test can prove a read-only session sent none.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::Method;
use axum::response::Response;
use futures_util::StreamExt;

use crate::state::lock;

/// Headers of matching requests come only after `delay`.
#[derive(Clone, Debug)]
pub struct Slow {
    pub path_prefix: String,
    pub delay: Duration,
}

/// The faults of one instance (held in its `Slot`).
#[derive(Default)]
pub struct Faults {
    /// Every write received, as `METHOD /path` (`?refresh=…` GETs included: Argo CD writes
    /// the refresh annotation; logging in and out are not writes to the estate).
    pub writes: Mutex<Vec<String>>,
    /// Watch streams opened from now on stay open and send nothing, not even a keep-alive.
    pub silent_watches: AtomicBool,
    /// The next event of every open watch stream is cut in its middle, then the stream ends.
    pub cut_next_event: AtomicBool,
    /// Matching requests get their headers late.
    pub slow: Mutex<Option<Slow>>,
    /// The bodies of GETs under this path trickle in: one byte per interval.
    pub trickle: Mutex<Option<(String, Duration)>>,
    /// The next GETs fail with this status: `(remaining, status)`; writes are not touched.
    pub fail_gets: Mutex<Option<(u32, u16)>>,
    /// The next writes (any method but GET) fail with this status; reads are not touched.
    pub fail_writes: Mutex<Option<(u32, u16)>>,
}

impl Faults {
    /// Note the request if it writes.
    pub fn record(&self, method: &Method, path: &str, query: Option<&str>) {
        let refresh = query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("refresh=")));
        let session = path == "/api/v1/session";
        if (*method != Method::GET && *method != Method::HEAD && !session) || refresh {
            lock(&self.writes).push(format!("{method} {path}"));
        }
    }

    /// The status this request must fail with now, if reads (or writes) are set to fail
    /// (counts it down).
    pub fn take_failure(&self, method: &Method) -> Option<u16> {
        let slot = if *method == Method::GET { &self.fail_gets } else { &self.fail_writes };
        let mut fail = lock(slot);
        let (n, status) = (*fail)?;
        *fail = (n > 1).then_some((n - 1, status));
        Some(status)
    }

    /// How long the headers of a request to `path` are held back.
    pub fn header_delay(&self, path: &str) -> Option<Duration> {
        lock(&self.slow).as_ref().filter(|s| path.starts_with(&s.path_prefix)).map(|s| s.delay)
    }

    /// Whether new watch streams go silent.
    pub fn silent(&self) -> bool {
        self.silent_watches.load(Ordering::Relaxed)
    }

    /// Whether the event being sent must be cut (once: the flag is taken by the first stream).
    pub fn take_cut(&self) -> bool {
        self.cut_next_event.swap(false, Ordering::Relaxed)
    }

    /// The answer to a GET of `path`, its body trickled in when asked to.
    pub async fn maybe_trickle(&self, method: &Method, path: &str, resp: Response) -> Response {
        let every = match &*lock(&self.trickle) {
            Some((prefix, every)) if *method == Method::GET && path.starts_with(prefix.as_str()) => *every,
            _ => return resp,
        };
        let (parts, body) = resp.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return Response::from_parts(parts, Body::empty());
        };
        let slow = futures_util::stream::iter(bytes.to_vec()).then(move |b| async move {
            tokio::time::sleep(every).await;
            Ok::<_, std::convert::Infallible>(Bytes::from(vec![b]))
        });
        let mut parts = parts;
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        Response::from_parts(parts, Body::from_stream(slow))
    }
}

/// The front half of a framed event: what a connection dropped mid-write leaves.
pub fn half(frame: &Bytes) -> Bytes {
    frame.slice(..frame.len() / 2)
}
