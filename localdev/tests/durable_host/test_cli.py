"""``python -m localdev instances``: what Durable Functions Monitor would show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localdev.cli import main
from localdev.durable import DurableHost

from .conftest import PATTERNS


def test_instances_lists_status_custom_status_and_entities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with DurableHost(PATTERNS, data_dir=data) as host:
        host.wait_for_completion(host.start_new("fan_out", "cli-1", 4), timeout=20)
        host.signal_entity("Counter", "c1", "add", 7)
        host.wait_idle()
    assert main(["instances", "--data-dir", str(data), "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["instances"][0]["instanceId"] == "cli-1"
    assert listing["instances"][0]["runtimeStatus"] == "Completed"
    assert json.loads(listing["instances"][0]["customStatus"]) == {"done": 4}
    assert listing["entities"][0]["entityId"] == "@counter@c1" and listing["entities"][0]["state"] == "7"
    assert main(["instances", "--data-dir", str(data)]) == 0
    table = capsys.readouterr().out
    assert "cli-1" in table and "Completed" in table and "@counter@c1" in table
    assert main(["instances", "--data-dir", str(data), "--history", "cli-1"]) == 0
    history = capsys.readouterr().out
    assert "ExecutionStarted" in history and "TaskCompleted" in history and "ExecutionCompleted" in history
    assert main(["instances", "--data-dir", str(tmp_path / "none")]) == 1


def test_serve_reports_a_missing_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--app-dir", str(tmp_path), "--data-dir", str(tmp_path / "d"), "--port", "0"]) == 1
    assert "FunctionLoadError" in capsys.readouterr().err
