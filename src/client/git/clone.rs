//! Working clones of GitOps remotes, one per remote URL, kept in the platform cache directory
//! (`~/.cache/flightdeck/clones/<hash>-<name>` on Linux). Opening one takes an exclusive file
//! lock (two consoles on one machine share the cache), fetches, and resets the branch to the
//! remote's; a clone that is dirty, corrupt or points elsewhere is thrown away and cloned again,
//! atomically (clone into a sibling directory, then rename), so a crash never leaves half a
//! clone where the next run looks.

use std::fs::{self, File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::process::{Git, GitError, GitFailure};

/// Why a working clone could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum CloneError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("working clone {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("no cache directory on this platform; set [gitops] cache_dir")]
    NoCacheDir,
}

fn io_err(path: &Path, e: std::io::Error) -> CloneError {
    CloneError::Io { path: path.display().to_string(), detail: e.to_string() }
}

/// The directory holding working clones: the platform cache dir's `clones/`.
pub fn default_root() -> Result<PathBuf, CloneError> {
    directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
        .map(|d| d.cache_dir().join("clones"))
        .ok_or(CloneError::NoCacheDir)
}

/// The clone directory of `remote` under `root`: a stable hash of the URL (FNV-1a, so it does
/// not change between Rust versions) plus the repository name for people reading the cache.
pub fn dir_for(root: &Path, remote: &str) -> PathBuf {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in remote.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let name: String = remote
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("repo")
        .trim_end_matches(".git")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    root.join(format!("{h:016x}-{name}"))
}

/// A prepared working clone, locked for the lifetime of this value.
#[derive(Debug)]
pub struct WorkingClone {
    pub dir: PathBuf,
    pub remote: String,
    pub branch: String,
    /// Why the clone was made afresh on open (dirty, corrupt, other remote), if it was.
    pub recloned: Option<String>,
    git: Git,
    // Held for the flock; closing it releases the lock.
    _lock: File,
}

impl WorkingClone {
    /// Open (or create) the clone of `remote` under `root`, fetched, on `branch` reset to the
    /// remote's `branch`, with a clean work tree.
    pub fn open(git: &Git, root: &Path, remote: &str, branch: &str) -> Result<WorkingClone, CloneError> {
        fs::create_dir_all(root).map_err(|e| io_err(root, e))?;
        let dir = dir_for(root, remote);
        let lock = lock_for(&dir)?;
        let mut clone = WorkingClone {
            dir,
            remote: remote.to_string(),
            branch: branch.to_string(),
            recloned: None,
            git: git.clone(),
            _lock: lock,
        };
        let problem = if clone.dir.exists() { clone.health_problem() } else { Some("absent".to_string()) };
        if let Some(why) = problem {
            clone.reclone(&why)?;
        }
        match clone.reset_to_remote() {
            Ok(()) => Ok(clone),
            // A fetch or reset that fails on the local repository (not the remote) means damage
            // the checks above missed: one fresh clone, then give up with the real error.
            Err(CloneError::Git(e)) if e.failure() == GitFailure::Corrupt && clone.recloned.is_none() => {
                clone.reclone(&format!("corrupt: {e}"))?;
                clone.reset_to_remote()?;
                Ok(clone)
            }
            Err(e) => Err(e),
        }
    }

    /// The runner this clone uses.
    pub fn git(&self) -> &Git {
        &self.git
    }

    /// `git <args>` inside the clone.
    pub fn run<S: AsRef<str>>(&self, args: &[S]) -> Result<String, GitError> {
        self.git.run(&self.dir, args).map(|o| o.stdout)
    }

    /// The commit the branch is at.
    pub fn head(&self) -> Result<String, GitError> {
        self.git.run(&self.dir, &["rev-parse", "HEAD"]).map(|o| o.line().to_string())
    }

    /// Fetch the branch and make the work tree exactly the remote's (drops local commits that
    /// a failed push left behind).
    pub fn reset_to_remote(&self) -> Result<(), CloneError> {
        let tracking = format!("refs/remotes/origin/{}", self.branch);
        let spec = format!("+refs/heads/{}:{tracking}", self.branch);
        self.git.run(&self.dir, &["fetch", "--no-tags", "--prune", "origin", &spec])?;
        self.git.run(&self.dir, &["checkout", "-q", "-B", &self.branch, &tracking])?;
        self.git.run(&self.dir, &["reset", "-q", "--hard", &tracking])?;
        // Files a failed change created (a preview's new overlay) are not tracked: gone too.
        self.git.run(&self.dir, &["clean", "-q", "-f", "-d"])?;
        Ok(())
    }

    /// None when the clone is usable; else why not.
    fn health_problem(&self) -> Option<String> {
        let dir = &self.dir;
        match self.git.run(dir, &["rev-parse", "--is-inside-work-tree"]) {
            Ok(o) if o.line() == "true" => {}
            Ok(_) => return Some("not a work tree".into()),
            Err(e) => return Some(format!("corrupt: {e}")),
        }
        // A parent repository would answer for a stray directory: the top must be this one.
        let top = self.git.run(dir, &["rev-parse", "--show-toplevel"]).ok()?;
        if fs::canonicalize(top.line()).ok() != fs::canonicalize(dir).ok() {
            return Some("not a clone of its own".into());
        }
        match self.git.run(dir, &["remote", "get-url", "origin"]) {
            Ok(o) if o.line() == self.remote => {}
            Ok(_) => return Some("origin points at another remote".into()),
            Err(e) => return Some(format!("no origin: {e}")),
        }
        match self.git.run(dir, &["status", "--porcelain", "--untracked-files=all"]) {
            Ok(o) if o.stdout.trim().is_empty() => None,
            Ok(_) => Some("dirty work tree".into()),
            Err(e) => Some(format!("corrupt: {e}")),
        }
    }

    /// Clone afresh into a sibling directory and swap it in.
    fn reclone(&mut self, why: &str) -> Result<(), CloneError> {
        if why != "absent" {
            tracing::warn!(dir = %self.dir.display(), reason = why, "re-cloning the working clone");
        }
        let fresh = self.dir.with_extension("fresh");
        if fresh.exists() {
            fs::remove_dir_all(&fresh).map_err(|e| io_err(&fresh, e))?;
        }
        let parent = self.dir.parent().unwrap_or(Path::new("."));
        let fresh_s = fresh.display().to_string();
        self.git.run(parent, &["clone", "-q", "--no-tags", "--", &self.remote, &fresh_s])?;
        if self.dir.exists() {
            fs::remove_dir_all(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        }
        fs::rename(&fresh, &self.dir).map_err(|e| io_err(&self.dir, e))?;
        self.recloned = Some(why.to_string());
        Ok(())
    }
}

/// An exclusive advisory lock on `<dir>.lock`, blocking until the other holder is done.
fn lock_for(dir: &Path) -> Result<File, CloneError> {
    let path = dir.with_extension("lock");
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| io_err(&path, e))?;
    // SAFETY: flock on a descriptor we own for as long as `file` lives.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
    if rc != 0 {
        return Err(io_err(&path, std::io::Error::last_os_error()));
    }
    Ok(file)
}
