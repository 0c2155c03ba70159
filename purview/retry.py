"""Bounded retries: ``Retry-After`` when the server gives one, else exponential backoff with full jitter.

Only ``RetryableError`` (429, 5xx, 408, timeouts) is retried; everything else is raised at once. A call stops
after ``max_attempts`` attempts or when the next wait would pass its ``deadline_seconds``.
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

from purview.errors import DeadlineExceeded, RetryableError

__all__ = ["RetryPolicy", "backoff_delay", "call_with_retry", "parse_retry_after"]

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry one gateway call.

    >>> RetryPolicy(max_attempts=3, base_delay=0.5).max_attempts
    3
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    deadline_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay <= 0 or self.max_delay <= 0 or self.deadline_seconds <= 0:
            raise ValueError("delays and the deadline must be positive")


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
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** max(0, attempt - 1)))
    return rng.uniform(0.0, ceiling)


def call_with_retry(
    operation: Callable[[], T],
    policy: RetryPolicy,
    *,
    describe: str = "purview call",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    on_retry: Callable[[RetryableError, float], None] | None = None,
) -> T:
    """Run ``operation`` until it succeeds, fails permanently, or the attempts or the deadline run out.

    ``on_retry(error, wait)`` is called before each wait (counters, logs). The last retryable error is
    re-raised when attempts run out; ``DeadlineExceeded`` (chained to it) when the deadline would pass.
    """
    rng = rng or random.Random()
    deadline = clock() + policy.deadline_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except RetryableError as exc:
            if attempt >= policy.max_attempts:
                raise
            if exc.retry_after is not None:
                wait = min(exc.retry_after, policy.max_delay)
            else:
                wait = backoff_delay(attempt, policy, rng)
            if clock() + wait > deadline:
                raise DeadlineExceeded(
                    f"deadline of {policy.deadline_seconds:g}s exceeded after {attempt} attempts: {exc}",
                    status=exc.status,
                    error_code=exc.error_code,
                    request_id=exc.request_id,
                    operation=describe,
                ) from exc
            logger.info("%s: attempt %d failed (%s); retrying in %.2fs", describe, attempt, exc, wait)
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
