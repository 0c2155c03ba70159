"""Per-worker resources of activities: settings, catalogs, connectors, staging and the Purview gateway.

Created lazily on first use (never at import) and reused by every activity of the worker process, so a sync
does not reconnect per call. ``reset()`` forgets them (tests change settings between runs).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from azure.identity import DefaultAzureCredential

from config import CatalogConfig, CatalogsConfig, Settings, load_catalogs, load_settings
from connectors.base import Connector
from connectors.registry import build_connector, known_connectors
from purview import PurviewGateway, gateway_from_settings
from purview.bootstrap import TypeBootstrap
from purview.ratelimit import AdaptivePacer
from staging import Staging, staging_from_settings

__all__ = ["catalog", "catalogs", "connector", "gateway", "reset", "run_blocking", "settings", "staging"]

T = TypeVar("T")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def catalogs() -> CatalogsConfig:
    return load_catalogs(settings().catalogs_file, known_connectors=known_connectors())


def catalog(name: str) -> CatalogConfig:
    return catalogs().get(name)


def connector(name: str) -> Connector:
    """A fresh connector per call: connectors keep a per-pass report."""
    config = catalogs()
    return build_connector(config.get(name), base_dir=Path(config.file or ".").parent, file=str(config.file))


@lru_cache(maxsize=1)
def staging() -> Staging:
    return staging_from_settings(settings())


@lru_cache(maxsize=1)
def _shared_pacer() -> AdaptivePacer:
    """One adaptive pacer per process: all of its gateways share the account's capacity and its 429s."""
    return AdaptivePacer.for_capacity_units(settings().purview_capacity_units, utilisation=0.8)


@lru_cache(maxsize=1)
def _shared_types() -> TypeBootstrap:
    """The custom types are ensured once per process, whichever thread's gateway writes first."""
    return TypeBootstrap()


@lru_cache(maxsize=1)
def _credential() -> DefaultAzureCredential | None:
    return DefaultAzureCredential() if settings().purview_target().account_name else None


class _ThreadGateways(threading.local):
    """Each thread's gateway (its own HTTP session and counters) and the settings generation it was for."""

    generation: int = -1
    gateway: PurviewGateway | None = None


_threads = _ThreadGateways()
_generation = itertools.count()
_current_generation = next(_generation)


def gateway() -> PurviewGateway:
    """The calling thread's gateway: its own HTTP session and counters, the process's shared pacing."""
    if _threads.gateway is None or _threads.generation != _current_generation:
        _threads.gateway = gateway_from_settings(
            settings(), pacer=_shared_pacer(), types=_shared_types(), credential=_credential()
        )
        _threads.generation = _current_generation
    return _threads.gateway


@lru_cache(maxsize=1)
def _blocking_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="purview-io")


async def run_blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking work (Purview, staging) off the event loop on a long-lived pool, so async activities do
    not stall the worker and each pool thread keeps its gateway (session, caches) between calls."""
    return await asyncio.get_running_loop().run_in_executor(_blocking_pool(), fn, *args)


def reset() -> None:
    """Forget settings, catalogs and everything made from them; threads make new gateways on next use."""
    global _current_generation
    for cached in (settings, catalogs, staging, _shared_pacer, _shared_types, _credential):
        cached.cache_clear()
    _current_generation = next(_generation)
