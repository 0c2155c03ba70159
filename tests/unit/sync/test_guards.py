"""The shrink guard and the delete-marker guard: pure rules, every branch."""

from __future__ import annotations

import pytest

from config.catalogs import DeletionPolicy
from sync import guards
from sync.guards import RunFacts, decide_markers, run_completeness, shrink_hold

TEN = DeletionPolicy(max_delete_fraction=0.2, max_shrink_fraction=0.1)
DEFAULT = DeletionPolicy()  # max_delete_fraction 0.2, no max_shrink_fraction


def test_the_issue_example_is_held_with_a_readable_reason() -> None:
    verdict = run_completeness(TEN, RunFacts(seen=400, last_complete_seen=500))
    assert not verdict.complete
    assert verdict.held == ["shrink: saw 400 objects, last complete run saw 500 (-20.0%, limit 10.0%)"]
    assert "accept_shrink=true" in verdict.note and "--accept-shrink" in verdict.note
    assert verdict.to_json()["complete_for_deletion"] is False


def test_accept_shrink_counts_the_run_and_says_what_was_accepted() -> None:
    verdict = run_completeness(TEN, RunFacts(seen=400, last_complete_seen=500), accept_shrink=True)
    assert verdict.complete and verdict.held == []
    assert verdict.accepted and verdict.accepted[0].startswith("shrink: saw 400")
    assert "accepted" in verdict.note


@pytest.mark.parametrize(
    ("policy", "seen", "held"),
    [
        (TEN, 450, False),  # exactly at the limit: allowed
        (TEN, 449, True),
        (DEFAULT, 400, False),  # without max_shrink_fraction the limit is max_delete_fraction (20 %)
        (DEFAULT, 399, True),
        (TEN, 600, False),  # growth is never a shrink
    ],
)
def test_limit_is_max_shrink_fraction_else_max_delete_fraction(
    policy: DeletionPolicy, seen: int, held: bool
) -> None:
    assert bool(shrink_hold(policy, seen, 0, 500)) is held


def test_no_baseline_no_shrink() -> None:
    assert run_completeness(TEN, RunFacts(seen=0, last_complete_seen=None)).complete
    assert run_completeness(TEN, RunFacts(seen=0, last_complete_seen=0)).complete


def test_delete_markers_explain_a_drop() -> None:
    assert shrink_hold(TEN, 200, 300, 500) == ""
    reason = shrink_hold(TEN, 200, 100, 500)
    assert (
        reason
        == "shrink: saw 200 objects (+100 delete markers), last complete run saw 500 (-40.0%, limit 10.0%)"
    )


def test_failed_run_never_counts_even_when_accepted() -> None:
    verdict = run_completeness(
        TEN, RunFacts(seen=500, last_complete_seen=500, run_failed=True), accept_shrink=True
    )
    assert not verdict.complete and verdict.held == ["run failed"]


def test_failed_objects_do_not_hold_the_run_and_the_note_says_why() -> None:
    verdict = run_completeness(TEN, RunFacts(seen=500, failed_objects=3, last_complete_seen=500))
    assert verdict.complete
    assert verdict.note == "counts as complete for deletion; 3 failed object(s) were seen and are kept"


def test_records_that_name_no_object_hold_the_run_until_accepted() -> None:
    verdict = run_completeness(TEN, RunFacts(seen=500, unattributed=2, last_complete_seen=500))
    assert not verdict.complete
    assert verdict.held[0].startswith("unreadable: 2 rejected record(s) name no object")
    assert run_completeness(TEN, RunFacts(seen=500, unattributed=2), accept_shrink=True).complete


def test_markers_within_the_fraction_execute() -> None:
    decision = decide_markers(DEFAULT, 100, 500, force=False)
    assert decision.execute and decision.reason == "allowed" and decision.fraction == 0.2


def test_markers_above_the_fraction_are_held_with_how_to_force() -> None:
    decision = decide_markers(DEFAULT, 300, 500, force=False)
    assert not decision.execute and decision.reason == "held"
    assert "300 delete marker(s) for 500 synced objects (60.0%)" in decision.message
    assert "force_deletes=true" in decision.message and "--force-deletes" in decision.message


def test_forced_markers_execute() -> None:
    decision = decide_markers(DEFAULT, 300, 500, force=True)
    assert decision.execute and decision.reason == "forced"


def test_no_markers_nothing_to_guard() -> None:
    assert decide_markers(DEFAULT, 0, 0, force=False).reason == "none"


def test_exports() -> None:
    assert set(guards.__all__) <= set(dir(guards))


def test_invalid_shrink_fraction_is_refused() -> None:
    with pytest.raises(ValueError, match="max_shrink_fraction"):
        DeletionPolicy(max_shrink_fraction=1.5)


def test_marker_deletions_of_the_last_24_hours_count_with_this_batch() -> None:
    """A storm split into small push batches: each batch alone is below the limit, together they are not."""
    alone = decide_markers(DEFAULT, 3, 37, force=False)
    assert alone.execute
    storm = decide_markers(DEFAULT, 3, 37, force=False, recent=9)  # 12 of the 46 there were: 26 %
    assert not storm.execute and "+9 deleted by markers in the last 24 h" in storm.message
    assert storm.fraction == 12 / 46
    assert decide_markers(DEFAULT, 3, 37, force=True, recent=9).execute


def test_the_catalog_remembers_marker_deletions_for_24_hours() -> None:
    from datetime import UTC, datetime, timedelta

    from entities.catalog import MAX_MARKER_ENTRIES, CatalogState, DeletionsExecutedRequest, apply

    now = datetime(2026, 1, 2, tzinfo=UTC)
    state = CatalogState()
    for hours_ago, count in ((30, 50), (10, 4), (1, 3)):
        state = apply(
            state, DeletionsExecutedRequest(count=count, now=now - timedelta(hours=hours_ago)), now
        ).new_state
    assert state.recent_marker_deletions(now) == 7  # the 30-hour-old record no longer counts
    assert len(state.marker_deletions) == 2  # and was dropped when a newer one came
    for _ in range(MAX_MARKER_ENTRIES + 5):
        state = apply(state, DeletionsExecutedRequest(count=1, now=now), now).new_state
    assert len(state.marker_deletions) == MAX_MARKER_ENTRIES
    assert state.recent_marker_deletions(now) == 7 + MAX_MARKER_ENTRIES + 5  # merged, never forgotten early
