//! The per-instance supervisor: list → `Msg::AppsListed`, watch from the list's
//! resourceVersion → `Msg::AppsChanged` (one message per burst), connection state in
//! `Msg::ConnectionChanged`. Reconnects with capped backoff + jitter and re-lists on every
//! reconnect; also re-lists every `RELIST_EVERY` while healthy, because the server drops
//! events when a watcher's buffer fills (notes §3.3). A stream that stays open but sends
//! nothing, not even the SSE keep-alive, past `keepalive_deadline` is dead: reconnect and
//! re-list. A server answering 5xx shows as degraded. Gives up only on 401/403.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::stream::{WatchEvent, KEEPALIVE_DEADLINE};
use super::ArgoClient;
use crate::app::{Msg, WatchChange};
use crate::client::backoff::Backoff;
use crate::client::error::ClientError;
use crate::domain::{ConnState, ErrorKind, Failure};

/// Re-list this often even when the stream looks healthy.
pub const RELIST_EVERY: Duration = Duration::from_secs(5 * 60);
/// Reconnect backoff: first retry after ~0.5 s (the Argo CD UI waits 500 ms), capped at 30 s.
pub const RECONNECT_BACKOFF: Backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));

/// Tunables of the supervisor (tests shorten them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    pub relist_every: Duration,
    pub reconnect: Backoff,
    /// A stream silent this long (no event, no keep-alive) is dead: reconnect and re-list.
    pub keepalive_deadline: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { relist_every: RELIST_EVERY, reconnect: RECONNECT_BACKOFF, keepalive_deadline: KEEPALIVE_DEADLINE }
    }
}

/// How one list+watch session ended.
enum End {
    /// The receiver is gone: the console quit.
    Closed,
    /// Time for the periodic re-list; the connection is fine.
    Relist,
    /// Retrying cannot help (credentials refused).
    Fatal(Failure),
    /// Transient: reconnect after a backoff; `degraded` when the server answered with an
    /// error (5xx, 429) rather than not at all.
    Retry { failure: Failure, degraded: bool },
}

/// Whether an error is worth retrying. 401/403 are final: a login client has already
/// re-logged in once inside the request.
fn classify(e: &ClientError) -> End {
    match e.kind() {
        ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Usage => End::Fatal(e.to_failure()),
        _ => End::Retry { failure: e.to_failure(), degraded: e.status().is_some_and(|s| s == 429 || s >= 500) },
    }
}

/// Run forever (until the receiver is dropped or credentials are refused).
pub async fn supervise(client: ArgoClient, tx: mpsc::Sender<Msg>, opts: WatchOptions) {
    let instance = client.instance();
    let state = |state| Msg::ConnectionChanged { instance, state };
    if tx.send(state(ConnState::Connecting)).await.is_err() {
        return;
    }
    let mut live = false;
    let mut attempt: u32 = 0;
    // When the stream first dropped (kept across attempts): the console shows data as stale
    // from then on.
    let mut down_since = None;
    let mut unreadable = false;
    loop {
        match session(&client, &tx, &opts, &mut live, &mut attempt, &mut unreadable).await {
            End::Closed => return,
            End::Relist => {}
            End::Fatal(f) => {
                tracing::warn!(instance, error = %f, "watch stopped");
                let _ = tx.send(state(ConnState::Failed(f))).await;
                return;
            }
            End::Retry { failure: f, degraded } => {
                if live {
                    // It was live until now: a new outage starts.
                    down_since = None;
                }
                live = false;
                attempt = attempt.saturating_add(1);
                tracing::info!(instance, attempt, error = %f, "watch reconnecting");
                let error = f.to_string();
                let since = *down_since.get_or_insert_with(Utc::now);
                let conn = if degraded {
                    ConnState::Degraded { attempt, error, since }
                } else {
                    ConnState::Reconnecting { attempt, error, since }
                };
                if tx.send(state(conn)).await.is_err() {
                    return;
                }
                tokio::time::sleep(opts.reconnect.delay(attempt)).await;
            }
        }
    }
}

/// One list, then one watch until it breaks or the re-list is due.
async fn session(
    client: &ArgoClient,
    tx: &mpsc::Sender<Msg>,
    opts: &WatchOptions,
    live: &mut bool,
    attempt: &mut u32,
    unreadable: &mut bool,
) -> End {
    let instance = client.instance();
    let list = match client.list_items().await {
        Ok(x) => x,
        Err(e) => return classify(&e),
    };
    let (apps, rv) = (list.deployments, list.resource_version);
    if tx.send(Msg::AppsListed { instance, apps, at: Utc::now() }).await.is_err() {
        return End::Closed;
    }
    // Said when some app is unreadable, and once more when none is any longer.
    if !list.skipped.is_empty() || *unreadable {
        *unreadable = !list.skipped.is_empty();
        if tx.send(Msg::AppsUnreadable { instance, items: list.skipped, at: Utc::now() }).await.is_err() {
            return End::Closed;
        }
    }
    let mut stream = match client.watch(Some(&rv)).await {
        Ok(s) => s.with_idle_deadline(opts.keepalive_deadline),
        Err(e) => return classify(&e),
    };
    if !*live {
        *live = true;
        *attempt = 0;
        if tx.send(Msg::ConnectionChanged { instance, state: ConnState::Live }).await.is_err() {
            return End::Closed;
        }
    }
    let relist = tokio::time::sleep(opts.relist_every);
    tokio::pin!(relist);
    loop {
        tokio::select! {
            _ = &mut relist => return End::Relist,
            batch = stream.next_batch() => match batch {
                Ok(Some(events)) => {
                    let (changes, bad) = changes(client, &events);
                    if !changes.is_empty() && tx.send(Msg::AppsChanged { instance, changes, at: Utc::now() }).await.is_err() {
                        return End::Closed;
                    }
                    if !bad.is_empty() {
                        let msg = Msg::AppsUnreadable { instance, items: bad, at: Utc::now() };
                        if tx.send(msg).await.is_err() {
                            return End::Closed;
                        }
                    }
                }
                Ok(None) => {
                    let failure = Failure::new(ErrorKind::Unavailable, "watch stream ended");
                    return End::Retry { failure, degraded: false };
                }
                Err(e) => return classify(&e),
            },
        }
    }
}

/// The changes of a burst, and the messages of it that could not be read (named).
fn changes(client: &ArgoClient, events: &[WatchEvent]) -> (Vec<WatchChange>, Vec<String>) {
    let (mut changes, mut unreadable) = (Vec::new(), Vec::new());
    for e in events {
        match e {
            WatchEvent::Upsert(app) => changes.push(WatchChange::Upsert(Box::new(client.to_deployment(app)))),
            WatchEvent::Deleted(app) => changes.push(WatchChange::Deleted(app.key(client.instance()))),
            WatchEvent::Unreadable(what) => unreadable.push(what.clone()),
        }
    }
    (changes, unreadable)
}
