"""What every entity machine does before touching state: turn an operation name and JSON payload into a typed
request, or refuse it with an error naming the machine and the operation (entities have no rollback)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

__all__ = ["InvalidOperationError", "parse_request"]

RequestT = TypeVar("RequestT", bound=BaseModel)


class InvalidOperationError(ValueError):
    """An entity operation name or payload is invalid; raised before any state is touched."""

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
