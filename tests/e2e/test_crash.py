"""Crash: the local host running the app is SIGKILLed mid-sync and restarted; the run completes, Purview
holds exactly the source set (no duplicates) and every object's sync state is Completed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from localdev.durable.testing import ServeProcess
from localdev.purview.testing import running_emulator
from tests.e2e.conftest import CATALOGS_FILE, source_dir
from tests.e2e.dataset import catalog_items, write

REPO = Path(__file__).resolve().parents[2]  # the app root (holds function_app.py)

CATALOG = "e2e-main"
ASSETS = 1500


def _all_sync_states(serve: ServeProcess) -> list[dict[str, Any]]:
    """Every sync_state entity, following the management API's continuation tokens."""
    states: list[dict[str, Any]] = []
    headers: dict[str, str] = {}
    url = f"{serve.base_url}/runtime/webhooks/durabletask/entities/sync_state"
    for _ in range(100):
        response = requests.get(url, params={"fetchState": "true", "top": "500"}, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        states += response.json()
        token = response.headers.get("x-ms-continuation-token")
        if not token:
            return states
        headers = {"x-ms-continuation-token": token}
    raise AssertionError("entity listing did not end")


def test_sigkill_mid_sync_then_restart_completes_exactly(tmp_path: Path) -> None:
    write(source_dir(CATALOG), catalog_items(CATALOG, ASSETS, columns=3, processes=50))
    expected_objects = 5 + 21 + ASSETS + 50
    with running_emulator() as emulator:
        env = {
            "CATALOGS_FILE": str(CATALOGS_FILE),
            "PURVIEW_ENDPOINT": emulator.url,
            "STAGING_BACKEND": "local",
            "STAGING_DIR": str(tmp_path / "staging"),
        }
        data = tmp_path / "durable"
        serve = ServeProcess(REPO, data, env=env, cwd=REPO)
        try:
            status, started = serve.request("POST", f"/api/catalogs/{CATALOG}/sync")
            assert status == 202, started
            instance_id = started["id"]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # kill once assets are being imported
                if emulator.stats()["entities"].get("azure_sql_table", 0) >= 100:
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("the sync never reached the asset phase")
        finally:
            serve.kill()
        assert emulator.stats()["entities"].get("azure_sql_table", 0) < ASSETS, (
            "killed too late to test anything"
        )

        serve = ServeProcess(REPO, data, env=env, cwd=REPO)
        try:
            final = serve.wait_status(instance_id, {"Completed", "Failed", "Terminated"}, timeout=300)
            assert final["runtimeStatus"] == "Completed", final
            assert final["output"]["status"] == "completed", final["output"]["errors"]
            held = emulator.stats()["entities"]
            assert held["azure_sql_table"] == ASSETS
            assert held["azure_sql_column"] == ASSETS * 3
            assert held["Process"] == 50
            assert held["AtlasGlossaryTerm"] == 21
            states = [s for s in _all_sync_states(serve) if s["entityId"]["key"].startswith(f"{CATALOG}|")]
            assert len(states) == expected_objects
            statuses = {(s["state"] if isinstance(s["state"], dict) else {}).get("status") for s in states}
            assert statuses == {"Completed"}, statuses
        finally:
            serve.kill()
