"""The management HTTP API and HTTP triggers, driven by the SDK's own client and by raw HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localdev.durable import DurableHost
from localdev.durable.server import HostServer

from .conftest import APPS, PATTERNS, kinds


@pytest.fixture
def client_server(tmp_path: Path) -> Iterator[HostServer]:
    with DurableHost(APPS / "client", data_dir=tmp_path / "c") as host, HostServer(host) as server:
        yield server


@pytest.fixture
def patterns_server(tmp_path: Path) -> Iterator[HostServer]:
    with (
        DurableHost(PATTERNS, data_dir=tmp_path / "p") as host,
        HostServer(host, timer_triggers=False) as server,
    ):
        yield server


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw.strip() else None, resp.headers
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw.strip() else None, err.headers


def test_sdk_client_against_management_api(client_server: HostServer) -> None:
    status, out, _ = call("POST", f"{client_server.base_url}/api/probe")
    assert status == 200, out
    assert out["running"] == {"status": "Running", "custom": {"stage": "waiting"}, "input": {"x": 1}}
    assert "already exists" in out["duplicate"]
    # SDK bug 1 (reference §5): events from the Python client arrive as JSON text, as in Azure
    assert out["completed"] == {"status": "Completed", "output": 'hi "bob"'}
    assert out["late_event"] == "Instance with ID probe-1 is gone: either completed or failed"
    assert out["missing"] is None
    assert out["suspended"] == "Suspended" and out["terminated"] == "Terminated"
    assert sorted(out["all"]) == sorted(["probe-1", out["second"]])
    assert out["by_status"] == [out["second"]]
    assert out["entity"] == {"exists": True, "state": {"n": 5}}
    assert out["no_entity"] is False
    assert (out["purged"], out["purged_again"]) == (1, 0)


def test_async_http_api_polling(patterns_server: HostServer) -> None:
    base = patterns_server.base_url
    status, payload, headers = call("POST", f"{base}/api/orchestrators/chain", {"cities": ["Lima"]})
    assert status == 202 and headers["Location"] == payload["statusQueryGetUri"]
    assert payload["statusQueryGetUri"].startswith(
        f"{base}/runtime/webhooks/durabletask/instances/{payload['id']}"
    )
    for _ in range(200):
        code, body, headers = call("GET", payload["statusQueryGetUri"])
        if code == 200:
            break
        assert (
            code == 202 and headers["Retry-After"] == "5" and body["runtimeStatus"] in ("Pending", "Running")
        )
        time.sleep(0.02)
    assert body["runtimeStatus"] == "Completed" and body["output"] == ["Hello Lima!"]
    code, body, _ = call("GET", payload["statusQueryGetUri"] + "&showHistory=true&showHistoryOutput=true")
    events = [e["EventType"] for e in body["historyEvents"]]
    assert events[:2] == ["OrchestratorStarted", "ExecutionStarted"] and "TaskCompleted" in events
    assert call("GET", f"{base}/runtime/webhooks/durabletask/instances/unknown")[0] == 404
    assert call("POST", f"{base}/runtime/webhooks/durabletask/orchestrators/no_such")[0] == 400
    code, body, _ = call("GET", f"{base}/api/hello?name=ann")
    assert (code, body) == (200, {"hello": "ann"})
    assert call("GET", f"{base}/api/orchestrators/chain")[0] == 405


def test_management_api_lists_pages_and_entities(patterns_server: HostServer) -> None:
    host = patterns_server.host
    rpc = patterns_server.rpc_base_url
    for i in range(5):
        host.start_new("chain", instance_id=f"list-{i}", input={"cities": []})
    host.start_new("waiter", instance_id="other-1")
    for i in range(5):
        host.wait_for_completion(f"list-{i}", timeout=20)
    for key in ("a", "b", "c"):
        host.signal_entity("Counter", key, "add", 1)
    host.wait_idle()
    code, first, headers = call("GET", f"{rpc}instances/?instanceIdPrefix=list-&top=2")
    assert code == 200 and [s["instanceId"] for s in first] == ["list-0", "list-1"]
    token = headers["x-ms-continuation-token"]
    _, second, _ = call(
        "GET", f"{rpc}instances/?instanceIdPrefix=list-&top=2", headers={"x-ms-continuation-token": token}
    )
    assert [s["instanceId"] for s in second] == ["list-2", "list-3"]
    _, running, _ = call("GET", f"{rpc}instances/?runtimeStatus=Running,Pending")
    assert [s["instanceId"] for s in running] == ["other-1"]
    code, _, _ = call("POST", f"{rpc}instances/other-1/raiseEvent/Go", "not-json-text")
    assert code == 202
    assert call("POST", f"{rpc}instances/list-0/raiseEvent/Go", 1)[0] == 410
    assert call("POST", f"{rpc}instances/nope/terminate?reason=x")[0] == 404
    code, entities, headers = call("GET", f"{rpc}entities/counter?fetchState=true&top=2")
    assert code == 200 and [e["entityId"] for e in entities] == [
        {"name": "counter", "key": "a"},
        {"name": "counter", "key": "b"},
    ]
    assert entities[0]["state"] == 1 and "x-ms-continuation-token" in headers
    _, rest, _ = call(
        "GET",
        f"{rpc}entities/counter?top=2",
        headers={"x-ms-continuation-token": headers["x-ms-continuation-token"]},
    )
    assert [e["entityId"]["key"] for e in rest] == ["c"] and "state" not in rest[0]
    _, none, _ = call("GET", f"{rpc}entities/counter?lastOperationTimeFrom=2099-01-01T00:00:00Z")
    assert none == []
    assert call("GET", f"{rpc}entities/counter/a")[:2] == (200, 1)
    assert call("DELETE", f"{rpc}instances/list-0")[:2] == (200, {"instancesDeleted": 1})
    assert call("DELETE", f"{rpc}instances/list-0")[0] == 404


def test_timer_and_event_hub_triggers(client_server: HostServer) -> None:
    module_fired = None
    for fn in client_server.host.registry.of_type("timerTrigger"):
        module_fired = fn.func.__globals__["FIRED"]
    deadline = time.monotonic() + 5
    while module_fired is not None and len(module_fired) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert module_fired is not None and len(module_fired) >= 2  # run_on_startup + the schedule
    status, _, _ = call(
        "POST", f"{client_server.base_url}/admin/functions/from_hub", {"input": [{"by": 4}, {"by": 6}]}
    )
    assert status == 202
    host = client_server.host
    deadline = time.monotonic() + 10
    while host.read_entity("Tally", "hub") != (True, {"n": 10}) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host.read_entity("Tally", "hub") == (True, {"n": 10})
    assert kinds([]) == []


def test_call_http_from_an_orchestrator(patterns_server: HostServer) -> None:
    host = patterns_server.host
    iid = host.start_new("http_caller", input=f"{patterns_server.base_url}/api/hello?name=durable")
    status = host.wait_for_completion(iid, timeout=20)
    assert status["output"] == {"status": 200, "body": {"hello": "durable"}}
    scheduled = [e for e in host.history(iid) if e["EventType"] == 4]
    assert scheduled[0]["Name"] == "BuiltIn::HttpActivity"
