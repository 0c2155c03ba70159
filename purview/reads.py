"""Reads for planning: current entities by qualifiedName in bulk, and a guid cache for references."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from purview.client import PurviewHttp
from purview.errors import NotFoundError, PurviewError, RetryableError
from purview.mapping import EntityRef
from purview.querysize import query_chunks

__all__ = ["CurrentEntity", "GuidCache", "fetch_entities", "lookup_guids"]


@dataclass
class CurrentEntity:
    """An entity as Purview holds it, with the entities it owns (e.g. columns) by qualifiedName."""

    entity: dict[str, Any]
    children: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def guid(self) -> str:
        return str(self.entity["guid"])


class GuidCache:
    """(type, qualifiedName) → guid of entities seen in reads and writes (lives as long as the gateway).

    Bounded: every worker thread has its own gateway, and a table writes its columns too, so a cache the
    size of a large catalog per thread would be most of a worker's memory; past ``max_size`` it starts over.
    """

    def __init__(self, max_size: int = 20_000) -> None:
        self.max_size = max_size
        self._guids: dict[EntityRef, str] = {}

    def get(self, ref: EntityRef) -> str | None:
        return self._guids.get(ref)

    def put(self, ref: EntityRef, guid: str) -> None:
        if len(self._guids) >= self.max_size:
            self._guids.clear()
        self._guids[ref] = guid

    def forget(self, guids: Iterable[str]) -> None:
        gone = set(guids)
        for ref in [r for r, g in self._guids.items() if g in gone]:
            del self._guids[ref]


_FLAGS_LENGTH = len("&minExtInfo=false&ignoreRelationships=false")


def _guid_chunks(http: PurviewHttp, guids: list[str], size: int) -> Iterable[list[str]]:
    """``GET /entity/bulk?guid=…`` slices: at most ``size`` guids, within the URL budget."""
    fixed = http.atlas_url_length("/entity/bulk") + _FLAGS_LENGTH
    return query_chunks(guids, name=lambda _: "guid", fixed=fixed, max_count=size)


def _name_chunks(http: PurviewHttp, type_name: str, names: list[str], size: int) -> Iterable[list[str]]:
    """Bulk reads by qualifiedName: at most ``size`` names, within the URL budget (names can be long)."""
    fixed = http.atlas_url_length(f"/entity/bulk/uniqueAttribute/type/{type_name}") + _FLAGS_LENGTH
    return query_chunks(names, name=lambda i: f"attr_{i}:qualifiedName", fixed=fixed, max_count=size)


def _get_bulk(
    http: PurviewHttp, type_name: str, qualified_names: list[str], *, minimal: bool
) -> dict[str, Any]:
    params: list[tuple[str, Any]] = [(f"attr_{i}:qualifiedName", q) for i, q in enumerate(qualified_names)]
    params += [("minExtInfo", str(minimal).lower()), ("ignoreRelationships", str(minimal).lower())]
    result = http.atlas(
        "GET",
        f"/entity/bulk/uniqueAttribute/type/{type_name}",
        params=params,
        operation="entity.read_bulk" if not minimal else "entity.lookup_bulk",
    )
    return result if isinstance(result, dict) else {}


def _by_type(refs: Iterable[EntityRef]) -> dict[str, list[str]]:
    grouped: dict[str, set[str]] = {}
    for ref in refs:
        grouped.setdefault(ref.type_name, set()).add(ref.qualified_name)
    return {t: sorted(q) for t, q in sorted(grouped.items())}


def fetch_entities(
    http: PurviewHttp,
    refs: Iterable[EntityRef],
    *,
    child_types: dict[str, str] | None = None,
    chunk: int = 50,
    cache: GuidCache | None = None,
    type_errors: dict[str, PurviewError] | None = None,
    known_guids: Mapping[EntityRef, str] | None = None,
    guid_chunk: int = 100,
) -> dict[EntityRef, CurrentEntity]:
    """Current active entities by (type, qualifiedName), with relationships and owned children.

    ``child_types`` maps an owner type to the entity type of its children (columns): referred entities of
    that type named ``{owner qualifiedName}#...`` become ``CurrentEntity.children``. Missing ones are absent.
    A permanent error reading one type (e.g. an unknown type) is put in ``type_errors`` when given (the
    other types are still read); otherwise, and for retryable errors, it is raised.

    ``known_guids``: entities whose guid the sync state knows are read by guid, ``guid_chunk`` per call (a
    guid is short, so many fit in one URL); those not found that way (deleted, renamed) are read by name.
    Every list query also stays within the URL budget (``purview.querysize``).
    """
    child_types = child_types or {}
    wanted = set(refs)
    out: dict[EntityRef, CurrentEntity] = {}
    by_guid = sorted({known_guids[r] for r in wanted if known_guids and r in known_guids})
    for part in _guid_chunks(http, by_guid, guid_chunk):
        params: list[tuple[str, Any]] = [("guid", g) for g in part]
        params += [("minExtInfo", "false"), ("ignoreRelationships", "false")]
        try:
            result = http.atlas("GET", "/entity/bulk", params=params, operation="entity.read_bulk")
        except NotFoundError:  # Atlas refuses the whole call when one guid is gone: read these by name
            continue
        _collect(result if isinstance(result, dict) else {}, child_types, out, cache, wanted)
    for type_name, names in _by_type(wanted - set(out)).items():
        for part in _name_chunks(http, type_name, names, chunk):
            try:
                result = _get_bulk(http, type_name, part, minimal=False)
            except PurviewError as exc:
                if type_errors is None or isinstance(exc, RetryableError):
                    raise
                type_errors[type_name] = exc
                break
            _collect(result, child_types, out, cache, wanted)
    return out


def _collect(
    result: Mapping[str, Any],
    child_types: Mapping[str, str],
    out: dict[EntityRef, CurrentEntity],
    cache: GuidCache | None,
    wanted: set[EntityRef],
) -> None:
    """Add the active entities of one bulk answer that were asked for, with their owned children."""
    referred = result.get("referredEntities") or {}
    children_by_owner: dict[str, dict[str, dict[str, Any]]] = {}
    wanted_children = set(child_types.values())
    for child in referred.values():
        if child.get("typeName") not in wanted_children or child.get("status", "ACTIVE") != "ACTIVE":
            continue
        qn = str((child.get("attributes") or {}).get("qualifiedName", ""))
        owner, sep, _ = qn.rpartition("#")
        if sep:
            children_by_owner.setdefault(owner, {})[qn] = child
    for entity in result.get("entities") or []:
        if entity.get("status", "ACTIVE") != "ACTIVE":
            continue
        qn = str((entity.get("attributes") or {}).get("qualifiedName"))
        ref = EntityRef(str(entity.get("typeName")), qn)
        if ref not in wanted:
            continue
        child_type = child_types.get(ref.type_name)
        children = {
            k: v
            for k, v in children_by_owner.get(qn, {}).items()
            if child_type and v.get("typeName") == child_type
        }
        out[ref] = CurrentEntity(entity, children)
        if cache is not None:
            cache.put(ref, str(entity["guid"]))
            for child_qn, child in children.items():
                cache.put(EntityRef(str(child["typeName"]), child_qn), str(child["guid"]))


def lookup_guids(
    http: PurviewHttp, refs: Iterable[EntityRef], cache: GuidCache, *, chunk: int = 50
) -> dict[EntityRef, str]:
    """Guids of the given entities (cache first, then minimal bulk reads); missing ones are absent."""
    wanted = set(refs)
    out = {r: g for r in wanted if (g := cache.get(r)) is not None}
    for type_name, names in _by_type(wanted - out.keys()).items():
        for part in _name_chunks(http, type_name, names, chunk):
            try:
                result = _get_bulk(http, type_name, part, minimal=True)
            except PurviewError as exc:
                if isinstance(exc, RetryableError):
                    raise
                break  # e.g. an unknown type: nothing of it exists
            for entity in result.get("entities") or []:
                if entity.get("status", "ACTIVE") != "ACTIVE":
                    continue
                qn = str((entity.get("attributes") or {}).get("qualifiedName"))
                ref = EntityRef(type_name, qn)
                cache.put(ref, str(entity["guid"]))
                if ref in wanted:
                    out[ref] = str(entity["guid"])
    return out
