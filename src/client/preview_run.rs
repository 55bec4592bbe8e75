//! What a preview change does in Argo CD once its commit is pushed: a request creates the
//! preview's Application (a copy of the source environment's, pointed at the preview's
//! overlay and namespace, labelled with the preview as its environment) and, when followed,
//! waits for it to be healthy; a tear-down deletes the Application with its resources; an
//! extension changes nothing there (the expiry lives in Git).

use std::collections::BTreeMap;

use super::actions::{follow_if, say, Labels, Report, RunOptions};
use super::argocd::follow::{Follower, Goal};
use super::argocd::lifecycle::CreateOpts;
use super::argocd::wire::App;
use super::argocd::ArgoClient;
use crate::domain::application::AppManifest;
use crate::domain::mapping::{Mapping, NAME_LABEL};
use crate::domain::preview::{app_name, PreviewIntent, PreviewOp};
use crate::domain::{AppKey, ErrorKind, Failure, StepStatus};

/// Annotations saying whose preview an Application is and until when (informational: the
/// preview's `preview.toml` in Git is what Flightdeck reads).
pub const OWNER_ANNOTATION: &str = "flightdeck.io/preview-owner";
pub const EXPIRES_ANNOTATION: &str = "flightdeck.io/preview-expires";

/// The preview's Application, copied from `source` (the app of the environment it copies).
pub fn manifest(source: &App, mapping: &Mapping, intent: &PreviewIntent, path: &str) -> Result<AppManifest, Failure> {
    let name = app_name(&intent.service, &intent.name).map_err(|e| Failure::new(ErrorKind::Usage, e))?;
    let src = source
        .spec
        .source
        .iter()
        .chain(source.spec.sources.iter())
        .find(|s| !s.repo_url.is_empty())
        .ok_or_else(|| Failure::new(ErrorKind::Usage, format!("{} has no Git source", source.metadata.name)))?;
    let mut labels: BTreeMap<String, String> = source.metadata.labels.clone();
    match mapping {
        Mapping::Labels { service, env } => {
            labels.insert(service.clone(), intent.service.clone());
            labels.insert(env.clone(), intent.name.clone());
        }
        // The name pattern reads `{service}-{env}` from the name itself; an instance-wide
        // environment cannot tell a preview apart (it shows under the instance's).
        Mapping::NamePattern(_) | Mapping::Instance { .. } => {
            labels.insert(NAME_LABEL.to_string(), intent.service.clone());
        }
    }
    let mut annotations = BTreeMap::new();
    if let PreviewOp::Request { owner, expires, .. } = &intent.op {
        annotations.insert(OWNER_ANNOTATION.to_string(), owner.clone());
        annotations.insert(EXPIRES_ANNOTATION.to_string(), expires.to_rfc3339());
    }
    Ok(AppManifest {
        name: name.clone(),
        project: source.spec.project.clone(),
        labels,
        annotations,
        repo_url: src.repo_url.clone(),
        path: path.to_string(),
        target_revision: src.target_revision.clone(),
        dest_server: source.spec.destination.server.clone(),
        dest_namespace: name,
        automated: true,
    })
}

/// The preview Application's key (on the instance and in the namespace of the source app).
pub fn preview_key(key: &AppKey, intent: &PreviewIntent) -> Result<AppKey, Failure> {
    let name = app_name(&intent.service, &intent.name).map_err(|e| Failure::new(ErrorKind::Usage, e))?;
    Ok(AppKey { instance: key.instance, namespace: key.namespace.clone(), name })
}

/// Create (a request) or delete (a tear-down) the preview's Application once its commit is
/// pushed; idempotent, so a retried Conductor task does no harm: an Application already
/// created or already gone is the answer wanted. Says what it did, `None` for an extension.
pub async fn apply(
    client: &ArgoClient,
    key: &AppKey,
    source: &App,
    intent: &PreviewIntent,
) -> Result<Option<String>, Failure> {
    let pk = preview_key(key, intent)?;
    let name = pk.name.clone();
    match &intent.op {
        PreviewOp::Extend { .. } => Ok(None),
        PreviewOp::Request { .. } => {
            let settings = super::git::promote::PromoteSettings::for_client(client).await?;
            let target = super::git::promote::target_of(source, &settings)?;
            let dir = super::git::preview::dir_of(&target, &intent.name)
                .map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
            let m = manifest(source, &client.config().mapping, intent, &dir)?;
            // A retry after the create went through sends the same spec, which Argo CD
            // answers with the app as it is (only a different spec is refused).
            match client.create_app(&m, CreateOpts { upsert: false, validate: true }).await {
                Ok(_) => Ok(Some(format!("Application {name} created"))),
                Err(e) => Err(e.to_failure()),
            }
        }
        PreviewOp::TearDown { .. } => match client.delete_app(&pk, true).await {
            // True either way: afterwards the Application is not there.
            Ok(()) => Ok(Some(format!("Application {name} removed"))),
            // Argo CD hides whether a missing app exists (403 without a project, 404 with
            // one): a listing tells. Already gone (by hand, never created) is fine: the commit
            // was the change.
            Err(e) => {
                let f = e.to_failure();
                if matches!(f.kind, ErrorKind::NotFound | ErrorKind::Forbidden) && !exists(client, &name).await {
                    return Ok(Some(format!("Application {name} removed")));
                }
                Err(f)
            }
        },
    }
}

async fn exists(client: &ArgoClient, name: &str) -> bool {
    client.list().await.map_or(true, |(deps, _)| deps.iter().any(|d| d.key.name == name))
}

/// After the push of `intent` (whose source app is `source` at `key`): [`apply`] as a step,
/// then, for a request followed with `--wait`, the preview followed to healthy.
pub async fn after_push(
    client: &ArgoClient,
    key: &AppKey,
    source: &App,
    intent: &PreviewIntent,
    opts: RunOptions,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    let label = match &intent.op {
        PreviewOp::Extend { .. } => return Ok(()),
        PreviewOp::Request { .. } => "create Application",
        PreviewOp::TearDown { .. } => "remove Application",
    };
    say(r, label, StepStatus::Running);
    match apply(client, key, source, intent).await {
        Ok(done) => say(r, done.as_deref().unwrap_or(label), StepStatus::Done),
        Err(f) => {
            say(r, label, StepStatus::Failed);
            return Err(f);
        }
    }
    if !matches!(intent.op, PreviewOp::Request { .. }) {
        return Ok(());
    }
    let f = Follower::new(Goal::Health, None);
    follow_if(client, &preview_key(key, intent)?, opts, f, Labels::HEALTH, "request preview", r).await
}
