"""Helpers for tests and other code: start an emulator, and clients pointed at one.

from localdev.purview.testing import running_emulator, pyapacheatlas_client

with running_emulator() as emulator:
    client = pyapacheatlas_client(emulator.url)
    client.upload_entities([...])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from localdev.purview.server import EmulatorServer

__all__ = ["FakeCredential", "datamap_client", "pyapacheatlas_client", "running_emulator"]


@contextmanager
def running_emulator(data_dir: str | Path | None = None, **kwargs: Any) -> Iterator[EmulatorServer]:
    """Start an emulator on a free loopback port for the duration of the block."""
    server = EmulatorServer(port=0, data_dir=data_dir, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def pyapacheatlas_client(url: str, *, account_name: str = "emulator", **requests_args: Any) -> Any:
    """A pyapacheatlas ``PurviewClient`` whose endpoints all point at ``url`` (no Authorization header).

    ``requests_args`` (e.g. ``timeout=10``) are passed to every ``requests`` call.
    """
    from pyapacheatlas.core import PurviewClient

    client = PurviewClient(account_name=account_name, authentication=None, **requests_args)
    base = url.rstrip("/")
    client.endpoint_url = f"{base}/catalog/api/atlas/v2"
    client.glossary.endpoint_url = f"{base}/catalog/api/atlas/v2"
    client.collections.endpoint_url = f"{base}/"
    client.discovery.endpoint_url = f"{base}/catalog/api"
    return client


class FakeCredential:
    """An azure-core TokenCredential that hands out a fixed token (the emulator accepts any)."""

    def __init__(self, token: str = "emulator-token") -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        import time

        from azure.core.credentials import AccessToken

        del scopes, kwargs
        return AccessToken(self.token, int(time.time()) + 3600)


def datamap_client(url: str, *, token: str = "emulator-token", **kwargs: Any) -> Any:
    """An official ``azure.purview.datamap.DataMapClient`` pointed at ``url`` over plain HTTP.

    azure-core refuses Bearer tokens over http, so the client gets a plain header policy instead
    (``enforce_https`` is only honoured per request).
    """
    from azure.core.pipeline.policies import SansIOHTTPPolicy
    from azure.purview.datamap import DataMapClient

    class _PlainBearer(SansIOHTTPPolicy):  # type: ignore[type-arg]
        def on_request(self, request: Any) -> None:
            request.http_request.headers["Authorization"] = f"Bearer {token}"

    kwargs.setdefault("authentication_policy", _PlainBearer())
    return DataMapClient(endpoint=url.rstrip("/"), credential=FakeCredential(token), **kwargs)
