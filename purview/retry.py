"""The one retry layer of Purview calls: azure-core's ``RetryPolicy`` bounded by a time budget, not a count.

azure-core owns the loop (which answers to retry, connection and read errors, body rewinding, history).
What it lacks, and this module adds: a deadline (``budget_seconds``, or the earlier end a caller sets for a
whole batch: the objects' lease), every method retried (Atlas upserts are idempotent: matched by
qualifiedName), ``x-ms-retry-after-ms`` preferred over ``Retry-After`` and garbage in either ignored, jitter
on both the server's delay and the backoff (threads throttled together do not come back together), and each
wait cut to what is left of the deadline. When the deadline ends the retries, the request's context says so
(``BUDGET_SPENT``) and the error step raises ``RetryBudgetExceeded``.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ServiceResponseTimeoutError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy
from azure.core.pipeline.transport import HttpTransport

from purview.calls import CALL_OPTION, Call

__all__ = [
    "BUDGET_SPENT",
    "DEADLINE_OPTION",
    "SIZE_FAILURE_RETRIES",
    "BudgetRetryPolicy",
    "BudgetSpent",
    "RetryOptions",
    "retry_after",
]

logger = logging.getLogger(__name__)

DEADLINE_OPTION = "purview_deadline"
"""Request option: a ``clock()`` instant after which no retry starts (a batch's shared budget)."""
BUDGET_SPENT = "purview_budget_spent"
"""Context key set when the deadline, not success or the attempt cap, ended the retries."""
SIZE_FAILURE_RETRIES = 1
"""Retries of a resizable request after a 408/504/read timeout before it is handed back to be split."""
_SIZE_STATUSES = frozenset({408, 504})
_UNLIMITED = 10**9
_ALL_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryOptions:
    """How long one Purview call keeps retrying 429, 5xx, 408, timeouts and broken connections.

    >>> RetryOptions(budget_seconds=60, base_delay=0.5).max_attempts is None
    True
    """

    budget_seconds: float = 600.0
    base_delay: float = 1.0
    max_delay: float = 60.0
    retry_after_jitter: float = 0.25
    max_attempts: int | None = None
    """An optional cap (tests, tools); the sync leaves it unset and only the budget bounds retries."""

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None: only the budget bounds retries)")
        if self.base_delay <= 0 or self.max_delay <= 0 or self.budget_seconds <= 0:
            raise ValueError("delays and the budget must be positive")
        if not 0 <= self.retry_after_jitter <= 1:
            raise ValueError("retry_after_jitter must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class BudgetSpent:
    """Why the retries stopped: the budget (seconds), the attempts made and the time they took."""

    budget_seconds: float
    attempts: int
    elapsed: float


def _seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Delta-seconds or an HTTP date; None when absent, unreadable, negative-infinite or NaN."""
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
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the server asked to wait: ``x-ms-retry-after-ms`` (finer) when valid, else ``Retry-After``
    (seconds or an HTTP date); None when neither is usable. A negative or NaN value is ignored (it once made
    ``time.sleep`` raise and fail the whole batch). ``headers`` must be case-insensitive (as responses' are).

    >>> retry_after({"x-ms-retry-after-ms": "1500", "Retry-After": "2"})
    1.5
    >>> retry_after({"x-ms-retry-after-ms": "-5", "Retry-After": "2"})
    2.0
    """
    millis = headers.get("x-ms-retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000
        except ValueError:
            value = math.nan
        if 0 <= value < math.inf:
            return value
    return _seconds(headers.get("Retry-After"), now=now)


class BudgetRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's retry loop, bounded by ``RetryOptions.budget_seconds`` (or an earlier deadline).

    >>> BudgetRetryPolicy(RetryOptions(max_attempts=3)).total_retries   # the cap, in azure-core terms
    2
    """

    def __init__(
        self,
        options: RetryOptions | None = None,
        *,
        on_retry: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.options = options or RetryOptions()
        retries = _UNLIMITED if self.options.max_attempts is None else self.options.max_attempts - 1
        super().__init__(
            retry_total=retries,
            retry_connect=retries,
            retry_read=retries,
            retry_status=retries,
            retry_backoff_factor=self.options.base_delay,
            retry_backoff_max=self.options.max_delay,
        )
        self._method_whitelist = _ALL_METHODS
        self._on_retry = on_retry
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()

    def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
        settings: dict[str, Any] = super().configure_retries(options)
        now = self._clock()
        own = now + self.options.budget_seconds
        shared = options.pop(DEADLINE_OPTION, None)
        settings["deadline"] = own if shared is None else min(own, shared)
        settings["started"] = now
        settings["size_failures"] = 0
        return settings

    @staticmethod
    def size_failure(
        response: PipelineRequest[Any] | PipelineResponse[Any, Any] | None, error: Exception | None
    ) -> bool:
        """Whether this failure may be the request's size: 408, 504 or a read timeout of a resizable call."""
        if response is None:
            return False
        call = response.context.get(CALL_OPTION)
        if not isinstance(call, Call) or not call.resizable:
            return False
        if error is not None:
            return isinstance(error, ServiceResponseTimeoutError)
        return isinstance(response, PipelineResponse) and response.http_response.status_code in _SIZE_STATUSES

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        """429, 408 and 5xx, whatever the method (azure-core retries a POST only on 500/503/504)."""
        del settings
        status: int = response.http_response.status_code
        return status in (408, 429) or status >= 500

    def increment(
        self,
        settings: dict[str, Any],
        response: PipelineRequest[Any] | PipelineResponse[Any, Any] | None = None,
        error: Exception | None = None,
    ) -> bool:
        if self.size_failure(response, error):
            settings["size_failures"] += 1
            if settings["size_failures"] > SIZE_FAILURE_RETRIES:
                return False  # handed back: the caller sends it in smaller pieces
        more: bool = super().increment(settings, response=response, error=error)
        now = self._clock()
        if more and now >= settings["deadline"] and response is not None:
            response.context[BUDGET_SPENT] = BudgetSpent(
                self.options.budget_seconds, len(settings["history"]), now - settings["started"]
            )
            return False
        return more

    def sleep(
        self,
        settings: dict[str, Any],
        transport: HttpTransport[Any, Any],
        response: PipelineResponse[Any, Any] | None = None,
    ) -> None:
        """Wait the jittered ``Retry-After`` when given, else full-jitter backoff; never past the deadline."""
        del transport
        asked = retry_after(response.http_response.headers) if response is not None else None
        if asked is not None:
            wait = asked * (1.0 + self._rng.uniform(0.0, self.options.retry_after_jitter))
        else:
            doubled = self.options.base_delay * 2 ** min(max(0, len(settings["history"]) - 1), 30)
            wait = self._rng.uniform(0.0, min(self.options.max_delay, doubled))  # full jitter under the cap
        wait = max(0.0, min(wait, self.options.max_delay, settings["deadline"] - self._clock()))
        logger.info("Purview call failed (attempt %d); retrying in %.2fs", len(settings["history"]), wait)
        if self._on_retry is not None:
            self._on_retry()
        self._sleep(wait)
