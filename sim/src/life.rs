//! The living estate: operations (sync, rollback, terminate), health transitions, auto-sync,
//! chaos, and resource actions — all driven by sim-time timers processed in `advance_to`.

use std::borrow::Cow;

use crate::estate::{degraded_message, DEGRADED_MESSAGES};
use crate::model::{Health, Hist, Initiator, OpState, Phase, RolloutPhase, SyncParams, Ver};
use crate::render::sha;
use crate::rng::mix;
use crate::state::{Instance, TimerKind};

/// Argo CD's default `spec.revisionHistoryLimit`.
const HISTORY_LIMIT: usize = 10;

impl Instance {
    /// Run every timer due up to `target_ms`, in order, then set the clock to `target_ms`.
    pub fn advance_to(&mut self, target_ms: i64) {
        while let Some(top) = self.timers.peek() {
            if top.0.due_ms > target_ms {
                break;
            }
            let t = top.0;
            self.timers.pop();
            self.now_ms = self.now_ms.max(t.due_ms);
            self.fire(t.app, t.kind);
        }
        self.now_ms = self.now_ms.max(target_ms);
    }

    fn fire(&mut self, idx: usize, kind: TimerKind) {
        // A deleted app keeps its slot (a tombstone), so its timers land here and stop.
        if self.apps.get(idx).is_some_and(|a| a.origin.deleted) {
            return;
        }
        match kind {
            TimerKind::Chaos => self.chaos_step(),
            TimerKind::FinishOp(id) => self.finish_op(idx, id),
            TimerKind::Healthy(token) | TimerKind::Recover(token) => {
                if self.apps.get(idx).is_some_and(|a| a.health_token == token) {
                    let b = self.before(idx);
                    let app = &mut self.apps[idx];
                    if matches!(app.rollout, RolloutPhase::Progressing) {
                        app.rollout = RolloutPhase::Healthy;
                    }
                    self.set_health_raw(idx, Health::Healthy, None);
                    self.changed(idx, b);
                }
            }
            TimerKind::AutoSync => {
                let Some(app) = self.apps.get_mut(idx) else { return };
                app.autosync_due = false;
                if app.auto_sync && app.out_of_sync() && !app.op_in_flight() {
                    let params = SyncParams {
                        rev: app.head_rev,
                        ver: app.head_ver,
                        initiator: Initiator::Automated,
                        dry_run: false,
                        prune: true,
                        apply_strategy: false,
                        force: false,
                        sync_options: vec!["CreateNamespace=true".into()],
                        resources: None,
                        rollback_id: None,
                    };
                    self.start_sync(idx, params);
                }
            }
        }
    }

    /// Set health and bump the token that invalidates older health timers.
    pub fn set_health_raw(&mut self, idx: usize, h: Health, msg: Option<String>) {
        let now = self.now_ms;
        let app = &mut self.apps[idx];
        app.health_token = app.health_token.wrapping_add(1);
        if app.health != h {
            app.health_since_ms = now;
        }
        app.health = h;
        app.health_msg = msg;
    }

    /// Start a sync operation (validation is the caller's job).
    pub fn start_sync(&mut self, idx: usize, p: SyncParams) {
        let b = self.before(idx);
        self.op_seq += 1;
        let id = self.op_seq;
        let now = self.now_ms;
        let user = match &p.initiator {
            Initiator::User(u) => Some(u.to_string()),
            Initiator::Automated => None,
        };
        let msg = match (&user, p.rollback_id) {
            (Some(u), Some(h)) => format!("{u} initiated rollback to {h}"),
            (Some(u), None) => format!("{u} initiated sync to {}", sha(&self.commits, p.rev)),
            (None, _) => format!("Initiated automated sync to '{}'", sha(&self.commits, p.rev)),
        };
        self.apps[idx].op = Some(OpState {
            id,
            params: p,
            phase: Phase::Running,
            message: "one or more tasks are running".into(),
            started_ms: now,
            finished_ms: None,
        });
        self.event(idx, "OperationStarted", msg, false);
        let after = self.rng.range(2000, 4000) as i64;
        self.schedule(after, idx, TimerKind::FinishOp(id));
        self.changed(idx, b);
    }

    fn finish_op(&mut self, idx: usize, id: u64) {
        let Some(op) = self.apps.get(idx).and_then(|a| a.op.clone()) else { return };
        if op.id != id || !op.phase.in_flight() {
            return;
        }
        let b = self.before(idx);
        let now = self.now_ms;
        let sha = sha(&self.commits, op.params.rev);
        if op.phase == Phase::Terminating {
            self.close_op(idx, Phase::Failed, "Operation terminated".into());
            self.event(
                idx,
                "OperationCompleted",
                format!("Sync operation to {sha} failed: Operation terminated"),
                true,
            );
            self.changed(idx, b);
            return;
        }
        if let Some(message) = self.apps[idx].fail_next_sync.take() {
            self.close_op(idx, Phase::Failed, message.clone());
            self.set_health_raw(idx, Health::Degraded, Some(message.clone()));
            self.event(idx, "OperationCompleted", format!("Sync operation to {sha} failed: {message}"), true);
            self.changed(idx, b);
            return;
        }
        self.close_op(idx, Phase::Succeeded, "successfully synced (all tasks run)".into());
        if !op.params.dry_run {
            let svc_rollout = self.svc(idx).rollout;
            let app = &mut self.apps[idx];
            app.live_ver = op.params.ver;
            app.live_replicas = app.replicas;
            app.live_resources = app.resources.clone();
            app.paused = false;
            if svc_rollout {
                app.rollout = RolloutPhase::Progressing;
            }
            // Partial syncs (a resources list) are not recorded in history, as upstream.
            if op.params.resources.is_none() {
                let next_id = app.history.last().map_or(0, |h| h.id + 1);
                app.history.push(Hist {
                    id: next_id,
                    rev: op.params.rev,
                    ver: op.params.ver,
                    started_ms: op.started_ms,
                    deployed_ms: now,
                    initiator: op.params.initiator.clone(),
                });
                if app.history.len() > HISTORY_LIMIT {
                    let extra = app.history.len() - HISTORY_LIMIT;
                    app.history.drain(..extra);
                }
            }
            let n = app.replicas;
            self.set_health_raw(
                idx,
                Health::Progressing,
                Some(format!("Waiting for rollout to finish: 0 of {n} updated replicas are available...")),
            );
            let token = self.apps[idx].health_token;
            let after = self.rng.range(1000, 2000) as i64;
            self.schedule(after, idx, TimerKind::Healthy(token));
        }
        self.event(idx, "OperationCompleted", format!("Sync operation to {sha} succeeded"), false);
        self.changed(idx, b);
    }

    fn close_op(&mut self, idx: usize, phase: Phase, message: String) {
        let now = self.now_ms;
        if let Some(op) = self.apps[idx].op.as_mut() {
            op.phase = phase;
            op.message = message;
            op.finished_ms = Some(now);
        }
    }

    /// Terminate the running operation (caller checked one is in flight).
    pub fn terminate(&mut self, idx: usize, user: &str) {
        let b = self.before(idx);
        let Some(op) = self.apps[idx].op.as_mut() else { return };
        op.phase = Phase::Terminating;
        let id = op.id;
        self.event(idx, "OperationTerminated", format!("{user} terminated running operation"), false);
        self.schedule(500, idx, TimerKind::FinishOp(id));
        self.changed(idx, b);
    }

    /// Set health from outside (fault injection); a Degraded app does not recover by itself.
    pub fn set_health(&mut self, idx: usize, h: Health, msg: &str) {
        let b = self.before(idx);
        let msg = (!msg.is_empty()).then(|| msg.to_string());
        self.set_health_raw(idx, h, msg);
        self.changed(idx, b);
    }

    /// Drift: someone changed replicas by hand.
    pub fn drift(&mut self, idx: usize) {
        let b = self.before(idx);
        let app = &mut self.apps[idx];
        app.live_replicas = app.replicas + 1;
        self.changed(idx, b);
    }

    pub fn set_auto_sync(&mut self, idx: usize, on: bool) {
        let b = self.before(idx);
        let app = &mut self.apps[idx];
        app.auto_sync = on;
        app.generation += 1;
        self.changed(idx, b);
    }

    fn chaos_step(&mut self) {
        let next = self.rng.range(15_000, 30_000) as i64;
        self.schedule(next, usize::MAX, TimerKind::Chaos);
        if self.apps.is_empty() {
            return;
        }
        let idx = self.rng.range(0, self.apps.len() as u64 - 1) as usize;
        if self.apps[idx].op_in_flight() || self.apps[idx].origin.deleted {
            return;
        }
        if self.rng.chance(50) {
            let b = self.before(idx);
            let tmpl = DEGRADED_MESSAGES[self.rng.range(0, DEGRADED_MESSAGES.len() as u64 - 1) as usize];
            let key = mix(self.apps[idx].uid_seed ^ self.now_ms as u64);
            let msg = degraded_message(tmpl, &self.svc(idx).name.clone(), key);
            self.set_health_raw(idx, Health::Degraded, Some(msg));
            let token = self.apps[idx].health_token;
            let after = self.rng.range(20_000, 60_000) as i64;
            self.schedule(after, idx, TimerKind::Recover(token));
            self.changed(idx, b);
        } else if self.apps[idx].auto_sync && self.rng.chance(50) {
            // A new commit landed for this environment: git moves ahead of the cluster.
            let b = self.before(idx);
            let seed = mix(self.apps[idx].uid_seed ^ self.now_ms as u64);
            let app = &mut self.apps[idx];
            app.head_ver = app.head_ver.bump(false);
            app.head_rev = seed;
            self.changed(idx, b);
        } else {
            self.drift(idx);
        }
    }

    /// Run a resource action on the app's workload; `Err` carries the Lua-style error text.
    pub fn run_action(
        &mut self,
        idx: usize,
        kind: &str,
        action: &str,
        replicas: Option<&str>,
        user: &str,
    ) -> Result<(), String> {
        let b = self.before(idx);
        let now = self.now_ms;
        let progress = |inst: &mut Instance, idx: usize| {
            inst.set_health_raw(
                idx,
                Health::Progressing,
                Some("Waiting for rollout to finish: 1 old replicas are pending termination...".into()),
            );
            let token = inst.apps[idx].health_token;
            let after = inst.rng.range(1000, 2000) as i64;
            inst.schedule(after, idx, TimerKind::Healthy(token));
        };
        match (kind, action) {
            (_, "restart") => {
                self.apps[idx].restarted_ms = Some(now);
                if kind == "Rollout" {
                    self.apps[idx].rollout = RolloutPhase::Progressing;
                }
                progress(self, idx);
            }
            ("Deployment", "pause") => {
                self.apps[idx].paused = true;
                self.set_health_raw(idx, Health::Suspended, Some("Deployment is paused".into()));
            }
            ("Deployment", "resume") => {
                self.apps[idx].paused = false;
                progress(self, idx);
            }
            ("Deployment", "scale") => {
                let raw = replicas.unwrap_or_default();
                let n: u16 = raw.trim().parse().map_err(|_| format!("invalid number: {raw}"))?;
                self.apps[idx].live_replicas = n;
                progress(self, idx);
            }
            ("Rollout", "pause") => {
                self.apps[idx].rollout = RolloutPhase::Paused;
                self.set_health_raw(idx, Health::Suspended, Some("Rollout is paused".into()));
            }
            ("Rollout", "abort") => {
                self.apps[idx].rollout = RolloutPhase::Aborted;
                self.set_health_raw(idx, Health::Degraded, Some("Rollout is aborted".into()));
            }
            ("Rollout", "resume" | "retry" | "promote-full" | "skip-current-step") => {
                self.apps[idx].rollout = RolloutPhase::Progressing;
                progress(self, idx);
            }
            _ => return Err(format!("action '{action}' not found for {kind}")),
        }
        let svc = self.svc(idx);
        let (group, _, k) = crate::render::workload_kind(svc);
        let msg = format!("{user} ran action {action} on resource {group}/{k}/{}", svc.name);
        self.event(idx, "ResourceActionRan", msg, false);
        self.changed(idx, b);
        Ok(())
    }

    /// Apply an edited live workload object back to the model (replicas, paused, image).
    pub fn apply_live_edit(&mut self, idx: usize, obj: &serde_json::Value) {
        let b = self.before(idx);
        let app = &mut self.apps[idx];
        if let Some(n) = obj["spec"]["replicas"].as_u64() {
            app.live_replicas = n.min(u64::from(u16::MAX)) as u16;
        }
        app.paused = obj["spec"]["paused"].as_bool().unwrap_or(false) && !self.services[app.svc as usize].rollout;
        let img = obj["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or("");
        if let Some(tag) = img.rsplit(':').next().and_then(|t| t.strip_prefix('v')) {
            let parts: Vec<u16> = tag.split('.').filter_map(|p| p.parse().ok()).collect();
            if let [a, b2, c] = parts[..] {
                app.live_ver = Ver(a, b2, c);
            }
        }
        self.changed(idx, b);
    }

    /// Resolve a sync `revision` to (rev id, version): empty/HEAD/main → git head; a known SHA →
    /// that history entry. The reference is silent on unknown refs; the sim treats them as head.
    pub fn resolve_revision(&self, idx: usize, revision: &str) -> (u64, Ver) {
        let app = &self.apps[idx];
        if !revision.is_empty() {
            if let Some(h) = app
                .history
                .iter()
                .rev()
                .find(|h| sha(&self.commits, h.rev).starts_with(revision) && revision.len() >= 7)
            {
                return (h.rev, h.ver);
            }
        }
        (app.head_rev, app.head_ver)
    }
}

/// Initiator from a user name.
pub fn user(name: &str) -> Initiator {
    Initiator::User(Cow::Owned(name.to_string()))
}
