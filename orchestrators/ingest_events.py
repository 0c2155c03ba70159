"""``ingest_events``: import one pushed batch (instance id ``ingest:{catalog}:{partition}:{first sequence}``,
so a redelivered batch finds its instance and is not imported twice).

The trigger has staged the decoded records; here they are transformed, imported like a sync's pages, and
deletion events delete at once. A push batch is not a complete run, so it never makes anything stale.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from activities.catalogs import cleanup_staging
from activities.deletion import delete_objects
from activities.extract import transform_page
from orchestrators.summary import add_errors, empty_summary, tally
from orchestrators.sync_catalog import import_waves
from orchestrators.upsert_chunk import ACTIVITY_RETRY

__all__ = ["bp", "ingest_instance_id"]

bp = df.Blueprint()


def ingest_instance_id(catalog: str, partition: str, first_sequence: int | str) -> str:
    return f"ingest:{catalog}:{partition}:{first_sequence}"


@bp.orchestration_trigger(context_name="context")
def ingest_events(context: df.DurableOrchestrationContext) -> Any:
    """Input: ``{catalog, run_id, ref (staged raw records), options}`` → the batch summary."""
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
    if page["deletions_ref"]:
        outcome = yield context.call_activity_with_retry(
            delete_objects, ACTIVITY_RETRY, {"catalog": request["catalog"], "refs": [page["deletions_ref"]]}
        )
        for kind, n in outcome["deleted"].items():
            tally(summary, kind, "deleted", n)
        add_errors(summary, outcome["errors"], outcome["failed"])
        summary["unknown_deletions"] = outcome["unknown"]
    try:
        yield context.call_activity(cleanup_staging, {"run_id": request["run_id"], "retention_hours": 72})
    except Exception as exc:
        add_errors(summary, [f"staged data not cleaned up: {str(exc)[:200]}"])
    return {"catalog": request["catalog"], "run_id": request["run_id"], "status": "completed", **summary}
