"""A small read-only HTML view of what the emulator holds, to look at the result of a sync.

``/``: counts by type, the collection tree, glossaries and an asset list (filter by keyword, type and
collection). ``/browse/entity/{guid}``: one asset with attributes, columns, terms, classifications, other
relationships and one hop of lineage. ``/browse/glossary/{guid}``: a glossary's term tree.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from localdev.purview.exceptions import PurviewEmulatorError
from localdev.purview.responses import BaseResponses

__all__ = ["BrowseResponses"]

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;
vertical-align:top}th{background:#f3f3f3}a{color:#0b5cad;text-decoration:none}code{font-size:.9em}
.muted{color:#777}.tag{background:#eef;border-radius:3px;padding:0 4px;margin-right:4px}ul{margin:.2em 0}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _page(title: str, body: str) -> web.Response:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title><style>{STYLE}</style>"
        f"</head><body><p><a href='/'>Purview emulator</a></p><h1>{_e(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=html, content_type="text/html")


def _link(guid: str, text: Any) -> str:
    return f"<a href='/browse/entity/{_e(guid)}'>{_e(text)}</a>"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p class='muted'>none</p>"
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


class BrowseResponses(BaseResponses):
    """``/`` and ``/browse/...`` pages (operator routes: never throttled or counted)."""

    # region index
    async def index(self, request: web.Request) -> web.Response:
        q = request.query
        keyword, type_name, collection = q.get("q", ""), q.get("type", ""), q.get("collection", "")
        with self.backend.lock:
            counts = self.backend.entity_counts()
            collections, _ = self.backend.collections.page(0, 1000)
            glossaries = self.backend.glossary.all_glossaries()
            per_collection = dict(
                self.backend.store.execute(
                    "SELECT collection_id, COUNT(*) FROM entities WHERE status = 'ACTIVE' "
                    "AND collection_id IS NOT NULL GROUP BY collection_id"
                ).fetchall()
            )
            assets = self._assets(keyword, type_name, collection)
        parts = [f"<p class='muted'>account <b>{_e(self.backend.options.account_name)}</b></p>"]
        parts.append("<h2>Assets by type</h2>")
        parts.append(
            _table(
                ["type", "count"],
                [[f"<a href='/?type={_e(t)}'>{_e(t)}</a>", str(n)] for t, n in sorted(counts.items())],
            )
        )
        parts.append("<h2>Collections</h2>" + self._collection_tree(collections, per_collection))
        parts.append("<h2>Glossaries</h2><ul>")
        parts += [
            f"<li><a href='/browse/glossary/{_e(g['guid'])}'>{_e(g['name'])}</a></li>" for g in glossaries
        ]
        parts.append("</ul><h2>Assets</h2>")
        parts.append(
            f"<form method='get'>keyword <input name='q' value='{_e(keyword)}'> "
            f"type <input name='type' value='{_e(type_name)}'> "
            f"collection <input name='collection' value='{_e(collection)}'> <button>filter</button></form>"
        )
        rows = [
            [_link(g, name or qn), _e(t), f"<code>{_e(qn)}</code>", _e(coll)]
            for g, t, qn, name, coll in assets
        ]
        parts.append(_table(["name", "type", "qualifiedName", "collection"], rows))
        if len(assets) == 200:
            parts.append("<p class='muted'>first 200 shown</p>")
        return _page("Purview emulator", "".join(parts))

    def _assets(self, keyword: str, type_name: str, collection: str) -> list[tuple[Any, ...]]:
        where = ["status = 'ACTIVE'", "type_name NOT IN ('AtlasGlossary', 'AtlasGlossaryTerm')"]
        params: list[Any] = []
        if keyword:
            where.append("(name LIKE ? OR qualified_name LIKE ?)")
            params += [f"%{keyword}%", f"%{keyword}%"]
        if type_name:
            where.append("type_name = ?")
            params.append(type_name)
        if collection:
            where.append("collection_id = ?")
            params.append(collection.lower())
        sql = (
            "SELECT guid, type_name, qualified_name, name, collection_id FROM entities "
            f"WHERE {' AND '.join(where)} ORDER BY type_name, qualified_name LIMIT 200"
        )
        return [tuple(r) for r in self.backend.store.execute(sql, params).fetchall()]

    @staticmethod
    def _collection_tree(collections: list[dict[str, Any]], counts: dict[str, int]) -> str:
        children: dict[str | None, list[dict[str, Any]]] = {}
        for c in collections:
            parent = (c.get("parentCollection") or {}).get("referenceName")
            children.setdefault(parent, []).append(c)

        def render(parent: str | None) -> str:
            items = []
            for c in children.get(parent, []):
                label = f"<a href='/?collection={_e(c['name'])}'>{_e(c['friendlyName'])}</a>"
                count = counts.get(c["name"], 0)
                items.append(
                    f"<li>{label} <span class='muted'>({_e(c['name'])}, {count} assets)</span>"
                    f"{render(c['name'])}</li>"
                )
            return f"<ul>{''.join(items)}</ul>" if items else ""

        return render(None)

    # endregion

    # region entity
    async def entity(self, request: web.Request) -> web.Response:
        guid = request.match_info["guid"]
        try:
            with self.backend.lock:
                data = self.backend.entities.get(guid)
                lineage = self._one_hop(guid)
        except PurviewEmulatorError:
            return _page("Not found", f"<p>No entity {_e(guid)}.</p>")
        e = data["entity"]
        attrs = e.get("attributes") or {}
        rel = e.get("relationshipAttributes") or {}
        parts = [
            f"<p>{_e(e['typeName'])} · <code>{_e(attrs.get('qualifiedName'))}</code>"
            f" · status {_e(e.get('status'))} · collection {_e(e.get('collectionId'))}</p>"
        ]
        simple = {k: v for k, v in attrs.items() if not isinstance(v, dict | list) or not v}
        parts.append("<h2>Attributes</h2>")
        parts.append(_table(["name", "value"], [[_e(k), _e(v)] for k, v in sorted(simple.items())]))
        classes = [c["typeName"] for c in e.get("classifications") or []]
        parts.append(
            "<h2>Classifications</h2>" + "".join(f"<span class='tag'>{_e(c)}</span>" for c in classes)
        )
        parts.append(
            "<h2>Labels</h2>" + "".join(f"<span class='tag'>{_e(c)}</span>" for c in e.get("labels") or [])
        )
        terms = rel.get("meanings") or []
        parts.append(
            "<h2>Glossary terms</h2>"
            + "".join(f"<span class='tag'>{_e(t['displayText'])}</span>" for t in terms)
        )
        columns = rel.get("columns") or []
        referred = data.get("referredEntities") or {}
        col_rows = []
        for c in columns:
            full = referred.get(c["guid"], {})
            col_attrs = full.get("attributes") or {}
            col_terms = [
                t["displayText"] for t in (full.get("relationshipAttributes") or {}).get("meanings") or []
            ]
            col_classes = [x["typeName"] for x in full.get("classifications") or []]
            col_rows.append(
                [
                    _link(c["guid"], c["displayText"]),
                    _e(col_attrs.get("data_type") or col_attrs.get("type")),
                    _e(", ".join(col_terms)),
                    _e(", ".join(col_classes)),
                ]
            )
        parts.append("<h2>Columns</h2>" + _table(["column", "type", "terms", "classifications"], col_rows))
        other = []
        for name, value in sorted(rel.items()):
            if name in ("columns", "meanings") or not value:
                continue
            for item in value if isinstance(value, list) else [value]:
                other.append(
                    [_e(name), _link(item["guid"], item.get("displayText")), _e(item.get("typeName"))]
                )
        parts.append("<h2>Relationships</h2>" + _table(["attribute", "entity", "type"], other))
        parts.append("<h2>Lineage</h2>" + lineage)
        return _page(str(attrs.get("name") or attrs.get("qualifiedName") or guid), "".join(parts))

    def _one_hop(self, guid: str) -> str:
        rows = []
        heads_needed = []
        for r in self.backend.relations.touching([guid]):
            if r.type_name == "dataset_process_inputs":
                edge = (r.end2, r.end1)
            elif r.type_name == "process_dataset_outputs":
                edge = (r.end1, r.end2)
            else:
                continue
            heads_needed += list(edge)
            rows.append(edge)
        heads = self.backend.entities.header_rows(heads_needed)

        def label(g: str) -> str:
            h = heads.get(g) or {}
            return (
                _link(g, h.get("name") or h.get("qualifiedName") or g)
                + f" <span class='muted'>{_e(h.get('typeName'))}</span>"
            )

        return _table(["from", "to"], [[label(a), label(b)] for a, b in rows])

    # endregion

    # region glossary
    async def glossary(self, request: web.Request) -> web.Response:
        guid = request.match_info["guid"]
        try:
            with self.backend.lock:
                g = self.backend.glossary.get_glossary(guid, detailed=True)
        except PurviewEmulatorError:
            return _page("Not found", f"<p>No glossary {_e(guid)}.</p>")
        terms = list(g.get("termInfo", {}).values())
        children: dict[str | None, list[dict[str, Any]]] = {}
        for t in terms:
            children.setdefault((t.get("parentTerm") or {}).get("termGuid"), []).append(t)

        def render(parent: str | None) -> str:
            items = []
            for t in sorted(children.get(parent, []), key=lambda x: str(x.get("name"))):
                assigned = t.get("assignedEntities") or []
                links = ", ".join(_link(a["guid"], a.get("displayText")) for a in assigned[:20])
                meta = f"{_e(t['qualifiedName'])} · {_e(t.get('status'))} · {len(assigned)} assets"
                name = f"<b>{_e(t['name'])}</b>"
                items.append(f"<li>{name} <span class='muted'>{meta}</span> {links}{render(t['guid'])}</li>")
            return f"<ul>{''.join(items)}</ul>" if items else ""

        body = f"<p>{_e(g.get('shortDescription'))}</p>" + (render(None) or "<p class='muted'>no terms</p>")
        return _page(f"Glossary {g['name']}", body)

    # endregion
