"""What ``func start`` reads besides the code: ``host.json`` settings and ``local.settings.json`` values."""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DurableSettings", "durable_settings", "load_local_settings", "read_host_json", "resolve_setting"]

logger = logging.getLogger(__name__)
_SETTING = re.compile(r"^%([^%]+)%$")


def read_host_json(app_dir: Path | None) -> dict[str, Any]:
    """``app_dir/host.json`` as a dict (empty when missing or invalid)."""
    if app_dir is None or not (app_dir / "host.json").is_file():
        return {}
    try:
        data = json.loads((app_dir / "host.json").read_text())
    except ValueError:
        logger.warning("%s/host.json is not valid JSON; using defaults", app_dir)
        return {}
    return data if isinstance(data, dict) else {}


def resolve_setting(value: str) -> str:
    """``%NAME%`` → the app setting (environment variable) ``NAME``, as the Functions host resolves it."""
    match = _SETTING.match(value.strip())
    if match is None:
        return value
    return os.environ.get(match.group(1), value)


def load_local_settings(app_dir: Path | None) -> list[str]:
    """Put ``local.settings.json`` ``Values`` into the environment (existing variables win), like ``func``."""
    path = None if app_dir is None else app_dir / "local.settings.json"
    if path is None or not path.is_file():
        return []
    try:
        values = json.loads(path.read_text()).get("Values") or {}
    except (ValueError, AttributeError):
        logger.warning("%s is not valid JSON; ignored", path)
        return []
    loaded = []
    for key, value in values.items():
        if key not in os.environ and value is not None:
            os.environ[key] = str(value)
            loaded.append(key)
    return loaded


@dataclass(frozen=True)
class DurableSettings:
    """The ``extensions.durableTask`` and ``extensions.http`` settings the local host honours."""

    hub_name: str = "TestHub"
    max_activities: int | None = None
    max_orchestrators: int | None = None
    route_prefix: str = "api"


def durable_settings(app_dir: Path | None) -> DurableSettings:
    """Read the settings from host.json (``%SETTING%`` references resolved from the environment)."""
    extensions = read_host_json(app_dir).get("extensions") or {}
    durable = extensions.get("durableTask") or {}
    hub = resolve_setting(str(durable.get("hubName") or "TestHub"))
    if _SETTING.match(hub):
        hub = "TestHub"
    prefix = (extensions.get("http") or {}).get("routePrefix")
    return DurableSettings(
        hub_name=hub,
        max_activities=_positive(durable.get("maxConcurrentActivityFunctions")),
        max_orchestrators=_positive(durable.get("maxConcurrentOrchestratorFunctions")),
        route_prefix=prefix.strip("/") if isinstance(prefix, str) else "api",
    )


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None
