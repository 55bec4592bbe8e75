//! The audit trail: every action and every approval decision, one JSON record per line in
//! `audit.jsonl` in the platform's data directory, each record holding the SHA-256 of the line
//! before it, so any change to a past record breaks the chain at the next one.
//!
//! Durability: a record is one `write` of the whole line followed by `fsync` (and, when the
//! file is created, an fsync of the directory), under an exclusive `flock` so two consoles on
//! one machine extend one chain. A crash mid-write can only leave a torn last line (a prefix
//! without its newline); [`Audit::open`] truncates it with a warning. Nothing appended and
//! acknowledged (the `append` call returned) is lost.
//!
//! Removal of the last records is caught too: after every append the head of the chain
//! (its seq and hash) is written atomically to `audit.head`, and `verify` checks the file
//! still reaches it. Where a shared store is configured, the same records are kept there and
//! the last position this machine wrote is anchored (`shared.anchor`; see `client::engine`).

mod log;
mod verify;

pub use log::{Audit, Repair};
pub use verify::{read_records, verify, verify_bytes, Verified};

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The file name inside the audit directory.
pub const FILE_NAME: &str = "audit.jsonl";
/// The chain's head (`seq hash`), rewritten atomically after every append.
pub const HEAD_FILE: &str = "audit.head";

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened: the trail's one record shape (see `engine::trail`).
pub use crate::engine::TrailEvent as Entry;

/// One line of the log: the entry, its position, and the hash of the line before.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 1-based position in the chain.
    pub seq: u64,
    #[serde(flatten)]
    pub entry: Entry,
    /// Lower-case hex SHA-256 of the previous line's bytes (without its newline).
    pub prev: String,
}

/// Failures of the audit log, always naming the file.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("audit log {path}: cannot encode a record: {detail}")]
    Encode { path: PathBuf, detail: String },
    #[error("no data directory for the audit log (set XDG_DATA_HOME or HOME)")]
    NoDataDir,
}

/// The platform data directory's audit folder (`~/.local/share/flightdeck` on Linux).
pub fn default_dir() -> Result<PathBuf, AuditError> {
    directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(AuditError::NoDataDir)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Append one entry to the log in `dir` (the platform data dir when `None`): open (repairing
/// a torn tail), append durably, close. The one call every action and decision goes through.
pub fn record(dir: Option<&std::path::Path>, entry: Entry) -> Result<Record, AuditError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => default_dir()?,
    };
    let (mut log, _repair) = Audit::open(&dir)?;
    log.append(entry)
}
