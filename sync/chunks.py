"""Pure rules of one chunk: what each item's lock answer means, which items go to Purview, and how each
Purview result is counted and recorded.

``upsert_chunk`` only moves these answers between durable calls; every decision is here, unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sync.contracts import BatchResult, ChunkKey, ItemResult
from sync.deletion import TYPEDEF_PREFIX
from sync.ownership import counter_of
from sync.summary import Tally

__all__ = [
    "MISSING_GUID",
    "WRITABLE",
    "Outcome",
    "batch_failure",
    "batch_index",
    "compact",
    "count_decisions",
    "decision_of",
    "dry_counter",
    "dry_decision",
    "failed_results",
    "guid_of",
    "outcome_of",
    "writable",
]

WRITABLE: Final = ("proceed", "unchanged", "skip")
"""Decisions whose items go to a batch: ``proceed`` is written, the others only record their known guid."""
MISSING_GUID: Final = "Purview answered without a guid"
_COUNTERS: Final = {"created", "updated", "unchanged", "skipped", "failed"}
_DRY_COUNTERS: Final = {"create": "created", "update": "updated", "fail": "failed"}


def decision_of(begun: Mapping[str, Any]) -> dict[str, Any]:
    """What a batch needs of a ``begin`` answer (or of a sync state, in a dry run), as :class:`ItemDecision`
    JSON: plain data, since a chunk builds it for every item on every replay."""
    return {
        "decision": str(begun.get("decision") or "proceed"),
        "purview_guid": begun.get("purview_guid"),
        "assigned_terms": list(begun.get("assigned_terms") or ()),
        "assigned_classifications": list(begun.get("assigned_classifications") or ()),
        "assigned_attributes": list(begun.get("assigned_attributes") or ()),
        "origin": begun.get("origin"),
    }


def dry_decision(state: Mapping[str, Any] | None) -> dict[str, Any]:
    """A dry run plans every item against what Purview holds, with what the sync state knows as prior."""
    if not state:
        return {"decision": "proceed"}
    return {**decision_of(state), "decision": "proceed"}


def count_decisions(
    tally: Tally, keys: Iterable[ChunkKey], decisions: Mapping[str, Mapping[str, Any]]
) -> None:
    """Count the items that do not reach Purview as written: busy, skipped and unchanged ones."""
    for key in keys:
        decision = decisions[key.sync_key]["decision"]
        if decision == "busy":
            tally.count(key.kind, "skipped")
            tally.error(f"{key.sync_key}: busy (another sync holds it)")
        elif decision == "skip":
            tally.count(key.kind, "skipped")
        elif decision == "unchanged":
            tally.count(key.kind, "unchanged")


def writable(keys: Iterable[ChunkKey], decisions: Mapping[str, Mapping[str, Any]]) -> list[ChunkKey]:
    """Items that go to a batch (refused and busy ones do not)."""
    return [key for key in keys if decisions[key.sync_key]["decision"] in WRITABLE]


def batch_failure(
    keys: Iterable[ChunkKey], decisions: Mapping[str, Mapping[str, Any]], reason: str
) -> BatchResult:
    """A batch activity failed after its retries (the host or staging, not Purview: ``upsert_batch`` reports
    Purview failures per item): the items that were to be written fail with ``reason``, the run goes on."""
    failed = [
        ItemResult(sync_key=key.sync_key, status="failed", reason=reason)
        for key in keys
        if decisions[key.sync_key]["decision"] == "proceed"
    ]
    return BatchResult(results=failed)


def guid_of(kind: str, result: ItemResult) -> str | None:
    """What the sync state records as the Purview id: the guid; for a classification (a typedef, which has
    no entity guid) ``typedef:<name>``, which deletion knows to delete as a typedef."""
    if result.guid:
        return result.guid
    if kind == "classification" and result.qualified_name:
        return f"{TYPEDEF_PREFIX}{result.qualified_name}"
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one written item counts (``counter``) and what its sync state records: ``guid`` when it
    succeeded, ``reason`` when it failed."""

    counter: str
    guid: str | None
    reason: str | None

    @property
    def failed(self) -> bool:
        return self.counter == "failed"


def outcome_of(kind: str, result: ItemResult, begin_reason: str | None) -> Outcome:
    """A result without a guid is a failure (the sync state could not find the object again); a verify
    run's write of an object thought unchanged counts as a repair."""
    status = result.status if result.status in _COUNTERS else "failed"
    guid = guid_of(kind, result)
    reason = result.reason
    if status != "failed" and guid is None:
        status, reason = "failed", MISSING_GUID
    if status == "failed":
        return Outcome("failed", None, reason or "failed")
    return Outcome(counter_of(status, begin_reason), guid, None)


def dry_counter(result: ItemResult) -> str:
    """A plan's counter: what the real run would do with the item."""
    return _DRY_COUNTERS.get(result.action or "fail", "unchanged")


def batch_index(
    decisions: Mapping[str, Mapping[str, Any]], results: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """The guid index part of one batch (``kind → external_id → guid``) that later waves resolve references
    with: the guid Purview answered for what was written, the one the sync state knows for what was not."""
    index: dict[str, dict[str, str]] = {}

    def put(sync_key: str, guid: str) -> None:
        _, kind, external_id = sync_key.split("|", 2)
        index.setdefault(kind, {})[external_id] = guid

    for sync_key, decision in decisions.items():
        if decision["decision"] in ("unchanged", "skip") and decision.get("purview_guid"):
            put(sync_key, str(decision["purview_guid"]))
    for result in results:
        if result.get("guid"):
            put(str(result["sync_key"]), str(result["guid"]))
    return index


def failed_results(
    sync_keys: Iterable[str], reason: str, error_code: str | None = None
) -> list[dict[str, Any]]:
    """Every item of a batch fails with one reason (its Purview call failed, or its lease ran out)."""
    failed: dict[str, Any] = {"status": "failed", "reason": reason}
    if error_code is not None:
        failed["error_code"] = error_code
    return [{"sync_key": key, **failed} for key in sorted(sync_keys)]


def compact(result: Mapping[str, Any], *, dry: bool) -> ItemResult:
    """What the orchestrator needs of one gateway result: a plan's diffs stay staged, only their count
    travels through history."""
    kept = {key: value for key, value in result.items() if value is not None}
    if dry:
        kept["diff_count"] = len(result.get("diffs") or ())
    return ItemResult.model_validate(kept)
