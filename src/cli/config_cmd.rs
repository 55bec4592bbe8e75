//! `flightdeck config example [policy]` prints the commented example config (or policy) that
//! hints point at, so an installed binary's user has it; `config path` says which file is read
//! (and whether it exists); `config check` loads and validates it as every command does,
//! naming file:line and what to do on error (exit 2).

use std::path::PathBuf;

use super::args::Connection;
use super::output::{errln, out_raw, outln};
use crate::config::{self, default_config_path};
use crate::domain::{ErrorKind, Failure};

/// Which example `config example` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Example {
    /// The Flightdeck config file.
    Config,
    /// The policy file of the GitOps repository (`policy.toml`).
    Policy,
}

pub fn example(which: Example) -> Result<(), Failure> {
    out_raw(match which {
        Example::Config => config::EXAMPLE,
        Example::Policy => crate::domain::policy::EXAMPLE,
    });
    Ok(())
}

/// The file the config is read from: `--config`, `FLIGHTDECK_CONFIG`, else the platform one.
fn chosen(file: Option<PathBuf>) -> Result<(PathBuf, &'static str), Failure> {
    let from_env = std::env::var_os("FLIGHTDECK_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from);
    match (file, from_env) {
        (Some(p), _) => Ok((p, "--config")),
        (None, Some(p)) => Ok((p, "FLIGHTDECK_CONFIG")),
        (None, None) => default_config_path()
            .map(|p| (p, "the platform config directory"))
            .ok_or_else(|| Failure::new(ErrorKind::Usage, "this platform has no config directory; use --config FILE")),
    }
}

pub fn path(file: Option<PathBuf>) -> Result<(), Failure> {
    let (p, origin) = chosen(file)?;
    outln!("{}", p.display());
    if p.is_file() {
        errln!("read from there (named by {origin})");
    } else {
        errln!(
            "no file there yet (named by {origin}): without one, the argocd CLI's flags, variables and config are \
             used; `flightdeck config example > {}` writes one to start from",
            p.display()
        );
    }
    Ok(())
}

pub fn check(file: Option<PathBuf>, conn: &Connection) -> Result<(), Failure> {
    let env = |k: &str| std::env::var(k).ok();
    let cfg = config::load(&conn.overrides(file), &env).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
    let from = cfg
        .source
        .as_ref()
        .map_or_else(|| "flags and the argocd CLI's config".to_string(), |p| p.display().to_string());
    let names: Vec<&str> = cfg.instances.iter().map(|i| i.name.as_str()).collect();
    outln!("config ok: {from}");
    outln!("instances: {}", names.join(", "));
    outln!("environments: {}", cfg.envs.join(" → "));
    match cfg.gitops.source() {
        Some(_) => outln!("governance: policy and approvals in {}", cfg.gitops.remote.as_deref().unwrap_or("?")),
        None => outln!("governance: none (Argo CD RBAC only)"),
    }
    Ok(())
}
