"""NCRONTAB schedules as Azure Functions timer triggers read them: six fields, seconds first.

``{second} {minute} {hour} {day} {month} {day-of-week}``, e.g. ``0 0 2 * * *`` is 02:00 every day (UTC unless
the app sets ``WEBSITE_TIME_ZONE``). croniter does the parsing (``second_at_beginning=True``), but it is more
lenient than NCRONTAB — it accepts five or seven fields and Quartz-style ``L``/``#``/``H`` — so those are
refused here first, with a message that shows the expected shape.
"""

from __future__ import annotations

import re
from datetime import datetime

from croniter import croniter  # type: ignore[import-untyped]

__all__ = ["next_run", "validate_ncrontab"]

_NAMES = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat")
_FIELD = re.compile(r"[0-9*,/-]+")
_SHAPE = (
    "six fields '{second} {minute} {hour} {day} {month} {day-of-week}', e.g. '0 0 2 * * *' for 02:00 daily"
)


def validate_ncrontab(expression: str) -> str:
    """``expression`` with single spaces if it is a valid NCRONTAB schedule, else ``ValueError``."""
    fields = expression.split()
    if len(fields) != 6:
        hint = " (add the seconds field first: '0 ' + your 5-field cron)" if len(fields) == 5 else ""
        raise ValueError(f"must be an NCRONTAB schedule of {_SHAPE}; got {len(fields)} fields{hint}")
    for field in fields:
        if not _FIELD.fullmatch(_NAMES.sub("0", field.lower())):
            raise ValueError(
                f"NCRONTAB field {field!r} is not valid; use numbers, names, '*', ',', '-' and '/'"
            )
    normalised = " ".join(fields)
    if not croniter.is_valid(normalised, second_at_beginning=True):
        raise ValueError(
            f"{normalised!r} is not a valid NCRONTAB schedule (a value is out of range?); {_SHAPE}"
        )
    return normalised


def next_run(expression: str, after: datetime) -> datetime:
    """First time strictly after ``after`` at which the schedule fires (same tz-awareness as ``after``)."""
    schedule = croniter(validate_ncrontab(expression), after, second_at_beginning=True)
    result: datetime = schedule.get_next(datetime)
    return result
