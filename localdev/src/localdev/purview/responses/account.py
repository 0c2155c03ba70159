"""Purview-only planes: collections (account), collection moves and discovery search."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from localdev.purview.exceptions import AccountError, atlas
from localdev.purview.responses import BaseResponses, json_response, no_content

__all__ = ["AccountResponses"]


class AccountResponses(BaseResponses):
    """Collections_*, Entity_MoveEntitiesToCollection, Collection_* (legacy) and Discovery_Query."""

    # region collections
    async def list_collections(self, request: web.Request) -> web.Response:
        skip = int(request.query.get("$skipToken") or 0)
        page, total = self.call(self.backend.collections.page, skip, 1000)
        out: dict[str, Any] = {"value": page, "count": len(page)}
        if skip + len(page) < total:
            out["nextLink"] = str(request.url.update_query({"$skipToken": str(skip + len(page))}))
        return json_response(out)

    async def get_collection(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.collections.get, request.match_info["name"]))

    async def create_or_update_collection(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        name = request.match_info["name"]
        return json_response(self.call(self.backend.collections.create_or_update, name, body, self.ts()))

    async def delete_collection(self, request: web.Request) -> web.Response:
        self.call(self.backend.collections.delete, request.match_info["name"])
        return no_content()

    async def child_collection_names(self, request: web.Request) -> web.Response:
        names = self.call(self.backend.collections.children, request.match_info["name"])
        return json_response({"value": [{"name": n, "friendlyName": n} for n in names], "count": len(names)})

    async def collection_path(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.collections.path, request.match_info["name"]))

    # endregion

    # region moves
    async def move_here(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        guids = body.get("entityGuids") if isinstance(body, dict) else None
        name = request.match_info["collection"]
        return json_response(self.call(self.backend.collections.move, name, guids, self.ts()))

    async def move_to(self, request: web.Request) -> web.Response:
        target = request.query.get("collectionId")
        if not target:
            raise atlas("INVALID_PARAMETERS", "collectionId")
        body = await self.body(request, {})
        guids = body.get("entityGuids") if isinstance(body, dict) else None
        return json_response(self.call(self.backend.collections.move, target, guids, self.ts()))

    # endregion

    # region search
    async def query(self, request: web.Request) -> web.Response:
        try:
            body = await self.body(request, {})
        except Exception as exc:
            raise AccountError(400, "BadRequest", "The request body is not valid JSON.") from exc
        continuation = request.path.startswith("/datamap/")
        return json_response(self.call(self.backend.search.query, body, continuation=continuation))

    # endregion
