"""Glossaries and terms (Purview flavour): derived qualifiedNames, term hierarchy, term assignment.

Glossaries and terms are rows of the entity table (types AtlasGlossary / AtlasGlossaryTerm) holding their
glossary-API JSON, so the ``meanings`` relationship (AtlasGlossarySemanticAssignment) works like any other.
A term's row keeps its glossary guid in the indexed ``collection_id`` column. Deletes are permanent.
"""

from __future__ import annotations

import uuid
from typing import Any

from localdev.purview.exceptions import atlas, term_hierarchy_missing
from localdev.purview.models.entity_rows import EntityRows
from localdev.purview.models.relationships import Relationships, RelRow
from localdev.purview.models.typedefs import RelEnd
from localdev.purview.store import Store, dumps, loads

__all__ = ["Glossary", "page"]

Body = dict[str, Any]
ASSIGNMENT = "AtlasGlossarySemanticAssignment"
_TERM_END = RelEnd(
    ASSIGNMENT, 1, "assignedEntities", "SET", False, "ASSOCIATION", "Referenceable", "meanings", False
)
_TERM_FIELDS = (
    "shortDescription",
    "longDescription",
    "abbreviation",
    "examples",
    "usage",
    "resources",
    "contacts",
    "attributes",
    "nickName",
    "seeAlso",
    "synonyms",
    "antonyms",
    "preferredTerms",
    "preferredToTerms",
    "replacementTerms",
    "replacedBy",
    "translationTerms",
    "translatedTerms",
    "isA",
    "classifies",
    "validValues",
    "validValuesFor",
    "categories",
    "templateName",
)


def page(items: list[Any], limit: Any, offset: Any, sort: Any = None, key: str = "name") -> list[Any]:
    """Atlas list paging: ``limit=-1`` means all; sort ASC/DESC on ``key``."""
    if sort and str(sort).upper() in ("ASC", "DESC"):
        items = sorted(items, key=lambda x: str(x.get(key) or ""), reverse=str(sort).upper() == "DESC")
    start = int(offset or 0)
    size = int(limit) if limit not in (None, "") else -1
    return items[start:] if size < 0 else items[start : start + size]


class Glossary:
    """Glossary and term operations."""

    def __init__(self, store: Store, entities: EntityRows, relations: Relationships) -> None:
        self.store = store
        self.entities = entities
        self.relations = relations

    # region storage
    def _row(self, guid: str, type_name: str) -> Body | None:
        row = self.store.execute(
            "SELECT body FROM entities WHERE guid = ? AND type_name = ? AND status = 'ACTIVE'",
            (guid, type_name),
        ).fetchone()
        return loads(row[0]) if row else None

    def _write(self, body: Body, parent: str | None, ts: int) -> None:
        self.store.execute(
            "INSERT OR REPLACE INTO entities VALUES (?,?,?,?,?,?,?,?)",
            (
                body["guid"],
                body["typeName"],
                body["qualifiedName"],
                body["name"],
                "ACTIVE",
                parent,
                ts,
                dumps(body),
            ),
        )

    def _glossary(self, guid: str) -> Body:
        body = self._row(guid, "AtlasGlossary")
        if body is None:
            raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
        return body

    def _term(self, guid: str) -> Body:
        body = self._row(guid, "AtlasGlossaryTerm")
        if body is None:
            raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
        return body

    def _terms_of(self, glossary_guid: str) -> list[Body]:
        rows = self.store.execute(
            "SELECT body FROM entities WHERE collection_id = ? AND type_name = 'AtlasGlossaryTerm' "
            "AND status = 'ACTIVE' ORDER BY name",
            (glossary_guid,),
        )
        return [loads(r[0]) for r in rows]

    def all_glossaries(self) -> list[Body]:
        rows = self.store.execute(
            "SELECT body FROM entities WHERE type_name = 'AtlasGlossary' AND status = 'ACTIVE' ORDER BY name"
        )
        return [loads(r[0]) for r in rows]

    # endregion

    # region glossaries
    def render_glossary(self, body: Body) -> Body:
        out = dict(body)
        out.pop("typeName", None)
        out["terms"] = [
            {"termGuid": t["guid"], "relationGuid": t["anchor"]["relationGuid"], "displayText": t["name"]}
            for t in self._terms_of(body["guid"])
        ]
        out["categories"] = []
        return out

    def create_glossary(self, payload: Any, ts: int) -> Body:
        if not isinstance(payload, dict):
            raise atlas("BAD_REQUEST", "glossary must be a JSON object")
        name = payload.get("name") or payload.get("qualifiedName")
        if not name:
            raise atlas("GLOSSARY_QUALIFIED_NAME_CANT_BE_DERIVED")
        if self.entities.find_active("AtlasGlossary", name, subtypes=False):
            raise atlas("GLOSSARY_ALREADY_EXISTS", name)
        body = {
            k: payload[k]
            for k in ("shortDescription", "longDescription", "language", "usage")
            if k in payload
        }
        body.update(
            typeName="AtlasGlossary",
            guid=str(uuid.uuid4()),
            name=name,
            qualifiedName=name,
            createdBy="admin",
            updatedBy="admin",
            createTime=ts,
            updateTime=ts,
            lastModifiedTS="1",
        )
        self._write(body, None, ts)
        return self.render_glossary(body)

    def list_glossaries(self, limit: Any, offset: Any, sort: Any) -> list[Body]:
        return page([self.render_glossary(g) for g in self.all_glossaries()], limit, offset, sort)

    def get_glossary(self, guid: str, *, detailed: bool = False) -> Body:
        out = self.render_glossary(self._glossary(guid))
        if detailed:
            out["termInfo"] = {t["guid"]: self.render_term(t) for t in self._terms_of(guid)}
            out["categoryInfo"] = {}
        return out

    def update_glossary(self, guid: str, payload: Any, ts: int, *, partial: bool = False) -> Body:
        body = self._glossary(guid)
        if not isinstance(payload, dict):
            raise atlas("BAD_REQUEST", "glossary must be a JSON object")
        for key in ("shortDescription", "longDescription", "language", "usage"):
            if key in payload:
                body[key] = payload[key]
            elif not partial:
                body.pop(key, None)
        body.update(updateTime=ts, lastModifiedTS=str(int(body.get("lastModifiedTS", "1")) + 1))
        self._write(body, None, ts)
        return self.render_glossary(body)

    def delete_glossary(self, guid: str, ts: int) -> None:
        self._glossary(guid)
        terms = self._terms_of(guid)
        for t in terms:
            self._refuse_if_assigned(t["guid"])
        for t in terms:
            self.store.execute("DELETE FROM entities WHERE guid = ?", (t["guid"],))
        self.store.execute("DELETE FROM entities WHERE guid = ?", (guid,))
        del ts

    def glossary_terms(self, guid: str, limit: Any, offset: Any, sort: Any) -> list[Body]:
        self._glossary(guid)
        return page([self.render_term(t) for t in self._terms_of(guid)], limit, offset, sort)

    def glossary_term_headers(self, guid: str, limit: Any, offset: Any, sort: Any) -> list[Body]:
        self._glossary(guid)
        heads = [
            {"termGuid": t["guid"], "relationGuid": t["anchor"]["relationGuid"], "displayText": t["name"]}
            for t in self._terms_of(guid)
        ]
        return page(heads, limit, offset, sort, key="displayText")

    # endregion

    # region terms
    def _assignments(self, term_guid: str) -> list[RelRow]:
        return self.relations.of_end(term_guid, _TERM_END)

    def render_term(self, body: Body) -> Body:
        out = dict(body)
        out.pop("typeName", None)
        assigned = self.assigned_entities(body["guid"], -1, 0, None)
        if assigned:
            out["assignedEntities"] = assigned
        children = self.store.execute(
            "SELECT guid, name FROM entities WHERE collection_id = ? AND type_name = 'AtlasGlossaryTerm' "
            "AND status = 'ACTIVE' AND body LIKE ?",
            (body["anchor"]["glossaryGuid"], f'%"parentTerm":{{"termGuid":"{body["guid"]}"%'),
        ).fetchall()
        if children:
            out["childrenTerms"] = [{"termGuid": g, "displayText": n} for g, n in children]
        return out

    def _build_term(self, payload: Any, include_hierarchy: bool, old: Body | None, ts: int) -> Body:
        if not isinstance(payload, dict):
            raise atlas("BAD_REQUEST", "term must be a JSON object")
        anchor = payload.get("anchor") or (old or {}).get("anchor") or {}
        glossary_guid = anchor.get("glossaryGuid")
        if not glossary_guid:
            raise atlas("MISSING_MANDATORY_ANCHOR")
        glossary = self._glossary(str(glossary_guid))
        name = payload.get("nickName") if payload.get("parentTerm") and payload.get("nickName") else None
        name = name or payload.get("name")
        if not name:
            raise atlas("GLOSSARY_TERM_QUALIFIED_NAME_CANT_BE_DERIVED")
        if "@" in name:
            raise atlas("INVALID_DISPLAY_NAME")
        prefix = ""
        parent_ref = payload.get("parentTerm")
        body: Body = {k: payload[k] for k in _TERM_FIELDS if k in payload}
        if parent_ref:
            if not include_hierarchy:
                raise term_hierarchy_missing()
            parent_guid = str((parent_ref or {}).get("termGuid") or "")
            parent = self._term(parent_guid)
            if old is not None and parent_guid == old["guid"]:
                raise atlas("INVALID_TERM_RELATION_TO_SELF")
            prefix = parent["qualifiedName"].rsplit("@", 1)[0] + "_"
            body["parentTerm"] = {
                "termGuid": parent_guid,
                "relationGuid": (old or {}).get("parentTerm", {}).get("relationGuid") or str(uuid.uuid4()),
                "displayText": parent["name"],
            }
        qualified_name = f"{prefix}{name}@{glossary['name']}"
        clash = self.entities.find_active("AtlasGlossaryTerm", qualified_name, subtypes=False)
        if clash and (old is None or clash != old["guid"]):
            raise atlas("GLOSSARY_TERM_ALREADY_EXISTS", qualified_name)
        body.update(
            typeName="AtlasGlossaryTerm",
            guid=old["guid"] if old else str(uuid.uuid4()),
            name=name,
            qualifiedName=qualified_name,
            status=payload.get("status") or (old or {}).get("status") or "Draft",
            anchor={
                "glossaryGuid": glossary["guid"],
                "relationGuid": (old or {}).get("anchor", {}).get("relationGuid") or str(uuid.uuid4()),
            },
            createdBy="admin",
            updatedBy="admin",
            createTime=(old or {}).get("createTime", ts),
            updateTime=ts,
            lastModifiedTS=str(int((old or {}).get("lastModifiedTS", "0")) + 1),
        )
        return body

    def create_term(self, payload: Any, include_hierarchy: bool, ts: int) -> Body:
        body = self._build_term(payload, include_hierarchy, None, ts)
        self._write(body, body["anchor"]["glossaryGuid"], ts)
        return self.render_term(body)

    def create_terms(self, payloads: Any, include_hierarchy: bool, ts: int) -> list[Body]:
        if not isinstance(payloads, list):
            raise atlas("BAD_REQUEST", "a list of terms is required")
        return [self.create_term(p, include_hierarchy, ts) for p in payloads]

    def get_term(self, guid: str) -> Body:
        return self.render_term(self._term(guid))

    def update_term(self, guid: str, payload: Any, include_hierarchy: bool, ts: int) -> Body:
        old = self._term(guid)
        if isinstance(payload, dict) and "parentTerm" not in payload and old.get("parentTerm"):
            payload = {**payload, "parentTerm": old["parentTerm"]}
            include_hierarchy = True
        body = self._build_term(payload, include_hierarchy, old, ts)
        self._write(body, body["anchor"]["glossaryGuid"], ts)
        return self.render_term(body)

    def partial_update_term(self, guid: str, payload: Any, include_hierarchy: bool, ts: int) -> Body:
        old = self._term(guid)
        if not isinstance(payload, dict):
            raise atlas("BAD_REQUEST", "partial update needs a JSON object")
        merged = {
            k: v for k, v in old.items() if k in (*_TERM_FIELDS, "name", "status", "anchor", "parentTerm")
        }
        merged.update(payload)
        return self.update_term(guid, merged, include_hierarchy or "parentTerm" in old, ts)

    def _refuse_if_assigned(self, guid: str) -> None:
        count = len(self._assignments(guid))
        if count:
            raise atlas("TERM_HAS_ENTITY_ASSOCIATION", guid, count)

    def delete_term(self, guid: str, ts: int) -> None:
        self._term(guid)
        self._refuse_if_assigned(guid)
        self.store.execute("DELETE FROM entities WHERE guid = ?", (guid,))
        del ts

    # endregion

    # region assignments
    def assign(self, term_guid: str, related: Any, ts: int) -> None:
        self._term(term_guid)
        if not isinstance(related, list):
            raise atlas("BAD_REQUEST", "a list of related object ids is required")
        current = {r.end2 for r in self._assignments(term_guid)}
        for ref in related:
            guid = str((ref or {}).get("guid") or "")
            head = self.entities.header_rows([guid]).get(guid)
            if head is None or head["status"] != "ACTIVE":
                raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
            if guid in current:
                continue
            attrs = ((ref or {}).get("relationshipAttributes") or {}).get("attributes") or {}
            self.relations.insert(ASSIGNMENT, term_guid, guid, dict(attrs), ts)
            current.add(guid)

    def unassign(self, term_guid: str, related: Any, ts: int) -> None:
        self._term(term_guid)
        if not isinstance(related, list):
            raise atlas("BAD_REQUEST", "a list of related object ids is required")
        rows = {r.guid: r for r in self._assignments(term_guid)}
        drop = []
        for ref in related:
            rel_guid = (ref or {}).get("relationshipGuid")
            guid = (ref or {}).get("guid")
            if not rel_guid:
                raise atlas("TERM_DISSOCIATION_MISSING_RELATION_GUID")
            row = rows.get(str(rel_guid))
            if row is None or (guid and row.end2 != guid):
                raise atlas("INVALID_TERM_DISSOCIATION", rel_guid, term_guid, guid)
            drop.append(row)
        self.relations.remove(drop, ts)

    def assigned_entities(self, term_guid: str, limit: Any, offset: Any, sort: Any) -> list[Body]:
        rows = self._assignments(term_guid)
        heads = self.entities.header_rows([r.end2 for r in rows])
        out = []
        for r in rows:
            h = heads.get(r.end2)
            if h is None:
                continue
            out.append(
                {
                    "guid": r.end2,
                    "typeName": h["typeName"],
                    "entityStatus": h["status"],
                    "displayText": h["name"] or h["qualifiedName"],
                    "relationshipType": ASSIGNMENT,
                    "relationshipGuid": r.guid,
                    "relationshipStatus": r.status,
                    "relationshipAttributes": {
                        "typeName": ASSIGNMENT,
                        "attributes": r.body.get("attributes") or {},
                    },
                }
            )
        return page(out, limit, offset, sort, key="displayText")

    # endregion
