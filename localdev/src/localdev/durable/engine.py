"""One orchestrator episode: messages in, SDK replay, actions out (no I/O; the host persists the result).

An episode takes every message available for an instance, appends them to the history after an
``OrchestratorStarted`` event, runs the SDK once over the whole history, checks the returned actions
against those already recorded (non-determinism), turns new actions into history events and outgoing
messages, and finishes the episode (``OrchestratorCompleted``, completion, parent notification).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from localdev.durable.actions import FlatAction, describe, flatten_actions, identity
from localdev.durable.functions import FunctionRegistry
from localdev.durable.history import Event, EventType, format_time, make_event, status_time
from localdev.durable.scheduling import (
    EpisodeResult,
    Instance,
    Outgoing,
    Scheduler,
    new_runtime,
    unknown_function,
)
from localdev.durable.store import InstanceRecord, Message

__all__ = ["MAX_ACTIONS", "MAX_CUSTOM_STATUS_BYTES", "EpisodeResult", "Instance", "Outgoing", "run_episode"]

MAX_ACTIONS = 100_000
MAX_CUSTOM_STATUS_BYTES = 16 * 1024
TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
_COMPLETIONS = {
    EventType.TASK_COMPLETED: ("T", "TaskScheduledId"),
    EventType.TASK_FAILED: ("T", "TaskScheduledId"),
    EventType.SUB_ORCHESTRATION_COMPLETED: ("S", "TaskScheduledId"),
    EventType.SUB_ORCHESTRATION_FAILED: ("S", "TaskScheduledId"),
    EventType.TIMER_FIRED: ("F", "TimerId"),
}
CONTEXT_DEFAULTS: dict[str, Any] = {
    "upperSchemaVersion": 1,
    "upperSchemaVersionNew": 2,
    "longRunningTimerIntervalDuration": "3.00:00:00",
    "maximumShortTimerDuration": "6.00:00:00",
    "defaultHttpAsyncRequestSleepTimeMillseconds": 30000,
}


def run_episode(
    instance: Instance | None, messages: list[Message], now: datetime, registry: FunctionRegistry
) -> EpisodeResult:
    """Process ``messages`` (in order) for one instance; see the module docstring."""
    return _Episode(instance, now, registry).run(messages)


class _Episode(Scheduler):
    def __init__(self, instance: Instance | None, now: datetime, registry: FunctionRegistry) -> None:
        self.inst = instance
        self.now = now
        self.registry = registry
        self.result = EpisodeResult(instance)
        self.frame: list[Event] = []

    # ---- message intake ---------------------------------------------------------------------------
    def run(self, messages: list[Message]) -> EpisodeResult:
        if not messages:
            return self.result
        status = None if self.inst is None else self.inst.record.status
        if status is None or status in TERMINAL or status == "Pending":
            # nothing runs: messages before the next start (late results, events) are dropped
            starts = [i for i, m in enumerate(messages) if m.payload["type"] == "start"]
            first_start = starts[0] if starts else len(messages)
            self.result.consumed.extend(m.id for m in messages[:first_start])
            messages = messages[first_start:]
            if not messages:
                return self.result
        elif status == "ContinuedAsNew":
            # the new execution starts before anything that arrived meanwhile is delivered
            restart = next((m for m in messages if m.payload["type"] == "start"), None)
            if restart is not None:
                messages = [restart, *(m for m in messages if m is not restart)]
        head = messages[0]
        kind = head.payload["type"]
        if kind == "start":
            self.result.consumed.append(head.id)
            running = self.inst is not None and self.inst.record.status not in (*TERMINAL, "Pending")
            if running and not head.payload.get("continue"):
                parent = head.payload.get("parent")
                if parent:  # a sub-orchestration id already in use: the parent's task fails (DTFx)
                    reason = f"An orchestration with instance ID '{head.target}' is already running."
                    event = make_event(
                        EventType.SUB_ORCHESTRATION_FAILED,
                        self.now,
                        TaskScheduledId=parent["task_id"],
                        Reason=reason,
                        Details="",
                    )
                    payload = {"type": "event", "execution_id": parent["execution_id"], "event": event}
                    self._send("orch", parent["instance_id"], payload)
                return self.result  # duplicate start of a running instance: dropped
            started = self._begin_execution(head.payload)
            if started is None:
                return self.result
            self._run_sdk([started, *self._collect(messages[1:])])
            return self.result
        assert self.inst is not None
        if self.inst.record.status == "Suspended":
            control = next((m for m in messages if m.payload["type"] in ("terminate", "resume")), None)
            if control is not None:
                self._control(control)
            return self.result
        if kind in ("terminate", "suspend", "resume"):
            self._control(head)
            return self.result
        events = self._collect(messages)
        if events:
            self._run_sdk(events)
        return self.result

    def _collect(self, messages: list[Message]) -> list[Event]:
        assert self.inst is not None
        rt = self.inst.record.runtime
        done = set(rt["done"])
        events: list[Event] = []
        for message in messages:
            payload = message.payload
            if payload["type"] != "event":
                break
            self.result.consumed.append(message.id)
            target_execution = payload.get("execution_id")
            if target_execution and target_execution != self.inst.record.execution_id:
                continue  # for an earlier execution (continue-as-new) or a purged instance
            event = dict(payload["event"])
            completion = _COMPLETIONS.get(EventType(event["EventType"]))
            if completion is not None:
                key = f"{completion[0]}{event[completion[1]]}"
                if key in done:
                    continue  # duplicate delivery (at-least-once activities)
                done.add(key)
                rt["done"].append(key)
            if event["EventType"] == EventType.TIMER_FIRED:
                event["Timestamp"] = format_time(self.now)
            events.append(event)
            if self._retry_sensitive(event):
                break  # the SDK allocates a sequence id here: end the batch so ids stay in step
        return events

    # ---- execution lifecycle ----------------------------------------------------------------------
    def _begin_execution(self, payload: dict[str, Any]) -> Event | None:
        name = payload["name"]
        instance_id = payload["instance_id"]
        execution_id = uuid.uuid4().hex
        now_text = status_time(self.now)
        created = payload.get("created") or now_text
        if self.inst is not None and payload.get("continue"):
            created = self.inst.record.created_time
        parent = payload.get("parent")
        record = InstanceRecord(
            instance_id=instance_id,
            name=name,
            execution_id=execution_id,
            status="Running",
            input=payload.get("input"),
            output=None,
            custom_status=None,
            created_time=created,
            last_updated=now_text,
            parent=parent,
            runtime=new_runtime(),
        )
        self.inst = Instance(record, [])
        self.result.instance = self.inst
        self.result.history_reset = True
        parent_instance = None
        if parent:
            parent_instance = {
                "Name": parent["name"],
                "Version": "",
                "TaskScheduleId": parent["task_id"],
                "OrchestrationInstance": {
                    "InstanceId": parent["instance_id"],
                    "ExecutionId": parent["execution_id"],
                },
            }
        started = make_event(
            EventType.EXECUTION_STARTED,
            self.now,
            Name=name,
            Version="",
            Input=record.input,
            OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
            ParentInstance=parent_instance,
            Tags=None,
        )
        if self.registry.find("orchestrationTrigger", name) is None:
            self.frame = [make_event(EventType.ORCHESTRATOR_STARTED, self.now), started]
            self._fail(unknown_function(self.registry, name, "orchestrationTrigger", "orchestrator"), "")
            self._close_frame()
            return None
        return started

    def _control(self, message: Message) -> None:
        assert self.inst is not None
        self.result.consumed.append(message.id)
        payload = message.payload
        record = self.inst.record
        reason = payload.get("reason")
        self.frame = [make_event(EventType.ORCHESTRATOR_STARTED, self.now)]
        if payload["type"] == "terminate":
            self.frame.append(make_event(EventType.EXECUTION_TERMINATED, self.now, Input=reason))
            record.status = "Terminated"
            record.output = json.dumps(reason)
            self.frame.append(
                make_event(
                    EventType.EXECUTION_COMPLETED, self.now, OrchestrationStatus="Terminated", Result=reason
                )
            )
            self._notify_parent(EventType.SUB_ORCHESTRATION_FAILED, Reason=reason, Details="terminated")
        elif payload["type"] == "suspend":
            self.frame.append(make_event(EventType.EXECUTION_SUSPENDED, self.now, Reason=reason))
            record.status = "Suspended"
        else:
            self.frame.append(make_event(EventType.EXECUTION_RESUMED, self.now, Reason=reason))
            record.status = "Running"
        self._close_frame()

    # ---- the SDK call -----------------------------------------------------------------------------
    def _run_sdk(self, new_events: list[Event]) -> None:
        assert self.inst is not None
        record = self.inst.record
        fn = self.registry.find("orchestrationTrigger", record.name)
        assert fn is not None
        orchestrator_started = make_event(EventType.ORCHESTRATOR_STARTED, self.now)
        self.frame = [orchestrator_started, *new_events]
        context = {
            "history": [*self.inst.history, *self.frame],
            "input": record.input,
            "instanceId": record.instance_id,
            "isReplaying": bool(self.inst.history),
            "parentInstanceId": (record.parent or {}).get("instance_id"),
            **CONTEXT_DEFAULTS,
        }
        error: str | None = None
        try:
            state = json.loads(fn.func(json.dumps(context)))
        except Exception as exc:
            text = str(exc)
            if OUT_OF_PROC_MARKER in text:
                error, _, data = text.partition(OUT_OF_PROC_MARKER)
                state = json.loads(data)
            else:
                error, state = text, {"actions": [], "isDone": False}
        flat = flatten_actions(state.get("actions") or [])
        failure = self._apply_actions(flat)
        if failure is None and error is None:
            self._retry_followups(new_events[-1] if new_events else None)
        custom = state.get("customStatus")
        record.custom_status = None if custom is None else json.dumps(custom)
        if failure is None and record.custom_status is not None:
            size = len(record.custom_status.encode("utf-16-le"))
            if size > MAX_CUSTOM_STATUS_BYTES:
                record.custom_status = None
                failure = (
                    f"The UTF-16 size of the JSON-serialized custom status is {size / 1024:.1f} KB, "
                    "which exceeds the 16 KB limit."
                )
        if failure is not None:
            self._fail(f"Orchestrator function '{record.name}' failed: {failure}", failure)
        elif error is not None:
            self._fail(f"Orchestrator function '{record.name}' failed: {error}", error)
        elif state.get("isDone"):
            self._complete(state, flat)
        self._close_frame()

    def _apply_actions(self, flat: list[FlatAction]) -> str | None:
        assert self.inst is not None
        rt = self.inst.record.runtime
        known: list[list[str]] = rt["known"]
        if len(flat) > MAX_ACTIONS:
            return f"The orchestration exceeded the maximum of {MAX_ACTIONS} actions per execution."
        for position in range(min(len(known), len(flat))):
            current = identity(flat[position])
            if current != known[position]:
                return (
                    "Non-Deterministic workflow detected: A previous execution of this orchestration "
                    f"scheduled {describe(known[position])} at position {position}, but the current replay "
                    f"execution scheduled {describe(current)} instead. Was a change made to the orchestrator "
                    "code after this instance had already started running?"
                )
        for action in flat[len(known) :]:
            known.append(identity(action))
            if not action.takes_sequence_id:
                continue
            seq = rt["next_seq"]
            rt["next_seq"] += 1
            if action.has_retry:
                rt["groups"][str(seq)] = {"kind": action.kind, "body": action.body, "attempt": 1}
                rt["seq"][str(seq)] = {"g": str(seq)}
            problem = self._schedule(action.category, action.body, seq)
            if problem is not None:
                return problem
        return None

    # ---- completion -------------------------------------------------------------------------------
    def _complete(self, state: dict[str, Any], flat: list[FlatAction]) -> None:
        assert self.inst is not None
        record = self.inst.record
        continue_as_new = next((a for a in reversed(flat) if a.category == "continueasnew"), None)
        if continue_as_new is not None:
            record.status = "ContinuedAsNew"
            new_input = continue_as_new.body.get("input")
            self.frame.append(
                make_event(
                    EventType.EXECUTION_COMPLETED,
                    self.now,
                    OrchestrationStatus="ContinuedAsNew",
                    Result=new_input,
                )
            )
            payload = {
                "type": "start",
                "continue": True,
                "name": record.name,
                "instance_id": record.instance_id,
                "input": new_input,
                "parent": record.parent,
            }
            self._send("orch", record.instance_id, payload)
            return
        record.status = "Completed"
        record.output = json.dumps(state.get("output"))
        self.frame.append(
            make_event(
                EventType.EXECUTION_COMPLETED, self.now, OrchestrationStatus="Completed", Result=record.output
            )
        )
        self._notify_parent(EventType.SUB_ORCHESTRATION_COMPLETED, Result=record.output)

    def _fail(self, reason: str, details: str) -> None:
        assert self.inst is not None
        record = self.inst.record
        record.status = "Failed"
        record.output = json.dumps(reason)
        failure = {"ErrorType": "OrchestrationFailure", "ErrorMessage": reason, "StackTrace": details}
        self.frame.append(
            make_event(
                EventType.EXECUTION_COMPLETED,
                self.now,
                OrchestrationStatus="Failed",
                Result=reason,
                FailureDetails=failure,
            )
        )
        self._notify_parent(EventType.SUB_ORCHESTRATION_FAILED, Reason=reason, Details=details)

    def _notify_parent(self, kind: EventType, **fields: Any) -> None:
        assert self.inst is not None
        parent = self.inst.record.parent
        if not parent:
            return
        event = make_event(kind, self.now, TaskScheduledId=parent["task_id"], **fields)
        payload = {"type": "event", "execution_id": parent["execution_id"], "event": event}
        self._send("orch", parent["instance_id"], payload)

    def _close_frame(self) -> None:
        assert self.inst is not None
        self.frame.append(make_event(EventType.ORCHESTRATOR_COMPLETED, self.now))
        for event in self.frame:
            event["IsPlayed"] = event["EventType"] != EventType.ORCHESTRATOR_STARTED
        self.inst.history.extend(self.frame)
        self.result.appended.extend(self.frame)
        self.inst.record.last_updated = status_time(self.now)
        self.frame = []
