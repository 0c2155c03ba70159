"""Run a batch of entity operations through the SDK's entity handler (pure; the host persists the result).

Operations of one entity are strictly serialised: the host runs one batch per entity at a time. As in the
real host there is no rollback: state changed before an operation raised is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from localdev.durable.engine import Outgoing
from localdev.durable.functions import FunctionRegistry
from localdev.durable.history import EventType, format_time, make_event
from localdev.durable.store import EntityRecord, Message

__all__ = ["EntityBatchResult", "run_entity_batch", "split_entity_id"]


@dataclass
class EntityBatchResult:
    """New entity state plus the responses to send to calling orchestrations."""

    record: EntityRecord
    outgoing: list[Outgoing] = field(default_factory=list)


def split_entity_id(entity_id: str) -> tuple[str, str]:
    """``@counter@k1`` → ``("counter", "k1")``."""
    _, name, key = entity_id.split("@", 2)
    return name, key


def run_entity_batch(
    registry: FunctionRegistry,
    entity_id: str,
    record: EntityRecord | None,
    messages: list[Message],
    now: datetime,
) -> EntityBatchResult:
    """Run ``messages`` (operations, in order) as one batch against the entity's stored state."""
    name, key = split_entity_id(entity_id)
    exists = record is not None and record.exists
    state = record.state if record is not None and record.exists else None
    fn = registry.find("entityTrigger", name)
    results: list[dict[str, Any]]
    if fn is None:
        known = ", ".join(f"'{n}'" for n in registry.names("entityTrigger"))
        error = (
            f"The function '{name}' doesn't exist, is disabled, or is not an entity function. Known: {known}."
        )
        results = [{"isError": True, "result": json.dumps(error)} for _ in messages]
    else:
        request = {
            "self": {"name": name, "key": key},
            "exists": exists,
            "state": state,
            "batch": [
                {
                    "name": m.payload["op"],
                    "input": json.dumps(
                        m.payload.get("input") if m.payload.get("input") is not None else "null"
                    ),
                    "isSignal": bool(m.payload.get("signal")),
                }
                for m in messages
            ],
        }
        try:
            response = json.loads(fn.func(json.dumps(request)))
            results = list(response.get("results", []))
            exists = bool(response.get("entityExists"))
            state = response.get("entityState") if exists else None
        except Exception as exc:  # the handler itself failed: every operation of the batch fails
            results = [{"isError": True, "result": json.dumps(str(exc))} for _ in messages]
    if len(results) != len(messages):
        results = [{"isError": True, "result": json.dumps("entity batch result count mismatch")}] * len(
            messages
        )
    outgoing: list[Outgoing] = []
    for message, result in zip(messages, results, strict=True):
        parent = message.payload.get("parent")
        if message.payload.get("signal") or not parent:
            continue
        body: dict[str, Any] = {"result": result.get("result")}
        if result.get("isError"):
            body["exceptionType"] = "Error"
        event = make_event(EventType.EVENT_RAISED, now, Name=message.payload["id"], Input=json.dumps(body))
        payload = {"type": "event", "execution_id": message.payload.get("parent_execution"), "event": event}
        outgoing.append(Outgoing("orch", parent, payload))
    new_record = EntityRecord(entity_id, name, key, exists, state, format_time(now))
    return EntityBatchResult(new_record, outgoing)
