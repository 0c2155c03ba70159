"""Event Hub triggers: one per push catalog (hub name = catalog name), cardinality many.

A batch is decoded by the catalog's connector, staged, and imported by an ``ingest_events`` orchestration
whose instance id derives from the partition and the batch's first sequence number, so a redelivered batch
(after a worker crash, before the checkpoint) is recognised and not imported twice. A disabled catalog gets no
trigger; a batch reaching one anyway is logged as an error and dropped (nothing written). Delete markers of
a batch go through the delete-marker guard; held ones are reported in the batch's output (Event Hubs cannot
force them: re-send them over HTTP with ``?force_deletes=true``).
"""

from __future__ import annotations

import hashlib
import logging

import azure.durable_functions as df
import azure.functions as func

from activities import resources
from triggers.names import event_function_name
from triggers.starters import CatalogDisabled, start_ingest

__all__ = ["batch_id", "bp", "event_function_name", "partition_of"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()


def partition_of(event: func.EventHubEvent) -> str:
    """The partition id from the trigger metadata (falls back to the partition key, then "0")."""
    metadata = event.metadata or {}
    context = metadata.get("PartitionContext") or {}
    if isinstance(context, dict) and context.get("PartitionId") is not None:
        return str(context["PartitionId"])
    return str(event.partition_key or "0")


def batch_id(events: list[func.EventHubEvent]) -> str:
    """The batch's first and last sequence numbers (a redelivery that carries more events is a new batch);
    without sequence numbers (never in Azure), a hash of the bodies."""
    numbers = [e.sequence_number for e in events if e.sequence_number is not None]
    if numbers:
        return f"{min(numbers)}-{max(numbers)}"
    digest = hashlib.sha256()
    for event in events:
        digest.update(hashlib.sha256(event.get_body()).digest())
    return "h" + digest.hexdigest()[:24]


def _register_event_trigger(catalog: str, connection: str) -> None:
    @bp.function_name(event_function_name(catalog))
    @bp.event_hub_message_trigger(
        arg_name="events", event_hub_name=catalog, connection=connection, cardinality="many"
    )
    @bp.durable_client_input(client_name="client")
    async def on_events(events: list[func.EventHubEvent], client: df.DurableOrchestrationClient) -> None:
        if not events:
            return
        bodies = [e.get_body() for e in events]
        try:
            instance_id, started = await start_ingest(
                client, catalog, partition_of(events[0]), batch_id(events), bodies
            )
        except CatalogDisabled as exc:  # disabled since the app loaded: drop, say so, write nothing
            logger.error("%d events of %s dropped: %s", len(events), catalog, exc)
            return
        logger.info(
            "%d events of %s: %s%s", len(events), catalog, instance_id, "" if started else " (redelivery)"
        )


_connection = resources.settings().eventhub_connection_setting
for _catalog in resources.catalogs().enabled():
    if _catalog.pushes:
        _register_event_trigger(_catalog.name, _connection)
