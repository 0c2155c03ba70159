"""The HTTP server: aiohttp app (routes, auth, faults, stats, error mapping) and ``EmulatorServer``.

``EmulatorServer`` runs the app on a loopback port in a daemon thread, like moto's ThreadedMotoServer::

    with EmulatorServer(capacity_units=10) as emulator:
        client = pyapacheatlas_client(emulator.url)
        ...
        emulator.stats()["requests"]["POST /catalog/api/atlas/v2/entity/bulk"]
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from localdev.purview.browse import BrowseResponses
from localdev.purview.exceptions import PurviewEmulatorError, atlas
from localdev.purview.faults import FaultConfig, Faults
from localdev.purview.models import Backend, Options
from localdev.purview.rates import RateRecorder
from localdev.purview.responses import BaseResponses, json_response
from localdev.purview.responses.account import AccountResponses
from localdev.purview.responses.entities import EntityResponses
from localdev.purview.responses.glossary import GlossaryResponses
from localdev.purview.responses.types import TypeResponses
from localdev.purview.urls import (
    ACCOUNT_ROUTES,
    ATLAS_PREFIXES,
    ATLAS_ROUTES,
    OPERATOR_ROUTES,
    PURVIEW_ROUTES,
)

__all__ = ["EmulatorServer", "Stats", "build_app"]

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY = 512 * 1024 * 1024
MAX_LINE = 1024 * 1024


class Stats:
    """Request counters per route template, the number of throttled requests, and the request rate per
    sliding window (``rate``: offered and admitted, next to the capacity limit)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.throttled = 0
        self.rates = RateRecorder()

    def count(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1

    def throttle(self) -> None:
        with self._lock:
            self.throttled += 1

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.throttled = 0
        self.rates.reset()

    def snapshot(self, backend: Backend, *, limit_per_second: float | None = None) -> dict[str, Any]:
        with self._lock:
            requests = dict(sorted(self.requests.items()))
            throttled = self.throttled
        return {
            "requests": requests,
            "entities": backend.entity_counts(),
            "throttled": throttled,
            "rate": self.rates.summary(limit_per_second),
        }


class OperatorResponses(BaseResponses):
    """``/_emulator/*``: stats, reset and fault settings."""

    def __init__(self, backend: Backend, stats: Stats, faults: Faults) -> None:
        super().__init__(backend)
        self.stats_counter = stats
        self.faults = faults

    async def stats(self, request: web.Request) -> web.Response:
        del request
        return json_response(self.stats_counter.snapshot(self.backend, limit_per_second=self.faults.rate))

    async def reset(self, request: web.Request) -> web.Response:
        del request
        self.backend.reset()
        self.stats_counter.reset()
        return json_response({"reset": True})

    async def get_faults(self, request: web.Request) -> web.Response:
        del request
        return json_response(self.faults.as_dict())

    async def put_faults(self, request: web.Request) -> web.Response:
        body = await self.body(request, {})
        try:
            config = FaultConfig.from_mapping(body if isinstance(body, dict) else {})
        except (TypeError, ValueError) as exc:
            return json_response({"error": {"code": "BadRequest", "message": str(exc)}}, status=400)
        self.faults.configure(config)
        return json_response(self.faults.as_dict())


def _error_response(exc: PurviewEmulatorError) -> web.Response:
    return json_response(exc.body(), status=exc.status)


def _plane_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    response = json_response({"error": {"code": code, "message": message}}, status=status)
    response.headers.update(headers or {})
    return response


async def _size_limit(request: web.Request, template: str | None, config: FaultConfig) -> web.Response | None:
    """The refusal of a request over an opt-in size limit (see ``FaultConfig``), else None."""
    if config.max_url_bytes is not None:
        length = len(f"{request.scheme}://{request.host}") + len(request.raw_path)
        if length > config.max_url_bytes:
            return _plane_error(414, "UriTooLong", f"The request URL ({length} characters) is too long.")
    if config.max_body_bytes is not None and (request.content_length or 0) > config.max_body_bytes:
        return _plane_error(
            413, "RequestEntityTooLarge", f"The request body ({request.content_length} bytes) is too large."
        )
    bulk_upsert = request.method == "POST" and (template or "").endswith("/entity/bulk")
    if config.max_bulk_entities is not None and bulk_upsert:
        try:
            entities = json.loads(await request.read()).get("entities") or []
        except (ValueError, AttributeError):
            return None  # the handler reports the malformed body
        if len(entities) > config.max_bulk_entities:
            return _plane_error(504, "GatewayTimeout", f"The upsert of {len(entities)} entities timed out.")
    return None


def build_app(
    backend: Backend, faults: Faults, stats: Stats, *, require_auth: bool = False
) -> web.Application:
    """The aiohttp application serving every route of ``urls.py``."""
    families: dict[str, Any] = {
        "entities": EntityResponses(backend),
        "types": TypeResponses(backend),
        "glossary": GlossaryResponses(backend),
        "account": AccountResponses(backend),
        "operator": OperatorResponses(backend, stats, faults),
        "browse": BrowseResponses(backend),
    }

    def resolve(target: str) -> Handler:
        family, name = target.split(".")
        result: Handler = getattr(families[family], name)
        return result

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else None
        operator = template is None or template == "/" or template.startswith(("/_emulator", "/browse"))
        if not operator:
            stats.count(f"{request.method} {template}")
            if require_auth and not request.headers.get("Authorization", "").startswith("Bearer "):
                return _plane_error(401, "Unauthorized", "A Bearer token is required.")
            refused = await _size_limit(request, template, faults.config)
            if refused is not None:
                return refused
            wait = faults.take()
            stats.rates.record(admitted=wait <= 0)
            if wait > 0:
                stats.throttle()
                return _plane_error(
                    429,
                    "TooManyRequests",
                    "Rate limit exceeded: the Data Map capacity is exhausted. Retry after the given delay.",
                    Faults.retry_after_header(wait),
                )
            fault = faults.roll()
            if fault == "timeout":
                await asyncio.sleep(faults.config.timeout_s)
                return _plane_error(504, "GatewayTimeout", "The operation timed out (injected fault).")
            if fault == "error":
                return _plane_error(503, "ServiceUnavailable", "The service is unavailable (injected fault).")
            if faults.config.latency_ms:
                await asyncio.sleep(faults.config.latency_ms / 1000)
        try:
            return await handler(request)
        except PurviewEmulatorError as exc:
            return _error_response(exc)
        except web.HTTPException:
            raise
        except Exception as exc:
            logger.exception("emulator error on %s %s", request.method, request.path)
            return _error_response(atlas("INTERNAL_ERROR", f"{type(exc).__name__}: {exc}"))

    app = web.Application(middlewares=[middleware], client_max_size=MAX_BODY)
    for method, path, target in OPERATOR_ROUTES:
        app.router.add_route(method, path, resolve(target))
    for prefix in ATLAS_PREFIXES:
        for method, path, target in ATLAS_ROUTES:
            app.router.add_route(method, prefix + path, resolve(target))
    for method, path, target in PURVIEW_ROUTES:
        app.router.add_route(method, path, resolve(target))
    for prefix in ("/account", ""):
        for method, path, target in ACCOUNT_ROUTES:
            app.router.add_route(method, prefix + path, resolve(target))
    return app


class EmulatorServer:
    """A Purview Data Map emulator on ``127.0.0.1`` in a background thread.

    Example::

        with EmulatorServer(port=0) as emulator:   # port 0: a free port
            requests.get(emulator.url + "/_emulator/stats").json()
    """

    def __init__(
        self,
        port: int = 0,
        data_dir: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        require_auth: bool = False,
        options: Options | None = None,
        **faults: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.backend = Backend(data_dir, options=options)
        self.faults = Faults(FaultConfig.from_mapping(faults))
        self.counters = Stats()
        self.require_auth = require_auth
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            return self
        self._ready.clear()
        self._thread = threading.Thread(target=self._serve, name="purview-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the Purview emulator did not start within 30 s")
        if self._error is not None:
            raise RuntimeError(f"the Purview emulator failed to start: {self._error}") from self._error
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_site())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        if self._runner is not None:
            loop.run_until_complete(self._runner.cleanup())
        loop.close()

    async def _start_site(self) -> None:
        app = build_app(self.backend, self.faults, self.counters, require_auth=self.require_auth)
        # long unique-attribute queries (attr_N:qualifiedName=...) need more than aiohttp's 8 KiB line
        self._runner = web.AppRunner(
            app, access_log=None, max_line_size=MAX_LINE, max_field_size=MAX_LINE, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        self._thread = None
        self._loop = None
        self.backend.close()

    def reset(self) -> None:
        """Forget all state and zero the counters (fault settings are kept)."""
        self.backend.reset()
        self.counters.reset()

    def stats(self) -> dict[str, Any]:
        """Same document as ``GET /_emulator/stats``."""
        return self.counters.snapshot(self.backend, limit_per_second=self.faults.rate)

    def set_faults(self, **settings: Any) -> None:
        """Replace the fault settings (same keys as ``PUT /_emulator/faults``)."""
        self.faults.configure(FaultConfig.from_mapping(settings))

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
