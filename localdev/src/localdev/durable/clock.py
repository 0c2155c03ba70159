"""Clocks for the local Durable host: the wall clock, or a manual clock that tests advance.

A ``ManualClock`` lets a test fire a seven-day durable timer instantly::

    clock = ManualClock()
    with DurableHost(app_dir, clock=clock) as host:
        iid = host.start_new("monitor")
        clock.advance(timedelta(days=7))
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """What the host needs from a clock: the current aware UTC time and change notifications."""

    def now(self) -> datetime: ...

    def real_wait_seconds(self, until: datetime) -> float | None:
        """Real seconds to sleep before ``until`` may have passed; None means wait for a notification."""
        ...

    def subscribe(self, callback: Callable[[], None]) -> None: ...


class SystemClock:
    """The wall clock (aware UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_wait_seconds(self, until: datetime) -> float | None:
        return max(0.0, (until - self.now()).total_seconds())

    def subscribe(self, callback: Callable[[], None]) -> None:
        """The wall clock never jumps, so there is nothing to notify."""


class ManualClock:
    """A clock that only moves when ``advance`` or ``set`` is called.

    Example: ``clock = ManualClock(); clock.advance(timedelta(days=7))`` fires every timer due within a week.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds) and wake the host's timers."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += step
            now = self._now
        for callback in list(self._callbacks):
            callback()
        return now

    def real_wait_seconds(self, until: datetime) -> float | None:
        return 0.0 if until <= self.now() else None

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)
