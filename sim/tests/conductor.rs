//! The simulated Conductor over real HTTP: metadata, start, poll (204 when empty), batch
//! poll, update, update by reference name, SWITCH / INLINE / DO_WHILE / HUMAN / TERMINATE /
//! WAIT, retries per task definition, response timeouts, search, terminate, retry,
//! pause/resume, error bodies, and the Orkes token exchange. Time moves only by
//! `Conductor::advance` where a test needs it to.

mod common;

use std::time::Duration;

use serde_json::{json, Value};

struct Api {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl Api {
    fn new(sim: &flightdeck_sim::Sim) -> Self {
        Self { base: sim.conductor().api_url(), http: common::client(), token: None }
    }
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.header("X-Authorization", t);
        }
        if let Some(b) = body {
            r = r.header("Content-Type", "application/json").body(b.to_string());
        }
        let resp = r.send().await.expect("send");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn start(&self, name: &str, input: Value) -> String {
        let (s, id) = self.post("/workflow", json!({ "name": name, "input": input })).await;
        assert_eq!(s, 200, "{id}");
        id.as_str().expect("text id").to_string()
    }
    async fn workflow(&self, id: &str) -> Value {
        let (s, w) = self.get(&format!("/workflow/{id}")).await;
        assert_eq!(s, 200, "{w}");
        w
    }
    async fn complete(&self, task: &Value, output: Value) {
        let body = json!({
            "workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
            "status": "COMPLETED", "outputData": output,
        });
        let (s, id) = self.post("/tasks", body).await;
        assert_eq!((s, id.as_str()), (200, task["taskId"].as_str()));
    }
}

fn task<'a>(wf: &'a Value, reference: &str) -> &'a Value {
    wf["tasks"]
        .as_array()
        .and_then(|ts| ts.iter().rev().find(|t| t["referenceTaskName"] == reference))
        .unwrap_or(&Value::Null)
}

async fn setup() -> (flightdeck_sim::Sim, Api) {
    let sim = common::manual_sim(2).await;
    let api = Api::new(&sim);
    let defs = json!([
        { "name": "work", "retryCount": 1, "retryLogic": "FIXED", "retryDelaySeconds": 0, "responseTimeoutSeconds": 5 },
        { "name": "check", "retryCount": 0, "responseTimeoutSeconds": 60 },
    ]);
    assert_eq!(api.post("/metadata/taskdefs", defs).await.0, 200);
    let wf = json!({
        "name": "approve_then_work", "version": 1, "schemaVersion": 2,
        "tasks": [
            { "name": "gate", "taskReferenceName": "gate", "type": "SWITCH", "evaluatorType": "value-param",
              "expression": "ask", "inputParameters": { "ask": "${workflow.input.ask}" },
              "decisionCases": { "true": [
                { "name": "loop", "taskReferenceName": "loop", "type": "DO_WHILE",
                  "loopCondition": "$.check['decision'] == 'pending'",
                  "loopOver": [
                    { "name": "approval", "taskReferenceName": "approval", "type": "HUMAN" },
                    { "name": "check", "taskReferenceName": "check", "type": "SIMPLE",
                      "inputParameters": { "by": "${approval.output.by}" } }
                  ] },
                { "name": "verdict", "taskReferenceName": "verdict", "type": "SWITCH", "evaluatorType": "javascript",
                  "expression": "$.d == 'rejected' ? 'stop' : 'go'", "inputParameters": { "d": "${check.output.decision}" },
                  "decisionCases": { "stop": [
                    { "name": "end", "taskReferenceName": "end", "type": "TERMINATE",
                      "inputParameters": { "terminationStatus": "TERMINATED", "terminationReason": "rejected by ${check.output.by}" } }
                  ] } }
              ] } },
            { "name": "work", "taskReferenceName": "work", "inputParameters": { "app": "${workflow.input.app}" } },
            { "name": "sum", "taskReferenceName": "sum", "type": "INLINE",
              "inputParameters": { "evaluatorType": "graaljs", "n": "${work.output.n}",
                "expression": "(function(){ return $.n * 2; })()" } }
        ],
        "outputParameters": { "doubled": "${sum.output.result}", "app": "${workflow.input.app}" }
    });
    let (s, body) = api.post("/metadata/workflow", wf.clone()).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = api.post("/metadata/workflow", wf).await;
    assert_eq!((s, body["status"].as_u64()), (409, Some(409)), "{body}");
    (sim, api)
}

#[tokio::test]
async fn a_sequence_runs_through_switch_do_while_human_and_inline() {
    let (sim, api) = setup().await;
    let (s, none) = api.get("/tasks/poll/work?workerid=w1").await;
    assert_eq!((s, none), (204, Value::String(String::new())), "poll with nothing queued");
    let id = api.start("approve_then_work", json!({ "ask": true, "app": "alpha" })).await;
    let wf = api.workflow(&id).await;
    assert_eq!(task(&wf, "approval__1")["status"], "IN_PROGRESS", "{wf}");
    // Completed by reference name, as a person would from outside a worker.
    let (s, _) = api.post(&format!("/tasks/{id}/approval__1/COMPLETED"), json!({ "by": "alice" })).await;
    assert_eq!(s, 200);
    let (_, batch) = api.get("/tasks/poll/batch/check?count=5&timeout=10&workerid=w1").await;
    let check = &batch[0];
    assert_eq!(check["inputData"]["by"], "alice", "{batch}");
    api.complete(check, json!({ "decision": "pending", "by": "alice" })).await;
    // Still pending: a second iteration.
    let wf = api.workflow(&id).await;
    assert_eq!(task(&wf, "approval__2")["status"], "IN_PROGRESS", "{wf}");
    api.post(&format!("/tasks/{id}/approval__2/COMPLETED"), json!({ "by": "bob" })).await;
    let (_, check) = api.get("/tasks/poll/check").await;
    api.complete(&check, json!({ "decision": "approved", "by": "bob" })).await;
    let (_, work) = api.get("/tasks/poll/work?workerid=w2").await;
    assert_eq!((work["inputData"]["app"].as_str(), work["workerId"].as_str()), (Some("alpha"), Some("w2")));
    api.complete(&work, json!({ "n": 21 })).await;
    let wf = api.workflow(&id).await;
    assert_eq!(wf["status"], "COMPLETED", "{wf}");
    assert_eq!(wf["output"], json!({ "doubled": 42, "app": "alpha" }));
    assert_eq!(task(&wf, "loop")["outputData"]["iteration"], 2);
    assert_eq!(task(&wf, "loop")["outputData"]["2"]["check"]["decision"], "approved");
    // A rejection ends it through TERMINATE, with the reason resolved.
    let id = api.start("approve_then_work", json!({ "ask": true, "app": "beta" })).await;
    api.post(&format!("/tasks/{id}/approval__1/COMPLETED"), json!({})).await;
    let (_, check) = api.get("/tasks/poll/check").await;
    api.complete(&check, json!({ "decision": "rejected", "by": "carol" })).await;
    let wf = api.workflow(&id).await;
    assert_eq!(
        (wf["status"].as_str(), wf["reasonForIncompletion"].as_str()),
        (Some("TERMINATED"), Some("rejected by carol"))
    );
    let (s, _) = api.get("/tasks/poll/work").await;
    assert_eq!(s, 204, "nothing runs after a rejection");
    drop(sim);
}

#[tokio::test]
async fn failures_retry_per_definition_and_a_vanished_worker_times_out() {
    let (sim, api) = setup().await;
    let id = api.start("approve_then_work", json!({ "ask": false, "app": "alpha" })).await;
    let (_, first) = api.get("/tasks/poll/work?workerid=gone").await;
    // The worker vanishes: after responseTimeoutSeconds the task times out and is queued again.
    let (s, _) = api.get("/tasks/poll/work").await;
    assert_eq!(s, 204);
    sim.conductor().advance(Duration::from_secs(6));
    let (_, second) = api.get("/tasks/poll/work?workerid=w2").await;
    assert_eq!((second["retryCount"].as_u64(), second["referenceTaskName"].as_str()), (Some(1), Some("work")));
    // The late worker's answer changes nothing.
    api.complete(&first, json!({ "n": 1 })).await;
    let wf = api.workflow(&id).await;
    assert_eq!(wf["tasks"][1]["status"], "TIMED_OUT", "{wf}");
    // The retry fails; its definition allows one retry only, so the workflow fails with the reason.
    let body = json!({ "workflowInstanceId": id, "taskId": second["taskId"], "status": "FAILED", "reasonForIncompletion": "boom" });
    api.post("/tasks", body).await;
    let wf = api.workflow(&id).await;
    assert_eq!((wf["status"].as_str(), wf["reasonForIncompletion"].as_str()), (Some("FAILED"), Some("boom")), "{wf}");
    // Retry runs the failed task again; completing it completes the workflow.
    let (s, _) = api.post(&format!("/workflow/{id}/retry"), json!({})).await;
    assert_eq!(s, 204);
    let (_, third) = api.get("/tasks/poll/work").await;
    api.complete(&third, json!({ "n": 2 })).await;
    assert_eq!(api.workflow(&id).await["output"]["doubled"], 4);
    let (s, e) = api.post(&format!("/workflow/{id}/retry"), json!({})).await;
    assert_eq!((s, e["status"].as_u64()), (409, Some(409)));
}

#[tokio::test]
async fn control_search_and_errors_follow_the_contract() {
    let (sim, api) = setup().await;
    let a = api.start("approve_then_work", json!({ "ask": true })).await;
    let b = api.start("approve_then_work", json!({ "ask": false })).await;
    let (s, e) = api.get("/workflow/nope").await;
    assert_eq!((s, e["status"].as_u64(), e["retryable"].as_bool()), (404, Some(404), Some(false)), "{e}");
    let (s, e) = api.post("/workflow", json!({ "name": "missing" })).await;
    assert!(s == 404 && e["message"].as_str().is_some_and(|m| m.contains("missing")), "{e}");
    let (s, e) = api.post(&format!("/tasks/{a}/nothing/COMPLETED"), json!({})).await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(api.call(reqwest::Method::PUT, &format!("/workflow/{a}/pause"), None).await.0, 200);
    assert_eq!(api.workflow(&a).await["status"], "PAUSED");
    let (s, _) = api.call(reqwest::Method::PUT, &format!("/workflow/{b}/resume"), None).await;
    assert_eq!(s, 409, "resume of a running workflow");
    api.call(reqwest::Method::PUT, &format!("/workflow/{a}/resume"), None).await;
    let (_, found) = api
        .get("/workflow/search?query=workflowType%3D'approve_then_work'%20AND%20status%3D'RUNNING'&sort=startTime:DESC")
        .await;
    assert_eq!(found["totalHits"], 2);
    assert_eq!(found["results"][0]["workflowId"].as_str(), Some(b.as_str()));
    let (s, _) = api.call(reqwest::Method::DELETE, &format!("/workflow/{a}?reason=withdrawn"), None).await;
    assert_eq!(s, 200);
    let wf = api.workflow(&a).await;
    assert_eq!(
        (wf["status"].as_str(), task(&wf, "approval__1")["status"].as_str()),
        (Some("TERMINATED"), Some("CANCELED"))
    );
    let (s, _) = api.call(reqwest::Method::DELETE, &format!("/workflow/{a}"), None).await;
    assert_eq!(s, 409, "terminating a terminated workflow");
    let (s, e) = api
        .post("/metadata/workflow", json!({ "name": "bad", "tasks": [{ "name": "nodef", "taskReferenceName": "x" }] }))
        .await;
    assert!(s == 400 && e["validationErrors"][0]["message"].as_str().is_some_and(|m| m.contains("nodef")), "{e}");
    // An empty batch poll is `[]` after its timeout; a task started meanwhile is handed over.
    let (s, empty) = api.get("/tasks/poll/batch/check?timeout=20").await;
    assert_eq!((s, empty), (200, json!([])));
    // Injected faults answer with Conductor's error body.
    sim.conductor().fail_next(1, 503);
    let (s, e) = api.get(&format!("/workflow/{b}")).await;
    assert_eq!((s, e["retryable"].as_bool()), (503, Some(true)));
}

#[tokio::test]
async fn with_application_credentials_every_call_needs_a_token() {
    let sim = common::manual_sim(1).await;
    let mut api = Api::new(&sim);
    assert_eq!(api.post("/token", json!({ "keyId": "k", "keySecret": "s" })).await.0, 404, "OSS: no token endpoint");
    sim.conductor().require_auth(Some(flightdeck_sim::conductor::ConductorAuth {
        key_id: "k".into(),
        key_secret: "s".into(),
        token_ttl: Duration::from_secs(60),
    }));
    let (s, e) = api.get("/metadata/taskdefs").await;
    assert_eq!((s, e["error"].as_str()), (401, Some("INVALID_TOKEN")));
    assert_eq!(api.post("/token", json!({ "keyId": "k", "keySecret": "wrong" })).await.0, 401);
    let (_, t) = api.post("/token", json!({ "keyId": "k", "keySecret": "s" })).await;
    api.token = t["token"].as_str().map(str::to_string);
    assert_eq!(api.get("/metadata/taskdefs").await.0, 200);
    sim.conductor().expire_tokens();
    let (s, e) = api.get("/metadata/taskdefs").await;
    assert_eq!((s, e["error"].as_str()), (401, Some("EXPIRED_TOKEN")));
}
