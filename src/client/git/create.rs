//! The Git half of creating a service, for the console (through the executor) and the
//! headless `new-service`: on a working clone of the GitOps repository, read the template
//! (`domain::template`), check everything before anything is written (the name, the team
//! against the policy, the service absent from Git and from Argo CD, the template's files),
//! and plan the new files as a diff; or execute it: re-plan on the newest remote, refuse if
//! it is no longer what was shown, commit with the usual trailers and push (rebasing on a
//! moved remote). One commit holds everything, or nothing lands.

use std::fs;
use std::path::Path;

use super::clone::WorkingClone;
use super::commit::{push_head, trailer_lines, PromoteError, Target, Trailers, DEFAULT_PUSH_ATTEMPTS};
use super::promote::{open_clone, PromoteSettings};
use crate::domain::new_service::{app_files, app_name, AppShape, AppsVia, NewService};
use crate::domain::sanitize::clean;
use crate::domain::template::{self, check_label, Params, TemplateFile, TEMPLATES_DIR};
use crate::domain::{DiffLine, ErrorKind, Failure};

/// What a creation is checked against, read from the estate before planning.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateContext {
    /// The GitOps repository (`[gitops] remote`, else the one the apps point at).
    pub repo_url: String,
    /// The configured label keys of service and environment.
    pub service_label: String,
    pub env_label: String,
    /// The policy's teams (empty: any team, or no policy).
    pub teams: Vec<String>,
    /// The services Argo CD already runs, in any environment.
    pub known_services: Vec<String>,
}

/// The files a creation writes and their diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatePlan {
    pub files: Vec<TemplateFile>,
    pub diff: Vec<DiffLine>,
    /// The branch the Applications track (the repository's default branch).
    pub branch: String,
    /// Whether the template wants the Applications to sync by themselves.
    pub automated: bool,
}

/// Plan `n`: every check, then the new files as a diff. Writes nothing.
pub async fn plan(settings: &PromoteSettings, cx: &CreateContext, n: &NewService) -> Result<CreatePlan, Failure> {
    let (settings, cx, n) = (settings.clone(), cx.clone(), n.clone());
    blocking(move || {
        let clone = open(&settings, &cx)?;
        plan_on(&clone, &cx, &n)
    })
    .await
}

/// Commit and push `n` as planned now; `n.diff` (when not empty) must still be the plan's.
/// Returns the commit and the plan it wrote.
pub async fn push(
    settings: &PromoteSettings,
    cx: &CreateContext,
    n: &NewService,
    requested_by: &str,
) -> Result<(String, CreatePlan), Failure> {
    settings.writes.check("git push")?;
    let (settings, cx, n) = (settings.clone(), cx.clone(), n.clone());
    let requested_by = requested_by.to_string();
    blocking(move || {
        let clone = open(&settings, &cx)?;
        let result = commit_and_push(&clone, &cx, &n, &requested_by, &settings);
        if result.is_err() {
            // Nothing half-done: drop the local commit and the written files.
            if let Err(e) = clone.reset_to_remote() {
                tracing::warn!(error = %e, "could not reset the working clone after a failed creation");
            }
        }
        result
    })
    .await
}

fn commit_and_push(
    clone: &WorkingClone,
    cx: &CreateContext,
    n: &NewService,
    requested_by: &str,
    settings: &PromoteSettings,
) -> Result<(String, CreatePlan), Failure> {
    clone.reset_to_remote().map_err(|e| Failure::from(PromoteError::from(e)))?;
    let plan = plan_on(clone, cx, n)?;
    if !n.diff.is_empty() && n.diff != plan.diff {
        return Err(PromoteError::Stale.into());
    }
    for f in &plan.files {
        let full = clone.dir.join(&f.path);
        let io = |e: std::io::Error| Failure::from(PromoteError::Io { path: f.path.clone(), detail: e.to_string() });
        if let Some(dir) = full.parent() {
            fs::create_dir_all(dir).map_err(io)?;
        }
        fs::write(&full, &f.text).map_err(io)?;
    }
    let paths: Vec<String> = plan.files.iter().map(|f| f.path.clone()).collect();
    let mut add = vec!["add".to_string(), "--".to_string()];
    add.extend(paths.iter().cloned());
    clone.run(&add).map_err(|e| Failure::from(PromoteError::from(e)))?;
    let trailers = Trailers {
        request_id: n.request_id.clone().unwrap_or_else(|| "direct".into()),
        requested_by: requested_by.to_string(),
        approved_by: n.approved_by.clone(),
        change_ticket: n.ticket.clone(),
        reason: n.reason.clone(),
    };
    let message = format!("create {}\n\n{}", clean(&n.describe()), trailer_lines(&trailers));
    clone
        .git()
        .run_with_input(&clone.dir, &["commit", "-q", "--no-verify", "-F", "-"], Some(message.as_bytes()))
        .map_err(|e| Failure::from(PromoteError::from(e)))?;
    let attempts = settings.push_attempts.unwrap_or(DEFAULT_PUSH_ATTEMPTS);
    let (commit, _) = push_head(clone, attempts, &paths)?;
    tracing::info!(commit = %commit, service = %n.service, "new service pushed");
    Ok((commit, plan))
}

fn open(settings: &PromoteSettings, cx: &CreateContext) -> Result<WorkingClone, Failure> {
    let target = Target {
        repo_url: cx.repo_url.clone(),
        path: String::new(),
        branch: String::new(),
        helm_value_files: Vec::new(),
        helm_tag_key: String::new(),
        helm_replicas_key: String::new(),
        helm_resources_key: String::new(),
        helm_autoscaling_key: String::new(),
    };
    Ok(open_clone(settings, &target)?)
}

/// Every check on the clone as it is, then the files and their diff.
fn plan_on(clone: &WorkingClone, cx: &CreateContext, n: &NewService) -> Result<CreatePlan, Failure> {
    let usage = |m: String| Failure::new(ErrorKind::Usage, m);
    check_label("service name", &n.service).map_err(usage)?;
    for env in &n.envs {
        check_label("Application name", &app_name(&n.service, env)).map_err(usage)?;
    }
    if n.envs.is_empty() {
        return Err(usage("no environment to create the service in".into()));
    }
    if !cx.teams.is_empty() && !cx.teams.contains(&n.team) {
        return Err(Failure::new(ErrorKind::Usage, format!("team {:?} is unknown to the policy", clean(&n.team)))
            .with_hint(format!("teams in policy.toml: {}", cx.teams.join(", "))));
    }
    if cx.known_services.contains(&n.service) {
        return Err(Failure::new(ErrorKind::Conflict, format!("{} already exists in Argo CD", n.service))
            .with_hint("`flightdeck status` lists the services; choose another name"));
    }
    if clone.dir.join("apps").join(&n.service).exists() {
        return Err(Failure::new(ErrorKind::Conflict, format!("apps/{} already exists in Git", n.service))
            .with_hint("choose another name, or remove the directory in a reviewed commit first"));
    }
    let files = template_files(clone, &n.template)?;
    let t = template::load(&n.template, &files).map_err(|e| {
        let f = Failure::new(ErrorKind::Usage, e.to_string().lines().next().unwrap_or("").to_string());
        f.with_hint(e.hint)
    })?;
    let image = n.image.clone().unwrap_or_else(|| t.image_for(&n.service, &n.team));
    let tag = n.tag.clone().unwrap_or_else(|| t.tag.clone());
    let params = Params { service: &n.service, team: &n.team, image: &image, tag: &tag };
    let mut out = t.render(&params, &n.envs);
    let shape = AppShape {
        repo_url: &cx.repo_url,
        branch: &clone.branch,
        service_label: &cx.service_label,
        env_label: &cx.env_label,
        automated: t.automated,
    };
    if n.via == AppsVia::AppOfApps {
        out.extend(app_files(n, &shape));
    }
    if let Some(f) = out.iter().find(|f| clone.dir.join(&f.path).exists()) {
        return Err(Failure::new(ErrorKind::Conflict, format!("{} already exists in Git", f.path)));
    }
    let diff = out.iter().flat_map(new_file_diff).collect();
    Ok(CreatePlan { files: out, diff, branch: clone.branch.clone(), automated: t.automated })
}

/// Every file under `templates/NAME/`, paths relative to the repository, sorted.
fn template_files(clone: &WorkingClone, name: &str) -> Result<Vec<TemplateFile>, Failure> {
    check_label("template name", name).map_err(|m| Failure::new(ErrorKind::Usage, m))?;
    let root = clone.dir.join(TEMPLATES_DIR).join(name);
    if !root.is_dir() {
        let mut known: Vec<String> = fs::read_dir(clone.dir.join(TEMPLATES_DIR))
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        known.sort();
        let hint = match known.is_empty() {
            true => format!("the repository has no {TEMPLATES_DIR}/ directory; see config/template.example.md"),
            false => format!("templates in the repository: {}", known.join(", ")),
        };
        return Err(
            Failure::new(ErrorKind::NotFound, format!("no template {name:?} in {TEMPLATES_DIR}/")).with_hint(hint)
        );
    }
    let mut out = Vec::new();
    walk(&clone.dir, &root, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(repo: &Path, dir: &Path, out: &mut Vec<TemplateFile>) -> Result<(), Failure> {
    let io =
        |p: &Path, e: std::io::Error| Failure::new(ErrorKind::Unavailable, format!("cannot read {}: {e}", p.display()));
    for entry in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            walk(repo, &path, out)?;
        } else {
            let rel = path.strip_prefix(repo).unwrap_or(&path).to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).map_err(|e| io(&path, e))?;
            out.push(TemplateFile { path: rel, text });
        }
    }
    Ok(())
}

/// A new file as a diff: `--- /dev/null`, `+++ b/PATH`, every line added (sanitized).
fn new_file_diff(f: &TemplateFile) -> Vec<DiffLine> {
    let mut out = vec![DiffLine::Hunk("--- /dev/null".into()), DiffLine::Hunk(format!("+++ b/{}", clean(&f.path)))];
    out.extend(f.text.lines().map(|l| DiffLine::Added(clean(l))));
    out
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(Failure::new(ErrorKind::Unavailable, format!("git task stopped: {e}"))),
    }
}
