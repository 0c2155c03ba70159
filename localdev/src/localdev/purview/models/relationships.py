"""Relationship instances: stored once, seen from both ends (``table.columns`` <-> ``column.table``).

An entity's relationship attributes are never stored in its body; they are derived from this table when
the entity is read, so both ends always agree.
"""

from __future__ import annotations

import uuid
from typing import Any

from localdev.purview.exceptions import atlas
from localdev.purview.models.entity_rows import EntityRows
from localdev.purview.models.options import Options
from localdev.purview.models.typedefs import RelEnd, TypeRegistry
from localdev.purview.store import Store, chunks, dumps, loads

__all__ = ["RelRow", "Relationships"]


class RelRow:
    """A relationship row; its JSON body is decoded only when needed."""

    __slots__ = ("_body", "end1", "end2", "guid", "raw", "status", "type_name")

    def __init__(self, guid: str, type_name: str, end1: str, end2: str, status: str, raw: str) -> None:  # noqa: PLR0917
        self.guid = guid
        self.type_name = type_name
        self.end1 = end1
        self.end2 = end2
        self.status = status
        self.raw = raw
        self._body: dict[str, Any] | None = None

    @property
    def body(self) -> dict[str, Any]:
        if self._body is None:
            self._body = loads(self.raw)
        return self._body

    @property
    def attributes(self) -> dict[str, Any]:
        if '"attributes":{}' in self.raw:
            return {}
        attrs: dict[str, Any] = self.body.get("attributes") or {}
        return attrs


class Relationships:
    """Relationship rows and the rules that keep both ends consistent."""

    def __init__(self, store: Store, types: TypeRegistry, entities: EntityRows, *, options: Options) -> None:
        self.store = store
        self.types = types
        self.entities = entities
        self.options = options

    # region reads
    def touching(self, guids: list[str], *, status: str = "ACTIVE") -> list[RelRow]:
        out: dict[str, RelRow] = {}
        for part in chunks(guids):
            if not part:
                continue
            marks = ",".join("?" * len(part))
            for col in ("end1_guid", "end2_guid"):
                sql = (
                    "SELECT guid, type_name, end1_guid, end2_guid, status, body FROM relationships "
                    f"WHERE {col} IN ({marks}) AND status = ?"
                )
                for row in self.store.execute(sql, (*part, status)):
                    out[row[0]] = RelRow(row[0], row[1], row[2], row[3], row[4], row[5])
        return list(out.values())

    def of_end(self, guid: str, end: RelEnd) -> list[RelRow]:
        col = "end1_guid" if end.my_end == 1 else "end2_guid"
        sql = (
            "SELECT guid, type_name, end1_guid, end2_guid, status, body FROM relationships "
            f"WHERE {col} = ? AND type_name = ? AND status = 'ACTIVE'"
        )
        return [
            RelRow(r[0], r[1], r[2], r[3], r[4], r[5]) for r in self.store.execute(sql, (guid, end.rel_type))
        ]

    def get_row(self, guid: str) -> RelRow | None:
        r = self.store.execute(
            "SELECT guid, type_name, end1_guid, end2_guid, status, body FROM relationships WHERE guid = ?",
            (guid,),
        ).fetchone()
        return RelRow(r[0], r[1], r[2], r[3], r[4], r[5]) if r else None

    # endregion

    # region writes
    def insert(self, rel_type: str, end1: str, end2: str, attributes: dict[str, Any], ts: int) -> str:
        guid = str(uuid.uuid4())
        body = {
            "guid": guid,
            "typeName": rel_type,
            "attributes": attributes,
            "label": f"r:{rel_type}",
            "status": "ACTIVE",
            "createdBy": "admin",
            "updatedBy": "admin",
            "createTime": ts,
            "updateTime": ts,
            "version": 0,
        }
        self.store.execute(
            "INSERT INTO relationships(guid, type_name, end1_guid, end2_guid, status, body) "
            "VALUES (?,?,?,?,?,?)",
            (guid, rel_type, end1, end2, "ACTIVE", dumps(body)),
        )
        return guid

    def remove(self, rows: list[RelRow], ts: int) -> None:
        if self.options.hard_delete:
            self.store.conn.executemany("DELETE FROM relationships WHERE guid = ?", [(r.guid,) for r in rows])
            return
        updates = []
        for r in rows:
            r.body.update(status="DELETED", updateTime=ts)
            updates.append((dumps(r.body), r.guid))
        self.store.conn.executemany(
            "UPDATE relationships SET status = 'DELETED', body = ? WHERE guid = ?", updates
        )

    def set_attribute(self, guid: str, end: RelEnd, targets: list[str], ts: int) -> tuple[bool, list[str]]:
        """Make ``guid``'s relationship attribute ``end`` point at exactly ``targets``.

        Returns (changed, children dropped from an owned COMPOSITION end, to delete).
        """
        current = self.of_end(guid, end)
        other_col = 2 if end.my_end == 1 else 1
        by_other = {(r.end2 if other_col == 2 else r.end1): r for r in current}
        wanted = list(dict.fromkeys(targets))
        drop = [r for other, r in by_other.items() if other not in wanted]
        dropped_children = [r.end2 if other_col == 2 else r.end1 for r in drop] if end.owns else []
        changed = bool(drop)
        self.remove(drop, ts)
        for other in wanted:
            if other in by_other:
                continue
            changed = True
            other_end = RelEnd(
                rel_type=end.rel_type,
                my_end=other_col,
                name=end.other_name,
                cardinality=self.types.relationship_end(end.rel_type, other_col).get("cardinality", "SINGLE"),
                is_container=False,
                category=end.category,
                other_type=end.other_type,
                other_name=end.name,
                legacy=False,
            )
            if not other_end.many:
                # the other end holds one value: re-point it (a column moves to its new table)
                self.remove(self.of_end(other, other_end), ts)
            if end.my_end == 1:
                self.insert(end.rel_type, guid, other, {}, ts)
            else:
                self.insert(end.rel_type, other, guid, {}, ts)
        return changed, dropped_children

    def delete_for_entities(self, guids: list[str], ts: int) -> None:
        self.remove(self.touching(guids), ts)

    # endregion

    # region relationship API
    def _resolve_end(self, end: Any, label: str) -> str:
        if not isinstance(end, dict):
            raise atlas("RELATIONSHIP_CRUD_INVALID_PARAMS", f"{label} is missing")
        guid = end.get("guid")
        if guid:
            row = self.entities.header_rows([str(guid)]).get(str(guid))
            if row is None or row["status"] != "ACTIVE":
                raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
            return str(guid)
        unique = end.get("uniqueAttributes") or {}
        qn = unique.get("qualifiedName")
        found = self.entities.find_active(end.get("typeName", ""), qn) if qn else None
        if found is None:
            raise atlas("INSTANCE_BY_UNIQUE_ATTRIBUTE_NOT_FOUND", end.get("typeName"), f"qualifiedName={qn}")
        return found

    def create_api(self, payload: dict[str, Any], ts: int) -> dict[str, Any]:
        rel_type = payload.get("typeName", "")
        d = self.types.get(rel_type, "RELATIONSHIP")
        if d is None:
            raise atlas("TYPE_NAME_INVALID", "RELATIONSHIP", rel_type)
        end1 = self._resolve_end(payload.get("end1"), "end1")
        end2 = self._resolve_end(payload.get("end2"), "end2")
        heads = self.entities.header_rows([end1, end2])
        for guid, end_def in ((end1, d["endDef1"]), (end2, d["endDef2"])):
            if end_def["type"] not in self.types.ancestors(heads[guid]["typeName"]):
                raise atlas(
                    "RELATIONSHIP_CRUD_INVALID_PARAMS",
                    f"Invalid end {guid} of type {heads[guid]['typeName']} for {rel_type}",
                )
        for r in self.touching([end1]):
            if r.type_name == rel_type and r.end1 == end1 and r.end2 == end2:
                raise atlas("RELATIONSHIP_ALREADY_EXISTS", rel_type, end1, end2)
        for which, guid in ((2, end2), (1, end1)):
            end_def = d["endDef1" if which == 1 else "endDef2"]
            if end_def.get("cardinality", "SINGLE") == "SINGLE":
                # the end's attribute is single-valued: the new relationship replaces the old one
                other = d["endDef2" if which == 1 else "endDef1"]
                mine = end_def
                rel_end = RelEnd(
                    rel_type, which, mine.get("name", ""), "SINGLE", False, "", other["type"], "", False
                )
                self.remove(self.of_end(guid, rel_end), ts)
        attributes = dict(payload.get("attributes") or {})
        guid = self.insert(rel_type, end1, end2, attributes, ts)
        return self.render(guid)

    def update_api(self, payload: dict[str, Any], ts: int) -> dict[str, Any]:
        row = self.get_row(str(payload.get("guid") or ""))
        if row is None or row.status != "ACTIVE":
            raise atlas("RELATIONSHIP_GUID_NOT_FOUND", payload.get("guid"))
        row.body["attributes"] = {**row.body.get("attributes", {}), **(payload.get("attributes") or {})}
        row.body["updateTime"] = ts
        row.body["version"] = int(row.body.get("version", 0)) + 1
        self.store.execute("UPDATE relationships SET body = ? WHERE guid = ?", (dumps(row.body), row.guid))
        return self.render(row.guid)

    def render(self, guid: str) -> dict[str, Any]:
        row = self.get_row(guid)
        if row is None:
            raise atlas("RELATIONSHIP_GUID_NOT_FOUND", guid)
        heads = self.entities.header_rows([row.end1, row.end2])
        out = dict(row.body)
        out["status"] = row.status
        for key, g in (("end1", row.end1), ("end2", row.end2)):
            h = heads.get(g)
            out[key] = {
                "guid": g,
                "typeName": h["typeName"] if h else None,
                "uniqueAttributes": {"qualifiedName": h["qualifiedName"]} if h else {},
            }
        return out

    def get_api(self, guid: str) -> dict[str, Any]:
        rel = self.render(guid)
        guids = [rel["end1"]["guid"], rel["end2"]["guid"]]
        referred = {h["guid"]: h for h in self.entities.headers(guids)}
        return {"relationship": rel, "referredEntities": referred}

    def delete_api(self, guid: str, ts: int) -> None:
        row = self.get_row(guid)
        if row is None:
            raise atlas("RELATIONSHIP_GUID_NOT_FOUND", guid)
        if row.status == "DELETED":
            raise atlas("RELATIONSHIP_GUID_NOT_FOUND", guid)
        self.remove([row], ts)

    # endregion
