"""The app's configuration as the triggers see it: loaded once per worker, validated against the registry."""

from __future__ import annotations

from functools import lru_cache

from config import CatalogsConfig, Settings, load_catalogs, load_settings
from connectors.registry import known_connectors

__all__ = ["catalogs", "settings"]


@lru_cache(maxsize=1)
def catalogs() -> CatalogsConfig:
    """The validated ``catalogs.yaml`` (``CATALOGS_FILE``); ``ConfigError`` names file, catalog, field."""
    return load_catalogs(known_connectors=known_connectors())


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
