"""Entity operations (``<atlas>/entity/...``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from localdev.purview.exceptions import atlas
from localdev.purview.responses import BaseResponses, json_response, no_content

__all__ = ["EntityResponses"]


class EntityResponses(BaseResponses):
    """Entity_* operations of the Data Map API."""

    def _flags(self, request: web.Request) -> dict[str, bool]:
        return {
            "ignore_relationships": self.flag(request, "ignoreRelationships"),
            "min_ext_info": self.flag(request, "minExtInfo"),
        }

    def _collection(self, request: web.Request) -> str | None:
        coll = request.match_info.get("collection") or request.query.get("collectionId")
        return coll.lower() if coll else None

    # region upserts
    async def bulk_create_or_update(self, request: web.Request) -> web.Response:
        payload = await self.body(request, {})
        if not isinstance(payload, dict) or not isinstance(payload.get("entities"), list):
            raise atlas("BAD_REQUEST", "entities is required")
        result = self.call(
            self.backend.entities.upsert,
            payload["entities"],
            payload.get("referredEntities") or {},
            collection_id=self._collection(request),
            ts=self.ts(),
        )
        return json_response(result)

    async def create_or_update(self, request: web.Request) -> web.Response:
        payload = await self.body(request, {})
        if not isinstance(payload, dict) or not isinstance(payload.get("entity"), dict):
            raise atlas("BAD_REQUEST", "entity is required")
        result = self.call(
            self.backend.entities.upsert,
            [payload["entity"]],
            payload.get("referredEntities") or {},
            collection_id=self._collection(request),
            ts=self.ts(),
        )
        return json_response(result)

    async def partial_update_by_unique_attribute(self, request: web.Request) -> web.Response:
        (qn,) = self.unique_attributes(request, indexed=False)[:1]
        type_name = request.match_info["typeName"]
        payload = await self.body(request, {})
        entity = payload.get("entity") if isinstance(payload, dict) else None
        if not isinstance(entity, dict):
            raise atlas("BAD_REQUEST", "entity is required")

        def run() -> Any:
            guid = self.backend.entities.require_unique(type_name, qn)
            attrs = {**(entity.get("attributes") or {}), "qualifiedName": qn}
            fixed = {**entity, "typeName": type_name, "guid": guid, "attributes": attrs}
            return self.backend.entities.upsert(
                [fixed], payload.get("referredEntities") or {}, collection_id=None, ts=self.ts()
            )

        return json_response(self.call(run))

    async def partial_update_attribute(self, request: web.Request) -> web.Response:
        name = request.query.get("name")
        if not name:
            raise atlas("INVALID_PARAMETERS", "name")
        value = await self.body(request)
        result = self.call(
            self.backend.entities.partial_update, request.match_info["guid"], name, value, self.ts()
        )
        return json_response(result)

    # endregion

    # region reads
    async def get(self, request: web.Request) -> web.Response:
        return json_response(
            self.call(self.backend.entities.get, request.match_info["guid"], **self._flags(request))
        )

    async def list_by_guids(self, request: web.Request) -> web.Response:
        guids = request.query.getall("guid", [])
        if not guids:
            raise atlas("INVALID_PARAMETERS", "guid is required")
        return json_response(self.call(self.backend.entities.get_many, list(guids), **self._flags(request)))

    async def get_by_unique_attributes(self, request: web.Request) -> web.Response:
        qn = self.unique_attributes(request, indexed=False)[0]
        result = self.call(
            self.backend.entities.get_by_unique, request.match_info["typeName"], qn, **self._flags(request)
        )
        return json_response(result)

    async def list_by_unique_attributes(self, request: web.Request) -> web.Response:
        qns = self.unique_attributes(request, indexed=True)
        result = self.call(
            self.backend.entities.get_many_by_unique,
            request.match_info["typeName"],
            qns,
            **self._flags(request),
        )
        return json_response(result)

    async def get_header(self, request: web.Request) -> web.Response:
        guid = request.match_info["guid"]

        def run() -> Any:
            return self.backend.entities.header(self.backend.entities.require(guid))

        return json_response(self.call(run))

    # endregion

    # region deletes
    async def delete(self, request: web.Request) -> web.Response:
        result = self.call(self.backend.entities.delete_api, [request.match_info["guid"]], self.ts())
        return json_response(result)

    async def bulk_delete(self, request: web.Request) -> web.Response:
        guids = request.query.getall("guid", [])
        if not guids:
            raise atlas("INVALID_PARAMETERS", "guid is required")
        return json_response(self.call(self.backend.entities.delete_api, list(guids), self.ts()))

    async def delete_by_unique_attribute(self, request: web.Request) -> web.Response:
        qn = self.unique_attributes(request, indexed=False)[0]
        type_name = request.match_info["typeName"]

        def run() -> Any:
            guid = self.backend.entities.require_unique(type_name, qn)
            return self.backend.entities.delete_api([guid], self.ts())

        return json_response(self.call(run))

    # endregion

    # region classifications and labels
    def _guid(self, request: web.Request) -> str:
        if "guid" in request.match_info:
            return request.match_info["guid"]
        qn = self.unique_attributes(request, indexed=False)[0]
        with self.backend.lock:
            return self.backend.entities.require_unique(request.match_info["typeName"], qn)

    async def add_classifications(self, request: web.Request) -> web.Response:
        body = await self.body(request, [])
        self.call(self.backend.entities.add_classifications, self._guid(request), body, self.ts())
        return no_content()

    async def update_classifications(self, request: web.Request) -> web.Response:
        body = await self.body(request, [])
        self.call(self.backend.entities.update_classifications, self._guid(request), body, self.ts())
        return no_content()

    async def get_classifications(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.entities.list_classifications, self._guid(request)))

    async def get_classification(self, request: web.Request) -> web.Response:
        name = request.match_info["classificationName"]
        return json_response(self.call(self.backend.entities.get_classification, self._guid(request), name))

    async def remove_classification(self, request: web.Request) -> web.Response:
        name = request.match_info["classificationName"]
        self.call(self.backend.entities.remove_classification, self._guid(request), name, self.ts())
        return no_content()

    async def add_classification_bulk(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        if not isinstance(body, dict):
            raise atlas("BAD_REQUEST", "classification and entityGuids are required")
        self.call(
            self.backend.entities.classify_many,
            body.get("classification"),
            body.get("entityGuids"),
            self.ts(),
        )
        return no_content()

    async def set_classifications(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        mapping = body.get("guidHeaderMap") if isinstance(body, dict) else None
        return json_response(self.call(self.backend.entities.set_classifications, mapping, self.ts()))

    async def set_labels(self, request: web.Request) -> web.Response:
        return await self._labels(request, "set")

    async def add_labels(self, request: web.Request) -> web.Response:
        return await self._labels(request, "add")

    async def remove_labels(self, request: web.Request) -> web.Response:
        return await self._labels(request, "remove")

    async def _labels(self, request: web.Request, mode: str) -> web.Response:
        body = await self.body(request, [])
        self.call(self.backend.entities.change_labels, self._guid(request), body, mode, self.ts())
        return no_content()

    # endregion
