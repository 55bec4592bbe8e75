//! The command line: global flags (the argocd CLI's own, where they mean the same thing),
//! the console (no subcommand), `demo`, `sim`, and the headless commands on the same client.

mod action;
mod approvals;
mod audit;
mod bench;
mod conductor;
mod console;
mod demo;
pub mod doctor;
mod govern;
mod output;
mod promote;
pub mod prompt;
mod runs;
mod sim;
mod status;
mod worker;

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
        /// Be this demo operator (alice, bob: release managers; dave: developer; olga: on-call)
        /// (default dave) and write the others' configs, so another terminal joins as them.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Where requests, approvals and runs live: the embedded Git ledger, or the simulated
        /// Conductor with `flightdeck worker` running in the demo.
        #[arg(long, value_enum, default_value_t = EngineArg::Embedded)]
        engine: EngineArg,
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
        /// The engine the printed config uses (the simulated Conductor is served either way).
        #[arg(long, value_enum, default_value_t = EngineArg::Embedded)]
        engine: EngineArg,
    },
    /// Check config, Vault, credentials, reachability and permissions; print what to fix.
    Doctor,
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
        #[command(flatten)]
        why: Justification,
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
        #[command(flatten)]
        why: Justification,
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
        #[command(flatten)]
        why: Justification,
    },
    /// Restart a service's workload (a rolling restart, as `kubectl rollout restart`).
    Restart {
        service: String,
        #[arg(long)]
        env: Option<String>,
        /// Follow the app to health afterwards.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        why: Justification,
    },
    /// Measure fleet-scale figures on an in-process simulated estate (load, frames, storm).
    Bench {
        /// Estate sizes: total apps, spread over 3 simulated instances.
        #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 50_000])]
        apps: Vec<usize>,
        /// Print one JSON object (figures per size) instead of a table.
        #[arg(long)]
        json: bool,
        /// Alternating floor / first-frame rounds per size (medians are reported).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Seconds of the watch storm (500 events/s).
        #[arg(long, default_value_t = 20.0)]
        storm_secs: f64,
        /// Seconds of the idle window.
        #[arg(long, default_value_t = 10.0)]
        idle_secs: f64,
    },
    /// Promote what runs in one environment to the next, the GitOps way (overlay commit + push).
    Promote {
        service: String,
        /// Source environment (what runs there is promoted).
        #[arg(long, value_name = "ENV")]
        from: String,
        /// Target environment: the next one in the pipeline (or one a policy lane allows).
        #[arg(long, value_name = "ENV")]
        to: String,
        /// Follow the target to its end and to health.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        why: Justification,
        /// Path of the policy file in the GitOps repository (default: [gitops] policy_path,
        /// else policy.toml).
        #[arg(long, value_name = "PATH")]
        policy_path: Option<String>,
    },
    /// Ask Argo CD to compare the app with Git again.
    Refresh {
        service: String,
        #[arg(long)]
        env: Option<String>,
        /// Also invalidate the manifest cache.
        #[arg(long)]
        hard: bool,
        #[command(flatten)]
        why: Justification,
    },
    /// List the audit trail (the team's shared one where governance is configured), or
    /// check it (`audit verify`).
    Audit {
        #[command(subcommand)]
        command: Option<AuditSub>,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        /// Audit directory (default: the platform data dir, ~/.local/share/flightdeck).
        #[arg(long, global = true, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Only this machine's log, even where a shared trail is configured.
        #[arg(long, global = true)]
        local: bool,
    },
    /// List the approval requests waiting in the shared ledger (`--all`: decided ones too).
    Approvals {
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
        /// Also list decided, withdrawn, expired and run requests, with what became of each.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// Withdraw one of your own approval requests.
    Withdraw {
        /// Request id, as `flightdeck approvals` lists it.
        id: String,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// Approve a request (the policy decides whether your approval counts).
    Approve {
        /// Request id, as `flightdeck approvals` lists it.
        id: String,
        #[arg(long)]
        comment: Option<String>,
        /// When this approval satisfies the policy and this process runs it: follow it to
        /// its end and to health.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// Reject a request, saying why.
    Reject {
        id: String,
        #[arg(long)]
        comment: String,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// Serve Flightdeck's Conductor task types until SIGTERM or ctrl-c (then drain).
    Worker {
        /// Tasks run at once (default: [conductor] concurrency).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Conductor: install Flightdeck's workflow and task definitions.
    Conductor {
        #[command(subcommand)]
        command: conductor::ConductorSub,
    },
    /// List Flightdeck's runs on Conductor (`runs retry ID`, `runs terminate ID`).
    Runs {
        #[command(subcommand)]
        command: Option<runs::RunsSub>,
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
    /// Answer git's credential prompt (GIT_ASKPASS) from FLIGHTDECK_GIT_TOKEN; for git only.
    #[command(hide = true)]
    Askpass {
        /// The prompt git passes ("Username for …" / "Password for …").
        #[arg(allow_hyphen_values = true)]
        prompt: Option<String>,
    },
    /// Append acknowledged audit records in a loop (for the crash test).
    #[command(hide = true)]
    AuditStress {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        #[arg(long)]
        tag: String,
        #[arg(long, default_value_t = 1000)]
        count: u64,
    },
}

/// Where the approvals ledger and the policy live.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// The GitOps repository holding the ledger (ref refs/flightdeck/approvals) and policy.
    #[arg(long, env = "FLIGHTDECK_GITOPS_REMOTE", value_name = "URL")]
    pub remote: Option<String>,
    /// Path of the policy file in that repository (default: [gitops] policy_path, else
    /// policy.toml).
    #[arg(long, value_name = "PATH")]
    pub policy_path: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditSub {
    /// Check every record's hash chain; name the first broken record.
    Verify,
}

/// What the policy may ask of any action: a change ticket and a reason; and the override of
/// an active freeze, for those the freeze names.
#[derive(Debug, Args)]
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
    fn asked(&self) -> govern::Asked {
        let given = |s: &Option<String>| s.clone().filter(|t| !t.trim().is_empty());
        govern::Asked {
            ticket: given(&self.ticket),
            reason: given(&self.reason),
            override_freeze: given(&self.override_freeze),
        }
    }
}

/// Where a demo's requests, approvals and runs live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Embedded,
    Conductor,
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
        Some(Sub::Demo { services, seed, user, engine }) => console::run_demo(services, seed, user, engine).await,
        Some(Sub::Sim { listen, services, seed, write_config, calm, engine }) => {
            sim::run(listen, services, seed, write_config, calm, engine).await
        }
        Some(Sub::Bench { apps, json, rounds, storm_secs, idle_secs }) => {
            bench::run(apps, json, rounds, storm_secs, idle_secs).await
        }
        Some(Sub::Audit { command, output, dir, local }) => {
            // The config is optional here: only its [gitops] section (the shared trail) matters.
            let cfg = load_config(&cli.global).ok();
            audit::run(cfg.as_ref(), dir, command.is_some(), local, output).await
        }
        Some(Sub::AuditStress { dir, tag, count }) => audit::stress(&dir, &tag, count),
        Some(Sub::Approvals { output, all, ledger }) => {
            // The config is optional here: only its [gitops] section matters.
            let cfg = load_config(&cli.global).ok();
            approvals::list(cfg.as_ref(), &ledger, all, output).await
        }
        Some(Sub::Doctor) => doctor::run(&cli.global.overrides()).await,
        Some(Sub::Conductor { command: cmd @ conductor::ConductorSub::Bench { .. } }) => conductor::bench(cmd).await,
        Some(Sub::Askpass { prompt }) => askpass(prompt.as_deref().unwrap_or("")),
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

async fn headless(mut cfg: config::Config, cmd: Sub) -> Result<(), Failure> {
    let _log = crate::logging::init(None).ok();
    let env = |k: &str| std::env::var(k).ok();
    prompt::ask_passwords(&mut cfg, true)?;
    crate::client::credentials::resolve(&mut cfg, &env).await.map_err(credential_failure)?;
    // The ledger flags (`--remote`, `--policy-path`) move where governance lives, for the
    // commands that have them; every command then decides with the same rule.
    match &cmd {
        Sub::Approve { ledger, .. } | Sub::Reject { ledger, .. } | Sub::Withdraw { ledger, .. } => {
            cfg.gitops = ledger.gitops(Some(&cfg));
        }
        Sub::Promote { policy_path: Some(p), .. } => cfg.gitops.policy_path = p.clone(),
        _ => {}
    }
    if let Sub::Status { output, env, service } = &cmd {
        return status::run(&cfg, *output, env.as_deref(), service.as_deref()).await;
    }
    let h = govern::Headless::new(cfg)?;
    match cmd {
        Sub::Approve { id, comment, wait, .. } => approvals::decide(&h, id, true, comment, wait).await,
        Sub::Reject { id, comment, .. } => approvals::decide(&h, id, false, Some(comment), false).await,
        Sub::Withdraw { id, .. } => approvals::withdraw(&h, id).await,
        Sub::Worker { concurrency } => worker::run(&h, concurrency).await,
        Sub::Conductor { command } => conductor::run(&h, command).await,
        Sub::Runs { command, output } => runs::run(&h, command, output).await,
        Sub::Promote { service, from, to, wait, why, .. } => {
            promote::run(&h, promote::PromoteArgs { service, from, to, asked: why.asked(), wait }).await
        }
        other => action::run(&h, other).await,
    }
}

/// `flightdeck askpass PROMPT`: git's GIT_ASKPASS. Prints the answer on stdout, nothing else:
/// no logging, no config (git reads stdout as the credential).
fn askpass(prompt: &str) -> Result<(), Failure> {
    let env = |k: &str| std::env::var(k).ok();
    match crate::client::git::credentials::askpass_answer(prompt, &env) {
        Ok(answer) => {
            println!("{answer}");
            Ok(())
        }
        Err(e) => Err(Failure::new(ErrorKind::Usage, e)),
    }
}

/// A credential that could not be obtained, with what to do.
pub(crate) fn credential_failure(e: crate::client::credentials::CredentialError) -> Failure {
    Failure::new(e.error.kind(), e.to_string()).with_hint(e.error.hint())
}

/// Load and check configuration; errors carry file:line and what to do.
pub fn load_config(g: &GlobalArgs) -> Result<config::Config, Failure> {
    let env = |k: &str| std::env::var(k).ok();
    config::load(&g.overrides(), &env).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))
}
