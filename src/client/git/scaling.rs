//! The overlay files a GitOps scale changes, on a working clone: the replica count, the
//! container's requests and limits, and the autoscaler's bounds, each where its overlay keeps
//! it — a kustomize overlay (`replicas[]`, a resources patch under `patches:`, the HPA or
//! ScaledObject among its `resources:`) or Helm values (the configured keys). Several files may
//! change; [`super::commit`] commits them as one change. Reads only.

use std::fs;

use super::autoscale;
use super::clone::WorkingClone;
use super::commit::{join, read, safe_rel, FileChange, PromoteError, Target};
use super::overlay::edit_helm_number;
use super::replicas::edit_kustomization_replicas;
use super::resources;
use crate::domain::scale::ScaleChange;

/// The workload kind a scale patches when the request does not say (older requests).
pub const DEFAULT_KIND: &str = "Deployment";

/// Every file `change` edits in the overlay `overlay` (repository-relative): the kustomization
/// at `kustomization` when the overlay has one, else the Helm values file `values`.
pub fn files(
    clone: &WorkingClone,
    target: &Target,
    overlay: &str,
    kustomization: Option<&str>,
    values: Option<&str>,
    workload: &str,
    change: &ScaleChange,
) -> Result<Vec<FileChange>, PromoteError> {
    let read_overlay = |name: &str| -> Option<String> {
        let rel = safe_rel(name).ok()?;
        fs::read_to_string(clone.dir.join(join(overlay, &rel))).ok()
    };
    let Some(kpath) = kustomization else {
        let path = values.ok_or_else(|| PromoteError::NoOverlay(target.path.clone()))?;
        return helm(clone, target, path, change).map(|f| f.into_iter().collect());
    };
    let before = read(clone, kpath)?;
    let at = |path: &str| {
        let path = path.to_string();
        move |source| PromoteError::Overlay { path, source }
    };
    let mut kust = before.clone();
    let mut out = Vec::new();
    if let Some(n) = change.replicas {
        if let Some(t) = edit_kustomization_replicas(&kust, workload, n).map_err(at(kpath))? {
            kust = t;
        }
    }
    if change.has_resources() {
        let container = change
            .container
            .as_deref()
            .ok_or_else(|| PromoteError::Invalid("which container's resources: name it (--container NAME)".into()))?;
        let kind = change.kind.as_deref().unwrap_or(DEFAULT_KIND);
        let patched = resources::kustomize(&kust, &read_overlay, kind, workload, container, change);
        if let Some(e) = patched.map_err(at(kpath))? {
            if let Some(k) = e.kustomization {
                kust = k;
            }
            let path = join(overlay, &safe_rel(&e.file)?);
            out.push(FileChange { path, before: e.before.unwrap_or_default(), after: e.after });
        }
    }
    if change.has_bounds() {
        if let Some(e) = autoscale::kustomize(&kust, &read_overlay, workload, change).map_err(at(kpath))? {
            out.push(FileChange { path: join(overlay, &safe_rel(&e.file)?), before: e.before, after: e.after });
        }
    }
    if kust != before {
        out.insert(0, FileChange { path: kpath.to_string(), before, after: kust });
    }
    Ok(out)
}

/// The Helm values file `path` with the count, the resources and the bounds at their keys.
fn helm(
    clone: &WorkingClone,
    target: &Target,
    path: &str,
    change: &ScaleChange,
) -> Result<Option<FileChange>, PromoteError> {
    let before = read(clone, path)?;
    let at = |source| PromoteError::Overlay { path: path.to_string(), source };
    let mut text = before.clone();
    if let Some(n) = change.replicas {
        if let Some(t) = edit_helm_number(&text, &target.helm_replicas_key, n).map_err(at)? {
            text = t;
        }
    }
    if change.has_resources() {
        if let Some(t) = resources::helm(&text, &target.helm_resources_key, change).map_err(at)? {
            text = t;
        }
    }
    if change.has_bounds() {
        if let Some(t) = autoscale::helm(&text, &target.helm_autoscaling_key, change).map_err(at)? {
            text = t;
        }
    }
    Ok((text != before).then(|| FileChange { path: path.to_string(), before, after: text }))
}
