//! The commands inside commands (`rollout promote|abort|resume`, `config example|path|check`,
//! `audit verify`, `runs retry|terminate`, `conductor install|bench`), and which commands talk
//! to Argo CD (they take the connection flags).

use clap::Subcommand;

use super::args::{Connection, Justification, Target, Waiting};
use super::commands::Sub;

/// A Rollout step.
#[derive(Debug, Subcommand)]
pub enum RolloutStep {
    /// Promote the paused Rollout fully (skip its remaining steps).
    Promote {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Abort the Rollout's update (it goes back to the stable version and shows Degraded).
    Abort {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
    /// Resume a paused Rollout (to its next step).
    Resume {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        conn: Connection,
    },
}

/// Configuration helpers.
#[derive(Debug, Subcommand)]
pub enum ConfigSub {
    /// Print the commented example config (every key, with what it does), or the policy's.
    Example {
        /// Which example: the config file, or the GitOps repository's policy.toml.
        #[arg(value_enum, default_value_t = super::config_cmd::Example::Config)]
        which: super::config_cmd::Example,
    },
    /// Print where the config is read from (and whether it exists).
    Path,
    /// Load and check the config; print what is wrong (file:line) and what to do.
    Check,
}

/// The audit trail's own check.
#[derive(Debug, Subcommand)]
pub enum AuditSub {
    /// Check every record's hash chain; name the first broken record.
    Verify,
}

/// What `runs` does to one Conductor execution.
#[derive(Debug, Subcommand)]
pub enum RunsSub {
    /// Run a failed (or terminated) Conductor execution again from its failed task.
    Retry {
        /// Execution id, as `flightdeck runs` lists it.
        id: String,
    },
    /// Stop a Conductor execution in progress.
    Terminate {
        /// Execution id, as `flightdeck runs` lists it.
        id: String,
        /// Why, kept by Conductor as the execution's reason.
        #[arg(long, default_value = "terminated from flightdeck")]
        reason: String,
    },
}

/// The Conductor engine's own commands.
#[derive(Debug, Subcommand)]
pub enum ConductorSub {
    /// Register Flightdeck's task and workflow definitions (idempotent; shows what changes).
    Install {
        /// Show the plan only.
        #[arg(long)]
        dry_run: bool,
        /// Also replace workflow definitions that differ at the same version.
        #[arg(long)]
        force: bool,
    },
    /// Measure the Conductor engine on the simulator: promotions/s with 1, 2, 4 workers,
    /// approval → action start (p50/p99), duplicate syncs after killing workers mid-task.
    Bench {
        /// Promotions per throughput round.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Worker counts, one throughput round each.
        #[arg(long, value_delimiter = ',', default_values_t = [1usize, 2, 4])]
        workers: Vec<usize>,
        /// Tasks each worker runs at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Approvals timed for the approval → start figure.
        #[arg(long, default_value_t = 50)]
        samples: usize,
        /// Times a worker is killed mid-task.
        #[arg(long, default_value_t = 20)]
        kills: usize,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl Sub {
    /// The connection flags of a command that talks to Argo CD; `None` for the others.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Self::Doctor { conn }
            | Self::Status { conn, .. }
            | Self::Sync { conn, .. }
            | Self::Rollback { conn, .. }
            | Self::Scale { conn, .. }
            | Self::NewService { conn, .. }
            | Self::Restart { conn, .. }
            | Self::Terminate { conn, .. }
            | Self::SyncPolicy { conn, .. }
            | Self::Refresh { conn, .. }
            | Self::History { conn, .. }
            | Self::Diff { conn, .. }
            | Self::Logs { conn, .. }
            | Self::Promote { conn, .. }
            | Self::Deploy { conn, .. }
            | Self::Delivery { conn, .. }
            | Self::Env { conn, .. }
            | Self::Withdraw { conn, .. }
            | Self::Approve { conn, .. }
            | Self::Reject { conn, .. }
            | Self::Worker { conn, .. } => Some(conn),
            Self::Rollout { step } => match step {
                RolloutStep::Promote { conn, .. }
                | RolloutStep::Abort { conn, .. }
                | RolloutStep::Resume { conn, .. } => Some(conn),
            },
            _ => None,
        }
    }
}
