"""Steps shared by the pull sync and push ingestion: import staged items wave by wave, execute delete
markers through their guard. Generators to ``yield from`` inside an orchestrator."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities.deletion import delete_objects
from activities.manifests import prune_state, write_manifest
from activities.plan import plan_waves
from activities.upsert import merge_index
from entities.catalog import CatalogState, complete_run_times
from entities.manifest import ManifestBook
from orchestrators.retries import ACTIVITY_RETRY
from orchestrators.upsert_chunk import upsert_chunk
from sync.contracts import (
    ChunkRequest,
    ChunkResult,
    FindStaleRequest,
    Imported,
    ManifestRequest,
    ManifestWritten,
    MarkerHold,
    MarkerRequest,
    MarkerResult,
    MergeIndexRequest,
    PlanRequest,
    PruneRequest,
    RunScope,
    WavePlan,
)
from sync.summary import Tally, failure_text

__all__ = [
    "PARALLEL_CHUNKS",
    "close_journal",
    "complete_runs",
    "execute_markers",
    "free_path",
    "import_waves",
    "journal",
    "publish_manifest",
    "read_manifest",
    "stale_request",
    "unaccounted_refs",
]

PARALLEL_CHUNKS = 8
"""``upsert_chunk`` sub-orchestrations of one wave running at once: a chunk takes its objects' leases when it
starts, so it must reach Purview well within the lease, however large the wave."""


def _manifest(catalog: str) -> df.EntityId:
    return df.EntityId("manifest", catalog)


def import_waves(
    context: df.DurableOrchestrationContext,
    scope: RunScope,
    items_refs: list[str],
    rejected_refs: list[str],
    tally: Tally,
    *,
    deletions_refs: list[str] | None = None,
    book: ManifestBook | None = None,
) -> Generator[Any, Any, Imported]:
    """Plan the staged items into waves and import them in order.

    With the catalog's manifest ``book`` (a pull run) objects it holds unchanged skip their sync state.
    Whatever goes through sync states is journaled first, before any of them is touched (a dry run touches
    none); the result is what the run's manifest is written from.
    """
    book = book or ManifestBook()
    base_ref = book.current.ref if book.current else None
    touched_refs = unaccounted_refs(context, book)
    trusted = book.current is None or book.current.trusted
    free = free_path(scope, book)
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
                    deletions_refs=deletions_refs or [],
                    manifest_ref=base_ref if free else None,
                    journal_refs=touched_refs if free else [],
                    journal=not scope.dry_run,
                ).to_json(),
            )
        )
    )
    seq = None
    if plan.journal_ref:  # write-ahead: registered before the first sync state is touched
        seq = yield from journal(context, scope.catalog, plan.journal_ref)
    tally.errors_of(plan.order_failures, plan.order_failure_count)
    tally.unattributed += plan.unattributed
    for kind, count in plan.unchanged.items():
        tally.count(kind, "unchanged", count)
    done = Imported(
        free_ref=plan.free_ref,
        journal_ref=plan.journal_ref,
        journal_seq=seq,
        base_ref=base_ref,
        read_upto=book.last_seq,
        touched_refs=touched_refs,
        base_trusted=trusted,
        generation=book.generation,
    )
    plan_refs: list[str] = []
    manifest_refs: list[str] = []
    index_ref: str | None = plan.index_ref
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
                            keys_ref=part.keys_ref,
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
            manifest_refs += result.manifest_refs
        if len(parts) > 1 and number + 1 < len(plan.waves):  # later waves resolve references through it
            index_ref = yield context.call_activity_with_retry(
                merge_index,
                ACTIVITY_RETRY,
                MergeIndexRequest(run_id=scope.run_id, refs=parts, name=f"{number:03d}").to_json(),
            )
    return done.model_copy(update={"plan_refs": plan_refs, "manifest_refs": manifest_refs})


def unaccounted_refs(context: df.DurableOrchestrationContext, book: ManifestBook) -> list[str]:
    """Journal pieces a run must treat as touching their keys: unaccounted, or their writer still at it."""
    return [piece.ref for piece in book.unaccounted(context.current_utc_datetime)]


def journal(context: df.DurableOrchestrationContext, catalog: str, ref: str) -> Generator[Any, Any, int]:
    """Append a journal piece (a call: it is registered before the caller touches any sync state) and
    delete the pieces an overflow dropped; returns its number."""
    answer = yield context.call_entity(
        _manifest(catalog), "journal", {"ref": ref, "now": context.current_utc_datetime.isoformat()}
    )
    if dropped := list(answer.get("dropped") or []):
        yield context.call_activity(prune_state, PruneRequest(refs=dropped).to_json())
    return int(answer["seq"])


def close_journal(context: df.DurableOrchestrationContext, catalog: str, ref: str | None) -> None:
    """The writer of a piece is done with its objects (a signal: ordered before the caller's later calls
    to the entity)."""
    if ref:
        context.signal_entity(_manifest(catalog), "close", {"ref": ref})


def read_manifest(
    context: df.DurableOrchestrationContext, scope: RunScope
) -> Generator[Any, Any, ManifestBook]:
    """The catalog's manifest pointer and journal, as the run starts (a dry run reads none)."""
    if scope.dry_run:
        return ManifestBook()
    return ManifestBook.from_json((yield context.call_entity(_manifest(scope.catalog), "get")))


def free_path(scope: RunScope, book: ManifestBook) -> bool:
    """Whether unchanged objects may skip their sync state: a normal run with a trusted manifest."""
    return book.current is not None and book.current.trusted and scope.mode == "normal"


def publish_manifest(
    context: df.DurableOrchestrationContext,
    scope: RunScope,
    started: str,
    done: Imported,
    tally: Tally,
    *,
    inventory: bool,
) -> Generator[Any, Any, str | None]:
    """Write the run's manifest and make it the catalog's. Returns why it was not published (None: it
    was): then the next run asks every sync state again, and this run must not count for deletion, since
    the presence of the objects it met without their sync state is recorded nowhere else."""
    close_journal(context, scope.catalog, done.journal_ref)
    try:
        written = ManifestWritten.model_validate(
            (
                yield context.call_activity_with_retry(
                    write_manifest,
                    ACTIVITY_RETRY,
                    ManifestRequest(
                        catalog=scope.catalog,
                        run_id=scope.run_id,
                        started=started,
                        imported=done,
                        inventory=inventory or not done.base_trusted,
                    ).to_json(),
                )
            )
        )
        answer = yield context.call_entity(
            _manifest(scope.catalog),
            "publish",
            {
                "ref": written.ref,
                "run_id": scope.run_id,
                "read_upto": done.read_upto,
                "own": [done.journal_seq] if done.journal_seq else [],
                "generation": done.generation,
                "now": context.current_utc_datetime.isoformat(),
            },
        )
        if dropped := list(answer.get("dropped") or []):
            yield context.call_activity(prune_state, PruneRequest(refs=dropped).to_json())
    except Exception as exc:
        reason = f"manifest not written (the next run asks every sync state): {failure_text(exc)}"
        tally.error(reason)
        return reason
    if not answer.get("accepted"):
        reason = f"manifest not published ({answer.get('reason')}): the next run asks every sync state"
        tally.error(reason)
        return reason
    return None


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


def stale_request(
    catalog: str,
    run_id: str,
    context: df.DurableOrchestrationContext,
    registry: Any,
    book: ManifestBook,
    *,
    force: bool = False,
    plan_only: bool = False,
) -> FindStaleRequest:
    """What ``find_stale`` needs: the complete runs, and the manifest with the journal it has not seen."""
    return FindStaleRequest(
        catalog=catalog,
        run_id=run_id,
        now=context.current_utc_datetime.isoformat(),
        complete_runs=complete_runs(registry),
        force=force,
        manifest_ref=book.current.ref if book.current else None,
        journal_refs=unaccounted_refs(context, book),
        plan_only=plan_only,
    )


def complete_runs(registry: Any) -> list[str]:
    """Start times of the catalog's complete runs, read from its ``catalog`` entity state (``None``: none)."""
    return [started.isoformat() for started in complete_run_times(CatalogState.from_json(registry))]
