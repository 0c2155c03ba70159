"""Conformance: the documented Durable patterns run on the local host with the real SDK."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from localdev.durable import DurableHost, ManualClock, engine
from localdev.durable.history import EventType, parse_time

from .conftest import kinds, of_kind

T = EventType


def test_function_chaining_output_and_history(host: DurableHost) -> None:
    iid = host.start_new("chain", input={"cities": ["Tokyo", "Seattle", "London"]})
    status = host.wait_for_completion(iid, timeout=20)
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
    history = host.history(iid)
    assert kinds(history, frames=True) == [
        "ORCHESTRATOR_STARTED", "EXECUTION_STARTED", "TASK_SCHEDULED", "ORCHESTRATOR_COMPLETED",
        "ORCHESTRATOR_STARTED", "TASK_COMPLETED", "TASK_SCHEDULED", "ORCHESTRATOR_COMPLETED",
        "ORCHESTRATOR_STARTED", "TASK_COMPLETED", "TASK_SCHEDULED", "ORCHESTRATOR_COMPLETED",
        "ORCHESTRATOR_STARTED", "TASK_COMPLETED", "EXECUTION_COMPLETED", "ORCHESTRATOR_COMPLETED",
    ]  # fmt: skip
    scheduled = of_kind(history, T.TASK_SCHEDULED)
    assert [(e["EventId"], e["Name"], e["Input"]) for e in scheduled] == [
        (0, "say_hello", '"Tokyo"'),
        (1, "say_hello", '"Seattle"'),
        (2, "say_hello", '"London"'),
    ]
    completed = of_kind(history, T.TASK_COMPLETED)
    assert [(e["TaskScheduledId"], e["Result"]) for e in completed] == [
        (0, '"Hello Tokyo!"'),
        (1, '"Hello Seattle!"'),
        (2, '"Hello London!"'),
    ]
    for event in history:
        assert set(event) >= {"EventType", "EventId", "IsPlayed", "Timestamp"}
        assert event["Timestamp"].endswith("Z") and parse_time(event["Timestamp"]).tzinfo is not None
        assert event["IsPlayed"] is (event["EventType"] != T.ORCHESTRATOR_STARTED)
    started = history[1]
    assert started["Name"] == "chain" and "Version" in started
    assert json.loads(started["Input"]) == {"cities": ["Tokyo", "Seattle", "London"]}
    assert started["OrchestrationInstance"]["InstanceId"] == iid


def test_fan_out_fan_in(host: DurableHost) -> None:
    iid = host.start_new("fan_out", input=30)
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == sum(i * i for i in range(30))
    assert status["customStatus"] == {"done": 30}
    history = host.history(iid)
    scheduled = of_kind(history, T.TASK_SCHEDULED)
    assert [e["EventId"] for e in scheduled] == list(range(30))
    # every activity was scheduled in the first episode, before its OrchestratorCompleted
    first_done = kinds(history, frames=True).index("ORCHESTRATOR_COMPLETED")
    assert all(history.index(e) < first_done for e in scheduled)
    assert sorted(e["TaskScheduledId"] for e in of_kind(history, T.TASK_COMPLETED)) == list(range(30))
    assert kinds(history)[-1] == "EXECUTION_COMPLETED"


def test_fan_out_through_sub_orchestrations(host: DurableHost) -> None:
    iid = host.start_new("fan_out_parent", input={"total": 250, "chunk": 100})
    status = host.wait_for_completion(iid, timeout=30)
    assert status["output"] == 250
    created = of_kind(host.history(iid), T.SUB_ORCHESTRATION_CREATED)
    execution = host.history(iid)[1]["OrchestrationInstance"]["ExecutionId"]
    assert [e["InstanceId"] for e in created] == [f"{execution}:{n}" for n in range(3)]


def test_many_instances_run_concurrently(host: DurableHost) -> None:
    ids = [host.start_new("fan_out", instance_id=f"many-{i}", input=i) for i in range(1, 41)]
    for i, iid in enumerate(ids, start=1):
        status = host.wait_for_completion(iid, timeout=30)
        assert status["output"] == sum(k * k for k in range(i)), iid
    assert sorted(r.instance_id for r in host.list_instances()) == sorted(ids)


def test_monitor_timer_and_continue_as_new(host: DurableHost, clock: ManualClock) -> None:
    start = clock.now()
    iid = host.start_new(
        "monitor", input={"job": "monitor-job", "round": 1, "max_rounds": 5, "every_hours": 6}
    )
    for _ in range(2):
        host.wait_idle()
        status = host.get_status(iid)
        assert status is not None and status["runtimeStatus"] == "Running"
        timers = of_kind(host.history(iid), T.TIMER_CREATED)
        assert len(timers) == 1
        assert parse_time(timers[0]["FireAt"]) == clock.now() + timedelta(hours=6)
        host.advance_clock(timedelta(hours=6))
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"rounds": 3, "job": "done"}
    assert status["input"]["round"] == 3
    assert clock.now() == start + timedelta(hours=12)
    history = host.history(iid)  # only the last execution is kept after continue-as-new
    assert kinds(history) == ["EXECUTION_STARTED", "TASK_SCHEDULED", "TASK_COMPLETED", "EXECUTION_COMPLETED"]
    assert json.loads(history[1]["Input"])["round"] == 3


def test_human_interaction_event_wins(host: DurableHost) -> None:
    iid = host.start_new("approval")
    host.wait_idle()
    host.raise_event(iid, "Approval", {"by": "ann"})
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"approved": {"by": "ann"}}
    history = host.history(iid)
    assert kinds(history) == ["EXECUTION_STARTED", "TIMER_CREATED", "EVENT_RAISED", "EXECUTION_COMPLETED"]
    raised = of_kind(history, T.EVENT_RAISED)[0]
    assert raised["Name"] == "Approval" and json.loads(raised["Input"]) == {"by": "ann"}


def test_human_interaction_timeout_wins(host: DurableHost, clock: ManualClock) -> None:
    start = clock.now()
    iid = host.start_new("approval")
    host.wait_idle()
    # a 7-day timer exceeds the 6-day maximum: the SDK splits it into 3-day chunks (schema V3)
    first = of_kind(host.history(iid), T.TIMER_CREATED)[0]
    assert parse_time(first["FireAt"]) == start + timedelta(days=3)
    host.advance_clock(timedelta(days=6, hours=23))
    host.wait_idle()
    assert host.get_status(iid)["runtimeStatus"] == "Running"  # type: ignore[index]
    host.advance_clock(timedelta(hours=1))
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"escalated": True}
    history = host.history(iid)
    created = of_kind(history, T.TIMER_CREATED)
    assert [parse_time(e["FireAt"]) - start for e in created] == [timedelta(days=3), timedelta(days=7)]
    fired = of_kind(history, T.TIMER_FIRED)
    assert [(e["TimerId"], e["FireAt"]) for e in fired] == [(e["EventId"], e["FireAt"]) for e in created]


def test_aggregator_entity_signals_and_calls(host: DurableHost) -> None:
    host.signal_entity("Counter", "agg", "add", 1)
    host.signal_entity("counter", "agg", "add", 2)
    host.wait_idle()
    assert host.read_entity("Counter", "agg") == (True, 3)
    iid = host.start_new("counter_user", input="agg")
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"]["value"] == 18  # 3 + signal 5 + call 10
    assert "add needs an int" in status["output"]["error"]
    host.wait_idle()
    assert host.read_entity("Counter", "agg") == (True, 18)  # the failed add changed nothing
    history = host.history(iid)
    sent = of_kind(history, T.EVENT_SENT)
    assert [e["EventId"] for e in sent] == [0, 1, 2, 3]
    assert all(e["InstanceId"] == "@counter@agg" and e["Name"] == "op" for e in sent)
    bodies = [json.loads(e["Input"]) for e in sent]
    assert [b["op"] for b in bodies] == ["add", "add", "get", "add"]
    assert bodies[0].get("signal") is True and "signal" not in bodies[1]
    assert all(b["parent"] == iid for b in bodies)
    raised = of_kind(history, T.EVENT_RAISED)
    assert [e["Name"] for e in raised] == [b["id"] for b in bodies[1:]]  # responses named by request id
    assert json.loads(raised[1]["Input"]) == {"result": "18"}
    assert json.loads(raised[2]["Input"])["exceptionType"] == "Error"
    host.signal_entity("Counter", "agg", "delete")
    host.wait_idle()
    assert host.read_entity("Counter", "agg") == (False, None)


def test_entity_state_is_not_rolled_back(host: DurableHost) -> None:
    host.signal_entity("Counter", "nr", "add", 1)
    host.signal_entity("Counter", "nr", "add_then_fail", 10)
    host.signal_entity("Counter", "nr", "add", 100)
    host.wait_idle()
    assert host.read_entity("Counter", "nr") == (True, 111)  # like the real host: no rollback


def test_entity_operations_are_serialised(host: DurableHost) -> None:
    for _ in range(200):
        host.signal_entity("Counter", "busy", "add", 1)
    ids = [host.start_new("counter_user", input="busy") for _ in range(5)]
    for iid in ids:
        assert host.wait_for_completion(iid, timeout=30)["runtimeStatus"] == "Completed"
    host.wait_idle()
    assert host.read_entity("Counter", "busy") == (True, 200 + 5 * 15)


def test_sub_orchestrations_ids_and_failure(host: DurableHost) -> None:
    iid = host.start_new("parent")
    status = host.wait_for_completion(iid, timeout=20)
    output = status["output"]
    assert output["first"] == ["Hello Oslo!"] and output["second"] == ["Hello Rome!"]
    assert output["failure"].startswith("Orchestrator function 'failing' failed: child broke")
    history = host.history(iid)
    created = of_kind(history, T.SUB_ORCHESTRATION_CREATED)
    execution = history[1]["OrchestrationInstance"]["ExecutionId"]
    assert [(e["EventId"], e["Name"], e["InstanceId"]) for e in created] == [
        (0, "chain", f"{execution}:0"),
        (1, "chain", "fixed-child"),
        (2, "failing", f"{execution}:2"),
    ]
    assert kinds(history).count("SUB_ORCHESTRATION_COMPLETED") == 2
    failed = of_kind(history, T.SUB_ORCHESTRATION_FAILED)
    assert [e["TaskScheduledId"] for e in failed] == [2]
    child = host.get_status(f"{execution}:2")
    assert child is not None and child["runtimeStatus"] == "Failed"
    assert host.history("fixed-child")[1]["ParentInstance"]["OrchestrationInstance"]["InstanceId"] == iid


def test_retry_succeeds_on_third_attempt(host: DurableHost) -> None:
    iid = host.start_new("retrying", input={"attempts": 3, "key": "retry-ok"})
    for _ in range(2):
        host.wait_idle()
        host.advance_clock(timedelta(seconds=5))
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"result": "ok after 3"}
    history = host.history(iid)
    shape = [
        (EventType(e["EventType"]).name, e.get("TaskScheduledId", e.get("TimerId", e["EventId"])))
        for e in history
    ]
    shape = [s for s in shape if s[0] not in ("ORCHESTRATOR_STARTED", "ORCHESTRATOR_COMPLETED")]
    assert shape == [
        ("EXECUTION_STARTED", -1),
        ("TASK_SCHEDULED", 0), ("TASK_FAILED", 0), ("TIMER_CREATED", 1), ("TIMER_FIRED", 1),
        ("TASK_SCHEDULED", 2), ("TASK_FAILED", 2), ("TIMER_CREATED", 3), ("TIMER_FIRED", 3),
        ("TASK_SCHEDULED", 4), ("TASK_COMPLETED", 4),
        ("EXECUTION_COMPLETED", -1),
    ]  # fmt: skip
    failed = of_kind(history, T.TASK_FAILED)[0]
    assert failed["Reason"] == "Activity function 'flaky' failed: RuntimeError: boom1"
    assert "RuntimeError: boom1" in failed["Details"]


def test_retry_exhausted_waits_for_the_dummy_timer(host: DurableHost, clock: ManualClock) -> None:
    iid = host.start_new("retrying", input={"attempts": 2, "key": "retry-exhausted"})
    host.wait_idle()
    host.advance_clock(timedelta(seconds=5))
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"]["error"].startswith("Activity function 'flaky' failed: RuntimeError: boom2 \n ")
    history = host.history(iid)
    assert kinds(history) == [
        "EXECUTION_STARTED", "TASK_SCHEDULED", "TASK_FAILED", "TIMER_CREATED", "TIMER_FIRED",
        "TASK_SCHEDULED", "TASK_FAILED", "TIMER_CREATED", "TIMER_FIRED", "EXECUTION_COMPLETED",
    ]  # fmt: skip
    timers = of_kind(history, T.TIMER_CREATED)
    assert [t["EventId"] for t in timers] == [1, 3]
    last_failure = of_kind(history, T.TASK_FAILED)[1]
    assert timers[1]["FireAt"] == last_failure["Timestamp"]  # the final dummy timer fires immediately


def test_sub_orchestration_retry_uses_new_child_ids(host: DurableHost) -> None:
    iid = host.start_new("retrying_parent", input="sub-retry")
    for _ in range(2):
        host.wait_idle()
        host.advance_clock(timedelta(seconds=1))
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == "ok after 3"
    history = host.history(iid)
    execution = history[1]["OrchestrationInstance"]["ExecutionId"]
    created = of_kind(history, T.SUB_ORCHESTRATION_CREATED)
    assert [(e["EventId"], e["InstanceId"]) for e in created] == [(n, f"{execution}:{n}") for n in (0, 2, 4)]
    assert [e["EventId"] for e in of_kind(history, T.TIMER_CREATED)] == [1, 3]
    assert host.get_status(f"{execution}:0")["runtimeStatus"] == "Failed"  # type: ignore[index]


def test_action_cap_fails_the_orchestration(host: DurableHost, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "MAX_ACTIONS", 10)
    status = host.wait_for_completion(host.start_new("fan_out", input=11), timeout=20)
    assert status["runtimeStatus"] == "Failed" and "maximum of 10 actions" in status["output"]
    assert host.wait_for_completion(host.start_new("fan_out", input=10), timeout=20)["output"] == 285


def test_terminating_a_child_fails_the_parent_task(host: DurableHost) -> None:
    iid = host.start_new("parent_of_waiter")
    host.wait_idle()
    child = of_kind(host.history(iid), T.SUB_ORCHESTRATION_CREATED)[0]["InstanceId"]
    host.terminate(child, "operator said no")
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"error": "operator said no \n terminated"}


def test_sub_orchestration_id_in_use_fails_the_parent_task(host: DurableHost) -> None:
    host.start_new("waiter", instance_id="busy-child")
    host.wait_idle()
    status = host.wait_for_completion(host.start_new("clashing_parent", input="busy-child"), timeout=20)
    assert status["output"]["error"].startswith(
        "An orchestration with instance ID 'busy-child' is already running."
    )


def test_naive_timer_fails_as_in_production(host: DurableHost) -> None:
    status = host.wait_for_completion(host.start_new("naive_timer"), timeout=20)
    assert status["runtimeStatus"] == "Failed"
    assert "can't compare offset-naive and offset-aware datetimes" in status["output"]


def test_non_deterministic_orchestrator_fails(host: DurableHost) -> None:
    iid = host.start_new("nondeterministic")
    status = host.wait_for_completion(iid, timeout=20)
    assert status["runtimeStatus"] == "Failed"
    assert status["output"].startswith(
        "Orchestrator function 'nondeterministic' failed: Non-Deterministic workflow"
    )
    assert "'say_hello'" in status["output"] and "'square'" in status["output"]
    assert kinds(host.history(iid)) == [
        "EXECUTION_STARTED",
        "TASK_SCHEDULED",
        "TASK_COMPLETED",
        "EXECUTION_COMPLETED",
    ]
    assert host.history(iid)[-2]["OrchestrationStatus"] == "Failed"


def test_unknown_activity_and_custom_status_cap(host: DurableHost) -> None:
    missing = host.wait_for_completion(host.start_new("calls_missing"), timeout=20)
    assert missing["runtimeStatus"] == "Failed"
    assert "The function 'does_not_exist' doesn't exist" in missing["output"]
    small = host.wait_for_completion(host.start_new("big_status", input=8000), timeout=20)
    assert small["runtimeStatus"] == "Completed" and len(small["customStatus"]) == 8000
    big = host.wait_for_completion(host.start_new("big_status", input=9000), timeout=20)
    assert big["runtimeStatus"] == "Failed" and "exceeds the 16 KB limit" in big["output"]


def test_external_event_double_encoding_matches_azure(host: DurableHost) -> None:
    iid = host.start_new("waiter")
    host.wait_idle()
    host.raise_event(iid, "Go", data_json=json.dumps(json.dumps({"a": 1})))  # what the Python client sends
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"got": '{"a": 1}', "type": "str"}


def test_terminate_suspend_resume_and_restart(host: DurableHost) -> None:
    iid = host.start_new("waiter", instance_id="ctl-1")
    host.wait_idle()
    host.suspend(iid, "pause")
    host.wait_idle()
    host.raise_event(iid, "Go", 1)
    host.wait_idle()
    assert host.get_status(iid)["runtimeStatus"] == "Suspended"  # type: ignore[index]
    host.resume(iid, "go on")
    assert host.wait_for_completion(iid, timeout=20)["output"] == {"got": 1, "type": "int"}
    assert "EXECUTION_SUSPENDED" in kinds(host.history(iid))
    host.start_new("waiter", instance_id="ctl-1")  # finished ids may be reused
    host.wait_idle()
    host.terminate("ctl-1", "enough")
    status = host.wait_for_completion("ctl-1", timeout=20)
    assert status["runtimeStatus"] == "Terminated" and status["output"] == "enough"
    assert host.purge("ctl-1") == 1 and host.get_status("ctl-1") is None
