"""Entity records → pivot items, ``Rejected`` entries and ``Deletion``s (pure; counters go to the context).

| DataHub entity               | pivot                                                          |
|------------------------------|----------------------------------------------------------------|
| dataset                      | asset (+ a process asset when it has upstream lineage)         |
| dataJob                      | process asset (inputs/outputs from ``dataJobInputOutput``)     |
| glossaryTerm, glossaryNode   | glossary term (nodes are parent terms)                         |
| tag                          | classification                                                 |
| container, domain            | none: used for collection routing (``collections:``)          |
| anything else                | none: counted as ignored ``entity <type>``                     |

An entity whose ``status.removed`` is true, or that was deleted (DELETE change type), becomes a ``Deletion``
of what it would have produced. An error record naming an entity (one of its source records is broken)
becomes a ``Rejected`` of each item it would have produced, so their sync state says Failed and Purview keeps
their last good version.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from connectors.base import Deletion, Rejected
from connectors.datahub.common import MappingContext, parse_dataset_urn
from connectors.datahub.datasets import lineage_external_id, map_dataset, map_lineage
from connectors.datahub.glossary import map_glossary_entity, map_tag
from connectors.datahub.jobs import map_job
from pivot import AnyPivotItem, describe_validation_error

__all__ = ["ROUTING_ONLY", "transform_entities"]

ROUTING_ONLY = frozenset({"container", "domain"})
_KIND_OF = {
    "dataJob": "asset",
    "dataset": "asset",
    "glossaryTerm": "glossary_term",
    "glossaryNode": "glossary_term",
    "tag": "classification",
}


def transform_entities(
    records: Iterable[dict[str, Any]], ctx: MappingContext
) -> Iterator[AnyPivotItem | Rejected | Deletion]:
    for record in records:
        where = str(record.get("where") or "?")
        if "error" in record:
            yield from _rejected(record, where)
            continue
        for problem in record.get("problems") or []:
            yield Rejected(where=str(problem.get("where") or where), reason=str(problem.get("reason")))
        yield from _entity(record, where, ctx)


def _rejected(record: dict[str, Any], where: str) -> Iterator[Rejected]:
    """An error record: a ``Rejected`` of each item its entity would have produced (a dataset may also have
    a lineage process; rejecting it keeps it from looking deleted), or one naming nothing."""
    urn = record.get("urn")
    entity_type = str(record.get("entity_type") or "")
    kind = _KIND_OF.get(entity_type)
    broken = [(where, str(record["error"]))]
    broken += [(str(b.get("where") or where), str(b.get("error"))) for b in record.get("more") or []]
    for at, reason in broken:
        if not isinstance(urn, str) or kind is None:
            yield Rejected(where=at, reason=reason)
            continue
        yield Rejected(where=at, reason=reason, external_id=urn, kind=kind)
        if entity_type == "dataset":
            yield Rejected(where=at, reason=reason, external_id=lineage_external_id(urn), kind=kind)


def _entity(
    record: dict[str, Any], where: str, ctx: MappingContext
) -> Iterator[AnyPivotItem | Rejected | Deletion]:
    urn = record.get("urn")
    entity_type = str(record.get("entity_type") or "")
    if not isinstance(urn, str) or not urn:
        yield Rejected(where=where, reason="record without an entity urn")
        return
    kind = _KIND_OF.get(entity_type)
    if record.get("deleted") or record.get("removed"):
        if kind is not None:
            yield Deletion(kind=kind, external_id=urn)
            if entity_type == "dataset":
                yield Deletion(kind="asset", external_id=lineage_external_id(urn))
        return
    if kind is None:
        ctx.ignore(
            f"entity {entity_type}" + (" (collection routing only)" if entity_type in ROUTING_ONLY else "")
        )
        return
    try:
        if entity_type == "dataset":
            parsed = parse_dataset_urn(urn)
            if parsed is None:
                yield Rejected(where=where, reason=f"invalid dataset urn {urn!r}", external_id=urn, kind=kind)
                return
            yield map_dataset(record, parsed, ctx)
            process = map_lineage(record, parsed, ctx)
            if process is not None:
                yield process
        elif entity_type == "dataJob":
            job = map_job(record, ctx)
            if job is not None:
                yield job
        elif entity_type == "tag":
            yield map_tag(record, ctx)
        else:
            yield map_glossary_entity(record, ctx)
    except ValidationError as exc:
        yield Rejected(where=where, reason=describe_validation_error(exc), external_id=urn, kind=kind)
    except (ValueError, TypeError, KeyError) as exc:
        yield Rejected(where=where, reason=f"{type(exc).__name__}: {exc}", external_id=urn, kind=kind)
