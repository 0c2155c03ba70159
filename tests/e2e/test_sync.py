"""Pull sync end to end: the real SDK on the local host, the gateway, the emulator, sync-state entities."""

from __future__ import annotations

import json
import time
from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync, writes
from tests.e2e.dataset import catalog_items, table, write

CATALOG = "e2e-main"
ASSETS = 2000
COLUMNS = 4
PROCESSES = 100


def _entity_state(app: LocalApp, kind: str, external_id: str) -> dict[str, Any] | None:
    response = app.get(f"catalogs/{CATALOG}/objects/{kind}/{external_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_first_sync_lands_exactly_and_resync_writes_nothing(app: LocalApp) -> None:
    items = catalog_items(CATALOG, ASSETS, columns=COLUMNS, processes=PROCESSES)
    write(source_dir(CATALOG), items)
    first = sync(app, CATALOG)
    assert first["status"] == "completed", first["errors"]
    assert first["counts"]["classification"]["created"] == 5
    assert first["counts"]["glossary_term"]["created"] == 21
    assert first["counts"]["asset"]["created"] == ASSETS + PROCESSES
    assert first["error_count"] == 0
    assert app.emulator is not None
    held = app.emulator.stats()["entities"]
    assert held["azure_sql_table"] == ASSETS
    assert held["azure_sql_column"] == ASSETS * COLUMNS
    assert held["Process"] == PROCESSES
    assert held["AtlasGlossaryTerm"] == 21

    client = pyapacheatlas_client(app.emulator.url)
    entity = client.get_entity(
        qualifiedName="mssql://e2e.database.windows.net/db/dbo/table_7", typeName="azure_sql_table"
    )
    table_7 = entity["entities"][0]
    assert table_7["attributes"]["description"] == "Table number 7."
    assert len(table_7["relationshipAttributes"]["columns"]) == COLUMNS
    assert [m["displayText"] for m in table_7["relationshipAttributes"]["meanings"]] == ["Root 1"]
    process = client.get_entity(qualifiedName="e2e://processes/load_3", typeName="Process")["entities"][0]
    assert [i["displayText"] for i in process["relationshipAttributes"]["inputs"]] == ["table_3"]
    assert [o["displayText"] for o in process["relationshipAttributes"]["outputs"]] == ["table_4"]
    state = _entity_state(app, "asset", "tbl7")
    assert state is not None and state["status"] == "Completed" and state["purview_guid"] == table_7["guid"]

    before = writes(app.emulator.stats())
    second = sync(app, CATALOG)
    assert writes(app.emulator.stats()) == before, "an unchanged re-sync must not write to Purview"
    assert second["purview_calls"]["write"] == 0
    for kind, total in (("classification", 5), ("glossary_term", 21), ("asset", ASSETS + PROCESSES)):
        assert second["counts"][kind]["unchanged"] == total, second["counts"]

    # change one, add one, remove one
    changed = [i for i in items if i["external_id"] not in ("tbl10", "t2.1.1")]
    for item in changed:
        if item["external_id"] == "tbl11":
            item["description"] = "Changed at the source."
    changed.append(table(CATALOG, 99_999))
    write(source_dir(CATALOG), changed)
    third = sync(app, CATALOG)
    assert third["counts"]["asset"]["updated"] == 1
    assert third["counts"]["asset"]["created"] == 1
    assert third["counts"]["asset"]["unchanged"] == ASSETS + PROCESSES - 2
    table_11 = client.get_entity(
        qualifiedName="mssql://e2e.database.windows.net/db/dbo/table_11", typeName="azure_sql_table"
    )
    assert table_11["entities"][0]["attributes"]["description"] == "Changed at the source."

    # min_complete_runs = 2: one complete run without tbl10 is not enough …
    cleanup = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert cleanup["deleted"] == 0
    assert _entity_state(app, "asset", "tbl10") is not None
    # … the second complete run without tbl10 (failed runs never count: see test_guards.py) …
    sync(app, CATALOG)
    cleanup = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert cleanup["status"] == "completed", cleanup
    assert cleanup["deleted"] == 2, cleanup
    assert _entity_state(app, "asset", "tbl10") is None
    assert _entity_state(app, "glossary_term", "t2.1.1") is None
    assert app.emulator.stats()["entities"]["AtlasGlossaryTerm"] == 20
    gone = client.get_entity(
        qualifiedName="mssql://e2e.database.windows.net/db/dbo/table_10", typeName="azure_sql_table"
    )
    assert not gone.get("entities")


def test_dry_run_plans_creates_updates_and_deletes_without_writing(app: LocalApp) -> None:
    catalog = "e2e-trunc"  # min_complete_runs 1, retention 0: what the last complete run missed is stale
    items = catalog_items(catalog, 30, columns=3, processes=0)
    write(source_dir(catalog), items)
    sync(app, catalog)
    without_5 = [i for i in items if i["external_id"] != "tbl5"]
    write(source_dir(catalog), without_5)
    sync(app, catalog)
    assert app.emulator is not None
    edited = [dict(i) for i in without_5]
    for item in edited:
        if item["external_id"] == "tbl6":
            item["columns"] = [dict(c) for c in item["columns"]]
            item["columns"][2]["description"] = "new text"
    edited.append(table(catalog, 500))
    write(source_dir(catalog), edited)
    before = writes(app.emulator.stats())
    plan = sync(app, catalog, dry_run="true")
    assert writes(app.emulator.stats()) == before, "a dry run writes nothing to Purview"
    assert plan["status"] == "dry_run", plan["errors"]
    assert plan["counts"]["asset"]["created"] == 1
    assert plan["counts"]["asset"]["updated"] == 1
    assert plan["counts"]["asset"]["unchanged"] == 28
    assert plan["deletes"]["stale_count"] == 1 and not plan["deletes"]["blocked"], plan["deletes"]
    assert plan["deletes"]["sample"] == [f"{catalog}|asset|tbl5"]
    diffs = []
    staging = app.data_dir / "staging"
    for ref in plan["plan_refs"]:
        diffs += [p for p in json.loads((staging / ref).read_text()) if p.get("action") == "update"]
    assert [d["sync_key"] for d in diffs] == [f"{catalog}|asset|tbl6"]
    assert any("c2" in diff["path"] and diff["after"] == "new text" for diff in diffs[0]["diffs"]), diffs
    assert app.get(f"catalogs/{catalog}/objects/asset/tbl500").status_code == 404, "no sync state written"
    assert app.get(f"catalogs/{catalog}/objects/asset/tbl5").status_code == 200, "nothing deleted"


def test_history_stays_within_budget_and_cleanup_keeper_starts_the_eternal_cleanup(app: LocalApp) -> None:
    """No orchestration execution holds more than ~5,000 history events (chunks of ≤ 1,000 objects), and the
    keeper timer starts the eternal ``cleanup`` orchestration, which passes and then waits on its timer."""
    write(source_dir(CATALOG), catalog_items(CATALOG, 1200, columns=2, processes=60))
    sync(app, CATALOG)
    assert app.host is not None and app.server is not None
    sizes = {
        record.instance_id: len(app.host.history(record.instance_id)) for record in app.host.list_instances()
    }
    assert max(sizes.values()) <= 5000, max(sizes.items(), key=lambda kv: kv[1])
    assert sum(1 for iid in sizes if iid != f"sync:{CATALOG}") >= 3, "the import fans out into chunks"

    app.server.invoke("cleanup_keeper", None)
    status = app.host.get_status("cleanup")
    started = time.monotonic()
    while time.monotonic() - started < 60:
        status = app.host.get_status("cleanup")
        if status and isinstance(status.get("customStatus"), dict) and "last_pass" in status["customStatus"]:
            break
        time.sleep(0.2)
    assert status is not None and status["runtimeStatus"] == "Running"
    assert status["customStatus"]["catalogs"][CATALOG]["status"] == "completed", status["customStatus"]
    app.server.invoke("cleanup_keeper", None)  # already running: the keeper leaves it alone
    assert [r.instance_id for r in app.host.list_instances()].count("cleanup") == 1
