"""SDK actions → durable work: flattening, identity for non-determinism checks, and retry bookkeeping.

Pure functions over the JSON the SDK returns (reference: durable protocol §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ActionKind",
    "FlatAction",
    "entity_instance_id",
    "flatten_actions",
    "identity",
    "retry_interval_ms",
]


class ActionKind:
    """SDK ``actionType`` numbers."""

    CALL_ACTIVITY = 0
    CALL_ACTIVITY_WITH_RETRY = 1
    CALL_SUB_ORCHESTRATOR = 2
    CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
    CONTINUE_AS_NEW = 4
    CREATE_TIMER = 5
    WAIT_FOR_EXTERNAL_EVENT = 6
    CALL_ENTITY = 7
    CALL_HTTP = 8
    SIGNAL_ENTITY = 9
    WHEN_ANY = 11
    WHEN_ALL = 12


_CATEGORY = {
    ActionKind.CALL_ACTIVITY: "activity",
    ActionKind.CALL_ACTIVITY_WITH_RETRY: "activity",
    ActionKind.CALL_SUB_ORCHESTRATOR: "suborchestration",
    ActionKind.CALL_SUB_ORCHESTRATOR_WITH_RETRY: "suborchestration",
    ActionKind.CONTINUE_AS_NEW: "continueasnew",
    ActionKind.CREATE_TIMER: "timer",
    ActionKind.WAIT_FOR_EXTERNAL_EVENT: "externalevent",
    ActionKind.CALL_ENTITY: "entitycall",
    ActionKind.CALL_HTTP: "http",
    ActionKind.SIGNAL_ENTITY: "entitysignal",
}

# actions that take a sequence id in the SDK (WaitForExternalEvent does not)
_NO_SEQUENCE = {ActionKind.WAIT_FOR_EXTERNAL_EVENT}


@dataclass(frozen=True)
class FlatAction:
    """One atomic action in depth-first order."""

    kind: int
    body: dict[str, Any]

    @property
    def category(self) -> str:
        return _CATEGORY.get(self.kind, f"action{self.kind}")

    @property
    def takes_sequence_id(self) -> bool:
        return self.kind not in _NO_SEQUENCE

    @property
    def has_retry(self) -> bool:
        return self.kind in (ActionKind.CALL_ACTIVITY_WITH_RETRY, ActionKind.CALL_SUB_ORCHESTRATOR_WITH_RETRY)


def flatten_actions(actions: Any) -> list[FlatAction]:
    """Depth-first atomic actions from the SDK's (possibly nested, V1/V2/V3) ``actions`` value."""
    flat: list[FlatAction] = []
    _flatten(actions, flat)
    return flat


def _flatten(node: Any, out: list[FlatAction]) -> None:
    if isinstance(node, list):
        for item in node:
            _flatten(item, out)
    elif isinstance(node, dict):
        if "compoundActions" in node:
            _flatten(node["compoundActions"], out)
        else:
            out.append(FlatAction(int(node["actionType"]), node))


def entity_instance_id(raw: str) -> str:
    """``@Counter@k1`` → ``@counter@k1`` (entity names are case-insensitive, keys are not)."""
    if raw.startswith("@") and raw.count("@") >= 2:
        _, name, key = raw.split("@", 2)
        return f"@{name.lower()}@{key}"
    return raw


def identity(action: FlatAction) -> list[str]:
    """What must match between episodes for an action at a given position (category + name)."""
    body = action.body
    if action.category in ("activity", "suborchestration"):
        return [action.category, str(body.get("functionName", "")).lower()]
    if action.category == "externalevent":
        return [action.category, str(body.get("externalEventName", ""))]
    if action.category in ("entitycall", "entitysignal"):
        return [
            action.category,
            entity_instance_id(str(body.get("instanceId", ""))),
            str(body.get("operation")),
        ]
    return [action.category, ""]


def retry_interval_ms(options: dict[str, Any], attempt: int) -> float:
    """DTFx RetryInterceptor delay after failed attempt ``attempt`` (backoff coefficient 1 from Python)."""
    first = float(options.get("firstRetryIntervalInMilliseconds", 0))
    backoff = float(options.get("backoffCoefficient", 1.0) or 1.0)
    delay = first * backoff ** max(0, attempt - 1)
    max_interval = options.get("maxRetryIntervalInMilliseconds")
    if max_interval:
        delay = min(delay, float(max_interval))
    return delay


def describe(action_identity: list[str]) -> str:
    """Human wording for a non-determinism message."""
    category, name = action_identity[0], ":".join(action_identity[1:])
    nouns = {
        "activity": "an activity task",
        "suborchestration": "a sub-orchestration",
        "timer": "a durable timer",
        "externalevent": "a wait for an external event",
        "entitycall": "an entity call",
        "entitysignal": "an entity signal",
        "continueasnew": "a continue-as-new",
        "http": "an HTTP call",
    }
    noun = nouns.get(category, category)
    return f"{noun} named '{name}'" if name else noun
