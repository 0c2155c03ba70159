"""``ingest_events``: import one pushed batch (instance id ``ingest:{catalog}:{partition}:{first sequence}``,
so a redelivered batch finds its instance and is not imported twice).

The trigger has staged the event bodies; here they are decoded, transformed, imported like a sync's pages,
and deletion events are executed through the delete-marker guard (per batch, against the catalog's synced
objects; held above ``max_delete_fraction`` unless the batch was posted with ``force_deletes``). A push batch
is not a complete run, so it never makes anything stale.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities.catalogs import cleanup_staging
from activities.extract import decode_events, transform_page
from orchestrators.retries import ACTIVITY_RETRY
from orchestrators.steps import close_journal, execute_markers, import_waves
from sync.contracts import (
    DecodedEvents,
    DecodeRequest,
    IngestRequest,
    PageRequest,
    PageResult,
    RunScope,
    StagingCleanup,
)
from sync.summary import Tally, short

__all__ = ["bp", "ingest_instance_id"]

bp = df.Blueprint()


def ingest_instance_id(catalog: str, partition: str, first_sequence: int | str) -> str:
    return f"ingest:{catalog}:{partition}:{first_sequence}"


@bp.orchestration_trigger(context_name="context")
def ingest_events(context: df.DurableOrchestrationContext) -> Any:
    """Input :class:`IngestRequest` → the batch summary (counts, calls, errors, held deletes)."""
    ask = IngestRequest.model_validate(context.get_input())
    scope = RunScope(
        catalog=ask.catalog, run_id=ask.run_id, force_deletes=ask.force_deletes, options=ask.options
    )
    tally = Tally()
    decoded = DecodedEvents.model_validate(
        (
            yield context.call_activity_with_retry(
                decode_events,
                ACTIVITY_RETRY,
                DecodeRequest(
                    catalog=ask.catalog, run_id=ask.run_id, ref=ask.ref, batch=context.instance_id
                ).to_json(),
            )
        )
    )
    tally.errors_of(decoded.errors, decoded.error_count)
    page = PageResult.model_validate(
        (
            yield context.call_activity_with_retry(
                transform_page,
                ACTIVITY_RETRY,
                PageRequest(catalog=ask.catalog, run_id=ask.run_id, ref=decoded.ref, page=0).to_json(),
            )
        )
    )
    tally.errors_of(page.errors, page.rejected + page.duplicates)
    tally.rejected += page.rejected
    tally.report(page.report)
    rejected = [page.rejected_ref] if page.rejected_ref else []
    deletions = [page.deletions_ref] if page.deletions_ref else []
    done = yield from import_waves(
        context, scope, [page.items_ref], rejected, tally, deletions_refs=deletions
    )
    held = None
    if page.deletions_ref:  # guarded per batch: above max_delete_fraction they are held unless forced
        _, held = yield from execute_markers(context, scope, [page.deletions_ref], tally)
    close_journal(context, ask.catalog, done.journal_ref)
    try:
        yield context.call_activity(cleanup_staging, StagingCleanup(run_id=ask.run_id).to_json())
    except Exception as exc:
        tally.error(f"staged data not cleaned up: {short(exc)}")
    summary = tally.to_json()
    del summary["unattributed"]
    return {
        "catalog": ask.catalog,
        "run_id": ask.run_id,
        "status": "completed",
        **summary,
        "deletes_held": held.to_json() if held else None,
    }
