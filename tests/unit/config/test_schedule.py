"""NCRONTAB validation (six fields, seconds first) and next-run computation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import next_run, validate_ncrontab


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 2 * * *",
        "0 */5 * * * *",
        "*/30 * * * * *",
        "0 30 9 * * Mon-Fri",
        "0 0 0 1 Jan,Jul *",
        "0 0 12 * * 0",
    ],
)
def test_valid(expression: str) -> None:
    assert validate_ncrontab(expression) == expression


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 2 * * *", "got 5 fields"),
        ("0 0 2 * * * 2025", "got 7 fields"),
        ("", "got 0 fields"),
        ("60 0 2 * * *", "not a valid NCRONTAB"),
        ("0 0 2 L * *", "field 'L'"),
        ("0 0 2 * * 5#3", "field '5#3'"),
        ("0 0 2 ? * *", "field '?'"),
        ("0 0 H * * *", "field 'H'"),
    ],
)
def test_invalid(expression: str, fragment: str) -> None:
    with pytest.raises(ValueError, match="NCRONTAB") as info:
        validate_ncrontab(expression)
    assert fragment in str(info.value)


def test_next_run_uses_the_seconds_field() -> None:
    after = datetime(2025, 1, 1, 1, 59, 59, tzinfo=UTC)
    assert next_run("0 0 2 * * *", after) == datetime(2025, 1, 1, 2, 0, 0, tzinfo=UTC)
    assert next_run("*/10 * * * * *", after) == datetime(2025, 1, 1, 2, 0, 0, tzinfo=UTC)
    assert next_run("0 30 9 * * Mon-Fri", after) == datetime(2025, 1, 1, 9, 30, tzinfo=UTC)  # a Wednesday
