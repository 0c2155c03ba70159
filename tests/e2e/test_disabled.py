"""Disabled means disabled (issue #10 item 6): a catalog with ``enabled: false`` refuses HTTP sync, HTTP push,
cleanup and the CLI with a clear error, gets no timer or Event Hub trigger, and nothing reaches Purview."""

from __future__ import annotations

import json
from pathlib import Path

from localdev.session import LocalApp
from tests.e2e.conftest import CATALOGS_FILE, run_cli, source_dir, writes
from tests.e2e.dataset import catalog_items, write
from triggers.names import event_function_name, timer_function_name

ROOT = Path(__file__).resolve().parents[2]
CATALOG = "e2e-disabled"


def _refused(answer_status: int, body: dict[str, object]) -> None:
    assert answer_status == 409, body
    error = body["error"]
    assert isinstance(error, dict) and error["code"] == "CatalogDisabled"
    assert "enabled: false" in str(error["message"])


def test_disabled_catalog_refuses_every_start_and_writes_nothing(app: LocalApp) -> None:
    assert app.emulator is not None and app.host is not None
    write(source_dir(CATALOG), catalog_items(CATALOG, 5, columns=1, processes=0))
    before = writes(app.emulator.stats())

    sync = app.post(f"catalogs/{CATALOG}/sync")
    _refused(sync.status_code, sync.json())
    plan = app.post(f"catalogs/{CATALOG}/sync", dry_run="true")
    _refused(plan.status_code, plan.json())
    events = app.post_body(f"catalogs/{CATALOG}/events", json.dumps(catalog_items(CATALOG, 2, columns=1)))
    _refused(events.status_code, events.json())
    cleanup = app.post("cleanup", catalog=CATALOG, force="true")
    _refused(cleanup.status_code, cleanup.json())
    every = app.start_and_wait("cleanup")["output"]  # the pass over all catalogs skips it
    assert every and CATALOG not in {report["catalog"] for report in every}, every

    registry = app.host.registry
    functions = {*registry.names("timerTrigger"), *registry.names("eventHubTrigger")}
    assert timer_function_name("e2e-main") not in functions  # schedule null: no timer (the check can fail)
    assert event_function_name("e2e-push") in functions
    assert timer_function_name(CATALOG) not in functions and event_function_name(CATALOG) not in functions
    app.host.wait_idle()
    assert not [i for i in app.host.list_instances() if CATALOG in i.instance_id]
    assert writes(app.emulator.stats()) == before
    assert app.get(f"catalogs/{CATALOG}").json()["enabled"] is False  # still listed, for operators


def test_cli_sync_of_a_disabled_catalog_is_a_clear_error(tmp_path: Path) -> None:
    args = ["sync", CATALOG, "--catalogs", str(CATALOGS_FILE), "--data-dir", str(tmp_path), "--json"]
    result = run_cli(*args)
    assert result.returncode == 1, result
    assert "CatalogDisabled" in result.stderr and "enabled: false" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
