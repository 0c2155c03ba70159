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
from entities.keys import encode_key
from pivot import AnyPivotItem, PivotAssetItem, parse_item
from staging import RefNotFoundError, Staging, make_ref, split_ref
from sync.contracts import (
    DecodedEvents,
    DecodeRequest,
    PageRequest,
    PageResult,
    StagedPage,
)
from sync.pages import page_items
from sync.summary import sample, short

__all__ = ["SNAPSHOT_NAME", "bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

SNAPSHOT_NAME = "source/snapshot.json"
"""Staged name of the run's source snapshot (taken with the first page, read by every later page)."""


def _page_name(prefix: str, page: int, suffix: str = "jsonl") -> str:
    return f"{prefix}/{page:06d}.{suffix}"


def keys_ref_of(items_ref: str) -> str:
    """Where ``transform_page`` staged the keys (fingerprints) of the items staged under ``items_ref``."""
    run_id, name = split_ref(items_ref)
    return make_ref(run_id, "keys/" + name.removeprefix("items/"))


def key_of(item: AnyPivotItem) -> dict[str, Any]:
    """An item's :class:`ChunkKey` JSON (no ``adopt_from``: ``chunk_keys`` adds the catalog's), computed
    once per run where the item is built, so nothing after has to parse the item again to get it."""
    identity = None
    if isinstance(item, PivotAssetItem):
        identity = {"type_name": item.type_name, "qualified_name": item.qualified_name, "adopt_from": []}
    return {
        "entity_key": encode_key(item.catalog, item.kind, item.external_id),
        "sync_key": item.sync_key,
        "kind": item.kind,
        "external_id": item.external_id,
        "fingerprint": item.fingerprint(),
        "reason": None,
        "identity": identity,
    }


def key_of_record(record: dict[str, Any]) -> dict[str, Any]:
    """:func:`key_of` of a staged item (for pages staged before keys were)."""
    return key_of(parse_item(record))


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

    put("keys", [key_of(item) for item in page.objects])
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
