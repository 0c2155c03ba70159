"""Pure transition function of the ``catalog`` entity: one catalog's runs registry.

It remembers the current run, the last :data:`MAX_RUNS` run summaries (newest first) and the times of the
catalog's complete, successful runs, which the deletion policy reads: only a ``completed`` run proves that
whatever it did not see is gone from the source, so failed or held runs never count (dry runs are never
recorded).

The entity function is a thin wrapper: :func:`parse_operation` first (entities have no rollback), then
:func:`apply`, then store ``new_state.to_json()``. Operations are idempotent, since signals may be
redelivered: a second ``run_started`` of the current run or a second ``run_finished`` of a recorded run
changes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, assert_never

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from entities import machine
from entities.machine import Frozen, Token, UtcTime, evolve
from sync.summary import ERROR_TEXT, SAMPLE

__all__ = [
    "ABANDONED_ERROR",
    "MARKER_WINDOW",
    "MAX_COMPLETE_RUNS",
    "MAX_ERRORS",
    "MAX_ERROR_LENGTH",
    "MAX_HOLDS",
    "MAX_MARKER_ENTRIES",
    "MAX_RUNS",
    "OPERATION_NAMES",
    "AckResult",
    "CatalogState",
    "CompleteRun",
    "Counts",
    "CurrentRun",
    "DeletionsExecutedRequest",
    "GetRequest",
    "InvalidOperationError",
    "MarkerDeletions",
    "Operation",
    "RunFinishedRequest",
    "RunStartedRequest",
    "RunStatus",
    "RunSummary",
    "SummaryInput",
    "Transition",
    "apply",
    "complete_run_times",
    "parse_operation",
]

MAX_RUNS: Final = 20
"""Run summaries kept (newest first); older ones are dropped."""
MAX_COMPLETE_RUNS: Final = 100
"""Complete-run times kept; a deletion policy asking for more older runs than this never deletes."""
MAX_ERRORS: Final = SAMPLE
"""Errors kept per recorded run: the first 20 of the run's own sample (its output lists up to 50);
``error_count`` keeps the total."""
MAX_HOLDS: Final = 5
"""Hold reasons kept per run (shrink, unreadable records, ...)."""
MAX_ERROR_LENGTH: Final = ERROR_TEXT
"""Longer error texts are truncated, not rejected: a rejected ``run_finished`` would lose the run."""
MARKER_WINDOW: Final = timedelta(hours=24)
"""How long executed marker deletions count against ``max_delete_fraction`` (a storm in small batches)."""
MAX_MARKER_ENTRIES: Final = 1000
"""Marker-deletion records kept; past it the oldest two are merged into one."""
ABANDONED_ERROR: Final = "run never finished: a later run started while it was current"


class RunStatus(enum.StrEnum):
    """Outcome of one run; only ``completed`` counts for deletion."""

    COMPLETED = "completed"  # every page extracted; items that failed are counted, not fatal
    FAILED = "failed"  # the run stopped (configuration, connectivity, crash)


RunId = Token
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Count = Annotated[int, Field(ge=0)]
ErrorText = Annotated[str, Field(min_length=1), AfterValidator(lambda text: text[:MAX_ERROR_LENGTH])]


class Counts(Frozen):
    """What a run did with the items of one kind."""

    created: Count = 0
    updated: Count = 0
    unchanged: Count = 0
    skipped: Count = 0
    failed: Count = 0
    deleted: Count = 0
    repaired: Count = 0  # verify runs: found missing or different in Purview and written again


class SummaryInput(Frozen):
    """What the orchestrator reports at the end of a run; ``errors`` beyond :data:`MAX_ERRORS` are dropped."""

    counts: dict[Kind, Counts] = Field(default_factory=dict, max_length=16)
    purview_calls: Count = 0
    errors: Annotated[tuple[ErrorText, ...], AfterValidator(lambda errors: errors[:MAX_ERRORS])] = ()
    error_count: Count = 0

    @model_validator(mode="before")
    @classmethod
    def _count_errors(cls, data: Any) -> Any:
        """``error_count`` is at least the number of errors given, counted before the sample is capped."""
        if isinstance(data, Mapping) and isinstance(data.get("errors"), list | tuple):
            count = data.get("error_count", 0)
            if isinstance(count, int) and count < len(data["errors"]):
                return {**data, "error_count": len(data["errors"])}
        return data


HoldText = Annotated[str, Field(min_length=1), AfterValidator(lambda text: text[:MAX_ERROR_LENGTH])]
Holds = Annotated[tuple[HoldText, ...], AfterValidator(lambda held: held[:MAX_HOLDS])]


class RunSummary(Frozen):
    """One recorded run; ``complete_for_deletion`` False with ``held`` reasons: it proves nothing gone."""

    run_id: RunId
    started: UtcTime
    ended: UtcTime
    status: RunStatus
    counts: dict[Kind, Counts] = Field(default_factory=dict)
    purview_calls: Count = 0
    errors: tuple[ErrorText, ...] = Field(default=(), max_length=MAX_ERRORS)
    error_count: Count = 0
    complete_for_deletion: bool = False
    held: Holds = ()
    accepted: Holds = ()  # holds an operator accepted (accept_shrink): the run counted despite them
    seen: Count | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_retired(cls, data: Any) -> Any:
        """Summaries stored by earlier versions carry ``throttles`` (never set by a run): read past it."""
        if isinstance(data, Mapping) and "throttles" in data:
            return {key: value for key, value in data.items() if key != "throttles"}
        return data


class MarkerDeletions(Frozen):
    """Objects deleted by delete markers at one time (one run or push batch)."""

    at: UtcTime
    count: Annotated[int, Field(ge=1)]


class CurrentRun(Frozen):
    """The run in progress."""

    run_id: RunId
    started: UtcTime


class CompleteRun(Frozen):
    """A complete, successful run: ``started`` is what deletion compares ``last_seen`` with; ``seen`` (objects
    it met in the source) is what the next run's shrink guard compares with."""

    run_id: RunId
    started: UtcTime
    ended: UtcTime
    seen: Count | None = None


class CatalogState(Frozen):
    """Stored state; ``to_json()``/``from_json()`` are the entity-state round trip. Lists are newest first."""

    version: Literal[1] = 1
    current: CurrentRun | None = None
    runs: tuple[RunSummary, ...] = Field(default=(), max_length=MAX_RUNS)
    complete_runs: tuple[CompleteRun, ...] = Field(default=(), max_length=MAX_COMPLETE_RUNS)
    runs_started: Count = 0  # every run ever started (the ``verify_every`` cadence counts them)
    marker_deletions: tuple[MarkerDeletions, ...] = Field(default=(), max_length=MAX_MARKER_ENTRIES)

    def recent_marker_deletions(self, now: datetime) -> int:
        """Objects deleted by delete markers within :data:`MARKER_WINDOW` before ``now``."""
        return sum(entry.count for entry in self.marker_deletions if entry.at > now - MARKER_WINDOW)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CatalogState:
        """The stored state, or the empty registry for a new entity (``None``)."""
        return cls() if data is None else cls.model_validate(data)


def complete_run_times(state: CatalogState) -> list[datetime]:
    """Start times of the complete, successful runs, newest first (the deletion policy's input)."""
    return [run.started for run in state.complete_runs]


class RunStartedRequest(Frozen):
    """A run began; a different current run that never finished is recorded as failed."""

    name: ClassVar[str] = "run_started"
    run_id: RunId
    now: UtcTime | None = None


class RunFinishedRequest(Frozen):
    """A run ended with ``status``; ``started`` is used when the registry never saw it start.

    A ``completed`` run counts for deletion unless ``complete_for_deletion`` is False (shrink guard: ``held``
    says why).
    """

    name: ClassVar[str] = "run_finished"
    run_id: RunId
    status: RunStatus
    complete_for_deletion: bool = True
    held: Holds = ()
    accepted: Holds = ()
    seen: Count | None = None
    summary: SummaryInput = Field(default_factory=SummaryInput)
    started: UtcTime | None = None
    now: UtcTime | None = None


class DeletionsExecutedRequest(Frozen):
    """Delete markers deleted ``count`` objects: remembered for :data:`MARKER_WINDOW`, so a deletion storm
    split into many small push batches still meets the catalog's ``max_delete_fraction`` as a whole."""

    name: ClassVar[str] = "deletions_executed"
    count: Annotated[int, Field(ge=1)]
    now: UtcTime | None = None


class GetRequest(Frozen):
    """Read the state (never changes it)."""

    name: ClassVar[str] = "get"


Operation = RunStartedRequest | RunFinishedRequest | DeletionsExecutedRequest | GetRequest
_REQUESTS: Final[dict[str, type[Operation]]] = {
    cls.name: cls for cls in (RunStartedRequest, RunFinishedRequest, DeletionsExecutedRequest, GetRequest)
}
OPERATION_NAMES: Final = tuple(_REQUESTS)


class InvalidOperationError(machine.InvalidOperationError):
    """A catalog operation name or payload is invalid; raised before any state is touched."""

    machine: ClassVar[str] = "catalog"


def parse_operation(name: str, payload: Any) -> Operation:
    """Validate an operation name and its JSON payload (an object, or ``None`` for ``get``)."""
    return machine.parse_request(_REQUESTS, name, payload, InvalidOperationError)


AckReason = Literal["already_current", "already_recorded"]


class AckResult(Frozen):
    """Answer to ``run_started``/``run_finished``; ``accepted=False``: a duplicate, nothing changed."""

    accepted: bool
    reason: AckReason | None = None
    abandoned_run: str | None = None  # run_started: a previous run recorded as failed


Transition: TypeAlias = machine.Transition[CatalogState]
"""Outcome of :func:`apply`: store ``new_state`` and return ``result``."""


def apply(state: CatalogState, operation: Operation, now: datetime) -> Transition:
    """Apply a parsed operation; duplicates are answered and change nothing."""
    now = machine.to_utc(now)
    if isinstance(operation, GetRequest):
        return Transition(state, state.to_json())
    at = operation.now or now
    if isinstance(operation, RunStartedRequest):
        return _run_started(state, operation, at)
    if isinstance(operation, RunFinishedRequest):
        return _run_finished(state, operation, at)
    if isinstance(operation, DeletionsExecutedRequest):
        entries = _within_window(state.marker_deletions, MarkerDeletions(at=at, count=operation.count))
        return Transition(evolve(state, marker_deletions=entries), AckResult(accepted=True).to_json())
    assert_never(operation)


def _within_window(entries: tuple[MarkerDeletions, ...], new: MarkerDeletions) -> tuple[MarkerDeletions, ...]:
    """The window's records plus ``new``; past the cap the two oldest merge (dated to the newer of them, so
    nothing is forgotten early — they only count a little longer)."""
    kept = [e for e in entries if e.at > new.at - MARKER_WINDOW] + [new]
    while len(kept) > MAX_MARKER_ENTRIES:
        first, second = kept[0], kept[1]
        kept[:2] = [MarkerDeletions(at=max(first.at, second.at), count=first.count + second.count)]
    return tuple(kept)


def _recorded(state: CatalogState, run_id: str) -> bool:
    return any(run.run_id == run_id for run in state.runs)


def _with_run(state: CatalogState, summary: RunSummary) -> dict[str, Any]:
    """Field changes that record ``summary`` (and its complete-run time when it completed)."""
    changes: dict[str, Any] = {"runs": (summary, *state.runs)[:MAX_RUNS]}
    if summary.complete_for_deletion:
        done = CompleteRun(
            run_id=summary.run_id, started=summary.started, ended=summary.ended, seen=summary.seen
        )
        ordered = sorted((done, *state.complete_runs), key=lambda run: run.started, reverse=True)
        changes["complete_runs"] = tuple(ordered[:MAX_COMPLETE_RUNS])
    return changes


def _run_started(state: CatalogState, op: RunStartedRequest, at: datetime) -> Transition:
    current = state.current
    if current is not None and current.run_id == op.run_id:
        return Transition(state, AckResult(accepted=False, reason="already_current").to_json())
    if _recorded(state, op.run_id):  # a redelivered start of a finished run must not reopen it
        return Transition(state, AckResult(accepted=False, reason="already_recorded").to_json())
    changes: dict[str, Any] = {
        "current": CurrentRun(run_id=op.run_id, started=at),
        "runs_started": state.runs_started + 1,
    }
    abandoned = None
    if current is not None:
        abandoned = current.run_id
        lost = RunSummary(
            run_id=current.run_id,
            started=current.started,
            ended=max(at, current.started),
            status=RunStatus.FAILED,
            errors=(ABANDONED_ERROR,),
            error_count=1,
        )
        changes.update(_with_run(state, lost))
    new = evolve(state, **changes)
    return Transition(new, AckResult(accepted=True, abandoned_run=abandoned).to_json())


def _run_finished(state: CatalogState, op: RunFinishedRequest, at: datetime) -> Transition:
    if _recorded(state, op.run_id):
        return Transition(state, AckResult(accepted=False, reason="already_recorded").to_json())
    current = state.current if state.current is not None and state.current.run_id == op.run_id else None
    started = current.started if current is not None else op.started or at
    summary = RunSummary(
        run_id=op.run_id,
        started=started,
        ended=max(at, started),
        status=op.status,
        counts=op.summary.counts,
        purview_calls=op.summary.purview_calls,
        errors=op.summary.errors,
        error_count=op.summary.error_count,
        complete_for_deletion=op.status is RunStatus.COMPLETED and op.complete_for_deletion,
        held=op.held,
        accepted=op.accepted,
        seen=op.seen,
    )
    changes = _with_run(state, summary)
    if current is not None:
        changes["current"] = None
    return Transition(evolve(state, **changes), AckResult(accepted=True).to_json())
