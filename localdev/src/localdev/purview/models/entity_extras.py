"""Per-entity operations: classifications, labels, partial updates and deletes by guid or unique attribute."""

from __future__ import annotations

from typing import Any

from localdev.purview.exceptions import AtlasError, atlas
from localdev.purview.models.entity_core import EntityCore
from localdev.purview.models.typedefs import check_value
from localdev.purview.store import dumps

__all__ = ["EntityExtras"]

Body = dict[str, Any]


class EntityExtras(EntityCore):
    """Classification, label and partial-update operations on stored entities."""

    def _classification(self, c: Body, guid: str) -> Body:
        return {
            "typeName": c["typeName"],
            "attributes": dict(c.get("attributes") or {}),
            "entityGuid": guid,
            "entityStatus": "ACTIVE",
            "propagate": False,
            "removePropagationsOnEntityDelete": False,
            "validityPeriods": list(c.get("validityPeriods") or []),
        }

    def _save(self, body: Body, ts: int) -> None:
        body["updateTime"] = ts
        body["version"] = int(body.get("version", 0)) + 1
        body["lastModifiedTS"] = str(body["version"] + 1)
        attrs = body.get("attributes") or {}
        self.store.execute(
            "UPDATE entities SET body = ?, update_time = ?, qualified_name = ?, name = ? WHERE guid = ?",
            (dumps(body), ts, attrs.get("qualifiedName"), attrs.get("name"), body["guid"]),
        )

    def _check_classifications(self, classifications: Any, body: Body) -> list[Body]:
        """Typedef exists, the entity type is allowed (``entityTypes``), attributes valid (normalised)."""
        if not isinstance(classifications, list):
            raise atlas("BAD_REQUEST", "a list of classifications is required")
        types = self.types
        out = []
        for c in classifications:
            name = c.get("typeName") if isinstance(c, dict) else None
            d = types.get(name, "CLASSIFICATION") if name else None
            if d is None:
                raise atlas("CLASSIFICATION_NOT_FOUND", name)
            allowed = {
                t for n in types.ancestors(d["name"]) for t in (types.get(n) or {}).get("entityTypes") or []
            }
            if allowed and not allowed & types.ancestors(body["typeName"]):
                q = "\u2018"  # Atlas quotes these names with U+2018 on both sides
                raise AtlasError(
                    400,
                    "ATLAS-400-00-055",
                    f"Entity (guid={q}{body['guid']}{q},typename={q}{body['typeName']}{q}) cannot be "
                    f"classified by Classification {q}{name}{q}, because {q}{body['typeName']}{q} is not in "
                    "the ClassificationDef's restrictions.",
                )
            out.append({**c, "attributes": self._classification_attributes(d, c.get("attributes") or {})})
        return out

    def _classification_attributes(self, d: Body, given: Any) -> Body:
        if not isinstance(given, dict):
            raise atlas("BAD_REQUEST", "classification attributes must be an object")
        defs = {
            a["name"]: a
            for n in self.types.ancestors(d["name"])
            for a in (self.types.get(n) or {}).get("attributeDefs") or []
        }
        out: Body = {}
        messages = []
        for name, adef in defs.items():
            ok, value = check_value(adef.get("typeName", "string"), given.get(name), self.types.enums())
            if not ok:
                messages.append(f"{d['name']}.{name}: invalid value for type {adef.get('typeName')}")
            if value is None and not adef.get("isOptional", True):
                messages.append(f"{d['name']}.{name}: mandatory attribute value missing in type {d['name']}")
            if name in given:
                out[name] = value
        if messages:
            raise atlas("INSTANCE_CRUD_INVALID_PARAMS", ", ".join(messages))
        return out

    # region classifications
    def add_classifications(self, guid: str, classifications: Any, ts: int) -> None:
        body = self.require(guid)
        current = body.setdefault("classifications", [])
        for c in self._check_classifications(classifications, body):
            if any(x["typeName"] == c["typeName"] for x in current):
                raise atlas("CLASSIFICATION_ALREADY_ASSOCIATED", guid, c["typeName"])
            current.append(self._classification(c, guid))
        self._save(body, ts)

    def update_classifications(self, guid: str, classifications: Any, ts: int) -> None:
        body = self.require(guid)
        current = body.setdefault("classifications", [])
        for c in self._check_classifications(classifications, body):
            index = next((i for i, x in enumerate(current) if x["typeName"] == c["typeName"]), None)
            if index is None:
                raise atlas("CLASSIFICATION_NOT_ASSOCIATED_WITH_ENTITY", c["typeName"])
            current[index] = self._classification(c, guid)
        self._save(body, ts)

    def remove_classification(self, guid: str, name: str, ts: int) -> None:
        body = self.require(guid)
        if self.types.get(name, "CLASSIFICATION") is None:
            raise atlas("CLASSIFICATION_NOT_FOUND", name)
        current = body.get("classifications") or []
        kept = [c for c in current if c["typeName"] != name]
        if len(kept) == len(current):
            raise atlas("CLASSIFICATION_NOT_ASSOCIATED_WITH_ENTITY", name)
        body["classifications"] = kept
        self._save(body, ts)

    def list_classifications(self, guid: str) -> Body:
        current = self.require(guid).get("classifications") or []
        return {
            "list": current,
            "pageSize": len(current),
            "sortBy": "name",
            "sortType": "NONE",
            "startIndex": 0,
            "totalCount": len(current),
        }

    def get_classification(self, guid: str, name: str) -> Body:
        for c in self.require(guid).get("classifications") or []:
            if c["typeName"] == name:
                return dict(c)
        raise atlas("CLASSIFICATION_NOT_FOUND", name)

    def classify_many(self, classification: Any, guids: Any, ts: int) -> None:
        if not isinstance(guids, list) or not guids:
            raise atlas("INVALID_PARAMETERS", "entityGuids")
        for guid in guids:
            self.add_classifications(str(guid), [classification], ts)

    def set_classifications(self, guid_header_map: Any, ts: int) -> list[str]:
        if not isinstance(guid_header_map, dict):
            raise atlas("INVALID_PARAMETERS", "guidHeaderMap")
        done = []
        for guid, header in guid_header_map.items():
            body = self.require(guid)
            classes = self._check_classifications((header or {}).get("classifications") or [], body)
            body["classifications"] = [self._classification(c, guid) for c in classes]
            self._save(body, ts)
            done.append(guid)
        return done

    # endregion

    # region labels and partial updates
    def change_labels(self, guid: str, labels: Any, mode: str, ts: int) -> None:
        body = self.require(guid)
        if labels is not None and not isinstance(labels, list):
            raise atlas("BAD_REQUEST", "labels must be a list of strings")
        given = [str(x) for x in labels or []]
        current = list(body.get("labels") or [])
        if mode == "set":
            current = given
        elif mode == "add":
            current += [x for x in given if x not in current]
        else:
            current = [x for x in current if x not in given]
        body["labels"] = current
        self._save(body, ts)

    def partial_update(self, guid: str, name: str, value: Any, ts: int) -> Body:
        body = self.require(guid)
        info = self.types.entity_info(body["typeName"])
        if name not in info.attributes:
            raise atlas("BAD_REQUEST", f"Invalid attribute {name} for partial update of {body['typeName']}")
        body.setdefault("attributes", {})[name] = value
        self._save(body, ts)
        head = self.header(body)
        return {"mutatedEntities": {"PARTIAL_UPDATE": [head]}, "partialUpdatedEntities": [head]}

    # endregion

    # region deletes
    def delete_api(self, guids: list[str], ts: int) -> Body:
        deleted = self.delete(guids, ts)
        return {"mutatedEntities": {"DELETE": deleted}} if deleted else {}

    # endregion
