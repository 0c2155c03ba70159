"""The app's own functions over HTTP: HTTP triggers at ``/{routePrefix}/...`` and the admin endpoint
``POST /admin/functions/{name}`` that the Functions host offers for non-HTTP triggers (timer, Event Hub).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from aiohttp import web
from azure.functions.meta import Datum
from azure.functions.timer import TimerRequest

from localdev.durable.app_settings import durable_settings
from localdev.durable.functions import AppFunction, FunctionRegistry, accepted_kwargs

__all__ = ["HttpRoute", "add_trigger_routes", "compile_route", "invoke_on_loop", "route_prefix"]

logger = logging.getLogger(__name__)
_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?(\??)\}")


@dataclass(frozen=True)
class HttpRoute:
    """One HTTP-triggered function with its compiled route template."""

    function: AppFunction
    pattern: re.Pattern[str]
    methods: frozenset[str]


def route_prefix(app_dir: Path | None) -> str:
    """``extensions.http.routePrefix`` from host.json (default ``api``)."""
    return durable_settings(app_dir).route_prefix


def compile_route(template: str) -> re.Pattern[str]:
    """Functions route template (``orders/{id:int}/{rest?}``, ``{*path}``) → regex with named groups."""
    out, pos = "", 0
    template = template.strip("/")
    for match in _PARAM.finditer(template):
        literal = template[pos : match.start()]
        catch_all, name, optional = match.group(1), match.group(2), match.group(3)
        body = f"(?P<{name}>.*)" if catch_all else f"(?P<{name}>[^/]+)"
        if optional and literal.endswith("/"):
            out += re.escape(literal[:-1]) + f"(?:/{body})?"
        else:
            out += re.escape(literal) + (f"{body}?" if optional else body)
        pos = match.end()
    out += re.escape(template[pos:])
    return re.compile(f"^{out}/?$", re.IGNORECASE)


def http_routes(registry: FunctionRegistry) -> list[HttpRoute]:
    routes = []
    for fn in registry.of_type("httpTrigger"):
        methods = frozenset(m.upper() for m in fn.trigger.get("methods") or [])
        routes.append(HttpRoute(fn, compile_route(fn.trigger.get("route") or fn.name), methods))
    return routes


async def invoke_on_loop(fn: AppFunction, kwargs: dict[str, Any]) -> Any:
    """Call a function the way the Python worker does: coroutines on the loop, sync code in a thread."""
    accepted = accepted_kwargs(fn.func, kwargs)
    if inspect.iscoroutinefunction(fn.func):
        return await fn.func(**accepted)
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, lambda: fn.func(**accepted))
    if inspect.isawaitable(result):
        return await result
    return result


@dataclass
class _Context:
    invocation_id: str
    function_name: str
    function_directory: str = ""
    trace_context: Any = None
    retry_context: Any = None


def add_trigger_routes(
    app: web.Application, registry: FunctionRegistry, prefix: str, binding: Callable[[], str]
) -> None:
    """Serve HTTP triggers under ``/{prefix}/`` and the admin endpoint; ``binding()`` gives client JSON."""
    routes = http_routes(registry)

    def common_kwargs(fn: AppFunction) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"context": _Context(uuid.uuid4().hex, fn.name)}
        if fn.client_param:
            kwargs[fn.client_param] = binding()
        return kwargs

    async def http_handler(request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        allowed_elsewhere = False
        for route in routes:
            match = route.pattern.match(path)
            if match is None:
                continue
            if route.methods and request.method.upper() not in route.methods:
                allowed_elsewhere = True
                continue
            params = {k: v for k, v in match.groupdict().items() if v is not None}
            req = func.HttpRequest(
                method=request.method,
                url=str(request.url),
                headers=dict(request.headers),
                params=dict(request.query),
                route_params=params,
                body=await request.read(),
            )
            kwargs = common_kwargs(route.function)
            kwargs[route.function.trigger_param] = req
            try:
                result = await invoke_on_loop(route.function, kwargs)
            except Exception:
                logger.exception("HTTP function %s failed", route.function.name)
                return web.Response(status=500, text="Internal Server Error")
            return _to_aiohttp(result)
        return web.Response(status=405 if allowed_elsewhere else 404)

    async def admin_handler(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        fn = next((f for f in registry.functions if f.name.lower() == name.lower()), None)
        if fn is None or fn.trigger_type == "httpTrigger":
            return web.Response(status=404)
        raw = await request.text()
        value = json.loads(raw).get("input") if raw.strip() else None
        kwargs = common_kwargs(fn)
        kwargs[fn.trigger_param] = trigger_value(fn, value)
        if request.query.get("wait", "").lower() in ("1", "true"):
            # the caller (e.g. the Kafka bridge) commits only once the function has really run
            try:
                await invoke_on_loop(fn, kwargs)
            except Exception as exc:
                logger.exception("function %s failed", fn.name)
                return web.json_response(
                    {"error": {"code": "FunctionFailed", "message": str(exc)}}, status=500
                )
            return web.Response(status=200)
        asyncio.get_running_loop().create_task(_run_logged(fn, kwargs))
        return web.Response(status=202)

    app.router.add_post("/admin/functions/{name}", admin_handler)
    app.router.add_route("*", f"/{prefix}/{{tail:.*}}" if prefix else "/{tail:.*}", http_handler)


def trigger_value(fn: AppFunction, value: Any) -> Any:
    """The trigger argument for a non-HTTP function invoked with ``value``."""
    if fn.trigger_type == "timerTrigger":
        return TimerRequest(past_due=False)
    if fn.trigger_type == "eventHubTrigger":
        items = value if isinstance(value, list) else [value]
        events = [v if isinstance(v, func.EventHubEvent) else _event(v) for v in items]
        return events if fn.trigger.get("cardinality") == "many" else events[0]
    return value


def _event(value: Any) -> func.EventHubEvent:
    """An event from a plain value (its body), or from ``{"body", "sequence_number", "partition_key",
    "partition_id"}`` so tests and the Kafka bridge can say where an event came from."""
    if isinstance(value, dict) and "body" in value and set(value) <= _EVENT_KEYS:
        partition = value.get("partition_id")
        metadata = (
            {"PartitionContext": Datum(type="json", value=json.dumps({"PartitionId": str(partition)}))}
            if partition is not None
            else None
        )
        return func.EventHubEvent(
            body=_bytes(value["body"]),
            trigger_metadata=metadata,
            sequence_number=value.get("sequence_number"),
            partition_key=value.get("partition_key"),
        )
    return func.EventHubEvent(body=_bytes(value))


_EVENT_KEYS = {"body", "sequence_number", "partition_key", "partition_id"}


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode()


async def _run_logged(fn: AppFunction, kwargs: dict[str, Any]) -> None:
    try:
        await invoke_on_loop(fn, kwargs)
    except Exception:
        logger.exception("function %s failed", fn.name)


def _to_aiohttp(result: Any) -> web.Response:
    if isinstance(result, func.HttpResponse):
        headers = dict(result.headers)
        headers.pop("Content-Length", None)
        response = web.Response(status=result.status_code, body=result.get_body(), headers=headers)
        if result.mimetype and "Content-Type" not in headers:
            response.content_type = result.mimetype
        return response
    if result is None:
        return web.Response(status=204)
    if isinstance(result, str | bytes):
        return web.Response(status=200, body=result if isinstance(result, bytes) else result.encode())
    return web.json_response(result)
