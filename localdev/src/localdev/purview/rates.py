"""Request-rate statistics of the emulator: what clients offered and what the capacity limit admitted.

Every Data Map request (operator routes excluded) is stamped when it arrives; ``/_emulator/stats`` reports
the most requests seen in any sliding window — offered (admitted + throttled) and admitted alone — next to
the configured limit per window, so a test can check that a client's pacing stays within the limit. Two
windows: 1 s (the emulator's own bucket) and 5 s. The stamp is taken when the event loop gets to the request,
so a busy loop (a large bulk write) stamps requests sent evenly as a bunch; the 5 s window evens that out.
Stamps are kept in bounded deques (the last ``keep`` requests), so a long benchmark does not grow memory
without bound.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["RateRecorder", "max_in_window"]


def max_in_window(stamps: Sequence[float], window: float) -> int:
    """The largest number of sorted ``stamps`` inside any half-open interval ``[t, t + window)``.

    >>> max_in_window([0.0, 0.1, 0.5, 1.05, 1.2], 1.0)
    3
    """
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class RateRecorder:
    """Arrival stamps of admitted and throttled requests; a summary per sliding window on demand."""

    def __init__(
        self,
        *,
        windows: tuple[float, ...] = (1.0, 5.0),
        keep: int = 500_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.windows = windows
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: deque[float] = deque(maxlen=keep)
        self._offered: deque[float] = deque(maxlen=keep)
        self.admitted = 0
        self.throttled = 0

    def record(self, *, admitted: bool) -> None:
        now = self._clock()
        with self._lock:
            self._offered.append(now)
            if admitted:
                self._admitted.append(now)
                self.admitted += 1
            else:
                self.throttled += 1

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()
            self._offered.clear()
            self.admitted = self.throttled = 0

    def summary(self, limit_per_second: float | None) -> dict[str, Any]:
        """``{limit_per_s, admitted, throttled, duration_s, windows: [{seconds, limit, max_offered,
        max_admitted}]}``: ``limit`` is the capacity per window (None when unthrottled), the maxima are the
        request counts of the busiest window."""
        with self._lock:
            admitted, offered = list(self._admitted), list(self._offered)
            counts = (self.admitted, self.throttled)
        return {
            "limit_per_s": limit_per_second or None,
            "admitted": counts[0],
            "throttled": counts[1],
            "duration_s": round(offered[-1] - offered[0], 3) if offered else 0.0,
            "windows": [
                {
                    "seconds": window,
                    "limit": None if not limit_per_second else round(limit_per_second * window, 3),
                    "max_offered": max_in_window(offered, window),
                    "max_admitted": max_in_window(admitted, window),
                }
                for window in self.windows
            ],
        }
