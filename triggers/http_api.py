"""The HTTP API (auth level FUNCTION): catalogs and their configuration.

Routes here answer from configuration only; run history and sync state come with the sync orchestrations.
"""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from config import ConfigError, redact
from triggers import app_config
from triggers.responses import error_response, json_response

__all__ = ["bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()


def _catalog_summary(name: str) -> dict[str, object]:
    catalog = app_config.catalogs().get(name)
    return {
        "name": catalog.name,
        "connector": catalog.connector,
        "mode": catalog.mode,
        "schedule": catalog.schedule,
        "enabled": catalog.enabled,
        "target_collection": catalog.target_collection,
        "glossary": catalog.glossary,
        "deletion": catalog.deletion.model_dump(mode="json"),
    }


@bp.route(route="catalogs", methods=["GET"])
def list_catalogs(req: func.HttpRequest) -> func.HttpResponse:
    """``GET /api/catalogs``: the configured catalogs."""
    try:
        names = app_config.catalogs().names
        return json_response({"catalogs": [_catalog_summary(name) for name in names]})
    except ConfigError as exc:
        logger.error("invalid configuration: %s", exc)
        return error_response(500, "InvalidConfiguration", str(exc))


@bp.route(route="catalogs/{name}", methods=["GET"])
def get_catalog(req: func.HttpRequest) -> func.HttpResponse:
    """``GET /api/catalogs/{name}``: one catalog's configuration (secrets redacted)."""
    name = req.route_params.get("name", "")
    try:
        config = app_config.catalogs()
    except ConfigError as exc:
        logger.error("invalid configuration: %s", exc)
        return error_response(500, "InvalidConfiguration", str(exc))
    if name not in config:
        return error_response(404, "CatalogNotFound", f"no catalog named {name!r}")
    body = _catalog_summary(name)
    body["source"] = redact(config.get(name).source)
    body["type_mapping"] = config.get(name).type_mapping
    return json_response(body)
