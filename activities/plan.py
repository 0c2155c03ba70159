"""``plan_waves``: order a run's staged items into import waves in bounded memory, unchanged ones left out.

Two passes over the staged pages. The first reads only the items' keys (staged by ``transform_page`` with
their fingerprints) to find each object's last mention. The second streams the items: an object the last
manifest holds unchanged (see :mod:`sync.manifest`) is *free*: it only records its guid in the run's index;
assets and processes go to chunks as they come (memory per chunk, not per catalog); classifications and terms,
which need ordering and are few, are ordered at the end. Before any sync state is touched, the keys the run
will send through them are staged as its journal piece.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import azure.durable_functions as df

from activities import resources
from activities.extract import key_of_record, keys_ref_of, release_free_records
from entities.keys import encode_key
from staging import RefNotFoundError, Staging
from sync.contracts import ChunkRef, PlanRequest, WaveChunks, WavePlan
from sync.manifest import free_index, is_free, journal_name, state_area
from sync.pages import invalid_records, unattributed
from sync.summary import sample
from sync.waves import OrderFailure, Phase, phase_of, phase_order

__all__ = ["bp", "plan_waves"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

Ident = tuple[str, str]


class _Chunks:
    """Stages one phase's chunks (items and their keys) as they fill up."""

    def __init__(self, staging: Staging, run_id: str, name: str, size: int) -> None:
        self.staging, self.run_id, self.name, self.size = staging, run_id, name, size
        self.items: list[dict[str, Any]] = []
        self.keys: list[dict[str, Any]] = []
        self.refs: list[ChunkRef] = []

    def add(self, item: dict[str, Any], key: dict[str, Any] | None) -> None:
        self.items.append(item)
        if key is not None:
            self.keys.append(key)
        if len(self.items) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.items:
            return
        chunk_id = f"{self.name}-{len(self.refs):04d}"
        ref = self.staging.put_jsonl(self.run_id, f"chunks/{chunk_id}.jsonl", self.items)
        keys_ref = None
        if self.keys:
            keys_ref = self.staging.put_jsonl(self.run_id, f"chunks/{chunk_id}.keys.jsonl", self.keys)
        self.refs.append(ChunkRef(ref=ref, id=chunk_id, count=len(self.items), keys_ref=keys_ref))
        self.items, self.keys = [], []


def _page_keys(staging: Staging, items_ref: str) -> Iterator[dict[str, Any]]:
    """The keys ``transform_page`` staged for a page, streamed (computed here for a page without them)."""
    try:
        return staging.iter_jsonl(keys_ref_of(items_ref))
    except RefNotFoundError:
        return (key_of_record(record) for record in staging.iter_jsonl(items_ref))


def _latest(staging: Staging, items_refs: list[str]) -> tuple[dict[Ident, tuple[int, int]], list[str]]:
    """First pass: where each object is last mentioned, and the objects on several pages (only positions
    are kept: the keys are streamed again with their items)."""
    where: dict[Ident, tuple[int, int]] = {}
    duplicates: list[str] = []
    for page, ref in enumerate(items_refs):
        for position, key in enumerate(_page_keys(staging, ref)):
            ident = (key["kind"], key["external_id"])
            if ident in where:
                duplicates.append(f"{ident[0]} {ident[1]}: appears on several pages; the last one is used")
            where[ident] = (page, position)
    return where, duplicates


def _base(staging: Staging, ask: PlanRequest) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The last manifest by key and the keys of the journal pieces it has not accounted for; nothing when
    either cannot be read whole (then every object takes the entity path: slower, never wrong)."""
    if ask.manifest_ref is None:
        return {}, set()
    try:
        base = {str(entry["key"]): entry for entry in staging.iter_jsonl(ask.manifest_ref)}
        touched = {str(record["key"]) for ref in ask.journal_refs for record in staging.iter_jsonl(ref)}
    except RefNotFoundError as exc:
        logger.warning(
            "catalog %s: manifest or journal unreadable, every object asks its state: %s", ask.catalog, exc
        )
        return {}, set()
    return base, touched


def _marker_keys(staging: Staging, ask: PlanRequest) -> list[dict[str, Any]]:
    keys = []
    for ref in ask.deletions_refs:
        for record in staging.iter_jsonl(ref):
            key = encode_key(ask.catalog, record["kind"], record["external_id"])
            keys.append({"key": key, "kind": record["kind"], "external_id": record["external_id"]})
    return keys


def _without_cycles(
    ordered: list[dict[str, Any]], free_terms: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[OrderFailure]]:
    """The changed terms that close a parent cycle through unchanged ones fail, as cycles among changed
    terms do (``phase_order`` only sees the terms it orders)."""
    if not free_terms:
        return ordered, []
    terms = [r for r in ordered if r["kind"] == "glossary_term"]
    broken = {f.external_id: f for f in phase_order([*free_terms, *terms]).failures}
    changed = {r["external_id"] for r in terms}
    failures = [f for external_id, f in broken.items() if external_id in changed]
    kept = [r for r in ordered if not (r["kind"] == "glossary_term" and r["external_id"] in broken)]
    return kept, failures


@bp.activity_trigger(input_name="request")
def plan_waves(request: dict[str, Any]) -> dict[str, Any]:
    """:class:`PlanRequest` → :class:`WavePlan`: the waves of chunks, the run's asset index, the free
    objects' guid index and counts, and the run's journal piece (staged in the catalog's state area)."""
    ask = PlanRequest.model_validate(request)
    release_free_records()
    staging = resources.staging()
    base, touched = _base(staging, ask)
    where, duplicates = _latest(staging, ask.items_refs)
    keys: dict[Ident, dict[str, Any]] = {}  # of the classifications and terms ordered at the end
    streamed = {
        phase: _Chunks(staging, ask.run_id, str(phase), ask.chunk_size)
        for phase in (Phase.ASSETS, Phase.PROCESSES)
    }
    ordered: list[dict[str, Any]] = []  # classifications and terms: ordered once all are known
    free_terms: list[dict[str, Any]] = []  # unchanged terms still close parent cycles of changed ones
    assets: dict[str, dict[str, str]] = {}
    free: list[dict[str, Any]] = []
    journal: list[dict[str, Any]] = []
    for page, ref in enumerate(ask.items_refs):
        pairs = zip(staging.iter_jsonl(ref), _page_keys(staging, ref), strict=True)
        for position, (record, key) in enumerate(pairs):
            ident = (record["kind"], record["external_id"])
            if where.get(ident) != (page, position):
                continue
            if record["kind"] == "asset":
                assets[record["external_id"]] = {
                    "type_name": record["type_name"],
                    "qualified_name": record["qualified_name"],
                }
            entry = base.get(key["entity_key"])
            if entry is not None and is_free(key, entry, touched):
                free.append(entry)
                if record["kind"] == "glossary_term":
                    free_terms.append(record)
                continue
            if record.get("stub"):  # transform_page matched it with the same manifest and journal
                raise RuntimeError(
                    f"{key['sync_key']}: staged as unchanged, but the manifest does not say so"
                )
            journal.append(
                {
                    "key": key["entity_key"],
                    "kind": key["kind"],
                    "external_id": key["external_id"],
                    "seen": True,
                }
            )
            phase = phase_of(record)
            if phase in streamed:
                streamed[phase].add(record, key)
            else:
                ordered.append(record)
                keys[ident] = key
    ordered, cycles = _without_cycles(ordered, free_terms)
    plan = phase_order(ordered)
    plan.failures.extend(cycles)
    waves: list[WaveChunks] = []
    for number, wave in enumerate(plan.waves):
        parts = _Chunks(staging, ask.run_id, f"{wave.phase}-{number:03d}", ask.chunk_size)
        for item in wave.items:
            parts.add(item, keys[(item["kind"], item["external_id"])])
        parts.flush()
        waves.append(WaveChunks(phase=str(wave.phase), level=wave.level, chunks=parts.refs))
    for phase, parts in streamed.items():
        parts.flush()
        if parts.refs:
            waves.append(WaveChunks(phase=str(phase), chunks=parts.refs))
    rejected = [record for ref in ask.rejected_refs for record in staging.iter_jsonl(ref)]
    invalid = invalid_records(rejected, plan.failures)
    invalid_chunks = _Chunks(staging, ask.run_id, "invalid", ask.chunk_size)
    for record in invalid:
        invalid_chunks.add(record, None)
        entity_key = encode_key(ask.catalog, record["kind"], record["external_id"])
        journal.append(
            {"key": entity_key, "kind": record["kind"], "external_id": record["external_id"], "seen": True}
        )
    invalid_chunks.flush()
    waves += [WaveChunks(phase="invalid", chunks=[ref]) for ref in invalid_chunks.refs]
    journal += _marker_keys(staging, ask)
    failures = [f"{f.external_id}: {f.reason}" for f in plan.failures] + duplicates
    return WavePlan(
        waves=waves,
        asset_index_ref=staging.put_json(ask.run_id, "index/assets.json", assets),
        order_failures=sample(failures),
        order_failure_count=len(failures),
        unattributed=unattributed(rejected),
        index_ref=staging.put_json(ask.run_id, "index/free.json", free_index(free)) if free else None,
        unchanged=dict(Counter(str(entry["kind"]) for entry in free)),
        journal_ref=staging.put_jsonl(state_area(ask.catalog), journal_name(ask.run_id), journal)
        if ask.journal and journal
        else None,
        free_ref=staging.put_jsonl(ask.run_id, "manifest/free.jsonl", [{"key": e["key"]} for e in free])
        if free
        else None,
    ).to_json()
