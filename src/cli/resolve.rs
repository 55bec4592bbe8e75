//! SERVICE and `--env` → exactly one deployment, or a usage error (exit 2) with the valid
//! choices: an unknown environment, an unknown service ("did you mean"), a service that does
//! not run in that environment, or one that runs in several and needs `--env`. The listing
//! also refreshes the names the completion scripts offer.

use super::args::Target;
use super::status::list_all;
use crate::config::Config;
use crate::domain::choices::unknown;
use crate::domain::{Deployment, ErrorKind, Failure};

/// The environments known to this estate: the configured order, the instances' own, then
/// any found on the apps.
pub fn known_envs(cfg: &Config, deps: &[Deployment]) -> Vec<String> {
    let mut envs: Vec<String> = Vec::new();
    let found =
        cfg.envs.iter().chain(cfg.instances.iter().filter_map(|i| i.env.as_ref())).chain(deps.iter().map(|d| &d.env));
    for e in found {
        if !envs.contains(e) {
            envs.push(e.clone());
        }
    }
    envs
}

/// The services of `deps`, sorted, once each.
pub fn services_of(deps: &[Deployment]) -> Vec<String> {
    let mut s: Vec<String> = deps.iter().map(|d| d.service.clone()).collect();
    s.sort();
    s.dedup();
    s
}

/// Exit 2 unless `env` is one of the estate's environments.
pub fn check_env(cfg: &Config, deps: &[Deployment], env: Option<&str>) -> Result<(), Failure> {
    match env {
        Some(e) => {
            let envs = known_envs(cfg, deps);
            if envs.iter().any(|k| k == e) {
                Ok(())
            } else {
                Err(unknown("environment", e, &envs))
            }
        }
        None => Ok(()),
    }
}

/// Whether `d` is `service` (by service name or application name).
pub fn is_service(d: &Deployment, service: &str) -> bool {
    d.service == service || d.key.name == service
}

/// SERVICE (or an app name) and an optional environment → exactly one deployment.
pub async fn resolve(cfg: &Config, target: &Target) -> Result<Deployment, Failure> {
    let (service, env) = (target.service.as_str(), target.env.as_deref());
    let (deps, failure) = list_all(cfg, env).await?;
    if let (true, Some(f)) = (deps.is_empty(), &failure) {
        // Nothing answered: no choices to offer, and the reason is the answer.
        return Err(f.clone());
    }
    check_env(cfg, &deps, env)?;
    let mut found: Vec<Deployment> =
        deps.iter().filter(|d| is_service(d, service) && env.is_none_or(|e| d.env == e)).cloned().collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            if let Some(f) = failure {
                // It may be on the instance that did not answer.
                return Err(f);
            }
            let runs_in: Vec<String> = deps.iter().filter(|d| is_service(d, service)).map(|d| d.env.clone()).collect();
            match (env, runs_in.is_empty()) {
                (Some(e), false) => Err(Failure::new(
                    ErrorKind::Usage,
                    format!("{service} does not run in {e}; it runs in {}", runs_in.join(", ")),
                )),
                _ => Err(unknown("service", service, &services_of(&deps))),
            }
        }
        _ => {
            let envs: Vec<String> = found.iter().map(|d| d.env.clone()).collect();
            Err(Failure::new(ErrorKind::Usage, format!("{service} runs in {}", envs.join(", ")))
                .with_hint("pick one with --env"))
        }
    }
}
