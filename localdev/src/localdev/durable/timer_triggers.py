"""Timer triggers: NCRONTAB schedules (``sec min hour day month day-of-week``) evaluated in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["CronSchedule"]

_RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
_NAMES = {
    **{
        m: i + 1
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
    },
    **{d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}


def _field(text: str, low: int, high: int) -> list[int]:
    values: set[int] = set()
    for item in text.lower().split(","):
        step = 1
        part = item
        if "/" in item:
            part, step_text = item.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(_NAMES.get(a, a)), int(_NAMES.get(b, b))
        else:
            start = int(_NAMES.get(part, part))
            end = high if "/" in text and step > 1 else start
        values.update(v % 7 if high == 6 else v for v in range(start, end + 1, step))
    bad = [v for v in values if not low <= v <= high]
    if bad:
        raise ValueError(f"value {bad[0]} out of range {low}-{high}")
    return sorted(values)


class CronSchedule:
    """A six-field NCRONTAB expression (a five-field one gets second 0), or a ``hh:mm:ss`` interval.

    Example: ``CronSchedule("0 */5 * * * *").next_after(now)`` is the next five-minute boundary.
    """

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.interval: timedelta | None = None
        parts = expression.split()
        if len(parts) == 1 and expression.count(":") == 2:
            hours, minutes, seconds = (int(p) for p in expression.split(":"))
            self.interval = timedelta(hours=hours, minutes=minutes, seconds=seconds)
            return
        if len(parts) == 5:
            parts = ["0", *parts]
        if len(parts) != 6:
            raise ValueError(f"schedule {expression!r} is not a 6-field NCRONTAB expression")
        fields = [_field(p, lo, hi) for p, (lo, hi) in zip(parts, _RANGES, strict=True)]
        self.seconds, self.minutes, self.hours, self.days, self.months, self.weekdays = fields
        self._any_day = parts[3] in ("*", "?")
        self._any_weekday = parts[5] in ("*", "?")

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self._any_day or self._any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (aware UTC)."""
        moment = moment.astimezone(UTC)
        if self.interval is not None:
            return moment + self.interval
        start = moment.replace(microsecond=0) + timedelta(seconds=1)
        day = start.replace(hour=0, minute=0, second=0)
        for _ in range(366 * 5):
            if self._day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        for second in self.seconds:
                            candidate = day.replace(hour=hour, minute=minute, second=second)
                            if candidate >= start:
                                return candidate
            day += timedelta(days=1)
        raise ValueError(f"schedule {self.expression!r} never fires")
