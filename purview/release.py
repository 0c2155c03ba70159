"""Letting go of an adopted asset: remove only what the sync added, never the entity itself.

An adopted asset was in Purview before the sync wrote it (a scan, a person, another tool). When its object
leaves the source, the sync removes the terms and classifications it assigned (its sync state lists them as
assignment keys ``name`` or ``name@column``) and its provenance marks; the entity, its columns and everything
others gave it stay.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from purview.assignments import remove_classification, remove_terms
from purview.client import PurviewHttp
from purview.errors import NotFoundError
from purview.mapping import EntityRef, split_assignment_key
from purview.plan import current_meanings, related_guids
from purview.provenance import label_for, strip_provenance
from purview.reads import GuidCache, lookup_guids

__all__ = ["release_adopted"]

logger = logging.getLogger(__name__)


def _targets(read: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Column name → column entity (``""`` → the asset itself) of a ``GET entity/guid`` answer."""
    entity = read["entity"]
    targets = {"": entity}
    for column in (read.get("referredEntities") or {}).values():
        name = (column.get("attributes") or {}).get("name")
        if name and column.get("status", "ACTIVE") == "ACTIVE":
            targets.setdefault(str(name), column)
    return targets


def release_adopted(  # noqa: PLR0917 - what the sync state recorded, one argument each
    http: PurviewHttp,
    guid: str,
    catalog: str,
    terms: Sequence[str],
    classifications: Sequence[str],
    attributes: Sequence[str] = (),
    *,
    cache: GuidCache | None = None,
) -> None:
    """Remove the sync's terms, classifications, custom attributes, lineage references and provenance from one
    adopted asset (gone already: fine)."""
    try:
        read = http.atlas("GET", f"/entity/guid/{guid}", operation="entity.read")
    except NotFoundError:
        logger.info("adopted asset %s is gone already", guid)
        return
    targets = _targets(read)
    for key in classifications:
        name, column = split_assignment_key(key)
        target = targets.get(column)
        if target is not None:
            remove_classification(http, str(target["guid"]), name)
    for key in terms:
        term, column = split_assignment_key(key)
        target = targets.get(column)
        relationship = current_meanings(target).get(term) if target is not None else None
        if target is not None and relationship is not None:
            remove_terms(http, term, [(str(target["guid"]), relationship)])
    entity = read["entity"]
    kept = strip_provenance(entity, catalog, attributes)
    if label_for(catalog) in (entity.get("labels") or []):
        http.atlas(
            "DELETE", f"/entity/guid/{guid}/labels", json_body=[label_for(catalog)], operation="entity.labels"
        )
    relationships = _relationships_kept(http, entity, attributes, cache or GuidCache())
    if kept["customAttributes"] != (entity.get("customAttributes") or {}) or relationships:
        body: dict[str, Any] = {
            "typeName": entity["typeName"],
            "attributes": {"qualifiedName": (entity.get("attributes") or {}).get("qualifiedName")},
            "customAttributes": kept["customAttributes"],
        }
        if relationships:
            body["relationshipAttributes"] = relationships
        http.atlas("POST", "/entity", json_body={"entity": body}, operation="entity.update")


def _relationships_kept(
    http: PurviewHttp, entity: dict[str, Any], attributes: Sequence[str], cache: GuidCache
) -> dict[str, list[dict[str, str]]]:
    """List relationships (lineage) without the references the sync added: ``{name: [{"guid"}...]}`` for each
    relationship that loses one, nothing when none does."""
    added: dict[str, set[EntityRef]] = {}
    for mark in attributes:
        if mark.startswith("rel:"):
            name, _, target = mark.removeprefix("rel:").partition(":")
            type_name, _, qualified_name = target.partition("|")
            added.setdefault(name, set()).add(EntityRef(type_name, qualified_name))
    if not added:
        return {}
    guids = lookup_guids(http, set().union(*added.values()), cache)
    have_rels = entity.get("relationshipAttributes") or {}
    out: dict[str, list[dict[str, str]]] = {}
    for name, refs in added.items():
        have = related_guids(have_rels.get(name))
        mine = {guids[ref] for ref in refs if ref in guids}
        if have & mine:
            out[name] = [{"guid": g} for g in sorted(have - mine)]
    return out
