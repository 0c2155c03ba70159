"""Manifests end to end: unchanged objects skip their sync state, and whatever changes an object outside a
pull run (a push, a deletion) makes the next run ask its sync state again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from activities import manifests
from entities import management
from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import entity_messages, source_dir, sync, writes
from tests.e2e.dataset import catalog_items, write

CATALOG = "e2e-manifest"
TABLES = 120
RUN_OVERHEAD = 12
"""Entity messages a run sends whatever its size (registry, manifest, journal): far below one per object."""


def _state(app: LocalApp, kind: str, external_id: str) -> dict[str, Any] | None:
    response = app.get(f"catalogs/{CATALOG}/objects/{kind}/{external_id}")
    return response.json() if response.status_code == 200 else None


def _description(app: LocalApp, number: int) -> str:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    found = client.get_entity(
        qualifiedName=f"mssql://e2e.database.windows.net/db/dbo/table_{number}", typeName="azure_sql_table"
    )
    return str(found["entities"][0]["attributes"].get("description"))


def _tables(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(item) for item in items]


def test_an_unchanged_resync_never_reaches_a_sync_state(app: LocalApp) -> None:
    items = catalog_items(CATALOG, TABLES, columns=3, processes=10)
    write(source_dir(CATALOG), items)
    first = sync(app, CATALOG)
    assert first["status"] == "completed" and first["error_count"] == 0, first["errors"]
    objects = sum(sum(counts.values()) for counts in first["counts"].values())
    seen_first = _state(app, "asset", "tbl7")
    assert seen_first is not None

    assert app.emulator is not None
    before, sent = writes(app.emulator.stats()), entity_messages(app)
    second = sync(app, CATALOG)
    assert writes(app.emulator.stats()) == before
    assert second["counts"]["asset"]["unchanged"] == TABLES + 10
    assert entity_messages(app) - sent <= RUN_OVERHEAD < objects / 10
    assert _state(app, "asset", "tbl7") == seen_first, "the sync state was not even read"

    changed = _tables(items)
    for item in changed:
        if item["external_id"] == "tbl11":
            item["description"] = "Changed at the source."
    write(source_dir(CATALOG), changed)
    sent = entity_messages(app)
    third = sync(app, CATALOG)
    assert third["counts"]["asset"]["updated"] == 1 and third["counts"]["asset"]["unchanged"] == TABLES + 9
    assert entity_messages(app) - sent <= RUN_OVERHEAD + 3  # begin, claim, complete of the one changed table
    assert _description(app, 11) == "Changed at the source."


def test_a_pushed_change_makes_the_next_pull_ask_the_sync_state(app: LocalApp) -> None:
    """A push rewrote tbl3 in Purview; the source still has the old version, which the manifest holds as
    unchanged. Without the journal the pull would skip tbl3 and leave the pushed version."""
    items = catalog_items(CATALOG, 20, columns=2, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    pushed = next(dict(item) for item in items if item["external_id"] == "tbl3")
    pushed["description"] = "Pushed by a producer."
    accepted = app.post_body(f"catalogs/{CATALOG}/events", json.dumps([pushed]))
    assert accepted.status_code == 202, accepted.text
    assert app.wait(accepted.json()["id"])["output"]["counts"]["asset"]["updated"] == 1
    assert _description(app, 3) == "Pushed by a producer."

    pulled = sync(app, CATALOG)
    assert pulled["counts"]["asset"]["updated"] == 1, pulled["counts"]
    assert _description(app, 3) == "Table number 3."
    again = sync(app, CATALOG)  # the push is accounted for now: all free again, but for one more ask
    assert again["counts"]["asset"]["unchanged"] == 20 and again["purview_calls"]["write"] == 0


def test_an_object_deleted_by_the_cleanup_comes_back_when_the_source_has_it_again(app: LocalApp) -> None:
    """The manifest carries tbl5 after it left the source; the cleanup deletes it; when the source lists it
    again with the very same content, the cleanup's journal piece makes the run recreate it."""
    items = catalog_items(CATALOG, 20, columns=2, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    write(source_dir(CATALOG), [i for i in items if i["external_id"] != "tbl5"])
    sync(app, CATALOG)
    report = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert (report["status"], report["stale"], report["deleted"]) == ("completed", 1, 1), report
    assert _state(app, "asset", "tbl5") is None

    write(source_dir(CATALOG), items)
    back = sync(app, CATALOG)
    assert back["counts"]["asset"]["created"] == 1, back["counts"]
    assert _description(app, 5) == "Table number 5."
    assert (_state(app, "asset", "tbl5") or {}).get("status") == "Completed"


def test_verify_takes_every_object_through_its_state_and_repairs_a_hand_deleted_one(app: LocalApp) -> None:
    items = catalog_items(CATALOG, 15, columns=2, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    guid = (_state(app, "asset", "tbl2") or {})["purview_guid"]
    client.delete_entity(guid=[guid])
    normal = sync(app, CATALOG)
    assert normal["counts"]["asset"]["unchanged"] == 15  # a normal run trusts the manifest
    verified = sync(app, CATALOG, verify="true")
    assert verified["counts"]["asset"].get("repaired", 0) + verified["counts"]["asset"].get("created", 0) >= 1
    assert _description(app, 2) == "Table number 2."


def test_a_cleanup_pass_reads_its_own_manifest_not_every_catalog_s_states(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another catalog holds ten times as many objects; the pass over this one never lists sync states."""
    other = json.dumps(catalog_items("e2e-main", 200, columns=1, processes=0))
    write(source_dir("e2e-main"), json.loads(other.replace("e2e.database", "other.database")))
    sync(app, "e2e-main")
    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    write(source_dir(CATALOG), [i for i in items if i["external_id"] != "tbl8"])
    sync(app, CATALOG)
    listed: list[str] = []
    real = management.list_entities

    def counting(client: Any, name: str) -> Any:
        listed.append(name)
        return real(client, name)

    monkeypatch.setattr(manifests, "list_entities", counting)
    report = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert (report["status"], report["deleted"]) == ("completed", 1), report
    assert listed == [], "the pass read the manifest, not every catalog's sync states"
    assert _state(app, "asset", "tbl8") is None and _state(app, "asset", "tbl9") is not None

    # An operator distrusts the manifest. The sync states of the objects that were free do not know the
    # runs that met them, so the pass must still read presence from the manifest (it once deleted 18 of the
    # 19 here, on their states' stale ``last_seen``) …
    assert app.host is not None
    app.host.signal_entity("manifest", CATALOG, "forget", {})
    app.host.wait_idle(timeout=60)
    again = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert (again["status"], again["stale"], again["deleted"]) == ("completed", 0, 0), again
    # … and the next run asks every sync state (listing them once, for what it did not meet), then is free
    sent = entity_messages(app)
    resync = sync(app, CATALOG)
    assert resync["counts"]["asset"]["unchanged"] == 19 and listed == ["sync_state"], resync["errors"]
    assert entity_messages(app) - sent >= 19
    sent = entity_messages(app)
    sync(app, CATALOG)
    assert entity_messages(app) - sent <= RUN_OVERHEAD
