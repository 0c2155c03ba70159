"""Timer triggers: one per scheduled catalog (from ``catalogs.yaml``), and one that keeps ``cleanup`` alive.

The catalog timers are registered when the app loads, so invalid configuration stops the app at start with
a message naming the file, the catalog and the field — the behaviour the Functions host shows for any
import error.
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from activities import resources
from entities.management import read_entity
from orchestrators.cleanup import CLEANUP_INSTANCE_ID
from triggers.names import timer_function_name
from triggers.starters import AlreadyRunning, CatalogDisabled, is_active, start_sync

__all__ = ["CLEANUP_KEEPER_SCHEDULE", "bp", "scheduled_mode", "timer_function_name"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()

CLEANUP_KEEPER_SCHEDULE = "0 */5 * * * *"


def scheduled_mode(verify_every: int | None, registry: Any) -> str:
    """``verify`` for every ``verify_every``-th run of the catalog (counting the one about to start), else
    ``normal``: drift is repaired on a cadence while ordinary runs stay free for unchanged objects."""
    if not verify_every:
        return "normal"
    started = int((registry or {}).get("runs_started") or 0) if isinstance(registry, dict) else 0
    return "verify" if (started + 1) % verify_every == 0 else "normal"


async def _registry(client: df.DurableOrchestrationClient, catalog: str) -> Any:
    """The catalog's runs registry, or None when it cannot be read (the run is then a normal one)."""
    try:
        return await read_entity(client, "catalog", catalog)
    except Exception:
        logger.exception("catalog %s: runs registry unreadable; starting a normal run", catalog)
        return None


def _register_catalog_timer(catalog: str, schedule: str) -> None:
    @bp.function_name(timer_function_name(catalog))
    @bp.timer_trigger(arg_name="timer", schedule=schedule, run_on_startup=False, use_monitor=True)
    @bp.durable_client_input(client_name="client")
    async def sync_timer(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
        try:
            mode = scheduled_mode(resources.catalog(catalog).verify_every, await _registry(client, catalog))
            instance_id = await start_sync(client, catalog, mode=mode)
            logger.info("scheduled %s sync of %s started: %s", mode, catalog, instance_id)
        except AlreadyRunning:
            logger.warning("scheduled sync of %s skipped: the previous one is still running", catalog)
        except CatalogDisabled as exc:  # only enabled catalogs get a timer; this is a belt to those braces
            logger.error("scheduled sync of %s refused: %s", catalog, exc)


for _catalog in resources.catalogs().scheduled():
    assert _catalog.schedule is not None
    _register_catalog_timer(_catalog.name, _catalog.schedule)


@bp.timer_trigger(arg_name="timer", schedule=CLEANUP_KEEPER_SCHEDULE, run_on_startup=True, use_monitor=False)
@bp.durable_client_input(client_name="client")
async def cleanup_keeper(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """Start the eternal ``cleanup`` orchestration when it is not running (first start, after a failure)."""
    if await is_active(client, CLEANUP_INSTANCE_ID):
        return
    interval: Any = resources.settings().cleanup_interval_minutes
    await client.start_new("cleanup", CLEANUP_INSTANCE_ID, {"interval_minutes": interval})
    logger.info("cleanup orchestration started")
