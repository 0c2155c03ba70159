"""The numbers a run needs from the settings, bounded so a chunk's history stays small."""

from __future__ import annotations

from typing import Final

from config.settings import Settings
from sync.contracts import SyncOptions

__all__ = ["HISTORY_BUDGET", "sync_options"]

HISTORY_BUDGET: Final = 4500
"""History events one ``upsert_chunk`` execution may use (the Durable guidance is ~5,000 at most)."""


def sync_options(settings: Settings) -> SyncOptions:
    """Options for a run. Each busy-retry round adds about two history events per item, so the rounds are
    capped to keep a full chunk's execution under :data:`HISTORY_BUDGET`."""
    busy_retries = min(settings.busy_retry_count, max(0, HISTORY_BUDGET // (2 * settings.chunk_size) - 1))
    return SyncOptions(
        chunk_size=settings.chunk_size,
        batch_items=settings.batch_items,
        lease_seconds=settings.lease_minutes * 60,
        busy_retries=busy_retries,
        busy_delay_seconds=settings.busy_retry_delay_seconds,
    )
