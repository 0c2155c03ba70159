"""Glossary operations (``<atlas>/glossary/...``)."""

from __future__ import annotations

from aiohttp import web

from localdev.purview.responses import BaseResponses, json_response, no_content

__all__ = ["GlossaryResponses"]


class GlossaryResponses(BaseResponses):
    """Glossary_* operations."""

    def _hierarchy(self, request: web.Request) -> bool:
        return self.flag(request, "includeTermHierarchy")

    # region glossaries
    async def list_glossaries(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.glossary.list_glossaries, *self.paging(request)))

    async def create_glossary(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        return json_response(self.call(self.backend.glossary.create_glossary, body, self.ts()))

    async def get_glossary(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.glossary.get_glossary, request.match_info["glossaryId"]))

    async def get_detailed(self, request: web.Request) -> web.Response:
        gid = request.match_info["glossaryId"]
        return json_response(self.call(self.backend.glossary.get_glossary, gid, detailed=True))

    async def update_glossary(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        gid = request.match_info["glossaryId"]
        return json_response(self.call(self.backend.glossary.update_glossary, gid, body, self.ts()))

    async def partial_update_glossary(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        gid = request.match_info["glossaryId"]
        return json_response(
            self.call(self.backend.glossary.update_glossary, gid, body, self.ts(), partial=True)
        )

    async def delete_glossary(self, request: web.Request) -> web.Response:
        self.call(self.backend.glossary.delete_glossary, request.match_info["glossaryId"], self.ts())
        return no_content()

    async def list_terms(self, request: web.Request) -> web.Response:
        gid = request.match_info["glossaryId"]
        return json_response(self.call(self.backend.glossary.glossary_terms, gid, *self.paging(request)))

    async def list_term_headers(self, request: web.Request) -> web.Response:
        gid = request.match_info["glossaryId"]
        return json_response(
            self.call(self.backend.glossary.glossary_term_headers, gid, *self.paging(request))
        )

    async def list_categories(self, request: web.Request) -> web.Response:
        self.call(self.backend.glossary.get_glossary, request.match_info["glossaryId"])
        return json_response([])

    # endregion

    # region terms
    async def create_term(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        hierarchy = self._hierarchy(request)
        return json_response(self.call(self.backend.glossary.create_term, body, hierarchy, self.ts()))

    async def create_terms(self, request: web.Request) -> web.Response:
        body = await self.body(request, [])
        hierarchy = self._hierarchy(request)
        return json_response(self.call(self.backend.glossary.create_terms, body, hierarchy, self.ts()))

    async def get_term(self, request: web.Request) -> web.Response:
        return json_response(self.call(self.backend.glossary.get_term, request.match_info["termId"]))

    async def update_term(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        tid = request.match_info["termId"]
        result = self.call(self.backend.glossary.update_term, tid, body, self._hierarchy(request), self.ts())
        return json_response(result)

    async def partial_update_term(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        tid = request.match_info["termId"]
        result = self.call(
            self.backend.glossary.partial_update_term, tid, body, self._hierarchy(request), self.ts()
        )
        return json_response(result)

    async def delete_term(self, request: web.Request) -> web.Response:
        self.call(self.backend.glossary.delete_term, request.match_info["termId"], self.ts())
        return no_content()

    # endregion

    # region assignments
    async def assign_term(self, request: web.Request) -> web.Response:
        body = await self.body(request, [])
        self.call(self.backend.glossary.assign, request.match_info["termId"], body, self.ts())
        return no_content()

    async def remove_term_assignment(self, request: web.Request) -> web.Response:
        body = await self.body(request, [])
        self.call(self.backend.glossary.unassign, request.match_info["termId"], body, self.ts())
        return no_content()

    async def list_assigned_entities(self, request: web.Request) -> web.Response:
        tid = request.match_info["termId"]
        return json_response(self.call(self.backend.glossary.assigned_entities, tid, *self.paging(request)))

    # endregion
