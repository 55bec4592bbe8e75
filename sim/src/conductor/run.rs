//! The decider of the simulated Conductor: from a workflow definition and the tasks so far,
//! schedule what comes next, run the system tasks in place (SWITCH, INLINE, TERMINATE,
//! DO_WHILE; HUMAN and WAIT wait), retry failed tasks per their task definition, and end
//! the workflow. Like Conductor's, it is stateless over the task list: the latest task of
//! each reference name (retries append a new one) is what counts.

use serde_json::{json, Map, Value};

use super::expr;
use super::model::{Task, TaskStatus, WfStatus, Workflow};
use super::params::Scope;
use super::State;

/// How far a sequence of task configurations got.
enum Flow {
    /// Every task in it finished successfully.
    Done,
    /// Something is scheduled or running.
    Wait,
    /// Something was scheduled or changed: decide again from the top.
    Progress,
    /// A task failed for good: the reason.
    Fail(String),
}

/// The task types this simulator executes.
pub const SUPPORTED: [&str; 7] = ["SIMPLE", "HUMAN", "SWITCH", "INLINE", "TERMINATE", "WAIT", "DO_WHILE"];

/// Every task configuration of `tasks`, nested ones included.
pub fn all_configs(tasks: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for t in tasks.as_array().into_iter().flatten() {
        out.push(t.clone());
        if let Some(cases) = t["decisionCases"].as_object() {
            for branch in cases.values() {
                out.extend(all_configs(branch));
            }
        }
        out.extend(all_configs(&t["defaultCase"]));
        out.extend(all_configs(&t["loopOver"]));
    }
    out
}

fn type_of(cfg: &Value) -> &str {
    cfg["type"].as_str().unwrap_or("SIMPLE")
}

impl State {
    /// Move workflow `id` as far as it can go now.
    pub fn decide(&mut self, id: &str, now: i64) {
        for _ in 0..10_000 {
            let Some(wf) = self.workflows.get(id) else { return };
            if wf.status != WfStatus::Running {
                return;
            }
            let cfgs = wf.def["tasks"].clone();
            match self.step(id, &cfgs, "", 0, now) {
                Flow::Progress => continue,
                Flow::Wait => return,
                Flow::Done => {
                    let Some(wf) = self.workflows.get_mut(id) else { return };
                    let out = match wf.def.get("outputParameters").filter(|o| o.is_object()) {
                        Some(p) => scope_of(wf).resolve(p),
                        // Without outputParameters, the last task's output is the workflow's.
                        None => wf.tasks.last().map(|t| t.output.clone()).unwrap_or(json!({})),
                    };
                    wf.output = out;
                    end(wf, WfStatus::Completed, None, now);
                    return;
                }
                Flow::Fail(reason) => {
                    if let Some(wf) = self.workflows.get_mut(id) {
                        end(wf, WfStatus::Failed, Some(reason), now);
                    }
                    return;
                }
            }
        }
    }

    fn step(&mut self, id: &str, cfgs: &Value, suffix: &str, iteration: u32, now: i64) -> Flow {
        for cfg in cfgs.as_array().into_iter().flatten() {
            let ref_name = format!("{}{suffix}", cfg["taskReferenceName"].as_str().unwrap_or(""));
            let Some(wf) = self.workflows.get(id) else { return Flow::Wait };
            let Some(i) = wf.tasks.iter().rposition(|t| t.ref_name == ref_name) else {
                self.schedule(id, cfg, &ref_name, iteration, now);
                return Flow::Progress;
            };
            let task = &wf.tasks[i];
            match task.status {
                TaskStatus::InProgress if type_of(cfg) == "DO_WHILE" => match self.run_loop(id, i, cfg, now) {
                    Flow::Done => continue,
                    other => return other,
                },
                TaskStatus::Scheduled | TaskStatus::InProgress => return Flow::Wait,
                s if s.successful() => {
                    if type_of(cfg) == "SWITCH" {
                        let case = task.output["evaluationResult"][0].as_str().unwrap_or("").to_string();
                        let branch =
                            cfg["decisionCases"].get(&case).cloned().unwrap_or_else(|| cfg["defaultCase"].clone());
                        match self.step(id, &branch, suffix, iteration, now) {
                            Flow::Done => continue,
                            other => return other,
                        }
                    }
                }
                _ => {
                    let why = task.reason.clone().unwrap_or_else(|| format!("task {ref_name} {}", task.status.name()));
                    return Flow::Fail(why);
                }
            }
        }
        Flow::Done
    }

    /// One pass of a running DO_WHILE (task `i`): its current iteration, then its condition.
    fn run_loop(&mut self, id: &str, i: usize, cfg: &Value, now: i64) -> Flow {
        let iteration = self.workflows.get(id).map_or(1, |w| w.tasks[i].iteration.max(1));
        let body = cfg["loopOver"].clone();
        match self.step(id, &body, &format!("__{iteration}"), iteration, now) {
            Flow::Done => {}
            Flow::Fail(why) => {
                if let Some(wf) = self.workflows.get_mut(id) {
                    finish(&mut wf.tasks[i], TaskStatus::Failed, Some(why), now);
                }
                return Flow::Progress;
            }
            other => return other,
        }
        let Some(wf) = self.workflows.get_mut(id) else { return Flow::Wait };
        let loop_ref = wf.tasks[i].ref_name.clone();
        let plain = |r: &str| r.split_once("__").map_or(r, |(p, _)| p).to_string();
        let body_refs: Vec<String> =
            all_configs(&body).iter().filter_map(|c| c["taskReferenceName"].as_str().map(str::to_string)).collect();
        let mut this_round = Map::new();
        let mut latest = Map::new();
        for t in wf.tasks.iter().filter(|t| t.ref_name != loop_ref && body_refs.contains(&plain(&t.ref_name))) {
            latest.insert(plain(&t.ref_name), t.output.clone());
            if t.iteration == iteration {
                this_round.insert(plain(&t.ref_name), t.output.clone());
            }
        }
        let scope = scope_of(wf);
        let task = &mut wf.tasks[i];
        task.output[iteration.to_string()] = Value::Object(this_round);
        task.output["iteration"] = json!(iteration);
        // The condition sees the loop's input, the loop's own output, and each body task's
        // latest output by its plain name (DoWhile.evaluateCondition).
        let mut input = match scope.resolve(&cfg["inputParameters"]) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        input.insert(loop_ref.clone(), task.output.clone());
        input.extend(latest);
        let cond = cfg["loopCondition"].as_str().unwrap_or("false");
        match expr::eval(cond, &Value::Object(input)) {
            Ok(v) if expr::truthy(&v) => {
                task.iteration = iteration + 1;
                task.output["iteration"] = json!(iteration + 1);
                task.update_ms = now;
            }
            Ok(_) => finish(task, TaskStatus::Completed, None, now),
            Err(e) => {
                let why = format!("Unable to evaluate condition {cond}, exception {e}");
                finish(task, TaskStatus::FailedWithTerminalError, Some(why), now);
            }
        }
        Flow::Progress
    }

    /// Create the task for `cfg`, and run it at once when it is a system task.
    fn schedule(&mut self, id: &str, cfg: &Value, ref_name: &str, iteration: u32, now: i64) {
        let task_id = self.new_id();
        let def = self.task_defs.get(cfg["name"].as_str().unwrap_or("")).cloned().unwrap_or(Value::Null);
        let Some(wf) = self.workflows.get_mut(id) else { return };
        let input = scope_of(wf).resolve(&cfg["inputParameters"]);
        let kind = type_of(cfg).to_string();
        let domain = wf.task_to_domain.get(cfg["name"].as_str().unwrap_or("")).or_else(|| wf.task_to_domain.get("*"));
        let mut t = Task {
            id: task_id.clone(),
            task_type: if kind == "SIMPLE" { cfg["name"].as_str().unwrap_or("").to_string() } else { kind.clone() },
            def_name: cfg["name"].as_str().unwrap_or("").to_string(),
            ref_name: ref_name.to_string(),
            status: TaskStatus::Scheduled,
            input,
            output: json!({}),
            retry_count: 0,
            seq: u32::try_from(wf.tasks.len() + 1).unwrap_or(u32::MAX),
            poll_count: 0,
            scheduled_ms: now,
            start_ms: 0,
            end_ms: 0,
            update_ms: now,
            worker_id: None,
            reason: None,
            callback_after_secs: 0,
            response_timeout_secs: def["responseTimeoutSeconds"].as_u64().unwrap_or(3600),
            iteration,
            config: cfg.clone(),
            retried: false,
            domain: domain.and_then(Value::as_str).map(str::to_string),
            queued: false,
            visible_ms: now,
            logs: Vec::new(),
        };
        let mut terminate = None;
        match kind.as_str() {
            "SIMPLE" => t.queued = true,
            "HUMAN" => start(&mut t, now),
            "WAIT" => {
                start(&mut t, now);
                match wait_until(&t.input, now) {
                    Ok(at) => t.visible_ms = at.unwrap_or(0),
                    Err(why) => finish(&mut t, TaskStatus::FailedWithTerminalError, Some(why), now),
                }
            }
            "DO_WHILE" => {
                start(&mut t, now);
                t.iteration = 1;
                t.output = json!({ "iteration": 1 });
            }
            "SWITCH" => {
                let case = switch_case(cfg, &t.input);
                match case {
                    Ok(c) => {
                        t.output = json!({ "evaluationResult": [c] });
                        finish(&mut t, TaskStatus::Completed, None, now);
                    }
                    Err(e) => finish(&mut t, TaskStatus::FailedWithTerminalError, Some(e), now),
                }
            }
            "INLINE" => {
                let src = t.input["expression"].as_str().unwrap_or("").to_string();
                match expr::eval(&src, &t.input) {
                    Ok(v) => {
                        t.output = json!({ "result": v });
                        finish(&mut t, TaskStatus::Completed, None, now);
                    }
                    Err(e) => finish(&mut t, TaskStatus::Failed, Some(e), now),
                }
            }
            "TERMINATE" => {
                let status =
                    t.input["terminationStatus"].as_str().and_then(WfStatus::parse).unwrap_or(WfStatus::Completed);
                let reason = t.input["terminationReason"].as_str().map(str::to_string);
                let output = t.input.get("workflowOutput").cloned().unwrap_or(json!({}));
                t.output = json!({ "output": output });
                finish(&mut t, TaskStatus::Completed, None, now);
                terminate = Some((status, reason, output));
            }
            other => {
                let why = format!("task type {other} is not supported by the simulated Conductor");
                finish(&mut t, TaskStatus::FailedWithTerminalError, Some(why), now);
            }
        }
        self.task_home.insert(task_id, id.to_string());
        wf.tasks.push(t);
        wf.update_ms = now;
        if let Some((status, reason, output)) = terminate {
            wf.output = output;
            end(wf, status, reason, now);
        }
    }

    /// A task failed (or timed out): retry it per its definition, else leave it failed.
    pub fn fail_task(&mut self, id: &str, i: usize, status: TaskStatus, reason: Option<String>, now: i64) {
        let new_id = self.new_id();
        let Some(wf) = self.workflows.get_mut(id) else { return };
        let def = self.task_defs.get(&wf.tasks[i].def_name).cloned().unwrap_or(Value::Null);
        let task = &mut wf.tasks[i];
        finish(task, status, reason, now);
        let allowed = def["retryCount"].as_u64().unwrap_or(if def.is_null() { 0 } else { 3 });
        if status != TaskStatus::FailedWithTerminalError && u64::from(task.retry_count) < allowed {
            task.retried = true;
            let mut again = task.clone();
            again.id = new_id.clone();
            again.retry_count += 1;
            again.status = TaskStatus::Scheduled;
            again.output = json!({});
            again.reason = None;
            again.poll_count = 0;
            again.worker_id = None;
            again.retried = false;
            again.scheduled_ms = now;
            again.start_ms = 0;
            again.end_ms = 0;
            again.update_ms = now;
            again.callback_after_secs = 0;
            again.queued = true;
            again.visible_ms = now + retry_delay_ms(&def, task.retry_count);
            again.logs = Vec::new();
            again.seq = u32::try_from(wf.tasks.len() + 1).unwrap_or(u32::MAX);
            wf.tasks.push(again);
            self.task_home.insert(new_id, id.to_string());
        } else if task.config["optional"].as_bool() == Some(true) {
            task.status = TaskStatus::CompletedWithErrors;
        }
    }
}

/// When a retry becomes visible: `retryDelaySeconds` FIXED, doubled per attempt for
/// EXPONENTIAL_BACKOFF, scaled linearly for LINEAR_BACKOFF; capped by `maxRetryDelaySeconds`.
fn retry_delay_ms(def: &Value, attempt: u32) -> i64 {
    let base = def["retryDelaySeconds"].as_i64().unwrap_or(60);
    let secs = match def["retryLogic"].as_str().unwrap_or("FIXED") {
        "EXPONENTIAL_BACKOFF" => base.saturating_mul(1_i64 << attempt.min(20)),
        "LINEAR_BACKOFF" => {
            base.saturating_mul(def["backoffScaleFactor"].as_i64().unwrap_or(1)).saturating_mul(i64::from(attempt) + 1)
        }
        _ => base,
    };
    let secs = match def["maxRetryDelaySeconds"].as_i64().filter(|m| *m > 0) {
        Some(max) => secs.min(max),
        None => secs,
    };
    secs.saturating_mul(1000)
}

fn start(t: &mut Task, now: i64) {
    t.status = TaskStatus::InProgress;
    t.start_ms = now;
    t.update_ms = now;
}

pub fn finish(t: &mut Task, status: TaskStatus, reason: Option<String>, now: i64) {
    t.status = status;
    if reason.is_some() {
        t.reason = reason;
    }
    t.queued = false;
    if t.start_ms == 0 {
        t.start_ms = now;
    }
    t.end_ms = now;
    t.update_ms = now;
}

/// End workflow `wf` with `status`, cancelling whatever still runs.
pub fn end(wf: &mut Workflow, status: WfStatus, reason: Option<String>, now: i64) {
    wf.status = status;
    if reason.is_some() {
        wf.reason = reason;
    }
    for t in wf.tasks.iter_mut().filter(|t| !t.status.terminal()) {
        finish(t, TaskStatus::Canceled, None, now);
    }
    wf.end_ms = now;
    wf.update_ms = now;
}

pub fn scope_of(wf: &Workflow) -> Scope {
    Scope::new(wf.scope_json(), wf.tasks.iter().map(|t| t.json(wf)))
}

/// The case a SWITCH takes: `value-param` names an input; `javascript`/`graaljs` evaluates.
fn switch_case(cfg: &Value, input: &Value) -> Result<String, String> {
    let expression = cfg["expression"].as_str().unwrap_or("");
    match cfg["evaluatorType"].as_str().unwrap_or("value-param") {
        "value-param" => Ok(expr::to_text(&input[expression])),
        "javascript" | "graaljs" => expr::eval(expression, input).map(|v| expr::to_text(&v)),
        other => Err(format!("evaluator type {other} is not supported by the simulated Conductor")),
    }
}

/// A WAIT task's deadline: `duration` ("30 seconds", "2m", "1 hour") or `until` (RFC 3339);
/// `None` waits for an update.
fn wait_until(input: &Value, now: i64) -> Result<Option<i64>, String> {
    if let Some(d) = input["duration"].as_str() {
        return parse_duration_ms(d).map(|ms| Some(now + ms)).ok_or_else(|| format!("invalid duration {d:?}"));
    }
    if let Some(u) = input["until"].as_str() {
        return chrono::DateTime::parse_from_rfc3339(u)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| format!("invalid until {u:?} (the simulator reads RFC 3339)"));
    }
    Ok(None)
}

fn parse_duration_ms(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut num = String::new();
    let mut unit = String::new();
    let mut flush = |num: &mut String, unit: &mut String| -> Option<()> {
        if num.is_empty() {
            return if unit.is_empty() { Some(()) } else { None };
        }
        let n: i64 = num.parse().ok()?;
        let mult = match unit.as_str() {
            "ms" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" | "" => 1000,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            _ => return None,
        };
        total += n * mult;
        num.clear();
        unit.clear();
        Some(())
    };
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            if !unit.is_empty() {
                flush(&mut num, &mut unit)?;
            }
            num.push(c);
        } else if c.is_alphabetic() {
            unit.push(c.to_ascii_lowercase());
        } else if !c.is_whitespace() && c != ',' {
            return None;
        }
    }
    flush(&mut num, &mut unit)?;
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_conductor_writes_them() {
        assert_eq!(parse_duration_ms("30 seconds"), Some(30_000));
        assert_eq!(parse_duration_ms("1h 30m"), Some(5_400_000));
        assert_eq!(parse_duration_ms("2 minutes"), Some(120_000));
        assert_eq!(parse_duration_ms("soon"), None);
    }

    #[test]
    fn retry_delays_follow_the_task_definition() {
        let fixed = json!({ "retryDelaySeconds": 2 });
        assert_eq!(retry_delay_ms(&fixed, 3), 2000);
        let exp = json!({ "retryLogic": "EXPONENTIAL_BACKOFF", "retryDelaySeconds": 1, "maxRetryDelaySeconds": 5 });
        assert_eq!((retry_delay_ms(&exp, 0), retry_delay_ms(&exp, 2), retry_delay_ms(&exp, 5)), (1000, 4000, 5000));
        let lin = json!({ "retryLogic": "LINEAR_BACKOFF", "retryDelaySeconds": 1, "backoffScaleFactor": 2 });
        assert_eq!(retry_delay_ms(&lin, 1), 4000);
    }
}
