//! The command line's definition: the console (no subcommand), `demo`, `sim`, and every
//! headless command. Completions and the man page are generated from this same definition;
//! the `///` line of each command and flag is its help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::args::{Connection, EngineArg, Justification, LedgerArgs, Output, Switch, Target, Waiting};
pub use super::nested::{AuditSub, ConductorSub, ConfigSub, RolloutStep, RunsSub};

/// Flightdeck: a terminal operations console for GitOps estates on Argo CD.
#[derive(Debug, Parser)]
#[command(name = "flightdeck", version, about, long_about = None)]
pub struct Cli {
    /// Flightdeck config file (default: the platform config dir's config.toml).
    #[arg(long, global = true, env = "FLIGHTDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Draw the console with ASCII only (chosen by itself on TERM=linux or a non-UTF-8 locale).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Look only: refuse every write (actions, Git pushes, ledger records); also
    /// FLIGHTDECK_READ_ONLY=1, or read_only = true in the config (whole file or per instance).
    #[arg(long, global = true)]
    pub read_only: bool,
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Open the console on a built-in simulated estate (Argo CD dev, staging, prod).
    Demo {
        /// Services in the simulated estate.
        #[arg(long, default_value_t = 40)]
        services: usize,
        /// Seed of the simulated estate (the same seed, the same estate).
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
        /// Services in the simulated estate.
        #[arg(long, default_value_t = 40)]
        services: usize,
        /// Seed of the simulated estate (the same seed, the same estate).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the config to FILE (mode 0600) instead of printing it.
        #[arg(long, value_name = "FILE")]
        write_config: Option<PathBuf>,
        /// No random degradations or drift.
        #[arg(long)]
        calm: bool,
        /// The engine the written configs use (the simulated Conductor is served either way).
        #[arg(long, value_enum, default_value_t = EngineArg::Embedded)]
        engine: EngineArg,
    },
    /// Check config, Vault, credentials, reachability and permissions; print what to fix.
    Doctor {
        #[command(flatten)]
        conn: Connection,
    },
    /// Print the matrix once: every service in every environment.
    Status {
        #[command(flatten)]
        out: Output,
        /// Only this environment.
        #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
        env: Option<String>,
        /// Only this service (or Argo CD application name).
        #[arg(long, value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
        service: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Sync a service in an environment.
    Sync {
        #[command(flatten)]
        target: Target,
        /// Delete resources that are no longer in Git.
        #[arg(long)]
        prune: bool,
        /// Ask Argo CD what the sync would do, without applying anything.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Roll back a service to a history entry (`flightdeck history` lists them): the GitOps
    /// way (that version committed to the overlay) when the app has auto-sync and an overlay.
    Rollback {
        #[command(flatten)]
        target: Target,
        /// History id to roll back to, as `flightdeck history` lists it.
        #[arg(long, value_name = "HISTORY_ID")]
        to: i64,
        /// Break-glass: roll back through Argo CD's API (pauses auto-sync; the app stays pinned).
        #[arg(long)]
        break_glass: bool,
        /// Pause auto-sync first (Argo CD refuses a rollback while it is on); implies --break-glass.
        #[arg(long)]
        pause_auto_sync: bool,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Create a service from a template kept in the GitOps repository: its base and
    /// per-environment overlays and one Argo CD Application per environment, in one commit,
    /// the diff shown first, under the policy (as a `create`).
    NewService {
        /// The service's name (a DNS-1123 label).
        name: String,
        /// The owning team (the Applications' project; the policy's `teams` when it lists them).
        #[arg(long)]
        team: String,
        /// The template: a directory under `templates/` in the GitOps repository.
        #[arg(long)]
        template: String,
        /// An environment to create it in (repeatable; default: every one of the pipeline).
        #[arg(long = "env", value_name = "ENV")]
        envs: Vec<String>,
        /// The image (default: the template's `image`).
        #[arg(long)]
        image: Option<String>,
        /// The version it starts at (default: the template's `tag`).
        #[arg(long)]
        tag: Option<String>,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Scale a service's workload: the GitOps way (the count committed to the overlay) when
    /// the app has auto-sync and an overlay.
    Scale {
        #[command(flatten)]
        target: Target,
        /// How many replicas the workload should run.
        #[arg(long, value_name = "N")]
        replicas: Option<u32>,
        /// CPU request of the container (a Kubernetes quantity: 250m, 0.5, 1), written to Git.
        #[arg(long, value_name = "QTY")]
        cpu_request: Option<String>,
        /// CPU limit of the container, written to Git.
        #[arg(long, value_name = "QTY")]
        cpu_limit: Option<String>,
        /// Memory request of the container (256Mi, 1Gi, 500M), written to Git.
        #[arg(long, value_name = "QTY")]
        memory_request: Option<String>,
        /// Memory limit of the container, written to Git.
        #[arg(long, value_name = "QTY")]
        memory_limit: Option<String>,
        /// The container the requests and limits are for (default: the workload's only one).
        #[arg(long, value_name = "NAME")]
        container: Option<String>,
        /// The HPA's or ScaledObject's minimum replicas, when one owns the count.
        #[arg(long, value_name = "N")]
        min: Option<u32>,
        /// The HPA's or ScaledObject's maximum replicas, when one owns the count.
        #[arg(long, value_name = "N")]
        max: Option<u32>,
        /// Break-glass: patch the live workload (self-heal reverts it to the count in Git).
        #[arg(long)]
        break_glass: bool,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Restart a service's workload (a rolling restart, as `kubectl rollout restart`).
    Restart {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Terminate the operation (sync, rollback) running on a service.
    Terminate {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Drive an Argo Rollout: promote, abort or resume it.
    Rollout {
        #[command(subcommand)]
        step: RolloutStep,
    },
    /// Show a service's sync policy, or set auto-sync, self-heal and prune.
    SyncPolicy {
        #[command(flatten)]
        target: Target,
        /// Turn auto-sync on or off.
        #[arg(long, value_enum, value_name = "on|off")]
        auto_sync: Option<Switch>,
        /// Auto-sync reverts changes made in the cluster (needs auto-sync on).
        #[arg(long, value_enum, value_name = "on|off")]
        self_heal: Option<Switch>,
        /// Auto-sync deletes what Git no longer has (needs auto-sync on).
        #[arg(long, value_enum, value_name = "on|off")]
        prune: Option<Switch>,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Ask Argo CD to compare the app with Git again (never held back by the policy).
    Refresh {
        #[command(flatten)]
        target: Target,
        /// Also invalidate the manifest cache.
        #[arg(long)]
        hard: bool,
        #[command(flatten)]
        conn: Connection,
    },
    /// Run the verification checks the policy names for an environment (`[[env.E.check]]`)
    /// against what runs there now, and record the result: a promotion onwards needs it passed.
    Verify {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        conn: Connection,
    },
    /// List a service's deployment history: the ids `rollback --to` takes.
    History {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Show how the live state differs from Git.
    Diff {
        #[command(flatten)]
        target: Target,
        /// Exit 1 when there is a difference (0 when none), as `argocd app diff` does.
        #[arg(long)]
        exit_code: bool,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Print the logs of a service's pods.
    Logs {
        #[command(flatten)]
        target: Target,
        /// Keep printing new lines until interrupted.
        #[arg(short, long)]
        follow: bool,
        /// Only the last N lines of each pod.
        #[arg(long, value_name = "N")]
        tail: Option<u64>,
        /// Only this container (default: every container of the pods).
        #[arg(short, long, value_name = "NAME")]
        container: Option<String>,
        /// The previous (terminated) container instance, e.g. after a crash.
        #[arg(short, long)]
        previous: bool,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
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
    /// Promote what runs in one environment to the next, the GitOps way (overlay commit + push);
    /// several services are released together: one diff, one decision, one commit, or nothing.
    Promote {
        /// Service name (or Argo CD application name); several = one release.
        #[arg(value_name = "SERVICE", value_hint = clap::ValueHint::Other, required = true, num_args = 1..)]
        services: Vec<String>,
        /// Source environment (what runs there is promoted).
        #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
        from: String,
        /// Target environment: the next one in the pipeline (or one a policy lane allows).
        #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
        to: String,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        /// Path of the policy file in the GitOps repository (default: [gitops] policy_path,
        /// else policy.toml).
        #[arg(long, value_name = "PATH")]
        policy_path: Option<String>,
        #[command(flatten)]
        conn: Connection,
    },
    /// Deploy an image tag the GitOps way (committed to the environment's overlay, diff first)
    /// or sync the app to a Git revision through Argo CD.
    Deploy {
        #[command(flatten)]
        target: Target,
        /// Image tag to run: written to the environment's overlay, committed and pushed.
        #[arg(long, value_name = "TAG", conflicts_with = "revision", required_unless_present = "revision")]
        tag: Option<String>,
        /// Git revision (commit, tag or branch) to sync to; Argo CD refuses it while auto-sync is on.
        #[arg(long, value_name = "REV")]
        revision: Option<String>,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// A service's delivery history: the activity timeline (deploys, promotions, rollbacks,
    /// scales, approvals) and the delivery figures of production over a window.
    Delivery {
        /// Service name.
        #[arg(value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
        service: String,
        /// The environment the figures are for (default: the pipeline's last, production).
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// How far back (30d, 2w, 12h; default 30d).
        #[arg(long, value_name = "DURATION", value_parser = super::args::parse_duration)]
        window: Option<std::time::Duration>,
        #[command(flatten)]
        out: Output,
        #[command(flatten)]
        conn: Connection,
    },
    /// Preview environments: request one for a service (a copy of an environment with a TTL
    /// and an owner), list, extend and tear them down; `env reap` tears down the expired.
    Env {
        #[command(subcommand)]
        command: super::env_args::EnvSub,
        #[command(flatten)]
        conn: Connection,
    },
    /// List the runs: actions that ran (with their outcome) and approval requests; on the
    /// Conductor engine its executions (`runs retry ID`, `runs terminate ID`).
    Runs {
        #[command(subcommand)]
        command: Option<RunsSub>,
        #[command(flatten)]
        out: Output,
        /// Only this service.
        #[arg(long, value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
        service: Option<String>,
        /// Only this environment.
        #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
        env: Option<String>,
        /// Audit directory for this machine's trail (default: the platform data dir).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        #[command(flatten)]
        ledger: LedgerArgs,
    },
    /// List the audit trail (the team's shared one where governance is configured), or
    /// check it (`audit verify`).
    Audit {
        #[command(subcommand)]
        command: Option<AuditSub>,
        #[command(flatten)]
        out: Output,
        /// Audit directory (default: the platform data dir, ~/.local/share/flightdeck).
        #[arg(long, global = true, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Only this machine's log, even where a shared trail is configured.
        #[arg(long, global = true)]
        local: bool,
    },
    /// List the approval requests waiting in the shared ledger (`--all`: decided ones too).
    Approvals {
        #[command(flatten)]
        out: Output,
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
        #[command(flatten)]
        conn: Connection,
    },
    /// Approve a request (the policy decides whether your approval counts).
    Approve {
        /// Request id, as `flightdeck approvals` lists it.
        id: String,
        /// A comment for the requester and the trail.
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        ledger: LedgerArgs,
        #[command(flatten)]
        conn: Connection,
    },
    /// Reject a request, saying why.
    Reject {
        /// Request id, as `flightdeck approvals` lists it.
        id: String,
        /// Why it is rejected (the requester sees it).
        #[arg(long)]
        comment: String,
        #[command(flatten)]
        ledger: LedgerArgs,
        #[command(flatten)]
        conn: Connection,
    },
    /// Serve Flightdeck's Conductor task types until SIGTERM or ctrl-c (then drain).
    Worker {
        /// Tasks run at once (default: [conductor] concurrency).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
        #[command(flatten)]
        conn: Connection,
    },
    /// The Conductor engine: install Flightdeck's definitions, or measure it on the simulator.
    Conductor {
        #[command(subcommand)]
        command: ConductorSub,
    },
    /// Print the example config, where the config is read from, or check it.
    Config {
        #[command(subcommand)]
        command: ConfigSub,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff); with a command name, that command's page.
    Man {
        /// A command (e.g. `sync`, `rollout promote`) instead of the whole program.
        #[arg(value_name = "COMMAND", num_args = 0..)]
        command: Vec<String>,
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
        /// Audit directory to append to.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Tag of the records.
        #[arg(long)]
        tag: String,
        /// How many records.
        #[arg(long, default_value_t = 1000)]
        count: u64,
    },
    /// Append acknowledged trail records to a ledger ref in a loop (for the crash test).
    #[command(hide = true)]
    LedgerStress {
        /// The remote holding the ledger (a path or URL git understands).
        #[arg(long, value_name = "URL")]
        remote: String,
        /// The ledger's local cache directory.
        #[arg(long, value_name = "DIR")]
        cache: PathBuf,
        /// Tag of the records.
        #[arg(long)]
        tag: String,
        /// How many records.
        #[arg(long, default_value_t = 1000)]
        count: u64,
    },
    /// Print the cached service or environment names (for the completion scripts).
    #[command(hide = true)]
    CompleteNames {
        /// `services` or `envs`.
        what: String,
    },
}
