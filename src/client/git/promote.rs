//! The Git half of a promotion run, for the console (through the executor) and the headless
//! `promote`: find where the target app's desired state lives (its Application `source`),
//! plan the overlay change on a working clone (the exact diff, nothing written), or execute it
//! (commit with trailers, push, rebase and retry on a moved remote). The git work runs on the
//! blocking pool; [`crate::client::actions`] then refreshes or syncs the app and follows it.

use std::path::PathBuf;

use crate::client::argocd::wire::App;
use crate::client::argocd::ArgoClient;
use crate::client::git::autoscale::DEFAULT_HELM_AUTOSCALING_KEY;
use crate::client::git::clone::{default_root, WorkingClone};
use crate::client::git::commit::{self, Edit, PromoteError, Request, Target, Trailers, DEFAULT_PUSH_ATTEMPTS};
use crate::client::git::overlay::ImageRef;
use crate::client::git::replicas::DEFAULT_HELM_REPLICAS_KEY;
use crate::client::git::resources::DEFAULT_HELM_RESOURCES_KEY;
use crate::client::git::Git;
use crate::config::Secret;
use crate::domain::{AppKey, DiffLine, ErrorKind, Failure, Intent, Promotion};

/// Helm values key of the image tag when the config does not name one.
pub const DEFAULT_HELM_TAG_KEY: &str = "image.tag";

/// How promotions reach Git. `Default` = system git, the platform cache dir, `image.tag`.
#[derive(Clone, Debug, Default)]
pub struct PromoteSettings {
    pub git: Option<Git>,
    pub cache_root: Option<PathBuf>,
    pub helm_tag_key: Option<String>,
    pub helm_replicas_key: Option<String>,
    pub helm_resources_key: Option<String>,
    pub helm_autoscaling_key: Option<String>,
    pub push_attempts: Option<u32>,
    /// Extra environment for every git call: the HTTPS credential from
    /// `client::git_credentials` (empty = the user's SSH agent and git config).
    pub git_env: Vec<(String, Secret)>,
    /// Whether the push may leave: the target instance's read-only mode refuses it.
    pub writes: crate::client::Writes,
}

impl PromoteSettings {
    /// The defaults, with the git credential `client` carries (the token is read now, so a
    /// rotated secret is used by the next promotion).
    pub async fn for_client(client: &ArgoClient) -> Result<Self, Failure> {
        let git_env = super::credentials::env_of(client.git_auth()).await?;
        let c = client.config();
        Ok(Self {
            git_env,
            helm_tag_key: c.helm_tag_key.clone(),
            helm_replicas_key: c.helm_replicas_key.clone(),
            helm_resources_key: c.helm_resources_key.clone(),
            helm_autoscaling_key: c.helm_autoscaling_key.clone(),
            writes: client.writes().clone(),
            ..Self::default()
        })
    }

    /// The git runner promotions use: the configured one (or the system git), with the
    /// credential environment attached.
    pub fn runner(&self) -> Git {
        self.git.clone().unwrap_or_else(default_git).with_env(self.git_env.clone()).with_writes(self.writes.clone())
    }
}

/// What a promotion writes, as the Action carries it.
#[derive(Clone, Debug, Default)]
pub struct PromoteInput {
    pub service: String,
    pub from_env: String,
    pub to_env: String,
    pub images: Vec<String>,
    /// The diff shown to the user; empty = nothing to compare against.
    pub shown_diff: Vec<DiffLine>,
    pub requested_by: String,
    pub trailers_ticket: Option<String>,
    pub trailers_reason: Option<String>,
    pub request_id: Option<String>,
    pub approved_by: Vec<String>,
    pub intent: Intent,
}

impl PromoteInput {
    /// What `p` writes, requested by `requested_by` (the approved request's requester, else
    /// whoever runs it).
    pub fn of(p: &Promotion, requested_by: String, shown_diff: Vec<DiffLine>) -> Self {
        Self {
            service: p.service.clone(),
            from_env: p.from_env.clone(),
            to_env: p.to_env.clone(),
            images: p.images.clone(),
            shown_diff,
            requested_by,
            trailers_ticket: p.ticket.clone(),
            trailers_reason: p.reason.clone(),
            request_id: p.request_id.clone(),
            approved_by: p.approved_by.clone(),
            intent: p.intent.clone(),
        }
    }
}

/// What `intent` writes into the overlay: the replica count of a scale, else `images`.
pub fn edit_of(images: &[String], intent: &Intent) -> Result<Edit, Failure> {
    match intent {
        Intent::Scale { workload, change } => {
            change.check().map_err(|why| Failure::new(ErrorKind::Usage, why))?;
            Ok(Edit::Scale { workload: workload.clone(), change: change.clone() })
        }
        Intent::Preview(i) => Ok(Edit::Preview(i.clone())),
        _ => Ok(Edit::Images(parse_images(images)?)),
    }
}

/// The result of the Git half.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitOutcome {
    /// Committed and pushed.
    Pushed { commit: String, attempts: u32 },
    /// The target already runs (or its overlay already says) this version.
    NothingToDo(String),
}

/// The promotion's target in Git, read from the app's `spec.source` (or the first of
/// `spec.sources` with a path). `HEAD` or an empty target revision means the default branch.
pub fn target_of(app: &App, settings: &PromoteSettings) -> Result<Target, Failure> {
    let source = app
        .spec
        .source
        .iter()
        .chain(app.spec.sources.iter())
        .find(|s| !s.repo_url.is_empty() && !s.path.is_empty())
        .ok_or_else(|| {
            Failure::new(
                ErrorKind::Usage,
                format!("{} has no Git source with a path to promote into", app.metadata.name),
            )
        })?;
    Ok(Target {
        repo_url: source.repo_url.clone(),
        path: source.path.clone(),
        branch: source.target_revision.clone(),
        helm_value_files: source.helm.as_ref().map(|h| h.value_files.clone()).unwrap_or_default(),
        helm_tag_key: settings.helm_tag_key.clone().unwrap_or_else(|| DEFAULT_HELM_TAG_KEY.to_string()),
        helm_replicas_key: settings.helm_replicas_key.clone().unwrap_or_else(|| DEFAULT_HELM_REPLICAS_KEY.to_string()),
        helm_resources_key: settings
            .helm_resources_key
            .clone()
            .unwrap_or_else(|| DEFAULT_HELM_RESOURCES_KEY.to_string()),
        helm_autoscaling_key: settings
            .helm_autoscaling_key
            .clone()
            .unwrap_or_else(|| DEFAULT_HELM_AUTOSCALING_KEY.to_string()),
    })
}

/// The images to promote, parsed; refuses an empty list with what to do.
pub fn parse_images(images: &[String]) -> Result<Vec<ImageRef>, Failure> {
    let parsed: Vec<ImageRef> = images.iter().filter_map(|i| ImageRef::parse(i)).collect();
    if parsed.is_empty() {
        return Err(Failure::new(ErrorKind::Usage, "the source environment reports no image to promote")
            .with_hint("promotion copies status.summary.images; is the source app synced?"));
    }
    Ok(parsed)
}

/// True when `key`'s app already runs exactly `images`.
pub fn already_running(app: &App, images: &[String]) -> bool {
    let mut have: Vec<&str> = app.status.summary.images.iter().map(String::as_str).collect();
    let mut want: Vec<&str> = images.iter().map(String::as_str).collect();
    have.sort_unstable();
    want.sort_unstable();
    !want.is_empty() && have == want
}

/// Compute the exact diff of `edit` in `key`'s overlay. Writes nothing.
pub async fn plan(
    client: &ArgoClient,
    key: &AppKey,
    edit: &Edit,
    settings: &PromoteSettings,
) -> Result<Vec<DiffLine>, Failure> {
    let app = client.get_app(key, None).await.map_err(|e| e.to_failure())?;
    let target = target_of(&app, settings)?;
    let (settings, edit) = (settings.clone(), edit.clone());
    blocking(move || {
        let clone = open_clone(&settings, &target)?;
        Ok(commit::plan(&clone, &target, &edit)?.diff)
    })
    .await
}

/// Commit and push the promotion into `app`'s overlay (the app as just read).
pub async fn push(app: &App, input: &PromoteInput, settings: &PromoteSettings) -> Result<GitOutcome, Failure> {
    // Before the commit is even made (the runner refuses the push itself too).
    settings.writes.check("git push")?;
    let in_place = matches!(input.intent, Intent::Scale { .. } | Intent::Preview(_));
    if !in_place && already_running(app, &input.images) {
        return Ok(GitOutcome::NothingToDo(format!("{} already runs {}", input.to_env, input.images.join(", "))));
    }
    let target = target_of(app, settings)?;
    let req = Request {
        service: input.service.clone(),
        from_env: input.from_env.clone(),
        to_env: input.to_env.clone(),
        edit: edit_of(&input.images, &input.intent)?,
        intent: input.intent.clone(),
        also: Vec::new(),
        trailers: trailers_of(input),
    };
    let nothing = format!("the {} overlay already has this version", input.to_env);
    push_request(settings, target, req, input.shown_diff.clone(), nothing).await
}

/// The commit's trailers: who asked, who approved, the ticket and the reason.
pub(super) fn trailers_of(input: &PromoteInput) -> Trailers {
    Trailers {
        request_id: input.request_id.clone().unwrap_or_else(|| "direct".into()),
        requested_by: input.requested_by.clone(),
        approved_by: input.approved_by.clone(),
        change_ticket: input.trailers_ticket.clone(),
        reason: input.trailers_reason.clone(),
    }
}

/// Open the working clone, plan the diff when none was shown, then commit and push `req` (one
/// overlay, or a release's several in one commit): the one path a promotion and a release
/// take. `nothing` says what already holds the versions when there is nothing to commit.
pub(super) async fn push_request(
    settings: &PromoteSettings,
    target: Target,
    req: Request,
    shown: Vec<DiffLine>,
    nothing: String,
) -> Result<GitOutcome, Failure> {
    let settings = settings.clone();
    blocking(move || {
        let clone = open_clone(&settings, &target)?;
        let attempts = settings.push_attempts.unwrap_or(DEFAULT_PUSH_ATTEMPTS);
        let shown = if shown.is_empty() { planned(&clone, &target, &req)? } else { shown };
        match commit::execute(&clone, &target, &req, &shown, attempts) {
            Ok(p) => Ok(GitOutcome::Pushed { commit: p.commit, attempts: p.attempts }),
            Err(PromoteError::NothingToDo) => Ok(GitOutcome::NothingToDo(nothing)),
            Err(e) => Err(e),
        }
    })
    .await
}

/// The diff of `req` as it stands now, every overlay it writes (an approved request runs what
/// the overlays say now).
fn planned(clone: &WorkingClone, target: &Target, req: &Request) -> Result<Vec<DiffLine>, PromoteError> {
    let mut diff = commit::plan(clone, target, &req.edit)?.diff;
    for p in &req.also {
        diff.extend(commit::plan(clone, &p.target, &p.edit)?.diff);
    }
    Ok(diff)
}

pub(super) fn open_clone(settings: &PromoteSettings, target: &Target) -> Result<WorkingClone, PromoteError> {
    let root = match &settings.cache_root {
        Some(r) => r.clone(),
        None => default_root()?,
    };
    let git = settings.runner();
    let branch = match target.branch.as_str() {
        "" | "HEAD" => default_branch(&git, &target.repo_url)?,
        b => b.to_string(),
    };
    Ok(WorkingClone::open(&git, &root, &target.repo_url, &branch)?)
}

/// The system git; when no committer identity is configured, commit as Flightdeck (the
/// requester is in the trailers either way).
fn default_git() -> Git {
    let git = Git::new();
    let here = std::env::temp_dir();
    match git.run(&here, &["config", "--get", "user.email"]) {
        Ok(o) if !o.line().is_empty() => git,
        _ => git.with_identity("Flightdeck", "flightdeck@localhost"),
    }
}

/// The remote's default branch (`HEAD` symref), for apps tracking `HEAD`.
fn default_branch(git: &Git, remote: &str) -> Result<String, PromoteError> {
    let out = git.run(&std::env::temp_dir(), &["ls-remote", "--symref", remote, "HEAD"])?;
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("ref: refs/heads/").and_then(|r| r.split('\t').next()))
        .map(str::to_string)
        .ok_or_else(|| PromoteError::Invalid("the remote has no default branch; set targetRevision".into()))
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PromoteError> + Send + 'static,
) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(Failure::from),
        Err(e) => Err(Failure::new(ErrorKind::Unavailable, format!("git task stopped: {e}"))),
    }
}

impl From<PromoteError> for Failure {
    fn from(e: PromoteError) -> Self {
        if let PromoteError::Git(crate::client::git::process::GitError::ReadOnly(f)) = e {
            return f;
        }
        let kind = match &e {
            PromoteError::Stale | PromoteError::Conflict(_) | PromoteError::Busy(_) => ErrorKind::Conflict,
            PromoteError::Refused(_) => ErrorKind::Forbidden,
            PromoteError::Overlay { .. } | PromoteError::NoOverlay(_) => ErrorKind::NotFound,
            PromoteError::NothingToDo | PromoteError::Invalid(_) => ErrorKind::Usage,
            PromoteError::Clone(_) | PromoteError::Git(_) | PromoteError::Io { .. } => ErrorKind::Unavailable,
        };
        let hint = match &e {
            PromoteError::Stale => Some("plan again to see the new diff"),
            PromoteError::Busy(_) | PromoteError::Conflict(_) => {
                Some("someone else is changing this overlay; try again")
            }
            PromoteError::Refused(_) => Some("the remote's rules refused the push (protected branch or hook)"),
            PromoteError::Overlay { source: crate::client::git::overlay::OverlayError::NoSuchImage { .. }, .. } => {
                Some("the target overlay must list the image in images[]")
            }
            _ => None,
        };
        let f = Failure::new(kind, e.to_string());
        match hint {
            Some(h) => f.with_hint(h),
            None => f,
        }
    }
}
