"""Push ingest end to end: Event Hub batches through the app's Event Hub trigger (``EventHubEvent`` objects,
the way the Functions host delivers them), redelivery, deletion events, and push over HTTP."""

from __future__ import annotations

import concurrent.futures
import json
from typing import Any

import azure.functions as func
import pytest

from localdev.session import LocalApp
from tests.e2e.dataset import catalog_items, table
from triggers.names import event_function_name

CATALOG = "e2e-push"


def _events(
    items: list[dict[str, Any]], first_sequence: int, partition: str = "0"
) -> list[func.EventHubEvent]:
    from azure.functions.meta import Datum

    metadata = {"PartitionContext": Datum(type="json", value=json.dumps({"PartitionId": partition}))}
    return [
        func.EventHubEvent(
            body=json.dumps(item).encode(), trigger_metadata=metadata, sequence_number=first_sequence + n
        )
        for n, item in enumerate(items)
    ]


def _ingest(app: LocalApp, events: list[func.EventHubEvent]) -> None:
    assert app.server is not None and app.host is not None
    app.server.invoke(event_function_name(CATALOG), events)
    app.host.wait_idle(timeout=120)


def _ingested(app: LocalApp) -> list[dict[str, Any]]:
    assert app.host is not None
    ids = sorted(
        r.instance_id for r in app.host.list_instances() if r.instance_id.startswith(f"ingest:{CATALOG}:")
    )
    return [app.host.get_status(i) or {} for i in ids]


def test_batches_import_once_and_deletion_events_delete(app: LocalApp) -> None:
    assert app.emulator is not None
    batch = _events(catalog_items(CATALOG, 5, columns=2, processes=0), first_sequence=100)
    _ingest(app, batch)
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 5
    runs = _ingested(app)
    assert [r["instanceId"] for r in runs] == [f"ingest:{CATALOG}:0:100-130"]
    assert runs[0]["runtimeStatus"] == "Completed"
    assert runs[0]["output"]["counts"]["asset"]["created"] == 5

    _ingest(app, batch)  # redelivered after a crash before the checkpoint: same partition + sequence
    assert len(_ingested(app)) == 1
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 5

    # a later batch refers to terms that earlier batches imported
    _ingest(app, _events([table(CATALOG, 50, columns=2)], first_sequence=131, partition="1"))
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 6

    _ingest(app, _events([{"delete": {"kind": "asset", "external_id": "tbl2"}}], first_sequence=132))
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 5
    state = app.get(f"catalogs/{CATALOG}/objects/asset/tbl2")
    assert state.status_code == 404
    last = next(r for r in _ingested(app) if r["instanceId"].endswith(":132-132"))
    assert last["output"]["counts"]["asset"]["deleted"] == 1


def test_push_over_http_is_idempotent_per_body(app: LocalApp) -> None:
    assert app.emulator is not None and app.host is not None
    body = json.dumps(catalog_items(CATALOG, 3, columns=1, processes=0))
    first = app.post_body(f"catalogs/{CATALOG}/events", body)
    assert first.status_code == 202, first.text
    assert app.wait(first.json()["id"])["output"]["counts"]["asset"]["created"] == 3
    again = app.post_body(f"catalogs/{CATALOG}/events", body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert app.post_body("catalogs/e2e-main/events", body).status_code == 202  # mode both: accepted
    refused = app.post_body("catalogs/e2e-trunc/events", body)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "NotAPushCatalog"
    assert app.post_body(f"catalogs/{CATALOG}/events", "").json()["error"]["code"] == "EmptyBody"


def test_two_batches_racing_for_the_same_objects_import_each_once(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ingest orchestrations carry the same 200 objects at once: the per-object lock lets one write each
    object; the other sees busy (retries after a durable timer) or unchanged — never a second create."""
    from activities import resources

    monkeypatch.setenv("BUSY_RETRY_DELAY_SECONDS", "1")
    resources.reset()
    assert app.server is not None and app.host is not None and app.emulator is not None
    items = catalog_items(CATALOG, 200, columns=2, processes=0)
    name = event_function_name(CATALOG)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda seq: app.server.invoke(name, _events(items, seq, "7")), (1000, 5000)))  # type: ignore[union-attr]
    ids = [f"ingest:{CATALOG}:7:{seq}-{seq + len(items) - 1}" for seq in (1000, 5000)]
    runs = [app.wait(instance_id, timeout=180) for instance_id in ids]  # busy retries wait on durable timers
    assert len(runs) == 2 and all(r["runtimeStatus"] == "Completed" for r in runs), runs
    created = sum(r["output"]["counts"]["asset"]["created"] for r in runs)
    others = sum(
        r["output"]["counts"]["asset"]["unchanged"] + r["output"]["counts"]["asset"]["skipped"] for r in runs
    )
    assert created == 200 and others == 200, [r["output"]["counts"]["asset"] for r in runs]
    assert app.emulator.stats()["entities"]["azure_sql_table"] == 200
