//! Opening (with torn-tail repair) and appending to the audit log, durably and under a lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{sha256_hex, AuditError, Entry, Record, FILE_NAME, GENESIS, HEAD_FILE};

/// What [`Audit::open`] had to repair: a torn last line it cut off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    /// Bytes removed from the end of the file.
    pub removed_bytes: u64,
}

/// An open audit log. Holds the file and what it knows of the chain's head; re-reads the
/// head under the lock whenever another process has appended since.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    file: File,
    /// File length after our last look at it.
    len: u64,
    last_hash: String,
    last_seq: u64,
}

/// An exclusive `flock` held until dropped. Holds the descriptor number, not a borrow, so the
/// log can be changed while locked; the `Audit` owning the file outlives the guard.
struct Locked(std::os::fd::RawFd);

impl Locked {
    fn new(file: &File) -> std::io::Result<Self> {
        let fd = file.as_raw_fd();
        // SAFETY: flock on a file descriptor we own; blocks until the lock is ours.
        let rc = unsafe { libc::flock(fd, libc::LOCK_EX) };
        if rc == 0 {
            Ok(Self(fd))
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // SAFETY: unlocking the descriptor we locked; closing would release it anyway.
        unsafe {
            libc::flock(self.0, libc::LOCK_UN);
        }
    }
}

impl Audit {
    /// Open (creating if needed) `dir/audit.jsonl`. A torn last line is cut off, logged as a
    /// warning and reported in the `Repair`.
    pub fn open(dir: &Path) -> Result<(Self, Option<Repair>), AuditError> {
        let path = dir.join(FILE_NAME);
        let io = |source| AuditError::Io { path: path.clone(), source };
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io)?;
        let created = !path.exists();
        let file = OpenOptions::new().read(true).append(true).create(true).mode(0o600).open(&path).map_err(io)?;
        if created {
            // The new directory entry must survive a crash too, or the first record could vanish.
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        let mut audit = Self { path: path.clone(), file, len: 0, last_hash: GENESIS.into(), last_seq: 0 };
        let repair = {
            let _lock = Locked::new(&audit.file).map_err(io)?;
            let repair = audit.repair_tail()?;
            audit.reload_head()?;
            repair
        };
        if let Some(r) = &repair {
            tracing::warn!(path = %path.display(), removed_bytes = r.removed_bytes, "audit log had a torn last record; cut it off");
        }
        Ok((audit, repair))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sequence number of the last record (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    fn io(&self, source: std::io::Error) -> AuditError {
        AuditError::Io { path: self.path.clone(), source }
    }

    fn read_all(&self) -> Result<Vec<u8>, AuditError> {
        let mut f = &self.file;
        let mut buf = Vec::new();
        f.seek(SeekFrom::Start(0)).and_then(|_| f.read_to_end(&mut buf)).map_err(|e| self.io(e))?;
        Ok(buf)
    }

    /// Cut everything after the last newline: a write that did not finish.
    fn repair_tail(&mut self) -> Result<Option<Repair>, AuditError> {
        let buf = self.read_all()?;
        let keep = buf.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if keep == buf.len() {
            return Ok(None);
        }
        self.file.set_len(keep as u64).map_err(|e| self.io(e))?;
        self.file.sync_all().map_err(|e| self.io(e))?;
        Ok(Some(Repair { removed_bytes: (buf.len() - keep) as u64 }))
    }

    /// Learn the head of the chain (last line's hash and seq) from the file.
    fn reload_head(&mut self) -> Result<(), AuditError> {
        let buf = self.read_all()?;
        self.len = buf.len() as u64;
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if body.is_empty() {
            self.last_hash = GENESIS.into();
            self.last_seq = 0;
            return Ok(());
        }
        let start = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let last = &body[start..];
        self.last_hash = sha256_hex(last);
        // A last line that does not parse still chains (its hash is what it is); `verify`
        // reports it. Count lines so seq continues from the position.
        self.last_seq = match serde_json::from_slice::<Record>(last) {
            Ok(r) => r.seq,
            Err(_) => body.iter().filter(|b| **b == b'\n').count() as u64 + 1,
        };
        Ok(())
    }

    /// Append one record and make it durable; when this returns Ok the record survives a
    /// crash of the process or the machine.
    pub fn append(&mut self, entry: Entry) -> Result<Record, AuditError> {
        let _lock = Locked::new(&self.file).map_err(|e| self.io(e))?;
        let len = self.file.metadata().map_err(|e| self.io(e))?.len();
        if len != self.len {
            // Another process appended (or repaired) since we last looked.
            self.repair_tail()?;
            self.reload_head()?;
        }
        let record = Record { seq: self.last_seq + 1, entry, prev: self.last_hash.clone() };
        let line = serde_json::to_string(&record)
            .map_err(|e| AuditError::Encode { path: self.path.clone(), detail: e.to_string() })?;
        let mut bytes = line.clone().into_bytes();
        bytes.push(b'\n');
        // One write of the whole line (O_APPEND): a crash leaves all of it or a prefix
        // without the newline, which `open` repairs.
        (&self.file).write_all(&bytes).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))?;
        self.len = len + bytes.len() as u64;
        self.last_hash = sha256_hex(line.as_bytes());
        self.last_seq = record.seq;
        // Still under the lock: the head moves with the file, never behind another writer's.
        self.write_head()?;
        Ok(record)
    }

    /// Anchor the chain's head next to the log (`seq hash`), atomically (write a temporary
    /// file, fsync, rename), so cutting records off the end of the log is caught by `verify`.
    /// A crash between the append and this leaves the head one record behind, which `verify`
    /// accepts (the log may be longer than its head, never shorter).
    fn write_head(&self) -> Result<(), AuditError> {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        let head = dir.join(HEAD_FILE);
        let tmp = dir.join(format!("{HEAD_FILE}.{}", std::process::id()));
        let io = |source| AuditError::Io { path: head.clone(), source };
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io)?;
        f.write_all(format!("{} {}\n", self.last_seq, self.last_hash).as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &head).map_err(io)?;
        File::open(dir).and_then(|d| d.sync_all()).map_err(io)
    }
}
