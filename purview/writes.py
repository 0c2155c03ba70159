"""Writing prepared assets: moves, bulk upserts in dependency-aware batches, assignments, column deletes.

A batch Purview refuses for a permanent reason is retried unit by unit, so one bad item fails alone. A failure
after the upsert (an assignment, a delete) fails only the items it concerns.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence

from purview.assets import AssetWork
from purview.assignments import add_classifications, add_terms, remove_classification, remove_terms
from purview.batching import Batch, Unit, make_batches
from purview.client import PurviewHttp
from purview.collections import move_entities
from purview.errors import PurviewError, RetryableError
from purview.mapping import EntityRef
from purview.reads import GuidCache

__all__ = ["delete_guids", "write_assets"]

logger = logging.getLogger(__name__)


def _upload(http: PurviewHttp, batch: Batch) -> dict[str, str]:
    params = [("collectionId", batch.collection)] if batch.collection else None
    result = http.atlas(
        "POST",
        "/entity/bulk",
        params=params,
        json_body={"entities": batch.entities},
        operation="entity.upsert",
    )
    assignments = (result or {}).get("guidAssignments") or {}
    return {str(k): str(v) for k, v in assignments.items()}


def _apply(batch: Batch, assigned: dict[str, str], by_key: dict[str, AssetWork], cache: GuidCache) -> None:
    for placeholder, placement in batch.placements.items():
        guid = assigned.get(placeholder)
        work = by_key[placement.unit_key]
        entity = next(e for e in batch.entities if e["guid"] == placeholder)
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


def _upsert(http: PurviewHttp, works: Sequence[AssetWork], max_entities: int, cache: GuidCache) -> None:
    by_key = {w.item.sync_key: w for w in works}
    units = _units(works)
    unit_of = {u.key: u for u in units}
    for batch in make_batches(units, max_entities):
        keys = [k for k in batch.unit_keys if by_key[k].ok]
        if len(keys) < len(batch.unit_keys):  # a unit failed earlier (split batch): write the others alone
            _one_by_one(http, [unit_of[k] for k in keys], by_key, max_entities, cache)
            continue
        try:
            _apply(batch, _upload(http, batch), by_key, cache)
        except RetryableError as exc:
            for key in keys:
                by_key[key].fail(exc)
        except PurviewError as exc:
            if len(keys) == 1:
                by_key[keys[0]].fail(exc)
                continue
            logger.warning("bulk upsert of %d items refused (%s); retrying item by item", len(keys), exc)
            _one_by_one(http, [unit_of[k] for k in keys], by_key, max_entities, cache)


def _one_by_one(
    http: PurviewHttp, units: list[Unit], by_key: dict[str, AssetWork], max_entities: int, cache: GuidCache
) -> None:
    for unit in units:
        try:
            for batch in make_batches([unit], max_entities):
                _apply(batch, _upload(http, batch), by_key, cache)
        except PurviewError as exc:
            by_key[unit.key].fail(exc)


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


def delete_guids(http: PurviewHttp, guids: Sequence[str], chunk: int = 100) -> None:
    """Delete entities by guid in bulk requests; unknown guids are fine (Purview answers without mutation)."""
    for start in range(0, len(guids), chunk):
        http.atlas(
            "DELETE",
            "/entity/bulk",
            params=[("guid", g) for g in guids[start : start + chunk]],
            operation="entity.delete",
        )


def write_assets(
    http: PurviewHttp, works: Sequence[AssetWork], *, max_entities: int, cache: GuidCache
) -> None:
    """Write what ``prepare_assets`` decided; failures are recorded on each ``AssetWork``."""
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
    _upsert(http, [w for w in works if w.ok], max_entities, cache)
    _assign(http, works)
    deletes = [(w, guid) for w in works if w.ok for guid in w.delete_columns.values()]
    if deletes:
        try:
            delete_guids(http, [g for _, g in deletes])
            cache.forget(g for _, g in deletes)
        except PurviewError as exc:
            for work, _ in deletes:
                work.fail(exc)
