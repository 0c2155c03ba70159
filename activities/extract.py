"""Activities of the extract side of a sync: pull a page, transform a page, plan the import waves.

Every payload is staged (claim check) and only references, counts and small samples travel back through
durable history. Activities are idempotent: re-running one after a crash overwrites the same staged names.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import azure.durable_functions as df

from activities import resources
from connectors.base import Connector, ReportCounts
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
from sync.manifest import free_by_raw, stub_of
from sync.pages import PageItems, page_items
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


def key_of(item: AnyPivotItem, raw: str | None = None) -> dict[str, Any]:
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
        "raw": raw,
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
    matches = _free_records(ask.manifest_ref, tuple(ask.journal_refs)) if ask.manifest_ref else {}
    records = list(staging.iter_jsonl(ask.ref))
    digests = [connector.raw_digest(record) for record in records]
    unchanged = [matches[d] for d in digests if d in matches]
    todo = [(record, d) for record, d in zip(records, digests, strict=True) if d not in matches]
    one_to_one = type(connector).raw_digest is not Connector.raw_digest
    before = connector.report.counts()
    page = page_items(
        connector.transform([record for record, _ in todo]),
        key_of=key_of,
        raws=(d for _, d in todo) if one_to_one else None,
    )
    report = connector.report.since(before)
    stubs = _stubs(unchanged, ask.catalog, page)
    items = [stub for stub, _ in stubs] + page.items
    keys = [key for _, key in stubs] + page.keys

    def put(prefix: str, records: list[dict[str, Any]]) -> str:
        return staging.put_jsonl(ask.run_id, _page_name(prefix, ask.page), records)

    put("keys", keys)
    kinds = Counter(str(entry["kind"]) for entry in unchanged)
    return PageResult(
        items_ref=put("items", items),
        rejected_ref=put("rejected", page.rejected) if page.rejected else None,
        deletions_ref=put("deletions", page.deletions) if page.deletions else None,
        counts=dict(Counter(item["kind"] for item in items)),
        rejected=len(page.rejected),
        deletions=len(page.deletions),
        duplicates=len(page.duplicates) + len(unchanged) - len(stubs),
        errors=sample(page.errors()),
        report=report + ReportCounts(records_read=len(unchanged), items_produced=dict(kinds)),
        unchanged=len(stubs),
    ).to_json()


@lru_cache(maxsize=1)
def _free_records(manifest_ref: str, journal_refs: tuple[str, ...]) -> dict[str, Mapping[str, Any]]:
    """The run's manifest entries by raw digest (:func:`free_by_raw`), read once per worker; nothing when
    the manifest or a journal piece cannot be read (``plan_waves`` then asks every sync state too)."""
    staging = resources.staging()
    try:
        touched = {str(record["key"]) for ref in journal_refs for record in staging.iter_jsonl(ref)}
        return free_by_raw(staging.iter_jsonl(manifest_ref), touched)
    except RefNotFoundError:
        return {}


def release_free_records() -> None:
    """Drop the cached manifest map: the run's pages are transformed once ``plan_waves`` starts."""
    _free_records.cache_clear()


def _stubs(
    unchanged: list[Mapping[str, Any]], catalog: str, page: PageItems
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Stubs of the objects matched by their raw record, once each; an object the page also has in full
    (or as a deletion) is the full one's."""
    taken = {(i["kind"], i["external_id"]) for i in page.items} | {
        (d["kind"], d["external_id"]) for d in page.deletions
    }
    stubs = []
    for entry in unchanged:
        ident = (str(entry["kind"]), str(entry["external_id"]))
        if ident not in taken:
            taken.add(ident)
            stubs.append(stub_of(entry, catalog))
    return stubs
