"""How big a bulk upsert may be right now: a ceiling on entities and body bytes that adapts to Purview.

Purview documents no request limit; a call too big for it answers 413 (body), 408/504 or no answer in time
(too many entities to process). The ceiling is one ``scale`` (0..1] of the configured maxima, applied to
both. A call that fails for its size halves the scale below that call's own (its larger share of either
maximum), remembered for the gateway's later calls so they do not fail the same way; a call that filled at
least half the ceiling and was answered within ``fast_seconds`` raises it by an eighth, up to 1. Against a
hard limit the ceiling saw-tooths below it, one refused call in about seven; after a passing slowdown it is
back at the maxima within a few dozen calls.

``CeilingRule`` is the pure rule; ``AdaptiveCeiling`` holds one gateway's ceiling across threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["AdaptiveCeiling", "Ceiling", "CeilingRule"]

_CLIMB = 1.125


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The largest bulk call to send now: ``entities`` and estimated body ``size`` (bytes)."""

    entities: int
    size: int


@dataclass(frozen=True, slots=True)
class CeilingRule:
    """Halve on a size failure, an eighth up after a fast, full call (pure, on the scale).

    >>> rule = CeilingRule(max_entities=1000, max_size=4_000_000, fast_seconds=10)
    >>> low = rule.lowered(1.0, entities=980, size=500_000)    # 98 % of the entities: the binding share
    >>> rule.ceiling(low)
    Ceiling(entities=490, size=1960000)
    >>> rule.ceiling(rule.raised(low, entities=480, size=240_000, seconds=0.5))
    Ceiling(entities=551, size=2205000)
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

    def ceiling(self, scale: float) -> Ceiling:
        """The entities and bytes a call may carry at ``scale``."""
        return Ceiling(max(1, int(scale * self.max_entities)), max(1, int(scale * self.max_size)))

    def share(self, *, entities: int, size: int) -> float:
        """How much of the maxima a call used: its larger share of either."""
        return max(entities / self.max_entities, size / self.max_size)

    def lowered(self, scale: float, *, entities: int, size: int) -> float:
        """After a call of ``entities``/``size`` failed for its size: half its share, at most ``scale``."""
        return min(scale, self.share(entities=entities, size=size) / 2)

    def raised(self, scale: float, *, entities: int, size: int, seconds: float) -> float:
        """After a call succeeded in ``seconds``: an eighth up when it was fast and filled at least half the
        ceiling (a small call says nothing about a big one)."""
        if scale >= 1 or seconds > self.fast_seconds:
            return scale
        if 2 * self.share(entities=entities, size=size) < scale:
            return scale
        return min(1.0, scale * _CLIMB)


class AdaptiveCeiling:
    """One gateway's current ceiling, shared by its threads; counts how often it went down and up.

    >>> ceiling = AdaptiveCeiling(CeilingRule(max_entities=100, max_size=10_000, fast_seconds=5))
    >>> ceiling.failed(entities=100, size=8_000)
    Ceiling(entities=50, size=5000)
    >>> ceiling.lowered, ceiling.scale
    (1, 0.5)
    """

    def __init__(self, rule: CeilingRule) -> None:
        self.rule = rule
        self.scale = 1.0
        self.lowered = 0
        self.raised = 0
        self._lock = threading.Lock()

    @property
    def current(self) -> Ceiling:
        return self.rule.ceiling(self.scale)

    def failed(self, *, entities: int, size: int) -> Ceiling:
        """A call of this size failed for its size: lower the ceiling; returns the new one."""
        with self._lock:
            new = self.rule.lowered(self.scale, entities=entities, size=size)
            if new < self.scale:
                self.lowered += 1
            self.scale = new
            return self.rule.ceiling(new)

    def succeeded(self, *, entities: int, size: int, seconds: float) -> Ceiling:
        """A call of this size succeeded in ``seconds``: maybe climb a step; returns the ceiling."""
        with self._lock:
            new = self.rule.raised(self.scale, entities=entities, size=size, seconds=seconds)
            if new > self.scale:
                self.raised += 1
            self.scale = new
            return self.rule.ceiling(new)
