"""How big a bulk upsert may be right now: a ceiling on entities and body bytes that adapts to Purview.

Purview documents no request limit; a call too big for it answers 413 (body), 408/504 or no answer in time
(too many entities to process). Each such failure halves the ceiling below what was sent (remembered for the
gateway's later calls, so they do not fail the same way); each call that filled at least half the ceiling and
was answered within ``fast_seconds`` raises it by an eighth, up to the configured maximum. Against a hard
limit the ceiling thus saw-tooths below it, one refused call in about seven; after a passing slowdown it is
back at the maximum within a few dozen calls.

``CeilingRule`` is the pure rule; ``AdaptiveCeiling`` holds one gateway's ceiling across threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["AdaptiveCeiling", "Ceiling", "CeilingRule"]

_CLIMB_DIVISOR = 8


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The largest bulk call to send now: ``entities`` and estimated body ``size`` (bytes)."""

    entities: int
    size: int


@dataclass(frozen=True, slots=True)
class CeilingRule:
    """Halve on a size failure, an eighth up after a fast, full call (pure).

    >>> rule = CeilingRule(max_entities=1000, max_size=4_000_000, fast_seconds=10)
    >>> low = rule.lowered(rule.top, entities=980, size=500_000)
    >>> low
    Ceiling(entities=490, size=250000)
    >>> rule.raised(low, entities=480, size=240_000, seconds=0.5)
    Ceiling(entities=551, size=281250)
    >>> rule.raised(low, entities=480, size=240_000, seconds=11) == low   # slow: stays
    True
    """

    max_entities: int
    max_size: int
    fast_seconds: float

    def __post_init__(self) -> None:
        if self.max_entities < 1 or self.max_size < 1 or self.fast_seconds <= 0:
            raise ValueError("max_entities, max_size and fast_seconds must be positive")

    @property
    def top(self) -> Ceiling:
        return Ceiling(self.max_entities, self.max_size)

    def lowered(self, current: Ceiling, *, entities: int, size: int) -> Ceiling:
        """After a call of ``entities``/``size`` failed for its size: half of it, never above ``current``."""
        return Ceiling(max(1, min(current.entities, entities // 2)), max(1, min(current.size, size // 2)))

    def raised(self, current: Ceiling, *, entities: int, size: int, seconds: float) -> Ceiling:
        """After a call succeeded in ``seconds``: an eighth up when it was fast and filled at least half the
        ceiling in entities or bytes (a small call says nothing about a big one)."""
        if current == self.top or seconds > self.fast_seconds:
            return current
        if 2 * entities < current.entities and 2 * size < current.size:
            return current
        return Ceiling(
            min(self.max_entities, current.entities + max(1, current.entities // _CLIMB_DIVISOR)),
            min(self.max_size, current.size + max(1, current.size // _CLIMB_DIVISOR)),
        )


class AdaptiveCeiling:
    """One gateway's current ceiling, shared by its threads; counts how often it went down and up.

    >>> ceiling = AdaptiveCeiling(CeilingRule(max_entities=100, max_size=10_000, fast_seconds=5))
    >>> ceiling.failed(entities=100, size=8_000).entities
    50
    >>> ceiling.lowered, ceiling.current.size
    (1, 4000)
    """

    def __init__(self, rule: CeilingRule) -> None:
        self.rule = rule
        self.current = rule.top
        self.lowered = 0
        self.raised = 0
        self._lock = threading.Lock()

    def failed(self, *, entities: int, size: int) -> Ceiling:
        """A call of this size failed for its size: lower the ceiling; returns the new one."""
        with self._lock:
            new = self.rule.lowered(self.current, entities=entities, size=size)
            if new != self.current:
                self.lowered += 1
            self.current = new
            return new

    def succeeded(self, *, entities: int, size: int, seconds: float) -> Ceiling:
        """A call of this size succeeded in ``seconds``: maybe climb a step; returns the ceiling."""
        with self._lock:
            new = self.rule.raised(self.current, entities=entities, size=size, seconds=seconds)
            if new != self.current:
                self.raised += 1
            self.current = new
            return new
