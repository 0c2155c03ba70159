"""Manifests end to end under hostile conditions: an adversarial review's holes, each a test that failed
before its fix (concurrent pushes and cleanups, unwritten or lost manifests, markers, slow writers)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from connectors.pivotfile.connector import PivotFileConnector
from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync
from tests.e2e.dataset import catalog_items, table, write
from tests.e2e.test_manifests import _state

CATALOG = "e2e-manifest"  # mode both, pages of 50 lines, deletion: K=1, retention 0, fraction 1.0


def _in_purview(app: LocalApp, number: int) -> bool:
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    found = client.get_entity(
        qualifiedName=f"mssql://e2e.database.windows.net/db/dbo/table_{number}", typeName="azure_sql_table"
    )
    return bool(found.get("entities"))


def _with_marker(items: list[dict[str, Any]], external_id: str) -> None:
    """The items, then (in a file read last, on a later page) a delete marker for ``external_id``."""
    write(source_dir(CATALOG), items)
    marker = {"delete": {"kind": "asset", "external_id": external_id}}
    (source_dir(CATALOG) / "zz-markers.jsonl").write_text(json.dumps(marker) + "\n")


def _pull_held_in_extract(app: LocalApp, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, threading.Event]:
    """Start a pull and hold it inside its extract (after it read the manifest) until ``release`` is set."""
    entered, release = threading.Event(), threading.Event()
    real = PivotFileConnector.extract

    def held(self: PivotFileConnector, cursor: str | None, **kwargs: Any) -> Any:
        entered.set()
        release.wait(120)
        return real(self, cursor, **kwargs)

    monkeypatch.setattr(PivotFileConnector, "extract", held)
    started = app.post(f"catalogs/{CATALOG}/sync")
    assert started.status_code == 202, started.text
    assert entered.wait(60), "the pull never reached its extract"
    return started, release


def test_an_object_created_and_delete_marked_in_one_run_is_recreated_when_the_source_lists_it_again(
    app: LocalApp,
) -> None:
    """Run 2 writes the new tbl99 (page 1) and executes its delete marker (page 2): tbl99 is gone from
    Purview and sync state, but the run's manifest records it clean (its batch's part entry wins over the
    marker). Run 3 lists tbl99 with the same content: it is freed, counted unchanged, never recreated."""
    items = catalog_items(CATALOG, 60, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    extra = table(CATALOG, 99, columns=1)
    _with_marker([extra, *items], str(extra["external_id"]))
    marked = sync(app, CATALOG)
    assert marked["counts"]["asset"].get("deleted") == 1, marked[
        "counts"
    ]  # precondition: written, then deleted
    assert _state(app, "asset", str(extra["external_id"])) is None and not _in_purview(app, 99)

    write(source_dir(CATALOG), [extra, *items])
    again = sync(app, CATALOG)
    assert _in_purview(app, 99), f"tbl99 is listed by the source but missing from Purview: {again['counts']}"


def test_a_cleanup_during_a_pull_does_not_delete_what_the_pull_frees(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tbl5 left the source (stale after one complete run) and comes back unchanged. The pull reads the
    manifest, then a cleanup deletes tbl5 before the pull plans. Without manifests the pull's ``begin``
    finds no state and recreates tbl5 (or ``delete_stale`` sees it met); with them the pull frees tbl5 from
    the manifest it read, so a completed run that met tbl5 leaves it deleted in Purview."""
    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    write(source_dir(CATALOG), [i for i in items if i["external_id"] != "tbl5"])
    sync(app, CATALOG)
    write(source_dir(CATALOG), items)

    started, release = _pull_held_in_extract(app, monkeypatch)
    try:
        report = app.start_and_wait("cleanup", params={"catalog": CATALOG}, timeout=120)["output"][0]
        # the pass leaves the catalog alone while its sync runs (it deleted tbl5 before the fix)
        assert (report["status"], report["reason"], report["deleted"]) == ("skipped", "sync_running", 0), (
            report
        )
    finally:
        release.set()
    pulled = app.wait(started.json()["id"], timeout=300)
    assert pulled["runtimeStatus"] == "Completed", pulled
    assert _in_purview(app, 5), f"the pull met tbl5 but it is gone from Purview: {pulled['output']['counts']}"
    after = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert (after["status"], after["deleted"]) == ("completed", 0), after  # the pull met it: not stale


def test_a_manifest_whose_file_is_gone_is_replaced_and_the_cleanup_still_works(app: LocalApp) -> None:
    """The pointer names a manifest the staging no longer has (a storage restore, a lifecycle rule, an
    operator). Every run then fails to write its manifest (``write_manifest`` reads the lost base) and every
    cleanup pass of the catalog fails (``find_stale`` reads it too) — forever: publish is never reached."""
    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    manifests = list((app.data_dir / "staging").glob(f"state.{CATALOG}/manifests/*"))
    assert manifests, "precondition: the first run staged its manifest"
    for path in manifests:
        path.unlink()
    second = sync(app, CATALOG)
    third = sync(app, CATALOG)
    lost = [e for run in (second, third) for e in run["errors"] if "manifest not written" in e]
    report = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert not lost and report["status"] != "failed", (lost, report)


class _HoldFirstCatalogRead:
    """``activities.upsert.resources`` whose first ``catalog()`` call (the push's ``chunk_keys``, after the
    push journaled its piece and before any ``begin``) waits until released."""

    def __init__(self, real: Any) -> None:
        self.real, self.entered, self.release, self.armed = real, threading.Event(), threading.Event(), True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def catalog(self, name: str) -> Any:
        if self.armed:
            self.armed = False
            self.entered.set()
            self.release.wait(120)
        return self.real.catalog(name)


def test_a_push_still_writing_after_two_pulls_is_not_forgotten(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push journals tbl3, then waits for a worker before its ``begin``. Pull 2 reads the piece (tbl3
    suspect) and publishing drops it; pull 3 takes tbl3 through its unchanged state and records it clean.
    Then the push writes its version. No piece names tbl3 any more, so pull 4 frees it and Purview keeps
    the pushed description although the source says otherwise: a piece is dropped when a manifest has
    *read* it, not when its writer is done."""
    from activities import resources, upsert

    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    hold = _HoldFirstCatalogRead(resources)
    monkeypatch.setattr(upsert, "resources", hold)
    pushed = next(dict(item) for item in items if item["external_id"] == "tbl3")
    pushed["description"] = "Pushed by a producer."
    accepted = app.post_body(f"catalogs/{CATALOG}/events", json.dumps([pushed]))
    assert accepted.status_code == 202, accepted.text
    try:
        assert hold.entered.wait(60), "the push never reached chunk_keys"
        sync(app, CATALOG)
        sync(app, CATALOG)
    finally:
        hold.release.set()
    assert app.wait(accepted.json()["id"], timeout=120)["output"]["counts"]["asset"]["updated"] == 1
    last = sync(app, CATALOG)
    assert app.emulator is not None
    client = pyapacheatlas_client(app.emulator.url)
    found = client.get_entity(
        qualifiedName="mssql://e2e.database.windows.net/db/dbo/table_3", typeName="azure_sql_table"
    )
    assert found["entities"][0]["attributes"]["description"] == "Table number 3.", last["counts"]


def test_a_complete_run_whose_manifest_was_not_written_does_not_make_its_free_objects_stale(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run 2 meets every object on the free path (their sync states do not move), then cannot write its
    manifest (staging down past the activity's retries; a publish refused after a journal overflow ends
    the same way, and ``publish_manifest`` does not even look at ``accepted``). The run still counts as
    complete for deletion, while the current manifest says the objects were last met by run 1: with
    K=1 the next cleanup deletes every object both complete runs met."""
    from activities import manifests
    from sync.manifest import draft_manifest

    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)
    real = draft_manifest
    down = {"staging": True}

    def failing(**kwargs: Any) -> Any:
        if down["staging"]:
            raise OSError("staging unavailable")
        return real(**kwargs)

    monkeypatch.setattr(manifests, "draft_manifest", failing)
    second = sync(app, CATALOG)
    down["staging"] = False
    assert second["counts"]["asset"]["unchanged"] == 20  # precondition: every table was met, free
    assert any("manifest not written" in e for e in second["errors"]), second["errors"]
    report = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert report["deleted"] == 0 and _in_purview(app, 7), report


def test_a_burst_of_pushes_during_a_pull_does_not_make_the_pull_s_free_objects_stale(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fault at all: two push batches land while pull 2 extracts, and the journal overflows (its cap is
    lowered to 1 here instead of sending 2,000 batches). Pull 2's publish is refused (``journal_overflow``),
    silently — ``publish_manifest`` ignores ``accepted`` and reports no error — yet pull 2 counts as complete.
    The current manifest is run 1's (distrusted), whose ``seen`` deletion still reads: with K=1 the next
    cleanup deletes everything pull 2 met on the free path."""
    from entities import manifest as book

    monkeypatch.setattr(book, "MAX_PIECES", 1)
    items = catalog_items(CATALOG, 20, columns=1, processes=0)
    write(source_dir(CATALOG), items)
    sync(app, CATALOG)

    started, release = _pull_held_in_extract(app, monkeypatch)
    try:
        for number in (3, 4):
            pushed = next(dict(i) for i in items if i["external_id"] == f"tbl{number}")
            pushed["description"] = "Pushed by a producer."
            accepted = app.post_body(f"catalogs/{CATALOG}/events", json.dumps([pushed]))
            assert accepted.status_code == 202, accepted.text
            assert app.wait(accepted.json()["id"], timeout=120)["runtimeStatus"] == "Completed"
    finally:
        release.set()
    pulled = app.wait(started.json()["id"], timeout=300)
    assert pulled["runtimeStatus"] == "Completed", pulled
    report = app.start_and_wait("cleanup", params={"catalog": CATALOG})["output"][0]
    assert report["deleted"] == 0 and _in_purview(app, 7), (report, pulled["output"]["errors"])
