"""The catalog runs registry: transition table, caps, complete-run times, validation and JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from entities import catalog
from entities.catalog import (
    MAX_COMPLETE_RUNS,
    MAX_ERROR_LENGTH,
    MAX_ERRORS,
    MAX_RUNS,
    OPERATION_NAMES,
    CatalogState,
    CompleteRun,
    CurrentRun,
    GetRequest,
    InvalidOperationError,
    RunFinishedRequest,
    RunStartedRequest,
    RunStatus,
    RunSummary,
    Transition,
    apply,
    complete_run_times,
    parse_operation,
)

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)


def run(state: CatalogState, name: str, payload: Any, at: datetime) -> Transition:
    """Parse, then apply: what the entity wrapper does."""
    return apply(state, parse_operation(name, payload), at)


def summary(run_id: str, status: RunStatus, started: datetime = T0, ended: datetime = T1) -> RunSummary:
    return RunSummary(
        run_id=run_id,
        started=started,
        ended=ended,
        status=status,
        complete_for_deletion=status is RunStatus.COMPLETED,
    )


EMPTY = CatalogState()
RUNNING_A = CatalogState(current=CurrentRun(run_id="A", started=T0))
FINISHED_A = CatalogState(runs=(summary("A", RunStatus.COMPLETED),))


# (case, state, operation, payload, expected result, expected new state) — all at T1
TABLE: list[tuple[str, CatalogState, str, dict[str, Any], dict[str, Any], CatalogState]] = [
    (
        "first start",
        EMPTY,
        "run_started",
        {"run_id": "A"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(current=CurrentRun(run_id="A", started=T1), runs_started=1),
    ),
    (
        "redelivered start of the current run",
        RUNNING_A,
        "run_started",
        {"run_id": "A"},
        {"accepted": False, "reason": "already_current", "abandoned_run": None},
        RUNNING_A,
    ),
    (
        "start of a finished run never reopens it",
        FINISHED_A,
        "run_started",
        {"run_id": "A"},
        {"accepted": False, "reason": "already_recorded", "abandoned_run": None},
        FINISHED_A,
    ),
    (
        "start while another run is current: that one is recorded as failed",
        RUNNING_A,
        "run_started",
        {"run_id": "B"},
        {"accepted": True, "reason": None, "abandoned_run": "A"},
        CatalogState(
            current=CurrentRun(run_id="B", started=T1),
            runs_started=1,
            runs=(
                RunSummary(
                    run_id="A",
                    started=T0,
                    ended=T1,
                    status=RunStatus.FAILED,
                    errors=(catalog.ABANDONED_ERROR,),
                    error_count=1,
                ),
            ),
        ),
    ),
    (
        "completed run is recorded and counts for deletion",
        RUNNING_A,
        "run_finished",
        {"run_id": "A", "status": "completed"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(
            runs=(summary("A", RunStatus.COMPLETED),),
            complete_runs=(CompleteRun(run_id="A", started=T0, ended=T1),),
        ),
    ),
    (
        "a complete run records how many objects it saw (the next shrink guard's baseline)",
        RUNNING_A,
        "run_finished",
        {"run_id": "A", "status": "completed", "seen": 500},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(
            runs=(summary("A", RunStatus.COMPLETED).model_copy(update={"seen": 500}),),
            complete_runs=(CompleteRun(run_id="A", started=T0, ended=T1, seen=500),),
        ),
    ),
    (
        "a completed run held by the shrink guard is recorded with its reason but never counts",
        RUNNING_A,
        "run_finished",
        {"run_id": "A", "status": "completed", "complete_for_deletion": False, "held": ["shrink: x"]},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(
            runs=(
                summary("A", RunStatus.COMPLETED).model_copy(
                    update={"complete_for_deletion": False, "held": ("shrink: x",)}
                ),
            ),
        ),
    ),
    (
        "a failed run is recorded but never counts for deletion",
        RUNNING_A,
        "run_finished",
        {"run_id": "A", "status": "failed"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(runs=(summary("A", RunStatus.FAILED),)),
    ),
    (
        "redelivered finish changes nothing",
        FINISHED_A,
        "run_finished",
        {"run_id": "A", "status": "failed"},
        {"accepted": False, "reason": "already_recorded", "abandoned_run": None},
        FINISHED_A,
    ),
    (
        "finish of a run never seen starting uses the given start; the current run stays",
        RUNNING_A,
        "run_finished",
        {"run_id": "X", "status": "failed", "started": "2024-05-01T07:00:00Z"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(
            current=CurrentRun(run_id="A", started=T0),
            runs=(summary("X", RunStatus.FAILED, started=T0 - timedelta(hours=1)),),
        ),
    ),
    (
        "finish without any start: started = ended = now",
        EMPTY,
        "run_finished",
        {"run_id": "X", "status": "failed"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(runs=(summary("X", RunStatus.FAILED, started=T1),)),
    ),
    (
        "the request's own clock wins",
        EMPTY,
        "run_started",
        {"run_id": "A", "now": "2024-05-01T10:00:00+02:00"},
        {"accepted": True, "reason": None, "abandoned_run": None},
        CatalogState(current=CurrentRun(run_id="A", started=T0), runs_started=1),
    ),
]


@pytest.mark.parametrize(
    ("state", "name", "payload", "result", "new_state"),
    [case[1:] for case in TABLE],
    ids=[case[0] for case in TABLE],
)
def test_transition_table(
    state: CatalogState, name: str, payload: dict[str, Any], result: dict[str, Any], new_state: CatalogState
) -> None:
    assert run(state, name, payload, T1) == Transition(new_state, result)


def test_get_returns_state_json_and_changes_nothing() -> None:
    assert run(RUNNING_A, "get", None, T1) == Transition(RUNNING_A, RUNNING_A.to_json())


def test_summary_is_kept_with_counts_and_capped_errors() -> None:
    errors = [f"item {i}: boom " + "x" * 2000 for i in range(MAX_ERRORS + 5)]
    payload = {
        "run_id": "A",
        "status": "completed",
        "summary": {
            "counts": {"asset": {"created": 3, "failed": 1}, "glossary_term": {"unchanged": 7}},
            "purview_calls": 12,
            "errors": errors,
        },
    }
    recorded = run(RUNNING_A, "run_finished", payload, T1).new_state.runs[0]
    assert recorded.counts["asset"].created == 3
    assert recorded.counts["asset"].failed == 1
    assert recorded.counts["glossary_term"].unchanged == 7
    assert recorded.purview_calls == 12
    assert len(recorded.errors) == MAX_ERRORS
    assert all(len(error) == MAX_ERROR_LENGTH for error in recorded.errors)
    assert recorded.error_count == MAX_ERRORS + 5  # the total survives the sample cap
    assert recorded.ended - recorded.started == timedelta(hours=1)


def test_error_count_larger_than_sample_is_kept() -> None:
    payload = {"run_id": "A", "status": "failed", "summary": {"errors": ["e"], "error_count": 500}}
    assert run(RUNNING_A, "run_finished", payload, T1).new_state.runs[0].error_count == 500


def test_history_is_capped_newest_first_and_complete_times_are_sorted() -> None:
    state = EMPTY
    at = T0
    statuses = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.FAILED, RunStatus.FAILED]
    for index in range(MAX_COMPLETE_RUNS + 40):  # 10 completed among the first 40, then all
        run_id = f"r{index:03d}"
        state = apply(state, RunStartedRequest(run_id=run_id), at).new_state
        status = statuses[index % 4] if index < 40 else RunStatus.COMPLETED
        state = apply(
            state, RunFinishedRequest(run_id=run_id, status=status), at + timedelta(minutes=5)
        ).new_state
        at += timedelta(hours=1)
    assert len(state.runs) == MAX_RUNS
    assert [r.run_id for r in state.runs] == [
        f"r{i:03d}" for i in range(MAX_COMPLETE_RUNS + 39, MAX_COMPLETE_RUNS + 39 - MAX_RUNS, -1)
    ]
    times = complete_run_times(state)
    assert len(times) == MAX_COMPLETE_RUNS
    assert times == sorted(times, reverse=True)
    assert times[0] == at - timedelta(hours=1)
    assert state.current is None


def test_late_finish_of_an_older_run_keeps_complete_times_ordered() -> None:
    state = apply(
        EMPTY, RunFinishedRequest(run_id="new", status=RunStatus.COMPLETED, started=T1), T2
    ).new_state
    state = apply(
        state, RunFinishedRequest(run_id="old", status=RunStatus.COMPLETED, started=T0), T2
    ).new_state
    assert complete_run_times(state) == [T1, T0]


def test_state_json_round_trip() -> None:
    state = RUNNING_A
    for name, payload in [
        (
            "run_finished",
            {"run_id": "A", "status": "completed", "summary": {"counts": {"asset": {"created": 1}}}},
        ),
        ("run_started", {"run_id": "B"}),
    ]:
        state = run(state, name, payload, T1).new_state
    text = json.dumps(state.to_json())
    assert CatalogState.from_json(json.loads(text)) == state
    assert CatalogState.from_json(None) == CatalogState()


def test_operation_names() -> None:
    assert OPERATION_NAMES == ("run_started", "run_finished", "deletions_executed", "get")
    assert parse_operation("get", None) == GetRequest()


@pytest.mark.parametrize(
    ("name", "payload", "message"),
    [
        ("reset", {}, "unknown operation"),
        ("run_started", ["A"], "payload must be a JSON object"),
        ("run_started", {}, "run_id"),
        ("run_started", {"run_id": ""}, "run_id"),
        ("run_started", {"run_id": "A", "extra": 1}, "extra"),
        ("run_started", {"run_id": "A", "now": "2024-05-01T10:00:00"}, "timezone"),
        ("run_finished", {"run_id": "A", "status": "done"}, "status"),
        (
            "run_finished",
            {"run_id": "A", "status": "completed", "summary": {"counts": {"Asset": {}}}},
            "pattern",
        ),
        (
            "run_finished",
            {"run_id": "A", "status": "completed", "summary": {"counts": {"asset": {"created": -1}}}},
            "greater than or equal",
        ),
        ("run_finished", {"run_id": "A", "status": "completed", "summary": {"purview_calls": "many"}}, "int"),
    ],
)
def test_invalid_operations_are_rejected_before_touching_state(name: str, payload: Any, message: str) -> None:
    with pytest.raises(InvalidOperationError, match=message) as info:
        parse_operation(name, payload)
    assert info.value.operation == name


def test_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(EMPTY, GetRequest(), datetime(2024, 1, 1))


def test_exports() -> None:
    assert len(set(catalog.__all__)) == len(catalog.__all__)
    assert all(hasattr(catalog, name) for name in catalog.__all__)


def test_runs_started_counts_each_run_once() -> None:
    from entities.catalog import CatalogState, RunStartedRequest, apply

    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = CatalogState()
    for run in ("a", "a", "b"):
        transition = apply(state, RunStartedRequest(run_id=run), now)
        state = transition.new_state
    assert state.runs_started == 2
