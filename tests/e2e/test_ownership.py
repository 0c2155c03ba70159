"""Purview is shared: claims across catalogs, adoption of assets others created, drift repair (verify runs).

Everything runs on the local host with the real SDK against the emulator, driven and inspected through
pyapacheatlas as a scan or a person would.
"""

from __future__ import annotations

from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import catalog_items, table, write

TABLE = "azure_sql_table"


def _held(client: Any, qualified_name: str) -> dict[str, Any] | None:
    """The entity Purview holds (with its columns' names, terms and classifications), or None."""
    found = client.get_entity(qualifiedName=qualified_name, typeName=TABLE)
    entities = found.get("entities") or []
    if not entities:
        return None
    entity = entities[0]
    columns = {
        c["attributes"]["name"]: (
            c["attributes"].get("description"),
            sorted(x["typeName"] for x in c.get("classifications") or []),
            sorted(m["guid"] for m in (c.get("relationshipAttributes") or {}).get("meanings") or []),
        )
        for c in (found.get("referredEntities") or {}).values()
        if c.get("status", "ACTIVE") == "ACTIVE"
    }
    return {
        "name": entity["attributes"].get("name"),
        "description": entity["attributes"].get("description"),
        "classifications": sorted(c["typeName"] for c in entity.get("classifications") or []),
        "terms": sorted(
            m["guid"] for m in (entity.get("relationshipAttributes") or {}).get("meanings") or []
        ),
        "labels": sorted(entity.get("labels") or []),
        "custom": entity.get("customAttributes") or {},
        "columns": columns,
        "guid": entity["guid"],
    }


def test_two_catalogs_sharing_a_qualified_name_the_first_owns_it(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    a_items = catalog_items("e2e-own-a", 3, columns=3, processes=0)
    write(source_dir("e2e-own-a"), a_items)
    assert sync(app, "e2e-own-a")["counts"]["asset"]["created"] == 3
    shared_qn = table("e2e-own-a", 1)["qualified_name"]
    before = _held(client, shared_qn)
    assert before is not None and before["custom"]["federation_catalog"] == "e2e-own-a"
    assert "federation_e2e-own-a" in before["labels"]

    intruder = {**table("e2e-own-b", 7, columns=1, description="B's idea of it"), "name": "renamed_by_b"}
    intruder["qualified_name"] = shared_qn
    mine = table("e2e-own-b", 8, columns=1)
    mine["qualified_name"] = "mssql://e2e.database.windows.net/db/dbo/only_b"
    for item in (intruder, mine):
        item["glossary_items"] = []
        item["columns"] = [{**c, "glossary_items": [], "classification_items": []} for c in item["columns"]]
    write(source_dir("e2e-own-b"), [intruder, mine], files=1)
    b_run = sync(app, "e2e-own-b")
    assert b_run["counts"]["asset"]["created"] == 1 and b_run["counts"]["asset"]["failed"] == 1, b_run
    refusal = next(e for e in b_run["errors"] if "tbl7" in e)
    assert "owned by catalog 'e2e-own-a' (external id 'tbl1')" in refusal
    state = app.get("catalogs/e2e-own-b/objects/asset/tbl7").json()
    assert state["status"] == "Failed" and "owned by catalog 'e2e-own-a'" in state["last_error"]
    assert _held(client, shared_qn) == before, "the owner's asset must be untouched"

    again = sync(app, "e2e-own-a")
    assert again["counts"]["asset"]["unchanged"] == 3 and again["status"] == "completed"

    write(source_dir("e2e-own-b"), [mine], files=1)  # the item leaves B; B's cleanup must not touch A's
    assert sync(app, "e2e-own-b")["status"] == "completed"
    cleanup = app.start_and_wait("cleanup", params={"catalog": "e2e-own-b"})["output"][0]
    assert cleanup["status"] == "completed", cleanup
    assert _held(client, shared_qn) == before


def test_an_asset_created_before_the_sync_is_adopted_and_only_loses_the_syncs_additions(
    app: LocalApp,
) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    item = table("e2e-adopt", 0, columns=2)
    qn = item["qualified_name"]
    # as a scan would: the table and one column of its own, a label, a contact-free custom attribute
    client.upload_entities(
        [
            {
                "typeName": TABLE,
                "guid": "-1",
                "attributes": {"qualifiedName": qn, "name": "scanned_table", "description": "from the scan"},
                "labels": ["scanned"],
                "customAttributes": {"scanner": "sql-scan"},
            },
            {
                "typeName": "azure_sql_column",
                "guid": "-2",
                "attributes": {"qualifiedName": f"{qn}#scan_only", "name": "scan_only", "data_type": "int"},
                "relationshipAttributes": {"table": {"guid": "-1", "typeName": TABLE}},
            },
        ]
    )
    scanned = _held(client, qn)
    assert scanned is not None
    items = [i for i in catalog_items("e2e-adopt", 0) if i["kind"] != "asset"] + [item]
    write(source_dir("e2e-adopt"), items, files=1)
    run = sync(app, "e2e-adopt")
    assert run["status"] == "completed", run["errors"]
    state = app.get("catalogs/e2e-adopt/objects/asset/tbl0").json()
    assert state["origin"] == "adopted" and state["purview_guid"] == scanned["guid"]
    adopted = _held(client, qn)
    assert adopted is not None
    assert adopted["name"] == "scanned_table"  # the sync writes only the fields it manages
    assert adopted["description"] == item["description"]
    assert adopted["terms"] and set(adopted["columns"]) == {"scan_only", "c0", "c1"}
    assert adopted["columns"]["c1"][1] == [item["columns"][1]["classification_items"][0]]
    assert adopted["labels"] == ["federation_e2e-adopt", "scanned"]
    assert adopted["custom"]["scanner"] == "sql-scan"

    write(source_dir("e2e-adopt"), [i for i in items if i["kind"] != "asset"], files=1)
    assert sync(app, "e2e-adopt")["status"] == "completed"
    cleanup = app.start_and_wait("cleanup", params={"catalog": "e2e-adopt"})["output"][0]
    assert cleanup["status"] == "completed" and cleanup["deleted"] == 1, cleanup
    released = _held(client, qn)
    assert released is not None, "an adopted asset is never deleted"
    assert released["guid"] == scanned["guid"]
    assert released["terms"] == [] and released["classifications"] == []
    assert all(not terms and not classes for _, classes, terms in released["columns"].values())
    assert released["labels"] == ["scanned"] and released["custom"] == {"scanner": "sql-scan"}
    assert app.get("catalogs/e2e-adopt/objects/asset/tbl0").status_code == 404


def _source_state(client: Any, items: list[dict[str, Any]]) -> dict[str, tuple[Any, ...] | None]:
    """What Purview holds of the catalog's tables, in the source's terms."""
    out = {}
    for item in items:
        if item["kind"] == "asset":
            held = _held(client, item["qualified_name"])
            out[item["external_id"]] = (
                None if held is None else (held["name"], held["description"], sorted(held["columns"]))
            )
    return out


def test_verify_repairs_deleted_and_edited_assets_and_a_plain_run_stays_free(
    app: LocalApp, tmp_path: Any
) -> None:
    from localdev.purview.testing import running_emulator
    from tests.e2e.conftest import CATALOGS_FILE, writes

    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    items = catalog_items("e2e-own-a", 200, columns=3, processes=0)
    write(source_dir("e2e-own-a"), items)
    assert sync(app, "e2e-own-a")["status"] == "completed"
    wanted = _source_state(client, items)
    assert all(wanted.values())
    tables = [i for i in items if i["kind"] == "asset"]
    for item in tables[:10]:  # deleted by hand
        client.delete_entity(guid=[_held(client, item["qualified_name"])["guid"]])  # type: ignore[index]
    for item in tables[10:20]:  # edited by hand
        client.partial_update_entity(
            typeName=TABLE, qualifiedName=item["qualified_name"], attributes={"description": "edited by hand"}
        )
    drifted = _source_state(client, items)
    assert sum(v is None for v in drifted.values()) == 10 and drifted != wanted

    before = writes(app.emulator.stats())
    plain = sync(app, "e2e-own-a")
    assert plain["purview_calls"] == {"read": 0, "write": 0} and writes(app.emulator.stats()) == before

    counted = dict(app.emulator.stats()["requests"])
    verify = sync(app, "e2e-own-a", verify="true")
    entity_reads = sum(
        n - counted.get(route, 0)
        for route, n in app.emulator.stats()["requests"].items()
        if route.startswith("GET ") and "/entity/" in route
    )
    assert verify["status"] == "completed", verify["errors"]
    assert verify["counts"]["asset"]["repaired"] == 20, verify["counts"]
    assert verify["counts"]["asset"]["unchanged"] == 180
    assert _source_state(client, items) == wanted
    assert entity_reads / len(tables) <= 0.02, entity_reads  # bulk read-back by guid, 100 per call
    assert verify["purview_calls"]["read"] <= entity_reads + 20  # + glossary and classification defs

    full = sync(app, "e2e-own-a", full="true")  # rewrites every object, changed or not
    assert full["counts"]["asset"]["updated"] == 200 and full["counts"]["asset"]["repaired"] == 0
    assert full["purview_calls"]["write"] >= 1 and _source_state(client, items) == wanted

    app.stop()
    # the same sync state, pointed at an empty Purview
    with (
        running_emulator(tmp_path / "empty") as empty,
        LocalApp(data_dir=app.data_dir, catalogs_file=CATALOGS_FILE, purview_endpoint=empty.url) as moved,
    ):
        plain_moved = sync(moved, "e2e-own-a")
        assert plain_moved["counts"]["asset"]["unchanged"] == 200, (
            plain_moved["counts"],
            plain_moved["errors"],
        )
        restored = sync(moved, "e2e-own-a", verify="true")
        assert restored["status"] == "completed", restored["errors"]
        assert restored["counts"]["asset"]["repaired"] == 200, (
            restored["counts"],
            restored["errors"][:3],
        )
        assert restored["counts"]["glossary_term"]["failed"] == 0
        assert _source_state(pyapacheatlas_client(empty.url), items) == wanted


def test_existing_assets_skip_leaves_a_foreign_asset_untouched_for_good(app: LocalApp) -> None:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    foreign, own = table("e2e-skip", 0, columns=1), table("e2e-skip", 1, columns=1)
    for item in (foreign, own):
        item["glossary_items"] = []
        item["columns"] = [{**c, "glossary_items": [], "classification_items": []} for c in item["columns"]]
    client.upload_entities(
        [
            {
                "typeName": TABLE,
                "guid": "-1",
                "attributes": {
                    "qualifiedName": foreign["qualified_name"],
                    "name": "theirs",
                    "description": "x",
                },
            }
        ]
    )
    before = _held(client, foreign["qualified_name"])
    write(source_dir("e2e-skip"), [foreign, own], files=1)
    run = sync(app, "e2e-skip")
    assert run["counts"]["asset"]["skipped"] == 1 and run["counts"]["asset"]["created"] == 1, run
    assert app.get("catalogs/e2e-skip/objects/asset/tbl0").json()["origin"] == "skipped"
    assert _held(client, foreign["qualified_name"]) == before
    write(source_dir("e2e-skip"), [own], files=1)
    assert sync(app, "e2e-skip")["status"] == "completed"
    assert app.start_and_wait("cleanup", params={"catalog": "e2e-skip"})["output"][0]["deleted"] == 1
    assert _held(client, foreign["qualified_name"]) == before
