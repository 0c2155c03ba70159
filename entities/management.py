"""Calls to the Durable management API that the SDK's client lacks or gets wrong.

The Python client has no entity listing, and it puts entity keys into URLs unquoted (our keys contain
percent escapes), so these few calls are made directly against the binding's ``rpcBaseUrl``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import azure.durable_functions as df

__all__ = ["list_entities", "read_entity", "rpc_base_url", "signal_entity"]

_TIMEOUT = aiohttp.ClientTimeout(total=60)


def rpc_base_url(client: df.DurableOrchestrationClient) -> str:
    url: str | None = client._orchestration_bindings.rpc_base_url
    if not url:
        raise RuntimeError("the durable client binding has no rpcBaseUrl")
    return url if url.endswith("/") else url + "/"


def _entity_url(base: str, name: str, key: str) -> str:
    return f"{base}entities/{quote(name.lower(), safe='')}/{quote(key, safe='')}"


async def list_entities(
    client: df.DurableOrchestrationClient, name: str, *, fetch_state: bool = True, page_size: int = 500
) -> AsyncIterator[dict[str, Any]]:
    """Every entity of ``name`` (``{entityId: {name, key}, lastOperationTime, state}``), page by page."""
    base = rpc_base_url(client)
    token: str | None = None
    async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
        while True:
            headers = {"x-ms-continuation-token": token} if token else {}
            params = {"fetchState": str(fetch_state).lower(), "top": str(page_size)}
            async with session.get(f"{base}entities/{name.lower()}", params=params, headers=headers) as resp:
                resp.raise_for_status()
                for entry in await resp.json(content_type=None):
                    yield entry
                token = resp.headers.get("x-ms-continuation-token")
            if not token:
                return


async def signal_entity(
    client: df.DurableOrchestrationClient, name: str, key: str, operation: str, payload: Any
) -> None:
    """Signal one entity operation (202 when accepted)."""
    url = _entity_url(rpc_base_url(client), name, key)
    async with (
        aiohttp.ClientSession(timeout=_TIMEOUT) as session,
        session.post(
            url,
            params={"op": operation},
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        ) as resp,
    ):
        resp.raise_for_status()


async def read_entity(client: df.DurableOrchestrationClient, name: str, key: str) -> Any | None:
    """An entity's state, or ``None`` when the entity does not exist."""
    url = _entity_url(rpc_base_url(client), name, key)
    async with aiohttp.ClientSession(timeout=_TIMEOUT) as session, session.get(url) as resp:
        if resp.status == 404:
            return None
        resp.raise_for_status()
        return await resp.json(content_type=None)
