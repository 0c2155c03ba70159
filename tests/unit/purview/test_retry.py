from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purview.errors import (
    DeadlineExceeded,
    NotFoundError,
    RetryBudgetExceeded,
    ThrottledError,
    TransientError,
)
from purview.retry import (
    RetryPolicy,
    backoff_delay,
    call_with_retry,
    parse_retry_after,
    retry_after_delay,
    retry_delay,
)
from tests.unit.purview.fakes import ManualClock


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5.0), (" 0.5 ", 0.5), ("-3", 0.0), ("", None), (None, None), ("soon", None), ("nan", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 21:00:07 GMT", now=now) == 7.0
    assert parse_retry_after("Mon, 23 Nov 2026 20:59:00 GMT", now=now) == 0.0


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_full_jitter_within_the_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=20)
    delay = backoff_delay(attempt, policy, random.Random(seed))
    assert 0 <= delay <= min(20, 0.5 * 2 ** (attempt - 1))


def test_retries_until_success_and_reports_each_retry() -> None:
    clock = ManualClock()
    outcomes: list[Exception | str] = [TransientError("x"), ThrottledError("y", retry_after=4), "done"]
    seen: list[float] = []

    def operation() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = call_with_retry(
        operation,
        RetryPolicy(max_attempts=5, base_delay=1, max_delay=30),
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(1),
        on_retry=lambda error, wait: seen.append(wait),
    )
    assert result == "done"
    assert len(seen) == 2 and 4 <= seen[1] <= 5  # Retry-After (with up to 25 % jitter) wins over backoff
    assert 0 <= seen[0] <= 1


def test_retry_after_is_capped_by_max_delay() -> None:
    clock = ManualClock()
    calls = iter([ThrottledError("y", retry_after=500), None])

    def operation() -> None:
        error = next(calls)
        if error:
            raise error

    call_with_retry(operation, RetryPolicy(max_delay=7, budget_seconds=100), sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [7]


def test_permanent_errors_are_not_retried() -> None:
    attempts = []

    def operation() -> None:
        attempts.append(1)
        raise NotFoundError("gone", status=404)

    with pytest.raises(NotFoundError):
        call_with_retry(operation, RetryPolicy(), sleep=lambda s: None)
    assert len(attempts) == 1


def test_attempts_are_bounded() -> None:
    attempts = []

    def operation() -> None:
        attempts.append(1)
        raise TransientError("down", status=503)

    clock = ManualClock()
    with pytest.raises(TransientError) as info:
        call_with_retry(operation, RetryPolicy(max_attempts=3), sleep=clock.sleep, clock=clock)
    assert len(attempts) == 3 and not isinstance(info.value, DeadlineExceeded)


def test_budget_stops_retrying_and_says_so() -> None:
    clock = ManualClock()
    attempts = []

    def operation() -> None:
        attempts.append(clock.now)
        raise ThrottledError("busy", status=429, retry_after=30)

    with pytest.raises(RetryBudgetExceeded) as info:
        call_with_retry(operation, RetryPolicy(budget_seconds=45), sleep=clock.sleep, clock=clock)
    # the last wait is cut to what is left of the budget, and the last attempt lands on its end
    assert len(attempts) == 3 and clock.now == pytest.approx(45)
    assert 30 <= clock.sleeps[0] <= 37.5 and sum(clock.sleeps) == pytest.approx(45)
    assert info.value.status == 429 and isinstance(info.value.__cause__, ThrottledError)
    assert "retry budget of 45s" in str(info.value) and "3 attempts" in str(info.value)
    assert DeadlineExceeded is RetryBudgetExceeded  # the earlier name still works


def test_no_attempt_cap_by_default_only_the_budget() -> None:
    """The issue's failure: 6 attempts were used up in seconds under sustained throttling."""
    clock = ManualClock()
    attempts = []

    def operation() -> str:
        attempts.append(1)
        if len(attempts) < 50:
            raise ThrottledError("Rate limit exceeded", status=429, retry_after=1)
        return "landed"

    assert call_with_retry(operation, RetryPolicy(), sleep=clock.sleep, clock=clock) == "landed"
    assert len(attempts) == 50 and clock.now < 600


@given(st.floats(min_value=0, max_value=120), st.integers(min_value=0, max_value=2**32))
def test_retry_after_jitter_never_shortens_and_stays_capped(retry_after: float, seed: int) -> None:
    policy = RetryPolicy(max_delay=60, retry_after_jitter=0.25)
    delay = retry_after_delay(retry_after, policy, random.Random(seed))
    assert min(retry_after, 60) <= delay <= min(60, retry_after * 1.25)


def test_jitter_spreads_threads_throttled_together() -> None:
    rng = random.Random(4)
    delays = {round(retry_after_delay(2.0, RetryPolicy(), rng), 6) for _ in range(20)}
    assert len(delays) == 20 and all(2.0 <= d <= 2.5 for d in delays)


def test_retry_delay_uses_backoff_for_5xx() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=60)
    delay = retry_delay(TransientError("down", status=503), 4, policy, random.Random(2))
    assert 0 <= delay <= 8


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(budget_seconds=0)
    with pytest.raises(ValueError):
        RetryPolicy(retry_after_jitter=2)


def test_a_shared_deadline_cuts_the_own_budget_short() -> None:
    clock = ManualClock()

    def operation() -> None:
        raise TransientError("down", status=503)

    with pytest.raises(RetryBudgetExceeded):
        call_with_retry(
            operation, RetryPolicy(budget_seconds=600), sleep=clock.sleep, clock=clock, deadline=20
        )
    assert clock.now == pytest.approx(20)
