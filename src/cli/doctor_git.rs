//! `doctor`'s governance rows, decided by the one rule the console and the headless commands
//! use (`GitopsSettings::source`): without `[gitops] remote` there is no Flightdeck policy —
//! Argo CD's RBAC decides, and doctor says so once (information, not a failure). With it, the
//! remote is reachable (`git ls-remote`) and pushable (`git push --dry-run` of the remote's own
//! HEAD to a scratch ref: the remote checks the credential for a push and nothing is written),
//! with the same git credential a promotion uses; and the policy file in that repository is
//! found and valid, read exactly as the console reads it (a parse error names file:line).
//!
//! Git is a child process: the work runs on the blocking pool.

use std::path::{Path, PathBuf};

use super::{Check, Status};
use crate::client::engine::embedded::{open_ledger, LedgerPaths};
use crate::client::git::credentials::{describe, GitAuth};
use crate::client::git::{Git, GitError, GitFailure};
use crate::config::{Config, Secret};
use crate::domain::approvals::ApprovalSource;

/// The ref a pushability probe names. `--dry-run` never creates it.
pub const PROBE_REF: &str = "refs/flightdeck/doctor-probe";

/// The remote, the push probe and the policy file: three rows (one without governance).
pub(super) async fn checks(
    cfg: &Config,
    vault: Option<std::sync::Arc<crate::client::vault::VaultSession>>,
) -> Vec<Check> {
    let Some(source) = cfg.gitops.source() else {
        return vec![Check::ok(
            "policy",
            format!(
                "{}: actions run as Argo CD allows (set [gitops] remote to add approvals)",
                crate::domain::approvals::RBAC_ONLY
            ),
        )];
    };
    let remote = source.remote.clone();
    // The credential a promotion would use; if it cannot be read, the "git credential" row
    // already says why, and git runs with the user's own setup.
    let auth = GitAuth::from_config(&cfg.git, &cfg.vault, vault);
    let git_env = crate::client::git::credentials::env_of(auth.as_ref()).await.unwrap_or_default();
    let how = describe(&cfg.git);
    let rows = tokio::task::spawn_blocking(move || blocking_checks(&remote, &how, git_env, &source)).await;
    rows.unwrap_or_else(|e| vec![Check::fail("git remote", format!("git task stopped: {e}"), "run doctor again")])
}

fn blocking_checks(remote: &str, how: &str, git_env: Vec<(String, Secret)>, source: &ApprovalSource) -> Vec<Check> {
    let git = Git::new().with_env(git_env.clone()).with_timeout(std::time::Duration::from_secs(60));
    let scratch = match Scratch::new() {
        Ok(s) => s,
        Err(e) => return vec![Check::fail("git remote", format!("no scratch directory: {e}"), "set HOME")],
    };
    let mut rows = Vec::new();
    let head = match git.run(&scratch.0, &["ls-remote", "--symref", remote, "HEAD"]) {
        Ok(out) => {
            let sha = out.stdout.lines().find(|l| !l.starts_with("ref:")).and_then(|l| l.split('\t').next());
            let branch = out.stdout.lines().find_map(|l| l.strip_prefix("ref: refs/heads/")?.split('\t').next());
            let at = match (branch, sha) {
                (Some(b), Some(s)) => format!("{b} at {}", s.get(..7).unwrap_or(s)),
                _ => "empty repository".into(),
            };
            rows.push(Check::ok("git remote", format!("{remote} · {at} · {how}")));
            sha.map(str::to_string)
        }
        Err(e) => {
            rows.push(Check::fail("git remote", format!("{remote}: {}", short(&e)), advice(&e, remote, how)));
            rows.push(Check::skip("git push", "remote not reachable"));
            rows.push(Check::skip("policy file", "remote not reachable"));
            return rows;
        }
    };
    rows.push(push_probe(&git, &scratch.0, remote, head.is_some(), how));
    rows.push(policy_check(source, git_env));
    rows
}

/// Fetch the remote's HEAD (one commit, shallow) into a scratch repository and dry-run a push
/// of it to [`PROBE_REF`]: git asks the remote for a push (so the credential is checked for
/// write access) and sends nothing.
fn push_probe(git: &Git, dir: &Path, remote: &str, has_head: bool, how: &str) -> Check {
    if !has_head {
        return Check {
            name: "git push".into(),
            status: Status::Warn,
            detail: "the remote is empty: nothing to probe a push with".into(),
            advice: Some("push the GitOps repository's first commit, then run doctor again".into()),
        };
    }
    let probe = || -> Result<(), GitError> {
        git.run(dir, &["init", "-q", "--bare", "."])?;
        git.run(dir, &["fetch", "-q", "--no-tags", "--depth=1", remote, "HEAD"])?;
        let spec = format!("FETCH_HEAD:{PROBE_REF}");
        git.run(dir, &["push", "--dry-run", "--porcelain", remote, &spec])?;
        Ok(())
    };
    match probe() {
        Ok(()) => Check::ok("git push", format!("push accepted (dry run, nothing written) · {how}")),
        Err(e) => Check::fail("git push", format!("{remote}: {}", short(&e)), advice(&e, remote, how)),
    }
}

/// The policy as the console reads it: through the ledger's repository, from the remote's
/// default branch, parsed with file:line errors.
fn policy_check(source: &ApprovalSource, git_env: Vec<(String, Secret)>) -> Check {
    let path = source.policy_path.clone();
    let paths = LedgerPaths { git_env, ..LedgerPaths::default() };
    let text = open_ledger(source, &paths)
        .and_then(|l| l.remote_file(&path).map_err(crate::client::engine::embedded::ledger_failure));
    match text {
        Err(f) => Check::fail("policy file", f.message, f.hint.unwrap_or_else(|| "check the remote".into())),
        Ok(None) => Check {
            name: "policy file".into(),
            status: Status::Warn,
            detail: format!("no {path} in the repository: every action runs without approval"),
            advice: Some(format!("commit a {path} (`flightdeck config example policy` prints one to start from), or remove [gitops] remote to let Argo CD's RBAC decide alone")),
        },
        Ok(Some(text)) => match crate::domain::policy::parse(&text, Path::new(&path)) {
            Ok(p) => Check::ok("policy file", format!("{path}: valid, environments {}", p.environments.join(" → "))),
            Err(e) => {
                let place = match (e.line, e.col) {
                    (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
                    (Some(l), None) => format!("{path}:{l}"),
                    _ => path.clone(),
                };
                Check::fail("policy file", format!("{place}: {}", e.what), e.hint)
            }
        },
    }
}

/// The first line of git's complaint.
fn short(e: &GitError) -> String {
    match e {
        GitError::Failed { stderr, .. } => {
            stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("git failed").trim().to_string()
        }
        other => other.to_string(),
    }
}

/// What to do about a failed git call, by kind.
fn advice(e: &GitError, remote: &str, how: &str) -> String {
    match e.failure() {
        GitFailure::NotFound | GitFailure::Corrupt => {
            format!("no Git repository at {remote}: fix [gitops] remote (or the apps' repoURL)")
        }
        GitFailure::Unauthorized => format!(
            "git was refused with {how}: load your SSH key (`ssh-add`), or set [gitops] https_token_vault to a token with write access"
        ),
        GitFailure::PushRefused => {
            "the remote refuses pushes to refs/flightdeck/* (protected refs or a hook): ask its admins to allow them"
                .into()
        }
        GitFailure::Unavailable => format!("cannot reach {remote}: check the network, the host name and proxies"),
        _ => "run the same git command by hand to see why".into(),
    }
}

/// A private directory for the probe, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Self> {
        let base = directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
            .map(|d| d.cache_dir().to_path_buf())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("doctor-probe-{}", std::process::id()));
        // A leftover from a killed run is ours (same pid, same user): start clean.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
