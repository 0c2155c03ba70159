"""Deletion: ``cleanup_pass`` (one pass over one or all catalogs) and ``cleanup`` (eternal, instance id
``cleanup``: a pass, a durable timer, ``continue_as_new``).

Per catalog: read its complete runs from the ``catalog`` entity, let ``find_stale`` apply the policy (stale =
not seen in the last ``min_complete_runs`` complete runs and older than ``retention_days``; blocked above
``max_delete_fraction`` unless forced), then ``delete_stale`` removes them from Purview and their sync state.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from activities.catalogs import catalog_policies
from activities.deletion import delete_stale, find_stale
from entities.catalog import CatalogState
from entities.manifest import OPEN_FOR, ManifestBook
from orchestrators.retries import ACTIVITY_RETRY
from orchestrators.steps import close_journal, journal, stale_request
from sync.contracts import (
    CatalogPoliciesRequest,
    CatalogPolicy,
    CleanupLoop,
    CleanupRequest,
    DeleteStaleRequest,
    DeleteStaleResult,
    StaleReport,
)
from sync.summary import failure_text

__all__ = ["CLEANUP_INSTANCE_ID", "bp"]

bp = df.Blueprint()
CLEANUP_INSTANCE_ID = "cleanup"
STATUS_CATALOGS = 50
"""Catalogs the eternal cleanup lists in its custom status (which must stay far below 16 KB)."""


@bp.orchestration_trigger(context_name="context")
def cleanup_pass(context: df.DurableOrchestrationContext) -> Any:
    """Input :class:`CleanupRequest` → ``[{catalog, status, reason, message, stale, deleted, errors}]``.

    One catalog's failure (its report says ``failed``) never stops the others.
    """
    ask = CleanupRequest.model_validate(context.get_input() or {})
    run_id = f"cleanup-{context.new_uuid()}"
    found = yield context.call_activity_with_retry(
        catalog_policies, ACTIVITY_RETRY, CatalogPoliciesRequest(catalog=ask.catalog).to_json()
    )
    catalogs = [CatalogPolicy.model_validate(entry) for entry in found]
    reports: list[dict[str, Any]] = []
    for entry in catalogs:
        context.set_custom_status({"phase": "find_stale", "catalog": entry.name, "done": len(reports)})
        try:
            report = yield from _one_catalog(context, entry.name, run_id, ask)
        except Exception as exc:
            reason = failure_text(exc)
            report = _report(entry.name, "failed", "error", reason, errors=[reason])
        reports.append(report)
    context.set_custom_status({"phase": "done", "catalogs": len(reports)})
    return reports


SYNC_RUNNING = "a sync of this catalog is running; its objects are not deleted until the next pass"


def _running(registry: Any, now: datetime) -> bool:
    """Whether the catalog's registry names a run in progress (the cleanup then leaves it alone: a run
    frees objects by the manifest it read, which a deletion now would not reach). A run current for longer
    than :data:`OPEN_FOR` was killed without finishing: it no longer blocks deletion."""
    current = CatalogState.from_json(registry).current
    return current is not None and now - current.started < OPEN_FOR


def _report(
    catalog: str,
    status: str,
    reason: str,
    message: str,
    *,
    stale: int = 0,
    deleted: int = 0,
    errors: list[str],
) -> dict[str, Any]:
    return {
        "catalog": catalog,
        "status": status,
        "reason": reason,
        "message": message,
        "stale": stale,
        "deleted": deleted,
        "errors": errors,
    }


def _one_catalog(
    context: df.DurableOrchestrationContext, name: str, run_id: str, ask: CleanupRequest
) -> Generator[Any, Any, dict[str, Any]]:
    registry = yield context.call_entity(df.EntityId("catalog", name), "get")
    if _running(registry, context.current_utc_datetime):
        return _report(name, "skipped", "sync_running", SYNC_RUNNING, errors=[])
    book = ManifestBook.from_json((yield context.call_entity(df.EntityId("manifest", name), "get")))
    request = stale_request(name, run_id, context, registry, book, force=ask.force, plan_only=ask.dry_run)
    decision = StaleReport.model_validate(
        (yield context.call_activity_with_retry(find_stale, ACTIVITY_RETRY, request.to_json()))
    )
    status = "blocked" if decision.blocked else "completed"
    deleted, errors = 0, list[str]()
    if decision.ref and not decision.blocked and not ask.dry_run:
        context.set_custom_status({"phase": "delete", "catalog": name, "stale": decision.stale_count})
        if decision.journal_ref:  # write-ahead: a run that meets these objects again asks their state
            yield from journal(context, name, decision.journal_ref)
        again = yield context.call_entity(df.EntityId("catalog", name), "get")
        if _running(again, context.current_utc_datetime):
            close_journal(context, name, decision.journal_ref)  # a sync started meanwhile: next pass
            return _report(
                name, "skipped", "sync_running", SYNC_RUNNING, stale=decision.stale_count, errors=[]
            )
        outcome = DeleteStaleResult.model_validate(
            (
                yield context.call_activity_with_retry(
                    delete_stale,
                    ACTIVITY_RETRY,
                    DeleteStaleRequest(ref=decision.ref, cutoff=decision.cutoff).to_json(),
                )
            )
        )
        deleted, errors = outcome.deleted, outcome.errors
        close_journal(context, name, decision.journal_ref)
    return _report(
        name,
        status,
        decision.reason,
        decision.message,
        stale=decision.stale_count,
        deleted=deleted,
        errors=errors,
    )


@bp.orchestration_trigger(context_name="context")
def cleanup(context: df.DurableOrchestrationContext) -> Any:
    """Eternal: :class:`CleanupLoop` → a pass over all catalogs, wait, continue as new (fresh history).

    A failed pass is recorded in the custom status and the loop goes on; the status holds counts only, far
    below the 16 KB limit.
    """
    loop = CleanupLoop.model_validate(context.get_input() or {})
    summary: dict[str, Any] = {"last_pass": context.current_utc_datetime.isoformat()}
    try:
        reports = yield context.call_sub_orchestrator(cleanup_pass, {}, expected_type=list)
        summary["catalogs"] = {
            r["catalog"]: {"status": r["status"], "stale": r["stale"], "deleted": r["deleted"]}
            for r in reports[:STATUS_CATALOGS]
        }
    except Exception as exc:
        summary["error"] = failure_text(exc)
    context.set_custom_status(summary)
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=loop.interval_minutes))
    context.continue_as_new(loop.to_json())
    return None
