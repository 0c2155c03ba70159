"""Activities of the extract side of a sync: pull a page, transform a page, plan the import waves.

Every payload is staged (claim check) and only references, counts and small samples travel back through
durable history. Activities are idempotent: re-running one after a crash overwrites the same staged names.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import azure.durable_functions as df

from activities import resources
from connectors.base import Deletion, Rejected
from connectors.files import SourceIncomplete
from staging import RefNotFoundError, make_ref
from sync.waves import chunk, phase_order

__all__ = ["ERROR_SAMPLE", "SNAPSHOT_NAME", "bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

ERROR_SAMPLE = 20
"""Rejected records listed per page in the run summary (all are counted)."""
SNAPSHOT_NAME = "source/snapshot.json"
"""Staged name of the run's source snapshot (taken with the first page, read by every later page)."""


def _page_name(prefix: str, page: int, suffix: str = "jsonl") -> str:
    return f"{prefix}/{page:06d}.{suffix}"


@bp.activity_trigger(input_name="request")
def extract_page(request: dict[str, Any]) -> dict[str, Any]:
    """Pull one page of the catalog's source and stage its raw records: ``{ref, count, next_cursor}``.

    The first page (no cursor) snapshots the source and stages the snapshot; later pages read from it, so the
    whole run reads one file set. A source that cannot be read whole answers ``{"source_error": ...}``
    instead of raising: retrying cannot make a changed or missing file whole, and the run fails on it.
    """
    connector = resources.connector(request["catalog"])
    staging = resources.staging()
    run_id, cursor = request["run_id"], request.get("cursor")
    try:
        snapshot = None
        if connector.uses_snapshot:
            snapshot = _run_snapshot(connector, staging, run_id, first=cursor is None)
        page = connector.extract(cursor, snapshot=snapshot)
    except SourceIncomplete as exc:
        logger.warning("catalog %s: source incomplete: %s", request["catalog"], exc)
        return {"ref": None, "count": 0, "next_cursor": None, "source_error": str(exc)}
    ref = staging.put_jsonl(run_id, _page_name("raw", request["page"]), page.records)
    return {"ref": ref, "count": len(page.records), "next_cursor": page.next_cursor}


def _run_snapshot(connector: Any, staging: Any, run_id: str, *, first: bool) -> Any:
    """The run's one snapshot: taken and staged by the first page, unless a run of that page already staged
    it (activities run at least once: a re-run first page must not re-take it under cursors made on it)."""
    ref = make_ref(run_id, SNAPSHOT_NAME)
    if not first:
        return staging.get_json(ref)
    try:
        return staging.get_json(ref)
    except RefNotFoundError:
        snapshot = connector.snapshot()
        staging.put_json(run_id, SNAPSHOT_NAME, snapshot)
        return snapshot


@bp.activity_trigger(input_name="request")
def transform_page(request: dict[str, Any]) -> dict[str, Any]:
    """Turn one staged page into validated pivot items (staged); rejected records are counted and sampled."""
    staging = resources.staging()
    connector = resources.connector(request["catalog"])
    records = list(staging.iter_jsonl(request["ref"]))
    rejected: list[dict[str, Any]] = []
    latest: dict[tuple[str, str], dict[str, Any]] = {}  # the last word on each object wins (push batches)
    duplicates: list[str] = []
    for result in connector.transform(records):
        if isinstance(result, Rejected):
            rejected.append(result.to_json())
            continue
        key = (result.kind, result.external_id)
        if key in latest and not isinstance(result, Deletion) and "catalog" in latest[key]:
            duplicates.append(
                f"{result.kind} {result.external_id}: appears more than once; the last one is used"
            )
        latest.pop(key, None)  # re-insert so the dict keeps the order of the last mention
        latest[key] = result.to_json() if isinstance(result, Deletion) else result.model_dump(mode="json")
    items = [v for v in latest.values() if "catalog" in v]
    deletions = [v for v in latest.values() if "catalog" not in v]
    kinds: Counter[str] = Counter(item["kind"] for item in items)
    run_id, page = request["run_id"], request["page"]
    items_ref = staging.put_jsonl(run_id, _page_name("items", page), items)
    rejected_ref = staging.put_jsonl(run_id, _page_name("rejected", page), rejected) if rejected else None
    deletions_ref = staging.put_jsonl(run_id, _page_name("deletions", page), deletions) if deletions else None
    return {
        "deletions_ref": deletions_ref,
        "deletions": len(deletions),
        "items_ref": items_ref,
        "rejected_ref": rejected_ref,
        "counts": dict(kinds),
        "rejected": len(rejected),
        "errors": ([f"{r['where']}: {r['reason']}" for r in rejected] + duplicates)[:ERROR_SAMPLE],
        "duplicates": len(duplicates),
        "ignored": connector.report.ignored,
    }


@bp.activity_trigger(input_name="request")
def plan_waves(request: dict[str, Any]) -> dict[str, Any]:
    """Order the run's items into import waves and stage them as chunks of at most ``chunk_size`` items.

    Also stages the asset index (external_id → type and qualifiedName) that lineage and relationships
    resolve same-catalog references with, and a chunk of the records that cannot be imported (invalid or
    in a term parent cycle) so their sync state records the failure.
    """
    staging = resources.staging()
    run_id, size = request["run_id"], int(request["chunk_size"])
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    duplicates: list[str] = []
    for ref in request["items_refs"]:
        for item in staging.iter_jsonl(ref):
            key = (item["kind"], item["external_id"])
            if key in by_key:
                duplicates.append(f"{key[0]} {key[1]}: appears on several pages; the last one is used")
            by_key[key] = item
    items = list(by_key.values())
    plan = phase_order(items)
    asset_index = {
        item["external_id"]: {"type_name": item["type_name"], "qualified_name": item["qualified_name"]}
        for item in items
        if item["kind"] == "asset"
    }
    asset_index_ref = staging.put_json(run_id, "index/assets.json", asset_index)
    waves: list[dict[str, Any]] = []
    for number, wave in enumerate(plan.waves):
        chunks = []
        for part_no, part in enumerate(chunk(wave.items, size)):
            chunk_id = f"{number:03d}-{part_no:04d}"
            ref = staging.put_jsonl(run_id, f"chunks/{chunk_id}.jsonl", part)
            chunks.append({"ref": ref, "id": chunk_id, "count": len(part)})
        waves.append({"phase": str(wave.phase), "level": wave.level, "chunks": chunks})
    invalid = _invalid_records(staging, request.get("rejected_refs") or [], plan.failures)
    unattributed = sum(  # rejected records naming no object: what they describe would look deleted
        1
        for ref in request.get("rejected_refs") or []
        for record in staging.iter_jsonl(ref)
        if not (record.get("external_id") and record.get("kind"))
    )
    if invalid:
        for part_no, part in enumerate(chunk(invalid, size)):
            chunk_id = f"invalid-{part_no:04d}"
            ref = staging.put_jsonl(run_id, f"chunks/{chunk_id}.jsonl", part)
            waves.append(
                {"phase": "invalid", "level": 0, "chunks": [{"ref": ref, "id": chunk_id, "count": len(part)}]}
            )
    return {
        "waves": waves,
        "asset_index_ref": asset_index_ref,
        "order_failures": ([f"{f.external_id}: {f.reason}" for f in plan.failures] + duplicates)[
            :ERROR_SAMPLE
        ],
        "order_failure_count": len(plan.failures) + len(duplicates),
        "unattributed": unattributed,
    }


def _invalid_records(staging: Any, rejected_refs: list[str], failures: list[Any]) -> list[dict[str, Any]]:
    """Records whose sync state should say Failed: rejected ones that name their object, and the terms
    that cannot be ordered (parent cycles)."""
    invalid: list[dict[str, Any]] = []
    for ref in rejected_refs:
        for record in staging.iter_jsonl(ref):
            if record.get("external_id") and record.get("kind"):
                invalid.append(
                    {"external_id": record["external_id"], "kind": record["kind"], "reason": record["reason"]}
                )
    for failure in failures:
        invalid.append(
            {"external_id": failure.external_id, "kind": "glossary_term", "reason": failure.reason}
        )
    return invalid
