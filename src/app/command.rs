//! Everything a key can be bound to. The doc line of each variant is its help text, and
//! `desc()` returns exactly that, so help and the hint bar never drift from the code.

use serde::Deserialize;

/// A bindable user command (never an internal result: those are `Msg`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Move down
    Down,
    /// Move up
    Up,
    /// Previous environment
    Left,
    /// Next environment
    Right,
    /// Page down
    PageDown,
    /// Page up
    PageUp,
    /// First service
    Top,
    /// Last service
    Bottom,
    /// Open detail of the selection
    Detail,
    /// Filter services
    Filter,
    /// Command line
    CommandLine,
    /// Help
    Help,
    /// Sync
    Sync,
    /// Roll back
    Rollback,
    /// Promote to the next environment (GitOps)
    Promote,
    /// Scale replicas
    Scale,
    /// Refresh
    Refresh,
    /// Terminate operation
    Terminate,
    /// Restart workload
    Restart,
    /// Rollout promote
    RolloutPromote,
    /// Rollout abort
    RolloutAbort,
    /// Diff live vs desired
    Diff,
    /// Resume auto-sync
    ResumeAutoSync,
    /// Problems first / by name
    ToggleSort,
    /// Back / close
    Back,
    /// Quit
    Quit,
    /// Suspend to shell
    Suspend,
    /// Focus the approvals pane (a approve, x reject)
    FocusApprovals,
    /// Retry the last failed run (a Conductor workflow)
    RetryRun,
    /// Terminate the run in progress (a Conductor workflow)
    TerminateRun,
}

impl Command {
    /// Every command, in help order.
    pub const ALL: [Command; 30] = [
        Self::Down,
        Self::Up,
        Self::Left,
        Self::Right,
        Self::PageDown,
        Self::PageUp,
        Self::Top,
        Self::Bottom,
        Self::Detail,
        Self::Filter,
        Self::CommandLine,
        Self::Help,
        Self::Sync,
        Self::Rollback,
        Self::Promote,
        Self::Scale,
        Self::Refresh,
        Self::Terminate,
        Self::Restart,
        Self::RolloutPromote,
        Self::RolloutAbort,
        Self::Diff,
        Self::ResumeAutoSync,
        Self::ToggleSort,
        Self::Back,
        Self::Quit,
        Self::Suspend,
        Self::FocusApprovals,
        Self::RetryRun,
        Self::TerminateRun,
    ];

    /// Help text (the variant's doc line).
    pub fn desc(self) -> &'static str {
        match self {
            Self::Down => "Move down",
            Self::Up => "Move up",
            Self::Left => "Previous environment",
            Self::Right => "Next environment",
            Self::PageDown => "Page down",
            Self::PageUp => "Page up",
            Self::Top => "First service",
            Self::Bottom => "Last service",
            Self::Detail => "Open detail of the selection",
            Self::Filter => "Filter services",
            Self::CommandLine => "Command line",
            Self::Help => "Help",
            Self::Sync => "Sync",
            Self::Rollback => "Roll back",
            Self::Promote => "Promote to the next environment (GitOps)",
            Self::Scale => "Scale replicas",
            Self::Refresh => "Refresh",
            Self::Terminate => "Terminate operation",
            Self::Restart => "Restart workload",
            Self::RolloutPromote => "Rollout promote",
            Self::RolloutAbort => "Rollout abort",
            Self::Diff => "Diff live vs desired",
            Self::ResumeAutoSync => "Resume auto-sync",
            Self::ToggleSort => "Problems first / by name",
            Self::Back => "Back / close",
            Self::Quit => "Quit",
            Self::Suspend => "Suspend to shell",
            Self::FocusApprovals => "Focus the approvals pane (a approve, x reject)",
            Self::RetryRun => "Retry the last failed run (a Conductor workflow)",
            Self::TerminateRun => "Terminate the run in progress (a Conductor workflow)",
        }
    }

    /// The name used in keymap files and on the `:` command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Left => "left",
            Self::Right => "right",
            Self::PageDown => "page_down",
            Self::PageUp => "page_up",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Detail => "detail",
            Self::Filter => "filter",
            Self::CommandLine => "command_line",
            Self::Help => "help",
            Self::Sync => "sync",
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Scale => "scale",
            Self::Refresh => "refresh",
            Self::Terminate => "terminate",
            Self::Restart => "restart",
            Self::RolloutPromote => "rollout_promote",
            Self::RolloutAbort => "rollout_abort",
            Self::Diff => "diff",
            Self::ResumeAutoSync => "resume_auto_sync",
            Self::ToggleSort => "toggle_sort",
            Self::Back => "back",
            Self::Quit => "quit",
            Self::Suspend => "suspend",
            Self::FocusApprovals => "focus_approvals",
            Self::RetryRun => "retry_run",
            Self::TerminateRun => "terminate_run",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the command changes something in Argo CD or Git: refused in read-only mode
    /// (and greyed in the hint bar).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::Sync
                | Self::Rollback
                | Self::Promote
                | Self::Scale
                | Self::Refresh
                | Self::Terminate
                | Self::Restart
                | Self::RolloutPromote
                | Self::RolloutAbort
                | Self::ResumeAutoSync
        )
    }

    /// Short label for the hint bar (falls back to the help text).
    pub fn hint(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Rollback => "rollback",
            Self::Promote => "promote",
            Self::Scale => "scale",
            Self::Refresh => "refresh",
            Self::Restart => "restart",
            Self::Diff => "diff",
            Self::Filter => "filter",
            Self::CommandLine => "command",
            Self::Help => "help",
            Self::Quit => "quit",
            Self::Detail => "detail",
            Self::Terminate => "terminate",
            Self::ToggleSort => "sort",
            Self::FocusApprovals => "approvals",
            _ => self.desc(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(c));
            assert!(!c.desc().is_empty());
        }
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }
}
