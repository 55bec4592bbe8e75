//! `p` with marked cells: a release. Every marked deployment must be in the same environment
//! A; each one's service is promoted to the next environment B, in ONE dialog with one
//! combined diff, decided once by the governance path and committed in one commit (the
//! client's `release` planning and run). A mark the release cannot take says why, naming it.

use super::bulk::targets;
use super::runlog::flash_error;
use super::Effect;
use crate::domain::release::ReleasePart;
use crate::domain::{Deployment, Intent, Model};

/// Open the release dialog for the marked deployments, or say why not.
pub fn open(model: &mut Model, fx: &mut Vec<Effect>) {
    let mut marked: Vec<Deployment> =
        targets(model).iter().filter_map(|(k, _, _)| model.deployments.get(k).cloned()).collect();
    marked.sort_by(|a, b| a.service.cmp(&b.service));
    let Some(from_env) = marked.first().map(|d| d.env.clone()) else {
        return flash_error(model, "nothing marked");
    };
    if let Some(other) = marked.iter().find(|d| d.env != from_env) {
        let why = format!("marks in {from_env} and {}: a release promotes from one environment", other.env);
        return flash_error(model, why);
    }
    let col = model.envs.iter().position(|e| *e == from_env);
    let Some(to_env) = col.and_then(|c| model.envs.get(c + 1)).cloned() else {
        return flash_error(model, format!("{from_env} is the last environment: there is nothing to promote to"));
    };
    let mut pairs: Vec<(Deployment, Deployment)> = Vec::new();
    for src in marked {
        let dst = model.deployments.values().find(|d| d.service == src.service && d.env == to_env).cloned();
        let Some(dst) = dst else {
            return flash_error(model, format!("{} has no deployment in {to_env} to promote into", src.service));
        };
        if src.images.is_empty() {
            let why =
                format!("{} in {from_env} reports no image to promote (status.summary.images is empty)", src.service);
            return flash_error(model, why);
        }
        if pairs.first().is_some_and(|(_, first)| first.key.instance != dst.key.instance) {
            let why = format!("{} in {to_env} is on another Argo CD instance: one release, one instance", src.service);
            return flash_error(model, why);
        }
        pairs.push((src, dst));
    }
    let mut pairs = pairs.into_iter();
    let Some((src, dst)) = pairs.next() else { return };
    let also: Vec<ReleasePart> = pairs
        .map(|(s, d)| ReleasePart { service: d.service, app: d.key.name, namespace: d.key.namespace, images: s.images })
        .collect();
    let images = src.images.clone();
    super::promote::open_release(model, &src, &dst, images, Intent::Promote, None, also, fx);
}

#[cfg(test)]
#[path = "release_tests.rs"]
mod tests;
