"""Pure deletion policy: when an object is stale, and whether a catalog's stale objects may be deleted.

Only complete runs count (failed, held and dry runs never make anything stale); above ``max_delete_fraction``
the cleanup deletes nothing unless forced. Usage::

    decision = decide_deletion(policy, complete_runs, now, [(key, last_presence(state)), ...], force=False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from config.catalogs import DeletionPolicy

__all__ = [
    "DeletionDecision",
    "DeletionTargets",
    "decide_deletion",
    "deletion_cutoff",
    "deletion_targets",
    "last_presence",
    "still_stale",
]


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


def still_stale(state: Mapping[str, Any] | None, cutoff: datetime | None) -> bool:
    """Whether an object ``find_stale`` listed may still be deleted: a sync may have taken it (Pending) or
    seen it since (present at or after the cutoff); a vanished state has nothing left to delete."""
    if not state or state.get("status") == "Pending":
        return False
    seen = last_presence(state)
    return cutoff is None or seen is None or seen < cutoff


@dataclass(frozen=True, slots=True)
class DeletionTargets:
    """What deleting some objects means in Purview, by what their sync states say.

    ``release``: adopted assets (in Purview before the sync wrote them): never deleted, they only lose what
    the sync added. ``assets``/``terms``: guids to delete. ``classifications``: typedef names to delete.
    Skipped objects and objects that never landed (no guid) are in none of them: nothing to do in Purview.
    """

    release: list[Mapping[str, Any]] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    classifications: list[str] = field(default_factory=list)


TYPEDEF_PREFIX = "typedef:"
"""How a sync state records a classification's Purview id (a typedef has no entity guid)."""


def deletion_targets(states: Iterable[Mapping[str, Any]]) -> DeletionTargets:
    """Sort sync states into what to release and what to delete, per Purview call."""
    targets = DeletionTargets()
    for state in states:
        origin, guid = state.get("origin"), state.get("purview_guid")
        if origin == "skipped" or not guid:
            continue
        if origin == "adopted":
            targets.release.append(state)
            continue
        kind = str(state.get("kind") or "asset")
        if kind == "glossary_term":
            targets.terms.append(str(guid))
        elif kind == "classification":
            targets.classifications.append(str(guid).removeprefix(TYPEDEF_PREFIX))
        else:
            targets.assets.append(str(guid))
    return targets
