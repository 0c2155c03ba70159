"""Pure transition function of the ``manifest`` entity: one catalog's manifest pointer and its journal.

A *manifest* (staged, see :mod:`sync.manifest`) lists what a catalog's objects looked like at the end of a
pull run: fingerprint, Purview guid, identity, when last seen. The next run compares its items with it in
bulk, so an unchanged object never reaches its ``sync_state`` entity. That is only safe while nothing else
changed the object since; so whatever goes through the sync states — a run's changed items, a push batch, a
deletion — first appends a *journal piece* (a staged list of keys) here, before it touches any of them
(write-ahead). A run treats every key of a piece its manifest has not accounted for as suspect and takes the
entity path for it.

Pieces are numbered in the order they arrive (entity operations are serialised), and stay *open* until
their writer says it is done (``close``): a slow push may write long after a run read its piece. A manifest is
published with ``read_upto`` (the last piece its run had read when it planned) and ``own`` (its run's own
pieces): the next run reads the pieces above ``read_upto`` that are not ``own``, and every open piece.
Publishing drops the closed pieces at or below ``read_upto`` (an open one older than :data:`OPEN_FOR` is taken
as done: every lease it could hold has lapsed); a manifest planned before the current one (smaller
``read_upto``), or before a ``forget`` (another ``generation``), is refused, since what it never read may be
gone. The journal is capped: on overflow it is emptied and the manifest is no longer
*trusted* (the next run takes the entity path for everything: slower, never wrong). An untrusted manifest
still says when each object was last met in the source (what deletion reads: sync states of objects that
were free do not know it); ``forget`` (an operator edited sync states by hand) distrusts it the same way.

The entity function is a thin wrapper: :func:`parse_operation`, then :func:`apply`, then store the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, assert_never

from pydantic import Field

from entities import machine
from entities.machine import Frozen, Token, UtcTime, evolve

__all__ = [
    "MAX_PIECES",
    "OPEN_FOR",
    "OPERATION_NAMES",
    "CloseRequest",
    "ForgetRequest",
    "GetRequest",
    "InvalidOperationError",
    "JournalRequest",
    "ManifestBook",
    "Operation",
    "Piece",
    "Pointer",
    "PublishRequest",
    "Transition",
    "apply",
    "parse_operation",
]

OPEN_FOR: Final = timedelta(hours=24)
"""How long an unclosed piece keeps its keys suspect (a crashed writer never closes it): the longest lease."""
MAX_PIECES: Final = 2000
"""Journal pieces kept while no manifest accounts for them (a catalog only pushed to, a pull that keeps
failing); past it the journal is emptied and the manifest dropped."""

Seq = Annotated[int, Field(ge=1)]
Ref = Annotated[str, Field(min_length=1, max_length=1024)]


class Piece(Frozen):
    """One journal piece: the staged keys some run, push batch or deletion was about to touch."""

    seq: Seq
    ref: Ref
    at: UtcTime
    done: bool = False

    def open_at(self, now: datetime) -> bool:
        """Whether its writer may still be writing at ``now``."""
        return not self.done and now - self.at < OPEN_FOR


class Pointer(Frozen):
    """The published manifest: its ref, the run that wrote it, the journal it accounts for, and whether its
    fingerprints may still be trusted (``False`` after ``forget`` or a journal overflow)."""

    ref: Ref
    run_id: Token
    read_upto: Annotated[int, Field(ge=0)]
    own: tuple[Seq, ...] = ()
    at: UtcTime
    trusted: bool = True


class ManifestBook(Frozen):
    """Stored state; ``floor``: pieces up to it were dropped unread (overflow), so a manifest planned on a
    journal read below it cannot be trusted."""

    version: Literal[1] = 1
    current: Pointer | None = None
    journal: tuple[Piece, ...] = ()
    next_seq: Seq = 1
    floor: Annotated[int, Field(ge=0)] = 0
    generation: Annotated[int, Field(ge=0)] = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ManifestBook:
        return cls() if data is None else cls.model_validate(data)

    def unaccounted(self, now: datetime | None = None) -> list[Piece]:
        """Pieces the current manifest has not accounted for (every piece when there is none), and every
        piece whose writer may still be writing at ``now`` (when given)."""
        if self.current is None:
            return list(self.journal)
        own = set(self.current.own)
        return [
            p
            for p in self.journal
            if (p.seq > self.current.read_upto and p.seq not in own) or (now is not None and p.open_at(now))
        ]

    @property
    def last_seq(self) -> int:
        """The number of the newest piece (0: none yet)."""
        return self.next_seq - 1


class JournalRequest(Frozen):
    """Append a piece (idempotent: a ref already in the journal keeps its number)."""

    name: ClassVar[str] = "journal"
    ref: Ref
    now: UtcTime | None = None


class CloseRequest(Frozen):
    """The piece's writer is done with every object it named (idempotent; an unknown ref is ignored)."""

    name: ClassVar[str] = "close"
    ref: Ref


class PublishRequest(Frozen):
    """Make ``ref`` the catalog's manifest; ``generation`` is the one the run read when it planned."""

    name: ClassVar[str] = "publish"
    ref: Ref
    run_id: Token
    read_upto: Annotated[int, Field(ge=0)]
    own: tuple[Seq, ...] = ()
    generation: Annotated[int, Field(ge=0)] = 0
    now: UtcTime | None = None


class ForgetRequest(Frozen):
    """Distrust the manifest (an operator edited sync states by hand): the next run takes the entity path
    for every object, and writes a manifest that is trusted again."""

    name: ClassVar[str] = "forget"


class GetRequest(Frozen):
    name: ClassVar[str] = "get"


Operation = JournalRequest | CloseRequest | PublishRequest | ForgetRequest | GetRequest
_REQUESTS: Final[dict[str, type[Operation]]] = {
    cls.name: cls for cls in (JournalRequest, CloseRequest, PublishRequest, ForgetRequest, GetRequest)
}
OPERATION_NAMES: Final = tuple(_REQUESTS)


class InvalidOperationError(machine.InvalidOperationError):
    machine: ClassVar[str] = "manifest"


def parse_operation(name: str, payload: Any) -> Operation:
    return machine.parse_request(_REQUESTS, name, payload, InvalidOperationError)


Transition: TypeAlias = machine.Transition[ManifestBook]


def apply(state: ManifestBook, operation: Operation, now: datetime) -> Transition:
    """Apply a parsed operation. ``journal`` answers ``{seq}``; ``publish`` answers ``{accepted, reason,
    dropped}`` where ``dropped`` lists the staged refs nobody needs any more (the caller deletes them)."""
    now = machine.to_utc(now)
    if isinstance(operation, GetRequest):
        return Transition(state, state.to_json())
    if isinstance(operation, ForgetRequest):
        new = evolve(state, current=_distrusted(state.current), generation=state.generation + 1)
        return Transition(new, {"dropped": []})
    if isinstance(operation, CloseRequest):
        journal = tuple(evolve(p, done=True) if p.ref == operation.ref else p for p in state.journal)
        return Transition(evolve(state, journal=journal), {"closed": journal != state.journal})
    at = operation.now or now
    if isinstance(operation, JournalRequest):
        return _journal(state, operation, at)
    if isinstance(operation, PublishRequest):
        return _publish(state, operation, at)
    assert_never(operation)


def _journal(state: ManifestBook, op: JournalRequest, at: datetime) -> Transition:
    for piece in state.journal:
        if piece.ref == op.ref:
            return Transition(state, {"seq": piece.seq})
    seq = state.next_seq
    journal = (*state.journal, Piece(seq=seq, ref=op.ref, at=at))
    if len(journal) > MAX_PIECES:  # nobody accounts for them: drop them, and distrust the manifest
        dropped = [p.ref for p in state.journal]
        current = _distrusted(state.current)
        new = evolve(state, current=current, journal=(journal[-1],), next_seq=seq + 1, floor=seq - 1)
        return Transition(new, {"seq": seq, "dropped": dropped})
    return Transition(evolve(state, journal=journal, next_seq=seq + 1), {"seq": seq})


def _distrusted(pointer: Pointer | None) -> Pointer | None:
    return None if pointer is None else evolve(pointer, trusted=False)


def _publish(state: ManifestBook, op: PublishRequest, at: datetime) -> Transition:
    if op.read_upto < state.floor:
        return Transition(state, {"accepted": False, "reason": "journal_overflow", "dropped": [op.ref]})
    if op.generation != state.generation:
        return Transition(state, {"accepted": False, "reason": "forgotten", "dropped": [op.ref]})
    if state.current is not None and op.read_upto < state.current.read_upto:
        return Transition(state, {"accepted": False, "reason": "superseded", "dropped": [op.ref]})
    if state.current is not None and state.current.ref == op.ref:
        return Transition(state, {"accepted": True, "reason": "already_current", "dropped": []})
    pointer = Pointer(ref=op.ref, run_id=op.run_id, read_upto=op.read_upto, own=op.own, at=at)
    gone = {p.seq for p in state.journal if p.seq <= op.read_upto and not p.open_at(at)}
    kept = tuple(p for p in state.journal if p.seq not in gone)
    dropped = [p.ref for p in state.journal if p.seq in gone]
    if state.current is not None:
        dropped.append(state.current.ref)
    return Transition(
        evolve(state, current=pointer, journal=kept), {"accepted": True, "reason": None, "dropped": dropped}
    )
