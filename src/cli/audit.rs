//! Headless audit commands: `flightdeck audit [-o json]` lists the records, `flightdeck audit
//! verify` checks the chain and names the first broken record, and the hidden `audit-stress`
//! appends acknowledged records in a loop for the crash test (each `ack` line is printed only
//! after the record is durable).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Format;
use crate::audit::{self, Audit, Entry};
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};

fn failure(e: audit::AuditError) -> Failure {
    Failure::new(ErrorKind::Usage, e.to_string()).with_hint("check the directory exists and is writable by you")
}

/// The audit directory: `--dir`, else the platform data dir.
pub fn dir_or_default(dir: Option<PathBuf>) -> Result<PathBuf, Failure> {
    match dir {
        Some(d) => Ok(d),
        None => audit::default_dir().map_err(failure),
    }
}

/// `flightdeck audit [-o json]`.
pub fn list(dir: &Path, output: Format) -> Result<(), Failure> {
    let records = audit::read_records(dir).map_err(failure)?;
    let mut out = std::io::stdout().lock();
    let res = match output {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &records).map_err(std::io::Error::other).and_then(|_| writeln!(out))
        }
        Format::Table => {
            let mut r = writeln!(out, "{:>5}  {:<20}  {:<12} {:<12} SUBJECT", "SEQ", "AT", "ACTOR", "EVENT");
            for rec in &records {
                let e = &rec.entry;
                let detail = if e.detail.is_empty() { String::new() } else { format!("  ({})", clean(&e.detail)) };
                r = r.and_then(|_| {
                    writeln!(
                        out,
                        "{:>5}  {:<20}  {:<12} {:<12} {}{detail}",
                        rec.seq,
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        clean(&e.actor),
                        clean(&e.event),
                        clean(&e.subject)
                    )
                });
            }
            r
        }
    };
    res.map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot write the listing: {e}")))
}

/// `flightdeck audit verify`: 0 when the chain holds, 1 naming the first broken record.
pub fn verify(dir: &Path) -> Result<(), Failure> {
    let v = audit::verify(dir).map_err(failure)?;
    match v.broken {
        None => {
            println!("audit log {}: {} records, chain intact", dir.join(audit::FILE_NAME).display(), v.records);
            Ok(())
        }
        Some((line, what)) => Err(Failure::new(
            ErrorKind::ActionFailed,
            format!("audit log {}: {what} (line {line})", dir.join(audit::FILE_NAME).display()),
        )
        .with_hint("the records after it cannot be trusted; compare with a backup or the Git trail")),
    }
}

/// Hidden `audit-stress`: append `count` records tagged `tag-N`, printing `ack tag-N` after
/// each returns. The crash test kills this process at random and checks every ack survived.
pub fn stress(dir: &Path, tag: &str, count: u64) -> Result<(), Failure> {
    let (mut log, repair) = Audit::open(dir).map_err(failure)?;
    let mut out = std::io::stdout().lock();
    if let Some(r) = repair {
        let _ = writeln!(out, "repaired {}", r.removed_bytes);
    }
    for i in 0..count {
        let entry = Entry {
            at: chrono::Utc::now(),
            actor: "stress".into(),
            event: "action".into(),
            subject: format!("{tag}-{i}"),
            // Some bulk so a kill often lands mid-write.
            detail: "x".repeat(512),
        };
        log.append(entry).map_err(failure)?;
        writeln!(out, "ack {tag}-{i}")
            .and_then(|_| out.flush())
            .map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
    }
    Ok(())
}
