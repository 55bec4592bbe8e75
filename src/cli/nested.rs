//! The commands inside commands (`rollout promote|abort|resume`, `config example|path|check`,
//! `audit verify`), and which commands talk to Argo CD (they take the connection flags).

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

impl Sub {
    /// The connection flags of a command that talks to Argo CD; `None` for the others.
    pub fn connection(&self) -> Option<&Connection> {
        match self {
            Self::Doctor { conn }
            | Self::Status { conn, .. }
            | Self::Sync { conn, .. }
            | Self::Rollback { conn, .. }
            | Self::Scale { conn, .. }
            | Self::Restart { conn, .. }
            | Self::Terminate { conn, .. }
            | Self::SyncPolicy { conn, .. }
            | Self::Refresh { conn, .. }
            | Self::History { conn, .. }
            | Self::Diff { conn, .. }
            | Self::Logs { conn, .. }
            | Self::Promote { conn, .. }
            | Self::Withdraw { conn, .. }
            | Self::Approve { conn, .. }
            | Self::Reject { conn, .. } => Some(conn),
            Self::Rollout { step } => match step {
                RolloutStep::Promote { conn, .. }
                | RolloutStep::Abort { conn, .. }
                | RolloutStep::Resume { conn, .. } => Some(conn),
            },
            _ => None,
        }
    }
}
