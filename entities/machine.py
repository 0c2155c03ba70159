"""The frame every entity state machine shares: frozen JSON models, UTC times, the parse step, the transition.

A machine is a pure ``apply(state, operation, now) -> Transition``. Its operations are pydantic requests,
parsed by :func:`parse_request` before any state is touched (entities have no rollback). States are
:class:`Frozen` models that changes rebuild through :func:`evolve`, so a stored state is always a valid one.

Usage::

    class Counter(Frozen):
        value: int = 0

    def apply(state: Counter, op: AddRequest, now: datetime) -> Transition[Counter]:
        new = evolve(state, value=state.value + op.amount)
        return Transition(new, {"value": new.value})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "Frozen",
    "InvalidOperationError",
    "Token",
    "Transition",
    "UtcTime",
    "evolve",
    "parse_request",
    "to_utc",
]


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive time is refused (the entity's clock is ambiguous without a zone)."""
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value.astimezone(UTC)


UtcTime = Annotated[AwareDatetime, AfterValidator(to_utc)]
"""A timezone-aware time, stored in UTC so equal states serialise identically."""
Token = Annotated[str, Field(min_length=1, max_length=256)]
"""A short non-empty identifier (run id, catalog name, guid)."""


class Frozen(BaseModel):
    """Immutable model that refuses unknown fields: every state, request and result of a machine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON dict, the only shape that crosses a durable boundary."""
        return self.model_dump(mode="json")


FrozenT = TypeVar("FrozenT", bound=Frozen)
StateT_co = TypeVar("StateT_co", covariant=True)
RequestT = TypeVar("RequestT", bound=BaseModel)


def evolve(state: FrozenT, **changes: Any) -> FrozenT:
    """A copy of ``state`` with ``changes``, validated again (``model_copy(update=...)`` would skip that)."""
    return type(state).model_validate({**state.model_dump(), **changes})


@dataclass(frozen=True)  # no slots: a machine's alias (Transition[SyncState]) sets __orig_class__ on calls
class Transition(Generic[StateT_co]):
    """Outcome of ``apply``: store ``new_state`` (destruct when ``None``) and return ``result``."""

    new_state: StateT_co
    result: dict[str, Any] | None


class InvalidOperationError(ValueError):
    """An entity operation name or payload is invalid; raised before any state is touched.

    Each machine subclasses it with its own ``machine`` name, which starts the message.
    """

    machine: ClassVar[str] = "entity"

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(f"{self.machine} operation {operation!r}: {message}")
        self.operation = operation


def parse_request(
    requests: Mapping[str, type[RequestT]], name: str, payload: Any, error: type[InvalidOperationError]
) -> RequestT:
    """Validate ``payload`` (a JSON object, or ``None`` for no input) as the request of ``name``."""
    cls = requests.get(name)
    if cls is None:
        raise error(name, f"unknown operation; expected one of {', '.join(requests)}")
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise error(name, f"payload must be a JSON object, got {type(payload).__name__}")
    try:
        return cls.model_validate(payload)
    except ValueError as exc:  # pydantic's ValidationError
        raise error(name, f"invalid payload: {exc}") from exc
