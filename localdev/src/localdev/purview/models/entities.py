"""Entity upserts (identity, references, attribute merge, validation, owned children) and the entity API."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from localdev.purview.exceptions import AtlasError, atlas
from localdev.purview.models.collections import Collections
from localdev.purview.models.entity_extras import EntityExtras
from localdev.purview.models.entity_rows import GLOSSARY_TYPES, is_placeholder
from localdev.purview.models.options import Options
from localdev.purview.models.relationships import Relationships
from localdev.purview.models.typedefs import EntityInfo, RelEnd, TypeRegistry, check_value
from localdev.purview.store import Store, dumps

__all__ = ["Entities"]

Body = dict[str, Any]
# Body fields that a client may set directly (replace when present).
_DIRECT_FIELDS = ("labels", "contacts", "businessAttributes", "customAttributes")


@dataclass
class _Item:
    type_name: str
    qualified_name: Any
    info: EntityInfo
    incoming: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    rel_attrs: dict[str, Any] = field(default_factory=dict)
    raws: list[Body] = field(default_factory=list)
    guid: str = ""
    existing: Body | None = None


def _looks_like_ref(value: Any) -> bool:
    if isinstance(value, list):
        return all(_looks_like_ref(v) for v in value)
    return isinstance(value, dict) and ("guid" in value or "typeName" in value or "uniqueAttributes" in value)


def _object_id_text(ref: Any) -> str:
    if not isinstance(ref, dict):
        return f"AtlasObjectId{{guid='{ref}', typeName='null', uniqueAttributes={{}}}}"
    unique = ref.get("uniqueAttributes") or (
        {"qualifiedName": ref["qualifiedName"]} if "qualifiedName" in ref else {}
    )
    inner = ", ".join(f"{k}:{v}" for k, v in unique.items())
    guid, type_name = ref.get("guid"), ref.get("typeName")
    return f"AtlasObjectId{{guid='{guid}', typeName='{type_name}', uniqueAttributes={{{inner}}}}}"


class Entities(EntityExtras):
    """The entity API: bulk/single upsert, reads by guid or unique attribute, deletes, classifications."""

    def __init__(
        self,
        store: Store,
        types: TypeRegistry,
        relations: Relationships,
        collections: Collections,
        *,
        options: Options,
    ) -> None:
        super().__init__(store, types, relations, options=options)
        self.collections = collections

    # region upsert
    def upsert(self, entities: list[Any], referred: Any, *, collection_id: str | None, ts: int) -> Body:
        if collection_id is not None:
            self.collections.require(collection_id)
        raws = list(entities) + (list(referred.values()) if isinstance(referred, dict) else [])
        items = self._gather(raws)
        by_guid = {g: it for it in items for g in it.incoming}
        by_key = {(it.type_name, it.qualified_name): it for it in items if it.qualified_name is not None}
        self._identify(items)
        new_bodies = [self._merge(it, collection_id, ts) for it in items]
        self._validate(items, new_bodies)
        resolved = {id(it): self._resolve_refs(it, by_guid, by_key) for it in items}
        rows = [
            (
                b["guid"],
                b["typeName"],
                b["attributes"].get("qualifiedName"),
                b["attributes"].get("name"),
                "ACTIVE",
                b.get("collectionId"),
                ts,
                dumps(b),
            )
            for b in new_bodies
        ]
        try:
            self.store.conn.executemany("INSERT OR REPLACE INTO entities VALUES (?,?,?,?,?,?,?,?)", rows)
        except sqlite3.IntegrityError as exc:
            raise AtlasError(409, "ATLAS-409-00-003", f"failed to update entity: {exc}") from exc
        dropped: list[tuple[str, RelEnd]] = []
        for it in items:
            for end, targets in resolved[id(it)]:
                _, children = self.relations.set_attribute(it.guid, end, targets, ts)
                dropped += [(c, end) for c in children]
        in_batch = {it.guid for it in items}
        orphans = [
            child for child, end in dropped if child not in in_batch and not self._has_owner(child, end)
        ]
        deleted = self.delete(orphans, ts) if orphans else []
        result: Body = {"mutatedEntities": {}, "guidAssignments": {}}
        created = [self.header(b) for it, b in zip(items, new_bodies, strict=True) if it.existing is None]
        updated = [self.header(b) for it, b in zip(items, new_bodies, strict=True) if it.existing is not None]
        for key, headers in (("CREATE", created), ("UPDATE", updated), ("DELETE", deleted)):
            if headers:
                result["mutatedEntities"][key] = headers
        for it in items:
            for g in it.incoming:
                if is_placeholder(g):
                    result["guidAssignments"][g] = it.guid
        return result

    def _gather(self, raws: list[Any]) -> list[_Item]:
        items: list[_Item] = []
        by_guid: dict[str, _Item] = {}
        by_key: dict[tuple[str, Any], _Item] = {}
        for raw in raws:
            if not isinstance(raw, dict):
                raise atlas("BAD_REQUEST", "entity must be a JSON object")
            type_name = raw.get("typeName")
            if not isinstance(type_name, str) or not self.types.is_entity_type(type_name):
                raise atlas("TYPE_NAME_INVALID", "ENTITY", type_name)
            if type_name in GLOSSARY_TYPES:
                raise atlas("BAD_REQUEST", f"{type_name} instances are managed through the glossary API")
            info = self.types.entity_info(type_name)
            plain: dict[str, Any] = {}
            rels: dict[str, Any] = {}
            for k, v in (raw.get("attributes") or {}).items():
                if k in info.rel_attrs and (k not in info.attributes or _looks_like_ref(v)):
                    rels[k] = v
                else:
                    plain[k] = v
            for k, v in (raw.get("relationshipAttributes") or {}).items():
                if k in info.rel_attrs:
                    rels[k] = v
            qn = plain.get("qualifiedName", (raw.get("uniqueAttributes") or {}).get("qualifiedName"))
            guid = raw.get("guid")
            guid = None if guid is None or guid == "" else str(guid)
            item = by_guid.get(guid) if guid else None
            if item is None and qn is not None:
                item = by_key.get((type_name, qn))
            if item is None:
                item = _Item(type_name, qn, info)
                items.append(item)
            if guid and guid not in item.incoming:
                item.incoming.append(guid)
                by_guid[guid] = item
            if qn is not None:
                item.qualified_name = qn
                by_key[(type_name, qn)] = item
            item.attributes.update(plain)
            item.rel_attrs.update(rels)
            item.raws.append(raw)
        return items

    def _identify(self, items: list[_Item]) -> None:
        real = [g for it in items for g in it.incoming if not is_placeholder(g)]
        found = {g: b for g, b in self.load(real).items() if b["status"] == "ACTIVE"}
        keys = [(it.type_name, it.qualified_name) for it in items if it.qualified_name is not None]
        by_key = self.find_active_many(keys)
        bodies = self.load(list(by_key.values()))
        for it in items:
            existing = next((found[g] for g in it.incoming if g in found), None)
            if existing is None and it.qualified_name is not None:
                g = by_key.get((it.type_name, it.qualified_name))
                existing = bodies.get(g) if g else None
            it.existing = existing
            it.guid = existing["guid"] if existing else str(uuid.uuid4())

    def _merge(self, it: _Item, collection_id: str | None, ts: int) -> Body:
        if collection_id is None:  # the 2023-09-01 API also accepts AtlasEntity.collectionId
            own = next((r["collectionId"] for r in reversed(it.raws) if r.get("collectionId")), None)
            collection_id = self.collections.require(str(own))["name"] if own else None
        if it.existing is not None:
            body = dict(it.existing)  # freshly decoded from SQLite: a shallow copy is enough
            body["attributes"] = {**body.get("attributes", {}), **it.attributes}
            body["updateTime"] = ts
            body["version"] = int(body.get("version", 0)) + 1
            if collection_id is not None:
                body["collectionId"] = collection_id
        else:
            body = {
                "typeName": it.type_name,
                "guid": it.guid,
                "attributes": dict(it.attributes),
                "status": "ACTIVE",
                "createdBy": "admin",
                "updatedBy": "admin",
                "createTime": ts,
                "updateTime": ts,
                "version": 0,
                "classifications": [],
                "labels": [],
                "collectionId": collection_id or self.collections.root_name,
            }
        for raw in it.raws:
            for key in _DIRECT_FIELDS:
                if key in raw and raw[key] is not None:
                    body[key] = raw[key]
        classes = [c for raw in it.raws for c in raw.get("classifications") or []]
        if classes:
            classes = self._check_classifications(classes, body)
            if it.existing is None or not self.options.bulk_classifications_new_only:
                body["classifications"] = [self._classification(c, it.guid) for c in classes]
        body["status"] = "ACTIVE"
        body["lastModifiedTS"] = str(body["version"] + 1)
        return body

    def _validate(self, items: list[_Item], bodies: list[Body]) -> None:
        enums = self.types.enums()
        for it, body in zip(items, bodies, strict=True):
            messages: list[str] = []
            attrs = body["attributes"]
            t = it.type_name
            for name in list(attrs):
                adef = it.info.attributes.get(name)
                if adef is None:
                    if self.options.strict_attributes:
                        raise atlas("UNKNOWN_ATTRIBUTE", name, t)
                    del attrs[name]  # Atlas drops attributes its type does not define
                    continue
                ok, value = check_value(adef.get("typeName", "string"), attrs[name], enums)
                if not ok:
                    messages.append(f"{t}.{name}: invalid value for type {adef.get('typeName')}")
                attrs[name] = value
            for name, adef in it.info.attributes.items():
                if not adef.get("isOptional", True) and attrs.get(name) in (None, ""):
                    messages.append(f"{t}.{name}: mandatory attribute value missing in type {t}")
            if messages:
                raise atlas("INSTANCE_CRUD_INVALID_PARAMS", ", ".join(messages))

    def _resolve_one(self, ref: Any, by_guid: dict[str, _Item], by_key: dict[tuple[str, Any], _Item]) -> str:
        if isinstance(ref, str):
            ref = {"guid": ref}
        if not isinstance(ref, dict):
            raise atlas("REFERENCED_ENTITY_NOT_FOUND", _object_id_text(ref))
        guid = ref.get("guid")
        if guid is not None and guid != "":
            guid = str(guid)
            if guid in by_guid:
                return by_guid[guid].guid
            if not is_placeholder(guid):
                head = self.header_rows([guid]).get(guid)
                if head is not None and head["status"] == "ACTIVE":
                    return guid
        type_name = ref.get("typeName")
        qn = (ref.get("uniqueAttributes") or {}).get("qualifiedName", ref.get("qualifiedName"))
        if type_name and qn is not None:
            if (type_name, qn) in by_key:
                return by_key[(type_name, qn)].guid
            for (t, q), it in by_key.items():
                if q == qn and type_name in it.info.ancestors and t != type_name:
                    return it.guid
            found = self.find_active(type_name, qn)
            if found:
                return found
        raise atlas("REFERENCED_ENTITY_NOT_FOUND", _object_id_text(ref))

    def _resolve_refs(
        self, it: _Item, by_guid: dict[str, _Item], by_key: dict[tuple[str, Any], _Item]
    ) -> list[tuple[RelEnd, list[str]]]:
        out: list[tuple[RelEnd, list[str]]] = []
        for name, value in it.rel_attrs.items():
            ends = it.info.rel_attrs[name]
            refs = [] if value is None else (value if isinstance(value, list) else [value])
            grouped: dict[str, list[str]] = {end.rel_type: [] for end in ends}
            for ref in refs:
                target = self._resolve_one(ref, by_guid, by_key)
                grouped[self._pick_end(ends, ref, target).rel_type].append(target)
            for end in ends:
                if len(ends) == 1 or grouped[end.rel_type] or not refs:
                    out.append((end, grouped[end.rel_type]))
        return out

    def _pick_end(self, ends: list[RelEnd], ref: Any, target: str) -> RelEnd:
        if len(ends) == 1:
            return ends[0]
        wanted = ref.get("relationshipType") if isinstance(ref, dict) else None
        for end in ends:
            if end.rel_type == wanted:
                return end
        head = self.header_rows([target]).get(target)
        ancestors = self.types.ancestors(head["typeName"]) if head else set()
        for end in ends:
            if end.other_type in ancestors:
                return end
        return ends[0]

    def _has_owner(self, child: str, end: RelEnd) -> bool:
        other_end = RelEnd(
            end.rel_type, 2 if end.my_end == 1 else 1, end.other_name, "SET", False, "", "", "", False
        )
        return bool(self.relations.of_end(child, other_end))

    # endregion

    # region reads
    def get(self, guid: str, *, ignore_relationships: bool = False, min_ext_info: bool = False) -> Body:
        body = self.load([guid]).get(guid)
        if body is None:
            raise atlas("INSTANCE_GUID_NOT_FOUND", guid)
        out, referred = self.render(
            [body], ignore_relationships=ignore_relationships, min_ext_info=min_ext_info
        )
        return {"referredEntities": referred, "entity": out[0]}

    def get_many(
        self, guids: list[str], *, ignore_relationships: bool = False, min_ext_info: bool = False
    ) -> Body:
        bodies = self.load(guids)
        missing = [g for g in guids if g not in bodies]
        if missing:
            raise atlas("INSTANCE_GUID_NOT_FOUND", missing[0])
        out, referred = self.render(
            [bodies[g] for g in dict.fromkeys(guids)],
            ignore_relationships=ignore_relationships,
            min_ext_info=min_ext_info,
        )
        return {"referredEntities": referred, "entities": out}

    def get_by_unique(self, type_name: str, qn: Any, **flags: bool) -> Body:
        return self.get(self.require_unique(type_name, qn), **flags)

    def get_many_by_unique(self, type_name: str, qns: list[Any], **flags: bool) -> Body:
        if not self.types.is_entity_type(type_name):
            raise atlas("TYPE_NAME_INVALID", "ENTITY", type_name)
        found = self.find_active_many([(type_name, q) for q in qns])
        guids = [found[(type_name, q)] for q in qns if (type_name, q) in found]
        if not guids:
            return {"referredEntities": {}}
        return self.get_many(guids, **flags)

    # endregion
