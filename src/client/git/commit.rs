//! A promotion in Git: [`plan`] computes, on a fresh working clone, the exact change of the
//! target environment's overlay (files before/after and their diff) without writing anything;
//! [`execute`] re-plans, refuses if the change is no longer the one shown, commits it with the
//! trailers of the request, and pushes. A push that loses a race is fetched, rebased and
//! retried a bounded number of times; any other failure resets the clone to the remote, so
//! nothing is ever left half-done (the remote has the whole commit or nothing).

use std::fs;
use std::path::{Component, Path};

use super::clone::{CloneError, WorkingClone};
use super::overlay::{edit_helm_values, edit_kustomization, ImageRef, OverlayError};
use super::process::{GitError, GitFailure};
use crate::domain::detail::diff_lines;
use crate::domain::preview::PreviewIntent;
use crate::domain::sanitize::clean;
use crate::domain::scale::ScaleChange;
use crate::domain::{DiffLine, Intent};

/// How many pushes a promotion tries before giving up on a busy remote.
pub const DEFAULT_PUSH_ATTEMPTS: u32 = 5;

/// Where the target environment's desired state lives (its Application's source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub repo_url: String,
    /// The overlay directory inside the repository (`source.path`).
    pub path: String,
    /// The branch the Application tracks (`source.targetRevision`, resolved to a branch name).
    pub branch: String,
    /// Helm value files relative to `path` (`source.helm.valueFiles`); used when the
    /// directory holds no kustomization. Empty means `values.yaml`.
    pub helm_value_files: Vec<String>,
    /// Dot path of the image tag in Helm values (`image.tag` unless configured).
    pub helm_tag_key: String,
    /// Dot path of the replica count in Helm values (`replicaCount` unless configured).
    pub helm_replicas_key: String,
    /// Dot path of the requests and limits in Helm values (`resources` unless configured).
    pub helm_resources_key: String,
    /// Dot path of the autoscaler's settings in Helm values (`autoscaling` unless configured).
    pub helm_autoscaling_key: String,
}

/// What a change writes into the overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Point the overlay's images at these (promote, deploy, rollback).
    Images(Vec<ImageRef>),
    /// Set the workload's replica count, its container's requests and limits, or its
    /// autoscaler's bounds (scale).
    Scale { workload: String, change: ScaleChange },
    /// Write, change or remove a preview environment beside the target's overlay.
    Preview(PreviewIntent),
}

/// One file the promotion changes. A file that had text and has none after is removed
/// (no overlay file is ever empty on purpose); one with no text before is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// Path inside the repository.
    pub path: String,
    pub before: String,
    pub after: String,
}

impl FileChange {
    pub fn removes(&self) -> bool {
        self.after.is_empty() && !self.before.is_empty()
    }
}

/// The change a promotion would make, computed on `base`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The remote commit the plan was computed on.
    pub base: String,
    pub files: Vec<FileChange>,
    /// Unified diff of every file, headed by `--- a/… +++ b/…` hunk lines, sanitized.
    pub diff: Vec<DiffLine>,
}

impl Plan {
    /// True when the overlay already says what the promotion would write.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Who and why, written as commit trailers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trailers {
    pub request_id: String,
    pub requested_by: String,
    pub approved_by: Vec<String>,
    pub change_ticket: Option<String>,
    pub reason: Option<String>,
}

/// What a change wants written to `to`'s overlay: a promotion of the images running in
/// `from`, or an in-place deploy, rollback or scale (its intent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub service: String,
    pub from_env: String,
    pub to_env: String,
    pub edit: Edit,
    pub intent: Intent,
    pub trailers: Trailers,
    /// The other services of a release, each into its own overlay of the same repository and
    /// branch: all of them land in the one commit, or none does.
    pub also: Vec<Part>,
}

/// One more service of a release: its overlay and what is written there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub service: String,
    pub target: Target,
    pub edit: Edit,
}

/// A pushed promotion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    pub commit: String,
    /// Pushes tried (1 when nobody else pushed meanwhile).
    pub attempts: u32,
    pub diff: Vec<DiffLine>,
}

/// Every way a promotion can fail, each a clear answer.
#[derive(Debug, thiserror::Error)]
pub enum PromoteError {
    #[error("{path}: {source}")]
    Overlay { path: String, source: OverlayError },
    #[error("{0} has no kustomization.yaml nor Helm values file in the repository")]
    NoOverlay(String),
    #[error("the overlay changed since the diff was shown; look at the new diff and confirm again")]
    Stale,
    #[error("nothing to promote: the overlay already has this version")]
    NothingToDo,
    #[error("the remote kept moving: gave up after {0} push attempts")]
    Busy(u32),
    #[error("push refused by the remote: {0}")]
    Refused(String),
    #[error("rebase onto the moved remote conflicts in {0}; nothing was pushed")]
    Conflict(String),
    #[error("{0}")]
    Clone(#[from] CloneError),
    #[error("{0}")]
    Git(#[from] GitError),
    #[error("cannot write {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("{0}")]
    Invalid(String),
}

/// Compute the change on the clone's current (freshly fetched) head. Writes nothing.
pub fn plan(clone: &WorkingClone, target: &Target, edit: &Edit) -> Result<Plan, PromoteError> {
    let base = clone.head()?;
    if let Edit::Preview(intent) = edit {
        let files = super::preview::files(clone, target, intent)?;
        let diff = files.iter().flat_map(file_diff).collect();
        return Ok(Plan { base, files, diff });
    }
    let overlay = safe_rel(&target.path)?;
    let kustomization = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|f| join(&overlay, f))
        .find(|p| clone.dir.join(p).is_file());
    let mut files = Vec::new();
    if let Edit::Scale { workload, change } = edit {
        // A scale may write several files (kustomization, resources patch, autoscaler).
        let values = kustomization.is_none().then(|| helm_values(clone, target, &overlay)).flatten();
        let files = super::scaling::files(
            clone,
            target,
            &overlay,
            kustomization.as_deref(),
            values.as_deref(),
            workload,
            change,
        )?;
        let diff = files.iter().flat_map(file_diff).collect();
        return Ok(Plan { base, files, diff });
    }
    if let Some(path) = kustomization {
        let mut text = read(clone, &path)?;
        let before = text.clone();
        let overlay_error = |source| PromoteError::Overlay { path: path.clone(), source };
        match edit {
            Edit::Images(images) => {
                for image in images {
                    if let Some(t) = edit_kustomization(&text, image).map_err(overlay_error)? {
                        text = t;
                    }
                }
            }
            Edit::Scale { .. } => {}
            // Planned above, beside the overlay.
            Edit::Preview(_) => {}
        }
        if text != before {
            files.push(FileChange { path, before, after: text });
        }
    } else {
        let path = helm_values(clone, target, &overlay).ok_or_else(|| PromoteError::NoOverlay(target.path.clone()))?;
        let before = read(clone, &path)?;
        let edited = match edit {
            Edit::Images(images) => {
                let tag = images.first().and_then(|i| i.tag.clone()).ok_or_else(|| {
                    PromoteError::Invalid("the version to write is no tagged image; a Helm overlay needs a tag".into())
                })?;
                edit_helm_values(&before, &target.helm_tag_key, &tag)
            }
            Edit::Scale { .. } => Ok(None),
            Edit::Preview(_) => Ok(None),
        }
        .map_err(|source| PromoteError::Overlay { path: path.clone(), source })?;
        if let Some(after) = edited {
            files.push(FileChange { path, before, after });
        }
    }
    let diff = files.iter().flat_map(file_diff).collect();
    Ok(Plan { base, files, diff })
}

/// The overlay's Helm values file (`source.helm.valueFiles`, else `values.yaml`), when it has one.
fn helm_values(clone: &WorkingClone, target: &Target, overlay: &str) -> Option<String> {
    let names = if target.helm_value_files.is_empty() {
        vec!["values.yaml".to_string()]
    } else {
        target.helm_value_files.clone()
    };
    names.iter().filter_map(|n| safe_rel(n).ok()).map(|n| join(overlay, &n)).find(|p| clone.dir.join(p).is_file())
}

/// Re-plan on the newest remote, check it is the change that was shown (`shown`, the diff as
/// the user saw it), commit with
/// trailers and push; on a lost race fetch, rebase and retry up to `max_attempts` pushes.
pub fn execute(
    clone: &WorkingClone,
    target: &Target,
    req: &Request,
    shown: &[DiffLine],
    max_attempts: u32,
) -> Result<Pushed, PromoteError> {
    let result = commit_and_push(clone, target, req, shown, max_attempts.max(1));
    if result.is_err() {
        // Nothing half-done: drop the local commit and any edit, whatever failed.
        if let Err(e) = clone.reset_to_remote() {
            tracing::warn!(error = %e, "could not reset the working clone after a failed promotion");
        }
    }
    result
}

fn commit_and_push(
    clone: &WorkingClone,
    target: &Target,
    req: &Request,
    shown: &[DiffLine],
    max_attempts: u32,
) -> Result<Pushed, PromoteError> {
    clone.reset_to_remote()?;
    let mut now = plan(clone, target, &req.edit)?;
    for part in &req.also {
        // A part whose overlay already has its version would make the release a lie.
        let p = plan(clone, &part.target, &part.edit)?;
        if p.is_empty() {
            return Err(PromoteError::Invalid(format!(
                "{}: nothing to promote, its overlay already has this version; nothing was pushed",
                clean(&part.service)
            )));
        }
        now.files.extend(p.files);
        now.diff.extend(p.diff);
    }
    if now.is_empty() {
        return Err(PromoteError::NothingToDo);
    }
    if now.diff != shown {
        return Err(PromoteError::Stale);
    }
    for f in &now.files {
        let full = clone.dir.join(&f.path);
        let io = |e: std::io::Error| PromoteError::Io { path: f.path.clone(), detail: e.to_string() };
        if f.removes() {
            fs::remove_file(&full).map_err(io)?;
            continue;
        }
        if let Some(dir) = full.parent() {
            fs::create_dir_all(dir).map_err(io)?;
        }
        fs::write(&full, &f.after).map_err(io)?;
    }
    let mut add = vec!["add".to_string(), "--".to_string()];
    add.extend(now.files.iter().map(|f| f.path.clone()));
    clone.run(&add)?;
    let message = commit_message(req);
    clone.git().run_with_input(&clone.dir, &["commit", "-q", "--no-verify", "-F", "-"], Some(message.as_bytes()))?;
    let files: Vec<String> = now.files.iter().map(|f| f.path.clone()).collect();
    let (commit, attempts) = push_head(clone, max_attempts, &files)?;
    tracing::info!(commit = %commit, attempts, service = %req.service, to = %req.to_env, "promotion pushed");
    Ok(Pushed { commit, attempts, diff: now.diff })
}

/// Push the clone's commit to its branch; on a lost race fetch, rebase and retry, up to
/// `max_attempts` pushes. `files` name what the commit changes (for a conflict). Returns the
/// pushed commit and the pushes tried.
pub(super) fn push_head(
    clone: &WorkingClone,
    max_attempts: u32,
    files: &[String],
) -> Result<(String, u32), PromoteError> {
    let max_attempts = max_attempts.max(1);
    let dest = format!("HEAD:refs/heads/{}", clone.branch);
    let tracking = format!("refs/remotes/origin/{}", clone.branch);
    let spec = format!("+refs/heads/{}:{tracking}", clone.branch);
    for attempt in 1..=max_attempts {
        match clone.run(&["push", "--porcelain", "origin", &dest]) {
            Ok(_) => {
                let commit = clone.head()?;
                // Keep the tracking ref in step so the next plan starts from here.
                let _ = clone.run(&["fetch", "--no-tags", "origin", &spec]);
                return Ok((commit, attempt));
            }
            Err(e) if e.is_non_fast_forward() => {
                tracing::info!(attempt, "remote moved during promotion; rebasing");
                if attempt == max_attempts {
                    return Err(PromoteError::Busy(attempt));
                }
                clone.run(&["fetch", "--no-tags", "origin", &spec])?;
                if let Err(e) = clone.run(&["rebase", "-q", &tracking]) {
                    let _ = clone.run(&["rebase", "--abort"]);
                    return Err(match e.failure() {
                        GitFailure::Conflict => PromoteError::Conflict(files.join(", ")),
                        _ => PromoteError::Git(e),
                    });
                }
                // A rebase that leaves nothing to push means someone pushed the same change.
                let ahead = clone.run(&["rev-list", "--count", &format!("{tracking}..HEAD")])?;
                if ahead.trim() == "0" {
                    return Err(PromoteError::NothingToDo);
                }
            }
            Err(e) if e.failure() == GitFailure::PushRefused || e.failure() == GitFailure::Unauthorized => {
                return Err(PromoteError::Refused(match &e {
                    GitError::Failed { stderr, stdout, .. } => refusal(stderr, stdout),
                    other => other.to_string(),
                }));
            }
            Err(e) => return Err(PromoteError::Git(e)),
        }
    }
    Err(PromoteError::Busy(max_attempts))
}

/// Subject, optional body, and the trailers (one paragraph, `Key: value`, one line each).
pub fn commit_message(req: &Request) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let version = edit_versions(&req.edit);
    let (service, env) = (&req.service, &req.to_env);
    let release = |first: String| {
        let parts = req.also.iter().map(|p| (p.service.as_str(), edit_versions(&p.edit)));
        let all: Vec<(&str, String)> = std::iter::once((service.as_str(), first)).chain(parts).collect();
        let names: Vec<&str> = all.iter().map(|(s, _)| *s).collect();
        let versions: Vec<String> = all.iter().map(|(s, v)| format!("{s} {v}")).collect();
        format!("release {} {} -> {env}: {}", names.join(", "), req.from_env, versions.join(", "))
    };
    let subject = match &req.intent {
        Intent::Promote if !req.also.is_empty() => release(version),
        Intent::Promote => format!("promote {service} {} -> {env}: {version}", req.from_env),
        Intent::Deploy => format!("deploy {service} in {env}: {version}"),
        Intent::Rollback { history_id } => format!("rollback {service} in {env} to history {history_id}: {version}"),
        Intent::Scale { .. } => format!("scale {service} in {env}: {version}"),
        Intent::Preview(i) => format!("{} of {service} from {}: {}", i.op.verb(), req.from_env, i.describe()),
    };
    format!("{}\n\n{}", one_line(&subject), trailer_lines(&req.trailers))
}

/// The trailers paragraph: `Flightdeck-Request`, `Requested-by`, `Approved-by`…, then the
/// ticket and the reason, one line each.
pub(super) fn trailer_lines(t: &Trailers) -> String {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut m = String::new();
    m.push_str(&format!("Flightdeck-Request: {}\n", one_line(&t.request_id)));
    m.push_str(&format!("Requested-by: {}\n", one_line(&t.requested_by)));
    for a in &t.approved_by {
        m.push_str(&format!("Approved-by: {}\n", one_line(a)));
    }
    if let Some(c) = &t.change_ticket {
        m.push_str(&format!("Change-Ticket: {}\n", one_line(c)));
    }
    if let Some(r) = &t.reason {
        m.push_str(&format!("Reason: {}\n", one_line(r)));
    }
    m
}

/// What an edit writes, for a subject: "v1.3.0", "alpha to 3 replicas".
fn edit_versions(edit: &Edit) -> String {
    match edit {
        Edit::Images(images) => images.iter().map(|i| i.version().to_string()).collect::<Vec<_>>().join(", "),
        Edit::Scale { workload, change } => change.describe(workload),
        Edit::Preview(intent) => intent.name.clone(),
    }
}

pub(super) fn file_diff(f: &FileChange) -> Vec<DiffLine> {
    // A created or removed file reads as git shows it: from or to /dev/null.
    let path = clean(&f.path);
    let before = if f.before.is_empty() { "--- /dev/null".to_string() } else { format!("--- a/{path}") };
    let after = if f.removes() { "+++ /dev/null".to_string() } else { format!("+++ b/{path}") };
    let mut out = vec![DiffLine::Hunk(before), DiffLine::Hunk(after)];
    out.extend(diff_lines(&f.before, &f.after).into_iter().map(|l| match l {
        DiffLine::Context(s) => DiffLine::Context(clean(&s)),
        DiffLine::Added(s) => DiffLine::Added(clean(&s)),
        DiffLine::Removed(s) => DiffLine::Removed(clean(&s)),
        DiffLine::Hunk(s) => DiffLine::Hunk(clean(&s)),
    }));
    out
}

pub(super) fn read(clone: &WorkingClone, path: &str) -> Result<String, PromoteError> {
    fs::read_to_string(clone.dir.join(path))
        .map_err(|e| PromoteError::Io { path: path.to_string(), detail: e.to_string() })
}

/// A repository-relative path that cannot climb out of the clone (the path comes from a server).
pub(super) fn safe_rel(p: &str) -> Result<String, PromoteError> {
    let trimmed = p.trim_matches('/');
    let ok = Path::new(trimmed).components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if ok {
        Ok(trimmed.to_string())
    } else {
        Err(PromoteError::Invalid(format!("unsafe path in the Application source: {}", clean(p))))
    }
}

pub(super) fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() || dir == "." {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// What the remote said (its `remote:` lines) and the ref's fate from `push --porcelain`.
fn refusal(stderr: &str, stdout: &str) -> String {
    let said = stderr.lines().filter_map(|l| l.strip_prefix("remote:")).map(str::trim).filter(|l| !l.is_empty());
    let fate =
        stdout.lines().filter(|l| l.starts_with('!')).filter_map(|l| l.split_once('[').map(|(_, r)| format!("[{r}")));
    let parts: Vec<String> = said.map(str::to_string).chain(fate).collect();
    if parts.is_empty() {
        stderr.lines().last().unwrap_or("").trim().to_string()
    } else {
        parts.join("; ")
    }
}
