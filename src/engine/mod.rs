//! Requests, decisions, runs and the trail behind one seam, the pure side: the [`Engine`]
//! trait every engine implements (the embedded Git-ref ledger today, Conductor next), the
//! ledger's records and their fold into request states ([`records`]), the payload that
//! describes a held action ([`payload`]), the one governance decision the console and the
//! headless commands share ([`governance`]), the one shape of the audit trail ([`trail`]),
//! how a request is shown to a user ([`view`]), what `flightdeck runs` lists ([`runs`]) and
//! what verifications say ([`verify`]). Implementations live in `client::engine`.

pub mod conductor;
pub mod governance;
pub mod payload;
mod payload_preview;
mod payload_scale;
pub mod records;
pub mod runs;
pub mod trail;
pub mod verify;
pub mod view;

pub use records::{fold, Record, RecordKind, RequestBody, RequestState, Status, Verdict};
pub use trail::TrailEvent;

use chrono::{DateTime, Utc};

use crate::domain::policy::Policy;
use crate::domain::{Failure, UserInfo};

/// Where requests, decisions and runs live. Every method is one durable step: when it
/// returns `Ok`, the record is in the engine for every operator to see. Checks that depend
/// on what others did (four-eyes, still pending, already claimed) run against the engine's
/// freshest state, so two operators racing get one winner.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// Where it keeps them, for the header, `doctor` and messages.
    fn describe(&self) -> String;
    /// Every request with its state, oldest first.
    async fn requests(&self) -> Result<Vec<RequestState>, Failure>;
    /// File a new request; its state, with its new id.
    async fn file(&self, who: &UserInfo, body: RequestBody, at: DateTime<Utc>) -> Result<RequestState, Failure>;
    /// Approve, if `policy` lets `who` approve it.
    async fn approve(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure>;
    /// Reject with a comment, if `policy` lets `who` decide it.
    async fn reject(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: &str,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure>;
    /// Withdraw (the requester only).
    async fn withdraw(&self, id: &str, who: &UserInfo, at: DateTime<Utc>) -> Result<RequestState, Failure>;
    /// Expire a request older than `ttl` (recorded once, whoever sweeps first).
    async fn expire(
        &self,
        id: &str,
        who: &UserInfo,
        ttl: chrono::Duration,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure>;
    /// Claim the run of a satisfied request: `true` = `who` runs it, once; `false` = someone
    /// else already did.
    async fn claim(&self, policy: &Policy, id: &str, who: &UserInfo, at: DateTime<Utc>) -> Result<bool, Failure>;
    /// Close an approved request that no longer passes the policy, with the reason.
    async fn refuse(&self, id: &str, who: &UserInfo, reason: &str, at: DateTime<Utc>) -> Result<RequestState, Failure>;
    /// Record how the claimed run ended (`succeeded` or `failed: …`).
    async fn finish(&self, id: &str, who: &UserInfo, outcome: &str, at: DateTime<Utc>) -> Result<(), Failure>;
    /// Keep one trail record in the shared store; returns an anchor (the position it landed
    /// at) that [`Engine::anchored`] can check later.
    async fn record(&self, event: &TrailEvent) -> Result<String, Failure>;
    /// The shared trail, oldest first.
    async fn trail(&self) -> Result<Vec<TrailEvent>, Failure>;
    /// Whether the shared trail still holds everything up to `anchor` unchanged (nothing
    /// removed or rewritten since it was written).
    async fn anchored(&self, anchor: &str) -> Result<bool, Failure>;
}
