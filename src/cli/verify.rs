//! Verification, headless: `flightdeck verify SERVICE --env E` runs E's checks (named in the
//! policy, `[[env.E.check]]`) against what runs there now and records the result in the
//! trail; a GitOps change followed to healthy (`--wait`) is verified the same way (in the
//! one run path, `Headless::run` → `client::verify::after_run`); and a
//! promotion out of E first passes the verification gate (`client::verify::gate`, which the
//! console's plan calls too): a failed check refuses it naming the check, a version not
//! verified yet is verified now.

use chrono::Utc;

use super::args::Target as Wanted;
use super::govern::Headless;
use super::output::errln;
use crate::client::verify::{checks_of, verify_now};
use crate::domain::{Action, Deployment, ErrorKind, Failure, RunContext};
use crate::engine::payload::versions_of;
use crate::engine::trail::TrailEvent;
use crate::engine::verify::{lines, CheckResult};

/// `flightdeck verify SERVICE --env E`: exit 0 when every check passed, 1 when one failed.
pub async fn run(h: &Headless, wanted: &Wanted) -> Result<(), Failure> {
    let dep = super::resolve::resolve(&h.cfg, wanted).await?;
    let checks = checks_of(&h.governance, &dep.env).await;
    if checks.is_empty() {
        super::output::outln!("{}/{}: the policy names no check for {}", dep.service, dep.env, dep.env);
        return Ok(());
    }
    let who = h.who().await?;
    let results = verify_now(&h.governance, &who, h.target(&dep), &checks, &versions_of(&dep.images)).await;
    for l in lines(&results) {
        super::output::outln!("{l}");
    }
    failed(&dep.service, &dep.env, &results)
}

/// Before promoting `images` of `src` onwards (`action`): the verification gate; its refusal
/// is recorded and exits 3.
pub async fn gate(h: &Headless, src: &Deployment, images: &[String], action: &Action) -> Result<(), Failure> {
    let who = h.client(src.key.instance)?.userinfo().await.map_err(|e| e.to_failure())?;
    let mut say = |l: String| errln!("{l}");
    let Err(why) = crate::client::verify::gate(&h.governance, &who, src, h.target(src), images, &mut say).await else {
        return Ok(());
    };
    let event = TrailEvent::refusal(Utc::now(), &who, action, h.target(src), &RunContext::default(), &why);
    h.governance.record(event).await;
    Err(Failure::new(ErrorKind::Forbidden, why))
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
