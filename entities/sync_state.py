"""Pure transition function of the per-object ``sync_state`` entity: the object's lock and change detector.

A ``Pending`` state with an unexpired lease is the lock: one run (``correlation_id``) owns the object until
it completes, fails or the lease expires. ``Completed`` keeps the Purview guid and the fingerprint written, so
an unchanged object is only recorded as seen. The entity function is a thin wrapper: :func:`parse_operation`
first (entities have no rollback), then :func:`apply`, then store ``new_state.to_json()`` or destruct.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Final, Literal, Self, TypeAlias, assert_never

from pydantic import AfterValidator, Field, model_validator

from entities import machine
from entities.keys import encode_key
from entities.machine import Frozen, Token, UtcTime, evolve

__all__ = [
    "DEFAULT_LEASE_SECONDS",
    "MAX_ERROR_LENGTH",
    "MAX_LEASE_SECONDS",
    "OPERATION_NAMES",
    "AckResult",
    "BeginMode",
    "BeginRequest",
    "BeginResult",
    "CompleteRequest",
    "Decision",
    "DeleteRequest",
    "DeleteResult",
    "FailRequest",
    "GetRequest",
    "InvalidOperationError",
    "Operation",
    "Origin",
    "Status",
    "SyncState",
    "Transition",
    "apply",
    "parse_operation",
]

DEFAULT_LEASE_SECONDS: Final = 15 * 60
MAX_LEASE_SECONDS: Final = 24 * 60 * 60
MAX_ERROR_LENGTH: Final = 4000
"""Longer errors are truncated, not rejected: a rejected ``fail`` would leave the object Pending."""


class Status(enum.StrEnum):
    """Lifecycle of one object's sync."""

    PENDING = "Pending"
    COMPLETED = "Completed"
    FAILED = "Failed"


class Decision(enum.StrEnum):
    """What ``begin`` tells the caller to do with the object."""

    PROCEED = "proceed"  # you own it now: upsert, then complete or fail
    SKIP = "skip"  # this run already completed it
    UNCHANGED = "unchanged"  # same fingerprint as what Purview holds; recorded as seen
    BUSY = "busy"  # another run holds an unexpired lease: retry later


Origin = Literal["created", "adopted", "skipped"]
"""How the object came to be in Purview: the sync created it, adopted one that was there, or skipped it."""
BeginMode = Literal["normal", "verify", "full"]
"""``verify``/``full`` runs take unchanged objects too: verify compares with Purview, full rewrites them."""


ExternalId = Annotated[str, Field(min_length=1)]
ErrorText = Annotated[str, Field(min_length=1), AfterValidator(lambda text: text[:MAX_ERROR_LENGTH])]
Names = Annotated[tuple[Token, ...], AfterValidator(lambda names: tuple(sorted(set(names))))]
"""Term/classification names: a set, stored sorted so equal states serialise identically."""


class SyncState(Frozen):
    """Stored state of one object; ``to_json()``/``from_json()`` are the entity-state round trip.

    ``correlation_id`` is the run that owns (Pending) or last finished (Completed/Failed) the sync.
    ``last_seen``/``last_seen_run`` move on every ``proceed`` and ``unchanged``; ``last_success`` on
    ``complete`` and ``unchanged`` (object confirmed in sync), which is what the deletion guard reads.
    ``assigned_*`` are what this sync assigned in Purview, so it only ever removes what it added.
    ``origin`` says whether the sync created the Purview object or adopted one that was there (then it is
    never deleted, only stripped of the sync's additions); ``identity`` is the ``type_name|qualifiedName``
    whose ``identity_claim`` this object holds.
    """

    version: Literal[1] = 1
    catalog: Token
    kind: Token
    external_id: ExternalId
    status: Status
    correlation_id: Token
    fingerprint: Token
    sync_start: UtcTime
    sync_end: UtcTime | None = None
    lease_expires: UtcTime | None = None
    purview_guid: Token | None = None
    last_seen_run: Token
    last_seen: UtcTime
    last_success: UtcTime | None = None
    last_error: ErrorText | None = None
    assigned_terms: Names = ()
    assigned_classifications: Names = ()
    assigned_attributes: Names = ()  # adopted assets: custom attributes and lineage references the sync added
    attempts: int = Field(default=0, ge=0)
    origin: Origin | None = None
    identity: str | None = None

    @model_validator(mode="after")
    def _pending_has_lease(self) -> Self:
        if (self.status is Status.PENDING) != (self.lease_expires is not None):
            raise ValueError("lease_expires must be set exactly when status is Pending")
        return self

    def key(self) -> str:
        """Entity key of this object (see :mod:`entities.keys`); resolvable even when the key is hashed."""
        return encode_key(self.catalog, self.kind, self.external_id)

    def lease_valid(self, now: datetime) -> bool:
        """Whether a Pending owner still holds the lock at ``now``."""
        return self.lease_expires is not None and now < self.lease_expires

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SyncState:
        return cls.model_validate(data)


# Requests are JSON objects (signal_entity drops falsy inputs). Optional ``now`` lets a caller pin the clock
# (e.g. an orchestrator's current_utc_datetime); otherwise apply() uses the entity's clock.
class BeginRequest(Frozen):
    """Take the object for ``correlation_id`` if it changed (lock + change detection)."""

    name: ClassVar[str] = "begin"
    correlation_id: Token
    catalog: Token
    kind: Token
    external_id: ExternalId
    fingerprint: Token
    lease_seconds: int = Field(default=DEFAULT_LEASE_SECONDS, gt=0, le=MAX_LEASE_SECONDS)
    identity: str | None = None
    mode: BeginMode = "normal"
    now: UtcTime | None = None

    @model_validator(mode="after")
    def _has_key(self) -> Self:
        encode_key(self.catalog, self.kind, self.external_id)  # rejects text that cannot form a key
        return self


class CompleteRequest(Frozen):
    """The owner wrote the object; ``assigned_*`` replace the stored sets when given, else they are kept."""

    name: ClassVar[str] = "complete"
    correlation_id: Token
    purview_guid: Token
    assigned_terms: Names | None = None
    assigned_classifications: Names | None = None
    assigned_attributes: Names | None = None
    origin: Origin | None = None
    identity: str | None = None
    now: UtcTime | None = None


class FailRequest(Frozen):
    """The owner gave up on the object for this run; ``identity`` when it holds that identity's claim (so the
    claim is released if the object is dropped before it ever lands)."""

    name: ClassVar[str] = "fail"
    correlation_id: Token
    error: ErrorText
    identity: str | None = None
    now: UtcTime | None = None


class DeleteRequest(Frozen):
    """Destruct the state; refused while a run holds a valid lease unless ``force``."""

    name: ClassVar[str] = "delete"
    force: bool = False
    now: UtcTime | None = None


class GetRequest(Frozen):
    """Read the state (never changes it)."""

    name: ClassVar[str] = "get"


Operation = BeginRequest | CompleteRequest | FailRequest | DeleteRequest | GetRequest
_REQUESTS: Final[dict[str, type[Operation]]] = {
    cls.name: cls for cls in (BeginRequest, CompleteRequest, FailRequest, DeleteRequest, GetRequest)
}
OPERATION_NAMES: Final = tuple(_REQUESTS)


class InvalidOperationError(machine.InvalidOperationError):
    """A sync_state operation name or payload is invalid; raised before any state is touched."""

    machine: ClassVar[str] = "sync_state"


def parse_operation(name: str, payload: Any, *, entity_key: str | None = None) -> Operation:
    """Validate an operation name and its JSON payload into a typed request.

    ``payload`` must be a JSON object, or ``None`` (HTTP DELETE on an entity sends ``delete`` with no input).
    With ``entity_key``, a ``begin`` must name the object the entity is keyed by, so a state can never be
    created under another object's key.
    """
    operation = machine.parse_request(_REQUESTS, name, payload, InvalidOperationError)
    if isinstance(operation, BeginRequest) and entity_key is not None:
        key = encode_key(operation.catalog, operation.kind, operation.external_id)
        if key != entity_key:
            raise InvalidOperationError(name, f"payload is for key {key!r}, not {entity_key!r}")
    return operation


BeginReason = Literal[
    "new",
    "changed",
    "guid_unknown",
    "retry",
    "rebegin",
    "takeover",
    "leased",
    "same_run",
    "same_fingerprint",
    "identity",
    "verify",
    "full",
]
AckReason = Literal["no_state", "not_pending", "not_owner"]


class BeginResult(Frozen):
    """Answer to ``begin``; ``proceed`` carries what the upsert needs (guid, previously assigned sets)."""

    decision: Decision
    reason: BeginReason
    holder: str | None = None  # lease holder after the call: you on proceed, the other run on busy
    lease_expires: UtcTime | None = None
    previous_holder: str | None = None  # run whose expired lease was taken over
    purview_guid: str | None = None
    assigned_terms: tuple[str, ...] = ()
    assigned_classifications: tuple[str, ...] = ()
    assigned_attributes: tuple[str, ...] = ()
    origin: Origin | None = None
    identity: str | None = None


class AckResult(Frozen):
    """Answer to ``complete``/``fail``; a rejected call changed nothing."""

    accepted: bool
    reason: AckReason | None = None
    status: Status | None = None  # status after the call (None: no state)


class DeleteResult(Frozen):
    """Answer to ``delete``."""

    deleted: bool
    reason: Literal["no_state", "leased"] | None = None


Transition: TypeAlias = machine.Transition[SyncState | None]
"""Outcome of :func:`apply`: store ``new_state`` (destruct when ``None``) and return ``result``."""


def apply(state: SyncState | None, operation: Operation, now: datetime) -> Transition:
    """Apply a parsed operation to ``state`` (None: no entity); refusals are results that change nothing."""
    now = machine.to_utc(now)
    if isinstance(operation, GetRequest):
        return Transition(state, state.to_json() if state is not None else None)
    at = operation.now or now
    if isinstance(operation, BeginRequest):
        return _begin(state, operation, at)
    if isinstance(operation, CompleteRequest):
        return _complete(state, operation, at)
    if isinstance(operation, FailRequest):
        return _fail(state, operation, at)
    if isinstance(operation, DeleteRequest):
        return _delete(state, operation, at)
    assert_never(operation)


def _begin(state: SyncState | None, op: BeginRequest, at: datetime) -> Transition:
    if state is None:
        identity = {"catalog": op.catalog, "kind": op.kind, "external_id": op.external_id}
        new = SyncState(**identity, **_pending(op, at), attempts=1)
        return Transition(new, _begin_result(new, Decision.PROCEED, "new"))
    if state.status is Status.PENDING:
        if state.correlation_id == op.correlation_id:
            # Same run again (a retried chunk): activities are at-least-once, so let it redo the work.
            return _proceed(state, op, at, "rebegin", state.attempts + 1)
        if state.lease_valid(at):
            return Transition(state, _begin_result(state, Decision.BUSY, "leased"))
        return _proceed(state, op, at, "takeover", state.attempts + 1)
    if state.status is Status.COMPLETED:
        if state.correlation_id == op.correlation_id:
            return Transition(state, _begin_result(state, Decision.SKIP, "same_run"))
        if state.fingerprint != op.fingerprint or not state.purview_guid:
            return _proceed(state, op, at, "changed" if state.purview_guid else "guid_unknown", 1)
        if op.identity is not None and state.identity != op.identity:
            return _proceed(state, op, at, "identity", 1)  # not claimed yet (older state) or renamed
        if op.mode != "normal":
            return _proceed(state, op, at, op.mode, 1)
        seen = evolve(state, last_seen_run=op.correlation_id, last_seen=at, last_success=at)
        return Transition(seen, _begin_result(seen, Decision.UNCHANGED, "same_fingerprint"))
    if state.status is Status.FAILED:
        return _proceed(state, op, at, "retry", state.attempts + 1)
    assert_never(state.status)


def _proceed(
    state: SyncState, op: BeginRequest, at: datetime, reason: BeginReason, attempts: int
) -> Transition:
    new = evolve(state, **_pending(op, at), attempts=attempts)
    return Transition(new, _begin_result(new, Decision.PROCEED, reason, previous_holder=state.correlation_id))


def _pending(op: BeginRequest, at: datetime) -> dict[str, Any]:
    """Fields of a Pending state owned by ``op``'s run from ``at``."""
    return {
        "status": Status.PENDING,
        "correlation_id": op.correlation_id,
        "fingerprint": op.fingerprint,
        "sync_start": at,
        "sync_end": None,
        "lease_expires": at + timedelta(seconds=op.lease_seconds),
        "last_seen_run": op.correlation_id,
        "last_seen": at,
    }


def _begin_result(
    state: SyncState, decision: Decision, reason: BeginReason, previous_holder: str | None = None
) -> dict[str, Any]:
    """Begin result reflecting ``state`` after the call (a holder only when it is Pending)."""
    leased = state.status is Status.PENDING
    return BeginResult(
        decision=decision,
        reason=reason,
        holder=state.correlation_id if leased else None,
        lease_expires=state.lease_expires,
        previous_holder=previous_holder if reason == "takeover" else None,
        purview_guid=state.purview_guid,
        assigned_terms=state.assigned_terms,
        assigned_classifications=state.assigned_classifications,
        assigned_attributes=state.assigned_attributes,
        origin=state.origin,
        identity=state.identity,
    ).to_json()


def _owner_rejection(state: SyncState | None, correlation_id: str) -> dict[str, Any] | None:
    """The rejection for anyone but the owner of a Pending state, or None for the owner."""
    if state is None:
        return AckResult(accepted=False, reason="no_state").to_json()
    if state.status is Status.PENDING and state.correlation_id == correlation_id:
        return None
    reason: AckReason = "not_owner" if state.status is Status.PENDING else "not_pending"
    return AckResult(accepted=False, reason=reason, status=state.status).to_json()


def _complete(state: SyncState | None, op: CompleteRequest, at: datetime) -> Transition:
    rejection = _owner_rejection(state, op.correlation_id)
    if state is None or rejection is not None:
        return Transition(state, rejection)
    # An owner whose lease lapsed but was not taken over still completes: its write is the latest one.
    given = {
        "assigned_terms": op.assigned_terms,
        "assigned_classifications": op.assigned_classifications,
        "assigned_attributes": op.assigned_attributes,
        "origin": op.origin,  # what this write found: created now, adopted now, or None (kept)
        "identity": op.identity,
    }
    assigned = {name: names for name, names in given.items() if names is not None}
    new = evolve(
        state,
        status=Status.COMPLETED,
        purview_guid=op.purview_guid,
        sync_end=at,
        lease_expires=None,
        last_success=at,
        last_error=None,
        **assigned,
    )
    return Transition(new, AckResult(accepted=True, status=new.status).to_json())


def _fail(state: SyncState | None, op: FailRequest, at: datetime) -> Transition:
    rejection = _owner_rejection(state, op.correlation_id)
    if state is None or rejection is not None:
        return Transition(state, rejection)
    held = {"identity": op.identity} if op.identity is not None else {}
    new = evolve(state, status=Status.FAILED, sync_end=at, lease_expires=None, last_error=op.error, **held)
    return Transition(new, AckResult(accepted=True, status=new.status).to_json())


def _delete(state: SyncState | None, op: DeleteRequest, at: datetime) -> Transition:
    if state is None:
        return Transition(None, DeleteResult(deleted=False, reason="no_state").to_json())
    if state.status is Status.PENDING and state.lease_valid(at) and not op.force:
        # A run is writing the object right now; deleting would orphan what it writes in Purview.
        return Transition(state, DeleteResult(deleted=False, reason="leased").to_json())
    return Transition(None, DeleteResult(deleted=True).to_json())
