"""Safety end to end: deletion guard, failed runs, singleton runs, the per-object lock, bad records."""

from __future__ import annotations

import concurrent.futures

import requests

from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import catalog_items, table, write


def test_truncated_source_blocks_deletion_until_forced(app: LocalApp) -> None:
    catalog = "e2e-trunc"
    items = catalog_items(catalog, 40, columns=2, processes=0)
    write(source_dir(catalog), items)
    sync(app, catalog)
    half = [i for i in items if not (i["kind"] == "asset" and int(i["external_id"][3:]) % 2)]
    write(source_dir(catalog), half)
    shrunk = sync(app, catalog)  # 46 of 66 objects: the shrink guard holds the run
    assert shrunk["complete_for_deletion"] is False and shrunk["held"][0].startswith("shrink: saw 46"), shrunk
    report = app.start_and_wait("cleanup", params={"catalog": catalog})["output"][0]
    assert report["stale"] == 0 and report["deleted"] == 0, report
    sync(app, catalog, accept_shrink="true")  # the operator accepts the run; the cleanup guard still applies
    report = app.start_and_wait("cleanup", params={"catalog": catalog})["output"][0]
    assert report["status"] == "blocked", report
    assert report["stale"] == 20 and report["deleted"] == 0
    assert "deletion blocked" in report["message"]
    assert app.emulator is not None
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 40
    forced = app.start_and_wait("cleanup", params={"catalog": catalog, "force": "true"})["output"][0]
    assert forced["status"] == "completed" and forced["deleted"] == 20, forced
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 20


def test_failed_extract_fails_the_run_and_makes_nothing_stale(app: LocalApp) -> None:
    catalog = "e2e-trunc"
    items = catalog_items(catalog, 10, columns=2, processes=0)
    write(source_dir(catalog), items)
    sync(app, catalog)
    (source_dir(catalog) / "part1.jsonl").unlink()  # a source that cannot be read whole (a bad line could)
    (source_dir(catalog) / "part1.jsonl").symlink_to(source_dir(catalog) / "moved.jsonl")
    failed = sync(app, catalog)
    assert failed["status"] == "failed"
    assert any("run failed" in e and "part1.jsonl: dangling symlink" in e for e in failed["errors"]), failed
    (source_dir(catalog) / "part1.jsonl").unlink()
    registry = app.get(f"catalogs/{catalog}").json()
    assert [run["status"] for run in registry["runs"]][:2] == ["failed", "completed"]
    report = app.start_and_wait("cleanup", params={"catalog": catalog})["output"][0]
    assert report["stale"] == 0 and report["deleted"] == 0, report


def test_second_start_while_running_is_a_409(app: LocalApp) -> None:
    catalog = "e2e-main"
    write(source_dir(catalog), catalog_items(catalog, 400, columns=3, processes=0))
    url = f"{app.base_url}/api/catalogs/{catalog}/sync"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: requests.post(url, timeout=60), range(2)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [202, 409], [a.text for a in answers]
    conflict = next(a for a in answers if a.status_code == 409).json()
    assert conflict["error"]["code"] == "SyncAlreadyRunning"
    accepted = next(a for a in answers if a.status_code == 202).json()
    assert app.wait(accepted["id"], timeout=300)["runtimeStatus"] == "Completed"
    assert app.post("catalogs/nope/sync").status_code == 404


def test_two_runs_racing_for_one_object_hold_the_lock(app: LocalApp) -> None:
    """Two runs (e.g. a pull sync and a push batch of one catalog) begin the same object at once: the entity
    serialises them, the first owns it, the second's complete is refused, the owner's complete lands."""
    from entities.keys import encode_key

    assert app.host is not None
    key = encode_key("e2e-main", "asset", "raced")
    identity = {"catalog": "e2e-main", "kind": "asset", "external_id": "raced", "fingerprint": "f"}
    for run in ("run-a", "run-b"):
        app.host.signal_entity("sync_state", key, "begin", {**identity, "correlation_id": run})
    app.host.signal_entity("sync_state", key, "complete", {"correlation_id": "run-b", "purview_guid": "g-b"})
    app.host.wait_idle()
    exists, state = app.host.read_entity("sync_state", key)
    assert exists and state["status"] == "Pending" and state["correlation_id"] == "run-a", state
    app.host.signal_entity("sync_state", key, "complete", {"correlation_id": "run-a", "purview_guid": "g-a"})
    app.host.wait_idle()
    _, state = app.host.read_entity("sync_state", key)
    assert state["status"] == "Completed" and state["purview_guid"] == "g-a"


def test_bad_records_fail_alone(app: LocalApp) -> None:
    catalog = "e2e-main"
    items = catalog_items(catalog, 20, columns=2, processes=0)
    bad_for_purview = table(catalog, 777)
    bad_for_purview["type_name"] = "no_such_type"  # Purview refuses unknown types
    items.append(bad_for_purview)
    write(source_dir(catalog), items, files=1)
    with (source_dir(catalog) / "part0.jsonl").open("a") as handle:
        handle.write('{"kind": "asset", "catalog": "e2e-main", "external_id": "broken", "name": ""}\n')
    result = sync(app, catalog)
    assert result["status"] == "completed"
    assert result["counts"]["asset"]["created"] == 20
    assert result["counts"]["asset"]["failed"] == 2, result
    assert result["complete_for_deletion"] is True  # both name their object: seen, so kept; the note says so
    note = result["deletion_note"]
    assert note.endswith("2 failed object(s) were seen and are kept"), note
    assert any("part0.jsonl:" in e and "name" in e for e in result["errors"]), result["errors"]
    assert any("tbl777" in e and "no_such_type" in e for e in result["errors"]), result["errors"]
    for external_id in ("broken", "tbl777"):
        state = app.get(f"catalogs/{catalog}/objects/asset/{external_id}").json()
        assert state["status"] == "Failed" and state["last_error"], state
