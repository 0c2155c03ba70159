"""Ownership under hostile conditions: ownership moved by ``adopt_from``, and dry runs of items others own.

Real host, real SDK, the emulator inspected through pyapacheatlas, as in test_ownership.py.
"""

from __future__ import annotations

from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import table, write
from tests.e2e.test_ownership import TABLE, _held


def _plain(catalog: str, n: int, **overrides: Any) -> dict[str, Any]:
    """A one-column table without terms or classifications (nothing else to sync first)."""
    item = {**table(catalog, n, columns=1), "glossary_items": [], "classification_items": [], **overrides}
    item["columns"] = [{**c, "glossary_items": [], "classification_items": []} for c in item["columns"]]
    return item


def test_a_former_owner_neither_overwrites_nor_deletes_an_asset_taken_over_by_adopt_from(
    app: LocalApp,
) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    a_items = [_plain("e2e-rev-a", 0), _plain("e2e-rev-a", 1)]
    write(source_dir("e2e-rev-a"), a_items, files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["created"] == 2
    qn = a_items[0]["qualified_name"]

    b_item = _plain("e2e-rev-b", 5, qualified_name=qn, description="B's now")
    write(source_dir("e2e-rev-b"), [b_item], files=1)
    b_run = sync(app, "e2e-rev-b")
    assert b_run["status"] == "completed" and b_run["counts"]["asset"]["failed"] == 0, b_run
    taken = _held(client, qn)
    assert taken is not None and taken["description"] == "B's now"

    a_items[0] = {**a_items[0], "description": "A edits what it no longer owns"}
    write(source_dir("e2e-rev-a"), a_items, files=1)
    a_run = sync(app, "e2e-rev-a")
    assert a_run["counts"]["asset"]["failed"] == 1, a_run["counts"]
    assert any("tbl0" in e and "owned by catalog 'e2e-rev-b'" in e for e in a_run["errors"]), a_run["errors"]
    assert _held(client, qn) == taken, "the former owner must not write the asset any more"

    write(source_dir("e2e-rev-a"), a_items[1:], files=1)  # A drops it: its cleanup must not delete B's asset
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    cleanup = app.start_and_wait("cleanup", params={"catalog": "e2e-rev-a"})["output"][0]
    assert cleanup["status"] == "completed", cleanup
    assert _held(client, qn) == taken
    assert app.get("catalogs/e2e-rev-a/objects/asset/tbl0").status_code == 404  # A forgot it
    b_state = app.get("catalogs/e2e-rev-b/objects/asset/tbl5").json()
    assert b_state["status"] == "Completed"
    assert b_state["origin"] == "created", "B inherits A's ownership: the app created it, for A"
    assert (
        taken["labels"] == ["federation_e2e-rev-b"] and taken["custom"]["federation_catalog"] == "e2e-rev-b"
    )

    write(source_dir("e2e-rev-b"), [_plain("e2e-rev-b", 6)], files=1)  # B drops it: B, the owner, deletes it
    assert sync(app, "e2e-rev-b")["status"] == "completed"
    assert app.start_and_wait("cleanup", params={"catalog": "e2e-rev-b"})["output"][0]["deleted"] == 1
    assert _held(client, qn) is None


def test_a_dry_run_plans_an_item_another_catalog_owns_as_failing_naming_the_owner(app: LocalApp) -> None:
    assert app.emulator is not None
    a_item = _plain("e2e-rev-a", 2)
    write(source_dir("e2e-rev-a"), [a_item], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["created"] == 1
    intruder = _plain("e2e-rev-c", 9, qualified_name=a_item["qualified_name"], description="C's idea")
    write(source_dir("e2e-rev-c"), [intruder, _plain("e2e-rev-c", 10)], files=1)
    plan = sync(app, "e2e-rev-c", dry_run="true")
    assert plan["counts"]["asset"]["failed"] == 1 and plan["counts"]["asset"]["created"] == 1, plan["counts"]
    assert any("tbl9" in e and "owned by catalog 'e2e-rev-a'" in e for e in plan["errors"]), plan["errors"]
    real = sync(app, "e2e-rev-c")  # the real run does what the plan said
    assert real["counts"]["asset"]["failed"] == 1 and real["counts"]["asset"]["created"] == 1, real["counts"]


def test_verify_restores_glossary_terms_deleted_by_hand(app: LocalApp) -> None:
    from tests.e2e.dataset import catalog_items

    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    items = catalog_items("e2e-rev-a", 3, columns=2, processes=0)
    write(source_dir("e2e-rev-a"), items, files=1)
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    leaves = ["t0.1.1", "t1.0.1", "t2.1.1"]  # assigned to no asset, so Purview lets a person delete them
    for term in leaves:
        guid = app.get(f"catalogs/e2e-rev-a/objects/glossary_term/{term}").json()["purview_guid"]
        client.glossary.delete_term(guid)
    verify = sync(app, "e2e-rev-a", verify="true")
    assert verify["status"] == "completed", verify["errors"]
    assert verify["counts"]["glossary_term"]["repaired"] == 3, verify["counts"]["glossary_term"]
    for term in leaves:
        guid = app.get(f"catalogs/e2e-rev-a/objects/glossary_term/{term}").json()["purview_guid"]
        assert client.glossary.get_term(guid=guid)["name"], term


def test_a_created_asset_whose_item_changes_qualified_name_leaves_no_orphan(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    item = _plain("e2e-rev-a", 3)
    write(source_dir("e2e-rev-a"), [item], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["created"] == 1
    old_qn = item["qualified_name"]
    write(source_dir("e2e-rev-a"), [{**item, "qualified_name": f"{old_qn}_renamed"}], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["failed"] == 0
    assert _held(client, f"{old_qn}_renamed") is not None
    assert _held(client, old_qn) is None, "the entity under the old name is retired by the run itself"


def test_an_adopted_asset_whose_item_changes_qualified_name_loses_the_syncs_marks(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    item = _plain("e2e-rev-a", 4)
    old_qn = item["qualified_name"]
    client.upload_entities(
        [{"typeName": TABLE, "guid": "-1", "attributes": {"qualifiedName": old_qn, "name": "scan"}}]
    )
    write(source_dir("e2e-rev-a"), [item], files=1)
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    assert "federation_e2e-rev-a" in (_held(client, old_qn) or {}).get("labels", [])
    write(source_dir("e2e-rev-a"), [{**item, "qualified_name": f"{old_qn}_renamed"}], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["failed"] == 0
    app.start_and_wait("cleanup", params={"catalog": "e2e-rev-a"})
    scanned = _held(client, old_qn)
    assert scanned is not None and scanned["labels"] == [] and scanned["custom"] == {}


def _push(app: LocalApp, catalog: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    import json

    posted = app.post_body(f"catalogs/{catalog}/events", json.dumps(records))
    assert posted.status_code == 202, posted.text
    output: dict[str, Any] = app.wait(posted.json()["id"])["output"]
    return output


def test_a_push_batch_for_an_identity_another_catalog_owns_fails_alone(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    a_item = _plain("e2e-rev-a", 6)
    write(source_dir("e2e-rev-a"), [a_item], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["created"] == 1
    before = _held(client, a_item["qualified_name"])
    intruder = _plain("e2e-rev-c", 20, qualified_name=a_item["qualified_name"], description="pushed over")
    batch = _push(app, "e2e-rev-c", [intruder, _plain("e2e-rev-c", 21)])
    assert batch["counts"]["asset"]["failed"] == 1 and batch["counts"]["asset"]["created"] == 1, batch
    assert any("tbl20" in e and "owned by catalog 'e2e-rev-a'" in e for e in batch["errors"]), batch["errors"]
    assert _held(client, a_item["qualified_name"]) == before
    gone = _push(app, "e2e-rev-c", [{"delete": {"kind": "asset", "external_id": "tbl20"}}])
    assert gone["status"] == "completed" and _held(client, a_item["qualified_name"]) == before


def test_a_former_owners_delete_marker_leaves_an_asset_taken_over_by_adopt_from(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    a_item = _plain("e2e-rev-a", 7)
    write(source_dir("e2e-rev-a"), [a_item, _plain("e2e-rev-a", 8)], files=1)
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["created"] == 2
    b_item = _plain("e2e-rev-b", 30, qualified_name=a_item["qualified_name"], description="B's now")
    write(source_dir("e2e-rev-b"), [b_item], files=1)
    assert sync(app, "e2e-rev-b")["counts"]["asset"]["failed"] == 0
    taken = _held(client, a_item["qualified_name"])
    marker = _push(app, "e2e-rev-a", [{"delete": {"kind": "asset", "external_id": "tbl7"}}])
    assert marker["status"] == "completed", marker
    assert _held(client, a_item["qualified_name"]) == taken
    assert app.get("catalogs/e2e-rev-a/objects/asset/tbl7").status_code == 404


def test_a_skipped_foreign_asset_stays_untouched_by_verify_full_and_source_changes(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    foreign = _plain("e2e-skip", 40)
    attributes = {"qualifiedName": foreign["qualified_name"], "name": "theirs", "description": "x"}
    client.upload_entities([{"typeName": TABLE, "guid": "-1", "attributes": attributes}])
    before = _held(client, foreign["qualified_name"])
    write(source_dir("e2e-skip"), [foreign], files=1)
    assert sync(app, "e2e-skip")["counts"]["asset"]["skipped"] == 1
    for params in ({"verify": "true"}, {"full": "true"}):
        run = sync(app, "e2e-skip", **params)
        assert run["counts"]["asset"]["skipped"] == 1, (params, run["counts"]["asset"])
        assert _held(client, foreign["qualified_name"]) == before, params
    write(source_dir("e2e-skip"), [{**foreign, "description": "changed at the source"}], files=1)
    assert sync(app, "e2e-skip")["counts"]["asset"]["skipped"] == 1
    assert _held(client, foreign["qualified_name"]) == before


def test_an_existing_process_keeps_the_lineage_another_tool_recorded(app: LocalApp) -> None:
    from tests.e2e.dataset import process

    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    proc = process("e2e-rev-a", 0)
    tool = [
        {"typeName": TABLE, "guid": "-1", "attributes": {"qualifiedName": "mssql://tool/in", "name": "in"}},
        {"typeName": TABLE, "guid": "-2", "attributes": {"qualifiedName": "mssql://tool/out", "name": "out"}},
        {
            "typeName": "Process",
            "guid": "-3",
            "attributes": {"qualifiedName": proc["qualified_name"], "name": "adf pipeline"},
            "relationshipAttributes": {
                "inputs": [{"guid": "-1", "typeName": TABLE}],
                "outputs": [{"guid": "-2", "typeName": TABLE}],
            },
        },
    ]
    client.upload_entities(tool)
    write(source_dir("e2e-rev-a"), [_plain("e2e-rev-a", 0), _plain("e2e-rev-a", 1), proc], files=1)
    run = sync(app, "e2e-rev-a")
    assert run["status"] == "completed" and run["counts"]["asset"]["failed"] == 0, run

    def lineage() -> dict[str, set[str]]:
        held = client.get_entity(qualifiedName=proc["qualified_name"], typeName="Process")["entities"][0]
        return {
            side: {
                str(i.get("displayText"))
                for i in held["relationshipAttributes"][side]
                if i.get("relationshipStatus", "ACTIVE") == "ACTIVE"
            }
            for side in ("inputs", "outputs")
        }

    assert lineage() == {"inputs": {"in", "table_0"}, "outputs": {"out", "table_1"}}  # the union
    state = app.get("catalogs/e2e-rev-a/objects/asset/proc0").json()
    assert state["origin"] == "adopted" and any(
        m.startswith("rel:inputs:") for m in state["assigned_attributes"]
    )
    assert sync(app, "e2e-rev-a")["counts"]["asset"]["unchanged"] == 3  # the union is stable
    write(source_dir("e2e-rev-a"), [_plain("e2e-rev-a", 0), _plain("e2e-rev-a", 1)], files=1)
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    app.start_and_wait("cleanup", params={"catalog": "e2e-rev-a"})
    assert lineage() == {"inputs": {"in"}, "outputs": {"out"}}  # only the sync's lineage taken back


def test_releasing_an_adopted_asset_removes_the_custom_attributes_the_sync_added(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    item = _plain("e2e-rev-a", 11, properties={"team": "sales"})
    attributes = {"qualifiedName": item["qualified_name"], "name": "scanned"}
    client.upload_entities(
        [{"typeName": TABLE, "guid": "-1", "attributes": attributes, "customAttributes": {"scanner": "x"}}]
    )
    write(source_dir("e2e-rev-a"), [item], files=1)
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    assert (_held(client, item["qualified_name"]) or {}).get("custom", {}).get("team") == "sales"
    write(source_dir("e2e-rev-a"), [_plain("e2e-rev-a", 12)], files=1)
    assert sync(app, "e2e-rev-a")["status"] == "completed"
    app.start_and_wait("cleanup", params={"catalog": "e2e-rev-a"})
    released = _held(client, item["qualified_name"])
    assert released is not None and released["custom"] == {"scanner": "x"}, released
