"""Pushed MCP/MCL messages: decode them into event records, and merge a batch's events per entity.

An event carries one aspect, not the whole entity, and a batch may hold several events of one entity. So
``decode`` keeps each message's aspect changes in the record (``changes``), and before transform
``merge_events`` folds all event records of a URN into one entity record — on top of the entity's current
state fetched from DataHub when a GraphQL endpoint is configured (``base``), so the item sent to Purview is
complete and an event about tags does not clear the description. Without a base, the item holds only what
the events carried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.datahub.records import AspectChange, RecordError, apply_change, new_entity, parse_record
from connectors.files import TooDeep, loads_bounded, unencodable

__all__ = ["decode_event", "event_urns", "merge_events"]


def decode_event(body: bytes) -> list[dict[str, Any]]:
    """One event body (an MCP/MCL, an MCE, or a JSON list of them) → event records or error records."""
    try:  # undecodable bytes kept as surrogates: the message holding them is rejected below, not mangled
        value = loads_bounded(body.decode("utf-8", errors="surrogateescape"))  # too deep: never recursed
    except TooDeep as exc:
        return [{"error": f"event rejected: {exc}", "where": "event"}]
    except ValueError as exc:
        return [{"error": f"event is not JSON: {exc}", "where": "event"}]
    records: list[dict[str, Any]] = []
    for n, item in enumerate(value if isinstance(value, list) else [value], start=1):
        where = f"event message {n}"
        reason = unencodable(item)
        if reason is not None:
            records.append({"error": reason, "where": where})
            continue
        try:
            changes = list(parse_record(item))
        except RecordError as exc:
            records.append({"error": str(exc), "where": where})
            continue
        by_urn: dict[str, dict[str, Any]] = {}
        for change in changes:
            record = by_urn.get(change.urn)
            if record is None:
                record = by_urn[change.urn] = {
                    **new_entity(change.urn, change.entity_type, where),
                    "changes": [],
                }
            record["changes"].append(
                {"aspect": change.aspect_name, "change_type": change.change_type, "value": change.value}
            )
        records.extend(by_urn.values())
    return records


def event_urns(records: Sequence[dict[str, Any]]) -> list[str]:
    """URNs of the event records of a batch, in order, without duplicates."""
    return list(dict.fromkeys(r["urn"] for r in records if "changes" in r))


def merge_events(
    records: Sequence[dict[str, Any]], base: Mapping[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Fold event records into one entity record per URN (at its first position); others pass through."""
    out: list[dict[str, Any]] = []
    merged: dict[str, dict[str, Any]] = {}
    for record in records:
        if "changes" not in record:
            out.append(record)
            continue
        urn = record["urn"]
        entity = merged.get(urn)
        if entity is None:
            start = (base or {}).get(urn)
            entity = new_entity(urn, record["entity_type"], record["where"])
            if start is not None:
                entity["aspects"] = dict(start.get("aspects") or {})
                entity["removed"] = bool(start.get("removed"))
                if start.get("emails"):
                    entity["emails"] = dict(start["emails"])
            merged[urn] = entity
            out.append(entity)
        for change in record["changes"]:
            try:
                apply_change(
                    entity,
                    AspectChange(
                        urn, record["entity_type"], change["aspect"], change["change_type"], change["value"]
                    ),
                )
            except RecordError as exc:
                entity["problems"].append({"where": record["where"], "reason": str(exc)})
    return out
