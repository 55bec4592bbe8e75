//! Checking the chain: every line parses, its `seq` is its position, and its `prev` is the
//! SHA-256 of the line before; and the log still reaches the head anchored in `audit.head`
//! (records cut off the end are caught). The first failure names the record at fault.

use std::path::Path;

use super::{sha256_hex, AuditError, Record, FILE_NAME, GENESIS, HEAD_FILE};

/// The result of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Records read (up to the first broken one).
    pub records: u64,
    /// `(line, what is wrong)` of the first broken record, if any.
    pub broken: Option<(u64, String)>,
}

impl Verified {
    pub fn ok(&self) -> bool {
        self.broken.is_none()
    }
}

/// Read `dir/audit.jsonl` (missing = empty) as raw lines; a torn tail is left out.
fn lines(dir: &Path) -> Result<Vec<Vec<u8>>, AuditError> {
    let path = dir.join(FILE_NAME);
    let buf = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(AuditError::Io { path, source }),
    };
    Ok(split_lines(&buf))
}

/// The log's bytes as lines; the piece after the last newline is empty, or a torn write
/// that `open` will repair, and is left out.
fn split_lines(buf: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = buf.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    out.pop();
    out
}

/// Verify the chain in `dir`.
pub fn verify(dir: &Path) -> Result<Verified, AuditError> {
    let lines = lines(dir)?;
    let head = head(dir)?;
    Ok(verify_lines(&lines, head))
}

/// Verify a log given as its bytes and its head file's text (`None`: no head file), as
/// [`verify`] does on disk: the pure check (also what the fuzzer drives).
pub fn verify_bytes(log: &[u8], head_text: Option<&str>) -> Verified {
    verify_lines(&split_lines(log), head_text.and_then(parse_head))
}

fn verify_lines(lines: &[Vec<u8>], head: Option<(u64, String)>) -> Verified {
    let mut prev = GENESIS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let n = i as u64 + 1;
        let broken = |what: String| Verified { records: n - 1, broken: Some((n, what)) };
        let record: Record = match serde_json::from_slice(line) {
            Ok(r) => r,
            Err(e) => return broken(format!("record {n} is not a valid record ({e})")),
        };
        if record.prev != prev {
            // This line's `prev` disagrees with the line before: that one was changed (or
            // removed, or this one was inserted).
            if n == 1 {
                // (Found by the fuzzer: `n - 2` here overflowed on a first record out of chain.)
                let what = "record 1 does not start the chain (records before it were removed?)".to_string();
                return Verified { records: 0, broken: Some((1, what)) };
            }
            let what = format!("record {} was changed or removed: record {n} holds a different hash of it", n - 1);
            return Verified { records: n - 2, broken: Some((n - 1, what)) };
        }
        if record.seq != n {
            return broken(format!("record {n} says it is record {}", record.seq));
        }
        prev = sha256_hex(line);
    }
    let total = lines.len() as u64;
    if let Some((seq, hash)) = head {
        let reached = usize::try_from(seq).ok().and_then(|s| s.checked_sub(1)).and_then(|i| lines.get(i));
        match reached {
            None => {
                let what = format!(
                    "the log ends at record {total} but its head is record {seq}: records {}..={seq} were removed",
                    total + 1
                );
                return Verified { records: total, broken: Some((total + 1, what)) };
            }
            Some(line) if sha256_hex(line) != hash => {
                let what =
                    format!("record {seq} is not the one the head anchors (changed, or the log was cut and rewritten)");
                return Verified { records: seq.saturating_sub(1), broken: Some((seq, what)) };
            }
            Some(_) => {}
        }
    }
    Verified { records: total, broken: None }
}

/// The anchored head `(seq, hash)`; `None` for logs written before anchoring existed.
fn head(dir: &Path) -> Result<Option<(u64, String)>, AuditError> {
    let path = dir.join(HEAD_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(AuditError::Io { path, source }),
    };
    Ok(parse_head(&text))
}

/// `seq hash` of the head file.
fn parse_head(text: &str) -> Option<(u64, String)> {
    let mut parts = text.split_whitespace();
    let seq = parts.next().and_then(|s| s.parse().ok());
    let hash = parts.next().map(str::to_string);
    seq.zip(hash)
}

/// Every record that parses, in order (for listing; use [`verify`] to check them).
pub fn read_records(dir: &Path) -> Result<Vec<Record>, AuditError> {
    Ok(lines(dir)?.iter().filter_map(|l| serde_json::from_slice(l).ok()).collect())
}
