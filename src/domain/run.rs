//! Runs: one execution of an action, with its timed steps and outcome, as the run log shows.

use chrono::{DateTime, Utc};

use super::AppKey;

/// An action on one deployment, with its options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Sync {
        prune: bool,
        dry_run: bool,
        force: bool,
        apply_only: bool,
    },
    Rollback {
        history_id: i64,
        pause_auto_sync: bool,
    },
    Scale {
        kind: String,
        group: String,
        name: String,
        namespace: String,
        replicas: u32,
    },
    Restart {
        kind: String,
        group: String,
        name: String,
        namespace: String,
    },
    Refresh {
        hard: bool,
    },
    Terminate,
    RolloutPromote {
        name: String,
        namespace: String,
    },
    RolloutAbort {
        name: String,
        namespace: String,
    },
    /// Resume a paused Argo Rollout (the Rollout's `resume` action: clears its pause).
    RolloutResume {
        name: String,
        namespace: String,
    },
    /// Sync the app to one Git revision (`flightdeck deploy --revision`). Argo CD refuses it
    /// while auto-sync is on (the app follows its `targetRevision` then).
    SyncRevision {
        revision: String,
    },
    /// Turn auto-sync back on after a pinned rollback.
    ResumeAutoSync,
    /// Set the app's automated sync policy: auto-sync on or off and, while on, self-heal and
    /// prune (the whole policy as it should be afterwards).
    SetSyncPolicy(SyncPolicy),
    /// A change made the GitOps way: written into this app's overlay in Git (commit with
    /// trailers, push), then refresh/sync it and follow it. Its [`Intent`] says which: a
    /// promotion of what runs in the source environment, a deploy of an image tag, a rollback
    /// to an earlier version, or a scale. Boxed: it is by far the largest action and travels
    /// inside every `Effect::RunAction`.
    Promote(Box<Promotion>),
    /// Create a service from a template kept in Git: its base and overlays and one
    /// Application per environment, in one commit (`domain::new_service`). Boxed, as a
    /// promotion is.
    Create(Box<super::new_service::NewService>),
}

/// `spec.syncPolicy.automated` as Flightdeck reads and sets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncPolicy {
    pub auto_sync: bool,
    pub self_heal: bool,
    pub prune: bool,
}

impl SyncPolicy {
    /// The policy as Argo CD holds it: self-heal and prune mean nothing while auto-sync is off.
    pub fn effective(self) -> Self {
        if self.auto_sync {
            self
        } else {
            Self::default()
        }
    }
    /// "auto-sync on, self-heal on, prune off" / "auto-sync off".
    pub fn describe(&self) -> String {
        let on = |b: bool| if b { "on" } else { "off" };
        if self.auto_sync {
            format!("auto-sync on, self-heal {}, prune {}", on(self.self_heal), on(self.prune))
        } else {
            "auto-sync off".into()
        }
    }
}

/// Why an action runs, for its trail record: the request it carries out (if any), the
/// change ticket and the reason given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunContext {
    pub request: Option<String>,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    /// What let it through when that is worth recording (an emergency, a freeze override).
    pub note: Option<String>,
}

/// Why a GitOps change is made. It decides the commit's subject, the verb the run log and the
/// trail show, and the policy kind that governs it (a rollback is governed as a rollback and a
/// scale as a scale, whichever path carries them out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Intent {
    /// Write what runs in `from_env` (the default).
    #[default]
    Promote,
    /// Write an image tag chosen by the user (`flightdeck deploy --tag`).
    Deploy,
    /// Write the version an earlier history entry ran (auto-sync stays on, nothing pinned).
    Rollback { history_id: i64 },
    /// Write the workload's replicas, its containers' CPU/memory requests and limits, or its
    /// autoscaler's min/max into the overlay (kustomize or Helm values keys).
    Scale { workload: String, change: super::scale::ScaleChange },
    /// Request, extend or tear down a preview environment of the service, copied from
    /// `from_env` (its overlay directory beside the source one, with its `preview.toml`).
    Preview(super::preview::PreviewIntent),
}

/// What a GitOps change writes and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub service: String,
    pub from_env: String,
    pub to_env: String,
    /// What runs in `from_env` (`status.summary.images`), as `name:tag[@digest]`.
    pub images: Vec<String>,
    /// The diff the user was shown; the run refuses if the change is no longer exactly this.
    /// Empty means "not shown" (nothing to compare).
    pub diff: Vec<super::DiffLine>,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    /// Approval request id and approvers, written as commit trailers.
    pub request_id: Option<String>,
    pub approved_by: Vec<String>,
    /// Who asked for it, when that is not whoever runs it: the requester of an approved
    /// request (`Requested-by` trailer). `None` = the user running the promotion.
    pub requested_by: Option<String>,
    /// Promotion, deploy, rollback or scale. For all but a promotion `from_env == to_env`.
    pub intent: Intent,
    /// The other services of a release (promoted with this one, in one commit); empty for
    /// one service.
    pub also: Vec<super::release::ReleasePart>,
}

impl Promotion {
    /// Promote `images` of `service` from `from_env` to `to_env`; no diff, ticket, reason or
    /// request yet.
    pub fn new(service: &str, from_env: &str, to_env: &str, images: Vec<String>) -> Self {
        Self {
            service: service.to_string(),
            from_env: from_env.to_string(),
            to_env: to_env.to_string(),
            images,
            diff: Vec::new(),
            ticket: None,
            reason: None,
            request_id: None,
            approved_by: Vec::new(),
            requested_by: None,
            intent: Intent::Promote,
            also: Vec::new(),
        }
    }

    /// A change of `service` in `env` itself (deploy, rollback, scale): nothing moves between
    /// environments.
    pub fn in_place(service: &str, env: &str, images: Vec<String>, intent: Intent) -> Self {
        Self { intent, ..Self::new(service, env, env, images) }
    }

    /// The environment a promotion takes its version from; `None` for an in-place change.
    pub fn source_env(&self) -> Option<&str> {
        matches!(self.intent, Intent::Promote).then_some(self.from_env.as_str())
    }
}

impl Action {
    /// The verb shown in the run log and dialogs.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Sync { .. } => "sync",
            Self::Rollback { .. } => "rollback",
            Self::Scale { .. } => "scale",
            Self::Restart { .. } => "restart",
            Self::Refresh { .. } => "refresh",
            Self::Terminate => "terminate",
            Self::RolloutPromote { .. } => "promote-full",
            Self::RolloutAbort { .. } => "abort",
            Self::RolloutResume { .. } => "resume",
            Self::SyncRevision { .. } => "deploy",
            Self::ResumeAutoSync => "resume auto-sync",
            Self::SetSyncPolicy(_) => "set sync policy",
            Self::Create(_) => "create",
            Self::Promote(p) => match &p.intent {
                Intent::Promote => "promote",
                Intent::Deploy => "deploy",
                Intent::Rollback { .. } => "rollback",
                Intent::Scale { .. } => "scale",
                Intent::Preview(i) => i.op.verb(),
            },
        }
    }
    /// Options worth naming in the confirm dialog and the run log.
    pub fn options(&self) -> String {
        match self {
            Self::Sync { prune, dry_run, force, apply_only } => {
                let mut o = Vec::new();
                if *prune {
                    o.push("prune");
                }
                if *dry_run {
                    o.push("dry run");
                }
                if *force {
                    o.push("force");
                }
                if *apply_only {
                    o.push("apply only");
                }
                o.join(", ")
            }
            Self::Rollback { history_id, pause_auto_sync } => {
                format!("to history {history_id}{}", if *pause_auto_sync { ", pause auto-sync" } else { "" })
            }
            Self::Scale { kind, name, replicas, .. } => format!("{kind} {name} to {replicas}"),
            Self::Restart { kind, name, .. } => format!("{kind} {name}"),
            Self::Refresh { hard } => {
                if *hard {
                    "hard".into()
                } else {
                    String::new()
                }
            }
            Self::RolloutPromote { name, .. } | Self::RolloutAbort { name, .. } | Self::RolloutResume { name, .. } => {
                format!("Rollout {name}")
            }
            Self::SetSyncPolicy(p) => p.describe(),
            Self::SyncRevision { revision } => format!("revision {}", revision.get(..12).unwrap_or(revision)),
            Self::Terminate | Self::ResumeAutoSync => String::new(),
            Self::Create(n) => {
                format!("from template {} in {} via {}", n.template, n.envs.join(", "), n.via.name())
            }
            Self::Promote(p) => {
                let (from_env, images) = (&p.from_env, &p.images);
                let versions: Vec<&str> = images.iter().map(|i| i.rsplit(['/', ':']).next().unwrap_or(i)).collect();
                let versions = versions.join(", ");
                match &p.intent {
                    Intent::Promote if p.is_release() => format!("release from {from_env}: {}", p.release_versions()),
                    Intent::Promote => format!("from {from_env}: {versions}"),
                    Intent::Deploy => format!("{versions} via Git"),
                    Intent::Rollback { history_id } => format!("to history {history_id} ({versions}) via Git"),
                    Intent::Scale { workload, change } => format!("{} via Git", change.describe(workload)),
                    Intent::Preview(i) => format!("{} from {from_env} via Git", i.describe()),
                }
            }
        }
    }
    /// Whether the action starts an operation worth following to its end and to health.
    pub fn starts_operation(&self) -> bool {
        matches!(self, Self::Sync { .. } | Self::Rollback { .. } | Self::SyncRevision { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    Running,
    Done,
    Failed,
}

/// One timed step of a run ("sync sent", "operation running", "healthy").
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub label: String,
    pub status: StepStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunOutcome {
    Running,
    Succeeded,
    /// What failed and what to do.
    Failed {
        message: String,
        hint: Option<String>,
    },
}

/// One execution of an action.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: u64,
    pub user: String,
    pub action: Action,
    pub target: AppKey,
    /// `service/env` as the user knows it.
    pub label: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub steps: Vec<Step>,
    pub outcome: RunOutcome,
    /// The approval request this entry follows (filed here, or run here once approved).
    pub request: Option<String>,
}

impl Run {
    /// Record a step update: a new label starts a step; the same label updates it. A step
    /// that ends under a new label while the last step is still running ends that step and
    /// renames it to what happened ("push commit" → "commit a1b2c3d pushed").
    pub fn step(&mut self, label: &str, status: StepStatus, at: DateTime<Utc>) {
        let done = (status != StepStatus::Running).then_some(at);
        let known = self.steps.iter().any(|s| s.label == label);
        if let (false, Some(_), Some(last)) = (known, done, self.steps.last_mut()) {
            if last.status == StepStatus::Running {
                last.label = label.to_string();
                last.status = status;
                last.finished_at = done;
                return;
            }
        }
        if let Some(s) = self.steps.iter_mut().rev().find(|s| s.label == label) {
            s.status = status;
            s.finished_at = done;
        } else {
            self.steps.push(Step { label: label.to_string(), status, started_at: at, finished_at: done });
        }
    }
    pub fn finish(&mut self, outcome: RunOutcome, at: DateTime<Utc>) {
        self.outcome = outcome;
        self.finished_at = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Run {
        Run {
            id: 1,
            user: "dave".into(),
            action: Action::Terminate,
            target: AppKey::default(),
            label: "alpha/dev".into(),
            started_at: Utc::now(),
            finished_at: None,
            steps: Vec::new(),
            outcome: RunOutcome::Running,
            request: None,
        }
    }

    #[test]
    fn a_running_step_ends_under_what_happened() {
        let (mut r, at) = (run(), Utc::now());
        r.step("overlay located", StepStatus::Running, at);
        r.step("overlay located", StepStatus::Done, at);
        r.step("push commit", StepStatus::Running, at);
        r.step("commit a1b2c3d pushed", StepStatus::Done, at);
        let labels: Vec<(&str, StepStatus)> = r.steps.iter().map(|s| (s.label.as_str(), s.status)).collect();
        assert_eq!(labels, [("overlay located", StepStatus::Done), ("commit a1b2c3d pushed", StepStatus::Done)]);
        // A finished step is never renamed: a new label after it is a step of its own.
        r.step("suspended", StepStatus::Done, at);
        assert_eq!(r.steps.len(), 3);
        // A failure under the running label marks that step.
        r.step("healthy", StepStatus::Running, at);
        r.step("healthy", StepStatus::Failed, at);
        assert_eq!(r.steps.last().map(|s| (s.label.as_str(), s.status)), Some(("healthy", StepStatus::Failed)));
    }
}
