"""Normalise DataHub records (MCE snapshots, MCPs, MCLs) into aspect changes, and merge them per entity.

Accepted shapes (``value`` is one decoded JSON record):

- MCE: ``{"proposedSnapshot": {"com.linkedin.pegasus2avro.metadata.snapshot.DatasetSnapshot":
  {"urn": ..., "aspects": [{"com.linkedin.pegasus2avro.dataset.DatasetProperties": {...}}, ...]}}}``;
  an aspect's name is its class name with a lower-case first letter (``datasetProperties``);
- MCP / MCL: ``{"entityType", "entityUrn", "changeType", "aspectName", "aspect": {"json": {...}}}`` as the
  current CLI writes it, or ``"aspect": {"value": "<json text>", "contentType": "application/json"}`` as
  older files and Kafka messages carry it; PATCH aspects hold a JSON Patch list;
- Avro-JSON union wrappers (``{"string": "x"}``, ``{"array": [...]}``) anywhere are unwrapped.

An *entity record* (what extract stages and transform reads) is plain JSON::

    {"urn", "entity_type", "where", "aspects": {name: value}, "removed": bool, "deleted": bool,
     "problems": [{"where", "reason"}]}

plus, when known, ``emails`` (owner URN → email) and ``containers`` (the container and its ancestors).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AspectChange",
    "RecordError",
    "apply_change",
    "entity_type_of",
    "new_entity",
    "parse_record",
    "unwrap_unions",
]

_PRIMITIVES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "int": int,
    "long": int,
    "float": (int, float),
    "double": (int, float),
    "boolean": bool,
    "bytes": str,
    "array": list,
    "map": dict,
}
#: Aspects whose PATCH paths address list entries by a key: field → how to rebuild the list.
_KEYED_LISTS = {"upstreams", "tags", "terms", "owners", "fineGrainedLineages"}


class RecordError(ValueError):
    """A record that is valid JSON but not a usable DataHub record (no urn, no aspect, bad aspect value)."""


@dataclass(frozen=True)
class AspectChange:
    """One aspect of one entity: UPSERT/CREATE/UPDATE (value replaces), PATCH (ops merge), DELETE."""

    urn: str
    entity_type: str
    aspect_name: str | None
    change_type: str
    value: Any


def unwrap_unions(value: Any) -> Any:
    """Drop Avro-JSON union wrappers such as ``{"string": "x"}`` (when the wrapped value fits the type)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            expected = _PRIMITIVES.get(key)
            if expected is not None and isinstance(inner, expected):
                return unwrap_unions(inner)
        return {key: unwrap_unions(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [unwrap_unions(inner) for inner in value]
    return value


def entity_type_of(urn: str) -> str:
    """``urn:li:dataset:(...)`` → ``dataset``."""
    parts = urn.split(":", 3)
    return parts[2] if len(parts) >= 3 and parts[0] == "urn" else "unknown"


def _aspect_name(class_name: str) -> str:
    short = class_name.rsplit(".", 1)[-1]
    return short[:1].lower() + short[1:]


def parse_record(value: Any) -> Iterator[AspectChange]:
    """The aspect changes one decoded record carries; raises ``RecordError`` when it carries none."""
    value = unwrap_unions(value)
    if not isinstance(value, dict):
        raise RecordError("record is not a JSON object")
    if "proposedSnapshot" in value:
        yield from _parse_mce(value["proposedSnapshot"])
        return
    urn = value.get("entityUrn")
    if not isinstance(urn, str) or not urn.startswith("urn:"):
        raise RecordError("missing or invalid entityUrn")
    entity_type = value.get("entityType") or entity_type_of(urn)
    change_type = str(value.get("changeType") or "UPSERT").upper()
    aspect_name = value.get("aspectName")
    if change_type == "DELETE":
        yield AspectChange(urn, entity_type, aspect_name, change_type, None)
        return
    if not isinstance(aspect_name, str) or not aspect_name:
        raise RecordError(f"{urn}: missing aspectName")
    yield AspectChange(urn, entity_type, aspect_name, change_type, _aspect_value(urn, value.get("aspect")))


def _parse_mce(snapshot: Any) -> Iterator[AspectChange]:
    if not isinstance(snapshot, dict) or len(snapshot) != 1:
        raise RecordError("proposedSnapshot must hold exactly one snapshot")
    ((_, body),) = snapshot.items()
    urn = body.get("urn") if isinstance(body, dict) else None
    if not isinstance(urn, str) or not urn.startswith("urn:"):
        raise RecordError("snapshot without a valid urn")
    aspects = body.get("aspects")
    if not isinstance(aspects, list):
        raise RecordError(f"{urn}: snapshot without an aspects list")
    for aspect in aspects:
        if not isinstance(aspect, dict) or len(aspect) != 1:
            raise RecordError(f"{urn}: an aspect must be an object keyed by its class name")
        ((class_name, aspect_value),) = aspect.items()
        yield AspectChange(urn, entity_type_of(urn), _aspect_name(class_name), "UPSERT", aspect_value)


def _aspect_value(urn: str, aspect: Any) -> Any:
    if not isinstance(aspect, dict):
        raise RecordError(f"{urn}: missing aspect")
    if "json" in aspect:
        return aspect["json"]
    if "value" in aspect:
        content_type = aspect.get("contentType", "application/json")
        if content_type != "application/json":
            raise RecordError(f"{urn}: unsupported aspect contentType {content_type!r}")
        raw = aspect["value"]
        if isinstance(raw, str):
            try:
                return unwrap_unions(json.loads(raw))
            except ValueError as exc:
                raise RecordError(f"{urn}: aspect value is not JSON ({exc})") from None
        return raw
    raise RecordError(f"{urn}: aspect has neither 'json' nor 'value'")


def new_entity(urn: str, entity_type: str, where: str) -> dict[str, Any]:
    """An empty entity record."""
    return {
        "urn": urn,
        "entity_type": entity_type,
        "where": where,
        "aspects": {},
        "removed": False,
        "deleted": False,
        "problems": [],
    }


def apply_change(entity: dict[str, Any], change: AspectChange) -> None:
    """Merge one aspect change into an entity record (later changes win, patches merge)."""
    aspects: dict[str, Any] = entity["aspects"]
    name = change.aspect_name
    if change.change_type == "DELETE":
        if name is None or name.endswith("Key"):
            entity["deleted"] = True
        else:
            aspects.pop(name, None)
        return
    assert name is not None
    if change.change_type == "PATCH":
        if not isinstance(change.value, list):
            raise RecordError(f"{change.urn}: PATCH aspect {name} is not a JSON Patch list")
        aspects[name] = apply_patch(aspects.get(name), change.value)
    else:
        aspects[name] = change.value
    if name == "status":
        status = aspects.get("status")
        entity["removed"] = bool(isinstance(status, dict) and status.get("removed"))


def apply_patch(current: Any, ops: list[Any]) -> dict[str, Any]:
    """Apply DataHub JSON Patch ops (``add``/``remove`` on ``/field/key/...``) to an aspect value.

    List fields that DataHub patches by key (upstreams, tags, terms, owners, fine-grained lineage) are kept
    keyed while patching and turned back into lists in the aspect's normal shape.
    """
    state: dict[str, Any] = _keyed(current if isinstance(current, dict) else {})
    kept_fine = state.pop("fineGrainedLineages", None)
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise RecordError("a JSON Patch op needs 'op' and 'path'")
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in op["path"].split("/")[1:]]
        if not tokens:
            continue
        parent = state
        for token in tokens[:-1]:
            child = parent.get(token)
            if not isinstance(child, dict):
                child = parent[token] = {}
            parent = child
        if op.get("op") == "remove":
            parent.pop(tokens[-1], None)
        else:
            parent[tokens[-1]] = op.get("value")
    out = _unkeyed(state)
    if isinstance(kept_fine, list):
        out["fineGrainedLineages"] = kept_fine + list(out.get("fineGrainedLineages") or [])
    return out


def _keyed(aspect: dict[str, Any]) -> dict[str, Any]:
    out = dict(aspect)
    for name in ("upstreams", "tags", "terms", "owners"):
        if isinstance(out.get(name), list):
            out[name] = {_entry_key(entry): entry for entry in out[name]}
    return out


def _entry_key(entry: Any) -> str:
    if isinstance(entry, dict):
        for field in ("dataset", "tag", "urn", "owner"):
            if isinstance(entry.get(field), str):
                return str(entry[field])
    return json.dumps(entry, sort_keys=True)


def _unkeyed(state: dict[str, Any]) -> dict[str, Any]:
    out = dict(state)
    for name in _KEYED_LISTS - {"fineGrainedLineages"}:
        if isinstance(out.get(name), dict):
            out[name] = [_with_key(name, key, value) for key, value in out[name].items()]
    fine = out.get("fineGrainedLineages")
    if isinstance(fine, dict):
        out["fineGrainedLineages"] = _fine_grained_from_patch(fine)
    return out


def _with_key(name: str, key: str, value: Any) -> Any:
    field = {"upstreams": "dataset", "tags": "tag", "terms": "urn", "owners": "owner"}[name]
    if name == "owners" and isinstance(value, dict) and field not in value:
        # /owners/<owner urn>/<type>: {owner, type, ...}
        first: Any = next(iter(value.values()), {})
        return {field: key, **(first if isinstance(first, dict) else {})}
    return {field: key, **value} if isinstance(value, dict) else {field: key}


def _fine_grained_from_patch(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """``/fineGrainedLineages/<op>/<downstream field>/<query>/<upstream field>`` → fine-grained entries."""
    entries: list[dict[str, Any]] = []
    for operation, downstreams in tree.items():
        if not isinstance(downstreams, dict):
            continue
        for downstream, queries in downstreams.items():
            upstreams = sorted(
                {
                    up
                    for per_query in (queries or {}).values()
                    if isinstance(per_query, dict)
                    for up in per_query
                }
            )
            entries.append(
                {
                    "upstreamType": "FIELD_SET",
                    "upstreams": upstreams,
                    "downstreamType": "FIELD",
                    "downstreams": [downstream],
                    "transformOperation": operation,
                }
            )
    return entries
