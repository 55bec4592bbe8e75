//! What a preview change does in Argo CD once its commit is pushed: a request creates the
//! preview's Application (a copy of the source environment's, pointed at the preview's
//! overlay and namespace, labelled with the preview as its environment) and, when followed,
//! waits for it to be healthy; a tear-down deletes the Application with its resources; an
//! extension changes nothing there (the expiry lives in Git).

use std::collections::BTreeMap;

use super::actions::{follow_if, say, step, Labels, Report, RunOptions};
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

/// After the push of `intent` (whose source app is `source` at `key`).
pub async fn after_push(
    client: &ArgoClient,
    key: &AppKey,
    source: &App,
    intent: &PreviewIntent,
    path: &str,
    opts: RunOptions,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    let name = app_name(&intent.service, &intent.name).map_err(|e| Failure::new(ErrorKind::Usage, e))?;
    let preview_key = AppKey { instance: key.instance, namespace: key.namespace.clone(), name: name.clone() };
    match &intent.op {
        PreviewOp::Request { .. } => {
            let m = manifest(source, &client.config().mapping, intent, path)?;
            let opts_create = CreateOpts { upsert: false, validate: true };
            step(r, &format!("Application {name} created"), client.create_app(&m, opts_create)).await?;
            let f = Follower::new(Goal::Health, None);
            follow_if(client, &preview_key, opts, f, Labels::HEALTH, "request preview", r).await
        }
        PreviewOp::Extend { .. } => Ok(()),
        PreviewOp::TearDown { .. } => {
            // True either way: after this step the Application is not there.
            let label = format!("Application {name} removed");
            say(r, &label, StepStatus::Running);
            let Err(e) = client.delete_app(&preview_key, true).await else {
                say(r, &label, StepStatus::Done);
                return Ok(());
            };
            // Argo CD hides whether a missing app exists (403 without a project, 404 with
            // one): a listing tells. Already gone (deleted by hand, never created) is fine:
            // the commit was the change.
            let f = e.to_failure();
            if matches!(f.kind, ErrorKind::NotFound | ErrorKind::Forbidden) {
                if let Ok((deps, _)) = client.list().await {
                    if !deps.iter().any(|d| d.key.name == name) {
                        say(r, &label, StepStatus::Done);
                        return Ok(());
                    }
                }
            }
            say(r, &label, StepStatus::Failed);
            Err(f)
        }
    }
}
