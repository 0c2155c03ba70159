"""Entity rows read-only: headers, bodies and lookups by unique attribute.

What the other models (relationships, collections, glossary, search) need of entities, on the store and the
type registry alone: they get an ``EntityRows`` rather than the entity model, so no model needs another that
needs it back.
"""

from __future__ import annotations

from typing import Any

from localdev.purview.models.typedefs import TypeRegistry
from localdev.purview.store import Store, chunks, loads

__all__ = ["GLOSSARY_TYPES", "EntityRows", "is_placeholder", "object_id"]

GLOSSARY_TYPES = ("AtlasGlossary", "AtlasGlossaryTerm", "AtlasGlossaryCategory")
Body = dict[str, Any]


def is_placeholder(guid: str) -> bool:
    return guid.startswith("-")


def object_id(head: dict[str, Any]) -> dict[str, Any]:
    return {
        "guid": head["guid"],
        "typeName": head["typeName"],
        "uniqueAttributes": {"qualifiedName": head["qualifiedName"]},
    }


class EntityRows:
    """Reads of entity rows; ``EntityCore`` adds rendering, deletes and the entity API on top."""

    def __init__(self, store: Store, types: TypeRegistry) -> None:
        self.store = store
        self.types = types

    # region reads
    def header_rows(self, guids: list[str]) -> dict[str, dict[str, Any]]:
        """guid -> {guid, typeName, qualifiedName, name, status} for the existing ones."""
        out: dict[str, dict[str, Any]] = {}
        for part in chunks(list(dict.fromkeys(guids))):
            if not part:
                continue
            sql = (
                "SELECT guid, type_name, qualified_name, name, status FROM entities "
                f"WHERE guid IN ({','.join('?' * len(part))})"
            )
            for g, t, qn, name, status in self.store.execute(sql, part):
                out[g] = {"guid": g, "typeName": t, "qualifiedName": qn, "name": name, "status": status}
        return out

    def load(self, guids: list[str]) -> dict[str, Body]:
        out: dict[str, Body] = {}
        for part in chunks(list(dict.fromkeys(guids))):
            if not part:
                continue
            sql = f"SELECT guid, status, body FROM entities WHERE guid IN ({','.join('?' * len(part))})"
            for g, status, body in self.store.execute(sql, part):
                b = loads(body)
                if b.get("typeName") in GLOSSARY_TYPES:
                    b["_entityStatus"] = status  # glossary objects keep their own "status" field
                else:
                    b["status"] = status
                out[g] = b
        return out

    def find_active(self, type_name: str, qualified_name: Any, *, subtypes: bool = True) -> str | None:
        row = self.store.execute(
            "SELECT guid FROM entities WHERE type_name = ? AND qualified_name = ? AND status = 'ACTIVE'",
            (type_name, qualified_name),
        ).fetchone()
        if row is not None:
            return str(row[0])
        if not subtypes:
            return None
        for sub in sorted(self.types.subtypes(type_name) - {type_name}):
            found = self.find_active(sub, qualified_name, subtypes=False)
            if found:
                return found
        return None

    def find_active_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_type: dict[str, list[str]] = {}
        for t, qn in keys:
            by_type.setdefault(t, []).append(qn)
        out: dict[tuple[str, str], str] = {}
        for t, qns in by_type.items():
            for part in chunks(list(dict.fromkeys(qns))):
                sql = (
                    "SELECT qualified_name, guid FROM entities WHERE status = 'ACTIVE' AND type_name = ? "
                    f"AND qualified_name IN ({','.join('?' * len(part))})"
                )
                for qn, g in self.store.execute(sql, (t, *part)):
                    out[(t, qn)] = g
        return out

    # region headers
    def header(self, body: Body) -> dict[str, Any]:
        attrs = body.get("attributes") or {}
        classes = [c.get("typeName") for c in body.get("classifications") or []]
        return {
            "typeName": body["typeName"],
            "attributes": {"qualifiedName": attrs.get("qualifiedName")},
            "lastModifiedTS": str(body.get("version", 0) + 1),
            "guid": body["guid"],
            "status": body.get("status", "ACTIVE"),
            "displayText": attrs.get("name") or attrs.get("qualifiedName"),
            "classificationNames": classes,
            "meaningNames": [],
            "meanings": [],
            "isIncomplete": False,
            "labels": list(body.get("labels") or []),
        }

    def headers(self, guids: list[str]) -> list[dict[str, Any]]:
        bodies = self.load(guids)
        return [self.header(self._as_entity(bodies[g])) for g in guids if g in bodies]

    def _as_entity(self, body: Body) -> Body:
        """Glossary objects are stored in their glossary-API shape; show them as entities."""
        if body.get("typeName") not in GLOSSARY_TYPES or "attributes" in body:
            return body
        keys = ("qualifiedName", "name", "shortDescription", "longDescription", "abbreviation", "usage")
        return {
            "typeName": body["typeName"],
            "guid": body["guid"],
            "status": body.get("_entityStatus", "ACTIVE"),
            "attributes": {k: body.get(k) for k in keys if k in body},
            "createTime": body.get("createTime"),
            "updateTime": body.get("updateTime"),
            "version": body.get("version", 0),
        }

    # endregion
