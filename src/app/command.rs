//! Everything a key can be bound to. The doc line of each variant is its help text, and
//! `desc()` returns exactly that (one table below makes both), so help and the hint bar never
//! drift from the code.

use serde::Deserialize;

macro_rules! commands {
    ($($variant:ident => $name:literal, $desc:literal, $hint:literal;)*) => {
        /// A bindable user command (never an internal result: those are `Msg`s).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Command {
            $(#[doc = $desc] $variant,)*
        }

        impl Command {
            /// Every command, in help order.
            pub const ALL: &'static [Command] = &[$(Self::$variant),*];

            /// Help text (the variant's doc line).
            pub fn desc(self) -> &'static str {
                match self { $(Self::$variant => $desc),* }
            }

            /// The name used in keymap files and on the `:` command line.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }

            /// Short label for the hint bar (the help text when it has none).
            pub fn hint(self) -> &'static str {
                match self { $(Self::$variant => if $hint.is_empty() { $desc } else { $hint }),* }
            }
        }
    };
}

commands! {
    Down => "down", "Move down", "";
    Up => "up", "Move up", "";
    Left => "left", "Previous environment", "";
    Right => "right", "Next environment", "";
    PageDown => "page_down", "Page down", "";
    PageUp => "page_up", "Page up", "";
    Top => "top", "First service", "";
    Bottom => "bottom", "Last service", "";
    Detail => "detail", "Open detail of the selection", "detail";
    Filter => "filter", "Filter services (words, health:, sync:, env:)", "filter";
    CommandLine => "command_line", "Command line", "command";
    Help => "help", "Help", "help";
    Sync => "sync", "Sync (the marked rows, or the selection)", "sync";
    Rollback => "rollback", "Roll back", "rollback";
    Promote => "promote", "Promote to the next environment (GitOps)", "promote";
    Scale => "scale", "Scale replicas", "scale";
    Refresh => "refresh", "Refresh (the marked rows, or the selection)", "refresh";
    Terminate => "terminate", "Terminate operation", "terminate";
    Restart => "restart", "Restart workload", "restart";
    RolloutPromote => "rollout_promote", "Rollout promote", "";
    RolloutAbort => "rollout_abort", "Rollout abort", "";
    Diff => "diff", "Diff live vs desired", "diff";
    ResumeAutoSync => "resume_auto_sync", "Resume auto-sync", "";
    ToggleSort => "toggle_sort", "Sort by the next column (service, problems, team, version)", "sort";
    Back => "back", "Back / close", "back";
    Quit => "quit", "Quit", "quit";
    Suspend => "suspend", "Suspend to shell", "";
    FocusApprovals => "focus_approvals", "The approvals view (the full request, approve or reject)", "approvals";
    Approve => "approve", "Approve: read the request, then approve it with a comment", "approve";
    Reject => "reject", "Reject the selected request, with a comment", "reject";
    Withdraw => "withdraw", "Withdraw your own request", "withdraw";
    Attention => "attention", "What needs attention now, across instances", "attention";
    RunLog => "run_log", "The run log, full screen, with each step's time", "run log";
    PodLogs => "pod_logs", "Pod logs of the selection", "logs";
    Manifest => "manifest", "Live and desired manifest of the workload", "manifest";
    History => "history", "Deployment history of the selection", "history";
    SyncPolicy => "sync_policy", "Sync policy: auto-sync, self-heal, prune", "policy";
    Mark => "mark", "Mark the row for a bulk action", "mark";
    LogFollow => "log_follow", "Follow new lines / pause", "follow";
    LogContainer => "log_container", "Next container", "container";
    LogPrevious => "log_previous", "The previous container instance", "previous";
    LogWrap => "log_wrap", "Wrap long lines", "wrap";
    RetryRun => "retry_run", "Retry the last failed run (a Conductor workflow)", "";
    TerminateRun => "terminate_run", "Terminate the run in progress (a Conductor workflow)", "";
    Delivery => "delivery", "Delivery history and figures of the selected service", "delivery";
    DeliveryWindow => "delivery_window", "Next window of the delivery figures (7d, 30d, 90d)", "window";
    DeliveryEnv => "delivery_env", "Next environment of the delivery figures", "environment";
}

impl Command {
    /// Whether the command changes something in Argo CD, Git or the engine: refused in
    /// read-only mode (and greyed in the hint bar).
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
                | Self::SyncPolicy
                | Self::RetryRun
                | Self::TerminateRun
        )
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for c in Command::ALL {
            assert_eq!(Command::from_name(c.name()), Some(*c));
            assert!(!c.desc().is_empty());
        }
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }
}
