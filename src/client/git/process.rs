//! A small runner over the system `git`: one process per call, arguments as a list (no shell),
//! `GIT_TERMINAL_PROMPT=0` so a missing credential fails instead of hanging on a prompt,
//! `LC_ALL=C` so the messages we classify are the English ones, stderr captured into a typed
//! [`GitError`] whose [`GitFailure`] callers branch on (non-fast-forward, conflict, not a
//! repository, …), optional extra environment for credentials (held as [`Secret`]s, never
//! logged), and a per-call timeout that kills the whole process group (git spawns helpers).
//!
//! The runner is synchronous on purpose: a git call is a child process, not a socket. Async
//! callers wrap a call in `tokio::task::spawn_blocking`.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::Secret;
use crate::domain::sanitize::clean_multiline;

/// How long one git call may take unless the caller says otherwise (a clone of a large
/// GitOps repository over a slow link is the slow case).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The kind of a failed git call, read from its stderr, so callers branch without parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitFailure {
    /// `git push` refused because the remote moved on (`[rejected] … (fetch first)` /
    /// `(non-fast-forward)` / a `--force-with-lease` compare-and-swap that lost: `stale info`).
    NonFastForward,
    /// The remote refused the push for its own reasons (hook declined, protected branch).
    PushRefused,
    /// A rebase, merge or cherry-pick stopped on a conflict.
    Conflict,
    /// The directory is not a repository, or the repository is damaged.
    Corrupt,
    /// The remote repository (or a ref in it) does not exist.
    NotFound,
    /// Credentials missing or refused.
    Unauthorized,
    /// The remote could not be reached.
    Unavailable,
    /// Anything else: read the message.
    Other,
}

/// Every way a git call can fail. Messages are sanitized and have URL credentials redacted.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The `git` program could not be started (not installed, not on PATH, bad directory).
    #[error("cannot run git {args}: {detail}")]
    Spawn { args: String, detail: String },
    /// The call did not finish in time; the process group was killed.
    #[error("git {args} timed out after {}s", after.as_secs())]
    Timeout { args: String, after: Duration },
    /// git ran and exited non-zero.
    #[error("git {args} failed ({kind:?}, exit {code}): {stderr}")]
    Failed { args: String, code: i32, kind: GitFailure, stderr: String, stdout: String },
    /// Read-only mode refused a push before git ran (`client::writes`).
    #[error("{}", .0.message)]
    ReadOnly(crate::domain::Failure),
}

impl GitError {
    /// The failure kind; `Spawn` counts as [`GitFailure::Other`], `Timeout` as `Unavailable`.
    pub fn failure(&self) -> GitFailure {
        match self {
            Self::Failed { kind, .. } => *kind,
            Self::Timeout { .. } => GitFailure::Unavailable,
            Self::Spawn { .. } | Self::ReadOnly(_) => GitFailure::Other,
        }
    }

    /// True when a push lost a race with another writer: fetch, re-apply, retry.
    pub fn is_non_fast_forward(&self) -> bool {
        self.failure() == GitFailure::NonFastForward
    }
}

/// What a successful call printed. `stdout` is kept raw (diffs are byte-exact); use
/// [`GitOutput::line`] for one-line answers such as `rev-parse`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitOutput {
    pub stdout: String,
    pub stderr: String,
}

impl GitOutput {
    /// The output with the trailing newline removed (`rev-parse`, `symbolic-ref`).
    pub fn line(&self) -> &str {
        self.stdout.trim_end_matches(['\n', '\r'])
    }
}

/// The runner: which `git`, which extra environment, how long a call may take.
/// Cheap to clone; holds no process state between calls.
#[derive(Clone, Debug)]
pub struct Git {
    program: PathBuf,
    env: Vec<(String, Secret)>,
    timeout: Duration,
    /// Whether pushes may leave (read-only mode refuses them before git runs).
    writes: crate::client::Writes,
}

impl Default for Git {
    fn default() -> Self {
        Self::new()
    }
}

impl Git {
    /// `git` from PATH with the default timeout and no extra environment.
    pub fn new() -> Self {
        Self { program: PathBuf::from("git"), env: Vec::new(), timeout: DEFAULT_TIMEOUT, writes: Default::default() }
    }

    /// Use a specific git binary.
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Extra environment for every call, e.g. credentials from `client::git_credentials`
    /// (`GIT_ASKPASS`, `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, `GIT_SSH_COMMAND`).
    /// Values are secrets: they are never logged nor put in an error.
    pub fn with_env(mut self, env: impl IntoIterator<Item = (String, Secret)>) -> Self {
        self.env.extend(env);
        self
    }

    /// The author and committer of commits made by this runner, via git's own variables, so
    /// a machine without `user.name` configured can still commit.
    pub fn with_identity(self, name: &str, email: &str) -> Self {
        self.with_env([
            ("GIT_AUTHOR_NAME".to_string(), Secret::new(name)),
            ("GIT_AUTHOR_EMAIL".to_string(), Secret::new(email)),
            ("GIT_COMMITTER_NAME".to_string(), Secret::new(name)),
            ("GIT_COMMITTER_EMAIL".to_string(), Secret::new(email)),
        ])
    }

    /// The per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Refuse pushes as `writes` says (the session's or the target instance's read-only mode).
    pub fn with_writes(mut self, writes: crate::client::Writes) -> Self {
        self.writes = writes;
        self
    }

    /// The per-call timeout in effect.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Run `git <args>` in `dir`; Ok when it exits 0.
    pub fn run<S: AsRef<str>>(&self, dir: &Path, args: &[S]) -> Result<GitOutput, GitError> {
        self.run_with_input(dir, args, None)
    }

    /// Run `git <args>` in `dir`, feeding `input` on stdin (`hash-object --stdin`,
    /// `commit -F -`, `mktree`).
    pub fn run_with_input<S: AsRef<str>>(
        &self,
        dir: &Path,
        args: &[S],
        input: Option<&[u8]>,
    ) -> Result<GitOutput, GitError> {
        let shown = show_args(args);
        if subcommand(args) == Some("push") {
            // The one write check, before git can send anything.
            self.writes.check("git push").map_err(GitError::ReadOnly)?;
        }
        let started = Instant::now();
        let mut cmd = Command::new(&self.program);
        cmd.args(args.iter().map(|a| OsString::from(a.as_ref())))
            .current_dir(dir)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .env("LANGUAGE", "C")
            // An editor would wait for a human that is not there (rebase, commit without -m).
            .env("GIT_EDITOR", "true")
            .env("GIT_SEQUENCE_EDITOR", "true")
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so a timeout kills git and the helpers it spawned.
            .process_group(0);
        for (k, v) in &self.env {
            cmd.env(k, v.expose());
        }
        let mut child = cmd.spawn().map_err(|e| GitError::Spawn { args: shown.clone(), detail: e.to_string() })?;
        let feeder = feed_stdin(&mut child, input);
        let out_reader = read_pipe(child.stdout.take());
        let err_reader = read_pipe(child.stderr.take());
        let status = wait_until(&mut child, self.timeout);
        // The readers end when the pipes close, which the exit (or the kill) guarantees.
        let stdout = join_text(out_reader);
        let stderr = join_text(err_reader);
        if let Some(f) = feeder {
            let _ = f.join();
        }
        let elapsed_ms = started.elapsed().as_millis();
        let Some(status) = status else {
            tracing::warn!(args = %shown, elapsed_ms, "git timed out; killed");
            return Err(GitError::Timeout { args: shown, after: self.timeout });
        };
        tracing::debug!(args = %shown, elapsed_ms, code = status.code(), "git");
        if status.success() {
            return Ok(GitOutput { stdout, stderr });
        }
        let stderr = redact_urls(&clean_multiline(stderr.trim()));
        let stdout = redact_urls(&clean_multiline(stdout.trim()));
        // `push --porcelain` reports each ref's fate on stdout, so both streams are read.
        let kind = classify(&format!("{stderr}\n{stdout}"));
        Err(GitError::Failed { args: shown, code: status.code().unwrap_or(-1), kind, stderr, stdout })
    }
}

/// The git subcommand of `args` (after `-c key=value` and other leading options).
fn subcommand<S: AsRef<str>>(args: &[S]) -> Option<&str> {
    let mut it = args.iter().map(AsRef::as_ref);
    while let Some(a) = it.next() {
        match a {
            "-c" | "-C" | "--git-dir" | "--work-tree" => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => return Some(a),
        }
    }
    None
}

/// Write the input from a thread, so a large input cannot deadlock against a full stdout pipe.
fn feed_stdin(child: &mut Child, input: Option<&[u8]>) -> Option<thread::JoinHandle<()>> {
    let mut pipe = child.stdin.take()?;
    let data = input?.to_vec();
    Some(thread::spawn(move || {
        // A child that exits without reading its input is not our error; its status says why.
        let _ = pipe.write_all(&data);
    }))
}

fn read_pipe<R: Read + Send + 'static>(pipe: Option<R>) -> Option<thread::JoinHandle<Vec<u8>>> {
    let mut pipe = pipe?;
    Some(thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    }))
}

fn join_text(reader: Option<thread::JoinHandle<Vec<u8>>>) -> String {
    let bytes = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Wait for the child; on timeout kill its process group and reap it, returning None.
/// std has no wait-with-timeout, so poll with a short backoff: most git calls end in a few
/// milliseconds, so the first polls are 1 ms apart, growing to 50 ms for long clones.
fn wait_until(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(_) => return child.wait().ok(),
        }
        let now = Instant::now();
        if now >= deadline {
            kill_group(child);
            let _ = child.wait();
            return None;
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group we created with
        // process_group(0); the child is not reaped yet, so the group id is still ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// The arguments as shown in logs and errors: credentials in URLs redacted.
fn show_args<S: AsRef<str>>(args: &[S]) -> String {
    let joined = args.iter().map(|a| a.as_ref()).collect::<Vec<_>>().join(" ");
    redact_urls(&joined)
}

/// Replace `scheme://user:secret@host` with `scheme://***@host`, wherever it appears.
pub fn redact_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| c.is_whitespace() || c == '\'' || c == '"').unwrap_or(tail.len());
        let authority_end = tail[..end].find('/').unwrap_or(end);
        match tail[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Read git's (C-locale) stderr into a kind. Order matters: a refused push that says
/// "non-fast-forward" must not be read as a generic refusal.
pub fn classify(stderr: &str) -> GitFailure {
    let s = stderr.to_ascii_lowercase();
    let has = |needle: &str| s.contains(needle);
    // A ref that moved under a concurrent push is reported as "[remote rejected] (failed to
    // update ref)" with "cannot lock ref … but expected …": a lost race, retried like a
    // non-fast-forward, not a refusal.
    if has("cannot lock ref") && has("but expected") {
        GitFailure::NonFastForward
    } else if has("[remote rejected]") || has("hook declined") {
        GitFailure::PushRefused
    } else if has("(fetch first)") || has("non-fast-forward") || has("stale info") || has("[rejected]") {
        GitFailure::NonFastForward
    } else if has("[remote rejected]") || has("hook declined") || has("protected branch") {
        GitFailure::PushRefused
    } else if has("conflict") || has("could not apply") || has("merge conflict") {
        GitFailure::Conflict
    } else if has("authentication failed")
        || has("could not read username")
        || has("could not read password")
        || has("permission denied")
        || has("http basic: access denied")
        || has("403")
    {
        GitFailure::Unauthorized
    } else if has("not a git repository")
        || has("bad object")
        || has("corrupt")
        || has("loose object")
        || has("unable to read tree")
        || has("object file") && has("empty")
        || has("bad signature")
        || has("index file")
    {
        GitFailure::Corrupt
    } else if has("does not appear to be a git repository")
        || has("repository") && has("not found")
        || has("couldn't find remote ref")
        || has("unknown revision")
        || has("not a valid object name")
    {
        GitFailure::NotFound
    } else if has("could not resolve host")
        || has("connection refused")
        || has("connection timed out")
        || has("unable to access")
        || has("could not read from remote repository")
    {
        GitFailure::Unavailable
    } else {
        GitFailure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_in_urls_only() {
        assert_eq!(
            redact_urls("fatal: unable to access 'https://bob:tok3n@git.example/x.git/': 403"),
            "fatal: unable to access 'https://***@git.example/x.git/': 403"
        );
        assert_eq!(redact_urls("file:///tmp/a@b/repo"), "file:///tmp/a@b/repo");
        assert_eq!(redact_urls("no url here"), "no url here");
    }

    #[test]
    fn classifies_the_messages_callers_branch_on() {
        let nff = " ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs";
        assert_eq!(classify(nff), GitFailure::NonFastForward);
        let hook = " ! [remote rejected] main -> main (pre-receive hook declined)";
        assert_eq!(classify(hook), GitFailure::PushRefused);
        // Two pushes racing on one ref: the loser is told the ref moved; it retries.
        let race = "error: cannot lock ref 'refs/heads/main': is at a9ae81b but expected baf3290\n ! [remote rejected] HEAD -> main (failed to update ref)";
        assert_eq!(classify(race), GitFailure::NonFastForward);
        assert_eq!(
            classify("fatal: not a git repository (or any of the parent directories): .git"),
            GitFailure::Corrupt
        );
        assert_eq!(classify("CONFLICT (content): Merge conflict in a.yaml"), GitFailure::Conflict);
        assert_eq!(classify("fatal: couldn't find remote ref refs/flightdeck/approvals"), GitFailure::NotFound);
        assert_eq!(classify("something unexpected"), GitFailure::Other);
    }

    #[test]
    fn runs_git_and_reports_failures_typed() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new().with_timeout(Duration::from_secs(30));
        let out = git.run(dir.path(), &["--version"]).unwrap();
        assert!(out.line().starts_with("git version"));
        let err = git.run(dir.path(), &["rev-parse", "HEAD"]).unwrap_err();
        assert_eq!(err.failure(), GitFailure::Corrupt, "{err}");
        git.run(dir.path(), &["init", "-q", "-b", "main"]).unwrap();
        let blob = git.run_with_input(dir.path(), &["hash-object", "--stdin"], Some(b"hello\n")).unwrap();
        assert_eq!(blob.line(), "ce013625030ba8dba906f756967f9e9ca394464a");
    }

    #[test]
    fn a_hanging_call_is_killed_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        // A stand-in program that outlives the timeout: the runner must kill it and say so.
        let git = Git::new().with_program("sleep").with_timeout(Duration::from_millis(200));
        let err = git.run(dir.path(), &["30"]).unwrap_err();
        assert!(matches!(err, GitError::Timeout { .. }), "{err}");
    }
}
