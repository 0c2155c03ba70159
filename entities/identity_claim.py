"""Pure transition function of the ``identity_claim`` entity: which catalog owns one Purview identity.

Purview is shared by every catalog this app syncs. Two catalogs listing the same type + qualifiedName would
overwrite each other's asset and, when the item leaves one of them, delete the other's. So each identity is
claimed by exactly one ``(catalog, external_id)``: the first writer owns it; anyone else is refused and told
who owns it. Ownership moves only when the owner releases it (it deleted or dropped the object) or when the
claimant's catalog is configured to adopt from the owner's (``adopt_from``).

Keyed by :func:`entities.keys.identity_key`. The entity function is a thin wrapper: :func:`parse_operation`,
then :func:`apply`, then store ``new_state.to_json()`` or destruct.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, assert_never

from pydantic import Field

from entities import machine
from entities.machine import Frozen, Token, UtcTime

__all__ = [
    "OPERATION_NAMES",
    "Claim",
    "ClaimRequest",
    "ClaimResult",
    "GetRequest",
    "InvalidOperationError",
    "Operation",
    "ReleaseRequest",
    "Transition",
    "apply",
    "parse_operation",
]


Text = Annotated[str, Field(min_length=1)]


class Claim(Frozen):
    """Stored state: the identity and the object that owns it."""

    version: Literal[1] = 1
    type_name: Text
    qualified_name: Text
    catalog: Token
    external_id: Text
    since: UtcTime


class ClaimRequest(Frozen):
    """Claim the identity for ``catalog``/``external_id``; ``adopt_from`` lists catalogs it may take over."""

    name: ClassVar[str] = "claim"
    type_name: Text
    qualified_name: Text
    catalog: Token
    external_id: Text
    adopt_from: tuple[Token, ...] = ()
    now: UtcTime | None = None


class ReleaseRequest(Frozen):
    """Give the identity up (the owner dropped the object); from anyone but the owner it changes nothing."""

    name: ClassVar[str] = "release"
    catalog: Token
    external_id: Text


class GetRequest(Frozen):
    """Read the claim (never changes it)."""

    name: ClassVar[str] = "get"


Operation = ClaimRequest | ReleaseRequest | GetRequest
_REQUESTS: Final[dict[str, type[Operation]]] = {
    cls.name: cls for cls in (ClaimRequest, ReleaseRequest, GetRequest)
}
OPERATION_NAMES: Final = tuple(_REQUESTS)

ClaimReason = Literal["new", "same_owner", "adopted", "owned"]


class ClaimResult(Frozen):
    """Answer to ``claim``: ``granted`` and who owns the identity after the call."""

    granted: bool
    reason: ClaimReason
    owner_catalog: str
    owner_external_id: str
    previous_catalog: str | None = None  # the catalog taken over from (reason ``adopted``)

    def message(self) -> str:
        """What an item refused a claim shows in its sync state and the run summary."""
        return f"owned by catalog {self.owner_catalog!r} (external id {self.owner_external_id!r})"


class InvalidOperationError(machine.InvalidOperationError):
    """An identity_claim operation name or payload is invalid; raised before any state is touched."""

    machine: ClassVar[str] = "identity_claim"


def parse_operation(name: str, payload: Any) -> Operation:
    """Validate an operation name and its JSON payload into a typed request."""
    return machine.parse_request(_REQUESTS, name, payload, InvalidOperationError)


Transition: TypeAlias = machine.Transition[Claim | None]
"""Outcome of :func:`apply`: store ``new_state`` (destruct when ``None``) and return ``result``."""


def apply(state: Claim | None, operation: Operation, now: datetime) -> Transition:
    """Apply a parsed operation; a refused claim or a release by a non-owner changes nothing."""
    now = machine.to_utc(now)
    if isinstance(operation, GetRequest):
        return Transition(state, state.to_json() if state is not None else None)
    if isinstance(operation, ReleaseRequest):
        if state is not None and (state.catalog, state.external_id) == (
            operation.catalog,
            operation.external_id,
        ):
            return Transition(None, {"released": True})
        return Transition(state, {"released": False})
    if isinstance(operation, ClaimRequest):
        return _claim(state, operation, operation.now or now)
    assert_never(operation)


def _claim(state: Claim | None, op: ClaimRequest, at: datetime) -> Transition:
    mine = {"catalog": op.catalog, "external_id": op.external_id}
    if state is None or (state.catalog in op.adopt_from and state.catalog != op.catalog):
        new = Claim(type_name=op.type_name, qualified_name=op.qualified_name, since=at, **mine)
        reason: ClaimReason = "new" if state is None else "adopted"
        previous = state.catalog if state is not None else None
        return Transition(new, _result(new, True, reason, previous))
    if (state.catalog, state.external_id) == (op.catalog, op.external_id):
        return Transition(state, _result(state, True, "same_owner"))
    return Transition(state, _result(state, False, "owned"))


def _result(state: Claim, granted: bool, reason: ClaimReason, previous: str | None = None) -> dict[str, Any]:
    return ClaimResult(
        granted=granted,
        reason=reason,
        owner_catalog=state.catalog,
        owner_external_id=state.external_id,
        previous_catalog=previous,
    ).to_json()
