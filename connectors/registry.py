"""The connector registry: connector name → class, loaded lazily so a broken connector only breaks itself.

Unknown names and connectors whose import fails raise ``ConnectorError`` naming the catalog and the fix;
``build_connector`` validates the catalog's ``source:`` settings with the connector's ``config_model``.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from config import CatalogConfig
from connectors.base import Connector

__all__ = ["CONNECTORS", "ConnectorError", "build_connector", "connector_class", "known_connectors"]

#: name → "module:Class"
CONNECTORS: dict[str, str] = {
    "datahub": "connectors.datahub.connector:DataHubConnector",
    "pivotfile": "connectors.pivotfile.connector:PivotFileConnector",
}


class ConnectorError(Exception):
    """A catalog names a connector that is unknown, cannot be loaded, or whose settings are invalid."""


def known_connectors() -> list[str]:
    return sorted(CONNECTORS)


def connector_class(name: str) -> type[Connector]:
    target = CONNECTORS.get(name)
    if target is None:
        raise ConnectorError(f"unknown connector {name!r}; known connectors: {', '.join(known_connectors())}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConnectorError(
            f"connector {name!r} cannot be loaded ({exc}); is its dependency installed?"
        ) from exc
    cls = getattr(module, class_name)
    if not (inspect.isclass(cls) and issubclass(cls, Connector)) or inspect.isabstract(cls):
        raise ConnectorError(f"connector {name!r}: {target} is not a concrete Connector subclass")
    if getattr(cls, "config_model", None) is None:
        raise ConnectorError(f"connector {name!r}: {target} names no config type (Connector[ItsConfig])")
    return cls


def build_connector(
    catalog: CatalogConfig, *, base_dir: Path | None = None, file: str = "catalogs.yaml"
) -> Connector:
    """Construct the catalog's connector; invalid ``source:`` settings raise ``ConnectorError``.

    The message names the file, the catalog and each field, and never echoes values (they may be secrets).
    """
    cls = connector_class(catalog.connector)
    try:
        config = cls.config_model.model_validate(catalog.source)
    except ValidationError as exc:
        problems = "; ".join(f"{_field(error)}: {_short(error)}" for error in exc.errors())
        raise ConnectorError(f"{file}: catalog {catalog.name!r}: {problems}") from None
    return cls(catalog, config, base_dir=base_dir)


def _field(error: ErrorDetails) -> str:
    """``source.<path>`` of the setting at fault; ``source`` for a rule across settings."""
    return ".".join(["source", *(str(part) for part in error["loc"])])


def _short(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown setting"
    if error["type"] == "missing":
        return "required"
    if error["type"] == "value_error":  # a validator's own message, without pydantic's "Value error, "
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return error["msg"]
