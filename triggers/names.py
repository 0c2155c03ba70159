"""Function names derived from catalog names (no side effects: tools import this without loading the app)."""

from __future__ import annotations

import re

__all__ = ["event_function_name", "timer_function_name"]


def event_function_name(catalog: str) -> str:
    """The Event Hub trigger of a push catalog."""
    return "events_" + re.sub(r"[^a-z0-9]", "_", catalog)


def timer_function_name(catalog: str) -> str:
    """The timer trigger of a scheduled catalog."""
    return "sync_timer_" + re.sub(r"[^a-z0-9]", "_", catalog)
