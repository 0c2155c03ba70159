"""``upsert_batch`` keeps inside its objects' lease (issue #10 item 8 under attack).

A chunk takes the leases of all its items at once, then queues its batches; with more batches in flight than
activity slots (8 chunks x 5 batches vs 20 slots), a batch may start minutes later, and each had a fresh
600 s retry budget: under sustained throttling it wrote objects after their 15-minute lease, when another run
may already hold them. The lease's end now bounds the batch's retries, and a batch that starts after it
writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from activities import upsert
from localdev.purview import EmulatorServer
from sync.contracts import BatchRequest
from tests.unit.activities.batches import batch_world

CATALOG = "lease"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatorServer, str]]:
    monkeypatch.setenv("PURVIEW_RETRY_BASE_DELAY_SECONDS", "0.2")
    monkeypatch.setenv("PURVIEW_RETRY_MAX_DELAY_SECONDS", "0.5")
    with batch_world(tmp_path, monkeypatch, CATALOG, error_rate=1.0, seed=1) as world:  # always 503
        yield world


def _batch(ref: str, lease_expires: datetime) -> dict[str, Any]:
    keys = {f"{CATALOG}|asset|t{n}" for n in range(3)}
    request = {
        "catalog": CATALOG,
        "run_id": "run-1",
        "phase": "assets",
        "ref": ref,
        "batch_id": "c0-000",
        "index_ref": None,
        "asset_index_ref": None,
        "dry_run": False,
        "mode": "normal",
        "lease_expires": lease_expires.isoformat(),
        "decisions": {key: {"decision": "proceed"} for key in keys},
    }
    return upsert._upsert_batch(BatchRequest.model_validate(request), keys, {})


def test_a_batch_that_starts_after_its_lease_writes_nothing(setup: tuple[EmulatorServer, str]) -> None:
    server, ref = setup
    before = sum(server.stats()["requests"].values())
    output = _batch(ref, datetime.now(UTC) - timedelta(seconds=1))
    assert {r["status"] for r in output["results"]} == {"failed"}
    assert all("lease ran out" in r["reason"] for r in output["results"]), output
    assert sum(server.stats()["requests"].values()) == before  # not one request to Purview


def test_a_batch_stops_retrying_when_its_lease_ends(setup: tuple[EmulatorServer, str]) -> None:
    _, ref = setup
    started = time.monotonic()
    output = _batch(ref, datetime.now(UTC) + timedelta(seconds=63))  # 3 s left after the 60 s margin
    took = time.monotonic() - started
    assert {r["status"] for r in output["results"]} == {"failed"}
    assert "retry budget" in output["results"][0]["reason"], output
    assert took < 20, took  # not the 600 s retry budget of the settings
