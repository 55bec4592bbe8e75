//! The approvals ledger: append-only records (request, approval, rejection, cancellation,
//! execution, expiry) kept where the team already shares state, on the ref
//! `refs/flightdeck/approvals` of the GitOps remote. Each record is one commit whose message
//! carries the record as JSON (on the empty tree), appended on top of the ref; a push is a
//! plain fast-forward, so it is a compare-and-swap: when another operator got there first the
//! push is refused, we fetch, re-check and re-apply on the new tip, and retry (bounded). No
//! record is ever lost and an execution is claimed once.
//!
//! [`records`] holds the record types and the pure fold into request states; [`store`] the
//! git side (fetch, append with CAS, optional signing and verification).

pub mod records;
mod store;

pub use records::{fold, Record, RecordKind, RequestBody, RequestState, Status, Verdict};
pub use store::{describe_status, Ledger, LedgerError, Signing, DEFAULT_REF, MAX_ATTEMPTS};
