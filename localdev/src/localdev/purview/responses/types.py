"""Type definitions, relationships and lineage (``<atlas>/types``, ``/relationship``, ``/lineage``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from localdev.purview.exceptions import atlas
from localdev.purview.models.typedefs import PATH_CATEGORIES
from localdev.purview.responses import BaseResponses, json_response, no_content

__all__ = ["TypeResponses"]


class TypeResponses(BaseResponses):
    """Type_*, Relationship_* and Lineage_* operations."""

    # region typedefs
    async def list_typedefs(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.types.all, request.query.get("type")))

    async def list_headers(self, request: web.Request) -> web.Response:
        del request
        return json_response(self.call(self.backend.types.headers))

    async def create_typedefs(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "AtlasTypesDef expected")
        return json_response(self.call(self.backend.types.create, body))

    async def update_typedefs(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "AtlasTypesDef expected")
        return json_response(self.call(self.backend.types.update, body))

    async def delete_typedefs(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "AtlasTypesDef expected")
        self.call(self.backend.types.delete, body)
        return no_content()

    def _category(self, request: web.Request) -> str:
        kind = request.match_info["kind"]
        if kind not in PATH_CATEGORIES:
            raise web.HTTPNotFound()
        return PATH_CATEGORIES[kind]

    async def get_by_name(self, request: web.Request) -> web.Response:
        category = self._category(request)
        return json_response(
            self.call(self.backend.types.find, name=request.match_info["name"], category=category)
        )

    async def get_by_guid(self, request: web.Request) -> web.Response:
        category = self._category(request)
        return json_response(
            self.call(self.backend.types.find, guid=request.match_info["guid"], category=category)
        )

    async def delete_by_name(self, request: web.Request) -> web.Response:
        self.call(self.backend.types.delete_one, request.match_info["name"])
        return no_content()

    # endregion

    # region relationships
    async def create_relationship(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "AtlasRelationship expected")
        return json_response(self.call(self.backend.relations.create_api, body, self.ts()))

    async def update_relationship(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "AtlasRelationship expected")
        return json_response(self.call(self.backend.relations.update_api, body, self.ts()))

    async def get_relationship(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.relations.get_api, request.match_info["guid"]))

    async def delete_relationship(self, request: web.Request) -> web.Response:
        self.call(self.backend.relations.delete_api, request.match_info["guid"], self.ts())
        return no_content()

    # endregion

    # region lineage
    async def get_lineage(self, request: web.Request) -> web.Response:
        guid = request.match_info["guid"]
        direction = request.query.get("direction", "BOTH").upper()
        depth = int(request.query.get("depth", "3"))
        return json_response(self.call(self.lineage, guid, direction, depth))

    async def get_lineage_by_unique_attribute(self, request: web.Request) -> web.Response:
        qn = self.unique_attributes(request, indexed=False)[0]
        direction = request.query.get("direction", "BOTH").upper()
        depth = int(request.query.get("depth", "3"))

        def run() -> dict[str, Any]:
            guid = self.backend.entities.require_unique(request.match_info["typeName"], qn)
            return self.lineage(guid, direction, depth)

        return json_response(self.call(run))

    async def get_next_lineage(self, request: web.Request) -> web.Response:
        """Purview's paged one-hop lineage (``direction`` INPUT or OUTPUT, ``offset``, ``limit``)."""
        direction = request.query.get("direction", "").upper()
        if direction not in ("INPUT", "OUTPUT"):
            raise atlas("INVALID_PARAMETERS", "direction must be INPUT or OUTPUT")
        offset = int(request.query.get("offset") or 0)
        limit = int(request.query.get("limit") or -1)
        guid = request.match_info["guid"]
        info = self.call(self.lineage, guid, direction, 1)
        end = "fromEntityId" if direction == "OUTPUT" else "toEntityId"
        relations = [r for r in info["relations"] if r[end] == guid]
        info["relations"] = relations[offset:] if limit < 0 else relations[offset : offset + limit]
        keep = {guid} | {g for r in info["relations"] for g in (r["fromEntityId"], r["toEntityId"])}
        info["guidEntityMap"] = {g: h for g, h in info["guidEntityMap"].items() if g in keep}
        info["childrenCount"] = len(relations)
        return json_response(info)

    def lineage(self, guid: str, direction: str, depth: int) -> dict[str, Any]:
        """Atlas lineage over Process inputs/outputs: dataset -> process -> dataset hops."""
        entities = self.backend.entities
        entities.require(guid)
        relations: list[dict[str, str]] = []
        seen = {guid}
        frontier = [guid]
        hops = 0
        while frontier and (depth <= 0 or hops < depth * 2):
            hops += 1
            nxt: list[str] = []
            for r in self.backend.relations.touching(frontier):
                if r.type_name == "dataset_process_inputs":  # end1 process, end2 dataset: dataset -> process
                    edge = (r.end2, r.end1)
                elif r.type_name == "process_dataset_outputs":  # process -> dataset
                    edge = (r.end1, r.end2)
                else:
                    continue
                src, dst = edge
                if direction in ("OUTPUT", "BOTH") and src in frontier and dst not in seen:
                    nxt.append(dst)
                elif direction in ("INPUT", "BOTH") and dst in frontier and src not in seen:
                    nxt.append(src)
                else:
                    continue
                relations.append({"fromEntityId": src, "toEntityId": dst, "relationshipId": r.guid})
            seen.update(nxt)
            frontier = nxt
        heads = {h["guid"]: h for h in entities.headers(sorted(seen))}
        return {
            "baseEntityGuid": guid,
            "lineageDirection": direction,
            "lineageDepth": depth,
            "lineageWidth": -1,
            "childrenCount": -1,
            "guidEntityMap": heads,
            "relations": relations,
        }

    # endregion
