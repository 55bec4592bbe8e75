//! The command line: global flags (the argocd CLI's own, where they mean the same thing),
//! the console (no subcommand), `demo`, `sim`, and the headless commands on the same client.

mod action;
mod console;
pub use console::config_for_sim;
mod output;
mod sim;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{self, Overrides, Secret};
use crate::domain::{ErrorKind, Failure};

/// Flightdeck: a terminal operations console for GitOps estates on Argo CD.
#[derive(Debug, Parser)]
#[command(name = "flightdeck", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Sub>,
}

/// Flags shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Flightdeck config file (default: the platform config dir's config.toml).
    #[arg(long, global = true, env = "FLIGHTDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Argo CD server (host:port or URL) for a single instance; also ARGOCD_SERVER.
    #[arg(long, global = true, value_name = "ADDR")]
    pub server: Option<String>,
    /// Argo CD token for a single instance; also ARGOCD_AUTH_TOKEN.
    #[arg(long, global = true, value_name = "TOKEN", hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Use http instead of https.
    #[arg(long, global = true)]
    pub plaintext: bool,
    /// Skip TLS certificate verification.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// CA certificate (PEM) to trust for the server, as the argocd CLI's --server-crt.
    #[arg(long, global = true, value_name = "FILE")]
    pub server_crt: Option<PathBuf>,
    /// Server sub-path, as the argocd CLI's --grpc-web-root-path.
    #[arg(long, global = true, value_name = "PATH")]
    pub grpc_web_root_path: Option<String>,
    /// Context of the argocd CLI config to use.
    #[arg(long, global = true, value_name = "NAME")]
    pub argocd_context: Option<String>,
    /// The argocd CLI's config file (default: its usual place).
    #[arg(long, global = true, value_name = "FILE")]
    pub argocd_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Open the console on a built-in simulated estate (Argo CD dev, staging, prod).
    Demo {
        /// Services in the simulated estate.
        #[arg(long, default_value_t = 40)]
        services: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run the Argo CD simulator standalone and print a config that points at it.
    Sim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[arg(long, default_value_t = 40)]
        services: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the config to FILE (mode 0600) instead of printing it.
        #[arg(long, value_name = "FILE")]
        write_config: Option<PathBuf>,
        /// No random degradations or drift.
        #[arg(long)]
        calm: bool,
    },
    /// Print the matrix once.
    Status {
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        #[arg(long, value_name = "SERVICE")]
        service: Option<String>,
    },
    /// Sync a service in an environment.
    Sync {
        /// Service name (or Argo CD application name).
        service: String,
        #[arg(long)]
        env: Option<String>,
        #[arg(long)]
        prune: bool,
        #[arg(long)]
        dry_run: bool,
        /// Follow the operation to its end and to health.
        #[arg(long)]
        wait: bool,
    },
    /// Roll back a service to a history entry.
    Rollback {
        service: String,
        #[arg(long)]
        env: Option<String>,
        /// History id to roll back to (see the detail view or `argocd app history`).
        #[arg(long, value_name = "HISTORY_ID")]
        to: i64,
        /// Pause auto-sync first (Argo CD refuses a rollback while it is on).
        #[arg(long)]
        pause_auto_sync: bool,
        #[arg(long)]
        wait: bool,
    },
    /// Scale a service's workload.
    Scale {
        service: String,
        #[arg(long)]
        env: Option<String>,
        #[arg(long)]
        replicas: u32,
        #[arg(long)]
        wait: bool,
    },
    /// Ask Argo CD to compare the app with Git again.
    Refresh {
        service: String,
        #[arg(long)]
        env: Option<String>,
        /// Also invalidate the manifest cache.
        #[arg(long)]
        hard: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

impl GlobalArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config_file: self.config.clone(),
            server: self.server.clone(),
            auth_token: self.auth_token.clone().map(Secret::new),
            plaintext: self.plaintext,
            insecure: self.insecure,
            server_crt: self.server_crt.clone(),
            grpc_web_root_path: self.grpc_web_root_path.clone(),
            argocd_context: self.argocd_context.clone(),
            argocd_config: self.argocd_config.clone(),
        }
    }
}

/// Run the parsed command line; the exit code follows the documented table.
pub async fn main(cli: Cli) -> ExitCode {
    let result = match cli.command {
        None => console::run_configured(&cli.global).await,
        Some(Sub::Demo { services, seed }) => console::run_demo(services, seed).await,
        Some(Sub::Sim { listen, services, seed, write_config, calm }) => {
            sim::run(listen, services, seed, write_config, calm).await
        }
        Some(cmd) => match load_config(&cli.global) {
            Ok(cfg) => headless(cfg, cmd).await,
            Err(f) => Err(f),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            output::print_failure(&f);
            ExitCode::from(u8::try_from(f.kind.exit_code()).unwrap_or(1))
        }
    }
}

async fn headless(cfg: config::Config, cmd: Sub) -> Result<(), Failure> {
    let _log = crate::logging::init(None).ok();
    match cmd {
        Sub::Status { output, env, service } => status::run(&cfg, output, env.as_deref(), service.as_deref()).await,
        other => action::run(&cfg, other).await,
    }
}

/// Load and check configuration; errors carry file:line and what to do.
pub fn load_config(g: &GlobalArgs) -> Result<config::Config, Failure> {
    let env = |k: &str| std::env::var(k).ok();
    config::load(&g.overrides(), &env).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))
}
