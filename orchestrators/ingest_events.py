"""``ingest_events``: import one pushed batch (instance id ``ingest:{catalog}:{partition}:{first sequence}``,
so a redelivered batch finds its instance and is not imported twice).

The trigger has staged the decoded records; here they are transformed, imported like a sync's pages, and
deletion events are executed through the delete-marker guard (per batch, against the catalog's synced objects;
held above ``max_delete_fraction`` unless the batch was posted with ``force_deletes``). A push batch is not a
complete run, so it never makes anything stale.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities.catalogs import cleanup_staging
from activities.extract import transform_page
from orchestrators.sync_catalog import execute_markers, import_waves
from orchestrators.upsert_chunk import ACTIVITY_RETRY
from sync.summary import add_errors, empty_summary

__all__ = ["bp", "ingest_instance_id"]

bp = df.Blueprint()


def ingest_instance_id(catalog: str, partition: str, first_sequence: int | str) -> str:
    return f"ingest:{catalog}:{partition}:{first_sequence}"


@bp.orchestration_trigger(context_name="context")
def ingest_events(context: df.DurableOrchestrationContext) -> Any:
    """Input: ``{catalog, run_id, ref (staged raw records), options, force_deletes?}`` → the batch summary."""
    request: dict[str, Any] = dict(context.get_input())
    summary = empty_summary()
    page = yield context.call_activity_with_retry(
        transform_page,
        ACTIVITY_RETRY,
        {"catalog": request["catalog"], "run_id": request["run_id"], "ref": request["ref"], "page": 0},
    )
    add_errors(summary, page["errors"], page["rejected"] + page.get("duplicates", 0))
    add_errors(summary, request.get("undecodable", []), request.get("undecodable_count", 0))
    yield from import_waves(
        context, request, [page["items_ref"]], [page["rejected_ref"]] if page["rejected_ref"] else [], summary
    )
    if page["deletions_ref"]:  # guarded per batch: above max_delete_fraction they are held unless forced
        yield from execute_markers(context, request, [page["deletions_ref"]], summary)
    try:
        yield context.call_activity(cleanup_staging, {"run_id": request["run_id"], "retention_hours": 72})
    except Exception as exc:
        add_errors(summary, [f"staged data not cleaned up: {str(exc)[:200]}"])
    return {"catalog": request["catalog"], "run_id": request["run_id"], "status": "completed", **summary}
