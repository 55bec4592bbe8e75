//! Verification, headless: `flightdeck verify SERVICE --env E` runs E's checks (named in the
//! policy, `[[env.E.check]]`) against what runs there now and records the result in the
//! trail; a GitOps change followed to healthy (`--wait`) is verified the same way; and a
//! promotion out of E first asks where E's version stands (`engine::verify::standing`): a
//! failed check refuses it naming the check, a version not verified yet is verified now.

use chrono::Utc;

use super::args::Target as Wanted;
use super::govern::Headless;
use super::output::errln;
use crate::domain::approvals::PolicyState;
use crate::domain::policy::Check;
use crate::domain::{Action, Deployment, ErrorKind, Failure, Health, RunContext};
use crate::engine::payload::versions_of;
use crate::engine::trail::{Target, TrailEvent};
use crate::engine::verify::{self, lines, refusal, CheckResult, Standing};

/// `flightdeck verify SERVICE --env E`: exit 0 when every check passed, 1 when one failed.
pub async fn run(h: &Headless, wanted: &Wanted) -> Result<(), Failure> {
    let dep = super::resolve::resolve(&h.cfg, wanted).await?;
    let checks = checks_of(h, &dep.env).await;
    if checks.is_empty() {
        super::output::outln!("{}/{}: the policy names no check for {}", dep.service, dep.env, dep.env);
        return Ok(());
    }
    let target = h.target(&dep);
    let results = verify_now(h, target, &checks, &versions_of(&dep.images)).await?;
    for l in lines(&results) {
        super::output::outln!("{l}");
    }
    failed(&dep.service, &dep.env, &results)
}

/// After a change into `env` reached healthy: verify `service` there (its app `app`, running
/// `images` now). Nothing to do when the environment names no check.
pub async fn after_deploy(h: &Headless, target: Target, images: &[String]) -> Result<(), Failure> {
    let checks = checks_of(h, &target.env).await;
    // A scale changes no version: there is nothing new to verify.
    if checks.is_empty() || images.is_empty() {
        return Ok(());
    }
    let (service, env) = (target.service.clone(), target.env.clone());
    let results = verify_now(h, target, &checks, &versions_of(images)).await?;
    for l in lines(&results) {
        errln!("  {service}/{env}: {l}");
    }
    failed(&service, &env, &results).map_err(|f| Failure {
        message: format!("deployed, but {}; it is not promoted onwards until it passes", f.message),
        ..f
    })
}

/// Before promoting `images` of `src` onwards (`action`): refused (exit 3, recorded) when that
/// version failed a check of `src`'s environment; verified now when it was not yet.
pub async fn gate(h: &Headless, src: &Deployment, images: &[String], action: &Action) -> Result<(), Failure> {
    let checks = checks_of(h, &src.env).await;
    if checks.is_empty() {
        return Ok(());
    }
    let version = versions_of(images);
    let trail = super::delivery::trail(h).await;
    let why = match verify::standing(&checks, &trail, &src.service, &src.env, &version) {
        Standing::NoChecks | Standing::Verified => return Ok(()),
        Standing::Failed { check, why } => refusal(&src.service, &src.env, &version, &check, &why),
        Standing::Unverified if src.health != Health::Healthy => format!(
            "{} {version} is not verified in {}: it is {}, and its checks run once it is healthy",
            src.service,
            src.env,
            src.health.as_str()
        ),
        Standing::Unverified => {
            errln!("{}/{}: {version} not verified yet; running its checks", src.service, src.env);
            let results = verify_now(h, h.target(src), &checks, &version).await?;
            for l in lines(&results) {
                errln!("  {}/{}: {l}", src.service, src.env);
            }
            match results.iter().find(|r| !r.passed) {
                None => return Ok(()),
                Some(r) => refusal(&src.service, &src.env, &version, &r.name, &r.detail),
            }
        }
    };
    let who = h.client(src.key.instance)?.userinfo().await.map_err(|e| e.to_failure())?;
    let event = TrailEvent::refusal(Utc::now(), &who, action, h.target(src), &RunContext::default(), &why);
    h.governance.record(event).await;
    Err(Failure::new(ErrorKind::Forbidden, why))
}

/// The checks the policy in force names for `env` (none without a policy).
async fn checks_of(h: &Headless, env: &str) -> Vec<Check> {
    match h.governance.policy_state().await {
        PolicyState::Ready(p) => p.env(env).map(|e| e.checks.clone()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Run `checks` for `target` and record the verification of `version` in the trail.
async fn verify_now(
    h: &Headless,
    target: Target,
    checks: &[Check],
    version: &str,
) -> Result<Vec<CheckResult>, Failure> {
    let results = crate::client::verify::run_checks(checks, &target.service, &target.env).await;
    let who = h.who().await?;
    h.governance.record(verify::record(Utc::now(), &who, target, version, &results)).await;
    Ok(results)
}

fn failed(service: &str, env: &str, results: &[CheckResult]) -> Result<(), Failure> {
    match results.iter().find(|r| !r.passed) {
        None => Ok(()),
        Some(r) => Err(Failure::new(
            ErrorKind::ActionFailed,
            format!("{service} in {env} failed check {:?} ({})", r.name, r.detail),
        )),
    }
}
