"""``sync_catalog``: one pull sync of one catalog (instance id ``sync:{catalog}``, a singleton).

extract pages in segments (staged) → transform them (fan-out) → import wave by wave → execute delete markers
→ record the run in the ``catalog`` entity. A failed extract fails the run, and only complete runs count for
deletion, so a broken source never makes anything stale. The bookkeeping is :class:`sync.runs.RunBook`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from activities.catalogs import cleanup_staging
from activities.deletion import find_stale
from activities.extract import extract_page, transform_page
from entities.catalog import CatalogState
from entities.manifest import ManifestBook
from orchestrators.retries import ACTIVITY_RETRY
from orchestrators.steps import (
    execute_markers,
    free_path,
    import_waves,
    publish_manifest,
    read_manifest,
    stale_request,
    unaccounted_refs,
)
from sync.contracts import (
    PageRequest,
    PageResult,
    RunScope,
    SegmentRequest,
    SegmentResult,
    StagedPage,
    StagingCleanup,
    StaleReport,
    SyncRequest,
)
from sync.runs import RunBook, last_complete_seen
from sync.summary import Tally, short

__all__ = ["SEGMENT_PAGES", "SourceIncompleteError", "bp", "sync_instance_id"]

bp = df.Blueprint()

SEGMENT_PAGES = 250
"""Pages per ``extract_segment`` execution (~6 history events per page, so ~1,500 per execution)."""


class SourceIncompleteError(Exception):
    """The extract could not read the source whole; raised in the orchestrator so the run fails."""


def sync_instance_id(catalog: str) -> str:
    return f"sync:{catalog}"


@bp.orchestration_trigger(context_name="context")
def sync_catalog(context: df.DurableOrchestrationContext) -> Any:
    """Input :class:`SyncRequest` → the run summary (:meth:`RunBook.result`)."""
    ask = SyncRequest.model_validate(context.get_input())
    scope = RunScope(
        catalog=ask.catalog,
        run_id=context.new_uuid(),
        dry_run=ask.dry_run,
        mode=ask.mode,
        force_deletes=ask.force_deletes,
        options=ask.options,
    )
    run = RunBook(scope, started=context.current_utc_datetime)
    registry = df.EntityId("catalog", ask.catalog)
    if not ask.dry_run:
        context.signal_entity(
            registry, "run_started", {"run_id": scope.run_id, "now": run.started.isoformat()}
        )
    try:
        book = yield from read_manifest(context, scope)
        yield from _extract(context, run, book)
        context.set_custom_status(run.progress("import"))
        imported = yield from import_waves(
            context,
            scope,
            run.items_refs,
            run.rejected_refs,
            run.tally,
            deletions_refs=run.deletions_refs,
            book=book,
        )
        run.plan_refs = imported.plan_refs
        if run.deletions_refs and not ask.dry_run:  # the source says these are gone (e.g. soft deletes)
            context.set_custom_status(run.progress("delete removed"))
            run.markers, run.deletes_held = yield from execute_markers(
                context, scope, run.deletions_refs, run.tally
            )
        history = yield context.call_entity(registry, "get")
        run.baseline = last_complete_seen(history)
        if ask.dry_run:
            run.deletes = yield from _plan_deletes(context, run, history)
        else:
            context.set_custom_status(run.progress("manifest"))
            run.unpublished = yield from publish_manifest(
                context,
                scope,
                run.started.isoformat(),
                imported,
                run.tally,
                inventory=imported.base_ref is None and CatalogState.from_json(history).runs_started > 1,
            )
    except Exception as exc:  # an activity failed after its retries: the run fails, nothing becomes stale
        run.fail(exc)
    verdict = run.verdict(ask.deletion, accept_shrink=ask.accept_shrink)
    if not ask.dry_run:
        yield from _finish(context, registry, run, run.record(verdict, context.current_utc_datetime))
    context.set_custom_status(run.final_status(verdict))
    return run.result(verdict, context.current_utc_datetime)


def _extract(
    context: df.DurableOrchestrationContext, run: RunBook, book: ManifestBook
) -> Generator[Any, Any, None]:
    """Segments of ≤ ``SEGMENT_PAGES`` pages keep every execution's history small. With a trusted manifest,
    records it holds unchanged are matched by their raw digest and never transformed."""
    cursor: str | None = None
    free = free_path(run.scope, book)
    manifest_ref = book.current.ref if free and book.current else None
    journal_refs = unaccounted_refs(context, book) if free else []
    context.set_custom_status(run.progress("extract", pages=0))
    while True:
        output = yield context.call_sub_orchestrator(
            extract_segment,
            SegmentRequest(
                catalog=run.scope.catalog,
                run_id=run.scope.run_id,
                cursor=cursor,
                first_page=run.pages,
                manifest_ref=manifest_ref,
                journal_refs=journal_refs,
            ).to_json(),
            expected_type=dict,
        )
        segment = SegmentResult.model_validate(output)
        run.add_segment(segment)
        context.set_custom_status(run.progress("extract", pages=run.pages))
        cursor = segment.next_cursor
        if not cursor:
            return


def _plan_deletes(
    context: df.DurableOrchestrationContext, run: RunBook, history: Any
) -> Generator[Any, Any, StaleReport]:
    """A plan also shows what the next cleanup would delete."""
    context.set_custom_status(run.progress("plan deletes"))
    book = ManifestBook.from_json(
        (yield context.call_entity(df.EntityId("manifest", run.scope.catalog), "get"))
    )
    output = yield context.call_activity_with_retry(
        find_stale,
        ACTIVITY_RETRY,
        stale_request(run.scope.catalog, run.scope.run_id, context, history, book, plan_only=True).to_json(),
    )
    return StaleReport.model_validate(output)


def _finish(
    context: df.DurableOrchestrationContext, registry: df.EntityId, run: RunBook, record: dict[str, Any]
) -> Generator[Any, Any, None]:
    """Record the run (a call, not a signal: when the run is over, its record is in the catalog's history)
    and drop its staged pages (a failed run keeps them for a look, until the retention)."""
    try:
        yield context.call_entity(registry, "run_finished", record)
    except Exception as exc:  # the registry refused the record: say so, the run itself is done
        run.tally.error(f"run not recorded in the catalog's history: {short(exc)}")
    if run.failed:
        return
    try:
        yield context.call_activity(cleanup_staging, StagingCleanup(run_id=run.scope.run_id).to_json())
    except Exception as exc:
        run.tally.error(f"staged data not cleaned up: {short(exc)}")


@bp.orchestration_trigger(context_name="context")
def extract_segment(context: df.DurableOrchestrationContext) -> Any:
    """Extract up to ``SEGMENT_PAGES`` pages from the cursor and transform them (fan-out).

    Input :class:`SegmentRequest` → :class:`SegmentResult` (refs of the staged items, rejects and deletions,
    counts, a capped error sample, and the cursor to go on from; ``None`` at the end).
    """
    ask = SegmentRequest.model_validate(context.get_input())
    cursor, refs = ask.cursor, list[str]()
    while len(refs) < SEGMENT_PAGES:
        page = StagedPage.model_validate(
            (
                yield context.call_activity_with_retry(
                    extract_page,
                    ACTIVITY_RETRY,
                    PageRequest(
                        catalog=ask.catalog, run_id=ask.run_id, cursor=cursor, page=ask.first_page + len(refs)
                    ).to_json(),
                )
            )
        )
        if page.source_error or page.ref is None:  # not whole: the run fails (and never counts for deletion)
            raise SourceIncompleteError(f"source incomplete: {page.source_error}")
        refs.append(page.ref)
        cursor = page.next_cursor
        if not cursor:
            break
    outputs = yield context.task_all(
        [
            context.call_activity_with_retry(
                transform_page,
                ACTIVITY_RETRY,
                PageRequest(
                    catalog=ask.catalog,
                    run_id=ask.run_id,
                    ref=ref,
                    page=ask.first_page + n,
                    manifest_ref=ask.manifest_ref,
                    journal_refs=ask.journal_refs,
                ).to_json(),
            )
            for n, ref in enumerate(refs)
        ]
    )
    pages = [PageResult.model_validate(output) for output in outputs]
    return SegmentResult(
        pages=len(refs),
        next_cursor=cursor,
        items_refs=[p.items_ref for p in pages],
        rejected_refs=[p.rejected_ref for p in pages if p.rejected_ref],
        deletions_refs=[p.deletions_ref for p in pages if p.deletions_ref],
        tally=_page_tally(pages),
    ).to_json()


def _page_tally(pages: list[PageResult]) -> Tally:
    tally = Tally()
    for page in pages:
        tally.errors_of(page.errors, page.rejected + page.duplicates)
        tally.rejected += page.rejected
        tally.report(page.report)
    return tally
