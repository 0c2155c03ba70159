"""Retries bounded by a time budget: ``Retry-After`` (with jitter) when the server gives one, else exponential
backoff with full jitter.

Only ``RetryableError`` (429, 5xx, 408, timeouts) is retried; everything else is raised at once. A busy
Purview is not a reason to fail an object: a call keeps trying until its ``budget_seconds`` (minutes, by
default ten) are spent, and only then fails with ``RetryBudgetExceeded``, whose message says so.
``max_attempts`` is an optional extra cap (tests, tools); the sync itself leaves it unset.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from purview.errors import RetryableError, RetryBudgetExceeded

__all__ = [
    "RetryPolicy",
    "backoff_delay",
    "call_with_retry",
    "parse_retry_after",
    "retry_after_delay",
    "retry_delay",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep retrying one gateway call.

    >>> RetryPolicy(budget_seconds=60, base_delay=0.5).max_attempts is None
    True
    """

    budget_seconds: float = 600.0
    base_delay: float = 1.0
    max_delay: float = 60.0
    retry_after_jitter: float = 0.25
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None: only the budget bounds retries)")
        if self.base_delay <= 0 or self.max_delay <= 0 or self.budget_seconds <= 0:
            raise ValueError("delays and the budget must be positive")
        if not 0 <= self.retry_after_jitter <= 1:
            raise ValueError("retry_after_jitter must be between 0 and 1")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date; None if absent/invalid.

    >>> parse_retry_after("2")
    2.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC))
    30.0
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(attempt-1))]; ``attempt`` counts from 1."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** min(max(0, attempt - 1), 30)))
    return rng.uniform(0.0, ceiling)


def retry_after_delay(retry_after: float, policy: RetryPolicy, rng: random.Random) -> float:
    """The server's ``Retry-After`` stretched by up to ``retry_after_jitter`` (never shortened), capped by
    ``max_delay``: threads throttled together do not all come back at the same instant."""
    return min(policy.max_delay, max(0.0, retry_after) * (1.0 + rng.uniform(0.0, policy.retry_after_jitter)))


def retry_delay(error: RetryableError, attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """The wait before the next attempt: jittered ``Retry-After`` when given, else jittered backoff."""
    if error.retry_after is not None:
        return retry_after_delay(error.retry_after, policy, rng)
    return backoff_delay(attempt, policy, rng)


def call_with_retry(
    operation: Callable[[], T],
    policy: RetryPolicy,
    *,
    describe: str = "purview call",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    on_retry: Callable[[RetryableError, float], None] | None = None,
    deadline: float | None = None,
) -> T:
    """Run ``operation`` until it succeeds, fails permanently, or the time budget (or attempt cap) runs out.

    ``deadline`` (a ``clock()`` instant) is a budget shared with other calls (all requests of one batch): the
    call stops at the earlier of it and its own budget. ``on_retry(error, wait)`` is called before each wait
    (counters, logs). When the budget is spent, ``RetryBudgetExceeded`` (chained to the last error) says how
    long and how often it tried; when the optional attempt cap is reached, the last error is re-raised.
    """
    rng = rng or random.Random()
    started = clock()
    own = started + policy.budget_seconds
    deadline = own if deadline is None else min(own, deadline)
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except RetryableError as exc:
            if policy.max_attempts is not None and attempt >= policy.max_attempts:
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                raise RetryBudgetExceeded(
                    f"gave up after the retry budget of {policy.budget_seconds:g}s "
                    f"({attempt} attempts over {clock() - started:.0f}s); last answer: {exc}",
                    status=exc.status,
                    error_code=exc.error_code,
                    request_id=exc.request_id,
                    operation=describe,
                ) from exc
            wait = min(retry_delay(exc, attempt, policy, rng), remaining)
            logger.info("%s: attempt %d failed (%s); retrying in %.2fs", describe, attempt, exc, wait)
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
