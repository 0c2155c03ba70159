"""``sync_catalog``: one pull sync of one catalog (instance id ``sync:{catalog}``, a singleton).

extract pages (staged) → transform pages (fan-out) → plan waves → import wave by wave as ``upsert_chunk``
sub-orchestrations (classifications → terms by level → assets → processes) → record the run summary in the
``catalog`` entity. A failed extract fails the run, and only completed runs count for deletion, so a broken
source never makes anything stale. ``import_waves`` is shared with push ingestion.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities.catalogs import cleanup_staging
from activities.deletion import delete_objects, find_stale
from activities.extract import extract_page, plan_waves, transform_page
from activities.upsert import merge_index
from config.catalogs import DeletionPolicy
from orchestrators.upsert_chunk import ACTIVITY_RETRY, upsert_chunk
from sync.guards import RunFacts, RunVerdict, run_completeness
from sync.summary import (
    add_error,
    add_errors,
    empty_summary,
    failure_text,
    merge,
    seen_objects,
    tally,
)

__all__ = [
    "PARALLEL_CHUNKS",
    "SEGMENT_PAGES",
    "SourceIncompleteError",
    "bp",
    "execute_markers",
    "import_waves",
    "sync_instance_id",
]

bp = df.Blueprint()

PARALLEL_CHUNKS = 8
"""``upsert_chunk`` sub-orchestrations of one wave running at once (each holds ≤ CHUNK_SIZE leases)."""
SEGMENT_PAGES = 250
"""Pages per ``extract_segment`` execution (~6 history events per page, so ~1,500 per execution)."""


class SourceIncompleteError(Exception):
    """The extract could not read the source whole; raised in the orchestrator so the run fails."""


def sync_instance_id(catalog: str) -> str:
    return f"sync:{catalog}"


def import_waves(
    context: df.DurableOrchestrationContext,
    request: dict[str, Any],
    items_refs: list[str],
    rejected_refs: list[str],
    summary: dict[str, Any],
) -> Generator[Any, Any, None]:
    """Plan the staged items into waves and import them in order; adds to ``summary``."""
    plan = yield context.call_activity_with_retry(
        plan_waves,
        ACTIVITY_RETRY,
        {
            "run_id": request["run_id"],
            "catalog": request["catalog"],
            "chunk_size": request["options"]["chunk_size"],
            "items_refs": items_refs,
            "rejected_refs": rejected_refs,
        },
    )
    add_errors(summary, plan["order_failures"], plan["order_failure_count"])
    summary["unattributed"] = summary.get("unattributed", 0) + int(plan.get("unattributed", 0))
    index_ref: str | None = None
    for number, wave in enumerate(plan["waves"]):
        _status(context, request, summary, phase=f"import {wave['phase']}", wave=number)
        # a bounded number of chunks in flight: a chunk takes its objects' leases when it starts, so it must
        # reach Purview well within the lease, however large the wave
        in_flight = max(1, int(request["options"].get("parallel_chunks", PARALLEL_CHUNKS)))
        outputs: list[dict[str, Any]] = []
        for start in range(0, len(wave["chunks"]), in_flight):
            outputs += yield context.task_all(
                [
                    context.call_sub_orchestrator(
                        upsert_chunk,
                        {
                            "catalog": request["catalog"],
                            "run_id": request["run_id"],
                            "phase": wave["phase"],
                            "ref": part["ref"],
                            "chunk_id": part["id"],
                            "index_ref": index_ref,
                            "asset_index_ref": plan["asset_index_ref"],
                            "dry_run": request.get("dry_run", False),
                            "mode": request.get("mode") or "normal",
                            "options": request["options"],
                        },
                        expected_type=dict,  # the SDK would guess `str` from the orchestrator wrapper
                    )
                    for part in wave["chunks"][start : start + in_flight]
                ]
            )
        parts: list[str | None] = [index_ref]
        for output in outputs:
            parts.extend(output.pop("index_refs", []))
            summary.setdefault("plan_refs", []).extend(output.pop("plan_refs", []))
            merge(summary, output)
        if len(parts) > 1 and number + 1 < len(plan["waves"]):
            index_ref = yield context.call_activity_with_retry(
                merge_index,
                ACTIVITY_RETRY,
                {"run_id": request["run_id"], "refs": parts, "name": f"{number:03d}"},
            )


def execute_markers(
    context: df.DurableOrchestrationContext,
    request: dict[str, Any],
    refs: list[str],
    summary: dict[str, Any],
) -> Generator[Any, Any, int]:
    """Execute the staged delete markers through the delete-marker guard; held ones go to the summary.

    Returns how many markers name an object the sync holds: only those explain a drop to the shrink guard
    (a marker for an id never synced must not make a truncated source look whole)."""
    outcome = yield context.call_activity_with_retry(
        delete_objects,
        ACTIVITY_RETRY,
        {"catalog": request["catalog"], "refs": refs, "force": bool(request.get("force_deletes"))},
    )
    for kind, n in outcome["deleted"].items():
        tally(summary, kind, "deleted", n)
    executed = sum(outcome["deleted"].values())
    if executed:  # remembered for 24 h: a storm in many small push batches meets the guard as a whole
        try:
            yield context.call_entity(
                df.EntityId("catalog", request["catalog"]),
                "deletions_executed",
                {"count": executed, "now": context.current_utc_datetime.isoformat()},
            )
        except Exception as exc:
            add_error(summary, f"marker deletions not recorded for the storm guard: {failure_text(exc)}")
    add_errors(summary, outcome["errors"], outcome["failed"])
    summary["unknown_deletions"] = summary.get("unknown_deletions", 0) + outcome["unknown"]
    if outcome.get("held"):
        summary["deletes_held"] = outcome["held"]
        add_error(summary, outcome["held"]["message"])
    return int(outcome.get("named", 0))


def _deletion_verdict(
    request: dict[str, Any], summary: dict[str, Any], *, failed: bool, markers: int, baseline: int | None
) -> RunVerdict:
    """Whether this run counts as complete for deletion (shrink guard; a dry run never counts)."""
    unattributed = int(summary.pop("unattributed", 0))
    if request.get("dry_run"):
        return RunVerdict(False, [], [], "a dry run never counts for deletion")
    facts = RunFacts(
        seen=seen_objects(summary),
        delete_markers=markers,
        unattributed=unattributed,
        failed_objects=sum(c.get("failed", 0) for c in summary["counts"].values()),
        last_complete_seen=baseline,
        run_failed=failed,
    )
    policy = DeletionPolicy.model_validate(request.get("deletion") or {})
    return run_completeness(policy, facts, accept_shrink=bool(request.get("accept_shrink")))


def _status(
    context: df.DurableOrchestrationContext, request: dict[str, Any], summary: dict[str, Any], **extra: Any
) -> None:
    """Custom status: small (far below 16 KB) — phase, counts, last error."""
    context.set_custom_status(
        {
            "catalog": request["catalog"],
            "run_id": request["run_id"],
            "dry_run": bool(request.get("dry_run")),
            **extra,
            "counts": summary["counts"],
            "last_error": summary["errors"][-1] if summary["errors"] else None,
        }
    )


@bp.orchestration_trigger(context_name="context")
def extract_segment(context: df.DurableOrchestrationContext) -> Any:
    """Extract up to ``SEGMENT_PAGES`` pages from ``cursor`` and transform them (fan-out).

    Input ``{catalog, run_id, cursor, first_page}`` → refs of the staged items, rejected records and
    deletions, counts, a capped error sample, and the cursor to continue from (``None`` at the end).
    """
    request: dict[str, Any] = context.get_input()
    cursor = request["cursor"]
    refs: list[str] = []
    while len(refs) < SEGMENT_PAGES:
        page = yield context.call_activity_with_retry(
            extract_page,
            ACTIVITY_RETRY,
            {
                "catalog": request["catalog"],
                "run_id": request["run_id"],
                "cursor": cursor,
                "page": request["first_page"] + len(refs),
            },
        )
        if page.get("source_error"):  # not whole: fail the run (failed runs never count for deletion)
            raise SourceIncompleteError(f"source incomplete: {page['source_error']}")
        refs.append(page["ref"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    transformed = yield context.task_all(
        [
            context.call_activity_with_retry(
                transform_page,
                ACTIVITY_RETRY,
                {
                    "catalog": request["catalog"],
                    "run_id": request["run_id"],
                    "ref": ref,
                    "page": request["first_page"] + n,
                },
            )
            for n, ref in enumerate(refs)
        ]
    )
    segment = empty_summary()
    ignored: dict[str, int] = {}
    for output in transformed:
        add_errors(segment, output["errors"], output["rejected"] + output.get("duplicates", 0))
        for aspect, n in output.get("ignored", {}).items():
            ignored[aspect] = ignored.get(aspect, 0) + n
    return {
        **segment,
        "pages": len(refs),
        "next_cursor": cursor,
        "items_refs": [o["items_ref"] for o in transformed],
        "rejected_refs": [o["rejected_ref"] for o in transformed if o["rejected_ref"]],
        "deletions_refs": [o["deletions_ref"] for o in transformed if o.get("deletions_ref")],
        "rejected": sum(o["rejected"] for o in transformed),
        "deletions": sum(o.get("deletions", 0) for o in transformed),
        "ignored": ignored,
    }


@bp.orchestration_trigger(context_name="context")
def sync_catalog(context: df.DurableOrchestrationContext) -> Any:
    """Input: ``{catalog, dry_run, options}`` (options: chunk sizes, lease, busy retries — from settings)."""
    request: dict[str, Any] = dict(context.get_input())
    request["run_id"] = context.new_uuid()
    markers, last_seen = 0, None
    catalog_entity = df.EntityId("catalog", request["catalog"])
    started = context.current_utc_datetime
    dry = bool(request.get("dry_run"))
    if not dry:
        context.signal_entity(
            catalog_entity, "run_started", {"run_id": request["run_id"], "now": started.isoformat()}
        )
    summary = empty_summary()
    summary["ignored"] = {}
    status = "completed"
    pages = 0
    _status(context, request, summary, phase="extract", pages=0)
    try:
        cursor: str | None = None
        items_refs: list[str] = []
        rejected_refs: list[str] = []
        deletions: list[str] = []
        markers = 0
        while True:  # segments of ≤ SEGMENT_PAGES pages keep every execution's history small
            segment = yield context.call_sub_orchestrator(
                extract_segment,
                {
                    "catalog": request["catalog"],
                    "run_id": request["run_id"],
                    "cursor": cursor,
                    "first_page": pages,
                },
                expected_type=dict,
            )
            pages += segment["pages"]
            items_refs += segment["items_refs"]
            rejected_refs += segment["rejected_refs"]
            deletions += segment["deletions_refs"]
            merge(summary, segment)
            summary["rejected"] = summary.get("rejected", 0) + segment["rejected"]
            for aspect, n in segment["ignored"].items():
                summary["ignored"][aspect] = summary["ignored"].get(aspect, 0) + n
            cursor = segment["next_cursor"]
            _status(context, request, summary, phase="extract", pages=pages)
            if not cursor:
                break
        yield from import_waves(context, request, items_refs, rejected_refs, summary)
        if deletions and not dry:  # the source says these are gone (e.g. DataHub soft deletes)
            _status(context, request, summary, phase="delete removed")
            markers = yield from execute_markers(context, request, deletions, summary)
        if dry:
            _status(context, request, summary, phase="plan deletes")
            registry = yield context.call_entity(catalog_entity, "get")
            stale = yield context.call_activity_with_retry(
                find_stale,
                ACTIVITY_RETRY,
                {
                    "catalog": request["catalog"],
                    "run_id": request["run_id"],
                    "now": context.current_utc_datetime.isoformat(),
                    "complete_runs": [run["started"] for run in (registry or {}).get("complete_runs", [])],
                },
            )
            summary["deletes"] = {k: stale[k] for k in ("stale_count", "blocked", "message", "sample", "ref")}
        if not dry:  # whether this run may make anything stale: compare with the last complete run
            registry = yield context.call_entity(catalog_entity, "get")
            last_complete = ((registry or {}).get("complete_runs") or [{}])[0]
            last_seen = last_complete.get("seen")
    except Exception as exc:  # an activity failed after its retries: the run fails, nothing becomes stale
        status = "failed"
        add_error(summary, f"run failed: {failure_text(exc)}")
    ended = context.current_utc_datetime
    seen = seen_objects(summary)
    verdict = _deletion_verdict(
        request, summary, failed=status != "completed", markers=markers, baseline=last_seen
    )
    result = {
        "catalog": request["catalog"],
        "run_id": request["run_id"],
        "status": "dry_run" if dry and status == "completed" else status,
        **summary,
        **verdict.to_json(),
        "seen": seen,
        "pages": pages,
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "duration_s": round((ended - started).total_seconds(), 3),
    }
    if not dry:  # a call, not a signal: when the run is over, its record is in the catalog's history
        finished = context.call_entity(
            catalog_entity,
            "run_finished",
            {
                "run_id": request["run_id"],
                "status": status,
                "complete_for_deletion": verdict.complete,
                "held": verdict.held,
                "accepted": verdict.accepted,
                "seen": seen,
                "summary": {
                    "counts": summary["counts"],
                    "purview_calls": sum(summary["purview_calls"].values()),
                    "errors": summary["errors"],
                    "error_count": summary["error_count"],
                },
                "now": ended.isoformat(),
            },
        )
        try:
            yield finished
        except Exception as exc:  # the registry refused the record: say so, the run itself is done
            add_error(summary, f"run not recorded in the catalog's history: {str(exc)[:300]}")
    if not dry and status == "completed":  # a failed run keeps its staged pages (for a look) until retention
        try:  # staged pages are not needed any more; a dry run keeps its plan (removed after the retention)
            yield context.call_activity(cleanup_staging, {"run_id": request["run_id"], "retention_hours": 72})
        except Exception as exc:
            add_error(summary, f"staged data not cleaned up: {str(exc)[:200]}")
    context.set_custom_status(
        {
            "catalog": request["catalog"],
            "run_id": request["run_id"],
            "phase": status,
            "counts": summary["counts"],
            "complete_for_deletion": verdict.complete,
            "held": verdict.held,
        }
    )
    return result
