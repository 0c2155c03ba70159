"""Pure decisions of the sync orchestrations: chunking, import order, deletion guard, busy retries.

Orchestrators replay, so everything here is deterministic, free of I/O and clocks (``now`` is passed in), and
works on plain data (pivot items as their JSON dicts). Usage::

    plan = phase_order(items)                      # waves: classifications, term levels, assets, processes
    for wave in plan.waves:
        for part in chunk(wave.items, settings.chunk_size): ...   # one upsert_chunk per part
    cutoff = deletion_cutoff(policy, complete_run_times(state), now)
    decision = decide_deletion(policy, complete_run_times(state), now, seen_by_key, force=False)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal, TypeVar

from config.catalogs import DeletionPolicy

__all__ = [
    "MAX_BUSY_DELAY_SECONDS",
    "MAX_CHUNK_SIZE",
    "BusyRetry",
    "DeletionDecision",
    "OrderFailure",
    "Phase",
    "PhasePlan",
    "Wave",
    "busy_retry",
    "chunk",
    "decide_deletion",
    "deletion_cutoff",
    "last_presence",
    "lease_left",
    "phase_of",
    "phase_order",
]

T = TypeVar("T")

MAX_CHUNK_SIZE: Final = 1000
"""Items per ``upsert_chunk`` sub-orchestration at most (keeps each history far below ~5,000 events)."""
MAX_BUSY_DELAY_SECONDS: Final = 15 * 60
"""Upper bound of one busy-retry wait: the default sync_state lease, after which a lock may be taken over."""


def chunk(items: Sequence[T], size: int) -> list[list[T]]:
    """Consecutive parts of at most ``size`` items (1..1000), covering every item once, in order."""
    if not 1 <= size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk size must be between 1 and {MAX_CHUNK_SIZE}, got {size}")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


class Phase(enum.StrEnum):
    """Import phases in dependency order: what an item refers to is imported in an earlier phase."""

    CLASSIFICATIONS = "classifications"
    GLOSSARY_TERMS = "glossary_terms"
    ASSETS = "assets"
    PROCESSES = "processes"  # lineage: process assets refer to the datasets imported as assets


def phase_of(item: Mapping[str, Any]) -> Phase:
    """The phase of one pivot item (JSON dict); a process is an asset with ``inputs`` or ``outputs``."""
    kind = item.get("kind")
    if kind == "classification":
        return Phase.CLASSIFICATIONS
    if kind == "glossary_term":
        return Phase.GLOSSARY_TERMS
    if kind == "asset":
        return Phase.PROCESSES if item.get("inputs") or item.get("outputs") else Phase.ASSETS
    raise ValueError(f"unknown pivot item kind {kind!r} (external_id {item.get('external_id')!r})")


@dataclass(frozen=True, slots=True)
class Wave:
    """Items that may be imported in parallel once every earlier wave is done (``level``: term depth)."""

    phase: Phase
    level: int
    items: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OrderFailure:
    """An item that cannot be ordered, so is not imported this run (reported as failed)."""

    external_id: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """Waves in import order (empty phases left out) and the items that cannot be ordered."""

    waves: list[Wave] = field(default_factory=list)
    failures: list[OrderFailure] = field(default_factory=list)


def phase_order(items: Iterable[Mapping[str, Any]]) -> PhasePlan:
    """Group pivot items into import waves: classifications, glossary terms level by level, assets, processes.

    A term's parent (an ``{"external_id": ...}`` ref to a term of this batch) is always in an earlier wave.
    Terms in a parent cycle, and their descendants, fail with a reason naming the cycle; a parent outside
    the batch (another run, or a ``qualified_name`` ref) puts no constraint on the order. Input order is kept
    within each wave, so the plan is deterministic.
    """
    by_phase: dict[Phase, list[dict[str, Any]]] = {phase: [] for phase in Phase}
    for item in items:
        by_phase[phase_of(item)].append(dict(item))
    levels, failures = _term_levels(by_phase[Phase.GLOSSARY_TERMS])
    waves: list[Wave] = []
    if by_phase[Phase.CLASSIFICATIONS]:
        waves.append(Wave(Phase.CLASSIFICATIONS, 0, by_phase[Phase.CLASSIFICATIONS]))
    waves.extend(Wave(Phase.GLOSSARY_TERMS, depth, terms) for depth, terms in enumerate(levels))
    for phase in (Phase.ASSETS, Phase.PROCESSES):
        if by_phase[phase]:
            waves.append(Wave(phase, 0, by_phase[phase]))
    return PhasePlan(waves, failures)


def _parent_id(term: Mapping[str, Any]) -> str | None:
    parent = term.get("parent")
    if isinstance(parent, str):
        return parent
    if isinstance(parent, Mapping) and isinstance(parent.get("external_id"), str):
        return str(parent["external_id"])
    return None


def _term_levels(terms: list[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], list[OrderFailure]]:
    """Terms grouped by depth below the batch's roots; cycle members and their descendants fail."""
    parent_of = {str(term["external_id"]): _parent_id(term) for term in terms}
    depth: dict[str, int] = {}
    broken: dict[str, str] = {}  # external_id -> failure reason
    for start in parent_of:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        # Walk up until a known node, a parent outside the batch, or a node already on this path (a cycle).
        while node is not None and node in parent_of and node not in depth and node not in broken:
            if node in on_path:
                cycle = path[path.index(node) :]
                shown = " → ".join([*cycle, node])
                for member in cycle:
                    broken[member] = f"glossary term parent cycle: {shown}"
                path = path[: path.index(node)]
                node = cycle[0]
                break
            path.append(node)
            on_path.add(node)
            node = parent_of[node]
        if node is not None and node in broken:
            for below in path:
                broken[below] = f"an ancestor term is in a parent cycle ({node})"
            continue
        base = depth[node] + 1 if node is not None and node in depth else 0
        for offset, below in enumerate(reversed(path)):
            depth[below] = base + offset
    levels: list[list[dict[str, Any]]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    failures: list[OrderFailure] = []
    for term in terms:
        external_id = str(term["external_id"])
        if external_id in broken:
            failures.append(OrderFailure(external_id, broken[external_id]))
        else:
            levels[depth[external_id]].append(term)
    return levels, failures


def last_presence(state: Mapping[str, Any]) -> datetime | None:
    """When a sync_state (JSON) last proved its object present in the source (``None``: unknown).

    The later of ``last_seen`` and ``last_success``: an object that is seen but keeps failing to sync is
    still in the source, so the deletion guard must not read ``last_success`` alone.
    """
    times = [
        datetime.fromisoformat(str(state[name])) for name in ("last_seen", "last_success") if state.get(name)
    ]
    return max(times, default=None)


def deletion_cutoff(
    policy: DeletionPolicy, complete_runs: Sequence[datetime], now: datetime
) -> datetime | None:
    """Objects last present before this time are stale; ``None`` while fewer than K complete runs exist.

    Stale means: not seen in any of the last K (``min_complete_runs``) complete, successful runs — i.e. last
    present before the K-th latest such run started — and not for ``retention_days`` either.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    k = policy.min_complete_runs
    if len(complete_runs) < k:
        return None
    kth_latest = sorted(complete_runs, reverse=True)[k - 1]
    return min(kth_latest, now - timedelta(days=policy.retention_days))


DeletionReason = Literal["not_enough_runs", "nothing_stale", "allowed", "blocked", "forced"]


@dataclass(frozen=True, slots=True)
class DeletionDecision:
    """What the cleanup may delete for one catalog; when ``blocked``, it deletes nothing.

    ``stale`` lists the stale keys even when blocked, so the report can show what a forced run would delete.
    """

    stale: list[str]
    blocked: bool
    reason: DeletionReason
    message: str
    fraction: float
    total: int
    cutoff: datetime | None

    @property
    def to_delete(self) -> list[str]:
        """Keys to delete now: the stale ones unless blocked."""
        return [] if self.blocked else self.stale

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat() if self.cutoff is not None else None
        return data


def decide_deletion(
    policy: DeletionPolicy,
    complete_runs: Sequence[datetime],
    now: datetime,
    seen: Iterable[tuple[str, datetime | None]],
    *,
    force: bool = False,
) -> DeletionDecision:
    """Stale keys among ``(key, last_presence)`` of a catalog's sync states, and whether deleting is allowed.

    Blocked when the stale share of all states exceeds ``max_delete_fraction`` (a source outage or a broken
    filter looks like mass deletion), unless ``force``. A state with no known presence time is never stale.
    """
    states = list(seen)
    total = len(states)
    cutoff = deletion_cutoff(policy, complete_runs, now)
    if cutoff is None:
        message = (
            f"only {len(complete_runs)} complete run(s); deletion needs {policy.min_complete_runs} "
            "(failed, partial and dry runs do not count)"
        )
        return DeletionDecision([], False, "not_enough_runs", message, 0.0, total, None)
    stale = sorted(key for key, at in states if at is not None and at < cutoff)
    fraction = len(stale) / total if total else 0.0
    if not stale:
        return DeletionDecision([], False, "nothing_stale", "no object is stale", 0.0, total, cutoff)
    share = f"{len(stale)} of {total} objects ({fraction:.1%}) are stale"
    if fraction <= policy.max_delete_fraction:
        return DeletionDecision(stale, False, "allowed", share, fraction, total, cutoff)
    limit = f"max_delete_fraction {policy.max_delete_fraction:.1%}"
    if force:
        return DeletionDecision(
            stale, False, "forced", f"{share}, above {limit}: forced", fraction, total, cutoff
        )
    message = f"deletion blocked: {share}, above {limit}; check the source, or force the cleanup"
    return DeletionDecision(stale, True, "blocked", message, fraction, total, cutoff)


@dataclass(frozen=True, slots=True)
class BusyRetry:
    """Whether a chunk waits and retries its busy items (``delay_seconds`` on a durable timer) or gives up."""

    retry: bool
    delay_seconds: int
    attempt: int  # retries done so far, including this one when ``retry``

    def fire_at(self, now: datetime) -> datetime:
        """When the durable timer fires (pass the orchestration's ``current_utc_datetime``)."""
        return now + timedelta(seconds=self.delay_seconds)


LEASE_MARGIN_SECONDS: Final = 60.0
"""Time kept back from a lease: the batch's last request and the ``complete`` signal must land inside it."""


def lease_left(
    lease_expires: str | None, now: datetime, margin: float = LEASE_MARGIN_SECONDS
) -> float | None:
    """Seconds a batch may still spend on Purview before its objects' leases run out (less ``margin``);
    ``None`` when the request names no lease (older orchestrations). A batch queued behind others (more
    batches than activity slots) starts late: its retry budget must end with the lease, not after it, or
    another run could take the objects over while this one still writes them.

    >>> lease_left("2026-01-01T00:15:00+00:00", datetime.fromisoformat("2026-01-01T00:10:00+00:00"))
    240.0
    """
    if not lease_expires:
        return None
    return (datetime.fromisoformat(lease_expires) - now).total_seconds() - margin


def busy_retry(retries_done: int, busy_count: int, *, max_retries: int, delay_seconds: int) -> BusyRetry:
    """Retry busy items after ``delay_seconds`` doubling per retry (≤ 15 min), at most ``max_retries`` times.

    After that the items are reported busy: another run holds them and will finish (or its lease lapses).
    """
    if retries_done < 0 or max_retries < 0 or delay_seconds < 1:
        raise ValueError("retries_done and max_retries must be ≥ 0 and delay_seconds ≥ 1")
    if busy_count <= 0 or retries_done >= max_retries:
        return BusyRetry(False, 0, retries_done)
    delay = min(delay_seconds * 2**retries_done, MAX_BUSY_DELAY_SECONDS)
    return BusyRetry(True, max(delay, 1), retries_done + 1)
