"""The bookkeeping of one pull run, as pure code: what it has staged and counted, whether it counts as
complete for deletion, what it records in the ``catalog`` entity, and the result operators read.

``sync_catalog`` owns one ``RunBook`` and only moves durable answers into it; the result is built once, at
the very end, so nothing added late (a refused record, a failed cleanup) is missing from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config.catalogs import DeletionPolicy
from sync.contracts import MarkerHold, RunScope, SegmentResult, StaleReport
from sync.guards import RunFacts, RunVerdict, run_completeness
from sync.summary import Tally, failure_text

__all__ = ["RunBook", "last_complete_seen"]


def last_complete_seen(registry: Any) -> int | None:
    """How many objects the catalog's last complete run saw (the shrink guard's baseline)."""
    runs = (registry or {}).get("complete_runs") or [{}]
    seen = runs[0].get("seen")
    return int(seen) if seen is not None else None


@dataclass(slots=True)
class RunBook:
    """What one run has done so far; ``result`` is what ``sync_catalog`` returns."""

    scope: RunScope
    started: datetime
    tally: Tally = field(default_factory=Tally)
    pages: int = 0
    items_refs: list[str] = field(default_factory=list)
    rejected_refs: list[str] = field(default_factory=list)
    deletions_refs: list[str] = field(default_factory=list)
    plan_refs: list[str] = field(default_factory=list)
    markers: int = 0
    baseline: int | None = None
    deletes: StaleReport | None = None
    deletes_held: MarkerHold | None = None
    failed: bool = False
    unpublished: str | None = None  # why the run's manifest was not published (then it cannot count)

    def add_segment(self, segment: SegmentResult) -> None:
        self.pages += segment.pages
        self.items_refs += segment.items_refs
        self.rejected_refs += segment.rejected_refs
        self.deletions_refs += segment.deletions_refs
        self.tally.add(segment.tally)

    def fail(self, error: BaseException) -> None:
        """An activity failed after its retries: the run fails, and nothing becomes stale from it."""
        self.failed = True
        self.tally.error(f"run failed: {failure_text(error)}")

    @property
    def status(self) -> str:
        return "failed" if self.failed else "completed"

    def verdict(self, policy: DeletionPolicy, *, accept_shrink: bool) -> RunVerdict:
        """Whether this run counts as complete for deletion (shrink guard; a dry run never counts)."""
        if self.scope.dry_run:
            return RunVerdict(False, [], [], "a dry run never counts for deletion")
        facts = RunFacts(
            seen=self.tally.seen(),
            delete_markers=self.markers,
            unattributed=self.tally.unattributed,
            failed_objects=self.tally.failed_objects(),
            last_complete_seen=self.baseline,
            run_failed=self.failed,
        )
        verdict = run_completeness(policy, facts, accept_shrink=accept_shrink)
        if self.unpublished and verdict.complete:
            note = "its manifest was not published: the objects it met unchanged are recorded nowhere"
            return RunVerdict(False, [*verdict.held, self.unpublished], verdict.accepted, note)
        return verdict

    def record(self, verdict: RunVerdict, ended: datetime) -> dict[str, Any]:
        """The ``catalog`` entity's ``run_finished`` payload."""
        return {
            "run_id": self.scope.run_id,
            "status": self.status,
            "complete_for_deletion": verdict.complete,
            "held": verdict.held,
            "accepted": verdict.accepted,
            "seen": self.tally.seen(),
            "summary": {
                "counts": self.tally.counts,
                "purview_calls": self.tally.calls_made(),
                "errors": self.tally.errors,
                "error_count": self.tally.error_count,
            },
            "now": ended.isoformat(),
        }

    def progress(self, phase: str, **extra: Any) -> dict[str, Any]:
        """Custom status while running: small (far below 16 KB) — phase, counts, last error."""
        return {
            "catalog": self.scope.catalog,
            "run_id": self.scope.run_id,
            "dry_run": self.scope.dry_run,
            "phase": phase,
            **extra,
            "counts": self.tally.counts,
            "last_error": self.tally.errors[-1] if self.tally.errors else None,
        }

    def final_status(self, verdict: RunVerdict) -> dict[str, Any]:
        return {
            "catalog": self.scope.catalog,
            "run_id": self.scope.run_id,
            "phase": self.status,
            "counts": self.tally.counts,
            "complete_for_deletion": verdict.complete,
            "held": verdict.held,
        }

    def result(self, verdict: RunVerdict, ended: datetime) -> dict[str, Any]:
        """The run summary operators read (CLI ``--json``, HTTP status output)."""
        tally = self.tally.to_json()
        del tally["unattributed"]  # told through ``held``
        status = "dry_run" if self.scope.dry_run and not self.failed else self.status
        return {
            "catalog": self.scope.catalog,
            "run_id": self.scope.run_id,
            "status": status,
            **tally,
            "deletes_held": self.deletes_held.to_json() if self.deletes_held else None,
            "deletes": self.deletes.to_json() if self.deletes else None,
            "plan_refs": self.plan_refs,
            **verdict.to_json(),
            "seen": self.tally.seen(),
            "pages": self.pages,
            "started": self.started.isoformat(),
            "ended": ended.isoformat(),
            "duration_s": round((ended - self.started).total_seconds(), 3),
        }
