"""Pure guard rules: does a pull run count as complete for deletion (shrink guard), and may a run's delete
markers be executed now (delete-marker guard).

Both protect a shared Purview from a source that suddenly looks much smaller than it is: a truncated export,
a broken filter, a producer emitting a storm of deletions. Usage::

    verdict = run_completeness(policy, RunFacts(seen=400, last_complete_seen=500), accept_shrink=False)
    verdict.complete    # False: "shrink: saw 400 objects, last complete run saw 500 (-20.0%, limit 10.0%)"
    markers = decide_markers(policy, markers=300, held_objects=500, force=False)
    markers.execute        # False: held until forced
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from config.catalogs import DeletionPolicy

__all__ = [
    "ACCEPT_HINT",
    "FORCE_HINT",
    "MarkerDecision",
    "RunFacts",
    "RunVerdict",
    "decide_markers",
    "run_completeness",
    "shrink_hold",
]

ACCEPT_HINT = "accept it with accept_shrink=true on the next sync (CLI --accept-shrink)"
FORCE_HINT = (
    "execute them with force_deletes=true (sync: ?force_deletes=true or CLI --force-deletes; "
    "HTTP push: POST .../events?force_deletes=true)"
)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What a finished pull run knows about itself.

    ``seen``: objects the source listed this run (every item with a sync key, whatever its outcome);
    ``delete_markers``: objects the source explicitly marked deleted (they explain a drop);
    ``unattributed``: rejected records that name no object (what they describe would look deleted);
    ``failed_objects``: objects seen but failed (kept: they were seen); ``last_complete_seen``: what the
    last complete run saw (``None``: no such run or it predates the count).
    """

    seen: int
    delete_markers: int = 0
    unattributed: int = 0
    failed_objects: int = 0
    last_complete_seen: int | None = None
    run_failed: bool = False


@dataclass(frozen=True, slots=True)
class RunVerdict:
    """Whether the run counts as complete for deletion, and a sentence saying why."""

    complete: bool
    held: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "complete_for_deletion": self.complete,
            "held": self.held,
            "accepted": self.accepted,
            "deletion_note": self.note,
        }


def shrink_hold(
    policy: DeletionPolicy, seen: int, delete_markers: int, last_complete_seen: int | None
) -> str:
    """The hold reason when the run saw markedly fewer objects than the last complete run, else ``""``.

    Objects the source explicitly marked deleted are not a shrink (they have their own guard).
    """
    if not last_complete_seen:
        return ""
    present = seen + delete_markers
    drop = (last_complete_seen - present) / last_complete_seen
    limit = policy.shrink_limit
    if drop <= limit:
        return ""
    markers = f" (+{delete_markers} delete markers)" if delete_markers else ""
    return (
        f"shrink: saw {seen} objects{markers}, last complete run saw {last_complete_seen} "
        f"(-{drop:.1%}, limit {limit:.1%})"
    )


def run_completeness(policy: DeletionPolicy, facts: RunFacts, *, accept_shrink: bool = False) -> RunVerdict:
    """Only a whole, unshrunken (or accepted) run proves that what it did not see is gone from the source.

    A failed run never counts. A shrink above the limit, or records rejected without naming their object,
    hold the run unless ``accept_shrink``. Failed objects do not hold it: they were seen, so they are kept.
    """
    if facts.run_failed:
        return RunVerdict(
            False, ["run failed"], [], "does not count as complete for deletion: the run failed"
        )
    reasons = []
    if shrunk := shrink_hold(policy, facts.seen, facts.delete_markers, facts.last_complete_seen):
        reasons.append(shrunk)
    if facts.unattributed:
        reasons.append(
            f"unreadable: {facts.unattributed} rejected record(s) name no object, "
            "so what they describe would look deleted"
        )
    kept = f"; {facts.failed_objects} failed object(s) were seen and are kept" if facts.failed_objects else ""
    if reasons and not accept_shrink:
        held = "; ".join(reasons)
        return RunVerdict(
            False, reasons, [], f"does not count as complete for deletion: {held}; {ACCEPT_HINT}{kept}"
        )
    if reasons:
        return RunVerdict(
            True, [], reasons, f"counts as complete for deletion (accepted: {'; '.join(reasons)}){kept}"
        )
    return RunVerdict(True, [], [], f"counts as complete for deletion{kept}")


@dataclass(frozen=True, slots=True)
class MarkerDecision:
    """Whether a run's delete markers are executed now; when held, nothing is deleted."""

    execute: bool
    reason: str  # "none" | "allowed" | "forced" | "held"
    message: str
    fraction: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def decide_markers(
    policy: DeletionPolicy, markers: int, held_objects: int, *, force: bool, recent: int = 0
) -> MarkerDecision:
    """Delete markers of one run (or push batch) for objects the catalog holds, against ``held_objects``
    (the catalog's objects in sync state): above ``max_delete_fraction`` they are held unless ``force``.

    ``recent``: objects that markers already deleted within the last 24 hours. They count with this run's
    markers, against the catalog as it was before them, so a storm split into small push batches is held too.
    """
    if markers <= 0:
        return MarkerDecision(True, "none", "no delete marker names a synced object", 0.0)
    before = held_objects + recent
    fraction = (markers + recent) / before if before else 1.0
    earlier = f" (+{recent} deleted by markers in the last 24 h)" if recent else ""
    share = f"{markers} delete marker(s){earlier} for {before} synced objects ({fraction:.1%})"
    limit = f"max_delete_fraction {policy.max_delete_fraction:.1%}"
    if fraction <= policy.max_delete_fraction:
        return MarkerDecision(True, "allowed", share, fraction)
    if force:
        return MarkerDecision(True, "forced", f"{share}, above {limit}: forced", fraction)
    return MarkerDecision(False, "held", f"deletes held: {share}, above {limit}; {FORCE_HINT}", fraction)
