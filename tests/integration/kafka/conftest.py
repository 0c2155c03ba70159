"""Fixtures for the Kafka push test: confluent-kafka's in-process mock cluster, the Purview emulator (in
process) and the app served by ``python -m localdev serve`` in a subprocess.

The app runs in a subprocess because it registers its Event Hub triggers from the catalogs file when it is
first imported in a process, and the end-to-end tests set their own catalogs file for the test session.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from localdev.durable.testing import ServeProcess
from localdev.purview.server import EmulatorServer
from localdev.purview.testing import running_emulator

REPO = Path(__file__).resolve().parents[3]  # the app root (holds function_app.py)

# confluent-kafka is a dev requirement; without it these tests are not collected
collect_ignore_glob = [] if importlib.util.find_spec("confluent_kafka") else ["test_*.py"]

CATALOG = "kafka-datahub"
CATALOGS_YAML = f"""
catalogs:
  - name: {CATALOG}
    connector: datahub
    mode: push
    glossary: DataHub push
    source: {{email_domain: example.com}}
"""


# The mock cluster's coordinator waits for a departed member's session to time out before a new member of the
# same group gets partitions (45 s by default); a real broker rebalances on LeaveGroup.
FAST_GROUP = {"session.timeout.ms": 3000, "heartbeat.interval.ms": 300}


class MockCluster:
    """A one-broker Kafka cluster living in this process (librdkafka's mock cluster, real TCP on loopback)."""

    def __init__(self) -> None:
        from confluent_kafka import Producer

        self.producer = Producer({"test.mock.num.brokers": 1, "log_level": 3})
        brokers = self.producer.list_topics(timeout=10).brokers.values()
        self.bootstrap = ",".join(f"{b.host}:{b.port}" for b in brokers)

    def produce(
        self, topic: str, messages: list[tuple[str, str | None]], partition: int | None = None
    ) -> None:
        """Send ``(key, value)`` messages in order (to ``partition``, else by key; ``None`` values are
        tombstones) and wait until the cluster has them all. Auto-created topics have 4 partitions."""
        for key, value in messages:
            data = None if value is None else value.encode()
            if partition is None:
                self.producer.produce(topic, value=data, key=key.encode())
            else:
                self.producer.produce(topic, value=data, key=key.encode(), partition=partition)
        assert self.producer.flush(10) == 0, "messages left undelivered"

    def close(self) -> None:
        """Stop the cluster: it lives as long as its producer handle."""
        self.producer.flush(5)
        del self.producer


@pytest.fixture
def kafka() -> Iterator[MockCluster]:
    cluster = MockCluster()
    yield cluster
    cluster.close()


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[EmulatorServer]:
    with running_emulator(data_dir=tmp_path / "purview") as server:
        yield server


@pytest.fixture
def served_app(tmp_path: Path, emulator: EmulatorServer) -> Iterator[ServeProcess]:
    catalogs = tmp_path / "catalogs.yaml"
    catalogs.write_text(CATALOGS_YAML)
    env = {
        "CATALOGS_FILE": str(catalogs),
        "PURVIEW_ENDPOINT": emulator.url,
        "STAGING_BACKEND": "local",
        "STAGING_DIR": str(tmp_path / "staging"),
    }
    saved = os.environ.pop("PURVIEW_ACCOUNT_NAME", None)
    try:
        app = ServeProcess(REPO, tmp_path / "durable", workers=4, env=env, cwd=REPO)
    finally:
        if saved is not None:
            os.environ["PURVIEW_ACCOUNT_NAME"] = saved
    try:
        yield app
    finally:
        app.stop()
