"""Pure bookkeeping of run summaries: per-kind counts, Purview calls, capped error samples.

The summary shape is a public interface (``python -m localdev sync --json``, the ``catalog`` entity):
``{"counts": {kind: {created, updated, unchanged, skipped, failed, deleted, repaired}},
"purview_calls": {read, write},
"errors": [...], "error_count": n}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "COUNTERS",
    "KINDS",
    "MAX_ERRORS",
    "add_error",
    "add_errors",
    "empty_summary",
    "failure_text",
    "merge",
    "seen_objects",
    "tally",
]

KINDS = ("asset", "glossary_term", "classification")
COUNTERS = ("created", "updated", "unchanged", "skipped", "failed", "deleted", "repaired")
MAX_ERRORS = 50


def empty_summary() -> dict[str, Any]:
    return {
        "counts": {kind: dict.fromkeys(COUNTERS, 0) for kind in KINDS},
        "purview_calls": {"read": 0, "write": 0},
        "errors": [],
        "error_count": 0,
    }


def failure_text(error: BaseException | str, limit: int = 500) -> str:
    """One line for a failure that crossed a durable boundary: the SDK repeats the message (and may add a
    traceback) on the lines after the first, which operators should not read twice."""
    text = str(error).strip()
    return text.split("\n", 1)[0].strip()[:limit]


def tally(summary: dict[str, Any], kind: str, counter: str, n: int = 1) -> None:
    summary["counts"].setdefault(kind, dict.fromkeys(COUNTERS, 0))[counter] += n


def add_error(summary: dict[str, Any], message: str) -> None:
    summary["error_count"] += 1
    if len(summary["errors"]) < MAX_ERRORS:
        summary["errors"].append(message[:1000])


def add_errors(summary: dict[str, Any], messages: Iterable[str], total: int | None = None) -> None:
    listed = list(messages)
    for message in listed:
        add_error(summary, message)
    if total is not None and total > len(listed):
        summary["error_count"] += total - len(listed)


def merge(into: dict[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """Add ``other``'s counts, calls and errors into ``into`` (and return it)."""
    for kind, counters in other.get("counts", {}).items():
        for counter, n in counters.items():
            tally(into, kind, counter, int(n))
    for direction, n in other.get("purview_calls", {}).items():
        into["purview_calls"][direction] = into["purview_calls"].get(direction, 0) + int(n)
    listed = list(other.get("errors", []))
    for message in listed:
        add_error(into, message)
    into["error_count"] += max(0, int(other.get("error_count", len(listed))) - len(listed))
    return into


def seen_objects(summary: Mapping[str, Any]) -> int:
    """Objects a run met in its source, whatever their outcome (every counter but ``deleted``)."""
    return sum(
        int(n) for counters in summary["counts"].values() for name, n in counters.items() if name != "deleted"
    )
