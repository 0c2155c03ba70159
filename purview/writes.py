"""Writing prepared assets: moves, bulk upserts in dependency-aware batches, assignments, column deletes.

A batch Purview refuses for a permanent reason is retried unit by unit, so one bad item fails alone. A batch
that fails for its size (413, 408/504, a read timeout) is split in halves and sent again, and the gateway's
ceiling (``purview.sizing``) keeps later batches below that size. A failure after the upsert (an
assignment, a delete) fails only the items it concerns.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from purview.assets import AssetWork
from purview.assignments import add_classifications, add_terms, remove_classification, remove_terms
from purview.batching import Batch, Unit, make_batches
from purview.client import PurviewHttp
from purview.collections import move_entities
from purview.errors import PayloadTooLargeError, PurviewError, RetryableError, TimedOutError
from purview.mapping import EntityRef
from purview.querysize import query_chunks
from purview.reads import GuidCache
from purview.sizing import AdaptiveCeiling

__all__ = ["delete_guids", "guid_chunks", "write_assets"]

logger = logging.getLogger(__name__)


def _upload(http: PurviewHttp, batch: Batch) -> dict[str, str]:
    params = [("collectionId", batch.collection)] if batch.collection else None
    result = http.atlas(
        "POST",
        "/entity/bulk",
        params=params,
        content=batch.body(),
        operation="entity.upsert",
        resizable=True,
    )
    assignments = (result or {}).get("guidAssignments") or {}
    return {str(k): str(v) for k, v in assignments.items()}


def _apply(batch: Batch, assigned: dict[str, str], by_key: dict[str, AssetWork], cache: GuidCache) -> None:
    by_placeholder = {e["guid"]: e for e in batch.entities}  # one lookup per entity, not a scan per entity
    for placeholder, placement in batch.placements.items():
        guid = assigned.get(placeholder)
        work = by_key[placement.unit_key]
        entity = by_placeholder[placeholder]
        if guid is None:
            work.fail(PurviewError(f"Purview assigned no guid to {entity['attributes']['qualifiedName']}"))
            continue
        cache.put(EntityRef(entity["typeName"], entity["attributes"]["qualifiedName"]), guid)
        qualified_name = entity["attributes"]["qualifiedName"]
        if qualified_name == work.item.qualified_name and entity["typeName"] == work.item.type_name:
            work.guid = guid
        else:  # a column: its name from its qualifiedName (an adopted column's payload carries no name)
            work.column_guids[qualified_name.removeprefix(f"{work.item.qualified_name}#")] = guid


def _units(works: Sequence[AssetWork]) -> list[Unit]:
    units = []
    for work in works:
        payloads = work.payloads()
        if payloads:
            units.append(Unit(work.item.sync_key, tuple(payloads), work.collection))
    return units


@dataclass
class _Upserts:
    """One ``write_assets`` call's bulk upserts: the works, their units and the gateway's size ceiling."""

    http: PurviewHttp
    by_key: dict[str, AssetWork]
    unit_of: dict[str, Unit]
    ceiling: AdaptiveCeiling
    cache: GuidCache

    def batches(self, units: Sequence[Unit]) -> list[Batch]:
        limit = self.ceiling.current
        return make_batches(units, limit.entities, limit.size)

    def split(self, batch: Batch) -> list[Batch]:
        """The batch's entities (from their units' unlinked payloads) packed again under the ceiling."""
        indices: dict[str, list[int]] = {}
        for placement in batch.placements.values():
            indices.setdefault(placement.unit_key, []).append(placement.index)
        parts = [
            Unit(key, tuple(self.unit_of[key].entities[i] for i in sorted(idx)), batch.collection)
            for key, idx in indices.items()
        ]
        return self.batches(parts)

    def send(self, batch: Batch) -> None:
        """Upload ``batch``; when it is bigger than the ceiling, or fails for its size (413, 408/504, a read
        timeout), send it in smaller batches instead, lowering the ceiling for later calls too."""
        limit = self.ceiling.current
        if len(batch.entities) > 1 and (len(batch.entities) > limit.entities or batch.size > limit.size):
            parts = self.split(batch)  # packed before the ceiling went down
            if len(parts) > 1:
                for part in parts:
                    self.send(part)
                return
        started = time.monotonic()
        try:
            assigned = _upload(self.http, batch)
        except (PayloadTooLargeError, TimedOutError) as exc:
            if len(batch.entities) == 1:
                raise
            lowered = self.ceiling.failed(entities=len(batch.entities), size=batch.size)
            logger.warning(
                "bulk upsert of %d entities (%d bytes) failed for its size (%s); sending at most %d "
                "entities / %d bytes per call",
                len(batch.entities),
                batch.size,
                exc,
                lowered.entities,
                lowered.size,
            )
            for part in self.split(batch):
                self.send(part)
            return
        self.ceiling.succeeded(
            entities=len(batch.entities), size=batch.size, seconds=time.monotonic() - started
        )
        _apply(batch, assigned, self.by_key, self.cache)

    def one_by_one(self, units: list[Unit]) -> None:
        for unit in units:
            try:
                for batch in self.batches([unit]):
                    self.send(batch)
            except PurviewError as exc:
                self.by_key[unit.key].fail(exc)


def _upsert(
    http: PurviewHttp, works: Sequence[AssetWork], ceiling: AdaptiveCeiling, cache: GuidCache
) -> None:
    units = _units(works)
    upserts = _Upserts(http, {w.item.sync_key: w for w in works}, {u.key: u for u in units}, ceiling, cache)
    for batch in upserts.batches(units):
        keys = [k for k in batch.unit_keys if upserts.by_key[k].ok]
        if len(keys) < len(batch.unit_keys):  # a unit failed earlier (split batch): write the others alone
            upserts.one_by_one([upserts.unit_of[k] for k in keys])
            continue
        try:
            upserts.send(batch)
        except RetryableError as exc:
            for key in keys:
                upserts.by_key[key].fail(exc)
        except PurviewError as exc:
            if len(keys) == 1:
                upserts.by_key[keys[0]].fail(exc)
                continue
            logger.warning("bulk upsert of %d items refused (%s); retrying item by item", len(keys), exc)
            upserts.one_by_one([upserts.unit_of[k] for k in keys])


def _grouped(
    works: Sequence[AssetWork],
    run: Callable[[str, list[tuple[AssetWork, str, str]]], None],
    pick: Callable[[AssetWork], dict[str, set[str]]],
) -> None:
    """Group (work, target, name) by name over works, then call ``run(name, members)``; on failure of a
    group, retry its members one by one so each failure is attributed to its own item."""
    groups: dict[str, list[tuple[AssetWork, str, str]]] = defaultdict(list)
    for work in works:
        if not work.ok:
            continue
        for target, names in pick(work).items():
            if target in work.new_targets:
                continue
            for name in sorted(names):
                groups[name].append((work, target, name))
    for name, group in sorted(groups.items()):
        members = [m for m in group if m[0].ok]
        try:
            run(name, members)
        except PurviewError:
            for member in members:
                try:
                    run(name, [member])
                except PurviewError as exc:
                    member[0].fail(exc)


def _assign(http: PurviewHttp, works: Sequence[AssetWork]) -> None:
    def guids(members: list[tuple[AssetWork, str, str]]) -> list[str]:
        out = []
        for work, target, _ in members:
            guid = work.target_guid(target)
            if guid is None:
                work.fail(PurviewError(f"no guid known for '{target or work.item.qualified_name}'"))
            else:
                out.append(guid)
        return out

    def unassign_terms(term: str, members: list[tuple[AssetWork, str, str]]) -> None:
        pairs = [(w.target_guid(t) or "", w.relationship_guids.get((t, term), "")) for w, t, _ in members]
        remove_terms(http, term, pairs)

    def unclassify(name: str, members: list[tuple[AssetWork, str, str]]) -> None:
        for guid in guids(members):
            remove_classification(http, guid, name)

    _grouped(works, lambda term, m: add_terms(http, term, guids(m)), lambda w: w.terms.add)
    _grouped(works, unassign_terms, lambda w: w.terms.remove)
    _grouped(
        works, lambda name, m: add_classifications(http, name, guids(m)), lambda w: w.classifications.add
    )
    _grouped(works, unclassify, lambda w: w.classifications.remove)


def guid_chunks(http: PurviewHttp, guids: Sequence[str]) -> Iterator[list[str]]:
    """Slices of ``guids`` whose ``DELETE /entity/bulk?guid=…`` URL fits the URL budget (~190 guids)."""
    return query_chunks(guids, name=lambda _: "guid", fixed=http.atlas_url_length("/entity/bulk"))


def delete_guids(http: PurviewHttp, guids: Sequence[str]) -> None:
    """Delete entities by guid in bulk requests under the URL budget; unknown guids are fine (Purview
    answers without mutation)."""
    for chunk in guid_chunks(http, guids):
        http.atlas("DELETE", "/entity/bulk", params=[("guid", g) for g in chunk], operation="entity.delete")


def write_assets(
    http: PurviewHttp, works: Sequence[AssetWork], *, ceiling: AdaptiveCeiling, cache: GuidCache
) -> None:
    """Write what ``prepare_assets`` decided; failures are recorded on each ``AssetWork``. Bulk upserts are
    packed up to ``ceiling`` (the gateway's, which they lower and raise)."""
    moves: dict[str, list[AssetWork]] = defaultdict(list)
    for work in works:
        if work.ok and work.move and work.collection:
            moves[work.collection].append(work)
    for collection, members in sorted(moves.items()):
        guids = [g for w in members for g in [w.guid or "", *w.column_guids.values()] if g]
        try:
            move_entities(http, collection, guids)
        except PurviewError as exc:
            for work in members:
                work.fail(exc)
    _upsert(http, [w for w in works if w.ok], ceiling, cache)
    _assign(http, works)
    deletes = [(w, guid) for w in works if w.ok for guid in w.delete_columns.values()]
    if deletes:
        try:
            delete_guids(http, [g for _, g in deletes])
            cache.forget(g for _, g in deletes)
        except PurviewError as exc:
            for work, _ in deletes:
                work.fail(exc)
