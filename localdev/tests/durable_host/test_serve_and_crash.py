"""``python -m localdev serve`` as a real process: the async HTTP API pattern, and SIGKILL + restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from localdev.durable import DurableHost
from localdev.durable.history import EventType
from localdev.durable.testing import ServeProcess

from .conftest import APPS, PATTERNS, of_kind


def test_serve_runs_http_triggers_and_management_api(tmp_path: Path) -> None:
    serve = ServeProcess(PATTERNS, tmp_path / "data")
    try:
        code, payload = serve.request("POST", "/api/orchestrators/fan_out", 12)
        assert code == 202 and payload["statusQueryGetUri"].startswith(serve.base_url)
        status = serve.wait_status(payload["id"], {"Completed", "Failed"}, timeout=30)
        assert status["output"] == sum(i * i for i in range(12))
        assert status["customStatus"] == {"done": 12}
        query = "?showHistory=true&showHistoryOutput=true"
        code, body = serve.request("GET", f"/runtime/webhooks/durabletask/instances/{payload['id']}{query}")
        events = [e["EventType"] for e in body["historyEvents"]]
        assert code == 200 and events[:2] == ["OrchestratorStarted", "ExecutionStarted"]
        assert events.count("TaskScheduled") == 12 and events.count("TaskCompleted") == 12
        assert events[-2:] == ["ExecutionCompleted", "OrchestratorCompleted"]
        assert serve.request("GET", "/api/hello")[1] == {"hello": "world"}
    finally:
        serve.stop()


@pytest.mark.slow
def test_sigkill_mid_fan_out_then_restart_completes(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    data = tmp_path / "data"
    env = {"CRASH_MARKER_DIR": str(markers)}
    n = 60
    first = ServeProcess(APPS / "crash", data, workers=2, env=env)
    try:
        code, _ = first.request(
            "POST", "/runtime/webhooks/durabletask/orchestrators/crash_fan_out/crash-1", n
        )
        assert code == 202
        deadline = time.monotonic() + 30
        while len(list(markers.iterdir())) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        first.kill()  # SIGKILL mid-fan-out
    ran_before = {int(p.name.split("-")[0]) for p in markers.iterdir()}
    assert 15 <= len(ran_before) < n
    second = ServeProcess(APPS / "crash", data, workers=2, env=env)
    try:
        status = second.wait_status("crash-1", {"Completed", "Failed"}, timeout=60)
    finally:
        second.stop()
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == {"sum": sum(i * i for i in range(n)), "results": [i * i for i in range(n)]}
    ran = [int(p.name.split("-")[0]) for p in markers.iterdir()]
    assert set(ran) == set(range(n))  # at least once each; some may have run twice (at-least-once)
    with DurableHost(APPS / "crash", data_dir=data) as host:
        history = host.history("crash-1")
    completed = of_kind(history, EventType.TASK_COMPLETED)
    assert sorted(e["TaskScheduledId"] for e in completed) == list(range(n))  # no result lost or doubled
    assert [e["EventId"] for e in of_kind(history, EventType.TASK_SCHEDULED)] == list(range(n))


def test_serve_runs_a_blueprint_app_with_named_functions(tmp_path: Path) -> None:
    serve = ServeProcess(APPS / "blueprint", tmp_path / "data")
    try:
        code, payload = serve.request("POST", "/api/onboard", {"name": "  Ada "})
        assert code == 202
        status = serve.wait_status(payload["id"], {"Completed", "Failed"}, timeout=30)
        assert status["output"] == {"cleaned": {"name": "ada"}, "names": ["ada"]}
        assert status["name"] == "onboarding"  # the trigger's orchestration name, not the Python name
        code, state = serve.request("GET", "/runtime/webhooks/durabletask/entities/registry/all")
        assert (code, state) == (200, ["ada"])
    finally:
        serve.stop()
