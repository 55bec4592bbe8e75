//! The official Conductor Rust SDK (`conductor-sdk` from crates.io) against the simulated
//! Conductor, with a workflow of its own (not one of Flightdeck's): a SWITCH on the input, a
//! SIMPLE task served by the SDK's own worker (`TaskHandler` + `FnWorker`), a HUMAN task
//! completed by reference name, an INLINE; then terminate. What the SDK sends and reads is
//! the contract the simulator must keep.

mod common;

use std::collections::HashMap;

use conductor::client::ConductorClient;
use conductor::configuration::Configuration;
use conductor::models::{StartWorkflowRequest, Task, TaskDef, TaskResultStatus, WorkflowDef, WorkflowTask};
use conductor::worker::{FnWorker, TaskHandler, WorkerOutput};
use flightdeck_sim::{Sim, SimOptions};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_sdk_registers_starts_works_completes_by_reference_and_terminates() {
    let sim = Sim::start(SimOptions { services: 1, chaos: false, ..SimOptions::default() }).await.expect("sim");
    let config = Configuration::new(sim.conductor().api_url());
    let client = ConductorClient::new(config.clone()).expect("client");
    let metadata = client.metadata_client();
    metadata.register_task_def(&TaskDef::new("sdk_rs_double").with_response_timeout(10)).await.expect("task def");
    let work = vec![
        WorkflowTask::simple("sdk_rs_double", "double").with_input_param("n", "${workflow.input.n}"),
        WorkflowTask::human("review").with_input_param("value", "${double.output.doubled}"),
        WorkflowTask::inline("sum", "(function(){ return $.a + $.b; })()")
            .with_input_param("a", "${double.output.doubled}")
            .with_input_param("b", "${review.output.extra}"),
    ];
    let route = WorkflowTask::switch_value_param("route", "mode")
        .with_input_param("mode", "${workflow.input.mode}")
        .with_switch_case("work", work)
        .with_default_case(Vec::new());
    let def = WorkflowDef::new("sdk_rs_flow")
        .with_version(1)
        .with_task(route)
        .with_output_param("total", "${sum.output.result}");
    metadata.register_or_update_workflow_def(&def, true).await.expect("workflow def");
    let back = metadata.get_workflow_def("sdk_rs_flow", Some(1)).await.expect("read back");
    assert_eq!(back.name, "sdk_rs_flow");

    let worker = FnWorker::new("sdk_rs_double", |task: Task| async move {
        let n: i64 = task.get_input("n").unwrap_or(0);
        Ok(WorkerOutput::Completed(HashMap::from([("doubled".to_string(), json!(n * 2))])))
    })
    .with_poll_interval_millis(20);
    let mut handler = TaskHandler::new(config.clone()).expect("handler");
    handler.add_worker(worker);
    handler.start().await.expect("worker starts");

    let workflows = client.workflow_client();
    let start = StartWorkflowRequest::new("sdk_rs_flow")
        .with_version(1)
        .with_input_value("n", 21)
        .with_input_value("mode", "work");
    let id = workflows.start_workflow(&start).await.expect("started");
    let wf = common::wait_for_workflow(&sim, &id, "the SDK worker does the SIMPLE task", |w| {
        common::workflow_task(w, "review")["status"] == "IN_PROGRESS"
    })
    .await;
    assert_eq!(common::workflow_task(&wf, "double")["outputData"]["doubled"], 42, "{wf:#}");
    let tasks = client.task_client();
    tasks
        .update_task_by_ref_name(&id, "review", TaskResultStatus::Completed, json!({ "extra": 8 }), None)
        .await
        .expect("by ref");
    let wf = common::wait_for_workflow(&sim, &id, "the workflow completes", |w| w["status"] != "RUNNING").await;
    assert_eq!((wf["status"].as_str(), &wf["output"]["total"]), (Some("COMPLETED"), &json!(50)), "{wf:#}");
    let read = workflows.get_workflow(&id, true).await.expect("read through the SDK");
    assert_eq!(read.workflow_id, id);

    let skip = StartWorkflowRequest::new("sdk_rs_flow")
        .with_version(1)
        .with_input_value("n", 1)
        .with_input_value("mode", "none");
    let other = workflows.start_workflow(&skip).await.expect("started");
    let wf = common::wait_for_workflow(&sim, &other, "the default case ends it", |w| w["status"] != "RUNNING").await;
    assert_eq!((wf["status"].as_str(), wf["tasks"].as_array().map(Vec::len)), (Some("COMPLETED"), Some(1)));

    let third = workflows.start_workflow(&start).await.expect("started");
    common::wait_for_workflow(&sim, &third, "the third waits for review", |w| {
        common::workflow_task(w, "review")["status"] == "IN_PROGRESS"
    })
    .await;
    workflows.terminate_workflow(&third, Some("sdk test"), false).await.expect("terminate");
    assert_eq!(sim.conductor().workflow_json(&third).unwrap()["status"], "TERMINATED");
    handler.stop().await.expect("worker stops");
    sim.shutdown().await;
}
