//! Verification, the pure side shared by every caller: what the results of an environment's
//! checks say (one trail record per verification: `verification` event, the version in
//! `detail`, `passed` or `failed: check "NAME": why` as outcome), and whether what runs in an
//! environment may be promoted onwards — verified, failed (the refusal names the check) or
//! not verified yet (verify it now). The team's trail is the memory: a verification recorded
//! by anyone counts, for the exact version it verified.

use chrono::{DateTime, Utc};

use super::trail::{Target, TrailEvent};
use crate::domain::policy::Check;
use crate::domain::sanitize::clean;
use crate::domain::UserInfo;

/// The trail's event name of a verification.
pub const EVENT: &str = "verification";

/// How one check went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    pub name: String,
    pub passed: bool,
    /// "HTTP 200", "HTTP 503, expected 200", "exit 1: …", "no answer within 10s".
    pub detail: String,
}

/// Where a deployment stands before it is promoted onwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Its environment names no check.
    NoChecks,
    /// This version passed every check.
    Verified,
    /// This version failed: the check and why.
    Failed { check: String, why: String },
    /// Not verified yet (never, or another version).
    Unverified,
}

/// The trail record of verifying `version` of `target` with `results`.
pub fn record(at: DateTime<Utc>, who: &UserInfo, target: Target, version: &str, results: &[CheckResult]) -> TrailEvent {
    let outcome = match results.iter().find(|r| !r.passed) {
        None => "passed".to_string(),
        Some(f) => format!("failed: check {:?}: {}", f.name, f.detail),
    };
    let each: Vec<String> =
        results.iter().map(|r| format!("{} {} {}", r.name, if r.passed { "✓" } else { "✗" }, r.detail)).collect();
    TrailEvent {
        at,
        actor: who.username.clone(),
        groups: who.groups.clone(),
        event: EVENT.into(),
        action: Some("verify".into()),
        to: Some(target.env.clone()),
        target: Some(target),
        outcome: clean(&outcome),
        detail: clean(&format!("{version}: {}", each.join("; "))),
        ..TrailEvent::default()
    }
}

/// Where `version` of `service` in `env` stands, from the newest verification of exactly that
/// version in `trail` (oldest first).
pub fn standing(checks: &[Check], trail: &[TrailEvent], service: &str, env: &str, version: &str) -> Standing {
    if checks.is_empty() {
        return Standing::NoChecks;
    }
    let prefix = format!("{version}: ");
    let last = trail.iter().rev().find(|e| {
        e.event == EVENT
            && e.target.as_ref().is_some_and(|t| t.service == service && t.env == env)
            && e.detail.starts_with(&prefix)
    });
    match last {
        None => Standing::Unverified,
        Some(e) if e.outcome == "passed" => Standing::Verified,
        Some(e) => {
            let rest = e.outcome.strip_prefix("failed: check ").unwrap_or(&e.outcome);
            // `"NAME": why`, as `record` wrote it.
            let (check, why) = match rest.strip_prefix('"').and_then(|r| r.split_once("\": ")) {
                Some((name, why)) => (name.to_string(), why.to_string()),
                None => (String::new(), rest.to_string()),
            };
            Standing::Failed { check, why }
        }
    }
}

/// Why a promotion out of `env` is refused: the check that failed and what to do.
pub fn refusal(service: &str, env: &str, version: &str, check: &str, why: &str) -> String {
    format!(
        "{service} {version} is not verified in {env}: check {check:?} failed ({why}); \
         fix it, then `flightdeck verify {service} --env {env}`"
    )
}

/// One line per result, for a terminal: "✓ smoke: HTTP 200".
pub fn lines(results: &[CheckResult]) -> Vec<String> {
    results.iter().map(|r| format!("{} {}: {}", if r.passed { "✓" } else { "✗" }, r.name, r.detail)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Probe;

    fn check() -> Vec<Check> {
        let probe = Probe::Http { url: "http://x".into(), status: 200 };
        vec![Check { name: "smoke".into(), probe, timeout: std::time::Duration::from_secs(1) }]
    }

    fn target() -> Target {
        Target { service: "alpha".into(), env: "staging".into(), ..Target::default() }
    }

    #[test]
    fn the_newest_verification_of_the_exact_version_decides() {
        let who = UserInfo { username: "dave".into(), groups: vec![] };
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let fail = CheckResult { name: "smoke".into(), passed: false, detail: "HTTP 503, expected 200".into() };
        let pass = CheckResult { detail: "HTTP 200".into(), passed: true, ..fail.clone() };
        let failed = record(at, &who, target(), "v2", &[fail]);
        assert_eq!(failed.outcome, "failed: check \"smoke\": HTTP 503, expected 200");
        let trail = vec![record(at, &who, target(), "v1", std::slice::from_ref(&pass)), failed];
        assert_eq!(standing(&[], &trail, "alpha", "staging", "v2"), Standing::NoChecks);
        assert_eq!(standing(&check(), &trail, "alpha", "staging", "v1"), Standing::Verified);
        assert_eq!(
            standing(&check(), &trail, "alpha", "staging", "v2"),
            Standing::Failed { check: "smoke".into(), why: "HTTP 503, expected 200".into() }
        );
        assert_eq!(standing(&check(), &trail, "alpha", "staging", "v3"), Standing::Unverified);
        assert_eq!(standing(&check(), &trail, "beta", "staging", "v1"), Standing::Unverified);
        // Fixed and verified again: the newest record wins.
        let mut trail = trail;
        trail.push(record(at, &who, target(), "v2", &[pass]));
        assert_eq!(standing(&check(), &trail, "alpha", "staging", "v2"), Standing::Verified);
        let text = refusal("alpha", "staging", "v2", "smoke", "HTTP 503, expected 200");
        assert!(
            text.contains("check \"smoke\" failed (HTTP 503") && text.contains("flightdeck verify alpha --env staging")
        );
    }
}
