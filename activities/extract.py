"""Activities of the extract side of a sync: pull a page, transform a page, plan the import waves.

Every payload is staged (claim check) and only references, counts and small samples travel back through
durable history. Activities are idempotent: re-running one after a crash overwrites the same staged names.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from typing import Any

import azure.durable_functions as df

from activities import resources
from connectors.files import SourceIncomplete
from staging import RefNotFoundError, Staging, make_ref
from sync.contracts import (
    ChunkRef,
    DecodedEvents,
    DecodeRequest,
    PageRequest,
    PageResult,
    PlanRequest,
    StagedPage,
    WaveChunks,
    WavePlan,
)
from sync.pages import asset_index, invalid_records, latest_items, page_items, unattributed
from sync.summary import sample, short
from sync.waves import chunk, phase_order

__all__ = ["SNAPSHOT_NAME", "bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

SNAPSHOT_NAME = "source/snapshot.json"
"""Staged name of the run's source snapshot (taken with the first page, read by every later page)."""


def _page_name(prefix: str, page: int, suffix: str = "jsonl") -> str:
    return f"{prefix}/{page:06d}.{suffix}"


@bp.activity_trigger(input_name="request")
def extract_page(request: dict[str, Any]) -> dict[str, Any]:
    """Pull one page of the catalog's source and stage its raw records (:class:`StagedPage`).

    The first page (no cursor) snapshots the source and stages the snapshot; later pages read from it, so the
    whole run reads one file set. A source that cannot be read whole answers ``source_error`` instead of
    raising: retrying cannot make a changed or missing file whole, and the run fails on it.
    """
    ask = PageRequest.model_validate(request)
    connector = resources.connector(ask.catalog)
    staging = resources.staging()
    try:
        snapshot = None
        if connector.uses_snapshot:
            snapshot = _run_snapshot(connector, staging, ask.run_id, first=ask.cursor is None)
        page = connector.extract(ask.cursor, snapshot=snapshot)
    except SourceIncomplete as exc:
        logger.warning("catalog %s: source incomplete: %s", ask.catalog, exc)
        return StagedPage(source_error=str(exc)).to_json()
    ref = staging.put_jsonl(ask.run_id, _page_name("raw", ask.page), page.records)
    return StagedPage(ref=ref, count=len(page.records), next_cursor=page.next_cursor).to_json()


def _run_snapshot(connector: Any, staging: Staging, run_id: str, *, first: bool) -> Any:
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
def decode_events(request: dict[str, Any]) -> dict[str, Any]:
    """Decode one pushed batch's staged event bodies with the catalog's connector and stage the records as
    the batch's one raw page; an event that cannot be decoded fails alone, with its number and reason."""
    ask = DecodeRequest.model_validate(request)
    staging = resources.staging()
    connector = resources.connector(ask.catalog)
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, event in enumerate(staging.iter_jsonl(ask.ref)):
        try:
            records.extend(connector.decode(base64.b64decode(event["body"])))
        except Exception as exc:  # one bad event fails itself, not the batch
            errors.append(f"event {number} of {ask.batch}: cannot decode: {short(exc)}")
    ref = staging.put_jsonl(ask.run_id, _page_name("raw", 0), records)
    return DecodedEvents(
        ref=ref, records=len(records), errors=sample(errors), error_count=len(errors)
    ).to_json()


@bp.activity_trigger(input_name="request")
def transform_page(request: dict[str, Any]) -> dict[str, Any]:
    """Turn one staged page into validated pivot items (staged); rejected records are counted and sampled."""
    ask = PageRequest.model_validate(request)
    if ask.ref is None:
        raise ValueError("transform_page needs the ref of a staged page")
    staging = resources.staging()
    connector = resources.connector(ask.catalog)
    transformed = connector.transform_page(list(staging.iter_jsonl(ask.ref)))
    page = page_items(transformed.results)

    def put(prefix: str, records: list[dict[str, Any]]) -> str:
        return staging.put_jsonl(ask.run_id, _page_name(prefix, ask.page), records)

    return PageResult(
        items_ref=put("items", page.items),
        rejected_ref=put("rejected", page.rejected) if page.rejected else None,
        deletions_ref=put("deletions", page.deletions) if page.deletions else None,
        counts=dict(Counter(item["kind"] for item in page.items)),
        rejected=len(page.rejected),
        deletions=len(page.deletions),
        duplicates=len(page.duplicates),
        errors=sample(page.errors()),
        report=transformed.report,
    ).to_json()


@bp.activity_trigger(input_name="request")
def plan_waves(request: dict[str, Any]) -> dict[str, Any]:
    """Order the run's items into import waves and stage them as chunks of at most ``chunk_size`` items.

    Also stages the asset index that lineage and relationships resolve same-catalog references with, and
    chunks of the records that cannot be imported (invalid, or in a term parent cycle) so their sync state
    records the failure.
    """
    ask = PlanRequest.model_validate(request)
    staging = resources.staging()
    run = latest_items(staging.iter_jsonl(ref) for ref in ask.items_refs)
    plan = phase_order(run.items)
    rejected = [record for ref in ask.rejected_refs for record in staging.iter_jsonl(ref)]

    def staged(wave: int | str, parts: list[list[dict[str, Any]]]) -> list[ChunkRef]:
        chunks = []
        for number, part in enumerate(parts):
            chunk_id = f"{wave:03d}-{number:04d}" if isinstance(wave, int) else f"{wave}-{number:04d}"
            ref = staging.put_jsonl(ask.run_id, f"chunks/{chunk_id}.jsonl", part)
            chunks.append(ChunkRef(ref=ref, id=chunk_id, count=len(part)))
        return chunks

    waves = [
        WaveChunks(
            phase=str(wave.phase), level=wave.level, chunks=staged(n, chunk(wave.items, ask.chunk_size))
        )
        for n, wave in enumerate(plan.waves)
    ]
    invalid = invalid_records(rejected, plan.failures)
    waves += [
        WaveChunks(phase="invalid", chunks=[part])
        for part in staged("invalid", chunk(invalid, ask.chunk_size) if invalid else [])
    ]
    failures = [f"{f.external_id}: {f.reason}" for f in plan.failures] + run.duplicates
    return WavePlan(
        waves=waves,
        asset_index_ref=staging.put_json(ask.run_id, "index/assets.json", asset_index(run.items)),
        order_failures=sample(failures),
        order_failure_count=len(failures),
        unattributed=unattributed(rejected),
    ).to_json()
