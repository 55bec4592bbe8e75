//! What the pure update asks the outside world to do. The client executor runs each
//! effect (with a timeout, newest-wins per resource) and answers with `Msg`s.

use crate::domain::{Action, AppKey};

#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// List and then watch every app of an instance, forever, reconnecting by itself.
    WatchInstance { instance: usize },
    /// Ask an instance who we are.
    LoadUser { instance: usize },
    /// Fetch the full app and its events for the detail pane (newest wins).
    LoadDetail { key: AppKey, generation: u64 },
    /// Fetch managed-resources and diff live vs desired (newest wins).
    LoadDiff { key: AppKey, generation: u64 },
    /// Run an action and follow it, reporting steps as `Msg::RunStep`.
    RunAction { run_id: u64, key: AppKey, action: Action, user: String },
    /// Leave the console.
    Quit,
    /// Give the terminal back to the shell until resumed (ctrl-z).
    Suspend,
}

impl Effect {
    /// Key under which repeats coalesce (newest wins); `None` = never coalesced.
    pub fn coalesce_key(&self) -> Option<String> {
        match self {
            // The detail pane shows one app: a newer selection makes older loads moot.
            Self::LoadDetail { .. } => Some("detail".into()),
            Self::LoadDiff { .. } => Some("diff".into()),
            _ => None,
        }
    }
}
