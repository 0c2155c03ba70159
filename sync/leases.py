"""Pure timing rules of a chunk: how long busy items wait for another run's lease, and how long a batch
may still spend on Purview before its own leases run out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = [
    "LEASE_LAPSED",
    "LEASE_MARGIN_SECONDS",
    "MAX_BUSY_DELAY_SECONDS",
    "BusyRetry",
    "busy_retry",
    "lease_left",
]

LEASE_LAPSED: Final = (
    "not written: the objects' lease ran out before this batch got a worker (Purview slow or throttled, more "
    "batches than activity slots); the next run writes them"
)
"""Why a batch queued past its objects' lease writes nothing: another run may hold them by now."""
MAX_BUSY_DELAY_SECONDS: Final = 15 * 60
"""Upper bound of one busy-retry wait: the default sync_state lease, after which a lock may be taken over."""


@dataclass(frozen=True, slots=True)
class BusyRetry:
    """Whether a chunk waits and retries its busy items (``delay_seconds`` on a durable timer) or gives up."""

    retry: bool
    delay_seconds: int
    attempt: int  # retries done so far, including this one when ``retry``

    def fire_at(self, now: datetime) -> datetime:
        """When the durable timer fires (pass the orchestration's ``current_utc_datetime``)."""
        return now + timedelta(seconds=self.delay_seconds)


LEASE_MARGIN_SECONDS: Final = 60.0
"""Time kept back from a lease: the batch's last request and the ``complete`` signal must land inside it."""


def lease_left(
    lease_expires: str | None, now: datetime, margin: float = LEASE_MARGIN_SECONDS
) -> float | None:
    """Seconds a batch may still spend on Purview before its objects' leases run out (less ``margin``);
    ``None`` when the request names no lease (older orchestrations). A batch queued behind others (more
    batches than activity slots) starts late: its retry budget must end with the lease, not after it, or
    another run could take the objects over while this one still writes them.

    >>> lease_left("2026-01-01T00:15:00+00:00", datetime.fromisoformat("2026-01-01T00:10:00+00:00"))
    240.0
    """
    if not lease_expires:
        return None
    return (datetime.fromisoformat(lease_expires) - now).total_seconds() - margin


def busy_retry(retries_done: int, busy_count: int, *, max_retries: int, delay_seconds: int) -> BusyRetry:
    """Retry busy items after ``delay_seconds`` doubling per retry (≤ 15 min), at most ``max_retries`` times.

    After that the items are reported busy: another run holds them and will finish (or its lease lapses).
    """
    if retries_done < 0 or max_retries < 0 or delay_seconds < 1:
        raise ValueError("retries_done and max_retries must be ≥ 0 and delay_seconds ≥ 1")
    if busy_count <= 0 or retries_done >= max_retries:
        return BusyRetry(False, 0, retries_done)
    delay = min(delay_seconds * 2**retries_done, MAX_BUSY_DELAY_SECONDS)
    return BusyRetry(True, max(delay, 1), retries_done + 1)
