"""Durable contracts: frozen, strict about their keys (naming the field), plain JSON that round-trips."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from config.catalogs import DeletionPolicy
from connectors.base import ReportCounts
from sync import contracts
from sync.contracts import (
    ChunkRef,
    Contract,
    Identity,
    ItemDecision,
    ItemResult,
    MarkerHold,
    SyncOptions,
    SyncRequest,
    WaveChunks,
)
from sync.summary import Tally

OPTIONS = SyncOptions(chunk_size=10, batch_items=5, lease_seconds=900, busy_retries=2, busy_delay_seconds=1)


def _tally() -> Tally:
    tally = Tally(rejected=1, unattributed=2, unknown_deletions=3)
    tally.count("asset", "created", 4)
    tally.error("e")
    tally.calls({"read": 1})
    tally.report(ReportCounts(records_read=5, ignored={"tags": 1}))
    return tally


IMPORTED = {
    "manifest_refs": ["r/manifest/parts/a.jsonl"],
    "free_ref": "r/manifest/free.jsonl",
    "journal_ref": "state.c/journal/r.jsonl",
    "journal_seq": 4,
    "base_ref": "state.c/manifests/q.jsonl.gz",
    "read_upto": 3,
    "touched_refs": ["state.c/journal/push.jsonl"],
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "CleanupLoop": {"interval_minutes": 30},
    "CatalogPoliciesRequest": {"catalog": "c"},
    "CatalogPolicy": {
        "name": "c",
        "deletion": {"retention_days": 1, "min_complete_runs": 2, "max_delete_fraction": 0.5},
    },
    "StagingCleanup": {"run_id": "r", "retention_hours": 24},
    "StagingCleaned": {"deleted": 3, "expired_runs": 1},
    "MergeIndexRequest": {"run_id": "r", "refs": [None, "r/index/parts/a.json"], "name": "000"},
    "Imported": IMPORTED,
    "ManifestRequest": {
        "catalog": "c",
        "run_id": "r",
        "started": "2026-01-01T00:00:00+00:00",
        "imported": IMPORTED,
    },
    "ManifestWritten": {"ref": "state.c/manifests/r.jsonl.gz", "entries": 10, "suspect": 1},
    "PruneRequest": {"refs": ["state.c/journal/old.jsonl"]},
    "SyncOptions": OPTIONS.to_json(),
    "SyncRequest": {
        "catalog": "c",
        "dry_run": True,
        "accept_shrink": True,
        "force_deletes": True,
        "mode": "verify",
        "deletion": {"retention_days": 1, "min_complete_runs": 2, "max_delete_fraction": 0.5},
        "options": OPTIONS,
    },
    "RunScope": {"catalog": "c", "run_id": "r", "dry_run": True, "mode": "full", "options": OPTIONS},
    "IngestRequest": {"catalog": "c", "run_id": "r", "ref": "ref", "options": OPTIONS, "force_deletes": True},
    "DecodeRequest": {"catalog": "c", "run_id": "r", "ref": "ref", "batch": "b"},
    "DecodedEvents": {"ref": "ref", "records": 3, "errors": ["bad"], "error_count": 4},
    "SegmentRequest": {"catalog": "c", "run_id": "r", "cursor": "x", "first_page": 2},
    "PageRequest": {"catalog": "c", "run_id": "r", "page": 0, "cursor": None, "ref": "ref"},
    "StagedPage": {"ref": "ref", "count": 2, "next_cursor": "n", "source_error": None},
    "PageResult": {
        "items_ref": "i",
        "rejected_ref": "r",
        "deletions_ref": "d",
        "counts": {"asset": 2},
        "rejected": 1,
        "deletions": 1,
        "duplicates": 1,
        "errors": ["x"],
        "report": ReportCounts(records_read=3, items_produced={"asset": 2}, rejected=1),
    },
    "SegmentResult": {"pages": 2, "next_cursor": None, "items_refs": ["i"], "tally": _tally()},
    "PlanRequest": {
        "catalog": "c",
        "run_id": "r",
        "chunk_size": 5,
        "items_refs": ["i"],
        "rejected_refs": ["r"],
    },
    "ChunkRef": {"ref": "ref", "id": "w0-c0", "count": 5},
    "WaveChunks": {"phase": "assets", "level": 1, "chunks": [ChunkRef(ref="ref", id="c", count=1)]},
    "WavePlan": {
        "waves": [WaveChunks(phase="terms", chunks=[])],
        "asset_index_ref": "a",
        "order_failures": ["t: cycle"],
        "order_failure_count": 1,
        "unattributed": 2,
    },
    "ChunkRequest": {
        "catalog": "c",
        "run_id": "r",
        "phase": "assets",
        "ref": "ref",
        "chunk_id": "c0",
        "index_ref": "x",
        "dry_run": True,
        "mode": "verify",
        "options": OPTIONS,
    },
    "ChunkKeysRequest": {"catalog": "c", "ref": "ref", "phase": "invalid"},
    "Identity": {"type_name": "t", "qualified_name": "q", "adopt_from": ["other"]},
    "ChunkKey": {
        "entity_key": "e",
        "sync_key": "c|asset|a",
        "kind": "asset",
        "external_id": "a",
        "fingerprint": "f",
        "reason": None,
        "identity": Identity(type_name="t", qualified_name="q"),
    },
    "ItemDecision": {"decision": "proceed", "purview_guid": "g", "assigned_terms": ["t"], "origin": "o"},
    "BatchRequest": {
        "catalog": "c",
        "run_id": "r",
        "phase": "assets",
        "ref": "ref",
        "batch_id": "b0",
        "lease_expires": "2026-12-07T10:00:00+00:00",
        "decisions": {"k": ItemDecision(decision="skip")},
    },
    "ItemResult": {
        "sync_key": "k",
        "status": "created",
        "guid": "g",
        "assigned_terms": ["t"],
        "diff_count": 2,
    },
    "BatchResult": {
        "results": [ItemResult(sync_key="k", status="failed", reason="x")],
        "index_ref": "i",
        "calls": {"read": 1, "write": 2},
    },
    "ChunkResult": {"tally": _tally(), "index_refs": ["i"], "plan_refs": ["p"]},
    "MarkerRequest": {"catalog": "c", "refs": ["d"], "force": True},
    "MarkerHold": {"count": 3, "message": "held", "fraction": 0.5, "sample": ["a"]},
    "MarkerResult": {
        "deleted": {"asset": 1},
        "unknown": 1,
        "failed": 1,
        "errors": ["x"],
        "held": MarkerHold(count=1, message="m", fraction=1.0),
        "named": 2,
    },
    "RetireRequest": {"catalog": "c", "states": [{"sync_key": "k", "purview_guid": "g"}]},
    "RetireResult": {"retired": 1, "failed": 1, "errors": ["x"]},
    "FindStaleRequest": {
        "catalog": "c",
        "run_id": "r",
        "now": "2026-12-07T10:00:00+00:00",
        "complete_runs": ["x"],
    },
    "StaleReport": {
        "stale_count": 1,
        "blocked": True,
        "reason": "blocked",
        "message": "m",
        "fraction": 0.5,
        "total": 2,
        "cutoff": "2026-12-01T00:00:00+00:00",
        "ref": "s",
        "sample": ["k"],
    },
    "DeleteStaleRequest": {"ref": "s", "cutoff": None},
    "DeleteStaleResult": {"deleted": 1, "failed": 0, "errors": []},
    "CleanupRequest": {"catalog": None, "force": True, "dry_run": True},
}


def _contracts() -> list[type[Contract]]:
    found: list[type[Contract]] = []
    pending = list(Contract.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending += cls.__subclasses__()
    return sorted(
        {cls for cls in found if cls.__module__ == contracts.__name__}, key=lambda cls: cls.__name__
    )


CONTRACTS = _contracts()


def test_every_contract_is_exported_and_has_an_example() -> None:
    names = {cls.__name__ for cls in CONTRACTS}
    assert names == set(EXAMPLES)
    assert names <= set(contracts.__all__)


@pytest.mark.parametrize("cls", CONTRACTS, ids=lambda cls: cls.__name__)
def test_round_trip_through_json(cls: type[Contract]) -> None:
    value = cls.model_validate(EXAMPLES[cls.__name__])
    wire = value.to_json()
    assert cls.model_validate(wire) == value
    assert cls.model_validate(wire).to_json() == wire


@pytest.mark.parametrize("cls", CONTRACTS, ids=lambda cls: cls.__name__)
def test_frozen(cls: type[Contract]) -> None:
    value = cls.model_validate(EXAMPLES[cls.__name__])
    field = next(iter(cls.model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(value, field, getattr(value, field))


@pytest.mark.parametrize(
    "cls", [cls for cls in CONTRACTS if cls is not ItemResult], ids=lambda cls: cls.__name__
)
def test_an_unknown_key_fails_naming_it(cls: type[Contract]) -> None:
    with pytest.raises(ValidationError) as raised:
        cls.model_validate({**EXAMPLES[cls.__name__], "catalgo": "typo"})
    assert [error["loc"] for error in raised.value.errors()] == [("catalgo",)]
    assert "catalgo" in str(raised.value)


def test_an_item_result_ignores_extra_keys() -> None:
    result = ItemResult.model_validate(
        {"sync_key": "k", "status": "created", "guid": "g", "entity": {"x": 1}}
    )
    assert result.to_json()["guid"] == "g"
    assert "entity" not in result.to_json()


def test_a_missing_or_mistyped_field_is_named() -> None:
    with pytest.raises(ValidationError) as missing:
        SyncRequest.model_validate({"catalog": "c"})
    assert [error["loc"] for error in missing.value.errors()] == [("options",)]
    with pytest.raises(ValidationError) as mistyped:
        SyncRequest.model_validate({"catalog": "c", "mode": "fast", "options": OPTIONS.to_json()})
    assert [error["loc"] for error in mistyped.value.errors()] == [("mode",)]
    with pytest.raises(ValidationError) as nested:
        SyncOptions.model_validate({**OPTIONS.to_json(), "chunk_size": 0})
    assert [error["loc"] for error in nested.value.errors()] == [("chunk_size",)]


def test_sync_request_defaults() -> None:
    request = SyncRequest(catalog="c", options=OPTIONS)
    assert (request.dry_run, request.accept_shrink, request.force_deletes, request.mode) == (
        False, False, False, "normal",
    )  # fmt: skip
    assert request.deletion == DeletionPolicy()
    wire = request.to_json()
    assert wire["options"] == OPTIONS.to_json()
    assert SyncRequest.model_validate(wire) == request


def test_a_tally_inside_a_contract_keeps_every_count() -> None:
    result = contracts.ChunkResult.model_validate(EXAMPLES["ChunkResult"])
    back = contracts.ChunkResult.model_validate(result.to_json())
    assert back.tally == _tally()
    assert (back.tally.error_count, back.tally.source.records_read, back.tally.unknown_deletions) == (1, 5, 3)
