"""Activities of the import side: a chunk's sync keys, one batch into Purview (or its dry-run plan), and the
run's guid index that later waves resolve references with.

``upsert_batch`` writes only the items whose sync state said ``proceed``; for the others it just records the
guid the sync state already knows, so every item of the run lands in the guid index.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import azure.durable_functions as df

from activities import resources
from entities.keys import encode_key
from entities.management import read_entity
from pivot import (
    AnyPivotItem,
    ItemRef,
    PivotAssetItem,
    PivotClassificationItem,
    PivotGlossaryItem,
    parse_item,
)
from purview import PriorState
from purview.errors import PurviewError
from sync.chunks import batch_index
from sync.contracts import BatchRequest, ChunkKey, ChunkKeysRequest, Identity
from sync.leases import lease_left

__all__ = ["bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

INVALID_FINGERPRINT = "invalid"


@bp.activity_trigger(input_name="request")
def chunk_keys(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The sync-state identity of each record of a staged chunk (:class:`ChunkKey`): what ``begin`` needs."""
    ask = ChunkKeysRequest.model_validate(request)
    invalid = ask.phase == "invalid"
    adopt_from = [] if invalid else list(resources.catalog(ask.catalog).adopt_from)
    keys = []
    for record in resources.staging().iter_jsonl(ask.ref):
        identity = None
        if invalid:
            catalog, fingerprint, reason = ask.catalog, INVALID_FINGERPRINT, record["reason"]
        else:
            item = parse_item(record)
            catalog, fingerprint, reason = item.catalog, item.fingerprint(), None
            if isinstance(item, PivotAssetItem):
                identity = Identity(
                    type_name=item.type_name, qualified_name=item.qualified_name, adopt_from=adopt_from
                )
        keys.append(
            ChunkKey(
                entity_key=encode_key(catalog, record["kind"], record["external_id"]),
                sync_key=f"{catalog}|{record['kind']}|{record['external_id']}",
                kind=record["kind"],
                external_id=record["external_id"],
                fingerprint=fingerprint,
                reason=reason,
                identity=identity,
            ).to_json()
        )
    return keys


@lru_cache(maxsize=8)
def _index(ref: str | None) -> dict[str, dict[str, Any]]:
    """A staged index by ref (immutable once written, so caching per worker is safe)."""
    if ref is None:
        return {}
    value = resources.staging().get_json(ref)
    assert isinstance(value, dict)
    return value


def _load_items(ref: str, wanted: set[str]) -> list[AnyPivotItem]:
    items = []
    for record in resources.staging().iter_jsonl(ref):
        if f"{record['catalog']}|{record['kind']}|{record['external_id']}" in wanted:
            items.append(parse_item(record))
    return items


def _write(
    phase: str,
    items: list[AnyPivotItem],
    priors: dict[str, PriorState],
    request: dict[str, Any],
    *,
    dry: bool,
    term_guids: dict[str, str],
) -> list[dict[str, Any]]:
    gateway = resources.gateway()
    catalog = resources.catalog(request["catalog"])
    if phase == "classifications":
        classes = [i for i in items if isinstance(i, PivotClassificationItem)]
        plans = gateway.plan_classifications(classes) if dry else gateway.ensure_classifications(classes)
        return [r.model_dump(mode="json") for r in plans]
    if phase == "glossary_terms":
        terms = [i for i in items if isinstance(i, PivotGlossaryItem)]
        call = gateway.plan_terms if dry else gateway.upsert_terms
        results = call(terms, prior=priors, term_guids=term_guids, default_glossary=catalog.glossary)
        return [r.model_dump(mode="json") for r in results]
    assets = [i for i in items if isinstance(i, PivotAssetItem)]
    common: dict[str, Any] = {
        "prior": priors,
        "asset_refs": _index(request.get("asset_index_ref")),
        "term_guids": term_guids,
        "default_collection": catalog.target_collection,
        "existing_assets": catalog.existing_assets,
        "adopt_from": catalog.adopt_from,
    }
    if dry:
        results_assets: list[Any] = gateway.plan_assets(assets, **common)
    else:
        results_assets = gateway.upsert_assets(assets, **common, rewrite=request.get("mode") == "full")
    return [r.model_dump(mode="json") for r in results_assets]


def _term_refs(items: list[AnyPivotItem]) -> set[str]:
    """External ids of same-catalog glossary terms the items refer to (assets, their columns, terms)."""
    refs: set[str] = set()
    for item in items:
        candidates: list[Any] = []
        if isinstance(item, PivotAssetItem):
            candidates += list(item.glossary_items)
            for column in item.columns:
                candidates += list(column.glossary_items)
        elif isinstance(item, PivotGlossaryItem):
            candidates += [item.parent, *item.synonyms, *item.related]
        refs.update(ref.external_id for ref in candidates if isinstance(ref, ItemRef))
    return refs


async def _known_term_guids(
    client: df.DurableOrchestrationClient, catalog: str, wanted: set[str]
) -> dict[str, str]:
    """Guids of terms synced by earlier runs (push batches refer to terms they do not carry)."""
    found: dict[str, str] = {}
    for external_id in sorted(wanted):
        state = await read_entity(client, "sync_state", encode_key(catalog, "glossary_term", external_id))
        if isinstance(state, dict) and state.get("purview_guid"):
            found[external_id] = state["purview_guid"]
    return found


@bp.activity_trigger(input_name="request")
@bp.durable_client_input(client_name="client")
async def upsert_batch(request: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Write one batch of a chunk to Purview (or plan it when ``dry_run``); stage its guid index.

    ``decisions``: sync_key → ``{"decision", "purview_guid", "assigned_terms", "assigned_classifications"}``
    from ``sync_state.begin`` (or ``get`` in a dry run). Returns per-item results and the index ref.
    """
    BatchRequest.model_validate(request)  # a malformed request fails here, naming the field
    decisions: dict[str, dict[str, Any]] = request["decisions"]
    to_write = {key for key, d in decisions.items() if d["decision"] == "proceed"}
    term_guids: dict[str, str] = {}
    if to_write:
        try:
            wanted = await resources.run_blocking(_wanted_terms, request, to_write)
            if wanted:
                term_guids = await _known_term_guids(client, request["catalog"], wanted)
        except Exception:  # the write below reports what stays unresolved, per item
            logger.exception("batch %s: resolving earlier terms failed", request.get("batch_id"))
    # Purview and staging calls block: run them off the worker's event loop, with the thread's own gateway.
    return await resources.run_blocking(_upsert_batch, request, to_write, term_guids)


def _wanted_terms(request: dict[str, Any], to_write: set[str]) -> set[str]:
    """Term external ids the batch refers to that the run's index does not resolve."""
    known = _index(request.get("index_ref")).get("glossary_term", {})
    return _term_refs(_load_items(request["ref"], to_write)) - set(known)


def _upsert_batch(
    request: dict[str, Any], to_write: set[str], earlier_terms: dict[str, str]
) -> dict[str, Any]:
    decisions: dict[str, dict[str, Any]] = request["decisions"]
    dry = bool(request.get("dry_run"))
    priors = {
        key: PriorState(
            guid=d.get("purview_guid"),
            assigned_terms=tuple(d.get("assigned_terms") or ()),
            assigned_classifications=tuple(d.get("assigned_classifications") or ()),
            assigned_attributes=tuple(d.get("assigned_attributes") or ()),
            origin=d.get("origin"),
        )
        for key, d in decisions.items()
    }
    gateway = resources.gateway()
    before = _calls(gateway.stats())
    results: list[dict[str, Any]] = []
    left = lease_left(request.get("lease_expires"), datetime.now(UTC))
    if to_write and left is not None and left <= 0:  # queued past the lease: another run may hold them now
        reason = (
            "not written: the objects' lease ran out before this batch got a worker (Purview slow or "
            "throttled, more batches than activity slots); the next run writes them"
        )
        logger.warning("batch %s: %s", request.get("batch_id"), reason)
        results = [{"sync_key": key, "status": "failed", "reason": reason} for key in sorted(to_write)]
    elif to_write:
        try:
            items = _load_items(request["ref"], to_write)
            term_guids = {**earlier_terms, **_index(request.get("index_ref")).get("glossary_term", {})}
            with gateway.http.shared_budget(left):  # retries end with the lease, not after it
                results = _write(request["phase"], items, priors, request, dry=dry, term_guids=term_guids)
        except PurviewError as exc:  # after the gateway's own retries: the batch's items fail, not the run
            logger.warning("batch %s failed: %s", request.get("batch_id"), exc)
            results = [
                {"sync_key": key, "status": "failed", "reason": str(exc), "error_code": exc.error_code}
                for key in sorted(to_write)
            ]
        except Exception as exc:  # staging, a bug or bad data in this batch: fail its items with the reason
            logger.exception("batch %s failed unexpectedly", request.get("batch_id"))
            results = [
                {"sync_key": key, "status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
                for key in sorted(to_write)
            ]
    index = batch_index(decisions, results)
    staging = resources.staging()
    batch_id = request["batch_id"]
    index_ref = staging.put_json(request["run_id"], f"index/parts/{batch_id}.json", index) if index else None
    plan_ref = (
        staging.put_json(request["run_id"], f"plan/{batch_id}.json", results) if dry and results else None
    )
    after = _calls(gateway.stats())
    calls = {kind: after[kind] - before[kind] for kind in after}
    return {"results": _compact(results, dry), "index_ref": index_ref, "plan_ref": plan_ref, "calls": calls}


def _compact(results: list[dict[str, Any]], dry: bool) -> list[dict[str, Any]]:
    """What the orchestrator needs of each result (diffs of a plan stay staged, not in history)."""
    keep = (
        "sync_key",
        "status",
        "guid",
        "qualified_name",
        "reason",
        "assigned_terms",
        "assigned_classifications",
        "assigned_attributes",
        "action",
        "origin",
    )
    compact = []
    for result in results:
        entry = {k: result[k] for k in keep if result.get(k) is not None}
        if dry:
            entry["diff_count"] = len(result.get("diffs") or ())
        compact.append(entry)
    return compact


def _calls(stats: dict[str, Any]) -> dict[str, int]:
    """Purview HTTP attempts so far, as the gateway counts them: reads (GET, read-only POSTs) and writes."""
    return {"read": int(stats["reads"]), "write": int(stats["writes"])}


@bp.activity_trigger(input_name="request")
def merge_index(request: dict[str, Any]) -> str | None:
    """Merge guid index parts (and the previous index) into one staged index for the next wave."""
    merged: dict[str, dict[str, Any]] = {}
    for ref in request["refs"]:
        if ref is None:
            continue
        for kind, entries in _index(ref).items():
            merged.setdefault(kind, {}).update(entries)
    if not merged:
        return None
    return resources.staging().put_json(request["run_id"], f"index/merged-{request['name']}.json", merged)
