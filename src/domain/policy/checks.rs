//! Verification checks an environment names in the policy (`[[env.E.check]]`): what must hold
//! after a deploy there reached healthy before anything is promoted onwards. An HTTP probe
//! (GET a URL, expect a status) or a command (an argv list run without a shell, exit 0 =
//! pass), each with a timeout. `{service}` and `{env}` in a URL or argument are replaced by the
//! deployment's own, so one check serves every service of the environment. Argo Rollouts
//! analysis results are not offered: the reference (swagger, notes) says nothing of
//! AnalysisRuns, so nothing is invented here.

use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::domain::config_error::ConfigError;

/// How long a check may take when the policy does not say.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout a check may ask for (a promotion waits on it).
const MAX_CHECK_TIMEOUT: Duration = Duration::from_secs(600);

/// One check of an environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub probe: Probe,
    pub timeout: Duration,
}

/// What a check does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// GET `url`; the answer's status must be `status`.
    Http { url: String, status: u16 },
    /// Run `argv[0]` with the rest as arguments (no shell); exit 0 passes.
    Command { argv: Vec<String> },
}

impl Check {
    /// The probe with `{service}` and `{env}` filled in for one deployment.
    pub fn for_deployment(&self, service: &str, env: &str) -> Probe {
        let fill = |s: &str| s.replace("{service}", service).replace("{env}", env);
        match &self.probe {
            Probe::Http { url, status } => Probe::Http { url: fill(url), status: *status },
            Probe::Command { argv } => Probe::Command { argv: argv.iter().map(|a| fill(a)).collect() },
        }
    }
}

/// `[[env.E.check]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    name: Spanned<String>,
    http: Option<Spanned<String>>,
    status: Option<u16>,
    command: Option<Spanned<Vec<String>>>,
    /// "30s", "2m".
    timeout: Option<Spanned<String>>,
}

/// Read one check; `err` points at the line at fault.
pub(super) fn check(
    raw: &Spanned<RawCheck>,
    err: &dyn Fn(Range<usize>, String, &str) -> ConfigError,
) -> Result<Check, ConfigError> {
    let r = raw.get_ref();
    let name = r.name.get_ref().trim().to_string();
    if name.is_empty() {
        return Err(err(r.name.span(), "a check needs a name".into(), "the name is what a refusal says failed"));
    }
    let probe = match (&r.http, &r.command) {
        (Some(url), None) => {
            let u = url.get_ref();
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                let what = format!("check {name:?}: {u:?} is no http:// or https:// URL");
                return Err(err(
                    url.span(),
                    what,
                    "write the URL to GET, e.g. \"https://{service}.{env}.example.com/healthz\"",
                ));
            }
            Probe::Http { url: u.clone(), status: r.status.unwrap_or(200) }
        }
        (None, Some(argv)) if !argv.get_ref().is_empty() && !argv.get_ref()[0].trim().is_empty() => {
            if r.status.is_some() {
                let what = format!("check {name:?}: `status` is for HTTP probes; a command passes on exit 0");
                return Err(err(raw.span(), what, "remove `status`"));
            }
            Probe::Command { argv: argv.get_ref().clone() }
        }
        (None, Some(argv)) => {
            let what = format!("check {name:?}: the command is empty");
            return Err(err(
                argv.span(),
                what,
                "write the program and its arguments: command = [\"./smoke\", \"{service}\"]",
            ));
        }
        _ => {
            let what = format!("check {name:?} needs exactly one of `http` and `command`");
            return Err(err(
                raw.span(),
                what,
                "http = \"https://…\" (with status = 200) or command = [\"prog\", \"arg\"]",
            ));
        }
    };
    let timeout = match &r.timeout {
        None => DEFAULT_CHECK_TIMEOUT,
        Some(t) => seconds(t.get_ref()).filter(|d| *d <= MAX_CHECK_TIMEOUT).ok_or_else(|| {
            let what = format!("check {name:?}: timeout {:?} is not a duration up to 10m", t.get_ref());
            err(t.span(), what, "write seconds or minutes: \"30s\", \"2m\"")
        })?,
    };
    Ok(Check { name, probe, timeout })
}

/// "30s", "2m" → a positive duration.
fn seconds(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    match unit.trim() {
        "s" => Some(Duration::from_secs(n)),
        "m" | "min" => n.checked_mul(60).map(Duration::from_secs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::policy::{parse, Probe};

    fn policy(checks: &str) -> Result<crate::domain::policy::Policy, String> {
        let text = format!("environments = [\"dev\", \"staging\", \"prod\"]\n{checks}");
        parse(&text, "policy.toml".as_ref()).map_err(|e| e.to_string())
    }

    #[test]
    fn checks_are_read_with_their_defaults_and_filled_per_deployment() {
        let p = policy(
            "[[env.staging.check]]\nname = \"smoke\"\nhttp = \"http://127.0.0.1/probe/{env}/{service}\"\n\
             [[env.staging.check]]\nname = \"contract\"\ncommand = [\"./contract\", \"{service}\"]\ntimeout = \"2m\"\n",
        )
        .unwrap();
        let checks = &p.env("staging").unwrap().checks;
        assert_eq!(checks.len(), 2);
        assert_eq!(checks[0].timeout, super::DEFAULT_CHECK_TIMEOUT);
        assert_eq!(
            checks[0].for_deployment("alpha", "staging"),
            Probe::Http { url: "http://127.0.0.1/probe/staging/alpha".into(), status: 200 }
        );
        assert_eq!(
            checks[1].for_deployment("alpha", "staging"),
            Probe::Command { argv: vec!["./contract".into(), "alpha".into()] }
        );
        assert_eq!(checks[1].timeout, std::time::Duration::from_secs(120));
        assert!(p.env("prod").unwrap().checks.is_empty());
    }

    #[test]
    fn a_check_that_says_too_little_or_too_much_points_at_its_line() {
        for (bad, says) in [
            ("name = \"x\"\n", "exactly one of"),
            ("name = \"x\"\nhttp = \"h\"\ncommand = [\"a\"]\n", "exactly one of"),
            ("name = \"x\"\nhttp = \"ftp://h\"\n", "no http://"),
            ("name = \"x\"\ncommand = []\n", "command is empty"),
            ("name = \"x\"\ncommand = [\"a\"]\nstatus = 200\n", "`status` is for HTTP"),
            ("name = \"x\"\nhttp = \"http://h\"\ntimeout = \"1h\"\n", "not a duration"),
            ("name = \"x\"\nhttp = \"http://h\"\nmethod = \"POST\"\n", "method"),
        ] {
            let err = policy(&format!("[[env.staging.check]]\n{bad}")).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
