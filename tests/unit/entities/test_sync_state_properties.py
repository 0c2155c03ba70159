"""Properties of the sync_state machine under arbitrary interleavings of concurrent runs.

The machine plays several runs against one entity, as chunks of overlapping syncs would, and tracks every
``proceed`` grant the runs received. Whatever the order and timing, at most one run may hold an unexpired
grant, and that run is the Pending owner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from entities.sync_state import (
    BeginRequest,
    CompleteRequest,
    DeleteRequest,
    FailRequest,
    GetRequest,
    Operation,
    Status,
    SyncState,
    apply,
)

RUNS = st.sampled_from(("r0", "r1", "r2"))
IDENTITY = {"catalog": "c", "kind": "asset", "external_id": "x"}


class ConcurrentRuns(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state: SyncState | None = None
        self.now = datetime(2024, 1, 1, tzinfo=UTC)
        self.grants: dict[str, datetime] = {}  # run -> lease end it was granted by its last proceed

    def _apply(self, operation: Operation) -> Any:
        transition = apply(self.state, operation, self.now)
        self.state = transition.new_state
        return transition.result

    def _owns(self, run: str) -> bool:
        state = self.state
        return state is not None and state.status is Status.PENDING and state.correlation_id == run

    @rule(minutes=st.integers(min_value=0, max_value=20))
    def tick(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(run=RUNS, fingerprint=st.sampled_from(("f1", "f2")), lease=st.sampled_from((60, 900)))
    def begin(self, run: str, fingerprint: str, lease: int) -> None:
        before = self.state
        request = BeginRequest(correlation_id=run, fingerprint=fingerprint, lease_seconds=lease, **IDENTITY)
        result = self._apply(request)
        if result["decision"] == "proceed":
            assert self.state is not None
            assert self.state.lease_expires is not None
            self.grants[run] = self.state.lease_expires
        elif result["decision"] in ("busy", "skip"):
            assert self.state == before

    @rule(run=RUNS, guid=st.sampled_from(("g1", "g2")))
    def complete(self, run: str, guid: str) -> None:
        before, owner = self.state, self._owns(run)
        result = self._apply(CompleteRequest(correlation_id=run, purview_guid=guid))
        assert result["accepted"] is owner
        if owner:
            self.grants.pop(run, None)
        else:
            assert self.state == before

    @rule(run=RUNS, error=st.text(min_size=1, max_size=5))
    def fail(self, run: str, error: str) -> None:
        before, owner = self.state, self._owns(run)
        result = self._apply(FailRequest(correlation_id=run, error=error))
        assert result["accepted"] is owner
        if owner:
            self.grants.pop(run, None)
        else:
            assert self.state == before

    @rule(force=st.booleans())
    def delete(self, force: bool) -> None:
        result = self._apply(DeleteRequest(force=force))
        if result["deleted"] and not force:
            assert not self._valid_grants(), "an unforced delete removed a state under a valid lease"
        if result["deleted"]:
            self.grants.clear()  # a forced delete is an operator override: outstanding grants are void

    @rule()
    def get(self) -> None:
        before = self.state
        result = self._apply(GetRequest())
        assert self.state == before
        assert result == (before.to_json() if before is not None else None)

    def _valid_grants(self) -> list[str]:
        return [run for run, end in self.grants.items() if end > self.now]

    @invariant()
    def at_most_one_owner(self) -> None:
        valid = self._valid_grants()
        assert len(valid) <= 1, f"two runs hold valid leases: {valid}"
        if valid:
            assert self._owns(valid[0])

    @invariant()
    def status_invariants(self) -> None:
        state = self.state
        if state is None:
            return
        if state.status is Status.COMPLETED:
            assert state.purview_guid
            assert state.last_success is not None
        if state.status is Status.FAILED:
            assert state.last_error
        assert (state.status is Status.PENDING) == (state.lease_expires is not None)
        assert SyncState.from_json(state.to_json()) == state


ConcurrentRuns.TestCase.settings = settings(
    max_examples=300, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestConcurrentRuns = ConcurrentRuns.TestCase
