"""Shrink guard and delete-marker guard end to end (issue #10 item 3): a run that sees markedly fewer objects
does not count for deletion until accepted; delete markers above the fraction guard are held until forced."""

from __future__ import annotations

import json
from typing import Any

from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import catalog_items, write

TABLES = "azure_sql_table"


def _items_500(catalog: str) -> list[dict[str, Any]]:
    """5 classifications + 21 terms + 474 tables = 500 objects."""
    items = catalog_items(catalog, 474, columns=1, processes=0)
    assert len(items) == 500
    return items


def _tables(app: LocalApp) -> int:
    assert app.emulator is not None
    count: int = app.emulator.stats()["entities"].get(TABLES, 0)
    return count


def _cleanup(app: LocalApp, catalog: str) -> dict[str, Any]:
    report: dict[str, Any] = app.start_and_wait("cleanup", params={"catalog": catalog})["output"][0]
    return report


def _markers(external_ids: list[str]) -> list[dict[str, Any]]:
    return [{"delete": {"kind": "asset", "external_id": e}} for e in external_ids]


def test_shrunken_runs_do_not_count_for_deletion_until_accepted(app: LocalApp) -> None:
    catalog = "e2e-shrink"  # min_complete_runs 1, max_shrink_fraction 10 %, max_delete_fraction 25 %
    items = _items_500(catalog)
    write(source_dir(catalog), items)
    first = sync(app, catalog)
    assert first["complete_for_deletion"] is True and first["seen"] == 500, first
    write(source_dir(catalog), items[:-100])  # the source now lists 400: 100 tables gone

    for _ in range(2):  # min_complete_runs + 1 shrunken runs
        shrunk = sync(app, catalog)
        assert shrunk["status"] == "completed" and shrunk["counts"]["asset"]["unchanged"] == 374
        assert shrunk["complete_for_deletion"] is False, shrunk
        assert shrunk["held"] == ["shrink: saw 400 objects, last complete run saw 500 (-20.0%, limit 10.0%)"]
        assert "accept_shrink=true" in shrunk["deletion_note"]
    detail = app.get(f"catalogs/{catalog}").json()
    assert [r["complete_for_deletion"] for r in detail["runs"]] == [False, False, True]
    assert detail["runs"][0]["held"] == shrunk["held"]
    assert detail["last_complete_run"]["seen"] == 500
    report = _cleanup(app, catalog)
    assert report["stale"] == 0 and report["deleted"] == 0, report
    assert _tables(app) == 474  # the 100 missing tables are still in Purview

    accepted = sync(app, catalog, accept_shrink="true")
    assert accepted["complete_for_deletion"] is True and accepted["held"] == []
    assert accepted["accepted"][0].startswith("shrink: saw 400 objects"), accepted
    detail = app.get(f"catalogs/{catalog}").json()
    assert detail["last_complete_run"]["seen"] == 400
    assert detail["runs"][0]["accepted"] == accepted["accepted"]  # the run history says it was accepted
    report = _cleanup(app, catalog)
    assert report["status"] == "completed" and report["deleted"] == 100, report
    assert _tables(app) == 374


def test_pull_delete_markers_above_the_fraction_are_held_until_forced(app: LocalApp) -> None:
    catalog = "e2e-markers"  # max_delete_fraction 20 %
    items = _items_500(catalog)
    write(source_dir(catalog), items)
    sync(app, catalog)
    assert _tables(app) == 474
    gone = [i["external_id"] for i in items[-300:]]  # 300 of 500 objects (60 %) marked deleted
    write(source_dir(catalog), items[:-300] + _markers(gone))

    held = sync(app, catalog)
    assert held["status"] == "completed" and held["counts"]["asset"]["deleted"] == 0
    assert held["deletes_held"]["count"] == 300, held.get("deletes_held")
    assert "300 delete marker(s) for 500 synced objects (60.0%)" in held["deletes_held"]["message"]
    assert "force_deletes=true" in held["deletes_held"]["message"]
    assert len(held["deletes_held"]["sample"]) == 20
    assert held["complete_for_deletion"] is True  # markers explain the drop: not a shrink
    assert _tables(app) == 474  # nothing deleted in Purview
    assert app.get(f"catalogs/{catalog}/objects/asset/{gone[0]}").status_code == 200

    forced = sync(app, catalog, force_deletes="true")
    assert forced["counts"]["asset"]["deleted"] == 300 and not forced.get("deletes_held"), forced
    assert _tables(app) == 174
    assert app.get(f"catalogs/{catalog}/objects/asset/{gone[0]}").status_code == 404


def test_pushed_delete_markers_are_guarded_per_batch(app: LocalApp) -> None:
    catalog = "e2e-markers"
    items = catalog_items(catalog, 20, columns=1, processes=0)  # 46 objects
    first = app.post_body(f"catalogs/{catalog}/events", json.dumps(items))
    assert app.wait(first.json()["id"])["output"]["counts"]["asset"]["created"] == 20
    body = json.dumps(_markers([f"tbl{n}" for n in range(15)]))  # 15 of 46 objects: 33 %

    answer = app.post_body(f"catalogs/{catalog}/events", body)
    assert answer.status_code == 202, answer.text
    output = app.wait(answer.json()["id"])["output"]
    assert output["counts"]["asset"]["deleted"] == 0 and output["deletes_held"]["count"] == 15, output
    assert _tables(app) == 20

    forced = app.post_body(f"catalogs/{catalog}/events?force_deletes=true", body)
    assert forced.status_code == 202, forced.text  # not taken for a duplicate of the held batch
    output = app.wait(forced.json()["id"])["output"]
    assert output["counts"]["asset"]["deleted"] == 15 and not output.get("deletes_held"), output
    assert _tables(app) == 5


def test_markers_for_objects_never_synced_do_not_hide_a_shrink(app: LocalApp) -> None:
    """Only markers naming synced objects explain a drop: markers for ids the sync never imported must not
    make a truncated source look whole (they used to count as present, so 20 of 100 objects went stale)."""
    catalog = "e2e-shrink"  # min_complete_runs 1, max_shrink_fraction 10 %, max_delete_fraction 25 %
    items = catalog_items(catalog, 74, columns=1, processes=0)  # 100 objects
    write(source_dir(catalog), items)
    assert sync(app, catalog)["seen"] == 100
    ghosts = _markers([f"never-synced-{n}" for n in range(20)])
    write(source_dir(catalog), items[:-20] + ghosts)  # 20 tables gone, 20 markers for unknown ids

    shrunk = sync(app, catalog)
    assert shrunk["unknown_deletions"] == 20, shrunk
    assert shrunk["complete_for_deletion"] is False, shrunk
    assert shrunk["held"] == ["shrink: saw 80 objects, last complete run saw 100 (-20.0%, limit 10.0%)"]
    report = _cleanup(app, catalog)
    assert report["stale"] == 0 and report["deleted"] == 0, report
    assert _tables(app) == 74


def test_a_pushed_deletion_storm_in_small_batches_is_held(app: LocalApp) -> None:
    catalog = "e2e-markers"  # max_delete_fraction 20 %
    items = catalog_items(catalog, 20, columns=1, processes=0)  # 46 objects
    first = app.post_body(f"catalogs/{catalog}/events", json.dumps(items))
    assert app.wait(first.json()["id"])["output"]["counts"]["asset"]["created"] == 20
    for start in range(0, 15, 3):  # 15 of 46 objects (33 %), 3 markers (about 7 %) per batch
        body = json.dumps(_markers([f"tbl{n}" for n in range(start, start + 3)]))
        answer = app.post_body(f"catalogs/{catalog}/events", body)
        assert answer.status_code == 202, answer.text
        app.wait(answer.json()["id"])
    assert _tables(app) >= 20 - int(0.2 * 46), "more than max_delete_fraction deleted by one storm"
    held = app.post_body(f"catalogs/{catalog}/events", json.dumps(_markers(["tbl15"])))
    output = app.wait(held.json()["id"])["output"]
    assert output["deletes_held"] and "in the last 24 h" in output["deletes_held"]["message"], output
    forced = app.post_body(f"catalogs/{catalog}/events?force_deletes=true", json.dumps(_markers(["tbl15"])))
    assert app.wait(forced.json()["id"])["output"]["counts"]["asset"]["deleted"] == 1
