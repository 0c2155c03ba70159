"""Client-side pacing: a token bucket whose rate adapts to Purview's 429s (AIMD), shared per worker process.

The account's capacity units give the ceiling (25 operations/s per CU, times a utilisation share). Purview is
shared (scans, people, other tools, other catalogs), so the capacity left for the sync is unknown: a 429
halves the rate (multiplicative decrease) and each second of answers without one adds a small step
(additive increase), never above the ceiling. A sync thus settles just below what Purview lets it have,
instead of bursting into 429s and sleeping through ``Retry-After``. Every HTTP attempt takes one token:
``PacingPolicy`` puts the pacer in an azure-core pipeline, below the retry policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

from purview.calls import CallStats

__all__ = [
    "OPS_PER_CAPACITY_UNIT",
    "AdaptivePacer",
    "AimdController",
    "PacingPolicy",
    "TokenBucket",
    "ceiling_rate",
]

OPS_PER_CAPACITY_UNIT = 25
"""Purview Data Map throughput per capacity unit (operations per second)."""


class TokenBucket:
    """Thread-safe token bucket: ``rate`` tokens per second, at most ``burst`` stored.

    >>> bucket = TokenBucket.for_capacity_units(2, utilisation=0.8)
    >>> bucket.rate
    40.0
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()

    @classmethod
    def for_capacity_units(
        cls,
        capacity_units: float,
        *,
        utilisation: float = 0.8,
        burst_seconds: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> TokenBucket:
        """A bucket using ``utilisation`` of the account's throughput (the rest is left to scans, the UI)."""
        rate = ceiling_rate(capacity_units, utilisation)
        return cls(rate, max(1.0, rate * burst_seconds), clock=clock, sleep=sleep)

    def set_rate(self, rate: float, burst: float | None = None) -> None:
        """Change the pace (and the burst) from now on; tokens earned so far are kept up to the new burst."""
        if rate <= 0 or (burst is not None and burst < 1):
            raise ValueError("rate must be positive and burst at least 1")
        with self._lock:
            self._refill(self._clock())
            self.rate = float(rate)
            if burst is not None:
                self.burst = float(burst)
                self._tokens = min(self._tokens, self.burst)

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


def ceiling_rate(capacity_units: float, utilisation: float) -> float:
    """Operations per second the sync may use at most: ``capacity_units`` x 25 x ``utilisation``."""
    if capacity_units <= 0 or not 0 < utilisation <= 1:
        raise ValueError("capacity_units must be positive and utilisation in (0, 1]")
    return capacity_units * OPS_PER_CAPACITY_UNIT * utilisation


@dataclass
class AimdController:
    """The pure AIMD rule over an injected clock (no locks, no sleeping): what the rate should be now.

    A 429 for a request *sent* before the last decrease is the echo of the old rate, not news: it does not
    decrease again (TCP NewReno's once-per-window rule), so a burst of 429s from requests already in flight
    halves the rate once, not to the floor.

    >>> aimd = AimdController(ceiling=10.0, floor=0.5, step=0.5, rate=10.0)
    >>> aimd.on_throttle(sent_at=0.0, now=1.0), aimd.rate
    (True, 5.0)
    >>> aimd.on_throttle(sent_at=0.5, now=1.1), aimd.rate   # sent before the decrease: no second halving
    (False, 5.0)
    >>> aimd.on_success(now=2.1), aimd.rate                 # one quiet interval later: one step up
    (True, 5.5)
    """

    ceiling: float
    floor: float
    step: float
    rate: float
    decrease: float = 0.5
    interval: float = 1.0
    last_decrease: float = float("-inf")
    last_increase: float = float("-inf")

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling or self.step <= 0 or self.interval <= 0:
            raise ValueError("need 0 < floor <= ceiling, a positive step and a positive interval")
        if not 0 < self.decrease < 1:
            raise ValueError("decrease must be in (0, 1)")
        self.rate = min(self.ceiling, max(self.floor, self.rate))

    def on_throttle(self, *, sent_at: float, now: float) -> bool:
        """A 429 answered a request sent at ``sent_at``; True when the rate went down."""
        if sent_at < self.last_decrease:
            return False
        self.rate = max(self.floor, self.rate * self.decrease)
        self.last_decrease = self.last_increase = now
        return True

    def on_success(self, *, now: float) -> bool:
        """A request succeeded; True when a full quiet ``interval`` passed and the rate went up a step."""
        if self.last_increase == float("-inf"):
            self.last_increase = now
            return False
        if now - self.last_increase < self.interval or self.rate >= self.ceiling:
            return False
        self.rate = min(self.ceiling, self.rate + self.step)
        self.last_increase = now
        return True


class AdaptivePacer:
    """The pace of every Purview request of one worker process: a token bucket driven by ``AimdController``.

    ``acquire()`` before each attempt returns ``(seconds waited, send time)``; report the answer with
    ``throttled(sent_at)`` or ``succeeded()``. All gateways of a process share one pacer (their threads
    together keep the pace).

    >>> pacer = AdaptivePacer.for_capacity_units(0.5)     # 0.5 CU x 25 ops/s x 0.8 utilisation
    >>> pacer.rate, pacer.ceiling
    (10.0, 10.0)
    """

    def __init__(
        self,
        ceiling: float,
        *,
        floor: float | None = None,
        step: float | None = None,
        burst_seconds: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        floor = min(ceiling, 0.5) if floor is None else floor
        self.aimd = AimdController(
            ceiling=ceiling, floor=floor, step=step or max(0.05, ceiling * 0.05), rate=ceiling
        )
        self.bucket = TokenBucket(ceiling, max(1.0, ceiling * burst_seconds), clock=clock, sleep=sleep)
        self._burst_seconds = burst_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.decreases = 0
        self.lowest_rate = ceiling

    @classmethod
    def for_capacity_units(
        cls,
        capacity_units: float,
        *,
        utilisation: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> AdaptivePacer:
        """A pacer whose ceiling is ``utilisation`` of the account's throughput (fractional CUs allowed)."""
        return cls(ceiling_rate(capacity_units, utilisation), clock=clock, sleep=sleep)

    @property
    def rate(self) -> float:
        return self.aimd.rate

    @property
    def ceiling(self) -> float:
        return self.aimd.ceiling

    def acquire(self) -> tuple[float, float]:
        """Wait for this attempt's turn; returns ``(seconds waited, send time)``."""
        waited = self.bucket.acquire()
        return waited, self._clock()

    def throttled(self, sent_at: float) -> None:
        """Purview answered 429 to a request sent at ``sent_at``: slow down (once per window)."""
        with self._lock:
            if self.aimd.on_throttle(sent_at=sent_at, now=self._clock()):
                self.decreases += 1
                self.lowest_rate = min(self.lowest_rate, self.aimd.rate)
                self._apply()

    def succeeded(self) -> None:
        """A request was answered without throttling: speed up a step after each quiet interval."""
        with self._lock:
            if self.aimd.on_success(now=self._clock()):
                self._apply()

    def _apply(self) -> None:
        rate = self.aimd.rate
        self.bucket.set_rate(rate, max(1.0, rate * self._burst_seconds))


class PacingPolicy(HTTPPolicy[Any, Any]):
    """Each HTTP attempt waits for its turn at the (shared) pacer and reports how it went: a 429 slows every
    transport sharing the pacer; 5xx answers and exceptions say nothing about capacity and leave the pace."""

    def __init__(self, pacer: AdaptivePacer, stats: CallStats) -> None:
        super().__init__()
        self.pacer = pacer
        self.stats = stats

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        waited, sent_at = self.pacer.acquire()
        try:
            response: PipelineResponse[Any, Any] = self.next.send(request)
            status = response.http_response.status_code
            if status == 429:
                self.pacer.throttled(sent_at)
            elif status != 408 and status < 500:  # a 4xx answer is still a served request
                self.pacer.succeeded()
            return response
        finally:
            self.stats.paced(waited, self.pacer.rate, self.pacer.lowest_rate)
