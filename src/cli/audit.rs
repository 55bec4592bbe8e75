//! Headless audit commands: `flightdeck audit [-o json]` lists the trail — the team's shared
//! one where governance is configured (every operator's records, from any machine), else this
//! machine's log; `flightdeck audit verify` checks this machine's chain (altered, reordered or
//! removed records, the last ones included) and that the shared trail still holds everything
//! this machine anchored in it; the hidden `audit-stress` appends acknowledged records in a
//! loop for the crash test (each `ack` line is printed only after the record is durable), and
//! the hidden `ledger-stress` does the same to a ledger ref (acknowledged once pushed).

use super::output::outln;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Format;
use crate::audit::{self, Audit, Entry};
use crate::client::engine::Governance;
use crate::config::Config;
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};
use crate::engine::TrailEvent;

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

/// `flightdeck audit [verify] [--local] [-o json]`.
pub async fn run(
    cfg: Option<&Config>,
    dir: Option<PathBuf>,
    verify: bool,
    local: bool,
    output: Format,
) -> Result<(), Failure> {
    let dir = dir_or_default(dir)?;
    let source = cfg.and_then(|c| c.gitops.source()).filter(|_| !local);
    let git_auth = cfg.and_then(|c| crate::client::git::credentials::GitAuth::from_config(&c.git, &c.vault, None));
    let paths = crate::client::engine::embedded::LedgerPaths { audit_dir: Some(dir.clone()), ..Default::default() };
    let gov = Governance::new(source, paths, git_auth);
    if verify {
        return verify_all(&dir, &gov).await;
    }
    match gov.shared_trail().await? {
        Some(events) => list(events.iter().enumerate().map(|(i, e)| (i as u64 + 1, e)), output),
        None => {
            let records = audit::read_records(&dir).map_err(failure)?;
            list(records.iter().map(|r| (r.seq, &r.entry)), output)
        }
    }
}

/// Print `(position, record)` rows as a table or JSON.
fn list<'a>(rows: impl Iterator<Item = (u64, &'a TrailEvent)>, output: Format) -> Result<(), Failure> {
    let rows: Vec<(u64, &TrailEvent)> = rows.collect();
    let mut out = std::io::stdout().lock();
    let res = match output {
        Format::Json => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|(seq, e)| {
                    let mut v = serde_json::to_value(e).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("seq".into(), (*seq).into());
                    }
                    v
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &json).map_err(std::io::Error::other).and_then(|_| writeln!(out))
        }
        Format::Table => {
            let mut r = writeln!(out, "{:>5}  {:<20}  {:<12} {:<12} WHAT", "SEQ", "AT", "ACTOR", "EVENT");
            for (seq, e) in &rows {
                let mut tail: Vec<String> = Vec::new();
                for part in [&e.detail, &e.outcome] {
                    if !part.is_empty() {
                        tail.push(clean(part));
                    }
                }
                if let Some(id) = &e.request {
                    tail.push(clean(id));
                }
                let tail = if tail.is_empty() { String::new() } else { format!("  ({})", tail.join("; ")) };
                r = r.and_then(|_| {
                    writeln!(
                        out,
                        "{:>5}  {:<20}  {:<12} {:<12} {}{tail}",
                        seq,
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        clean(&e.actor),
                        clean(&e.event),
                        clean(&e.what())
                    )
                });
            }
            r
        }
    };
    res.map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            super::output::pipe_closed();
        }
        Failure::new(ErrorKind::Usage, format!("cannot write the listing: {e}"))
    })
}

/// `flightdeck audit verify`: 0 when this machine's chain holds up to its anchored head and
/// the shared trail (where configured) still holds what this machine anchored; 1 naming the
/// first broken record otherwise.
async fn verify_all(dir: &Path, gov: &Governance) -> Result<(), Failure> {
    let v = audit::verify(dir).map_err(failure)?;
    let file = dir.join(audit::FILE_NAME);
    if let Some((line, what)) = v.broken {
        return Err(Failure::new(
            ErrorKind::ActionFailed,
            format!("audit log {}: {what} (line {line})", file.display()),
        )
        .with_hint("the records after it cannot be trusted; compare with a backup or the shared trail"));
    }
    outln!("audit log {}: {} records, chain intact", file.display(), v.records);
    match gov.shared_intact().await? {
        None => {}
        Some((anchor, true)) => outln!("shared trail: intact up to {}", &anchor[..anchor.len().min(12)]),
        Some((anchor, false)) => return Err(Failure::new(
            ErrorKind::ActionFailed,
            format!(
                "shared trail: the record this machine wrote at {} is gone: records were removed or rewritten",
                &anchor[..anchor.len().min(12)]
            ),
        )
        .with_hint(
            "the shared ref was force-pushed; protect refs/flightdeck/* on the server against non-fast-forward pushes",
        )),
    }
    Ok(())
}

/// Hidden `audit-stress`: append `count` records tagged `tag-N`, printing `ack tag-N` after
/// each returns. The crash test kills this process at random and checks every ack survived.
pub fn stress(dir: &Path, tag: &str, count: u64) -> Result<(), Failure> {
    let (mut log, repair) = Audit::open(dir).map_err(failure)?;
    if let Some(r) = repair {
        let _ = writeln!(std::io::stdout(), "repaired {}", r.removed_bytes);
    }
    // Some bulk so a kill often lands mid-write.
    acknowledged(tag, count, |entry| log.append(Entry { detail: "x".repeat(512), ..entry }).map(drop).map_err(failure))
}

/// Hidden `ledger-stress`: append `count` trail records tagged `tag-N` to the shared trail
/// ref of `remote`, printing `ack tag-N` after each push returned. The crash test kills this
/// process at random and checks every ack landed once.
pub fn ledger_stress(remote: &str, cache: &Path, tag: &str, count: u64) -> Result<(), Failure> {
    use crate::client::engine::embedded::TRAIL_REF;
    use crate::client::engine::Ledger;
    let unavailable = |e: crate::client::engine::LedgerError| Failure::new(ErrorKind::Unavailable, e.to_string());
    let ledger = Ledger::open(crate::client::git::Git::new(), remote, cache, TRAIL_REF).map_err(unavailable)?;
    let who = crate::domain::UserInfo { username: "stress".into(), groups: Vec::new() };
    acknowledged(tag, count, |entry| ledger.append_trail(&who, &entry).map(drop).map_err(unavailable))
}

/// Write `count` records tagged `tag-N` with `append`, printing `ack tag-N` once each returned.
fn acknowledged(tag: &str, count: u64, mut append: impl FnMut(Entry) -> Result<(), Failure>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let subject = format!("{tag}-{i}");
        let entry = Entry {
            at: chrono::Utc::now(),
            actor: "stress".into(),
            event: "action".into(),
            subject: subject.clone(),
            ..Entry::default()
        };
        append(entry)?;
        writeln!(out, "ack {subject}")
            .and_then(|_| out.flush())
            .map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
    }
    Ok(())
}
