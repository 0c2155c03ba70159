"""The HTTP API (auth level FUNCTION). Errors are JSON ``{"error": {"code", "message"}}``.

``GET /api/catalogs`` · ``GET /api/catalogs/{name}`` (configuration + last runs) ·
``POST /api/catalogs/{name}/sync[?dry_run=true&accept_shrink=true&force_deletes=true]`` (202 + check-status
payload; 404; 409 while running or when the catalog is disabled) ·
``GET /api/catalogs/{name}/objects/{kind}/{external_id}`` (sync state) ·
``POST /api/cleanup[?catalog=&force=true]`` · ``POST /api/catalogs/{name}/events[?force_deletes=true]`` (push
over HTTP). A catalog with ``enabled: false`` refuses every start with 409 ``CatalogDisabled``.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from activities import resources
from config import ConfigError, redact
from entities.keys import encode_key
from entities.management import read_entity
from pivot import ITEM_KINDS
from triggers.responses import error_response, json_response
from triggers.starters import AlreadyRunning, CatalogDisabled, ensure_enabled, start_ingest, start_sync

__all__ = ["MAX_EVENTS_BODY", "bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

MAX_EVENTS_BODY = 4 * 1024 * 1024
"""Largest push body accepted over HTTP (Event Hubs batches are at most 1 MB per event)."""
_TRUE = {"1", "true", "yes"}


def _catalog_summary(name: str) -> dict[str, Any]:
    catalog = resources.catalogs().get(name)
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


def _flag(req: func.HttpRequest, name: str) -> bool:
    return req.params.get(name, "").lower() in _TRUE


def _enabled(name: str) -> func.HttpResponse | None:
    """``None`` when the catalog may run; else the 409 ``CatalogDisabled`` to answer."""
    try:
        ensure_enabled(name)
    except CatalogDisabled as exc:
        return error_response(409, "CatalogDisabled", str(exc))
    return None


def _known(name: str) -> func.HttpResponse | None:
    """``None`` when the catalog exists; else the 404 (or 500 for broken configuration) to answer."""
    try:
        config = resources.catalogs()
    except ConfigError as exc:
        logger.error("invalid configuration: %s", exc)
        return error_response(500, "InvalidConfiguration", str(exc))
    if name not in config:
        return error_response(404, "CatalogNotFound", f"no catalog named {name!r}")
    return None


@bp.route(route="catalogs", methods=["GET"])
def list_catalogs(req: func.HttpRequest) -> func.HttpResponse:
    """``GET /api/catalogs``: the configured catalogs."""
    try:
        names = resources.catalogs().names
        return json_response({"catalogs": [_catalog_summary(name) for name in names]})
    except ConfigError as exc:
        logger.error("invalid configuration: %s", exc)
        return error_response(500, "InvalidConfiguration", str(exc))


@bp.route(route="catalogs/{name}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def get_catalog(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """``GET /api/catalogs/{name}``: configuration (secrets redacted), current run and the last runs."""
    name = req.route_params.get("name", "")
    if (problem := _known(name)) is not None:
        return problem
    catalog = resources.catalogs().get(name)
    body = _catalog_summary(name)
    body["source"] = redact(catalog.source)
    body["type_mapping"] = catalog.type_mapping
    try:
        registry = await read_entity(client, "catalog", name) or {}
    except Exception as exc:
        logger.exception("reading the runs of %s failed", name)
        return error_response(502, "DurableStoreUnavailable", f"reading the catalog's runs failed: {exc}")
    body["current_run"] = registry.get("current")
    body["last_complete_run"] = (registry.get("complete_runs") or [None])[0]
    body["runs"] = registry.get("runs", [])
    return json_response(body)


@bp.route(route="catalogs/{name}/sync", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_catalog_sync(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Start a sync (or a dry run with ``?dry_run=true``) of one catalog.

    ``?accept_shrink=true`` counts the run as complete for deletion despite a shrink; ``?force_deletes=true``
    executes delete markers above ``max_delete_fraction``; ``?verify=true`` reads back what Purview holds and
    repairs drift; ``?full=true`` rewrites every object.
    """
    name = req.route_params.get("name", "")
    if (problem := _known(name) or _enabled(name)) is not None:
        return problem
    if not resources.catalogs().get(name).pulls:
        return error_response(400, "NotAPullCatalog", f"catalog {name!r} is push-only; send events instead")
    try:
        instance_id = await start_sync(
            client,
            name,
            dry_run=_flag(req, "dry_run"),
            accept_shrink=_flag(req, "accept_shrink"),
            force_deletes=_flag(req, "force_deletes"),
            mode=next((m for m in ("full", "verify") if _flag(req, m)), "normal"),
        )
    except AlreadyRunning as exc:
        return error_response(409, "SyncAlreadyRunning", str(exc))
    except CatalogDisabled as exc:
        return error_response(409, "CatalogDisabled", str(exc))
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


@bp.route(route="catalogs/{name}/objects/{kind}/{external_id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def get_object_state(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The sync state of one object (status, Purview guid, last error, what the sync assigned)."""
    name, kind = req.route_params.get("name", ""), req.route_params.get("kind", "")
    external_id = req.route_params.get("external_id", "")
    if (problem := _known(name)) is not None:
        return problem
    if kind not in ITEM_KINDS:
        return error_response(400, "InvalidKind", f"kind must be one of {', '.join(ITEM_KINDS)}")
    try:
        key = encode_key(name, kind, external_id)
    except ValueError as exc:
        return error_response(400, "InvalidExternalId", str(exc))
    try:
        state = await read_entity(client, "sync_state", key)
    except Exception as exc:
        logger.exception("reading sync state %s failed", key)
        return error_response(502, "DurableStoreUnavailable", f"reading the sync state failed: {exc}")
    if state is None:
        return error_response(404, "ObjectNotFound", f"no sync state for {name}|{kind}|{external_id}")
    return json_response(state)


@bp.route(route="cleanup", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start_cleanup(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """One deletion pass now (``?catalog=`` one catalog, ``?force=true`` past the deletion guard)."""
    name = req.params.get("catalog")
    if name and (problem := _known(name) or _enabled(name)) is not None:
        return problem
    force = _flag(req, "force")
    if force and not name:
        return error_response(400, "ForceNeedsCatalog", "force=true deletes past the guard: name one catalog")
    instance_id = await client.start_new("cleanup_pass", None, {"catalog": name, "force": force})
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


@bp.route(route="catalogs/{name}/events", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def post_events(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Push over HTTP for sources that cannot reach Event Hubs: the body is one batch of events.

    The same body posted twice is imported once (the instance id derives from its hash);
    ``?force_deletes=true`` executes its delete markers above the guard (a new instance: a batch whose
    markers were held may be posted again with it).
    """
    name = req.route_params.get("name", "")
    if (problem := _known(name) or _enabled(name)) is not None:
        return problem
    if not resources.catalogs().get(name).pushes:
        return error_response(400, "NotAPushCatalog", f"catalog {name!r} does not accept events (mode: pull)")
    body = req.get_body()
    if not body:
        return error_response(400, "EmptyBody", "the request body holds no events")
    if len(body) > MAX_EVENTS_BODY:
        return error_response(413, "BodyTooLarge", f"events body over {MAX_EVENTS_BODY} bytes; split it")
    digest = hashlib.sha256(body).hexdigest()[:24]
    force = _flag(req, "force_deletes")
    try:
        instance_id, started = await start_ingest(
            client, name, "http", f"{digest}-force" if force else digest, [body], force_deletes=force
        )
    except CatalogDisabled as exc:
        return error_response(409, "CatalogDisabled", str(exc))
    if not started:
        return json_response({"id": instance_id, "duplicate": True}, 200)
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response
