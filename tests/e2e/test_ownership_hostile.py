"""Ownership under hostile conditions: ownership moved by ``adopt_from``, and dry runs of items others own.

Real host, real SDK, the emulator inspected through pyapacheatlas, as in test_ownership.py.
"""

from __future__ import annotations

from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import table, write
from tests.e2e.test_ownership import _held


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
    assert app.get("catalogs/e2e-rev-b/objects/asset/tbl5").json()["status"] == "Completed"


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
