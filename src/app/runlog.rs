//! The run log and the flash line, written by every other part of the update: start a run
//! (log it and ask the client to run it), log a run the client does not run (a request
//! filed, a refusal), add steps, say something in the flash line. A leaf of `app/`: it calls
//! nothing else in it, so key handling never climbs back up to `update`.

use super::Effect;
use crate::domain::model::Flash;
use crate::domain::{Action, AppKey, Model, Run, RunContext, RunOutcome, StepStatus, UserInfo};
use crate::engine::trail::Target;

/// Runs kept in the log (older ones scroll away).
const RUNS_KEPT: usize = 200;

/// Who acts in this console, as far as it knows yet.
pub fn current_user(model: &Model) -> UserInfo {
    model.instances.iter().find_map(|i| i.user.value().cloned()).unwrap_or_default()
}

/// Add an entry to the run log (running, no steps yet); returns its id.
pub fn log_run(model: &mut Model, key: AppKey, label: String, action: Action) -> u64 {
    model.next_run_id += 1;
    let id = model.next_run_id;
    let user = model.username().unwrap_or("unknown").to_string();
    model.runs.push(Run {
        id,
        user,
        action,
        target: key,
        label,
        started_at: model.now,
        finished_at: None,
        steps: Vec::new(),
        outcome: RunOutcome::Running,
        request: None,
    });
    if model.runs.len() > RUNS_KEPT {
        model.runs.remove(0);
    }
    id
}

/// What the trail names for an action on `key`: its service, environment, app, instance.
pub fn trail_target(model: &Model, key: &AppKey) -> Target {
    let dep = model.deployments.get(key);
    Target {
        service: dep.map(|d| d.service.clone()).unwrap_or_default(),
        env: dep.map(|d| d.env.clone()).unwrap_or_default(),
        app: key.name.clone(),
        instance: model.instances.get(key.instance).map(|i| i.name.clone()).unwrap_or_default(),
    }
}

/// Start a run of `action`: log it and ask the client to run it (and record it).
pub fn start_run(
    model: &mut Model,
    key: AppKey,
    label: String,
    action: Action,
    context: RunContext,
    fx: &mut Vec<Effect>,
) {
    let run_id = log_run(model, key.clone(), label, action.clone());
    if let Some(run) = model.runs.last_mut() {
        run.request = context.request.clone();
    }
    let target = trail_target(model, &key);
    model.in_flight.insert(run_id);
    fx.push(Effect::RunAction { run_id, key, action, user: current_user(model), context, target });
}

/// Add steps to the newest run (the one just started).
pub fn log_steps(model: &mut Model, labels: &[String], status: StepStatus) {
    let at = model.now;
    if let Some(run) = model.runs.last_mut() {
        for l in labels {
            run.step(l, status, at);
        }
    }
}

/// A refusal gets a run-log entry of its own (and the caller records it in the trail): what
/// was asked, and why not.
pub fn log_refusal(model: &mut Model, key: AppKey, label: String, action: Action, reason: &str) {
    log_run(model, key, label, action);
    let at = model.now;
    if let Some(run) = model.runs.last_mut() {
        run.finish(RunOutcome::Failed { message: format!("refused: {reason}"), hint: None }, at);
    }
}

/// Retry the newest failed run: a new run-log entry follows the retried workflow.
pub fn retry_failed(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(old) = model.runs.iter().rev().find(|r| matches!(r.outcome, RunOutcome::Failed { .. })).cloned() else {
        return flash_error(model, "no failed run to retry");
    };
    let run_id = log_run(model, old.target.clone(), old.label.clone(), old.action.clone());
    if let Some(run) = model.runs.last_mut() {
        run.request = old.request.clone();
    }
    fx.push(Effect::RetryRun { run_id, of: old.id });
    flash_info(model, format!("retrying {} {}", old.action.verb(), old.label));
}

/// Terminate the newest run still in progress.
pub fn terminate_running(model: &mut Model, fx: &mut Vec<Effect>) {
    let Some(run) = model.runs.iter().rev().find(|r| r.outcome == RunOutcome::Running) else {
        return flash_error(model, "no run in progress to terminate");
    };
    let (of, what) = (run.id, format!("{} {}", run.action.verb(), run.label));
    fx.push(Effect::TerminateRun { of, user: current_user(model) });
    flash_info(model, format!("terminating {what}"));
}

pub fn flash_error(model: &mut Model, text: impl Into<String>) {
    model.flash = Some(Flash { text: text.into(), error: true });
}

pub fn flash_info(model: &mut Model, text: impl Into<String>) {
    model.flash = Some(Flash { text: text.into(), error: false });
}

/// Apps of `instance` that could not be read (skipped, the others shown): kept on the
/// instance and named in the flash line when something new is unreadable. Returns whether
/// anything visible changed.
pub fn note_unreadable(model: &mut Model, instance: usize, items: Vec<String>) -> bool {
    let Some(inst) = model.instances.get_mut(instance) else { return false };
    let new = items.iter().any(|i| !inst.unreadable.contains(i));
    inst.unreadable = items;
    if !new {
        return false;
    }
    let n = inst.unreadable.len();
    let text = format!(
        "{}: {n} app{} could not be read and {} not shown: {}",
        inst.name,
        if n == 1 { "" } else { "s" },
        if n == 1 { "is" } else { "are" },
        inst.unreadable.join("; ")
    );
    flash_error(model, text);
    true
}
