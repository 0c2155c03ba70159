"""Type definitions: the registry (seed + user typedefs), create/update/delete rules and value checks."""

from __future__ import annotations

import copy
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from localdev.purview.exceptions import AtlasError, atlas
from localdev.purview.seed_types import seed_typedefs
from localdev.purview.store import Store, dumps, loads

__all__ = ["CATEGORY_KEYS", "EntityInfo", "RelEnd", "TypeRegistry", "check_value"]

Def = dict[str, Any]

# AtlasTypesDef list key -> typedef category
CATEGORY_KEYS: dict[str, str] = {
    "enumDefs": "ENUM",
    "structDefs": "STRUCT",
    "classificationDefs": "CLASSIFICATION",
    "entityDefs": "ENTITY",
    "relationshipDefs": "RELATIONSHIP",
    "businessMetadataDefs": "BUSINESS_METADATA",
}
KEY_OF_CATEGORY = {v: k for k, v in CATEGORY_KEYS.items()}
# path segment of /types/{x}def/... -> category
PATH_CATEGORIES = {
    "entitydef": "ENTITY",
    "classificationdef": "CLASSIFICATION",
    "relationshipdef": "RELATIONSHIP",
    "enumdef": "ENUM",
    "structdef": "STRUCT",
    "businessmetadatadef": "BUSINESS_METADATA",
    "typedef": "",
}
PRIMITIVES = {
    "string",
    "int",
    "long",
    "short",
    "byte",
    "float",
    "double",
    "boolean",
    "date",
    "biginteger",
    "bigdecimal",
    "object",
}


@dataclass(frozen=True)
class RelEnd:
    """One end of a relationshipDef, seen from the entity type that carries its attribute."""

    rel_type: str
    my_end: int
    name: str
    cardinality: str
    is_container: bool
    category: str
    other_type: str
    other_name: str
    legacy: bool

    @property
    def many(self) -> bool:
        return self.cardinality in ("SET", "LIST")

    @property
    def owns(self) -> bool:
        """This end is the container of a COMPOSITION: dropped children get deleted."""
        return self.is_container and self.category == "COMPOSITION"


@dataclass
class EntityInfo:
    """Resolved view of an entity type: ancestors, attributes (inherited) and relationship attributes."""

    name: str
    ancestors: set[str]
    attributes: dict[str, Def]
    rel_attrs: dict[str, list[RelEnd]] = field(default_factory=dict)
    _shape: dict[str, bool] | None = None

    def rel_shape(self) -> dict[str, bool]:
        """Relationship attribute name -> whether it holds a list."""
        if self._shape is None:
            self._shape = {name: any(end.many for end in ends) for name, ends in self.rel_attrs.items()}
        return self._shape


def check_value(type_name: str, value: Any, enums: dict[str, set[str]]) -> tuple[bool, Any]:
    """Atlas-style lenient check of an attribute value; returns (ok, normalised value)."""
    if value is None:
        return True, None
    if type_name.startswith("array<"):
        if not isinstance(value, list):
            return False, value
        inner = type_name[6:-1]
        out = []
        for item in value:
            ok, norm = check_value(inner, item, enums)
            if not ok:
                return False, value
            out.append(norm)
        return True, out
    if type_name.startswith("map<"):
        return isinstance(value, dict), value
    if type_name in ("int", "long", "short", "byte", "date", "biginteger"):
        if isinstance(value, bool):
            return False, value
        if isinstance(value, int):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        if isinstance(value, str):
            try:
                return True, int(value)
            except ValueError:
                return False, value
        return False, value
    if type_name in ("float", "double", "bigdecimal"):
        if isinstance(value, bool):
            return False, value
        if isinstance(value, int | float):
            return True, value
        try:
            return True, float(value)
        except (TypeError, ValueError):
            return False, value
    if type_name == "boolean":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return True, value.lower() == "true"
        return False, value
    if type_name == "string":
        if isinstance(value, str):
            return True, value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, str(value)
        return False, value
    if type_name in enums:
        return (isinstance(value, str) and value in enums[type_name]), value
    return True, value


def _now_ms() -> int:
    return int(time.time() * 1000)


def _normalise_attr(attr: Def) -> Def:
    out = dict(attr)
    out.setdefault("typeName", "string")
    out.setdefault("isOptional", True)
    out.setdefault("cardinality", "SINGLE")
    out.setdefault("valuesMinCount", 0 if out["isOptional"] else 1)
    out.setdefault("valuesMaxCount", 1)
    out.setdefault("isUnique", False)
    out.setdefault("isIndexable", False)
    out.setdefault("includeInNotification", False)
    return out


class TypeRegistry:
    """All typedefs by name; seeded types in memory, user (and updated) typedefs persisted in SQLite."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.defs: dict[str, Def] = {}
        self._info: dict[str, EntityInfo] = {}
        self._enums: dict[str, set[str]] | None = None
        self._subtypes: dict[str, set[str]] = {}
        self._ancestors: dict[str, set[str]] = {}
        self.load()

    # region loading
    def load(self) -> None:
        self.defs = {}
        stamp = _now_ms()
        for key, defs in seed_typedefs().items():
            for d in defs:
                self.defs[d["name"]] = self._complete(d, CATEGORY_KEYS[key], stamp)
        for (body,) in self.store.execute("SELECT body FROM typedefs"):
            d = loads(body)
            self.defs[d["name"]] = d
        self._invalidate()

    def _invalidate(self) -> None:
        self._info = {}
        self._enums = None
        self._subtypes = {}
        self._ancestors = {}

    @staticmethod
    def _complete(d: Def, category: str, stamp: int) -> Def:
        out = copy.deepcopy(d)
        out["category"] = category
        out.setdefault("guid", str(uuid.uuid4()))
        out.setdefault("createdBy", "admin")
        out.setdefault("updatedBy", "admin")
        out.setdefault("createTime", stamp)
        out.setdefault("updateTime", stamp)
        out.setdefault("version", 1)
        out.setdefault("description", out["name"])
        out.setdefault("typeVersion", "1.0")
        out.setdefault("lastModifiedTS", "1")
        if category in ("ENTITY", "STRUCT", "CLASSIFICATION", "RELATIONSHIP", "BUSINESS_METADATA"):
            out["attributeDefs"] = [_normalise_attr(a) for a in out.get("attributeDefs") or []]
        if category in ("ENTITY", "CLASSIFICATION"):
            out["superTypes"] = list(out.get("superTypes") or [])
        if category == "CLASSIFICATION":
            out["entityTypes"] = list(out.get("entityTypes") or [])
        if category == "RELATIONSHIP":
            out.setdefault("relationshipCategory", "ASSOCIATION")
            out.setdefault("propagateTags", "NONE")
            for end in ("endDef1", "endDef2"):
                e = out.get(end) or {}
                e.setdefault("isContainer", False)
                e.setdefault("cardinality", "SINGLE")
                e.setdefault("isLegacyAttribute", False)
                out[end] = e
        if category == "ENUM":
            out["elementDefs"] = list(out.get("elementDefs") or [])
        return out

    # endregion

    # region lookups
    def get(self, name: str, category: str = "") -> Def | None:
        d = self.defs.get(name)
        if d is None or (category and d["category"] != category):
            return None
        return d

    def is_entity_type(self, name: str) -> bool:
        return self.get(name, "ENTITY") is not None

    def enums(self) -> dict[str, set[str]]:
        if self._enums is None:
            self._enums = {
                n: {e["value"] for e in d.get("elementDefs", [])}
                for n, d in self.defs.items()
                if d["category"] == "ENUM"
            }
        return self._enums

    def ancestors(self, name: str) -> set[str]:
        """``name`` and all its supertypes (cached until typedefs change; do not mutate the result)."""
        cached = self._ancestors.get(name)
        if cached is None:
            cached = self._ancestors[name] = self._walk_up(name)
        return cached

    def _walk_up(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = [name]
        while stack:
            cur = stack.pop()
            if cur in seen:
                continue
            seen.add(cur)
            d = self.defs.get(cur)
            if d:
                stack.extend(d.get("superTypes") or [])
        return seen

    def subtypes(self, name: str) -> set[str]:
        """``name`` and every type that has it as an ancestor (cached until typedefs change)."""
        cached = self._subtypes.get(name)
        if cached is None:
            category = d_cat(self.defs, name)
            cached = {
                n for n, d in self.defs.items() if d["category"] == category and name in self.ancestors(n)
            }
            self._subtypes[name] = cached
        return cached

    def entity_info(self, name: str) -> EntityInfo:
        info = self._info.get(name)
        if info is not None:
            return info
        ancestors = self.ancestors(name)
        attributes: dict[str, Def] = {}
        order = self._linearise(name)
        for type_name in reversed(order):
            for a in self.defs[type_name].get("attributeDefs") or []:
                attributes[a["name"]] = a
        info = EntityInfo(name, ancestors, attributes)
        for d in self.defs.values():
            if d["category"] != "RELATIONSHIP":
                continue
            e1, e2 = d["endDef1"], d["endDef2"]
            for my, mine, other in ((1, e1, e2), (2, e2, e1)):
                if mine.get("type") in ancestors and mine.get("name"):
                    end = RelEnd(
                        rel_type=d["name"],
                        my_end=my,
                        name=mine["name"],
                        cardinality=mine.get("cardinality", "SINGLE"),
                        is_container=bool(mine.get("isContainer")),
                        category=d.get("relationshipCategory", "ASSOCIATION"),
                        other_type=other.get("type", ""),
                        other_name=other.get("name", ""),
                        legacy=bool(mine.get("isLegacyAttribute")),
                    )
                    info.rel_attrs.setdefault(mine["name"], []).append(end)
        self._info[name] = info
        return info

    def _linearise(self, name: str) -> list[str]:
        """``name`` first, then its supertypes depth-first (nearest definitions win)."""
        out: list[str] = []
        stack = [name]
        while stack:
            cur = stack.pop(0)
            if cur in out or cur not in self.defs:
                continue
            out.append(cur)
            stack.extend(self.defs[cur].get("superTypes") or [])
        return out

    def relationship_end(self, rel_type: str, end: int) -> Def:
        end_def: Def = self.defs[rel_type]["endDef1" if end == 1 else "endDef2"]
        return end_def

    # endregion

    # region create / update / delete
    def _known_type(self, type_name: str, batch: dict[str, Def]) -> bool:
        if type_name in PRIMITIVES or type_name in self.defs or type_name in batch:
            return True
        if type_name.startswith("array<") and type_name.endswith(">"):
            return self._known_type(type_name[6:-1], batch)
        if type_name.startswith("map<") and type_name.endswith(">"):
            key, _, value = type_name[4:-1].partition(",")
            return self._known_type(key.strip(), batch) and self._known_type(value.strip(), batch)
        return False

    def _validate(self, d: Def, batch: dict[str, Def]) -> None:
        name = d.get("name")
        if not isinstance(name, str) or not name:
            raise atlas("INVALID_TYPE_DEFINITION", dumps(d)[:200])
        for sup in d.get("superTypes") or []:
            if sup not in self.defs and sup not in batch:
                raise atlas("TYPE_NAME_NOT_FOUND", sup)
        for a in d.get("attributeDefs") or []:
            if not self._known_type(a.get("typeName", "string"), batch):
                raise atlas("TYPE_NAME_NOT_FOUND", a.get("typeName"))
        if d["category"] == "RELATIONSHIP":
            for end in ("endDef1", "endDef2"):
                end_type = (d.get(end) or {}).get("type")
                if not end_type or (end_type not in self.defs and end_type not in batch):
                    raise atlas("TYPE_NAME_NOT_FOUND", end_type)
        for et in d.get("entityTypes") or []:
            if et not in self.defs and et not in batch:
                raise atlas("TYPE_NAME_NOT_FOUND", et)

    def _flatten(self, payload: dict[str, Any]) -> list[Def]:
        out = []
        for key, category in CATEGORY_KEYS.items():
            for d in payload.get(key) or []:
                if not isinstance(d, dict):
                    raise atlas("BAD_REQUEST", f"invalid {key} entry")
                out.append({**d, "category": category})
        return out

    def _save(self, defs: list[Def]) -> dict[str, list[Def]]:
        result: dict[str, list[Def]] = {k: [] for k in CATEGORY_KEYS}
        with self.store.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO typedefs(name, category, body) VALUES (?, ?, ?)",
                [(d["name"], d["category"], dumps(d)) for d in defs],
            )
        for d in defs:
            self.defs[d["name"]] = d
        self._invalidate()
        for d in defs:
            result[KEY_OF_CATEGORY[d["category"]]].append(self.render(d))
        return result

    def create(self, payload: dict[str, Any]) -> dict[str, list[Def]]:
        stamp = _now_ms()
        incoming = self._flatten(payload)
        batch = {d.get("name", ""): d for d in incoming}
        for d in incoming:
            if d.get("name") in self.defs:
                raise atlas("TYPE_ALREADY_EXISTS", d["name"])
            self._validate(d, batch)
        return self._save([self._complete(d, d["category"], stamp) for d in incoming])

    def update(self, payload: dict[str, Any]) -> dict[str, list[Def]]:
        stamp = _now_ms()
        incoming = self._flatten(payload)
        batch = {d.get("name", ""): d for d in incoming}
        out = []
        for d in incoming:
            old = self.defs.get(d.get("name", ""))
            if old is None or old["category"] != d["category"]:
                raise atlas("TYPE_NAME_NOT_FOUND", d.get("name"))
            self._validate(d, batch)
            old_attrs = {a["name"] for a in old.get("attributeDefs") or []}
            new_attrs = {a.get("name"): a for a in d.get("attributeDefs") or []}
            if d["category"] in ("ENTITY", "STRUCT", "CLASSIFICATION"):
                for missing in sorted(old_attrs - set(new_attrs)):
                    raise atlas("ATTRIBUTE_DELETION_NOT_SUPPORTED", d["name"], missing)
                for added in sorted(set(new_attrs) - old_attrs):
                    if new_attrs[added].get("isOptional") is False:
                        raise atlas("CANNOT_ADD_MANDATORY_ATTRIBUTE", d["name"], added)
                if set(old.get("superTypes") or []) - set(d.get("superTypes") or []):
                    raise atlas("SUPERTYPE_REMOVAL_NOT_SUPPORTED")
            new = self._complete(
                {k: v for k, v in d.items() if k not in ("guid", "createTime")}, d["category"], stamp
            )
            new.update(
                guid=old["guid"],
                createTime=old["createTime"],
                createdBy=old.get("createdBy", "admin"),
                updateTime=stamp,
                version=int(old.get("version", 1)) + 1,
                lastModifiedTS=str(int(old.get("lastModifiedTS", "1")) + 1),
            )
            out.append(new)
        return self._save(out)

    def delete(self, payload: dict[str, Any]) -> None:
        names = [d.get("name", "") for d in self._flatten(payload)]
        for name in names:
            self.delete_one(name, batch=set(names))

    def delete_one(self, name: str, *, batch: set[str] | None = None) -> None:
        d = self.defs.get(name)
        if d is None:
            raise atlas("TYPE_NAME_NOT_FOUND", name)
        others = batch or {name}
        if d["category"] == "ENTITY":
            row = self.store.execute("SELECT 1 FROM entities WHERE type_name = ? LIMIT 1", (name,)).fetchone()
            if row is not None:
                raise atlas("TYPE_HAS_REFERENCES", name)
            for other in self.defs.values():
                if other["name"] in others:
                    continue
                if name in (other.get("superTypes") or []):
                    raise atlas("TYPE_HAS_REFERENCES", name)
                if other["category"] == "RELATIONSHIP" and name in (
                    other["endDef1"].get("type"),
                    other["endDef2"].get("type"),
                ):
                    raise AtlasError(
                        409, "ATLAS-409-00-005", f"Given type {name} has associated relationshipDefs"
                    )
        if d["category"] == "CLASSIFICATION":
            like = f'%"typeName":"{name}"%'
            row = self.store.execute(
                "SELECT 1 FROM entities WHERE status = 'ACTIVE' AND body LIKE ? LIMIT 1", (like,)
            ).fetchone()
            if row is not None:
                raise atlas("TYPE_HAS_REFERENCES", name)
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM typedefs WHERE name = ?", (name,))
        del self.defs[name]
        self._invalidate()

    # endregion

    # region reads
    def all(self, type_filter: str | None = None) -> dict[str, list[Def]]:
        out: dict[str, list[Def]] = {k: [] for k in CATEGORY_KEYS}
        wanted = (type_filter or "").upper().replace("_DEF", "")
        for d in sorted(self.defs.values(), key=lambda x: x["name"]):
            if wanted and d["category"] != wanted:
                continue
            out[KEY_OF_CATEGORY[d["category"]]].append(self.render(d))
        return out

    def headers(self) -> list[dict[str, str]]:
        return [
            {"guid": d["guid"], "name": d["name"], "category": d["category"]}
            for d in sorted(self.defs.values(), key=lambda x: x["name"])
        ]

    def render(self, d: Def) -> Def:
        out = dict(d)
        if d["category"] in ("ENTITY", "CLASSIFICATION"):
            out["subTypes"] = sorted(
                n for n, o in self.defs.items() if d["name"] in (o.get("superTypes") or [])
            )
        if d["category"] == "ENTITY":
            info = self.entity_info(d["name"])
            out["relationshipAttributeDefs"] = [
                {
                    **_normalise_attr(
                        {
                            "name": end.name,
                            "typeName": f"array<{end.other_type}>" if end.many else end.other_type,
                            "cardinality": end.cardinality,
                        }
                    ),
                    "relationshipTypeName": end.rel_type,
                    "isLegacyAttribute": end.legacy,
                }
                for ends in info.rel_attrs.values()
                for end in ends
            ]
        return out

    def find(self, *, name: str | None = None, guid: str | None = None, category: str = "") -> Def:
        if name is not None:
            d = self.get(name, category)
            if d is None:
                raise atlas("TYPE_NAME_NOT_FOUND", name)
            return self.render(d)
        for d in self.defs.values():
            if d["guid"] == guid and (not category or d["category"] == category):
                return self.render(d)
        raise atlas("TYPE_GUID_NOT_FOUND", guid)

    # endregion


def d_cat(defs: dict[str, Def], name: str) -> str:
    d = defs.get(name)
    return d["category"] if d else ""
