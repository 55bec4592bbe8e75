//! Finding the configuration: `--config` > `FLIGHTDECK_CONFIG` > `<config_dir>/config.toml` if
//! it exists; without a file (or a file with no `[[instance]]`), a single instance comes from
//! the argocd CLI's flags, variables and config file. Environment lookups go through `env`.

use std::path::{Path, PathBuf};

use super::argocd_cli::{self, Env};
use super::{file, Config, Secret};
use crate::domain::config_error::ConfigError;

/// Command-line flags that shape the configuration (all optional).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    /// `--config FILE`: the Flightdeck config file.
    pub config_file: Option<PathBuf>,
    /// `--server`: host:port or URL of a single Argo CD instance.
    pub server: Option<String>,
    /// `--auth-token`.
    pub auth_token: Option<Secret>,
    /// `--plaintext`: http instead of https.
    pub plaintext: bool,
    /// `--insecure`: skip TLS verification.
    pub insecure: bool,
    /// `--server-crt`: a PEM file of the CA (or certificate) to trust for the server.
    pub server_crt: Option<PathBuf>,
    /// `--grpc-web-root-path`: the server's sub-path.
    pub grpc_web_root_path: Option<String>,
    /// `--argocd-context`: the argocd CLI context to use.
    pub argocd_context: Option<String>,
    /// `--argocd-config`: the argocd CLI's config file.
    pub argocd_config: Option<PathBuf>,
    /// `--read-only`: nothing is written (Argo CD, Git, the ledger).
    pub read_only: bool,
}

impl Overrides {
    /// The single-instance flags that were given, by name.
    pub fn single_instance_flags(&self) -> Vec<&'static str> {
        [
            ("--server", self.server.is_some()),
            ("--auth-token", self.auth_token.is_some()),
            ("--plaintext", self.plaintext),
            ("--insecure", self.insecure),
            ("--server-crt", self.server_crt.is_some()),
            ("--grpc-web-root-path", self.grpc_web_root_path.is_some()),
            ("--argocd-context", self.argocd_context.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, on)| on.then_some(n))
        .collect()
    }
}

/// How a user gets the example file, named in "how to configure" hints: the binary prints
/// it (an installed binary's user has no source tree).
pub const EXAMPLE_FILE: &str = "the output of `flightdeck config example`";

/// The commented example configuration, every key with what it does.
pub const EXAMPLE: &str = include_str!("../../config/flightdeck.example.toml");

/// `<platform config dir>/config.toml` (e.g. `~/.config/flightdeck/config.toml` on Linux).
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "flightdeck", "flightdeck").map(|d| d.config_dir().join("config.toml"))
}

/// Load the effective configuration (see the module docs for the order).
pub fn load(o: &Overrides, env: Env) -> Result<Config, ConfigError> {
    load_from(o, env, default_config_path().as_deref())
}

/// `load` with the default path given, so tests never depend on the user's own files.
///
/// A file with `[[instance]]` tables defines the instances: single-instance flags
/// (`--server`, `--auth-token`, …) are then an error, because silently ignoring either side
/// would surprise; `ARGOCD_SERVER`, `ARGOCD_AUTH_TOKEN` and `ARGOCD_OPTS` are ignored, as they
/// are often exported for the argocd CLI itself. A file without instances takes its single
/// instance from the argocd CLI rules, like having no file.
pub fn load_from(o: &Overrides, env: Env, default_path: Option<&Path>) -> Result<Config, ConfigError> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    let chosen = match (&o.config_file, var("FLIGHTDECK_CONFIG")) {
        (Some(p), _) => Some((p.clone(), "--config")),
        (None, Some(p)) => Some((PathBuf::from(p), "FLIGHTDECK_CONFIG")),
        (None, None) => default_path.filter(|p| p.is_file()).map(|p| (p.to_path_buf(), "")),
    };
    let mut config = match &chosen {
        Some((path, origin)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                let hint = if origin.is_empty() {
                    "fix the file's permissions, or remove it".to_string()
                } else {
                    format!("fix the path given by {origin}, or write {EXAMPLE_FILE} there")
                };
                ConfigError::in_file(path, format!("cannot read the config file: {e}"), hint)
            })?;
            file::parse(&text, path, env, o.argocd_config.as_deref())?
        }
        None => Config::default(),
    };
    // Where the policy and the ledger live, for every command and the console alike.
    if let Some(remote) = var("FLIGHTDECK_GITOPS_REMOTE") {
        config.gitops.remote = Some(remote.trim().to_string());
    }
    if !config.instances.is_empty() {
        let flags = o.single_instance_flags();
        if let (false, Some(path)) = (flags.is_empty(), &config.source) {
            return Err(ConfigError::in_file(
                path,
                format!("{} given, but this file already defines the instances", flags.join(", ")),
                "drop those flags, or point --config at a file without [[instance]] tables",
            ));
        }
    } else {
        match argocd_cli::single_instance(o, env)? {
            Some(inst) => config.instances.push(inst),
            None => return Err(no_instance(config.source.as_deref(), default_path)),
        }
    }
    read_only(&mut config, o, env)?;
    Ok(config)
}

/// Read-only from the variable and the flag, over the file's own (`read_only` can only be
/// switched on; the most explicit cause is the one named: the flag, then the variable).
fn read_only(config: &mut Config, o: &Overrides, env: Env) -> Result<(), ConfigError> {
    use crate::domain::read_only::{switch, ReadOnly};
    // The file's own covers an instance that came from the argocd CLI too.
    if let Some(cause) = config.read_only.clone() {
        config.set_read_only(cause);
    }
    let from_env = match env("FLIGHTDECK_READ_ONLY") {
        Some(v) => switch(&v).map_err(|what| {
            ConfigError::general(what, "set FLIGHTDECK_READ_ONLY=1 for a read-only session, or unset it")
        })?,
        None => false,
    };
    if from_env {
        config.set_read_only(ReadOnly::Env);
    }
    if o.read_only {
        config.set_read_only(ReadOnly::Flag);
    }
    Ok(())
}

fn no_instance(source: Option<&Path>, default_path: Option<&Path>) -> ConfigError {
    let file = default_path.map_or_else(|| "the platform config directory".to_string(), |p| p.display().to_string());
    let what = match source {
        Some(p) => {
            format!("no Argo CD instance configured: {} has no [[instance]] and no server was given", p.display())
        }
        None => "no Argo CD instance configured".to_string(),
    };
    ConfigError::general(
        what,
        format!(
            "pass --server <host:port> (with --auth-token or ARGOCD_AUTH_TOKEN), or run `argocd login <server>`, \
             or write a config file at {file} (start from {EXAMPLE_FILE})"
        ),
    )
}
