"""Fixtures for the local Durable host conformance tests: hosts on a manual clock over the test apps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localdev.durable import DurableHost, ManualClock
from localdev.durable.history import EventType

APPS = Path(__file__).parent / "apps"
PATTERNS = APPS / "patterns"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def host(clock: ManualClock, tmp_path: Path) -> Iterator[DurableHost]:
    with DurableHost(PATTERNS, data_dir=tmp_path / "data", clock=clock, workers=4) as running:
        yield running


def kinds(events: list[dict[str, Any]], *, frames: bool = False) -> list[str]:
    """Event type names, without OrchestratorStarted/Completed unless ``frames``."""
    skip = () if frames else (EventType.ORCHESTRATOR_STARTED, EventType.ORCHESTRATOR_COMPLETED)
    return [EventType(e["EventType"]).name for e in events if e["EventType"] not in skip]


def of_kind(events: list[dict[str, Any]], kind: EventType) -> list[dict[str, Any]]:
    return [e for e in events if e["EventType"] == kind]
