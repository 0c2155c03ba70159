"""Deletion guard and busy retries: worked examples plus hypothesis properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.catalogs import DeletionPolicy
from entities.catalog import CatalogState, RunFinishedRequest, RunStatus, apply, complete_run_times
from sync import leases as policy
from sync.deletion import (
    decide_deletion,
    deletion_cutoff,
    last_presence,
)
from sync.leases import MAX_BUSY_DELAY_SECONDS, busy_retry

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = DeletionPolicy(retention_days=7, min_complete_runs=3, max_delete_fraction=0.2)
# complete runs started 1, 2, 3 and 20 days ago: the 3rd latest started 3 days ago
RUNS = [NOW - DAY, NOW - 2 * DAY, NOW - 20 * DAY, NOW - 3 * DAY]


def test_cutoff_is_the_earlier_of_kth_run_and_retention() -> None:
    assert deletion_cutoff(POLICY, RUNS, NOW) == NOW - 7 * DAY  # retention is the stricter bound here
    short = DeletionPolicy(retention_days=1, min_complete_runs=3)
    assert deletion_cutoff(short, RUNS, NOW) == NOW - 3 * DAY  # the 3rd latest run is
    assert deletion_cutoff(POLICY, RUNS[:2], NOW) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        deletion_cutoff(POLICY, RUNS, datetime(2024, 1, 1))


def test_decision_allowed() -> None:
    seen = [(f"k{i}", NOW - DAY) for i in range(9)] + [("gone", NOW - 8 * DAY), ("unknown", None)]
    decision = decide_deletion(POLICY, RUNS, NOW, seen)
    assert decision.stale == ["gone"]
    assert (decision.blocked, decision.reason, decision.total) == (False, "allowed", 11)
    assert decision.fraction == pytest.approx(1 / 11)
    assert decision.to_json()["cutoff"] == "2024-06-23T12:00:00+00:00"


def test_decision_blocked_and_forced() -> None:
    seen = [("a", NOW - 30 * DAY), ("b", NOW - 30 * DAY), ("c", NOW), ("d", NOW)]
    blocked = decide_deletion(POLICY, RUNS, NOW, seen)
    assert (blocked.stale, blocked.blocked, blocked.reason, blocked.fraction) == (
        ["a", "b"],
        True,
        "blocked",
        0.5,
    )
    assert "deletion blocked: 2 of 4 objects (50.0%) are stale" in blocked.message
    forced = decide_deletion(POLICY, RUNS, NOW, seen, force=True)
    assert (forced.blocked, forced.reason, forced.stale) == (False, "forced", ["a", "b"])


def test_decision_with_too_few_complete_runs() -> None:
    decision = decide_deletion(POLICY, RUNS[:2], NOW, [("a", NOW - 365 * DAY)], force=True)
    assert (decision.stale, decision.blocked, decision.reason) == ([], False, "not_enough_runs")
    assert "only 2 complete run(s); deletion needs 3" in decision.message


def test_seen_exactly_at_the_cutoff_is_not_stale() -> None:
    cutoff = deletion_cutoff(POLICY, RUNS, NOW)
    assert cutoff is not None
    decision = decide_deletion(
        POLICY, RUNS, NOW, [("edge", cutoff), ("before", cutoff - timedelta(seconds=1))]
    )
    assert decision.stale == ["before"]


def test_nothing_stale_and_empty_catalog() -> None:
    assert decide_deletion(POLICY, RUNS, NOW, [("a", NOW)]).reason == "nothing_stale"
    empty = decide_deletion(POLICY, RUNS, NOW, [])
    assert (empty.reason, empty.fraction, empty.total) == ("nothing_stale", 0.0, 0)


def test_last_presence_takes_the_later_time() -> None:
    assert last_presence({"last_seen": "2024-06-01T00:00:00Z", "last_success": "2024-05-01T00:00:00Z"}) == (
        datetime(2024, 6, 1, tzinfo=UTC)
    )
    assert last_presence({"last_seen": "2024-06-01T00:00:00Z", "last_success": "2024-06-01T00:05:00Z"}) == (
        datetime(2024, 6, 1, 0, 5, tzinfo=UTC)
    )
    assert last_presence({}) is None


times = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2024, 6, 30), timezones=st.just(UTC))
policies = st.builds(
    DeletionPolicy,
    retention_days=st.integers(0, 60),
    min_complete_runs=st.integers(1, 5),
    max_delete_fraction=st.floats(0, 1),
)
statuses = st.sampled_from(list(RunStatus))
seen_lists = st.lists(st.tuples(st.text("abcdef", min_size=1, max_size=4), st.one_of(st.none(), times)))


@given(policies, st.lists(st.tuples(times, statuses), max_size=8), seen_lists, st.booleans())
def test_only_complete_runs_can_make_objects_stale(
    deletion: DeletionPolicy,
    runs: list[tuple[datetime, RunStatus]],
    seen: list[tuple[str, datetime | None]],
    force: bool,
) -> None:
    """Adding failed, partial or dry runs to a catalog's registry never changes what is stale."""
    state = CatalogState()
    for index, (started, status) in enumerate(runs):
        finish = RunFinishedRequest(run_id=f"r{index}", status=status, started=started)
        state = apply(state, finish, started + timedelta(minutes=1)).new_state
    completed = [started for started, status in runs if status is RunStatus.COMPLETED]
    assert sorted(complete_run_times(state)) == sorted(completed)
    with_all = decide_deletion(deletion, complete_run_times(state), NOW, seen, force=force)
    only_complete = decide_deletion(deletion, completed, NOW, seen, force=force)
    assert with_all == only_complete


@given(policies, st.lists(times, max_size=6), seen_lists, st.booleans())
def test_decision_properties(
    deletion: DeletionPolicy,
    runs: list[datetime],
    seen: list[tuple[str, datetime | None]],
    force: bool,
) -> None:
    decision = decide_deletion(deletion, runs, NOW, seen, force=force)
    if len(runs) < deletion.min_complete_runs:
        assert decision.stale == []
        assert decision.reason == "not_enough_runs"
    else:
        kth = sorted(runs, reverse=True)[deletion.min_complete_runs - 1]
        retention = NOW - timedelta(days=deletion.retention_days)
        # stale iff not seen since the K-th latest complete run started and older than the retention window
        expected = sorted(key for key, at in seen if at is not None and at < kth and at < retention)
        assert decision.stale == expected
    assert decision.stale == sorted(decision.stale)
    assert decision.total == len(seen)
    expected_fraction = len(decision.stale) / len(seen) if seen else 0.0
    assert decision.fraction == pytest.approx(expected_fraction)
    above = decision.fraction > deletion.max_delete_fraction
    assert decision.blocked == (above and not force)


# busy retries ----------------------------------------------------------------------------------------------


def test_busy_retry_examples() -> None:
    assert busy_retry(0, 5, max_retries=3, delay_seconds=30) == policy.BusyRetry(True, 30, 1)
    assert busy_retry(2, 5, max_retries=3, delay_seconds=30) == policy.BusyRetry(True, 120, 3)
    assert busy_retry(3, 5, max_retries=3, delay_seconds=30) == policy.BusyRetry(False, 0, 3)
    assert busy_retry(0, 0, max_retries=3, delay_seconds=30).retry is False
    assert busy_retry(0, 1, max_retries=0, delay_seconds=30).retry is False
    assert busy_retry(0, 1, max_retries=3, delay_seconds=30).fire_at(NOW) == NOW + timedelta(seconds=30)
    with pytest.raises(ValueError, match="delay_seconds"):
        busy_retry(0, 1, max_retries=3, delay_seconds=0)


@given(st.integers(0, 20), st.integers(1, 3600), st.integers(1, 100))
def test_busy_retries_are_bounded(max_retries: int, delay: int, busy: int) -> None:
    attempts = 0
    total_wait = 0
    decision = busy_retry(0, busy, max_retries=max_retries, delay_seconds=delay)
    while decision.retry:
        attempts += 1
        assert decision.attempt == attempts
        assert decision.delay_seconds in range(1, MAX_BUSY_DELAY_SECONDS + 1)
        total_wait += decision.delay_seconds
        decision = busy_retry(decision.attempt, busy, max_retries=max_retries, delay_seconds=delay)
    assert attempts == max_retries
    assert total_wait <= max_retries * MAX_BUSY_DELAY_SECONDS
