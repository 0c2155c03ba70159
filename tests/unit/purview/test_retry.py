from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purview.errors import DeadlineExceeded, NotFoundError, ThrottledError, TransientError
from purview.retry import RetryPolicy, backoff_delay, call_with_retry, parse_retry_after
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
    assert len(seen) == 2 and seen[1] == 4  # Retry-After wins over backoff
    assert 0 <= seen[0] <= 1


def test_retry_after_is_capped_by_max_delay() -> None:
    clock = ManualClock()
    calls = iter([ThrottledError("y", retry_after=500), None])

    def operation() -> None:
        error = next(calls)
        if error:
            raise error

    call_with_retry(operation, RetryPolicy(max_delay=7, deadline_seconds=100), sleep=clock.sleep, clock=clock)
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


def test_deadline_stops_retrying() -> None:
    clock = ManualClock()

    def operation() -> None:
        raise ThrottledError("busy", status=429, retry_after=30)

    with pytest.raises(DeadlineExceeded) as info:
        call_with_retry(
            operation, RetryPolicy(max_attempts=10, deadline_seconds=45), sleep=clock.sleep, clock=clock
        )
    assert clock.sleeps == [30]
    assert info.value.status == 429


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(deadline_seconds=0)
