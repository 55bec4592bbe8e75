//! The per-instance supervisor: list → `Msg::AppsListed`, watch from the list's
//! resourceVersion → `Msg::AppsChanged` (one message per burst), connection state in
//! `Msg::ConnectionChanged`. Reconnects with capped backoff + jitter and re-lists on every
//! reconnect; also re-lists every `RELIST_EVERY` while healthy, because the server drops
//! events when a watcher's buffer fills (notes §3.3). Gives up only on 401/403.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use super::stream::WatchEvent;
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
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { relist_every: RELIST_EVERY, reconnect: RECONNECT_BACKOFF }
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
    /// Transient: reconnect after a backoff.
    Retry(Failure),
}

/// Whether an error is worth retrying. 401/403 are final: a login client has already
/// re-logged in once inside the request.
fn classify(e: &ClientError) -> End {
    match e.kind() {
        ErrorKind::Unauthorized | ErrorKind::Forbidden | ErrorKind::Usage => End::Fatal(e.to_failure()),
        _ => End::Retry(e.to_failure()),
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
    loop {
        match session(&client, &tx, &opts, &mut live, &mut attempt).await {
            End::Closed => return,
            End::Relist => {}
            End::Fatal(f) => {
                tracing::warn!(instance, error = %f, "watch stopped");
                let _ = tx.send(state(ConnState::Failed(f))).await;
                return;
            }
            End::Retry(f) => {
                if live {
                    // It was live until now: a new outage starts.
                    down_since = None;
                }
                live = false;
                attempt = attempt.saturating_add(1);
                tracing::info!(instance, attempt, error = %f, "watch reconnecting");
                let error = f.to_string();
                let since = *down_since.get_or_insert_with(Utc::now);
                if tx.send(state(ConnState::Reconnecting { attempt, error, since })).await.is_err() {
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
) -> End {
    let instance = client.instance();
    let (apps, rv) = match client.list().await {
        Ok(x) => x,
        Err(e) => return classify(&e),
    };
    if tx.send(Msg::AppsListed { instance, apps, at: Utc::now() }).await.is_err() {
        return End::Closed;
    }
    let mut stream = match client.watch(Some(&rv)).await {
        Ok(s) => s,
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
                    let changes = events.iter().map(|e| change(client, e)).collect();
                    if tx.send(Msg::AppsChanged { instance, changes, at: Utc::now() }).await.is_err() {
                        return End::Closed;
                    }
                }
                Ok(None) => return End::Retry(Failure::new(ErrorKind::Unavailable, "watch stream ended")),
                Err(e) => return classify(&e),
            },
        }
    }
}

fn change(client: &ArgoClient, e: &WatchEvent) -> WatchChange {
    match e {
        WatchEvent::Upsert(app) => WatchChange::Upsert(Box::new(client.to_deployment(app))),
        WatchEvent::Deleted(app) => WatchChange::Deleted(app.key(client.instance())),
    }
}
