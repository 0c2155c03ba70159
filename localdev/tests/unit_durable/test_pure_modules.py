"""Unit tests for the pure modules of the local Durable host."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest

from localdev.durable.actions import (
    ActionKind,
    entity_instance_id,
    flatten_actions,
    identity,
    retry_interval_ms,
)
from localdev.durable.clock import ManualClock
from localdev.durable.history import EventType, format_time, make_event, parse_time
from localdev.durable.http_triggers import compile_route
from localdev.durable.timer_triggers import CronSchedule

MODULES = [
    "actions", "app_settings", "cli_instances", "cli_serve", "clock", "engine", "entities", "errors",
    "functions", "history", "host", "http_triggers", "management_api", "runtime", "scheduling", "server",
    "store", "timer_triggers",
]  # fmt: skip


@pytest.mark.parametrize("name", ["localdev.durable", *(f"localdev.durable.{m}" for m in MODULES)])
def test_modules_declare_all(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list) and module.__all__
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


def test_flatten_is_depth_first_over_v3_nesting() -> None:
    actions = [
        [
            {"actionType": 0, "functionName": "A", "input": "1"},
            {
                "actionType": ActionKind.WHEN_ALL,
                "compoundActions": [
                    {"actionType": 5, "fireAt": "2024-01-01T00:00:00Z", "isCanceled": False},
                    {
                        "actionType": 12,
                        "compoundActions": [{"actionType": 1, "functionName": "B", "retryOptions": {}}],
                    },
                ],
            },
            {"actionType": 6, "externalEventName": "Go"},
        ]
    ]
    flat = flatten_actions(actions)
    assert [a.kind for a in flat] == [0, 5, 1, 6]
    assert [a.takes_sequence_id for a in flat] == [True, True, True, False]
    assert flat[2].has_retry and identity(flat[2]) == ["activity", "b"]
    assert identity(flat[3]) == ["externalevent", "Go"]


def test_entity_ids_lower_case_the_name_only() -> None:
    assert entity_instance_id("@Counter@Key1") == "@counter@Key1"
    assert entity_instance_id("plain") == "plain"


def test_retry_interval_uses_backoff_and_cap() -> None:
    assert retry_interval_ms({"firstRetryIntervalInMilliseconds": 5000}, 3) == 5000
    options = {
        "firstRetryIntervalInMilliseconds": 100,
        "backoffCoefficient": 2,
        "maxRetryIntervalInMilliseconds": 300,
    }
    assert [retry_interval_ms(options, n) for n in (1, 2, 3)] == [100, 200, 300]


def test_history_events_are_pascal_case_and_aware() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    event = make_event(EventType.TASK_COMPLETED, moment, TaskScheduledId=3, Result='"x"')
    assert event == {
        "EventType": 5,
        "EventId": -1,
        "IsPlayed": False,
        "Timestamp": "2024-01-02T03:04:05.000006Z",
        "TaskScheduledId": 3,
        "Result": '"x"',
    }
    assert parse_time(event["Timestamp"]) == moment
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2024, 1, 1))


def test_manual_clock_only_moves_forward() -> None:
    clock = ManualClock(datetime(2024, 1, 1, tzinfo=UTC))
    ticks: list[int] = []
    clock.subscribe(lambda: ticks.append(1))
    assert clock.advance(timedelta(days=7)) == datetime(2024, 1, 8, tzinfo=UTC)
    assert ticks == [1]
    with pytest.raises(ValueError):
        clock.advance(-1)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 */5 * * * *", "2024-01-01T10:02:30Z", "2024-01-01T10:05:00Z"),
        ("30 0 9 * * 1-5", "2024-01-05T09:00:31Z", "2024-01-08T09:00:30Z"),  # Friday -> Monday
        ("0 0 0 1 * *", "2024-01-15T00:00:00Z", "2024-02-01T00:00:00Z"),
        ("*/10 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z"),  # 5 fields: minutes
        ("00:00:30", "2024-01-01T00:00:00Z", "2024-01-01T00:00:30Z"),
    ],
)
def test_ncrontab_next_occurrence(expression: str, after: str, expected: str) -> None:
    assert CronSchedule(expression).next_after(parse_time(after)) == parse_time(expected)


def test_ncrontab_rejects_bad_expressions() -> None:
    with pytest.raises(ValueError):
        CronSchedule("* * *")
    with pytest.raises(ValueError):
        CronSchedule("0 61 * * * *")


def test_route_templates() -> None:
    route = compile_route("orchestrators/{name}/{instance_id?}")
    assert route.match("orchestrators/chain").groupdict() == {"name": "chain", "instance_id": None}  # type: ignore[union-attr]
    assert route.match("Orchestrators/chain/abc").groupdict() == {"name": "chain", "instance_id": "abc"}  # type: ignore[union-attr]
    assert route.match("orchestrators") is None
    assert compile_route("files/{*path}").match("files/a/b/c").group("path") == "a/b/c"  # type: ignore[union-attr]
    assert compile_route("items/{id:int}").match("items/42").group("id") == "42"  # type: ignore[union-attr]
