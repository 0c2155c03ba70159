"""Deletion: ``cleanup_pass`` (one pass over one or all catalogs) and ``cleanup`` (eternal, instance id
``cleanup``: a pass, a durable timer, ``continue_as_new``).

Per catalog: read its complete runs from the ``catalog`` entity, let ``find_stale`` apply the policy (stale =
not seen in the last ``min_complete_runs`` complete runs and older than ``retention_days``; blocked above
``max_delete_fraction`` unless forced), then ``delete_stale`` removes them from Purview and their sync state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from activities.catalogs import catalog_policies
from activities.deletion import delete_stale, find_stale
from orchestrators.upsert_chunk import ACTIVITY_RETRY

__all__ = ["CLEANUP_INSTANCE_ID", "bp"]

bp = df.Blueprint()
CLEANUP_INSTANCE_ID = "cleanup"


@bp.orchestration_trigger(context_name="context")
def cleanup_pass(context: df.DurableOrchestrationContext) -> Any:
    """Input ``{catalog?: name, force?: bool}`` → ``[{catalog, status, stale, deleted, message, errors}]``."""
    request: dict[str, Any] = context.get_input() or {}
    run_id = f"cleanup-{context.new_uuid()}"
    catalogs = yield context.call_activity_with_retry(
        catalog_policies, ACTIVITY_RETRY, {"catalog": request.get("catalog")}
    )
    reports = []
    for entry in catalogs:
        name = entry["name"]
        context.set_custom_status({"phase": "find_stale", "catalog": name})
        registry = yield context.call_entity(df.EntityId("catalog", name), "get")
        complete = [run["started"] for run in (registry or {}).get("complete_runs", [])]
        decision = yield context.call_activity_with_retry(
            find_stale,
            ACTIVITY_RETRY,
            {
                "catalog": name,
                "run_id": run_id,
                "now": context.current_utc_datetime.isoformat(),
                "complete_runs": complete,
                "force": bool(request.get("force")),
            },
        )
        report = {
            "catalog": name,
            "status": "blocked" if decision["blocked"] else "completed",
            "reason": decision["reason"],
            "message": decision["message"],
            "stale": decision["stale_count"],
            "deleted": 0,
            "errors": [],
        }
        if decision["ref"] and not decision["blocked"] and not request.get("dry_run"):
            context.set_custom_status({"phase": "delete", "catalog": name, "stale": decision["stale_count"]})
            outcome = yield context.call_activity_with_retry(
                delete_stale, ACTIVITY_RETRY, {"ref": decision["ref"]}
            )
            report["deleted"] = outcome["deleted"]
            report["errors"] = outcome["errors"]
        reports.append(report)
    context.set_custom_status({"phase": "done", "catalogs": len(reports)})
    return reports


@bp.orchestration_trigger(context_name="context")
def cleanup(context: df.DurableOrchestrationContext) -> Any:
    """Eternal: ``{interval_minutes}`` → a pass over all catalogs, wait, continue as new (fresh history)."""
    request: dict[str, Any] = context.get_input() or {}
    interval = int(request.get("interval_minutes", 60))
    reports = yield context.call_sub_orchestrator(cleanup_pass, {}, expected_type=list)
    context.set_custom_status(
        {"last_pass": context.current_utc_datetime.isoformat(), "reports": reports[:20]}
    )
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=interval))
    context.continue_as_new({"interval_minutes": interval})
    return None
