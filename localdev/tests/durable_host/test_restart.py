"""State survives a host restart: timers, pending events, entity state and running instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from localdev.durable import DurableHost, ManualClock
from localdev.durable.history import EventType

from .conftest import PATTERNS, kinds, of_kind

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def test_timers_entities_and_instances_survive_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DurableHost(PATTERNS, data_dir=data, clock=ManualClock(T0)) as first:
        timed = first.start_new("approval", instance_id="timed")
        waiting = first.start_new("approval", instance_id="waiting")
        first.signal_entity("Counter", "kept", "add", 41)
        first.wait_idle()
    clock = ManualClock(T0 + timedelta(hours=1))
    with DurableHost(PATTERNS, data_dir=data, clock=clock) as second:
        assert second.read_entity("Counter", "kept") == (True, 41)
        assert second.get_status(timed)["runtimeStatus"] == "Running"  # type: ignore[index]
        second.raise_event(waiting, "Approval", "yes")
        assert second.wait_for_completion(waiting, timeout=20)["output"] == {"approved": "yes"}
        second.advance_clock(timedelta(days=7))
        status = second.wait_for_completion(timed, timeout=20)
        assert status["output"] == {"escalated": True}
        history = second.history(timed)
        # one 3-day chunk fired after the jump; the SDK then sees the 7-day deadline has passed
        assert kinds(history) == ["EXECUTION_STARTED", "TIMER_CREATED", "TIMER_FIRED", "EXECUTION_COMPLETED"]
        fired_at = [e["FireAt"] for e in of_kind(history, EventType.TIMER_FIRED)]
        assert fired_at[0] == "2030-01-04T00:00:00.000000Z"
