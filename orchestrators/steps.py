"""Steps shared by the pull sync and push ingestion: import staged items wave by wave, execute delete
markers through their guard. Generators to ``yield from`` inside an orchestrator."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities.deletion import delete_objects
from activities.extract import plan_waves
from activities.upsert import merge_index
from entities.catalog import CatalogState, complete_run_times
from orchestrators.retries import ACTIVITY_RETRY
from orchestrators.upsert_chunk import upsert_chunk
from sync.contracts import (
    ChunkRequest,
    ChunkResult,
    MarkerHold,
    MarkerRequest,
    MarkerResult,
    MergeIndexRequest,
    PlanRequest,
    RunScope,
    WavePlan,
)
from sync.summary import Tally, failure_text

__all__ = ["PARALLEL_CHUNKS", "complete_runs", "execute_markers", "import_waves"]

PARALLEL_CHUNKS = 8
"""``upsert_chunk`` sub-orchestrations of one wave running at once: a chunk takes its objects' leases when it
starts, so it must reach Purview well within the lease, however large the wave."""


def import_waves(
    context: df.DurableOrchestrationContext,
    scope: RunScope,
    items_refs: list[str],
    rejected_refs: list[str],
    tally: Tally,
) -> Generator[Any, Any, list[str]]:
    """Plan the staged items into waves and import them in order; returns a dry run's plan refs."""
    plan = WavePlan.model_validate(
        (
            yield context.call_activity_with_retry(
                plan_waves,
                ACTIVITY_RETRY,
                PlanRequest(
                    catalog=scope.catalog,
                    run_id=scope.run_id,
                    chunk_size=scope.options.chunk_size,
                    items_refs=items_refs,
                    rejected_refs=rejected_refs,
                ).to_json(),
            )
        )
    )
    tally.errors_of(plan.order_failures, plan.order_failure_count)
    tally.unattributed += plan.unattributed
    plan_refs: list[str] = []
    index_ref: str | None = None
    for number, wave in enumerate(plan.waves):
        context.set_custom_status(
            {
                "catalog": scope.catalog,
                "run_id": scope.run_id,
                "dry_run": scope.dry_run,
                "phase": f"import {wave.phase}",
                "wave": number,
                "counts": tally.counts,
                "last_error": tally.errors[-1] if tally.errors else None,
            }
        )
        outputs: list[Any] = []
        for start in range(0, len(wave.chunks), PARALLEL_CHUNKS):
            outputs += yield context.task_all(
                [
                    context.call_sub_orchestrator(
                        upsert_chunk,
                        ChunkRequest(
                            catalog=scope.catalog,
                            run_id=scope.run_id,
                            phase=wave.phase,
                            ref=part.ref,
                            chunk_id=part.id,
                            index_ref=index_ref,
                            asset_index_ref=plan.asset_index_ref,
                            dry_run=scope.dry_run,
                            mode=scope.mode,
                            options=scope.options,
                        ).to_json(),
                        expected_type=dict,  # the SDK would guess `str` from the orchestrator wrapper
                    )
                    for part in wave.chunks[start : start + PARALLEL_CHUNKS]
                ]
            )
        parts: list[str | None] = [index_ref]
        for output in outputs:
            result = ChunkResult.model_validate(output)
            tally.add(result.tally)
            parts += result.index_refs
            plan_refs += result.plan_refs
        if len(parts) > 1 and number + 1 < len(plan.waves):  # later waves resolve references through it
            index_ref = yield context.call_activity_with_retry(
                merge_index,
                ACTIVITY_RETRY,
                MergeIndexRequest(run_id=scope.run_id, refs=parts, name=f"{number:03d}").to_json(),
            )
    return plan_refs


def execute_markers(
    context: df.DurableOrchestrationContext, scope: RunScope, refs: list[str], tally: Tally
) -> Generator[Any, Any, tuple[int, MarkerHold | None]]:
    """Execute staged delete markers through the delete-marker guard.

    Returns how many markers name an object the sync holds (only those explain a drop to the shrink guard: a
    marker for an id never synced must not make a truncated source look whole) and the hold, if any."""
    outcome = MarkerResult.model_validate(
        (
            yield context.call_activity_with_retry(
                delete_objects,
                ACTIVITY_RETRY,
                MarkerRequest(catalog=scope.catalog, refs=refs, force=scope.force_deletes).to_json(),
            )
        )
    )
    for kind, n in outcome.deleted.items():
        tally.count(kind, "deleted", n)
    if executed := sum(outcome.deleted.values()):  # remembered 24 h: a storm in small batches meets the guard
        try:
            yield context.call_entity(
                df.EntityId("catalog", scope.catalog),
                "deletions_executed",
                {"count": executed, "now": context.current_utc_datetime.isoformat()},
            )
        except Exception as exc:
            tally.error(f"marker deletions not recorded for the storm guard: {failure_text(exc)}")
    tally.errors_of(outcome.errors, outcome.failed)
    tally.unknown_deletions += outcome.unknown
    if outcome.held:
        tally.error(outcome.held.message)
    return outcome.named, outcome.held


def complete_runs(registry: Any) -> list[str]:
    """Start times of the catalog's complete runs, read from its ``catalog`` entity state (``None``: none)."""
    return [started.isoformat() for started in complete_run_times(CatalogState.from_json(registry))]
