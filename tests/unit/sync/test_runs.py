"""RunBook: the run's verdict, its catalog record and the public summary, built once at the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config.catalogs import DeletionPolicy
from entities.catalog import RunFinishedRequest, RunStatus
from sync.contracts import MarkerHold, RunScope, SegmentResult, StaleReport, SyncOptions
from sync.runs import RunBook, last_complete_seen
from sync.summary import MAX_ERRORS, Tally

STARTED = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
ENDED = STARTED + timedelta(seconds=12.3456)
OPTIONS = SyncOptions(chunk_size=10, batch_items=5, lease_seconds=900, busy_retries=2, busy_delay_seconds=1)
POLICY = DeletionPolicy(max_delete_fraction=0.2)
PUBLIC_KEYS = {
    "catalog", "run_id", "status", "counts", "purview_calls", "errors", "error_count", "rejected", "ignored",
    "source", "unknown_deletions", "deletes_held", "deletes", "plan_refs", "complete_for_deletion", "held",
    "accepted", "deletion_note", "seen", "pages", "started", "ended", "duration_s",
}  # fmt: skip


def book(*, dry_run: bool = False, baseline: int | None = None) -> RunBook:
    scope = RunScope(catalog="demo", run_id="run-1", dry_run=dry_run, options=OPTIONS)
    return RunBook(scope=scope, started=STARTED, baseline=baseline)


def segment(
    created: int, *, pages: int = 1, unattributed: int = 0, error: str | None = None
) -> SegmentResult:
    tally = Tally(unattributed=unattributed)
    tally.count("asset", "created", created)
    if error:
        tally.error(error)
    return SegmentResult(
        pages=pages,
        items_refs=[f"i{created}"],
        rejected_refs=[f"r{created}"],
        deletions_refs=[f"d{created}"],
        tally=tally,
    )


def test_segments_add_up() -> None:
    run = book()
    run.add_segment(segment(3, pages=2, error="page 1: bad"))
    run.add_segment(segment(4, pages=1))
    assert run.pages == 3
    assert (run.items_refs, run.rejected_refs, run.deletions_refs) == (
        ["i3", "i4"],
        ["r3", "r4"],
        ["d3", "d4"],
    )
    assert run.tally.counts["asset"]["created"] == 7
    assert run.tally.errors == ["page 1: bad"]
    assert run.status == "completed"


def test_a_whole_run_counts_for_deletion() -> None:
    run = book(baseline=8)
    run.add_segment(segment(10))
    verdict = run.verdict(POLICY, accept_shrink=False)
    assert (verdict.complete, verdict.held, verdict.accepted) == (True, [], [])


def test_a_shrunken_run_is_held_unless_accepted() -> None:
    run = book(baseline=100)
    run.add_segment(segment(10))
    held = run.verdict(POLICY, accept_shrink=False)
    assert not held.complete
    assert held.held and held.held[0].startswith("shrink: saw 10 objects")
    accepted = run.verdict(POLICY, accept_shrink=True)
    assert (accepted.complete, accepted.held, len(accepted.accepted)) == (True, [], 1)


def test_unattributed_rejects_hold_the_run() -> None:
    run = book()
    run.add_segment(segment(5, unattributed=2))
    verdict = run.verdict(POLICY, accept_shrink=False)
    assert not verdict.complete
    assert "2 rejected record(s) name no object" in verdict.held[0]


def test_a_failed_run_never_counts() -> None:
    run = book()
    run.add_segment(segment(5))
    run.fail(RuntimeError("Orchestrator function 'extract_segment' failed: boom\ntraceback..."))
    assert run.status == "failed"
    assert run.tally.errors[-1] == "run failed: Orchestrator function 'extract_segment' failed: boom"
    verdict = run.verdict(POLICY, accept_shrink=True)
    assert (verdict.complete, verdict.held) == (False, ["run failed"])


def test_a_dry_run_never_counts_not_even_accepted_or_shrunken() -> None:
    run = book(dry_run=True, baseline=1000)
    run.add_segment(segment(5, unattributed=3))
    for accept in (False, True):
        verdict = run.verdict(POLICY, accept_shrink=accept)
        assert (verdict.complete, verdict.held, verdict.accepted) == (False, [], [])
        assert verdict.note == "a dry run never counts for deletion"


def test_dry_run_status_and_a_failed_dry_run() -> None:
    run = book(dry_run=True)
    verdict = run.verdict(POLICY, accept_shrink=False)
    assert run.result(verdict, ENDED)["status"] == "dry_run"
    assert run.status == "completed"  # what the catalog would record
    run.fail(RuntimeError("boom"))
    assert run.result(run.verdict(POLICY, accept_shrink=False), ENDED)["status"] == "failed"


def test_the_result_has_exactly_the_public_keys() -> None:
    run = book()
    run.add_segment(segment(2, unattributed=1))
    run.plan_refs.append("plan-1")
    run.deletes = StaleReport(
        stale_count=0, blocked=False, reason="nothing_stale", message="m", fraction=0, total=2
    )
    run.deletes_held = MarkerHold(count=3, message="held", fraction=0.5, sample=["a"])
    verdict = run.verdict(POLICY, accept_shrink=False)
    result = run.result(verdict, ENDED)
    assert set(result) == PUBLIC_KEYS
    assert (result["catalog"], result["run_id"], result["status"]) == ("demo", "run-1", "completed")
    assert result["seen"] == 2 and result["pages"] == 1
    assert result["plan_refs"] == ["plan-1"]
    assert result["deletes"]["reason"] == "nothing_stale"
    assert result["deletes_held"] == {"count": 3, "message": "held", "fraction": 0.5, "sample": ["a"]}
    assert result["complete_for_deletion"] is False and result["held"] == verdict.held
    assert result["deletion_note"] == verdict.note
    assert result["started"] == "2026-12-07T10:00:00+00:00"
    assert result["ended"] == ENDED.isoformat()
    assert result["duration_s"] == 12.346
    assert result["purview_calls"] == {"read": 0, "write": 0}
    empty = book().result(book().verdict(POLICY, accept_shrink=False), ENDED)
    assert (empty["deletes"], empty["deletes_held"]) == (None, None)


def test_an_error_added_after_the_verdict_is_in_the_result() -> None:
    run = book()
    for i in range(MAX_ERRORS):
        run.tally.error(f"e{i}")
    verdict = run.verdict(POLICY, accept_shrink=False)
    run.tally.error("cleanup failed")  # late: after the verdict and past the listing cap
    run.tally.rejected += 1
    result = run.result(verdict, ENDED)
    assert result["error_count"] == MAX_ERRORS + 1
    assert len(result["errors"]) == MAX_ERRORS
    assert result["rejected"] == 1


def test_the_record_is_a_valid_run_finished_request() -> None:
    run = book(baseline=3)
    run.add_segment(segment(4, error="x: failed"))
    run.tally.count("glossary_term", "deleted", 2)
    run.tally.calls({"read": 5, "write": 7})
    for i in range(MAX_ERRORS + 5):
        run.tally.error(f"e{i}")
    verdict = run.verdict(POLICY, accept_shrink=False)
    payload = run.record(verdict, ENDED)
    request = RunFinishedRequest.model_validate(payload)
    assert request.run_id == "run-1"
    assert request.status is RunStatus.COMPLETED
    assert request.complete_for_deletion is True
    assert request.seen == 4
    assert request.summary.purview_calls == 12
    assert request.summary.error_count == MAX_ERRORS + 6  # the true total, whatever the entity lists
    assert request.summary.counts["asset"].created == 4
    assert request.summary.counts["glossary_term"].deleted == 2
    assert request.now == ENDED


def test_a_failed_and_held_record_validates_too() -> None:
    run = book(baseline=100)
    run.add_segment(segment(1))
    held = RunFinishedRequest.model_validate(run.record(run.verdict(POLICY, accept_shrink=False), ENDED))
    assert (held.status, held.complete_for_deletion, len(held.held)) == (RunStatus.COMPLETED, False, 1)
    run.fail(ValueError("boom"))
    failed = RunFinishedRequest.model_validate(run.record(run.verdict(POLICY, accept_shrink=False), ENDED))
    assert (failed.status, failed.complete_for_deletion, failed.held) == (
        RunStatus.FAILED,
        False,
        ("run failed",),
    )


def test_progress_and_final_status_stay_small() -> None:
    run = book(dry_run=True)
    assert run.progress("extract", page=3)["last_error"] is None
    run.tally.error("first")
    run.tally.error("second")
    progress = run.progress("import", wave=2)
    assert (progress["phase"], progress["wave"], progress["dry_run"], progress["last_error"]) == (
        "import", 2, True, "second",
    )  # fmt: skip
    assert "errors" not in progress
    final = run.final_status(run.verdict(POLICY, accept_shrink=False))
    assert set(final) == {"catalog", "run_id", "phase", "counts", "complete_for_deletion", "held"}
    assert final["phase"] == "completed"


def test_last_complete_seen() -> None:
    assert last_complete_seen(None) is None
    assert last_complete_seen({}) is None
    assert last_complete_seen({"complete_runs": []}) is None
    assert last_complete_seen({"complete_runs": [{"run_id": "r"}]}) is None
    assert last_complete_seen({"complete_runs": [{"seen": 7}, {"seen": 99}]}) == 7  # newest first
    assert last_complete_seen({"complete_runs": [{"seen": 0}]}) == 0
