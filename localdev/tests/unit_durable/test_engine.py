"""The episode logic without threads or SQLite: a scripted orchestrator stands in for the SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from localdev.durable.engine import run_episode
from localdev.durable.functions import AppFunction, FunctionRegistry
from localdev.durable.history import EventType, format_time, make_event
from localdev.durable.scheduling import EpisodeResult, Instance
from localdev.durable.store import Message

NOW = datetime(2024, 1, 1, tzinfo=UTC)
RETRY = {"firstRetryIntervalInMilliseconds": 1000, "maxNumberOfAttempts": 2}


def registry(script: Callable[[dict[str, Any]], dict[str, Any]]) -> FunctionRegistry:
    def orchestrator(context_json: str) -> str:
        return json.dumps(script(json.loads(context_json)))

    functions = [
        AppFunction(
            "orch", "orchestrationTrigger", "context", {"type": "orchestrationTrigger"}, orchestrator
        ),
        AppFunction("work", "activityTrigger", "value", {"type": "activityTrigger"}, lambda value: value),
    ]
    return FunctionRegistry(functions)


def start() -> Message:
    return Message(1, "orch", "i1", {"type": "start", "name": "orch", "instance_id": "i1", "input": "3"})


def event(message_id: int, kind: EventType, **fields: Any) -> Message:
    return Message(message_id, "orch", "i1", {"type": "event", "event": make_event(kind, NOW, **fields)})


def activity(name: str, *, retry: bool = False) -> dict[str, Any]:
    if retry:
        return {
            "actionType": 12,
            "compoundActions": [{"actionType": 1, "functionName": name, "retryOptions": RETRY}],
        }
    return {"actionType": 0, "functionName": name, "input": "1"}


def types(result: EpisodeResult) -> list[tuple[int, int]]:
    return [(e["EventType"], e["EventId"]) for e in result.appended]


def test_first_episode_schedules_actions_with_sequence_ids() -> None:
    seen: list[dict[str, Any]] = []

    def script(context: dict[str, Any]) -> dict[str, Any]:
        seen.append(context)
        actions = [activity("work"), {"actionType": 6, "externalEventName": "Go"}, activity("work")]
        return {"isDone": False, "schemaVersion": 2, "actions": [actions]}

    result = run_episode(None, [start()], NOW, registry(script))
    assert result.consumed == [1] and result.history_reset
    assert types(result) == [(12, -1), (0, -1), (4, 0), (4, 1), (13, -1)]
    assert [o.kind for o in result.outgoing] == ["activity", "activity"]
    context = seen[0]
    assert context["input"] == "3" and context["upperSchemaVersionNew"] == 2
    assert [e["EventType"] for e in context["history"]] == [12, 0]
    assert result.instance is not None and result.instance.record.status == "Running"


def test_changed_action_is_non_deterministic() -> None:
    names = iter(["work", "other"])

    def script(context: dict[str, Any]) -> dict[str, Any]:
        return {"isDone": False, "actions": [[activity(next(names))]]}

    reg = registry(script)
    first = run_episode(None, [start()], NOW, reg)
    assert first.instance is not None
    second = run_episode(
        first.instance, [event(2, EventType.TASK_COMPLETED, TaskScheduledId=0, Result="1")], NOW, reg
    )
    assert second.instance is not None and second.instance.record.status == "Failed"
    assert "Non-Deterministic workflow detected" in (second.instance.record.output or "")


def test_retry_timer_then_new_attempt_and_batch_cut() -> None:
    def script(context: dict[str, Any]) -> dict[str, Any]:
        return {"isDone": False, "actions": [[activity("work", retry=True)]]}

    reg = registry(script)
    first = run_episode(None, [start()], NOW, reg)
    inst = first.instance
    assert inst is not None
    failed = event(2, EventType.TASK_FAILED, TaskScheduledId=0, Reason="boom", Details="trace")
    late = event(3, EventType.EVENT_RAISED, Name="Go", Input="1")
    second = run_episode(inst, [failed, late], NOW, reg)
    assert second.consumed == [2]  # the batch ends at the retry failure
    assert types(second) == [(12, -1), (6, -1), (10, 1), (13, -1)]
    timer = second.outgoing[0]
    assert timer.visible_at == format_time(NOW + timedelta(seconds=1))
    fired = Message(4, "orch", "i1", timer.payload)
    third = run_episode(inst, [fired], NOW + timedelta(seconds=1), reg)
    assert types(third) == [(12, -1), (11, -1), (4, 2), (13, -1)]
    assert third.outgoing[0].payload["seq"] == 2
    fourth = run_episode(
        inst, [event(5, EventType.TASK_FAILED, TaskScheduledId=2, Reason="x", Details="")], NOW, reg
    )
    dummy = fourth.outgoing[0]
    assert dummy.visible_at == format_time(NOW)  # the final dummy timer fires at once


def test_completion_notifies_the_parent_and_duplicates_are_ignored() -> None:
    def script(context: dict[str, Any]) -> dict[str, Any]:
        done = any(e["EventType"] == EventType.TASK_COMPLETED for e in context["history"])
        return {"isDone": done, "actions": [[activity("work")]], "output": {"ok": True}}

    parent = {"instance_id": "p1", "execution_id": "pe", "task_id": 7, "name": "parent"}
    begin = Message(1, "orch", "i1", {**start().payload, "parent": parent})
    reg = registry(script)
    first = run_episode(None, [begin], NOW, reg)
    assert first.instance is not None
    done = event(2, EventType.TASK_COMPLETED, TaskScheduledId=0, Result="1")
    again = event(3, EventType.TASK_COMPLETED, TaskScheduledId=0, Result="1")
    result = run_episode(first.instance, [done, again], NOW, reg)
    assert result.consumed == [2, 3]
    assert [e["EventType"] for e in result.appended].count(EventType.TASK_COMPLETED) == 1
    assert result.instance is not None and result.instance.record.output == '{"ok": true}'
    notice = result.outgoing[0]
    assert notice.target == "p1" and notice.payload["execution_id"] == "pe"
    assert notice.payload["event"]["EventType"] == EventType.SUB_ORCHESTRATION_COMPLETED
    assert notice.payload["event"]["TaskScheduledId"] == 7


def test_messages_for_a_missing_instance_are_dropped() -> None:
    result = run_episode(None, [event(9, EventType.EVENT_RAISED, Name="Go", Input="1")], NOW, registry(dict))
    assert result.consumed == [9] and result.instance is None


def test_instance_type_is_exported() -> None:
    assert Instance.__name__ == "Instance"
