"""Feed a Kafka topic into a push catalog's Event Hub trigger on the local host (dev and test tool only).

In Azure, producers write to the Event Hubs Kafka endpoint and the Functions host hands the events to the
``events_{catalog}`` trigger. Locally there is no Event Hubs, so ``KafkaBridge`` plays the host's part: it
consumes the topic in a consumer group, groups the messages of each partition into batches of at most
``max_batch`` and delivers each batch as a list of ``{"body", "sequence_number", "partition_id"}`` events
(the Kafka offset stands in for the Event Hubs sequence number). Offsets are committed only after a batch was
delivered, so a bridge that dies before its commit redelivers the batch, and the trigger's instance id
(``ingest:{catalog}:{partition}:{first sequence number}``) recognises it and imports it once.

``deliver`` is any ``Callable[[list[dict]], None]``; ``http_delivery`` posts to a running
``python -m localdev serve`` and ``host_delivery`` calls an in-process ``HostServer``.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import requests
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

if TYPE_CHECKING:
    from localdev.durable.server import HostServer

__all__ = [
    "BatchInfo",
    "Deliver",
    "DeliveryError",
    "KafkaBridge",
    "host_delivery",
    "http_delivery",
    "to_events",
]

logger = logging.getLogger(__name__)

Deliver = Callable[[list[dict[str, Any]]], None]


class DeliveryError(Exception):
    """A batch was not accepted by its target (the bridge retries it, then gives up without committing)."""


@dataclass(frozen=True)
class BatchInfo:
    """One delivered (and committed) batch."""

    partition: int
    first_offset: int
    last_offset: int
    count: int


def http_delivery(app_url: str, function_name: str, *, timeout: float = 30.0) -> Deliver:
    """Deliver to ``POST {app_url}/admin/functions/{function_name}?wait=1``: the host answers 200 once the
    trigger function has run (500 when it failed), so the bridge commits only delivered batches."""
    url = f"{app_url.rstrip('/')}/admin/functions/{quote(function_name, safe='')}?wait=1"
    session = requests.Session()

    def deliver(events: list[dict[str, Any]]) -> None:
        try:
            response = session.post(url, json={"input": events}, timeout=timeout)
        except requests.RequestException as exc:
            raise DeliveryError(f"POST {url}: {exc}") from exc
        if response.status_code != 200:
            raise DeliveryError(f"POST {url}: HTTP {response.status_code} {response.text[:200]}")

    return deliver


def host_delivery(server: HostServer, function_name: str, *, timeout: float = 60.0) -> Deliver:
    """Deliver by running the function in-process; returns once the trigger function has returned."""

    def deliver(events: list[dict[str, Any]]) -> None:
        server.invoke(function_name, events, timeout=timeout)

    return deliver


def to_events(messages: list[Message]) -> list[dict[str, Any]]:
    """Kafka messages of one partition → the local host's Event Hub event dicts (tombstones dropped)."""
    events: list[dict[str, Any]] = []
    for message in messages:
        value = message.value()
        if value is None:
            continue
        event: dict[str, Any] = {
            "body": value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value),
            "sequence_number": _offset(message),
            "partition_id": message.partition(),
        }
        key = message.key()
        if key is not None:
            event["partition_key"] = key.decode("utf-8", errors="replace") if isinstance(key, bytes) else key
        events.append(event)
    return events


class KafkaBridge:
    """Consume ``topic`` and deliver per-partition batches; commit each batch after its delivery.

    ``start()``/``stop()`` run it on a background thread (or ``run()`` blocks until ``stop()``). A batch whose
    delivery fails is retried with backoff; after ``max_attempts`` (``None``: until stopped) the bridge stops
    with ``error`` set and the batch uncommitted, as a crashed consumer would.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        topic: str,
        deliver: Deliver,
        *,
        group_id: str = "purview-federation-bridge",
        max_batch: int = 100,
        poll_timeout: float = 0.5,
        max_attempts: int | None = None,
        retry_delay: float = 0.5,
        consumer_config: dict[str, Any] | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.topic = topic
        self.deliver = deliver
        self.max_batch = max_batch
        self.poll_timeout = poll_timeout
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.config: dict[str, Any] = {
            "bootstrap.servers": bootstrap_servers,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            **(consumer_config or {}),
        }
        self.delivered: deque[BatchInfo] = deque(maxlen=1000)
        self.events_delivered = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> KafkaBridge:
        if self._thread is not None:
            raise RuntimeError("bridge already started")
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run_logged, name=f"kafka-bridge-{self.topic}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> KafkaBridge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run_logged(self) -> None:
        try:
            self.run()
        except BaseException as exc:
            self.error = exc
            logger.error("kafka bridge on %s stopped: %s", self.topic, exc)

    # the loop -------------------------------------------------------------------------------------------

    def run(self) -> None:
        """Consume and deliver until ``stop()``; raises when a batch is not delivered (left uncommitted)."""
        consumer = Consumer(self.config)
        try:
            consumer.subscribe([self.topic])
            while not self._stop.is_set():
                messages = consumer.consume(num_messages=self.max_batch, timeout=self.poll_timeout)
                for partition, batch in _by_partition(messages).items():
                    if not self._deliver_with_retries(batch):
                        return  # stopped while retrying: leave the batch uncommitted
                    self._commit(consumer, partition, batch)
        finally:
            consumer.close()

    def _deliver_with_retries(self, batch: list[Message]) -> bool:
        events = to_events(batch)
        attempt, delay = 0, self.retry_delay
        while events:
            attempt += 1
            try:
                self.deliver(events)
                break
            except Exception as exc:
                if self.max_attempts is not None and attempt >= self.max_attempts:
                    raise DeliveryError(
                        f"batch {batch[0].partition()}:{_offset(batch[0])} not delivered after "
                        f"{attempt} attempt(s): {exc}"
                    ) from exc
                logger.warning("delivery of %d event(s) failed (attempt %d): %s", len(events), attempt, exc)
            if self._stop.wait(delay):
                return False
            delay = min(delay * 2, 10.0)
        self.events_delivered += len(events)
        return True

    def _commit(self, consumer: Consumer, partition: int, batch: list[Message]) -> None:
        first, last = _offset(batch[0]), _offset(batch[-1])
        try:
            consumer.commit(offsets=[TopicPartition(self.topic, partition, last + 1)], asynchronous=False)
        except KafkaException as exc:  # e.g. a rebalance: the new owner redelivers, the trigger dedups
            logger.warning("commit of %s:%d..%d failed: %s", self.topic, first, last, exc)
        self.delivered.append(BatchInfo(partition, first, last, len(batch)))
        logger.info("delivered %s[%d] offsets %d..%d (%d)", self.topic, partition, first, last, len(batch))


def _by_partition(messages: list[Message]) -> dict[int, list[Message]]:
    """Data messages grouped by partition, in offset order; errors are logged (fatal ones raised)."""
    batches: dict[int, list[Message]] = {}
    for message in messages:
        error = message.error()
        if error is not None:
            if error.fatal():
                raise KafkaException(error)
            if error.code() != KafkaError._PARTITION_EOF:
                logger.warning("kafka: %s", error)
            continue
        partition = message.partition()
        assert partition is not None
        batches.setdefault(partition, []).append(message)
    return batches


def _offset(message: Message) -> int:
    offset = message.offset()
    assert offset is not None, "data messages have offsets"
    return offset
