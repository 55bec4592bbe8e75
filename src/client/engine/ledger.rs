//! The git side of the ledger: a private bare repository per remote in the platform cache
//! dir, fetching the ledger ref, reading records (with each commit's signature status), and
//! appending one record with compare-and-swap. The decisions built on it are in
//! `decisions.rs`. Synchronous (child processes); async callers use `spawn_blocking`.

use std::path::{Path, PathBuf};

use crate::audit::sha256_hex;
use crate::client::git::{Git, GitError, GitFailure};
use crate::domain::UserInfo;
use crate::engine::records::{fold, Record, RequestState, Status};

/// Where the records live on the remote.
pub const DEFAULT_REF: &str = "refs/flightdeck/approvals";
/// How many times an append re-applies itself after losing a push race before giving up.
pub const MAX_ATTEMPTS: u32 = 8;
/// Where the remote's default branch is kept locally, to read `allowed_signers` from.
const REMOTE_HEAD_REF: &str = "refs/flightdeck/remote-head";

/// Optional commit signing with git's own machinery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signing {
    /// `ssh` or `openpgp` (git's `gpg.format`).
    pub format: String,
    /// git's `user.signingkey`: an SSH key file, or a GPG key id.
    pub key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("approvals ledger: {0}")]
    Git(#[from] GitError),
    #[error("no approval request {0} in the ledger")]
    UnknownRequest(String),
    /// The request is no longer pending (decided, withdrawn, expired, run).
    #[error("request {id} is {}", describe_status(status))]
    Closed { id: String, status: Status },
    /// The policy or the request's state refuses it; the text says why.
    #[error("{0}")]
    Refused(String),
    #[error("the approvals ledger kept moving: gave up after {attempts} attempts")]
    Contention { attempts: u32 },
    #[error("cannot use the ledger directory {path}: {detail}")]
    Local { path: PathBuf, detail: String },
}

/// The ledger of one GitOps remote.
#[derive(Clone, Debug)]
pub struct Ledger {
    git: Git,
    remote: String,
    dir: PathBuf,
    ref_name: String,
    signing: Option<Signing>,
    /// Path of the allowed-signers file inside the GitOps repository.
    signers_path: String,
    empty_tree: String,
}

impl Ledger {
    /// Open the ledger of `remote`, keeping a private bare repository under
    /// `cache_root/ledger/<hash of the remote>` (re-created when damaged).
    pub fn open(git: Git, remote: &str, cache_root: &Path, ref_name: &str) -> Result<Self, LedgerError> {
        let dir = cache_root.join("ledger").join(&sha256_hex(remote.as_bytes())[..16]);
        let local = |e: std::io::Error| LedgerError::Local { path: dir.clone(), detail: e.to_string() };
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(local)?;
        }
        // Two consoles or tasks of one user share the cache directory: while one initialises
        // the repository, another must not see it half-made and "repair" it away. Held only
        // for the check and the init (a ledger kept open must not block other openers).
        let lock = lock_for(&dir).map_err(local)?;
        let healthy = dir.join("HEAD").exists() && git.run(&dir, &["rev-parse", "--git-dir"]).is_ok();
        if !healthy {
            if dir.exists() {
                tracing::warn!(dir = %dir.display(), "ledger repository damaged; re-creating it");
                std::fs::remove_dir_all(&dir).map_err(local)?;
            }
            std::fs::create_dir_all(&dir).map_err(local)?;
            git.run(&dir, &["init", "-q", "--bare", "."])?;
        }
        let empty_tree = git.run_with_input(&dir, &["mktree"], Some(b""))?.line().to_string();
        drop(lock);
        Ok(Self {
            git,
            remote: remote.to_string(),
            dir,
            ref_name: ref_name.to_string(),
            signing: None,
            signers_path: "allowed_signers".into(),
            empty_tree,
        })
    }

    /// The remote this ledger lives on.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Sign every record this ledger appends.
    pub fn with_signing(mut self, signing: Option<Signing>) -> Self {
        self.signing = signing;
        self
    }

    /// Where the allowed-signers file is in the GitOps repository (default `allowed_signers`).
    pub fn with_signers_path(mut self, path: &str) -> Self {
        self.signers_path = path.to_string();
        self
    }

    /// Fetch the ledger ref (and the remote's default branch, for the allowed signers);
    /// `None` when the remote has no ledger yet.
    pub(super) fn fetch(&self) -> Result<Option<String>, LedgerError> {
        let spec = format!("+{0}:{0}", self.ref_name);
        match self.git.run(&self.dir, &["fetch", "--no-tags", "-q", &self.remote, &spec]) {
            Ok(_) => {}
            Err(e) if e.failure() == GitFailure::NotFound => {
                // No ledger on the remote yet: forget any local one so we start from nothing.
                let _ = self.git.run(&self.dir, &["update-ref", "-d", &self.ref_name]);
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Some(self.git.run(&self.dir, &["rev-parse", "--verify", "-q", &self.ref_name])?.line().to_string()))
    }

    /// The allowed-signers file from the remote's default branch, written next to the local
    /// repository; `None` when the repository has none.
    fn signers_file(&self) -> Option<PathBuf> {
        // Unreadable or absent: nothing verifies, so approvals show as unverified (fails safe).
        let text = self.remote_file(&self.signers_path).ok()??;
        let path = self.dir.join("allowed_signers");
        std::fs::write(&path, text).ok()?;
        Some(path)
    }

    /// A file from the remote's default branch (e.g. `policy.toml`); `None` when absent.
    pub fn remote_file(&self, path: &str) -> Result<Option<String>, LedgerError> {
        // A fetch that fails is an error, never "no file": callers such as the policy must
        // fail closed when the repository cannot be read.
        let spec = format!("+HEAD:{REMOTE_HEAD_REF}");
        match self.git.run(&self.dir, &["fetch", "--no-tags", "-q", &self.remote, &spec]) {
            Ok(_) => {}
            // An empty repository has no HEAD yet, so it holds no file. A missing repository
            // is an error like any other: the policy must not fail open.
            Err(e) if e.failure() == GitFailure::NotFound && e.to_string().contains("couldn't find remote ref") => {
                return Ok(None)
            }
            Err(e) => return Err(e.into()),
        }
        let listed = self.git.run(&self.dir, &["ls-tree", "--name-only", REMOTE_HEAD_REF, "--", path])?;
        if listed.stdout.trim().is_empty() {
            return Ok(None);
        }
        let obj = format!("{REMOTE_HEAD_REF}:{path}");
        Ok(Some(self.git.run(&self.dir, &["show", &obj])?.stdout))
    }

    /// Read every record up to `tip`, oldest first, with its signature status.
    fn read(&self, tip: Option<&str>) -> Result<Vec<Record>, LedgerError> {
        let Some(tip) = tip else { return Ok(Vec::new()) };
        let mut args: Vec<String> = Vec::new();
        if let Some(file) = self.signers_file() {
            args.extend(["-c".into(), format!("gpg.ssh.allowedSignersFile={}", file.display())]);
        }
        args.extend(["log", "--reverse", "--format=%H%x1f%G?%x1f%B%x1e", tip].map(String::from));
        let out = self.git.run(&self.dir, &args)?;
        let (records, skipped) = crate::engine::records::parse_log(&out.stdout);
        for (commit, error) in skipped {
            // Someone pushed a commit that is not a record: skip it, say so in the log.
            tracing::warn!(commit = %crate::domain::sanitize::clean(&commit), error = %error, "ledger commit is not a record; ignored");
        }
        Ok(records)
    }

    /// Every record on the remote, oldest first.
    pub fn records(&self) -> Result<Vec<Record>, LedgerError> {
        let tip = self.fetch()?;
        self.read(tip.as_deref())
    }

    /// Every request with its state.
    pub fn states(&self) -> Result<Vec<RequestState>, LedgerError> {
        Ok(fold(&self.records()?))
    }

    /// Requests still waiting.
    pub fn pending(&self) -> Result<Vec<RequestState>, LedgerError> {
        Ok(self.states()?.into_iter().filter(RequestState::is_pending).collect())
    }

    /// Append the record `make` builds from the freshest records, with compare-and-swap:
    /// `make` runs again on the new records after every lost race, so its checks always see
    /// what is really there. Returns the record and the request's state after it.
    pub(super) fn append<F>(&self, who: &UserInfo, make: F) -> Result<(Record, RequestState), LedgerError>
    where
        F: Fn(&[Record]) -> Result<Record, LedgerError>,
    {
        let (record, _, records) = self.append_record(who, make)?;
        let id = record.id.clone();
        let state = fold(&records).into_iter().find(|s| s.id == id).ok_or(LedgerError::UnknownRequest(id))?;
        Ok((record, state))
    }

    /// Whether `commit` is still in the ref's history (fetched now): a record removed or
    /// rewritten since `commit` was written makes it fall out.
    pub fn contains(&self, commit: &str) -> Result<bool, LedgerError> {
        let Some(tip) = self.fetch()? else { return Ok(false) };
        if !commit.chars().all(|c| c.is_ascii_hexdigit()) || commit.is_empty() {
            return Ok(false);
        }
        Ok(self.git.run(&self.dir, &["merge-base", "--is-ancestor", commit, &tip]).is_ok())
    }

    /// The CAS append itself: the record, the commit it landed as, and every record after it.
    pub(super) fn append_record<F>(&self, who: &UserInfo, make: F) -> Result<(Record, String, Vec<Record>), LedgerError>
    where
        F: Fn(&[Record]) -> Result<Record, LedgerError>,
    {
        let email = format!("{}@flightdeck.invalid", who.username);
        let git = self.git.clone().with_identity(&who.username, &email);
        for attempt in 1..=MAX_ATTEMPTS {
            let tip = self.fetch()?;
            let mut records = self.read(tip.as_deref())?;
            let record = make(&records)?;
            let json = serde_json::to_string_pretty(&record)
                .map_err(|e| LedgerError::Refused(format!("cannot encode the record: {e}")))?;
            let message = format!("flightdeck: {} {} by {}\n\n{json}\n", record.kind.name(), record.id, record.actor);
            let mut args: Vec<String> = Vec::new();
            if let Some(s) = &self.signing {
                args.extend([
                    "-c".into(),
                    format!("gpg.format={}", s.format),
                    "-c".into(),
                    format!("user.signingkey={}", s.key),
                ]);
            }
            args.extend(["commit-tree".to_string(), self.empty_tree.clone()]);
            if let Some(t) = &tip {
                args.extend(["-p".to_string(), t.clone()]);
            }
            if self.signing.is_some() {
                args.push("-S".into());
            }
            args.extend(["-F".to_string(), "-".to_string()]);
            let commit = git.run_with_input(&self.dir, &args, Some(message.as_bytes()))?.line().to_string();
            let spec = format!("{commit}:{}", self.ref_name);
            match git.run(&self.dir, &["push", "-q", &self.remote, &spec]) {
                Ok(_) => {
                    records.push(Record { commit: commit.clone(), verified: false, ..record.clone() });
                    return Ok((record, commit, records));
                }
                Err(e) if lost_race(&e) => {
                    tracing::debug!(attempt, "ledger push lost a race; re-applying on the new tip");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(LedgerError::Contention { attempts: MAX_ATTEMPTS })
    }
}

/// A push that lost to another writer: refused as non-fast-forward, or (when both pushes
/// reach the remote at the same moment) the remote's own ref lock saw the ref move
/// ("cannot lock ref … is at X but expected Y"), which `git::classify` reports as a refused
/// push because the line starts `[remote rejected]`.
fn lost_race(e: &GitError) -> bool {
    if e.is_non_fast_forward() {
        return true;
    }
    match e {
        GitError::Failed { stderr, .. } => {
            let s = stderr.to_ascii_lowercase();
            s.contains("cannot lock ref") && s.contains("but expected")
        }
        _ => false,
    }
}

pub use crate::engine::view::describe_status;

/// An exclusive advisory lock on `<dir>.lock`, blocking until the other holder is done (callers
/// run on blocking threads).
fn lock_for(dir: &Path) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(dir.with_extension("lock"))?;
    // SAFETY: flock on a descriptor we own for as long as `file` lives.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}
