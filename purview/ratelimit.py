"""Client-side pacing: a token bucket sized from the account's capacity units (25 operations/s per CU).

A sync that paces itself below the account's capacity gets (almost) no 429s, instead of bursting into them and
sleeping through ``Retry-After``. Every HTTP attempt, retries included, takes one token.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["OPS_PER_CAPACITY_UNIT", "TokenBucket"]

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
        self.waited_seconds = 0.0

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
        if capacity_units <= 0 or not 0 < utilisation <= 1:
            raise ValueError("capacity_units must be positive and utilisation in (0, 1]")
        rate = capacity_units * OPS_PER_CAPACITY_UNIT * utilisation
        return cls(rate, max(1.0, rate * burst_seconds), clock=clock, sleep=sleep)

    def acquire(self) -> float:
        """Take one token, sleeping until one is available; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited_seconds += wait
        if wait > 0:
            self._sleep(wait)
        return wait
