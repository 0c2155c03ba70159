"""``LocalApp``: this project's function app running on the local Durable host against a Purview endpoint.

Starts (in this process) the Purview emulator when no endpoint is given, the local Durable host with the app's
``function_app.py``, and its HTTP server (the app's own HTTP API and the management API), with all state under
one data folder, so sync state, staged data and the emulator's content persist between runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from localdev.app import app_dir as find_app_dir
from localdev.app import reset_app_caches
from localdev.durable import DurableHost, HostServer
from localdev.purview.server import EmulatorServer

__all__ = ["LocalApp", "RunFailed"]


class RunFailed(Exception):
    """A local run could not be started or did not finish (the message says why)."""


class LocalApp:
    """The app on one machine. Use as a context manager; ``post``/``wait`` drive it through its HTTP API."""

    def __init__(
        self,
        *,
        data_dir: str | Path = ".localdev",
        catalogs_file: str | Path | None = None,
        purview_endpoint: str | None = None,
        emulator_options: dict[str, Any] | None = None,
        timer_triggers: bool = False,
        workers: int | None = None,
        app_dir: str | Path | None = None,
    ) -> None:
        self.app_dir = find_app_dir(app_dir)  # --app-dir, else $LOCALDEV_APP_DIR, else the current directory
        self.data_dir = Path(data_dir).resolve()
        self.catalogs_file = (
            Path(catalogs_file).resolve() if catalogs_file else self.app_dir / "catalogs.yaml"
        )
        self.purview_endpoint = purview_endpoint
        self.emulator_options = emulator_options or {}
        self.timer_triggers = timer_triggers
        self.workers = workers
        self.emulator: EmulatorServer | None = None
        self.host: DurableHost | None = None
        self.server: HostServer | None = None
        self._saved_env: dict[str, str | None] = {}

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def start(self) -> LocalApp:
        try:
            return self._start()
        except BaseException:
            self.stop()  # whatever did start (emulator, host) stops, and the environment is restored
            raise

    def _start(self) -> LocalApp:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        endpoint = self.purview_endpoint
        if endpoint is None:
            self.emulator = EmulatorServer(
                port=0, data_dir=self.data_dir / "purview", **self.emulator_options
            )
            self.emulator.start()
            endpoint = self.emulator.url
        self._set_env(
            {
                "CATALOGS_FILE": str(self.catalogs_file),
                "PURVIEW_ENDPOINT": endpoint,
                "STAGING_BACKEND": "local",
                "STAGING_DIR": str(self.data_dir / "staging"),
            }
        )
        os.environ.pop("PURVIEW_ACCOUNT_NAME", None)
        reset_app_caches(self.app_dir)
        self.host = DurableHost(self.app_dir, data_dir=self.data_dir / "durable", workers=self.workers)
        self.host.start()
        self.server = HostServer(self.host, timer_triggers=self.timer_triggers)
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop what runs (safe to call twice: a test may stop the app before its fixture does)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.host is not None:
            self.host.stop()
            self.host = None
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        reset_app_caches(self.app_dir)

    def __enter__(self) -> LocalApp:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self.server is not None, "LocalApp is not started"
        return self.server.base_url

    def post(self, path: str, **params: str) -> requests.Response:
        """POST to the app's HTTP API (``/api/...``)."""
        return requests.post(f"{self.base_url}/api/{path}", params=params, timeout=60)

    def post_body(self, path: str, body: str | bytes) -> requests.Response:
        """POST a raw body to the app's HTTP API (e.g. push events)."""
        return requests.post(f"{self.base_url}/api/{path}", data=body, timeout=60)

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base_url}/api/{path}", timeout=60)

    def start_and_wait(
        self,
        path: str,
        *,
        params: dict[str, str] | None = None,
        timeout: float = 3600,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """POST a starter route, then poll the instance until it finishes; returns the final status JSON."""
        response = self.post(path, **(params or {}))
        if response.status_code != 202:
            try:
                error = response.json()["error"]
                message = f"{error['code']}: {error['message']}"
            except (ValueError, KeyError, TypeError):
                message = response.text[:500]
            raise RunFailed(f"POST /api/{path} answered {response.status_code}: {message}")
        return self.wait(response.json()["id"], timeout=timeout, on_status=on_status)

    def wait(
        self,
        instance_id: str,
        *,
        timeout: float = 3600,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        assert self.host is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.host.get_status(instance_id) or {"runtimeStatus": "Pending"}
            if on_status is not None:
                on_status(status)
            if status["runtimeStatus"] in ("Completed", "Failed", "Terminated"):
                return status
            time.sleep(0.2)
        raise RunFailed(f"{instance_id} did not finish within {timeout:.0f} s")
