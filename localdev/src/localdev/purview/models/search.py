"""Discovery search (``/catalog/api/search/query`` and ``/datamap/api/search/query``).

Keywords match name, qualifiedName, description and other attribute text (any keyword; the score counts the
matches). Filters: and/or/not, entityType (+includeSubTypes), objectType, collectionId, classification,
term/termGuid, label, assetType, glossaryType, contactId, fileExtension, id, and attributeName/operator/
attributeValue. Paging with offset (legacy) or continuationToken (current API).
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from localdev.purview.exceptions import AccountError
from localdev.purview.models.entity_rows import EntityRows
from localdev.purview.models.relationships import Relationships
from localdev.purview.models.typedefs import TypeRegistry
from localdev.purview.store import Store, loads

__all__ = ["Search", "object_type"]

Doc = dict[str, Any]
MAX_LIMIT = 1000
MAX_OFFSET = 100_000


def object_type(type_name: str, ancestors: set[str]) -> str:
    """Purview's search ``objectType`` bucket for an entity type (heuristic over the type name)."""
    name = type_name.lower()
    rules = [
        (("atlasglossary",), "Glossary terms"),
        (("stored_procedure", "storedprocedure"), "Stored procedures"),
        (("_report",), "Reports"),
        (("_dashboard",), "Dashboards"),
        (("_column",), "Columns"),
        (("_table", "_view"), "Tables"),
        (("_path", "_object", "_resource_set", "_file"), "Files"),
        (("_directory", "_container", "_filesystem", "_bucket", "_folder"), "Folders"),
        (("_db", "_database"), "Databases"),
        (("_schema",), "Schemas"),
        (("pipeline", "_activity", "_process"), "Data pipelines"),
    ]
    for needles, label in rules:
        if any(n in name for n in needles):
            return label
    if name == "column":
        return "Columns"
    if "Process" in ancestors:
        return "Data pipelines"
    return "Others"


def _bad(message: str) -> AccountError:
    return AccountError(400, "BadRequest", message)


class Search:
    """Evaluates search queries over ACTIVE entities and glossary objects."""

    def __init__(
        self, store: Store, types: TypeRegistry, entities: EntityRows, relations: Relationships
    ) -> None:
        self.store = store
        self.types = types
        self.entities = entities
        self.relations = relations

    # region documents
    def _doc(self, body: dict[str, Any], collection: str | None) -> Doc:
        t = body["typeName"]
        types = self.types
        if t in {"AtlasGlossaryTerm", "AtlasGlossary"}:
            doc: Doc = {
                "objectType": "Glossary terms",
                "glossaryType": t,
                "id": body["guid"],
                "name": body.get("name"),
                "qualifiedName": body.get("qualifiedName"),
                "longDescription": body.get("longDescription"),
                "createTime": body.get("createTime"),
                "updateTime": body.get("updateTime"),
                "entityType": t,
            }
            if t == "AtlasGlossaryTerm":
                doc["glossary"] = str(body.get("qualifiedName", "")).rsplit("@", 1)[-1]
                doc["termStatus"] = body.get("status")
            return doc
        attrs = body.get("attributes") or {}
        d = types.get(t) or {}
        ancestors = types.ancestors(t)
        contacts = [
            {"id": c.get("id"), "info": c.get("info"), "contactType": kind}
            for kind, items in (body.get("contacts") or {}).items()
            for c in items or []
        ]
        return {
            "id": body["guid"],
            "qualifiedName": attrs.get("qualifiedName"),
            "name": attrs.get("name"),
            "description": attrs.get("userDescription") or attrs.get("description"),
            "owner": attrs.get("owner"),
            "entityType": t,
            "objectType": object_type(t, ancestors),
            "classification": [c["typeName"] for c in body.get("classifications") or []],
            "label": list(body.get("labels") or []),
            "term": [],
            "contact": contacts,
            "assetType": [d.get("serviceType") or t],
            "collectionId": collection,
            "createTime": body.get("createTime"),
            "updateTime": body.get("updateTime"),
            "_attributes": attrs,
            "_ancestors": ancestors,
        }

    def _attach_terms(self, docs: list[Doc]) -> None:
        guids = [d["id"] for d in docs if "_attributes" in d]
        rels = [r for r in self.relations.touching(guids) if r.type_name == "AtlasGlossarySemanticAssignment"]
        heads = self.entities.header_rows([r.end1 for r in rels])
        by_entity: dict[str, list[Doc]] = {}
        for r in rels:
            h = heads.get(r.end1)
            if h is not None:
                term = {
                    "name": h["name"],
                    "glossaryName": str(h["qualifiedName"]).rsplit("@", 1)[-1],
                    "guid": r.end1,
                }
                by_entity.setdefault(r.end2, []).append(term)
        for d in docs:
            if d["id"] in by_entity:
                d["term"] = by_entity[d["id"]]

    # endregion

    # region filters
    def _match(self, f: Any, doc: Doc) -> bool:
        if not isinstance(f, dict):
            raise _bad("Invalid filter: each filter must be a JSON object.")
        f = {k: v for k, v in f.items() if k != "kind"}
        if "and" in f:
            return all(self._match(x, doc) for x in f["and"])
        if "or" in f:
            return any(self._match(x, doc) for x in f["or"])
        if "not" in f:
            return not self._match(f["not"], doc)
        if "attributeName" in f:
            return self._match_attribute(f, doc)
        simple: dict[str, Callable[[Any], bool]] = {
            "objectType": lambda v: doc.get("objectType") == v,
            "collectionId": lambda v: doc.get("collectionId") == str(v).lower(),
            "label": lambda v: v in doc.get("label", []),
            "assetType": lambda v: v in doc.get("assetType", []),
            "glossaryType": lambda v: doc.get("glossaryType") == v,
            "id": lambda v: doc["id"] == v,
            "guid": lambda v: doc["id"] == v,
            "contactId": lambda v: any(c.get("id") == v for c in doc.get("contact", [])),
            "fileExtension": lambda v: (
                str(doc.get("qualifiedName") or "").lower().endswith("." + str(v).lower())
            ),
            "termGuid": lambda v: any(t["guid"] == v for t in doc.get("term", [])),
        }
        for key, test in simple.items():
            if key in f:
                return bool(test(f[key]))
        if "entityType" in f:
            wanted = f["entityType"]
            if isinstance(wanted, dict):
                wanted = wanted.get("type") or wanted.get("name")
            if f.get("includeSubTypes"):
                return bool(wanted in doc.get("_ancestors", {doc.get("entityType")}))
            return bool(doc.get("entityType") == wanted)
        if "classification" in f:
            wanted = f["classification"]
            if f.get("includeSubClassifications"):
                return any(wanted in self.types.ancestors(c) for c in doc.get("classification", []))
            return wanted in doc.get("classification", [])
        if "term" in f:
            glossary = f.get("glossary")
            return any(
                t["name"] == f["term"] and (glossary is None or t["glossaryName"] == glossary)
                for t in doc.get("term", [])
            )
        raise _bad(f"Invalid filter: unsupported filter {json.dumps(f)[:200]}")

    @staticmethod
    def _match_attribute(f: dict[str, Any], doc: Doc) -> bool:
        name = f["attributeName"]
        op = str(f.get("operator") or "eq").lower()
        want = f.get("attributeValue")
        attrs = doc.get("_attributes") or {}
        have = doc.get(name) if name in doc and name not in ("_attributes",) else attrs.get(name)
        if isinstance(have, list):
            return any(Search._match_attribute({**f, "attributeName": "_v"}, {"_v": h}) for h in have)
        if op == "eq":
            return have == want or str(have).lower() == str(want).lower()
        if op == "ne":
            return not (have == want or str(have).lower() == str(want).lower())
        if have is None:
            return False
        text, needle = str(have).lower(), str(want).lower()
        if op == "contains":
            return needle in text
        if op == "startswith":
            return text.startswith(needle)
        if op == "endswith":
            return text.endswith(needle)
        left: Any = text
        right: Any = needle
        with contextlib.suppress(TypeError, ValueError):
            left, right = float(have), float(str(want))
        compare = {"gt": left > right, "lt": left < right, "ge": left >= right, "le": left <= right}
        if op in compare:
            return bool(compare[op])
        raise _bad(f"Invalid filter: unsupported operator {op}")

    # endregion

    # region query
    @staticmethod
    def _sql_filter(f: Any) -> tuple[list[str], list[Any], bool]:
        """SQL conditions implied by top-level AND clauses, and whether they are the whole filter."""
        where = ["status = 'ACTIVE'", "type_name != 'AtlasGlossaryCategory'"]
        params: list[Any] = []
        if f is None:
            return where, params, True
        clauses = f.get("and", [f]) if isinstance(f, dict) and set(f) <= {"and", "kind"} else [f]
        if isinstance(f, dict) and "and" not in f:
            clauses = [f]
        exact = True
        for clause in clauses:
            c = {k: v for k, v in clause.items() if k != "kind"} if isinstance(clause, dict) else None
            if c is not None and set(c) == {"collectionId"} and isinstance(c["collectionId"], str):
                where.append("collection_id = ?")
                params.append(c["collectionId"].lower())
            elif c is not None and set(c) == {"entityType"} and isinstance(c["entityType"], str):
                where.append("type_name = ?")
                params.append(c["entityType"])
            else:
                exact = False
        return where, params, exact

    def _candidates(self, keywords: list[str], where: list[str], params: list[Any]) -> list[Doc]:
        where = list(where)
        params = list(params)
        if keywords:
            where.append("(" + " OR ".join("body LIKE ?" for _ in keywords) + ")")
            params += [f"%{k}%" for k in keywords]
        sql = f"SELECT type_name, collection_id, body FROM entities WHERE {' AND '.join(where)}"
        return [self._row_doc(*row) for row in self.store.execute(sql, params)]

    def _row_doc(self, type_name: str, collection: str | None, body: str) -> Doc:
        glossary = type_name in ("AtlasGlossary", "AtlasGlossaryTerm")
        return self._doc(loads(body), None if glossary else collection)

    def _fast_page(
        self, where: list[str], params: list[Any], offset: int, limit: int
    ) -> tuple[int, list[Doc]]:
        """Filter fully expressed in SQL, no keywords: count and fetch only the page (fast at 1M entities)."""
        clause = " AND ".join(where)
        (count,) = self.store.execute(f"SELECT COUNT(*) FROM entities WHERE {clause}", params).fetchone()
        rows = self.store.execute(
            f"SELECT type_name, collection_id, body FROM entities WHERE {clause} "
            "ORDER BY COALESCE(name, ''), guid LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        docs = [self._row_doc(*row) for row in rows]
        for d in docs:
            d["@search.score"] = 1.0
        return int(count), docs

    @staticmethod
    def _score(doc: Doc, keywords: list[str]) -> float:
        if not keywords:
            return 1.0
        fields = [
            doc.get("name"),
            doc.get("qualifiedName"),
            doc.get("description"),
            doc.get("longDescription"),
        ]
        fields += [v for v in (doc.get("_attributes") or {}).values() if isinstance(v, str)]
        text = " ".join(str(x) for x in fields if x).lower()
        score = float(sum(1 for k in keywords if k.lower() in text))
        if score and any(str(doc.get("name") or "").lower() == k.lower() for k in keywords):
            score += 1.0
        return score

    def query(self, request: Any, *, continuation: bool) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise _bad("The request body must be a JSON object.")
        limit = int(request.get("limit") or 50)
        if limit < 1 or limit > MAX_LIMIT:
            raise _bad(f"limit must be between 1 and {MAX_LIMIT}.")
        offset = int(request.get("offset") or 0)
        token = request.get("continuationToken")
        if token:
            try:
                offset = int(json.loads(base64.b64decode(token))["offset"])
            except (ValueError, KeyError, TypeError) as exc:
                raise _bad("Invalid continuationToken.") from exc
        if offset < 0 or offset > MAX_OFFSET:
            raise _bad(f"offset must be between 0 and {MAX_OFFSET}.")
        raw = request.get("keywords")
        keywords = [] if raw in (None, "", "*") else [k for k in str(raw).replace("*", " ").split() if k]
        f = request.get("filter")
        facets = request.get("facets") or []
        where, params, exact = self._sql_filter(f)
        if exact and not keywords and not facets and not request.get("orderby"):
            total, window = self._fast_page(where, params, offset, limit)
            return self._answer(total, window, offset, limit, continuation)
        docs = self._candidates(keywords, where, params)
        term_facet = any(isinstance(x, dict) and x.get("facet") == "term" for x in facets)
        if term_facet or (f is not None and _mentions(f, ("term", "termGuid"))):
            self._attach_terms(docs)
        matched = []
        for doc in docs:
            score = self._score(doc, keywords)
            if score <= 0 or (f is not None and not self._match(f, doc)):
                continue
            doc["@search.score"] = score
            matched.append(doc)
        matched.sort(key=lambda d: (-d["@search.score"], str(d.get("name") or ""), d["id"]))
        for order in reversed(request.get("orderby") or []):
            if isinstance(order, dict):
                for field, direction in order.items():
                    matched.sort(key=_sort_key(field), reverse=str(direction).upper() == "DESC")
        out = self._answer(len(matched), matched[offset : offset + limit], offset, limit, continuation)
        if facets:
            out["@search.facets"] = self._facets(facets, matched)
        return out

    def _answer(
        self, total: int, window: list[Doc], offset: int, limit: int, continuation: bool
    ) -> dict[str, Any]:
        self._attach_terms(window)
        out: dict[str, Any] = {
            "@search.count": total,
            "@search.count.approximate": False,
            "value": [{k: v for k, v in d.items() if not k.startswith("_")} for d in window],
        }
        if continuation and offset + limit < total:
            token = json.dumps({"offset": offset + limit}).encode()
            out["continuationToken"] = base64.b64encode(token).decode()
        return out

    @staticmethod
    def _facets(facets: list[Any], docs: list[Doc]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for spec in facets:
            if not isinstance(spec, dict) or "facet" not in spec:
                continue
            name = spec["facet"]
            counts: Counter[str] = Counter()
            for d in docs:
                value = d.get(name)
                for item in value if isinstance(value, list) else [value]:
                    v = (item.get("name") or item.get("id")) if isinstance(item, dict) else item
                    if v is not None:
                        counts[str(v)] += 1
            top = counts.most_common(int(spec.get("count") or 10) or None)
            out[name] = [{"count": c, "value": v} for v, c in top]
        return out

    # endregion


def _sort_key(field: str) -> Callable[[Doc], str]:
    return lambda d: str(d.get(field) or "")


def _mentions(f: Any, keys: tuple[str, ...]) -> bool:
    if isinstance(f, dict):
        return any(k in f for k in keys) or any(_mentions(v, keys) for v in f.values())
    if isinstance(f, list):
        return any(_mentions(x, keys) for x in f)
    return False
