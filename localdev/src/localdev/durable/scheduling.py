"""Episode building blocks: the instance model, outgoing messages and the scheduling of SDK actions.

``Scheduler`` turns one new action (or a DTFx retry step) into history events and outgoing messages; the
episode logic in ``engine.py`` decides when. Sequence ids are assigned exactly as the SDK counts them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from localdev.durable.actions import entity_instance_id, retry_interval_ms
from localdev.durable.functions import FunctionRegistry
from localdev.durable.history import Event, EventType, format_time, make_event, parse_time
from localdev.durable.store import InstanceRecord

__all__ = ["EpisodeResult", "Instance", "Outgoing", "Scheduler", "new_runtime", "unknown_function"]


@dataclass
class Instance:
    """An orchestration instance: its status record and the current execution's history."""

    record: InstanceRecord
    history: list[Event]


@dataclass
class Outgoing:
    """A message an episode sends (activity work, timer, entity operation, sub-orchestration start...)."""

    kind: str
    target: str
    payload: dict[str, Any]
    visible_at: str | None = None


@dataclass
class EpisodeResult:
    """What the host must persist and dispatch after an episode."""

    instance: Instance | None
    consumed: list[int] = field(default_factory=list)
    appended: list[Event] = field(default_factory=list)
    history_reset: bool = False
    outgoing: list[Outgoing] = field(default_factory=list)


def new_runtime() -> dict[str, Any]:
    return {"next_seq": 0, "known": [], "seq": {}, "groups": {}, "done": [], "req": 0}


class Scheduler:
    """Scheduling half of an episode (mixed into the episode class of ``engine.py``)."""

    inst: Instance | None
    now: datetime
    registry: FunctionRegistry
    result: EpisodeResult
    frame: list[Event]

    def _retry_sensitive(self, event: Event) -> bool:
        assert self.inst is not None
        seq_info = self.inst.record.runtime["seq"]
        kind = event["EventType"]
        if kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED):
            info = seq_info.get(str(event["TaskScheduledId"]), {})
            return bool(info.get("g")) and not info.get("rt")
        if kind == EventType.TIMER_FIRED:
            return bool(seq_info.get(str(event["TimerId"]), {}).get("rt"))
        return False

    def _retry_followups(self, last: Event | None) -> None:
        """DTFx RetryInterceptor: a timer after each failed attempt, then a new attempt (or the dummy)."""
        if last is None or not self._retry_sensitive(last):
            return
        assert self.inst is not None
        rt = self.inst.record.runtime
        if last["EventType"] == EventType.TIMER_FIRED:
            gkey = rt["seq"][str(last["TimerId"])]["g"]
            group = rt["groups"][gkey]
            options = group["body"].get("retryOptions", {})
            if group["attempt"] < int(options.get("maxNumberOfAttempts", 1)):
                group["attempt"] += 1
                seq = rt["next_seq"]
                rt["next_seq"] += 1
                rt["seq"][str(seq)] = {"g": gkey}
                category = "activity" if group["kind"] == 1 else "suborchestration"
                self._schedule(category, group["body"], seq)
            return
        gkey = rt["seq"][str(last["TaskScheduledId"])]["g"]
        group = rt["groups"][gkey]
        options = group["body"].get("retryOptions", {})
        delay_ms = 0.0
        if group["attempt"] < int(options.get("maxNumberOfAttempts", 1)):
            delay_ms = retry_interval_ms(options, group["attempt"])
        seq = rt["next_seq"]
        rt["next_seq"] += 1
        rt["seq"][str(seq)] = {"g": gkey, "rt": True}
        self._schedule_timer(self.now + timedelta(milliseconds=delay_ms), seq)

    def _schedule(self, category: str, body: dict[str, Any], seq: int) -> str | None:
        assert self.inst is not None
        record = self.inst.record
        if category == "activity":
            name = body["functionName"]
            if self.registry.find("activityTrigger", name) is None:
                return unknown_function(self.registry, name, "activityTrigger", "activity")
            self._event(EventType.TASK_SCHEDULED, seq, Name=name, Version="", Input=body.get("input"))
            self._send(
                "activity",
                record.instance_id,
                {"execution_id": record.execution_id, "seq": seq, "name": name, "input": body.get("input")},
            )
        elif category == "suborchestration":
            name = body["functionName"]
            if self.registry.find("orchestrationTrigger", name) is None:
                return unknown_function(self.registry, name, "orchestrationTrigger", "orchestrator")
            child = body.get("instanceId") or f"{record.execution_id}:{seq}"
            self._event(
                EventType.SUB_ORCHESTRATION_CREATED, seq, Name=name, InstanceId=child, Input=body.get("input")
            )
            parent = {
                "instance_id": record.instance_id,
                "execution_id": record.execution_id,
                "task_id": seq,
                "name": record.name,
            }
            self._send(
                "orch",
                child,
                {
                    "type": "start",
                    "name": name,
                    "instance_id": child,
                    "input": body.get("input"),
                    "parent": parent,
                },
            )
        elif category == "timer":
            self._schedule_timer(parse_time(body["fireAt"]), seq)
        elif category in ("entitycall", "entitysignal"):
            self._send_entity_operation(body, seq, signal=category == "entitysignal")
        elif category == "http":
            request = body.get("httpRequest", {})
            self._event(
                EventType.TASK_SCHEDULED, seq, Name="BuiltIn::HttpActivity", Input=json.dumps(request)
            )
            payload = {"execution_id": record.execution_id, "seq": seq, "name": "", "http": request}
            self._send("activity", record.instance_id, payload)
        return None

    def _schedule_timer(self, fire_at: datetime, seq: int) -> None:
        assert self.inst is not None
        fire_text = format_time(fire_at)
        self._event(EventType.TIMER_CREATED, seq, FireAt=fire_text)
        fired = make_event(EventType.TIMER_FIRED, fire_at, TimerId=seq, FireAt=fire_text)
        payload = {"type": "event", "execution_id": self.inst.record.execution_id, "event": fired}
        self._send("orch", self.inst.record.instance_id, payload, visible_at=fire_text)

    def _send_entity_operation(self, body: dict[str, Any], seq: int, *, signal: bool) -> None:
        assert self.inst is not None
        record = self.inst.record
        rt = record.runtime
        started = self.frame[0]["Timestamp"]
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record.instance_id}:{started}:{rt['req']}"))
        rt["req"] += 1
        entity_id = entity_instance_id(body["instanceId"])
        message: dict[str, Any] = {
            "op": body.get("operation"),
            "id": request_id,
            "parent": record.instance_id,
            "parentExecution": record.execution_id,
            "input": body.get("input"),
        }
        if signal:
            message["signal"] = True
        self._event(EventType.EVENT_SENT, seq, InstanceId=entity_id, Name="op", Input=json.dumps(message))
        self._send(
            "entity",
            entity_id,
            {
                "op": body.get("operation"),
                "input": body.get("input"),
                "signal": signal,
                "id": request_id,
                "parent": None if signal else record.instance_id,
                "parent_execution": None if signal else record.execution_id,
            },
        )

    # ---- helpers ----------------------------------------------------------------------------------
    def _event(self, kind: EventType, seq: int, **fields: Any) -> None:
        self.frame.append(make_event(kind, self.now, event_id=seq, **fields))

    def _send(self, kind: str, target: str, payload: dict[str, Any], visible_at: str | None = None) -> None:
        self.result.outgoing.append(Outgoing(kind, target, payload, visible_at))


def unknown_function(registry: FunctionRegistry, name: str, trigger: str, noun: str) -> str:
    known = ", ".join(f"'{n}'" for n in registry.names(trigger))
    return (
        f"The function '{name}' doesn't exist, is disabled, or is not an {noun} function. "
        f"Additional info: The following are the known {noun} functions: {known}."
    )
