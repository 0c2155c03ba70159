"""Entity states stored by an earlier version load unchanged (durable state outlives a deployment).

``data/main_states.json`` was written by main's machines at 4ba55a1 (before the shared machine module), by
driving their ``apply`` through real operations; regenerate it only when a state shape changes on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entities import catalog, identity_claim, sync_state

STORED: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "main_states.json").read_text())
T = "2026-12-02T00:00:00Z"


@pytest.mark.parametrize("name", sorted(STORED["sync_state"]))
def test_a_stored_sync_state_loads_and_is_stored_back_unchanged(name: str) -> None:
    raw = STORED["sync_state"][name]
    assert sync_state.SyncState.from_json(raw).to_json() == raw


def test_a_stored_claim_loads_and_is_stored_back_unchanged() -> None:
    raw = STORED["identity_claim"]["claim"]
    assert identity_claim.Claim.model_validate(raw).to_json() == raw


@pytest.mark.parametrize("name", sorted(STORED["catalog"]))
def test_a_stored_catalog_loads_and_drops_only_the_retired_throttles(name: str) -> None:
    raw = STORED["catalog"][name]
    expected = {**raw, "runs": [{k: v for k, v in run.items() if k != "throttles"} for run in raw["runs"]]}
    assert catalog.CatalogState.from_json(raw).to_json() == expected


def test_stored_states_keep_working() -> None:
    """Not only loading: the next operation on a stored state behaves as it did."""
    registry = catalog.CatalogState.from_json(STORED["catalog"]["busy"])
    finished = catalog.apply(
        registry,
        catalog.parse_operation("run_finished", {"run_id": "r4", "status": "completed", "now": T}),
        registry.runs[0].ended,
    )
    assert finished.result == {"accepted": True, "reason": None, "abandoned_run": None}
    assert [run.run_id for run in finished.new_state.complete_runs] == ["r4", "r1"]

    failed = sync_state.SyncState.from_json(STORED["sync_state"]["failed"])
    begin = {
        "correlation_id": "run-3",
        "fingerprint": "f2",
        "identity": failed.identity,
        "catalog": failed.catalog,
        "kind": failed.kind,
        "external_id": failed.external_id,
        "now": T,
    }
    retried = sync_state.apply(
        failed, sync_state.parse_operation("begin", begin, entity_key=failed.key()), failed.last_seen
    )
    assert retried.result is not None and retried.result["decision"] == "proceed"
    assert retried.result["assigned_terms"] == ["a", "b"]
