//! The Git half of a release (several services promoted as one request), for the console and
//! `flightdeck promote A B …` alike: every service's overlay is planned on one working clone
//! (one combined diff, nothing written) and committed in one commit, or not at all. Whatever
//! stops one service (nothing to promote, no overlay, another repository) stops the release,
//! and the answer names that service.

use super::commit::{self, Part, Request};
use super::promote::PromoteSettings;
use super::promote::{
    already_running, blocking, edit_of, open_clone, push_request, target_of, trailers_of, GitOutcome, PromoteInput,
};
use crate::client::argocd::wire::App;
use crate::client::argocd::ArgoClient;
use crate::domain::promotion::PromotionPlan;
use crate::domain::sanitize::clean;
use crate::domain::{AppKey, DiffLine, ErrorKind, Failure, Promotion};

/// One service of a release as Argo CD has it now.
pub struct Member {
    pub service: String,
    pub key: AppKey,
    pub app: App,
    pub images: Vec<String>,
}

/// The target apps of `p`: its own at `key`, then every part's in the same instance.
pub fn keys_of(key: &AppKey, p: &Promotion) -> Vec<(String, AppKey, Vec<String>)> {
    let first = (p.service.clone(), key.clone(), p.images.clone());
    let parts = p.also.iter().map(|r| {
        let k = AppKey { instance: key.instance, namespace: r.namespace.clone(), name: r.app.clone() };
        (r.service.clone(), k, r.images.clone())
    });
    std::iter::once(first).chain(parts).collect()
}

/// Read every member's app; the first failure names its service.
pub async fn members(client: &ArgoClient, key: &AppKey, p: &Promotion) -> Result<Vec<Member>, Failure> {
    let mut out = Vec::new();
    for (service, key, images) in keys_of(key, p) {
        let app = client.get_app(&key, None).await.map_err(|e| naming(&service, e.to_failure()))?;
        out.push(Member { service, key, app, images });
    }
    Ok(out)
}

/// The one combined diff of promoting every member of `p`. Writes nothing.
pub async fn plan_release(
    client: &ArgoClient,
    key: &AppKey,
    p: &Promotion,
    settings: &PromoteSettings,
) -> Result<PromotionPlan, Failure> {
    let members = members(client, key, p).await?;
    if let Some(m) = members.iter().find(|m| already_running(&m.app, &m.images)) {
        let versions = crate::engine::payload::versions_of(&m.images);
        let why = format!("nothing to promote: {} already runs {versions}", m.app.metadata.name);
        return Err(naming(&m.service, Failure::new(ErrorKind::Usage, why)));
    }
    let parts = parts_of(&members, settings)?;
    let (repo_url, path) =
        parts.first().map(|p| (p.target.repo_url.clone(), p.target.path.clone())).unwrap_or_default();
    let settings = settings.clone();
    let diff = blocking(move || {
        let Some(first) = parts.first() else { return Ok(Ok(Vec::new())) };
        let clone = open_clone(&settings, &first.target)?;
        let mut diff: Vec<DiffLine> = Vec::new();
        for part in &parts {
            let plan = match commit::plan(&clone, &part.target, &part.edit) {
                Ok(plan) => plan,
                Err(e) => return Ok(Err(naming(&part.service, Failure::from(e)))),
            };
            if plan.is_empty() {
                let why = "nothing to promote: its overlay already has this version";
                return Ok(Err(naming(&part.service, Failure::new(ErrorKind::Usage, why))));
            }
            diff.extend(plan.diff);
        }
        Ok(Ok(diff))
    })
    .await??;
    Ok(PromotionPlan { diff, repo_url, path, images: p.images.clone() })
}

/// Commit every member's overlay change in one commit and push it (the members as just
/// read, `input` = the first one's promotion with its trailers).
pub async fn push_release(
    members: &[Member],
    input: &PromoteInput,
    settings: &PromoteSettings,
) -> Result<GitOutcome, Failure> {
    settings.writes.check("git push")?;
    let mut parts = parts_of(members, settings)?.into_iter();
    let Some(first) = parts.next() else {
        return Err(Failure::new(ErrorKind::Usage, "a release needs at least one service"));
    };
    let req = Request {
        service: input.service.clone(),
        from_env: input.from_env.clone(),
        to_env: input.to_env.clone(),
        edit: first.edit,
        intent: input.intent.clone(),
        trailers: trailers_of(input),
        also: parts.collect(),
    };
    let nothing = format!("the {} overlays already have these versions", input.to_env);
    push_request(settings, first.target, req, input.shown_diff.clone(), nothing).await
}

/// Each member's overlay and edit; every overlay must be in the first one's repository and
/// branch, or one commit cannot hold them.
fn parts_of(members: &[Member], settings: &PromoteSettings) -> Result<Vec<Part>, Failure> {
    let mut parts: Vec<Part> = Vec::new();
    for m in members {
        let target = target_of(&m.app, settings).map_err(|f| naming(&m.service, f))?;
        if let Some(first) = parts.first() {
            if (&first.target.repo_url, &first.target.branch) != (&target.repo_url, &target.branch) {
                let why = format!(
                    "its overlay is in {} ({}), not in {} ({}) with {}'s: one commit cannot span them",
                    clean(&target.repo_url),
                    clean(&target.branch),
                    clean(&first.target.repo_url),
                    clean(&first.target.branch),
                    first.service
                );
                return Err(naming(&m.service, Failure::new(ErrorKind::Usage, why)));
            }
        }
        let edit = edit_of(&m.images, &crate::domain::Intent::Promote).map_err(|f| naming(&m.service, f))?;
        parts.push(Part { service: m.service.clone(), target, edit });
    }
    Ok(parts)
}

/// `f`, saying which service of the release it is about.
pub fn naming(service: &str, f: Failure) -> Failure {
    Failure { message: format!("{}: {}", clean(service), f.message), ..f }
}
