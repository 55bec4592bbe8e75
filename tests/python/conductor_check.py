"""The official Python SDK (conductor-python from PyPI) against the simulated Conductor.

Run by tests/conductor_sdk_python.rs with the simulator's API URL as the only argument.
The workflow is the SDK test's own, not one of Flightdeck's: a SWITCH on the input, a
SIMPLE task served by the SDK's own worker (TaskHandler), then a HUMAN task completed by
reference name, then an INLINE. Prints one line per check and exits non-zero on the first
that fails.
"""

import sys
import time

from conductor.client.automator.task_handler import TaskHandler
from conductor.client.configuration.configuration import Configuration
from conductor.client.http.models import StartWorkflowRequest, TaskDef
from conductor.client.http.models.workflow_def import WorkflowDef
from conductor.client.http.models.workflow_task import WorkflowTask
from conductor.client.orkes_clients import OrkesClients
from conductor.client.worker.worker import Worker


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        sys.exit(1)


def wait_until(what, get, done, seconds=30):
    deadline = time.time() + seconds
    while True:
        value = get()
        if done(value):
            return value
        if time.time() > deadline:
            check(what, False, repr(value))
        time.sleep(0.1)


def double(task):
    return {"doubled": task.input_data["n"] * 2, "by": "python-sdk"}


def main(api):
    config = Configuration(server_api_url=api, debug=False)
    clients = OrkesClients(configuration=config)
    metadata = clients.get_metadata_client()
    workflows = clients.get_workflow_client()
    tasks = clients.get_task_client()

    metadata.register_task_def(TaskDef(name="sdk_py_double", retry_count=1, response_timeout_seconds=10, timeout_seconds=60, owner_email="sdk@example.com"))
    check("task definition registered and read back", metadata.get_task_def("sdk_py_double").name == "sdk_py_double")

    double_task = WorkflowTask(name="sdk_py_double", task_reference_name="double", type="SIMPLE", input_parameters={"n": "${workflow.input.n}"})
    human = WorkflowTask(name="sdk_py_review", task_reference_name="review", type="HUMAN", input_parameters={"value": "${double.output.doubled}"})
    inline = WorkflowTask(name="sdk_py_sum", task_reference_name="sum", type="INLINE", input_parameters={
        "evaluatorType": "graaljs", "a": "${double.output.doubled}", "b": "${review.output.result.extra}",
        "expression": "(function(){ return $.a + $.b; })()"})
    switch = WorkflowTask(name="sdk_py_route", task_reference_name="route", type="SWITCH", evaluator_type="value-param",
                          expression="mode", input_parameters={"mode": "${workflow.input.mode}"},
                          decision_cases={"work": [double_task, human, inline]}, default_case=[])
    wf = WorkflowDef(name="sdk_py_flow", version=1, tasks=[switch], owner_email="sdk@example.com",
                     output_parameters={"total": "${sum.output.result}"}, timeout_seconds=0, schema_version=2)
    metadata.register_workflow_def(wf, overwrite=True)
    check("workflow definition registered", metadata.get_workflow_def("sdk_py_flow", 1).name == "sdk_py_flow")

    handler = TaskHandler(workers=[Worker("sdk_py_double", double, poll_interval=0.05)], configuration=config,
                          scan_for_annotated_workers=False)
    handler.start_processes()
    try:
        wid = workflows.start_workflow(StartWorkflowRequest(name="sdk_py_flow", version=1, input={"n": 21, "mode": "work"}))
        check("workflow started", bool(wid))
        run = wait_until("the SDK worker completes the SIMPLE task", lambda: workflows.get_workflow(wid, include_tasks=True),
                         lambda w: any(t.reference_task_name == "review" and t.status == "IN_PROGRESS" for t in w.tasks))
        simple = [t for t in run.tasks if t.reference_task_name == "double"][-1]
        check("the SIMPLE task ran in the SDK's worker", simple.status == "COMPLETED" and simple.output_data.get("doubled") == 42, simple.output_data)
        check("the SWITCH took the 'work' case", [t for t in run.tasks if t.reference_task_name == "route"][0].status == "COMPLETED")
        # The SDK sends the output as {"result": output}; the server merges that body into the task's output.
        tasks.update_task_by_ref_name(wid, "review", "COMPLETED", {"extra": 8})
        done = wait_until("the workflow completes", lambda: workflows.get_workflow(wid, include_tasks=True), lambda w: w.status != "RUNNING")
        check("HUMAN completed by reference name, INLINE summed", done.status == "COMPLETED" and done.output.get("total") == 50, (done.status, done.output))

        other = workflows.start_workflow(StartWorkflowRequest(name="sdk_py_flow", version=1, input={"n": 1, "mode": "skip"}))
        skipped = wait_until("the default case ends at once", lambda: workflows.get_workflow(other, include_tasks=True), lambda w: w.status != "RUNNING")
        check("SWITCH default case: nothing scheduled", skipped.status == "COMPLETED" and len(skipped.tasks) == 1, skipped.tasks)

        third = workflows.start_workflow(StartWorkflowRequest(name="sdk_py_flow", version=1, input={"n": 2, "mode": "work"}))
        wait_until("the third run waits for review", lambda: workflows.get_workflow(third, include_tasks=True),
                   lambda w: any(t.reference_task_name == "review" and t.status == "IN_PROGRESS" for t in w.tasks))
        workflows.terminate_workflow(third, reason="sdk test")
        check("terminated", workflows.get_workflow(third, include_tasks=False).status == "TERMINATED")
    finally:
        handler.stop_processes()
    print("python sdk: all checks passed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
