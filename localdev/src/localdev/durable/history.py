"""Durable Task history events as the Azure host sends them to the SDK (pure functions).

Events are plain dicts in Newtonsoft's default shape: PascalCase keys, integer ``EventType`` and aware
ISO-8601 timestamps ending in ``Z``; every event has ``EventType, EventId, IsPlayed, Timestamp``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

__all__ = ["Event", "EventType", "event_name", "format_time", "make_event", "parse_time", "status_time"]

Event = dict[str, Any]


class EventType(IntEnum):
    """DTFx ``EventType`` numbers."""

    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_TERMINATED = 2
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_CREATED = 7
    SUB_ORCHESTRATION_COMPLETED = 8
    SUB_ORCHESTRATION_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16
    GENERIC = 17
    HISTORY_STATE = 18
    EXECUTION_SUSPENDED = 19
    EXECUTION_RESUMED = 20


_SPECIAL_NAMES = {
    EventType.SUB_ORCHESTRATION_CREATED: "SubOrchestrationInstanceCreated",
    EventType.SUB_ORCHESTRATION_COMPLETED: "SubOrchestrationInstanceCompleted",
    EventType.SUB_ORCHESTRATION_FAILED: "SubOrchestrationInstanceFailed",
}


def event_name(kind: int) -> str:
    """DTFx's name of an event type (``TaskScheduled``), as status ``historyEvents`` show it."""
    try:
        member = EventType(kind)
    except ValueError:
        return str(kind)
    return _SPECIAL_NAMES.get(member) or member.name.title().replace("_", "")


def format_time(moment: datetime) -> str:
    """ISO-8601 with microseconds and ``Z`` (aware UTC required)."""
    if moment.tzinfo is None:
        raise ValueError("durable timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def status_time(moment: datetime) -> str:
    """The second-precision form used in status answers (``2024-01-01T00:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse the ISO-8601 forms the SDK and clients send; naive values are taken as UTC."""
    value = text.strip().replace("Z", "+00:00")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def make_event(kind: EventType, timestamp: datetime, *, event_id: int = -1, **fields: Any) -> Event:
    """One history event; ``fields`` are the PascalCase payload keys."""
    event: Event = {
        "EventType": int(kind),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": format_time(timestamp),
    }
    event.update(fields)
    return event
