//! Following an app after an action, as a pure state machine fed with successive states of
//! the app (the action's own response, then the `watch?name=` stream). It must not be
//! fooled by the previous operation's completed state: an operation counts as ours once we
//! saw it Running/Terminating, or when its `startedAt` differs from the one before ours.

use crate::domain::{Health, OpPhase};

use super::wire::App;

/// What to wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Our operation completes, then the app settles (sync, rollback).
    OperationThenHealth,
    /// Our operation completes (dry-run sync, terminate).
    Operation,
    /// The app settles: Healthy, Degraded or Suspended (restart, promote, scale).
    Health,
}

/// Something the follower noticed, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Our operation is running.
    Running,
    /// Our operation completed with this phase and message.
    Completed { phase: OpPhase, message: String },
    /// The app settled with this health (the end when the goal includes health).
    Settled { health: Health, message: String },
}

/// The follower's memory between observations.
#[derive(Clone, Debug)]
pub struct Follower {
    goal: Goal,
    /// `operationState.startedAt` of the operation before ours, if it had completed.
    baseline: Option<String>,
    seen_running: bool,
    op_done: bool,
    finished: bool,
}

impl Follower {
    /// Start following; `before` is the app as the action's response showed it (or `None`).
    pub fn new(goal: Goal, before: Option<&App>) -> Self {
        let mut f = Self { goal, baseline: None, seen_running: false, op_done: goal == Goal::Health, finished: false };
        if let Some(app) = before {
            match app.status.operation_state.as_ref() {
                // Only one operation runs at a time (the server refuses a second one), so
                // a running operation after our request is ours.
                Some(st) if st.phase().is_some_and(|p| !p.is_completed()) => f.seen_running = true,
                Some(st) => f.baseline = st.started_at.clone(),
                None => {}
            }
        }
        f
    }

    /// Mark the operation as known to be ours and running (terminate: it was running).
    pub fn assume_running(mut self) -> Self {
        self.seen_running = true;
        self
    }

    /// Whether our operation has been seen running (or was known to be).
    pub fn seen_running(&self) -> bool {
        self.seen_running
    }

    /// Whether the goal is reached (or failed): nothing more to observe.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Feed one state of the app; returns what changed, in order.
    pub fn observe(&mut self, app: &App) -> Vec<Seen> {
        let mut out = Vec::new();
        if self.finished {
            return out;
        }
        if !self.op_done {
            let Some(st) = app.status.operation_state.as_ref() else { return out };
            let Some(phase) = st.phase() else { return out };
            if !phase.is_completed() {
                if !self.seen_running {
                    self.seen_running = true;
                    out.push(Seen::Running);
                }
                return out;
            }
            let newer = st.started_at.is_some() && st.started_at != self.baseline;
            // `operation` still set means the controller has not picked our request up yet.
            if app.operation.is_some() || !(self.seen_running || newer) {
                return out;
            }
            if !self.seen_running {
                // Ran and finished between two observations.
                self.seen_running = true;
                out.push(Seen::Running);
            }
            self.op_done = true;
            out.push(Seen::Completed { phase, message: st.message.clone() });
            if phase != OpPhase::Succeeded || self.goal == Goal::Operation {
                self.finished = true;
                return out;
            }
        }
        let health = app.health();
        if matches!(health, Health::Healthy | Health::Degraded | Health::Suspended) {
            self.finished = true;
            out.push(Seen::Settled { health, message: app.status.health.message.clone().unwrap_or_default() });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(phase: &str, started: &str, operation: bool, health: &str) -> App {
        let mut j = serde_json::json!({ "status": { "health": { "status": health } } });
        if !phase.is_empty() {
            j["status"]["operationState"] = serde_json::json!({ "phase": phase, "startedAt": started, "message": "m" });
        }
        if operation {
            j["operation"] = serde_json::json!({ "sync": {} });
        }
        serde_json::from_value(j).unwrap_or_default()
    }

    #[test]
    fn previous_success_does_not_fool_it() {
        let before = app("Succeeded", "2024-01-01T00:00:00Z", true, "Healthy");
        let mut f = Follower::new(Goal::OperationThenHealth, Some(&before));
        // The stream first shows the old state (operation pending, then even cleared).
        assert!(f.observe(&before).is_empty());
        assert!(f.observe(&app("Succeeded", "2024-01-01T00:00:00Z", false, "Healthy")).is_empty());
        assert_eq!(f.observe(&app("Running", "2024-01-01T00:05:00Z", false, "Healthy")), vec![Seen::Running]);
        let done = f.observe(&app("Succeeded", "2024-01-01T00:05:00Z", false, "Progressing"));
        assert_eq!(done, vec![Seen::Completed { phase: OpPhase::Succeeded, message: "m".into() }]);
        assert!(!f.finished());
        let settled = f.observe(&app("Succeeded", "2024-01-01T00:05:00Z", false, "Healthy"));
        assert!(matches!(settled.as_slice(), [Seen::Settled { health: Health::Healthy, .. }]));
        assert!(f.finished());
    }

    #[test]
    fn newer_start_counts_even_without_seeing_running() {
        let before = app("Failed", "2024-01-01T00:00:00Z", false, "Degraded");
        let mut f = Follower::new(Goal::OperationThenHealth, Some(&before));
        let seen = f.observe(&app("Failed", "2024-01-01T00:09:00Z", false, "Degraded"));
        assert_eq!(seen[0], Seen::Running);
        assert!(matches!(seen[1], Seen::Completed { phase: OpPhase::Failed, .. }));
        assert!(f.finished(), "a failed operation ends the follow");
    }

    #[test]
    fn running_in_response_is_ours_and_first_sync_has_no_baseline() {
        let mut f = Follower::new(Goal::Operation, Some(&app("Running", "t1", true, "Healthy")));
        let seen = f.observe(&app("Succeeded", "t1", false, "Healthy"));
        assert_eq!(seen, vec![Seen::Completed { phase: OpPhase::Succeeded, message: "m".into() }]);
        assert!(f.finished(), "dry run: no health stage");
        let mut f = Follower::new(Goal::OperationThenHealth, Some(&app("", "", true, "Missing")));
        assert!(f.observe(&app("", "", true, "Missing")).is_empty());
        let seen = f.observe(&app("Succeeded", "t2", false, "Degraded"));
        assert!(matches!(seen.last(), Some(Seen::Settled { health: Health::Degraded, .. })));
    }

    #[test]
    fn health_goal_waits_for_a_settled_health() {
        let mut f = Follower::new(Goal::Health, None);
        assert!(f.observe(&app("", "", false, "Progressing")).is_empty());
        assert!(matches!(
            f.observe(&app("", "", false, "Suspended"))[..],
            [Seen::Settled { health: Health::Suspended, .. }]
        ));
        assert!(f.observe(&app("", "", false, "Healthy")).is_empty(), "nothing after the end");
    }
}
