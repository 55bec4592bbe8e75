//! `flightdeck doctor`: everything a first run needs, checked in order and printed as a table
//! (config, Vault reachable / unsealed / token TTL, per instance: credential, reachable with
//! TLS details, who you are, what you may do; the git credential, the GitOps remote reachable
//! and pushable, the policy file valid). Each problem comes with what to do; the exit code is
//! 0 only when nothing failed.

use super::output::out_raw;
use std::fmt::Write as _;

#[path = "doctor_conductor.rs"]
mod conductor;
#[path = "doctor_git.rs"]
mod gitops;

use crate::client::credentials::{can_i, clients, resolve};
use crate::client::vault::{health_only, VaultSession};
use crate::config::{self, Config, Overrides};
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    /// What to do (set on Warn and Fail).
    pub advice: Option<String>,
}

impl Check {
    fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), status: Status::Ok, detail: clean(&detail.into()), advice: None }
    }
    fn fail(name: impl Into<String>, detail: impl Into<String>, advice: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Fail,
            detail: clean(&detail.into()),
            advice: Some(clean(&advice.into())),
        }
    }
    fn skip(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { name: name.into(), status: Status::Skip, detail: detail.into(), advice: None }
    }
}

/// Actions whose permission `doctor` asks Argo CD about.
const CAN_I: [&str; 4] = ["get", "sync", "update", "action"];

/// Run every check. `env` supplies the variables (tests pass their own).
pub async fn checks(o: &Overrides, env: config::argocd_cli::Env<'_>) -> Vec<Check> {
    let mut out = Vec::new();
    let mut cfg: Config = match config::load(o, env) {
        Ok(c) => {
            let src = c.source.as_ref().map_or("argocd CLI flags / config".into(), |p| p.display().to_string());
            out.push(Check::ok("config", format!("{src}: {} instance(s)", c.instances.len())));
            c
        }
        Err(e) => {
            let place = match (&e.path, e.line) {
                (Some(p), Some(l)) => format!("{}:{l}: ", p.display()),
                (Some(p), None) => format!("{}: ", p.display()),
                _ => String::new(),
            };
            out.push(Check::fail("config", format!("{place}{}", e.what), e.hint.clone()));
            return out;
        }
    };
    let uses_vault = cfg.instances.iter().any(|i| i.vault.is_some()) || cfg.git.https_token_vault.is_some();
    if uses_vault {
        vault_checks(&cfg, env, &mut out).await;
    } else {
        out.push(Check::skip("vault", "no instance (and no git token) is read from Vault"));
    }
    let resolved = match resolve(&mut cfg, env).await {
        Ok(r) => r,
        Err(e) => {
            out.push(Check::fail(format!("{} credential", e.instance), e.error.to_string(), e.error.hint()));
            return out;
        }
    };
    // doctor cannot prompt: such instances are reached anonymously (version needs no login).
    for inst in cfg.instances.iter_mut().filter(|i| i.password_prompt) {
        inst.auth = config::Auth::None;
    }
    let list = match clients(&cfg, &resolved) {
        Ok(l) => l,
        Err(e) => {
            out.push(Check::fail("clients", e.to_string(), e.to_failure().hint.unwrap_or_default()));
            return out;
        }
    };
    for (inst, client) in cfg.instances.iter().zip(list.iter()) {
        let n = &inst.name;
        out.push(Check::ok(format!("{n} credential"), inst.auth_source.clone()));
        let tls = if inst.server.starts_with("https://") {
            if inst.insecure {
                "TLS, verification OFF"
            } else if inst.ca_file.is_some() {
                "TLS, custom CA"
            } else {
                "TLS, system roots"
            }
        } else {
            "plain HTTP (no TLS)"
        };
        match client.version().await {
            Ok(v) => out.push(Check::ok(format!("{n} reachable"), format!("{} · {tls} · Argo CD {v}", inst.server))),
            Err(e) => {
                let f = e.to_failure();
                out.push(Check::fail(
                    format!("{n} reachable"),
                    format!("{} · {}", inst.server, f.message),
                    f.hint.unwrap_or_else(|| "check the server address and the network".into()),
                ));
                continue;
            }
        }
        if inst.password_prompt {
            // doctor cannot ask: the console will, before it starts.
            out.push(Check::skip(
                format!("{n} who"),
                format!("{}: the password is asked on the terminal when Flightdeck starts", inst.auth_source),
            ));
            continue;
        }
        match client.userinfo().await {
            Ok(u) if !u.username.is_empty() => out.push(Check::ok(format!("{n} who"), u.username.clone())),
            Ok(_) => out.push(Check::fail(
                format!("{n} who"),
                "not logged in (anonymous)",
                "give this instance a credential (see `flightdeck doctor` docs in README: Credentials)",
            )),
            Err(e) => {
                let advice = if e.status() == Some(401) {
                    format!("the token from \"{}\" is not accepted: get a new one (`argocd account generate-token`, or `argocd login {} --sso` then argocd_context)", inst.auth_source, inst.server)
                } else {
                    e.to_failure().hint.unwrap_or_default()
                };
                out.push(Check::fail(format!("{n} who"), e.to_string(), advice));
                continue;
            }
        }
        let mut may = Vec::new();
        for a in CAN_I {
            match can_i(client, a).await {
                Ok(true) => may.push(format!("{a} ✓")),
                Ok(false) => may.push(format!("{a} ✗")),
                Err(e) => may.push(format!("{a} ? ({:?})", e.kind())),
            }
        }
        let env_name = inst.env.clone().unwrap_or_else(|| "-".into());
        let check = Check::ok(format!("{n} may ({env_name})"), may.join(" "));
        if may.iter().any(|m| m.contains('✗')) {
            out.push(Check {
                status: Status::Warn,
                advice: Some("ask the Argo CD admins for the missing RBAC (policy.csv)".into()),
                ..check
            });
        } else {
            out.push(check);
        }
    }
    out.push(git_credential_check(&cfg, &resolved, env).await);
    // The remote (reachable, pushable) and the policy file, with the credential above.
    out.extend(gitops::checks(&cfg, resolved.vault.clone()).await);
    out.extend(conductor::checks(&cfg).await);
    out
}

/// Where git gets its push credential; a Vault-kept token must be readable (never shown).
async fn git_credential_check(
    cfg: &Config,
    resolved: &crate::client::credentials::Resolved,
    env: config::argocd_cli::Env<'_>,
) -> Check {
    use crate::client::git::credentials::{describe, token};
    let what = describe(&cfg.git);
    let Some(r) = &cfg.git.https_token_vault else { return Check::ok("git credential", what) };
    let session = match &resolved.vault {
        Some(s) => s.clone(),
        None => match VaultSession::connect(&cfg.vault, env).await {
            Ok(s) => std::sync::Arc::new(s),
            Err(e) => return Check::fail("git credential", format!("{what}: {e}"), e.hint()),
        },
    };
    match token(&cfg.git, &session).await {
        Ok(_) => Check::ok("git credential", format!("{what} ✓")),
        Err(e) => Check::fail(
            "git credential",
            format!("{what}: {e}"),
            format!("{}; the secret {r} must hold the token", e.hint()),
        ),
    }
}

async fn vault_checks(cfg: &Config, env: config::argocd_cli::Env<'_>, out: &mut Vec<Check>) {
    let addr = cfg.vault.address.clone();
    match health_only(&cfg.vault).await {
        Ok(h) if h.sealed => out.push(Check::fail(
            "vault",
            format!("{addr}: sealed"),
            "ask a Vault operator to unseal it (`vault operator unseal`)",
        )),
        Ok(h) => out.push(Check::ok("vault", format!("{addr}: unsealed, Vault {}", h.version))),
        Err(e) => {
            out.push(Check::fail("vault", format!("{addr}: {e}"), e.hint()));
            return;
        }
    }
    match VaultSession::connect(&cfg.vault, env).await {
        Ok(s) => match s.lookup().await {
            Ok(t) => {
                let ttl = if t.ttl_secs == 0 { "never expires".to_string() } else { format!("{}s left", t.ttl_secs) };
                let renew = if t.renewable { ", renewable" } else { "" };
                out.push(Check::ok("vault token", format!("from {}: {ttl}{renew}", s.token_source())));
            }
            Err(e) => out.push(Check::fail("vault token", e.to_string(), e.hint())),
        },
        Err(e) => out.push(Check::fail("vault token", e.to_string(), e.hint())),
    }
}

/// The table as printed.
pub fn render(checks: &[Check]) -> String {
    let w = checks.iter().map(|c| c.name.chars().count()).max().unwrap_or(5).max(5);
    let mut s = String::new();
    let _ = writeln!(s, "{:<w$}  {:<4}  DETAIL", "CHECK", "");
    for c in checks {
        let mark = match c.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        };
        let _ = writeln!(s, "{:<w$}  {mark:<4}  {}", c.name, c.detail);
        if let Some(a) = &c.advice {
            let _ = writeln!(s, "{:<w$}        → {a}", "");
        }
    }
    s
}

/// `flightdeck doctor`.
pub async fn run(o: &Overrides) -> Result<(), Failure> {
    let _log = crate::logging::init(None).ok();
    let env = |k: &str| std::env::var(k).ok();
    let all = checks(o, &env).await;
    out_raw(&render(&all));
    let failed = all.iter().filter(|c| c.status == Status::Fail).count();
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::new(ErrorKind::Usage, format!("doctor: {failed} check(s) failed; see the advice above")))
    }
}
