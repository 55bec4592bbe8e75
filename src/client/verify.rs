//! Running an environment's verification checks for one deployment: HTTP probes (a GET whose
//! status must be the expected one) and commands (an argv list run without a shell; exit 0
//! passes), each within its own timeout. What comes back from a server or a command is
//! cleaned before it is shown; a command's output is not echoed beyond its last stderr line.
//! [`gate`] is the verification gate of a promotion, for the console's plan and the headless
//! `promote` alike: the pure standing (`engine::verify`), checks run and recorded when the
//! version was never verified, the refusal text when it failed.

use std::process::Stdio;

use chrono::Utc;

use super::engine::Governance;
use crate::domain::approvals::PolicyState;
use crate::domain::policy::{Check, Probe};
use crate::domain::sanitize::clean;
use crate::domain::{Deployment, Health, UserInfo};
use crate::engine::payload::versions_of;
use crate::engine::trail::Target;
use crate::engine::verify::{self, lines, refusal, CheckResult, Standing};

/// Whether `images` of `src` may be promoted onwards; `Err` is the refusal (which check failed,
/// what to do). `say` hears progress lines (a verification run now and its results).
pub async fn gate(
    gov: &Governance,
    who: &UserInfo,
    src: &Deployment,
    target: Target,
    images: &[String],
    say: &mut (dyn FnMut(String) + Send),
) -> Result<(), String> {
    let checks = checks_of(gov, &src.env).await;
    if checks.is_empty() {
        return Ok(());
    }
    let version = versions_of(images);
    let trail = gov.trail_or_local().await;
    match verify::standing(&checks, &trail, &src.service, &src.env, &version) {
        Standing::NoChecks | Standing::Verified => Ok(()),
        Standing::Failed { check, why } => Err(refusal(&src.service, &src.env, &version, &check, &why)),
        Standing::Unverified if src.health != Health::Healthy => Err(format!(
            "{} {version} is not verified in {}: it is {}, and its checks run once it is healthy",
            src.service,
            src.env,
            src.health.as_str()
        )),
        Standing::Unverified => {
            say(format!("{}/{}: {version} not verified yet; running its checks", src.service, src.env));
            let results = verify_now(gov, who, target, &checks, &version).await;
            for l in lines(&results) {
                say(format!("  {}/{}: {l}", src.service, src.env));
            }
            match results.iter().find(|r| !r.passed) {
                None => Ok(()),
                Some(r) => Err(refusal(&src.service, &src.env, &version, &r.name, &r.detail)),
            }
        }
    }
}

/// The console's gate before planning a promotion with `client` (the target's instance):
/// every source (with its instance's name) must pass [`gate`]; a refusal is recorded and
/// answered as the plan's.
pub async fn gate_sources(
    client: &super::ArgoClient,
    gov: &Governance,
    sources: &[(Deployment, String)],
) -> Result<(), crate::domain::Failure> {
    use crate::domain::{Action, ErrorKind, Failure, Promotion, RunContext};
    let mut gated = false;
    for (src, _) in sources {
        gated |= !checks_of(gov, &src.env).await.is_empty();
    }
    if !gated {
        // No source environment names a check: nothing to ask of Argo CD either.
        return Ok(());
    }
    let who = client.userinfo().await.map_err(|e| e.to_failure())?;
    for (src, instance) in sources {
        let t = Target {
            service: src.service.clone(),
            env: src.env.clone(),
            app: src.key.name.clone(),
            instance: instance.clone(),
        };
        let Err(why) = gate(gov, &who, src, t.clone(), &src.images, &mut |_| {}).await else { continue };
        // The refused promotion, for the record: the target instance's environment.
        let to_env = client.config().env.clone().unwrap_or_default();
        let p = Promotion::new(&src.service, &src.env, &to_env, src.images.clone());
        let event = crate::engine::TrailEvent::refusal(
            Utc::now(),
            &who,
            &Action::Promote(Box::new(p)),
            t,
            &RunContext::default(),
            &why,
        );
        gov.record(event).await;
        return Err(Failure::new(ErrorKind::Forbidden, why));
    }
    Ok(())
}

/// After `action` reached healthy in `target`'s environment: a GitOps change that moved a
/// version (a release: every service of it) is verified there and recorded; each check is a
/// step of the run, and a failed one fails it (deployed, but not to be promoted onwards).
pub async fn after_run(
    gov: &Governance,
    who: &UserInfo,
    action: &crate::domain::Action,
    target: &Target,
    report: &mut (dyn FnMut(super::StepReport) + Send),
) -> Result<(), crate::domain::Failure> {
    use crate::domain::{Action, ErrorKind, Failure, StepStatus};
    let Action::Promote(p) = action else { return Ok(()) };
    let checks = checks_of(gov, &target.env).await;
    // A scale moves no version: there is nothing new to verify.
    if checks.is_empty() || p.images.is_empty() {
        return Ok(());
    }
    let parts =
        p.also.iter().map(|r| (Target { service: r.service.clone(), app: r.app.clone(), ..target.clone() }, &r.images));
    let mut failed = None;
    for (t, images) in std::iter::once((target.clone(), &p.images)).chain(parts) {
        let service = t.service.clone();
        let results = verify_now(gov, who, t, &checks, &versions_of(images)).await;
        for r in &results {
            let label = format!("{service}: check {}: {}", r.name, r.detail);
            report(super::StepReport { label, status: if r.passed { StepStatus::Done } else { StepStatus::Failed } });
        }
        if let (None, Some(r)) = (&failed, results.iter().find(|r| !r.passed)) {
            failed = Some(format!("{service} in {} failed check {:?} ({})", target.env, r.name, r.detail));
        }
    }
    match failed {
        None => Ok(()),
        Some(why) => Err(Failure::new(
            ErrorKind::ActionFailed,
            format!("deployed, but {why}; it is not promoted onwards until it passes"),
        )
        .with_hint(format!("fix it, then `flightdeck verify SERVICE --env {}`", target.env))),
    }
}

/// The checks the policy in force names for `env` (none without a policy).
pub async fn checks_of(gov: &Governance, env: &str) -> Vec<Check> {
    match gov.policy_state().await {
        PolicyState::Ready(p) => p.env(env).map(|e| e.checks.clone()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Run `checks` for `target` as `who` and record the verification of `version` in the trail.
pub async fn verify_now(
    gov: &Governance,
    who: &UserInfo,
    target: Target,
    checks: &[Check],
    version: &str,
) -> Vec<CheckResult> {
    let results = run_checks(checks, &target.service, &target.env).await;
    gov.record(verify::record(Utc::now(), who, target, version, &results)).await;
    results
}

/// Most characters of a failure's detail kept (a command's stderr line, a transport error).
const DETAIL_CHARS: usize = 160;

/// Run every check for `service` in `env`, in order (each one is independent).
pub async fn run_checks(checks: &[Check], service: &str, env: &str) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for c in checks {
        let (passed, detail) = match c.for_deployment(service, env) {
            Probe::Http { url, status } => http(&url, status, c.timeout).await,
            Probe::Command { argv } => command(&argv, c.timeout).await,
        };
        out.push(CheckResult { name: c.name.clone(), passed, detail: short(&detail) });
    }
    out
}

async fn http(url: &str, expected: u16, timeout: std::time::Duration) -> (bool, String) {
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot make an HTTP client: {e}")),
    };
    match client.get(url).send().await {
        Ok(r) if r.status().as_u16() == expected => (true, format!("HTTP {expected}")),
        Ok(r) => (false, format!("HTTP {}, expected {expected}", r.status().as_u16())),
        Err(e) if e.is_timeout() => (false, format!("no answer within {}s", timeout.as_secs())),
        Err(e) => (false, format!("unreachable: {}", without_url(&e))),
    }
}

async fn command(argv: &[String], timeout: std::time::Duration) -> (bool, String) {
    let Some((program, args)) = argv.split_first() else { return (false, "empty command".into()) };
    let child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => return (false, format!("cannot run {program}: {e}")),
    };
    // On timeout the future (and with it the child, kill_on_drop) is dropped.
    match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => (false, format!("no answer within {}s", timeout.as_secs())),
        Ok(Err(e)) => (false, format!("{program} failed to run: {e}")),
        Ok(Ok(o)) if o.status.success() => (true, "exit 0".into()),
        Ok(Ok(o)) => {
            let said = String::from_utf8_lossy(&o.stderr);
            let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            let code = o.status.code().map_or_else(|| "killed by a signal".to_string(), |c| format!("exit {c}"));
            (false, if last.is_empty() { code } else { format!("{code}: {last}") })
        }
    }
}

/// A transport error without the URL reqwest prefixes (it may carry credentials).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(at) = e.find(" for url (") {
        e.truncate(at);
    }
    e
}

fn short(s: &str) -> String {
    let s = clean(s);
    match s.char_indices().nth(DETAIL_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn cmd(name: &str, argv: &[&str], secs: u64) -> Check {
        let probe = Probe::Command { argv: argv.iter().map(|s| s.to_string()).collect() };
        Check { name: name.into(), probe, timeout: Duration::from_secs(secs) }
    }

    #[tokio::test]
    async fn commands_pass_on_exit_zero_run_without_a_shell_and_time_out() {
        let checks = [
            cmd("ok", &["true"], 5),
            cmd("fails", &["sh", "-c", "echo 'db down' >&2; exit 3"], 5),
            // No shell: the `;` is an argument of echo, not a second command.
            cmd("literal", &["echo", "{service}; false"], 5),
            cmd("slow", &["sleep", "5"], 1),
            cmd("missing", &["/nonexistent/flightdeck-check"], 1),
        ];
        let r = run_checks(&checks, "alpha", "staging").await;
        let got: Vec<(bool, &str)> = r.iter().map(|r| (r.passed, r.detail.as_str())).collect();
        assert_eq!(got[0], (true, "exit 0"));
        assert_eq!(got[1], (false, "exit 3: db down"));
        assert_eq!(got[2], (true, "exit 0"));
        assert_eq!(got[3], (false, "no answer within 1s"));
        assert!(!got[4].0 && got[4].1.starts_with("cannot run /nonexistent/flightdeck-check"), "{got:?}");
    }
}
