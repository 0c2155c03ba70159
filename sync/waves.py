"""Pure wave planning: the import order of a run's items (classifications, glossary terms level by level,
assets, processes) and their chunks.

Orchestrators replay, so everything here is deterministic and works on plain data (pivot items as their JSON
dicts). Usage::

    plan = phase_order(items)
    for wave in plan.waves:
        for part in chunk(wave.items, chunk_size): ...   # one upsert_chunk per part
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final, TypeVar

__all__ = ["MAX_CHUNK_SIZE", "OrderFailure", "Phase", "PhasePlan", "Wave", "chunk", "phase_of", "phase_order"]

T = TypeVar("T")

MAX_CHUNK_SIZE: Final = 1000
"""Items per ``upsert_chunk`` sub-orchestration at most (keeps each history far below ~5,000 events)."""


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
