//! Requests, decisions and runs, the pure side: the ledger's records and their fold into
//! request states ([`records`]), and the payload that describes a held action ([`payload`]).
//! The I/O side (git, later Conductor) lives in `client::engine`.

pub mod payload;
pub mod records;

pub use records::{fold, Record, RecordKind, RequestBody, RequestState, Status, Verdict};
