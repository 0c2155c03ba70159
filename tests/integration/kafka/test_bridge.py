"""Push over Kafka for real: a confluent-kafka producer writes DataHub MCP/MCE JSON events to a mock cluster,
the localdev Kafka bridge feeds them to the catalog's Event Hub trigger on a served app, the objects land in
the Purview emulator, redelivered offsets are imported once, and a removal event deletes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from localdev.cli_kafka import events_function_name
from localdev.durable.testing import ServeProcess
from localdev.kafka_bridge import DeliveryError, KafkaBridge, http_delivery
from localdev.purview.server import EmulatorServer
from localdev.purview.testing import pyapacheatlas_client
from tests.integration.kafka.conftest import CATALOG, FAST_GROUP, MockCluster
from tests.integration.kafka.events import DATASETS, qualified_name, removal, upserts

REPO = Path(__file__).resolve().parents[3]  # the app root (holds function_app.py)

TOPIC = "datahub-mcp"
FUNCTION = events_function_name(CATALOG)


def _bridge(kafka: MockCluster, app: ServeProcess, group: str, **kwargs: Any) -> KafkaBridge:
    kwargs.setdefault("deliver", http_delivery(app.base_url, FUNCTION))
    return KafkaBridge(
        kafka.bootstrap, TOPIC, group_id=group, poll_timeout=0.3, consumer_config=FAST_GROUP, **kwargs
    )


def _ingests(app: ServeProcess) -> dict[tuple[str, str], dict[str, Any]]:
    """The catalog's ingest instances by (partition, first sequence number)."""
    prefix = f"ingest:{CATALOG}:"
    status, body = app.request("GET", f"/runtime/webhooks/durabletask/instances?instanceIdPrefix={prefix}")
    assert status == 200, body
    found = {_batch(i["instanceId"]): i for i in body}
    assert len(found) == len(body), "one instance per batch"
    return found


def _wait_ingested(
    app: ServeProcess, ids: set[tuple[str, str]], timeout: float = 30
) -> dict[tuple[str, str], dict[str, Any]]:
    """Wait until the batches' instances exist and completed (the trigger runs after the 202)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _ingests(app)
        if ids <= set(found) and all(found[i]["runtimeStatus"] == "Completed" for i in ids):
            return found
        if any(found.get(i, {}).get("runtimeStatus") in ("Failed", "Terminated") for i in ids):
            raise AssertionError(found)
        time.sleep(0.1)
    raise TimeoutError(f"{ids} not completed: {_ingests(app)}")


def _run_until(bridge: KafkaBridge, batches: int, timeout: float = 20) -> KafkaBridge:
    """Run the bridge until it committed ``batches`` batches (or stopped on an error), then stop it."""
    with bridge:
        deadline = time.monotonic() + timeout
        while len(bridge.delivered) < batches and bridge.running and time.monotonic() < deadline:
            time.sleep(0.05)
    return bridge


def _ids(bridge: KafkaBridge) -> list[tuple[str, str]]:
    """(partition, first offset) of each committed batch."""
    return [(str(b.partition), str(b.first_offset)) for b in bridge.delivered]


def _batch(instance_id: str) -> tuple[str, str]:
    """(partition, first sequence number) of an ingest instance ``ingest:{catalog}:{partition}:{batch}``,
    whether the batch id is the first sequence number or ``{first}-{last}``."""
    _, _, partition, batch = instance_id.split(":")
    return partition, batch.split("-")[0]


def _writes(emulator: EmulatorServer) -> int:
    return sum(
        n
        for route, n in emulator.stats()["requests"].items()
        if not route.startswith("GET ") and "search" not in route and "/_emulator" not in route
    )


def test_events_over_kafka_land_once_and_removal_deletes(
    kafka: MockCluster, served_app: ServeProcess, emulator: EmulatorServer
) -> None:
    messages = upserts()  # one partition, so the tags and the term's parent node are in the same batch
    kafka.produce(TOPIC, [(key, json.dumps(message)) for key, message in messages], partition=0)
    n = len(messages)
    first_id = ("0", "0")

    # 1. the bridge crashes after the host accepted the batch, before its commit
    post = http_delivery(served_app.base_url, FUNCTION)

    def deliver_then_crash(events: list[dict[str, Any]]) -> None:
        post(events)
        raise RuntimeError("crash before commit")

    crashed = _run_until(
        _bridge(kafka, served_app, "bridge-a", max_batch=n, deliver=deliver_then_crash, max_attempts=1), 1
    )
    assert isinstance(crashed.error, DeliveryError) and not crashed.delivered
    runs = _wait_ingested(served_app, {first_id})
    output = runs[first_id]["output"]
    assert output["error_count"] == 0, output["errors"]
    assert output["counts"]["asset"]["created"] == 3
    assert output["counts"]["glossary_term"]["created"] >= 1
    assert output["counts"]["classification"]["created"] == 2
    assert emulator.stats()["entities"]["federation_dataset"] == 3
    client = pyapacheatlas_client(emulator.url, timeout=10)
    for urn in DATASETS:
        found = client.get_entity(qualifiedName=qualified_name(urn), typeName="federation_dataset")
        assert found["entities"][0]["attributes"]["name"] == urn.split(",")[1].rsplit(".", 1)[1]

    # 2. the group restarts from its last commit (none): the batch comes again and is imported once
    writes = _writes(emulator)
    restarted = _run_until(_bridge(kafka, served_app, "bridge-a", max_batch=n), 1)
    assert restarted.error is None and _ids(restarted) == [first_id]
    time.sleep(0.5)  # the trigger runs after the 202; give a (wrong) second import the time to show
    assert set(_ingests(served_app)) == {first_id}
    assert _writes(emulator) == writes

    # 3. a removal event, bridged by the CLI; the group resumes after its committed offset
    kafka.produce(TOPIC, [(DATASETS[2], json.dumps(removal(DATASETS[2])))], partition=0)
    removal_id = ("0", str(n))
    stderr = _cli_bridge(kafka, served_app, "bridge-a", until={first_id, removal_id})
    assert "1 batch(es), 1 event(s) delivered" in stderr, stderr
    runs = _ingests(served_app)
    assert runs[removal_id]["output"]["counts"]["asset"]["deleted"] >= 1, runs[removal_id]["output"]
    assert emulator.stats()["entities"]["federation_dataset"] == 2
    gone = client.get_entity(qualifiedName=qualified_name(DATASETS[2]), typeName="federation_dataset")
    assert not gone.get("entities"), gone

    # 4. all offsets again from a new group: every batch is known, nothing is re-imported or restored
    writes = _writes(emulator)
    replay = _run_until(_bridge(kafka, served_app, "bridge-b", max_batch=n), 2)
    assert _ids(replay) == [first_id, removal_id]
    time.sleep(0.5)
    assert set(_ingests(served_app)) == {first_id, removal_id}
    assert _writes(emulator) == writes
    assert emulator.stats()["entities"]["federation_dataset"] == 2


def _cli_bridge(kafka: MockCluster, app: ServeProcess, group: str, until: set[tuple[str, str]]) -> str:
    """``python -m localdev kafka-bridge`` until the ``until`` instances completed; SIGTERM; its stderr."""
    command = [
        sys.executable, "-m", "localdev", "kafka-bridge", "--bootstrap", kafka.bootstrap, "--topic", TOPIC,
        "--catalog", CATALOG, "--app-url", app.base_url, "--group", group, "--poll-timeout", "0.3",
        *(f"--consumer-config={k}={v}" for k, v in FAST_GROUP.items()),
    ]  # fmt: skip
    env = dict(os.environ)
    proc = subprocess.Popen(command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ingested(app, until)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    return stderr
