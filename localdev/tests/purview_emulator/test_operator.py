"""Operator knobs: stats, reset, faults (throttling, latency, errors, timeouts), auth and the CLI."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from localdev.purview import EmulatorServer, pyapacheatlas_client, running_emulator
from purview_emulator.conftest import A, Http, table_with_columns

REPO = Path(__file__).resolve().parents[3]


def test_stats_shape_and_reset(emulator: EmulatorServer, atlas_client: Any, http: Http) -> None:
    atlas_client.upload_entities(table_with_columns())
    atlas_client.get_entity(typeName="azure_sql_table", qualifiedName="mssql://s/db/dbo/t")
    http.get(f"{A}/entity/guid/unknown")
    stats = http.get("/_emulator/stats").json()
    assert set(stats) == {"requests", "entities", "throttled", "rate"}
    assert stats["rate"]["admitted"] == 3 and stats["rate"]["limit_per_s"] is None  # unthrottled: no limit
    assert stats["requests"] == {
        "POST /catalog/api/atlas/v2/entity/bulk": 1,
        "GET /catalog/api/atlas/v2/entity/bulk/uniqueAttribute/type/{typeName}": 1,
        "GET /catalog/api/atlas/v2/entity/guid/{guid}": 1,
    }
    assert stats["entities"] == {"azure_sql_table": 1, "azure_sql_column": 2}
    assert stats["throttled"] == 0
    assert emulator.stats() == http.get("/_emulator/stats").json()
    assert http.post("/_emulator/reset").status_code == 200
    after = http.get("/_emulator/stats").json()
    assert (after["requests"], after["entities"], after["throttled"]) == ({}, {}, 0)
    assert after["rate"]["admitted"] == after["rate"]["windows"][0]["max_offered"] == 0
    assert http.get(f"{A}/types/entitydef/name/azure_sql_table").status_code == 200  # seed types survive


def test_fault_settings_roundtrip(http: Http) -> None:
    put = http.put("/_emulator/faults", json={"latency_ms": 5, "seed": 3})
    assert put.status_code == 200 and put.json()["latency_ms"] == 5 and put.json()["capacity_units"] is None
    assert http.get("/_emulator/faults").json()["seed"] == 3
    bad = http.put("/_emulator/faults", json={"error_rate": 2})
    assert bad.status_code == 400
    unknown = http.put("/_emulator/faults", json={"nope": 1})
    assert unknown.status_code == 400


def test_latency_and_error_injection(emulator: EmulatorServer, http: Http) -> None:
    emulator.set_faults(latency_ms=150)
    started = time.monotonic()
    assert http.get(f"{A}/types/typedefs/headers").status_code == 200
    assert time.monotonic() - started >= 0.15
    emulator.set_faults(error_rate=1.0, seed=1)
    failed = http.get(f"{A}/types/typedefs/headers")
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "ServiceUnavailable"
    assert http.get("/_emulator/stats").status_code == 200  # operator routes are never faulted
    emulator.set_faults(error_rate=0.5, seed=7)
    codes = [http.get(f"{A}/types/typedefs/headers").status_code for _ in range(40)]
    assert 5 < codes.count(503) < 35 and codes.count(200) > 5
    emulator.set_faults(timeout_rate=1.0, timeout_s=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(f"{A}/types/typedefs/headers", timeout=0.3)


def test_throttling_at_one_capacity_unit(emulator: EmulatorServer, http: Http) -> None:
    """A burst of 200 requests at 1 CU: 429 + Retry-After, and a client honouring it runs at ~25 ops/s."""
    emulator.set_faults(capacity_units=1)
    url = f"{emulator.url}{A}/types/typedefs/headers"
    session = requests.Session()
    burst = [session.get(url, timeout=10) for _ in range(60)]
    refused = [r for r in burst if r.status_code == 429]
    allowed = sum(r.status_code == 200 for r in burst)
    assert 25 <= allowed <= 45  # the one-second bucket, plus what refills while the burst is sent
    assert refused and all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert refused[0].json()["error"]["code"] == "TooManyRequests"

    emulator.set_faults(capacity_units=1)  # full bucket again

    def honouring_client(calls: int) -> int:
        own = requests.Session()
        throttled = 0
        for _ in range(calls):
            while True:
                response = own.get(url, timeout=10)
                if response.status_code != 429:
                    assert response.status_code == 200
                    break
                throttled += 1
                time.sleep(int(response.headers["x-ms-retry-after-ms"]) / 1000)
        return throttled

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        throttled = sum(pool.map(honouring_client, [50] * 4))
    elapsed = time.monotonic() - started
    rate = 200 / elapsed
    assert throttled > 0
    assert 18 <= rate <= 32, rate  # 25 ops/s, plus the initial one-second burst
    assert emulator.stats()["throttled"] >= len(refused) + throttled


def test_fractional_capacity_and_rate_per_window(emulator: EmulatorServer, http: Http) -> None:
    """0.5 CU = 12.5 ops/s: a burst gets the one-second bucket, the rest 429; the stats show the busiest
    window's offered and admitted requests next to the limit."""
    put = http.put("/_emulator/faults", json={"capacity_units": 0.5})
    assert put.status_code == 200 and put.json()["capacity_units"] == 0.5
    url = f"{emulator.url}{A}/types/typedefs/headers"
    session = requests.Session()
    started = time.monotonic()
    codes = [session.get(url, timeout=10).status_code for _ in range(40)]
    elapsed = time.monotonic() - started
    assert codes.count(429) > 0
    rate = http.get("/_emulator/stats").json()["rate"]
    one = rate["windows"][0]
    assert rate["limit_per_s"] == 12.5 and one["limit"] == 12.5 and one["seconds"] == 1.0
    assert rate["admitted"] == codes.count(200) and rate["throttled"] == codes.count(429)
    assert one["max_offered"] == 40 or elapsed >= 1.0  # the whole burst, when it fits one window
    assert 12 <= one["max_admitted"] <= 12 + 12.5 * elapsed + 1


def test_auth_required_flag() -> None:
    with running_emulator(require_auth=True) as server:
        anonymous = requests.get(f"{server.url}{A}/types/typedefs/headers", timeout=10)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "Unauthorized"
        authorised = requests.get(
            f"{server.url}{A}/types/typedefs/headers",
            headers={"Authorization": "Bearer anything"},
            timeout=10,
        )
        assert authorised.status_code == 200


def test_persistence_in_data_dir(tmp_path: Path) -> None:
    with running_emulator(data_dir=tmp_path) as server:
        client = pyapacheatlas_client(server.url)
        guid = client.upload_entities(table_with_columns())["guidAssignments"]["-1"]
        client.upload_typedefs(entityDefs=[{"name": "pf_kept", "superTypes": ["DataSet"]}])
    with running_emulator(data_dir=tmp_path) as server:
        client = pyapacheatlas_client(server.url)
        assert len(client.get_entity(guid=guid)["entities"][0]["relationshipAttributes"]["columns"]) == 2
        assert client.get_typedef(name="pf_kept")["name"] == "pf_kept"


def test_cli_prints_ready_line_and_serves(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "localdev",
            "emulator",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path),
            "--capacity-units",
            "4",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")
        assert requests.get(f"{url}/_emulator/faults", timeout=10).json()["capacity_units"] == 4
        assert requests.get(f"{url}/", timeout=10).status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_opt_in_request_size_limits(emulator: EmulatorServer, http: Http) -> None:
    """Off by default; once set, a body, a URL or a bulk upsert above its limit is refused as Purview's front
    end would, and nothing of it is applied."""
    entities = {"entities": table_with_columns(columns=tuple("abcdefgh"))}  # 9 entities
    guids = [("guid", f"00000000-0000-0000-0000-{i:012d}") for i in range(300)]
    assert http.delete(f"{A}/entity/bulk", params=guids).status_code == 200  # 13 KB: no limit by default
    emulator.set_faults(max_body_bytes=500, max_url_bytes=8192, max_bulk_entities=5)
    too_big = http.post(f"{A}/entity/bulk", json=entities)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "RequestEntityTooLarge"
    too_long = http.delete(f"{A}/entity/bulk", params=guids)
    assert too_long.status_code == 414 and too_long.json()["error"]["code"] == "UriTooLong"
    assert http.delete(f"{A}/entity/bulk", params=guids[:150]).status_code == 200  # ~6.4 KB fits
    emulator.set_faults(max_bulk_entities=5)
    timed_out = http.post(f"{A}/entity/bulk", json=entities)
    assert timed_out.status_code == 504 and timed_out.json()["error"]["code"] == "GatewayTimeout"
    assert emulator.stats()["entities"] == {}
    small = http.post(f"{A}/entity/bulk", json={"entities": table_with_columns(columns=("a", "b"))})
    assert small.status_code == 200 and emulator.stats()["entities"]["azure_sql_column"] == 2
    assert http.put("/_emulator/faults", json={"max_body_bytes": 0}).status_code == 400
