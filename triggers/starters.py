"""What the client functions share: singleton starts of syncs and push batches.

A sync instance is a singleton per catalog (``sync:{catalog}``; dry runs ``plan:{catalog}``): a start while
one is active answers "already running" instead of starting a second.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import azure.durable_functions as df

from activities import resources
from orchestrators.ingest_events import ingest_instance_id
from orchestrators.sync_catalog import sync_instance_id
from sync.contracts import IngestRequest, SyncRequest
from sync.options import sync_options as options_from

__all__ = [
    "ACTIVE",
    "AlreadyRunning",
    "CatalogDisabled",
    "ensure_enabled",
    "is_active",
    "start_ingest",
    "start_sync",
    "sync_options",
]

logger = logging.getLogger(__name__)
ACTIVE = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


class AlreadyRunning(Exception):
    """The singleton instance is active; the caller answers 409."""


class CatalogDisabled(Exception):
    """The catalog has ``enabled: false``: nothing may run for it; the caller answers 409."""


def ensure_enabled(catalog: str) -> None:
    """Raise ``CatalogDisabled`` for a catalog with ``enabled: false`` (every start path calls this)."""
    if not resources.catalogs().get(catalog).enabled:
        raise CatalogDisabled(
            f"catalog {catalog!r} is disabled (enabled: false in the catalogs file): it never runs or "
            "accepts events; set enabled: true to use it"
        )


def sync_options() -> dict[str, Any]:
    """The numbers orchestrators need (:class:`SyncOptions`); orchestrators never read settings."""
    return options_from(resources.settings()).to_json()


def _status_name(status: Any) -> str | None:
    runtime = getattr(status, "runtime_status", None)
    return getattr(runtime, "value", runtime) if runtime is not None else None


async def is_active(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    try:
        status = await client.get_status(instance_id)
    except Exception:  # the SDK raises on some 404 answers
        return False
    return _status_name(status) in ACTIVE


async def start_sync(
    client: df.DurableOrchestrationClient,
    catalog: str,
    *,
    dry_run: bool = False,
    accept_shrink: bool = False,
    force_deletes: bool = False,
    mode: str = "normal",
) -> str:
    """Start the catalog's sync (or plan); ``CatalogDisabled``, or ``AlreadyRunning`` when it is active.

    ``accept_shrink`` counts the run as complete for deletion despite a shrink; ``force_deletes`` executes
    delete markers above the guard. ``mode``: ``normal`` (unchanged objects cost nothing), ``verify`` (read
    back what Purview holds for every object and repair what is missing or differs) or ``full`` (rewrite all).
    """
    ensure_enabled(catalog)
    instance_id = f"plan:{catalog}" if dry_run else sync_instance_id(catalog)
    if await is_active(client, instance_id):
        raise AlreadyRunning(f"a {'plan' if dry_run else 'sync'} of catalog {catalog!r} is already running")
    try:
        await client.start_new(
            "sync_catalog",
            instance_id,
            SyncRequest.model_validate(
                {
                    "catalog": catalog,
                    "dry_run": dry_run,
                    "accept_shrink": accept_shrink,
                    "force_deletes": force_deletes,
                    "mode": mode,
                    "deletion": resources.catalogs().get(catalog).deletion,
                    "options": sync_options(),
                }
            ).to_json(),
        )
    except Exception as exc:  # the host refuses a start while the instance runs (a race with another start)
        if await is_active(client, instance_id):
            raise AlreadyRunning(f"a sync of catalog {catalog!r} is already running") from exc
        raise
    logger.info("started %s", instance_id)
    return instance_id


async def start_ingest(
    client: df.DurableOrchestrationClient,
    catalog: str,
    partition: str,
    first_sequence: int | str,
    bodies: Sequence[bytes],
    *,
    force_deletes: bool = False,
) -> tuple[str, bool]:
    """Stage one pushed batch's event bodies as they came, then start its ``ingest_events`` instance (which
    decodes them: a trigger only starts work).

    Returns ``(instance_id, started)``; ``started`` is False when the batch was seen before (redelivery). A
    batch whose earlier import failed or was terminated is imported again. ``CatalogDisabled`` for a disabled
    catalog (nothing staged or started).
    """
    ensure_enabled(catalog)
    instance_id = ingest_instance_id(catalog, partition, first_sequence)
    try:
        existing = await client.get_status(instance_id)
    except Exception:
        existing = None
    if _status_name(existing) not in (None, "Failed", "Terminated", "Canceled"):
        logger.info("batch %s already ingested or ingesting; skipped", instance_id)
        return instance_id, False
    run_id = "ingest-" + hashlib.sha256(instance_id.encode()).hexdigest()[:32]
    events = [{"body": base64.b64encode(body).decode("ascii")} for body in bodies]
    ref = resources.staging().put_jsonl(run_id, "events/000000.jsonl", events)
    request = IngestRequest(
        catalog=catalog, run_id=run_id, ref=ref, options=sync_options(), force_deletes=force_deletes
    )
    await client.start_new("ingest_events", instance_id, request.to_json())
    return instance_id, True
