"""HTTP translation: one method per API operation, reading parameters and calling the models.

Handlers are grouped by resource family; ``BaseResponses`` holds the shared parsing helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from localdev.purview.exceptions import atlas
from localdev.purview.models import Backend, now_ms

__all__ = ["BaseResponses", "json_response", "no_content"]

T = TypeVar("T")
_TRUE = {"true", "1", "yes"}


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(),
        content_type="application/json",
    )


def no_content() -> web.Response:
    return web.Response(status=204)


class BaseResponses:
    """Shared helpers: locked, transactional model calls and Atlas query-string parsing."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a model call under the backend lock in one transaction."""
        with self.backend.lock, self.backend.store.transaction():
            return fn(*args, **kwargs)

    @staticmethod
    def ts() -> int:
        return now_ms()

    @staticmethod
    def flag(request: web.Request, name: str, default: bool = False) -> bool:
        value = request.query.get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() in _TRUE

    @staticmethod
    async def body(request: web.Request, default: Any = None) -> Any:
        raw = await request.read()
        if not raw.strip():
            return default
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise atlas("BAD_REQUEST", f"Unable to parse request body: {exc}") from exc

    @staticmethod
    def unique_attributes(request: web.Request, *, indexed: bool) -> list[Any]:
        """``attr:qualifiedName=x`` (single) or ``attr_N:qualifiedName=x`` (bulk), in N order."""
        found: list[tuple[int, Any]] = []
        for key, value in request.query.items():
            if not key.startswith("attr"):
                continue
            prefix, _, attr_name = key.partition(":")
            if attr_name != "qualifiedName":
                raise atlas("BAD_REQUEST", f"Unsupported unique attribute {attr_name}")
            if prefix == "attr" and not indexed:
                found.append((0, value))
            elif prefix.startswith("attr_") and prefix[5:].isdigit():
                found.append((int(prefix[5:]), value))
        if not found:
            raise atlas("INVALID_PARAMETERS", "attr:qualifiedName is required")
        return [v for _, v in sorted(found, key=lambda x: x[0])]

    @staticmethod
    def paging(request: web.Request) -> tuple[Any, Any, Any]:
        q = request.query
        return q.get("limit", "-1"), q.get("offset", "0"), q.get("sort")
