"""Typed configuration: app settings from the environment and the ``catalogs.yaml`` loader.

Everything here is pure validation (pydantic); invalid configuration fails at start with a message naming the
file, the catalog and the field. Secrets never appear in configuration, only references to app settings, which
are resolved when a connector needs them. No network I/O and no durable code may live here.
"""

from config.catalogs import (
    CATALOGS_FILE_ENV,
    CatalogConfig,
    CatalogsConfig,
    DeletionPolicy,
    Mode,
    load_catalogs,
    parse_catalogs,
)
from config.errors import (
    CatalogsFileError,
    ConfigError,
    Problem,
    SecretNotSetError,
    SettingsError,
    UnknownCatalogError,
)
from config.schedule import next_run, validate_ncrontab
from config.secrets import (
    REDACTED,
    find_literal_secrets,
    is_secret_key,
    redact,
    resolve_secret,
    resolve_setting,
    secret_setting_name,
)
from config.settings import PurviewTarget, Settings, load_settings

__all__ = [
    "CATALOGS_FILE_ENV",
    "REDACTED",
    "CatalogConfig",
    "CatalogsConfig",
    "CatalogsFileError",
    "ConfigError",
    "DeletionPolicy",
    "Mode",
    "Problem",
    "PurviewTarget",
    "SecretNotSetError",
    "Settings",
    "SettingsError",
    "UnknownCatalogError",
    "find_literal_secrets",
    "is_secret_key",
    "load_catalogs",
    "load_settings",
    "next_run",
    "parse_catalogs",
    "redact",
    "resolve_secret",
    "resolve_setting",
    "secret_setting_name",
    "validate_ncrontab",
]
