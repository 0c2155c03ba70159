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
    PivotAssetItem,
    PivotClassificationItem,
    PivotGlossaryItem,
    parse_item,
)
from purview import PriorState
from purview.errors import PurviewError
from sync.chunks import batch_index, compact, failed_results
from sync.contracts import (
    BatchRequest,
    BatchResult,
    ChunkKey,
    ChunkKeysRequest,
    Identity,
    ItemDecision,
    MergeIndexRequest,
)
from sync.leases import LEASE_LAPSED, lease_left
from sync.manifest import part_entries
from sync.pages import term_refs

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
    if ask.keys_ref is not None:  # staged by plan_waves with the fingerprints transform_page computed
        staged = list(resources.staging().iter_jsonl(ask.keys_ref))
        for key in staged:
            if key.get("identity"):
                key["identity"]["adopt_from"] = adopt_from
        return staged
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


@lru_cache(maxsize=2)
def _index(ref: str | None) -> dict[str, dict[str, Any]]:
    """A staged index by ref (immutable once written, so caching per worker is safe). Two at once: a batch
    reads the run's asset index and the current wave's guid index; both grow with the catalog, so older
    ones must not stay in memory."""
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


def _write(ask: BatchRequest, items: list[AnyPivotItem], term_guids: dict[str, str]) -> list[dict[str, Any]]:
    """The gateway call of the batch's phase (a plan in a dry run); per-item results as JSON."""
    gateway = resources.gateway()
    catalog = resources.catalog(ask.catalog)
    priors = {key: _prior(decision) for key, decision in ask.decisions.items()}
    if ask.phase == "classifications":
        classes = [i for i in items if isinstance(i, PivotClassificationItem)]
        plans = (
            gateway.plan_classifications(classes) if ask.dry_run else gateway.ensure_classifications(classes)
        )
        return [r.model_dump(mode="json") for r in plans]
    if ask.phase == "glossary_terms":
        terms = [i for i in items if isinstance(i, PivotGlossaryItem)]
        call = gateway.plan_terms if ask.dry_run else gateway.upsert_terms
        results = call(terms, prior=priors, term_guids=term_guids, default_glossary=catalog.glossary)
        return [r.model_dump(mode="json") for r in results]
    assets = [i for i in items if isinstance(i, PivotAssetItem)]
    common: dict[str, Any] = {
        "prior": priors,
        "asset_refs": _index(ask.asset_index_ref),
        "term_guids": term_guids,
        "default_collection": catalog.target_collection,
        "existing_assets": catalog.existing_assets,
        "adopt_from": catalog.adopt_from,
    }
    if ask.dry_run:
        results_assets: list[Any] = gateway.plan_assets(assets, **common)
    else:
        results_assets = gateway.upsert_assets(assets, **common, rewrite=ask.mode == "full")
    return [r.model_dump(mode="json") for r in results_assets]


def _prior(decision: ItemDecision) -> PriorState:
    """What the sync state knows of an item's Purview object: the gateway's prior."""
    return PriorState(
        guid=decision.purview_guid,
        assigned_terms=tuple(decision.assigned_terms),
        assigned_classifications=tuple(decision.assigned_classifications),
        assigned_attributes=tuple(decision.assigned_attributes),
        origin=decision.origin,
    )


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
    """Write one batch of a chunk to Purview, or plan it in a dry run (:class:`BatchRequest` →
    :class:`BatchResult`); stage its guid index part (and a plan's diffs)."""
    ask = BatchRequest.model_validate(request)
    to_write = {key for key, d in ask.decisions.items() if d.decision == "proceed"}
    items: list[AnyPivotItem] | None = None
    term_guids: dict[str, str] = {}
    if to_write:
        try:
            items = await resources.run_blocking(_load_items, ask.ref, to_write)
            wanted = await resources.run_blocking(_wanted_terms, ask, items)
            if wanted:
                term_guids = await _known_term_guids(client, ask.catalog, wanted)
        except Exception:  # the write below reports what stays unresolved (or unreadable), per item
            logger.exception("batch %s: reading its items or resolving earlier terms failed", ask.batch_id)
    # Purview and staging calls block: run them off the worker's event loop, with the thread's own gateway.
    return await resources.run_blocking(_upsert_batch, ask, to_write, term_guids, items)


def _wanted_terms(ask: BatchRequest, items: list[AnyPivotItem]) -> set[str]:
    """Term external ids the batch refers to that the run's index does not resolve (none without terms: the
    index is not even read)."""
    refs = term_refs(items)
    if not refs:
        return set()
    known = _index(ask.index_ref).get("glossary_term", {})
    return {ref for ref in refs if ref not in known}


def _term_guids(ask: BatchRequest, items: list[AnyPivotItem], earlier: dict[str, str]) -> dict[str, str]:
    """Guids of the same-catalog terms the items refer to, the run's index before earlier runs: only those,
    never a copy of the run's whole term index per batch."""
    refs = term_refs(items)
    if not refs:
        return {}
    known = _index(ask.index_ref).get("glossary_term", {})
    found = {ref: known[ref] if ref in known else earlier.get(ref) for ref in sorted(refs)}
    return {ref: guid for ref, guid in found.items() if guid is not None}


def _upsert_batch(
    ask: BatchRequest,
    to_write: set[str],
    earlier_terms: dict[str, str],
    items: list[AnyPivotItem] | None = None,
) -> dict[str, Any]:
    """The blocking part of ``upsert_batch``; ``items``: the batch's items parsed already (None: parse them
    here, where a failure fails the batch's items with its reason)."""
    gateway = resources.gateway()
    before = _calls(gateway.stats())
    results: list[dict[str, Any]] = []
    left = lease_left(ask.lease_expires, datetime.now(UTC))
    if to_write and left is not None and left <= 0:  # queued past the lease: another run may hold them now
        logger.warning("batch %s: %s", ask.batch_id, LEASE_LAPSED)
        results = failed_results(to_write, LEASE_LAPSED)
    elif to_write:
        try:
            if items is None:
                items = _load_items(ask.ref, to_write)
            term_guids = _term_guids(ask, items, earlier_terms)
            with gateway.http.shared_budget(left):  # retries end with the lease, not after it
                results = _write(ask, items, term_guids)
        except PurviewError as exc:  # after the gateway's own retries: the batch's items fail, not the run
            logger.warning("batch %s failed: %s", ask.batch_id, exc)
            results = failed_results(to_write, str(exc), exc.error_code)
        except Exception as exc:  # staging, a bug or bad data in this batch: fail its items with the reason
            logger.exception("batch %s failed unexpectedly", ask.batch_id)
            results = failed_results(to_write, f"{type(exc).__name__}: {exc}")
    staging = resources.staging()
    decisions = {k: d.to_json() for k, d in ask.decisions.items()}
    index = batch_index(decisions, results)
    after = _calls(gateway.stats())
    manifest_ref = None
    if ask.keys_ref is not None and not ask.dry_run:
        keys = {key["sync_key"]: key for key in staging.iter_jsonl(ask.keys_ref)}
        if part := part_entries(keys, decisions, results):
            manifest_ref = staging.put_jsonl(ask.run_id, f"manifest/parts/{ask.batch_id}.jsonl", part)
    return BatchResult(
        manifest_ref=manifest_ref,
        results=[compact(result, dry=ask.dry_run) for result in results],
        index_ref=staging.put_json(ask.run_id, f"index/parts/{ask.batch_id}.json", index) if index else None,
        plan_ref=staging.put_json(ask.run_id, f"plan/{ask.batch_id}.json", results)
        if ask.dry_run and results
        else None,
        calls={kind: after[kind] - before[kind] for kind in after},
    ).to_json()


def _calls(stats: dict[str, Any]) -> dict[str, int]:
    """Purview HTTP attempts so far, as the gateway counts them: reads (GET, read-only POSTs) and writes."""
    return {"read": int(stats["reads"]), "write": int(stats["writes"])}


@bp.activity_trigger(input_name="request")
def merge_index(request: dict[str, Any]) -> str | None:
    """Merge guid index parts (and the previous index) into one staged index for the next wave."""
    ask = MergeIndexRequest.model_validate(request)
    merged: dict[str, dict[str, Any]] = {}
    for ref in ask.refs:
        if ref is None:
            continue
        for kind, entries in _index(ref).items():
            merged.setdefault(kind, {}).update(entries)
    if not merged:
        return None
    return resources.staging().put_json(ask.run_id, f"index/merged-{ask.name}.json", merged)
