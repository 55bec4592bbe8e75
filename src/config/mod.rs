//! Configuration: discovery (platform config dir, `--config`, `FLIGHTDECK_CONFIG`), the
//! argocd CLI's own config and flags, layering, and validation with file:line errors.
//! Everything is checked before the terminal is touched.

pub mod argocd_cli;
pub mod conductor;
pub mod credentials;
mod discover;
mod file;
pub mod gitops;
pub mod keymap;
mod notify;
pub mod secret;
pub mod server;
pub mod vault;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::domain::config_error::ConfigError;
use crate::domain::mapping::Mapping;
pub use conductor::{ConductorSettings, EngineKind, KeySecret};
pub use discover::{default_config_path, load, load_from, Overrides, EXAMPLE, EXAMPLE_FILE};
pub use file::{to_toml, write_file, write_private};
pub use gitops::{GitopsSettings, SigningConfig};
pub use secret::Secret;
pub use vault::{approle_toml, VaultAuth, VaultRef, VaultSettings};

/// How to authenticate to one instance.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Auth {
    /// `Authorization: Bearer <token>`.
    Token(Secret),
    /// `POST /api/v1/session` with username and password, then Bearer.
    Login { username: String, password: Secret },
    #[default]
    None,
}

/// One Argo CD instance.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceConfig {
    pub name: String,
    /// Base URL with scheme and optional root path, e.g. `https://argocd.example.com` or
    /// `http://127.0.0.1:8080/dev`. The API is under `<server>/api/v1`.
    pub server: String,
    pub auth: Auth,
    /// Where the credential came from, for the run log ("token from ARGOCD_AUTH_TOKEN").
    pub auth_source: String,
    /// Skip TLS verification.
    pub insecure: bool,
    /// Extra CA certificate (PEM file).
    pub ca_file: Option<PathBuf>,
    /// The environment this instance serves (one instance per environment).
    pub env: Option<String>,
    pub mapping: Mapping,
    /// Server-side filters sent on list and watch.
    pub projects: Vec<String>,
    pub selector: Option<String>,
    pub app_namespace: Option<String>,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Key path of the image tag in Helm values files (`[gitops] helm_tag_key`); `None` =
    /// the promotion's default, `image.tag`.
    pub helm_tag_key: Option<String>,
    /// Key path of the replica count in Helm values files (`[gitops] helm_replicas_key`);
    /// `None` = `replicaCount`, the Helm chart starter's key.
    pub helm_replicas_key: Option<String>,
    /// Key path of the requests and limits in Helm values (`[gitops] helm_resources_key`).
    pub helm_resources_key: Option<String>,
    /// Key path of the autoscaler settings in Helm values (`[gitops] helm_autoscaling_key`).
    pub helm_autoscaling_key: Option<String>,
    /// `vault = "mount/path#key"`: the token is read from Vault when clients are built
    /// (`client::credentials::resolve`), and read again once when Argo CD answers 401.
    pub vault: Option<VaultRef>,
    /// `username` with no password source: the console asks for the password on the terminal
    /// (masked, before raw mode) and fills `Auth::Login`; headless commands without a terminal
    /// refuse (see `cli::prompt`).
    pub password_prompt: bool,
    /// Nothing may be written to this instance (the session's read-only mode, or its own
    /// `read_only = true`); the client's write check refuses (`client::writes`).
    pub read_only: Option<crate::domain::ReadOnly>,
}

impl InstanceConfig {
    /// An instance at `server` with defaults everywhere else.
    pub fn new(name: impl Into<String>, server: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            server: server.into(),
            auth: Auth::None,
            auth_source: "none".into(),
            insecure: false,
            ca_file: None,
            env: None,
            mapping: Mapping::default(),
            projects: Vec::new(),
            selector: None,
            app_namespace: None,
            request_timeout: Duration::from_secs(15),
            helm_tag_key: None,
            helm_replicas_key: None,
            helm_resources_key: None,
            helm_autoscaling_key: None,
            vault: None,
            password_prompt: false,
            read_only: None,
        }
    }
}

/// The whole effective configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub instances: Vec<InstanceConfig>,
    /// Environment columns in pipeline order; environments found later are appended.
    pub envs: Vec<String>,
    /// Environments where actions need the service name typed to confirm.
    pub protected_envs: Vec<String>,
    /// Theme name (a built-in preset) or path to a theme file.
    pub theme: String,
    /// User keymap overlay file, if any.
    pub keymap_file: Option<PathBuf>,
    /// `[ui] glyphs`: `Some(true)` ASCII only, `Some(false)` Unicode, `None` by the terminal
    /// and locale (`ui::widgets::glyphs::ascii_wanted`).
    pub ascii: Option<bool>,
    /// The file this came from, if any.
    pub source: Option<PathBuf>,
    /// The `[vault]` section merged with `VAULT_*` variables.
    pub vault: VaultSettings,
    /// `[gitops]`: how git authenticates pushes (default: the user's SSH agent and git config).
    pub git: credentials::GitCredentials,
    /// `[gitops]`: the approvals ledger's remote, ref, policy path and commit signing.
    pub gitops: GitopsSettings,
    /// `[notify]`: the bell and desktop notifications, and on which events.
    pub notify: crate::domain::notify::NotifySettings,
    /// `[engine] kind`: where requests, decisions and runs live.
    pub engine: EngineKind,
    /// `[conductor]`: how to reach Conductor (required when `engine` is Conductor).
    pub conductor: Option<ConductorSettings>,
    /// The whole session is read-only (`--read-only`, `FLIGHTDECK_READ_ONLY`, or `read_only`
    /// at the top of the config file): no instance, no push, no ledger record is written.
    pub read_only: Option<crate::domain::ReadOnly>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            instances: Vec::new(),
            envs: vec!["dev".into(), "staging".into(), "prod".into()],
            protected_envs: vec!["prod".into()],
            theme: "default".into(),
            keymap_file: None,
            ascii: None,
            source: None,
            vault: VaultSettings::default(),
            git: credentials::GitCredentials::default(),
            gitops: GitopsSettings::default(),
            notify: crate::domain::notify::NotifySettings::default(),
            engine: EngineKind::default(),
            conductor: None,
            read_only: None,
        }
    }
}

impl Config {
    /// Make the whole session read-only because of `cause` (the one its refusals name).
    pub fn set_read_only(&mut self, cause: crate::domain::ReadOnly) {
        self.read_only = Some(cause.clone());
        for i in &mut self.instances {
            i.read_only = Some(cause.clone());
        }
    }
}

/// Parse and validate a Flightdeck config file's text (`path` is where it came from, for
/// errors and relative paths). Credentials named by `*_env` keys are looked up in `env`.
pub fn parse_str(text: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    file::parse(text, path, env, None)
}
