"""What the client functions share: sync options from settings, singleton starts, push-batch staging.

A sync instance is a singleton per catalog (``sync:{catalog}``; dry runs ``plan:{catalog}``): a start while
one is active answers "already running" instead of starting a second.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import azure.durable_functions as df

from activities import resources
from orchestrators.ingest_events import ingest_instance_id
from orchestrators.sync_catalog import sync_instance_id

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
HISTORY_BUDGET = 4500


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
    """The numbers orchestrators need, read once here so orchestrators never read settings."""
    s = resources.settings()
    # each busy retry round adds ~2 history events per item: keep a chunk's execution under ~5,000 events
    busy_retries = min(s.busy_retry_count, max(0, HISTORY_BUDGET // (2 * s.chunk_size) - 1))
    return {
        "chunk_size": s.chunk_size,
        "batch_items": s.purview_batch_size,
        "lease_seconds": s.lease_minutes * 60,
        "busy_retries": busy_retries,
        "busy_delay_seconds": s.busy_retry_delay_seconds,
    }


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
            {
                "catalog": catalog,
                "dry_run": dry_run,
                "accept_shrink": accept_shrink,
                "force_deletes": force_deletes,
                "mode": mode,
                "deletion": resources.catalogs().get(catalog).deletion.model_dump(mode="json"),
                "options": sync_options(),
            },
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
    """Decode and stage one pushed batch, then start its ``ingest_events`` instance.

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
    connector = resources.connector(catalog)
    records: list[dict[str, Any]] = []
    undecodable: list[str] = []
    for number, body in enumerate(bodies):
        try:
            records.extend(connector.decode(body))
        except Exception as exc:  # one bad event fails itself, not the batch
            undecodable.append(f"event {number} of {instance_id}: cannot decode: {str(exc)[:300]}")
    run_id = "ingest-" + hashlib.sha256(instance_id.encode()).hexdigest()[:32]
    ref = resources.staging().put_jsonl(run_id, "raw/000000.jsonl", records)
    await client.start_new(
        "ingest_events",
        instance_id,
        {
            "catalog": catalog,
            "run_id": run_id,
            "ref": ref,
            "options": sync_options(),
            "force_deletes": force_deletes,
            "undecodable": undecodable[:20],
            "undecodable_count": len(undecodable),
        },
    )
    return instance_id, True
