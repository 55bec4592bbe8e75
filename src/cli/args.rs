//! The pieces every command line shares: the Argo CD connection flags (the argocd CLI's own,
//! under their own heading, only on commands that talk to Argo CD), SERVICE + `--env`,
//! `--wait` + `--timeout`, `--ticket`/`--reason`/`--override-freeze`, where the ledger lives,
//! the engine of `demo`/`sim`, and the output format. Every flag has a one-line description (a test holds that).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::govern::Asked;
use crate::config::{Overrides, Secret};
use crate::domain::{ErrorKind, Failure};

/// How to reach a single Argo CD instance, as the argocd CLI's flags say it.
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Argo CD connection")]
pub struct Connection {
    /// Argo CD server (host:port or URL) for a single instance; also ARGOCD_SERVER.
    #[arg(long, value_name = "ADDR")]
    pub server: Option<String>,
    /// Argo CD token for a single instance; also ARGOCD_AUTH_TOKEN.
    #[arg(long, value_name = "TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Use http instead of https.
    #[arg(long)]
    pub plaintext: bool,
    /// Skip TLS certificate verification.
    #[arg(long)]
    pub insecure: bool,
    /// CA certificate (PEM) to trust for the server, as the argocd CLI's --server-crt.
    #[arg(long, value_name = "FILE")]
    pub server_crt: Option<PathBuf>,
    /// Server sub-path, as the argocd CLI's --grpc-web-root-path.
    #[arg(long, value_name = "PATH")]
    pub grpc_web_root_path: Option<String>,
    /// Context of the argocd CLI config to use.
    #[arg(long, value_name = "NAME")]
    pub argocd_context: Option<String>,
    /// The argocd CLI's config file (default: its usual place).
    #[arg(long, value_name = "FILE")]
    pub argocd_config: Option<PathBuf>,
}

impl Connection {
    /// The flags that were given, by name (for "this command does not talk to Argo CD").
    pub fn given(&self) -> Vec<&'static str> {
        let mut given = self.overrides(None).single_instance_flags();
        if self.argocd_config.is_some() {
            given.push("--argocd-config");
        }
        given
    }

    /// These flags over `outer` (given before the subcommand): the subcommand's win.
    pub fn over(&self, outer: &Connection) -> Connection {
        Connection {
            server: self.server.clone().or_else(|| outer.server.clone()),
            auth_token: self.auth_token.clone().or_else(|| outer.auth_token.clone()),
            plaintext: self.plaintext || outer.plaintext,
            insecure: self.insecure || outer.insecure,
            server_crt: self.server_crt.clone().or_else(|| outer.server_crt.clone()),
            grpc_web_root_path: self.grpc_web_root_path.clone().or_else(|| outer.grpc_web_root_path.clone()),
            argocd_context: self.argocd_context.clone().or_else(|| outer.argocd_context.clone()),
            argocd_config: self.argocd_config.clone().or_else(|| outer.argocd_config.clone()),
        }
    }

    /// What the configuration loader takes from the command line.
    pub fn overrides(&self, config: Option<PathBuf>) -> Overrides {
        Overrides {
            config_file: config,
            server: self.server.clone(),
            auth_token: self.auth_token.clone().map(Secret::new),
            plaintext: self.plaintext,
            insecure: self.insecure,
            server_crt: self.server_crt.clone(),
            grpc_web_root_path: self.grpc_web_root_path.clone(),
            argocd_context: self.argocd_context.clone(),
            argocd_config: self.argocd_config.clone(),
            read_only: false,
        }
    }
}

/// One service in one environment.
#[derive(Clone, Debug, Args)]
pub struct Target {
    /// Service name (or Argo CD application name).
    #[arg(value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
    pub service: String,
    /// Environment (needed when the service runs in more than one).
    #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
    pub env: Option<String>,
}

/// `--wait` and how long.
#[derive(Clone, Copy, Debug, Args)]
pub struct Waiting {
    /// Follow the action to its end and to health before exiting.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (90s, 10m, 1h; default 10m); the action goes on, exit 4.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "wait")]
    pub timeout: Option<Duration>,
}

impl Waiting {
    /// Longest follow when `--timeout` is not given.
    pub const DEFAULT_TIMEOUT: Duration = crate::client::actions::FOLLOW_TIMEOUT;

    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(Self::DEFAULT_TIMEOUT)
    }
}

/// `90s`, `10m`, `1h`, `1h30m`, `30d`, `2w`, or plain seconds (clap's value parser).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::domain::duration::parse(s)
}

/// What the policy may ask of any action: a change ticket and a reason; and the override of
/// an active freeze, for those the freeze names.
#[derive(Clone, Debug, Args)]
pub struct Justification {
    /// Change ticket, when the policy asks for one.
    #[arg(long)]
    pub ticket: Option<String>,
    /// Why, when the policy asks (an emergency always does).
    #[arg(long)]
    pub reason: Option<String>,
    /// Override an active freeze (if the policy lets you), saying why; recorded in the trail.
    #[arg(long, value_name = "REASON")]
    pub override_freeze: Option<String>,
}

impl Justification {
    pub fn asked(&self) -> Asked {
        let given = |s: &Option<String>| s.clone().filter(|t| !t.trim().is_empty());
        Asked {
            ticket: given(&self.ticket),
            reason: given(&self.reason),
            override_freeze: given(&self.override_freeze),
        }
    }
}

/// Where the approvals ledger and the policy live.
#[derive(Clone, Debug, Default, Args)]
pub struct LedgerArgs {
    /// The GitOps repository holding the ledger (ref refs/flightdeck/approvals) and policy.
    #[arg(long, env = "FLIGHTDECK_GITOPS_REMOTE", value_name = "URL")]
    pub remote: Option<String>,
    /// Path of the policy file in that repository (default: [gitops] policy_path, else
    /// policy.toml).
    #[arg(long, value_name = "PATH")]
    pub policy_path: Option<String>,
}

/// How a command prints what it found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Columns for people.
    #[default]
    Table,
    /// JSON for scripts (shapes in the README).
    Json,
}

/// `-o table|json`.
#[derive(Clone, Copy, Debug, Args)]
pub struct Output {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// Where a demo's (or the simulator's configs') requests, approvals and runs live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// The approvals ledger on the GitOps remote; the console runs actions itself.
    #[default]
    Embedded,
    /// The simulated Conductor, with `flightdeck worker` running the actions.
    Conductor,
}

/// On or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    pub fn on(self) -> bool {
        self == Self::On
    }
}

/// A usage failure with what to do.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Failure {
    Failure::new(ErrorKind::Usage, message).with_hint(hint)
}
