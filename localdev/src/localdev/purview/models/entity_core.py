"""Entities rendered (relationship attributes derived from both ends), looked up for the API, and deleted."""

from __future__ import annotations

from typing import Any

from localdev.purview.exceptions import atlas
from localdev.purview.models.entity_rows import GLOSSARY_TYPES, EntityRows, is_placeholder, object_id
from localdev.purview.models.options import Options
from localdev.purview.models.relationships import Relationships, RelRow
from localdev.purview.models.typedefs import TypeRegistry
from localdev.purview.store import Store, dumps

__all__ = ["GLOSSARY_TYPES", "EntityCore", "is_placeholder"]

Body = dict[str, Any]


class EntityCore(EntityRows):
    """Reads, rendering and deletes; ``Entities`` adds upserts and the per-entity operations."""

    def __init__(
        self, store: Store, types: TypeRegistry, relations: Relationships, *, options: Options
    ) -> None:
        super().__init__(store, types)
        self.relations = relations
        self.options = options

    # region lookups that answer the API's errors
    def require(self, guid: str) -> Body:
        body = self.load([guid]).get(guid)
        if body is None or body["status"] != "ACTIVE" or body["typeName"] in GLOSSARY_TYPES:
            raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
        return body

    def require_unique(self, type_name: str, qualified_name: Any) -> str:
        if not self.types.is_entity_type(type_name):
            raise atlas("TYPE_NAME_INVALID", "ENTITY", type_name)
        guid = self.find_active(type_name, qualified_name)
        if guid is None:
            raise atlas(
                "INSTANCE_BY_UNIQUE_ATTRIBUTE_NOT_FOUND", type_name, f"{{qualifiedName={qualified_name}}}"
            )
        return guid

    # endregion

    # region rendering
    def render(
        self,
        bodies: list[Body],
        *,
        ignore_relationships: bool = False,
        min_ext_info: bool = False,
        with_referred: bool = True,
    ) -> tuple[list[Body], dict[str, Body]]:
        guids = [b["guid"] for b in bodies]
        rels: list[RelRow] = [] if ignore_relationships else self.relations.touching(guids)
        others = [g for r in rels for g in (r.end1, r.end2)]
        heads = self.header_rows(others)
        by_guid: dict[str, list[RelRow]] = {}
        for r in rels:
            by_guid.setdefault(r.end1, []).append(r)
            if r.end2 != r.end1:
                by_guid.setdefault(r.end2, []).append(r)
        out: list[Body] = []
        children: list[str] = []
        for raw in bodies:
            e = dict(self._as_entity(raw))  # bodies are freshly decoded: a shallow copy is enough
            e["attributes"] = dict(e.get("attributes") or {})
            if ignore_relationships:
                out.append(e)
                continue
            children += self._attach_relationships(e, by_guid.get(e["guid"], []), heads)
            out.append(e)
        referred: dict[str, Body] = {}
        if with_referred and not min_ext_info and children:
            kids = self.load(children)
            rendered, _ = self.render(
                [kids[g] for g in dict.fromkeys(children) if g in kids], with_referred=False
            )
            referred = {k["guid"]: k for k in rendered}
        return out, referred

    def _attach_relationships(
        self, e: Body, rels: list[RelRow], heads: dict[str, dict[str, Any]]
    ) -> list[str]:
        types = self.types
        if not types.is_entity_type(e["typeName"]):
            return []
        info = types.entity_info(e["typeName"])
        rel_attrs: dict[str, Any] = {name: ([] if many else None) for name, many in info.rel_shape().items()}
        attrs = e.setdefault("attributes", {})
        owned: list[str] = []
        meaning_names: list[str] = []
        for r in rels:
            d = types.get(r.type_name, "RELATIONSHIP")
            if d is None:
                continue
            for my_end, other in ((1, r.end2), (2, r.end1)):
                if (r.end1 if my_end == 1 else r.end2) != e["guid"]:
                    continue
                end_def = d["endDef1" if my_end == 1 else "endDef2"]
                name = end_def.get("name")
                head = heads.get(other)
                if not name or head is None or name not in rel_attrs:
                    continue
                related = {
                    "guid": other,
                    "typeName": head["typeName"],
                    "entityStatus": head["status"],
                    "displayText": head["name"] or head["qualifiedName"],
                    "relationshipType": r.type_name,
                    "relationshipGuid": r.guid,
                    "relationshipStatus": r.status,
                    "relationshipAttributes": {
                        "typeName": r.type_name,
                        "attributes": r.attributes,
                    },
                }
                many = end_def.get("cardinality", "SINGLE") != "SINGLE"
                if many:
                    rel_attrs[name].append(related)
                else:
                    rel_attrs[name] = related
                if end_def.get("isLegacyAttribute"):
                    if many:
                        attrs.setdefault(name, [])
                        if isinstance(attrs[name], list):
                            attrs[name].append(object_id(head))
                    else:
                        attrs[name] = object_id(head)
                if end_def.get("isContainer") and d.get("relationshipCategory") == "COMPOSITION":
                    owned.append(other)
                if r.type_name == "AtlasGlossarySemanticAssignment" and my_end == 2:
                    meaning_names.append(head["name"] or "")
        e["relationshipAttributes"] = rel_attrs
        return owned

    # endregion

    # region delete
    def _owned_children(self, guids: list[str]) -> list[str]:
        out: list[str] = []
        wanted = set(guids)
        for r in self.relations.touching(guids):
            d = self.types.get(r.type_name, "RELATIONSHIP")
            if d is None or d.get("relationshipCategory") != "COMPOSITION":
                continue
            if d["endDef1"].get("isContainer") and r.end1 in wanted:
                out.append(r.end2)
            elif d["endDef2"].get("isContainer") and r.end2 in wanted:
                out.append(r.end1)
        return out

    def delete(self, guids: list[str], ts: int) -> list[dict[str, Any]]:
        """Delete (soft or hard) ACTIVE entities and, recursively, the children they own."""
        todo = [
            g
            for g, b in self.load(guids).items()
            if b["typeName"] not in GLOSSARY_TYPES and b["status"] == "ACTIVE"
        ]
        seen: list[str] = []
        while todo:
            fresh = [g for g in dict.fromkeys(todo) if g not in seen]
            seen += fresh
            todo = self._owned_children(fresh) if fresh else []
        if not seen:
            return []
        bodies = self.load(seen)
        self.relations.delete_for_entities(seen, ts)
        if self.options.hard_delete:
            self.store.conn.executemany("DELETE FROM entities WHERE guid = ?", [(g,) for g in seen])
        else:
            updates = []
            for g in seen:
                body = bodies[g]
                body.update(status="DELETED", updateTime=ts, version=int(body.get("version", 0)) + 1)
                updates.append((ts, dumps(body), g))
            self.store.conn.executemany(
                "UPDATE entities SET status = 'DELETED', update_time = ?, body = ? WHERE guid = ?", updates
            )
        out = []
        for g in seen:
            body = bodies[g]
            body["status"] = "DELETED"
            out.append(self.header(self._as_entity(body)))
        return out

    # endregion
