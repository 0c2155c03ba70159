"""The run summary: one ``Tally`` that every step of a run adds to, with its caps, and the run's result.

The result shape is a public interface (``python -m localdev sync --json``, the HTTP status, the ``catalog``
entity's record): ``{"counts": {kind: {created, updated, unchanged, skipped, failed, deleted, repaired}},
"purview_calls": {read, write}, "errors": [...], "error_count": n, ...}``. Every cap and truncation of the
summary lives here, so what an operator reads is bounded the same way everywhere::

    tally = Tally()
    tally.count("asset", "created", 3)
    tally.error("orders: busy")
    tally.add(chunk_tally)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import ReportCounts

__all__ = [
    "COUNTERS",
    "ERROR_TEXT",
    "KINDS",
    "MAX_ERRORS",
    "REASON_TEXT",
    "SAMPLE",
    "Tally",
    "failure_text",
    "sample",
    "short",
]

KINDS: Final = ("asset", "glossary_term", "classification")
COUNTERS: Final = ("created", "updated", "unchanged", "skipped", "failed", "deleted", "repaired")
MAX_ERRORS: Final = 50
"""Errors listed in a run summary (all are counted in ``error_count``)."""
SAMPLE: Final = 20
"""Entries listed per step (a page's rejects, a batch's failures, held markers); all are counted."""
ERROR_TEXT: Final = 1000
"""Longest error text kept in a summary."""
REASON_TEXT: Final = 300
"""Longest reason kept for a failure that crossed a durable boundary."""


def short(error: BaseException | str, limit: int = REASON_TEXT) -> str:
    """One line of a failure that crossed a durable boundary: the SDK repeats the message (and may add a
    traceback) on the lines after the first, which operators should not read twice."""
    return str(error).strip().split("\n", 1)[0].strip()[:limit]


def failure_text(error: BaseException | str, limit: int = 500) -> str:
    """:func:`short` with the longer limit of a run's own failure."""
    return short(error, limit)


def sample(entries: Iterable[str], limit: int = SAMPLE) -> list[str]:
    """The first ``limit`` entries (the rest are counted, not listed)."""
    listed: list[str] = []
    for entry in entries:
        if len(listed) >= limit:
            break
        listed.append(entry)
    return listed


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


class Tally(BaseModel):
    """What a run (or a segment, chunk or push batch of it) did: counts per kind, Purview calls, a capped
    error sample with the true error count, and what the source rejected, ignored or could not attribute."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    counts: dict[str, dict[str, int]] = Field(default_factory=lambda: {kind: _zero() for kind in KINDS})
    purview_calls: dict[str, int] = Field(default_factory=lambda: {"read": 0, "write": 0})
    errors: list[str] = Field(default_factory=list)
    error_count: int = 0
    rejected: int = 0
    ignored: dict[str, int] = Field(default_factory=dict)
    source: ReportCounts = Field(default_factory=ReportCounts)
    unattributed: int = 0
    unknown_deletions: int = 0

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def count(self, kind: str, counter: str, n: int = 1) -> None:
        self.counts.setdefault(kind, _zero())[counter] += n

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message[:ERROR_TEXT])

    def errors_of(self, listed: Iterable[str], total: int | None = None) -> None:
        """Add a step's error sample; ``total`` counts the ones its sample left out."""
        messages = list(listed)
        for message in messages:
            self.error(message)
        if total is not None and total > len(messages):
            self.error_count += total - len(messages)

    def calls(self, calls: Mapping[str, int]) -> None:
        for direction, n in calls.items():
            self.purview_calls[direction] = self.purview_calls.get(direction, 0) + int(n)

    def ignore(self, ignored: Mapping[str, int]) -> None:
        for what, n in ignored.items():
            self.ignored[what] = self.ignored.get(what, 0) + int(n)

    def report(self, counts: ReportCounts) -> None:
        """Add a connector's page counters: records read, items made per kind, rejected, not mapped."""
        self.source = self.source + counts
        self.ignore(counts.ignored)

    def add(self, other: Tally) -> None:
        """Add everything ``other`` counted; its error sample joins this one up to the cap."""
        for kind, counters in other.counts.items():
            for counter, n in counters.items():
                self.count(kind, counter, n)
        self.calls(other.purview_calls)
        self.errors_of(other.errors, other.error_count)
        self.rejected += other.rejected
        self.ignore(other.ignored)
        self.source = self.source + other.source
        self.unattributed += other.unattributed
        self.unknown_deletions += other.unknown_deletions

    def seen(self) -> int:
        """Objects a run met in its source, whatever their outcome (every counter but ``deleted``)."""
        return sum(
            n for counters in self.counts.values() for name, n in counters.items() if name != "deleted"
        )

    def failed_objects(self) -> int:
        return sum(counters.get("failed", 0) for counters in self.counts.values())

    def calls_made(self) -> int:
        return sum(self.purview_calls.values())
