"""``HostServer``: serve a ``DurableHost`` over HTTP on loopback (what ``python -m localdev serve`` runs).

Two aiohttp servers, each on its own thread and event loop:
- the public one (``--port``): the app's HTTP triggers under ``/api/``, the management API under
  ``/runtime/webhooks/durabletask/`` and ``/durabletask/``, and ``POST /admin/functions/{name}``;
  the app's async functions run on this loop (like the Python worker), sync ones in threads;
- the RPC one (ephemeral port): the management API for the ``rpcBaseUrl`` of client bindings, so a client
  function calling the API never waits on its own loop.

Example::

    with DurableHost(app_dir) as host, HostServer(host, port=0) as server:
        requests.post(f"{server.base_url}/api/orchestrators/chain", json={...})
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from aiohttp import web

from localdev.durable.app_settings import resolve_setting
from localdev.durable.host import DurableHost
from localdev.durable.http_triggers import add_trigger_routes, invoke_on_loop, route_prefix, trigger_value
from localdev.durable.management_api import add_management_routes, client_binding
from localdev.durable.timer_triggers import CronSchedule

__all__ = ["HostServer"]

logger = logging.getLogger(__name__)


class _LoopThread:
    """An event loop on a daemon thread serving one aiohttp application."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.runner: web.AppRunner | None = None
        self.port = 0

    def start(self, app: web.Application, bind: str, port: int) -> int:
        self.thread.start()
        port_number: int = self.call(self._start(app, bind, port))
        return port_number

    async def _start(self, app: web.Application, bind: str, port: int) -> int:
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, bind, port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def submit(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        if self.runner is not None:
            try:
                self.call(self.runner.cleanup(), timeout=10)
            except Exception:
                logger.exception("server cleanup failed")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()


class HostServer:
    """Serve ``host`` on ``bind:port`` (``port=0`` picks a free port); see the module docstring."""

    def __init__(
        self, host: DurableHost, *, port: int = 0, bind: str = "127.0.0.1", timer_triggers: bool = True
    ) -> None:
        self.host = host
        self.bind = bind
        self.requested_port = port
        self.timer_triggers = timer_triggers
        self._public = _LoopThread("durable-http")
        self._rpc = _LoopThread("durable-rpc")
        self._stop_timers = threading.Event()
        self._timer_thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.bind}:{self._public.port}"

    @property
    def webhook_base_url(self) -> str:
        return f"{self.base_url}/runtime/webhooks/durabletask"

    @property
    def rpc_base_url(self) -> str:
        return f"http://{self.bind}:{self._rpc.port}/durabletask/"

    def client_binding(self) -> str:
        """The durable client binding JSON handed to client functions."""
        return client_binding(self.webhook_base_url, self.rpc_base_url, self.host.task_hub)

    def start(self) -> HostServer:
        rpc_app = web.Application()
        add_management_routes(rpc_app, self.host, lambda: self.webhook_base_url)
        self._rpc.start(rpc_app, self.bind, 0)
        public_app = web.Application(client_max_size=64 * 1024 * 1024)
        add_management_routes(public_app, self.host, lambda: self.webhook_base_url)
        add_trigger_routes(
            public_app, self.host.registry, route_prefix(self.host.app_dir), self.client_binding
        )
        self._public.start(public_app, self.bind, self.requested_port)
        self.host.runtime.client_binding = self.client_binding
        if self.timer_triggers and self.host.registry.of_type("timerTrigger"):
            self._timer_thread = threading.Thread(
                target=self._run_timers, name="durable-timer-triggers", daemon=True
            )
            self._timer_thread.start()
        return self

    def stop(self) -> None:
        self._stop_timers.set()
        if self._timer_thread is not None:
            self._timer_thread.join(timeout=5)
        try:
            from azure.durable_functions.models.utils import http_utils

            self._public.call(http_utils._close_session(), timeout=5)
        except Exception:
            logger.debug("closing the SDK client session failed", exc_info=True)
        self._public.stop()
        self._rpc.stop()

    def __enter__(self) -> HostServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def invoke(self, function_name: str, value: Any = None, timeout: float = 60.0) -> Any:
        """Run a non-HTTP function (timer, Event Hub, ...) on the app loop and return its result."""
        fn = next(f for f in self.host.registry.functions if f.name.lower() == function_name.lower())
        kwargs: dict[str, Any] = {fn.trigger_param: trigger_value(fn, value)}
        if fn.client_param:
            kwargs[fn.client_param] = self.client_binding()
        return self._public.call(invoke_on_loop(fn, kwargs), timeout=timeout)

    def _run_timers(self) -> None:
        schedules: list[tuple[Any, CronSchedule, datetime]] = []
        now = datetime.now(UTC)
        for fn in self.host.registry.of_type("timerTrigger"):
            try:
                schedule = CronSchedule(resolve_setting(str(fn.trigger.get("schedule", ""))))
            except ValueError as exc:
                logger.error("timer trigger %s disabled: %s", fn.name, exc)
                continue
            if fn.trigger.get("runOnStartup"):
                self._fire(fn)
            schedules.append((fn, schedule, schedule.next_after(now)))
        while not self._stop_timers.is_set() and schedules:
            soonest = min(s[2] for s in schedules)
            wait = (soonest - datetime.now(UTC)).total_seconds()
            if wait > 0 and self._stop_timers.wait(min(wait, 1.0)):
                return
            now = datetime.now(UTC)
            for i, (fn, schedule, due) in enumerate(schedules):
                if due <= now:
                    self._fire(fn)
                    schedules[i] = (fn, schedule, schedule.next_after(now))

    def _fire(self, fn: Any) -> None:
        kwargs: dict[str, Any] = {fn.trigger_param: trigger_value(fn, None)}
        if fn.client_param:
            kwargs[fn.client_param] = self.client_binding()
        future = self._public.submit(invoke_on_loop(fn, kwargs))

        def report(done: Future[Any]) -> None:
            if done.exception() is not None:
                logger.error("timer trigger %s failed: %s", fn.name, done.exception())

        future.add_done_callback(report)
