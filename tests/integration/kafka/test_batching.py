"""The bridge's own contract against the mock cluster (no app): per-partition batches in offset order, commits
after delivery only, retries, tombstones."""

from __future__ import annotations

import time
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from localdev.kafka_bridge import DeliveryError, KafkaBridge
from tests.integration.kafka.conftest import FAST_GROUP, MockCluster

TOPIC = "events"
PARTITIONS = 4  # the mock cluster's auto-created topics


def _committed(kafka: MockCluster, group: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": kafka.bootstrap, "group.id": group})
    try:
        offsets = consumer.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=10)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in offsets if tp.offset >= 0}


def _ends(kafka: MockCluster) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": kafka.bootstrap, "group.id": "watermarks"})
    try:
        ends = {p: consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1] for p in range(4)}
    finally:
        consumer.close()
    return {p: end for p, end in ends.items() if end > 0}


def _bridge(kafka: MockCluster, deliver: Any, group: str, **kwargs: Any) -> KafkaBridge:
    return KafkaBridge(
        kafka.bootstrap,
        TOPIC,
        deliver,
        group_id=group,
        poll_timeout=0.2,
        consumer_config=FAST_GROUP,
        **kwargs,
    )


def _wait(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition()


def test_batches_are_per_partition_in_offset_order_and_committed_after_delivery(kafka: MockCluster) -> None:
    messages: list[tuple[str, str | None]] = [(f"k{i % 7}", f'{{"n": {i}}}') for i in range(40)]
    messages.append(("k3", None))  # a tombstone: committed, not delivered
    kafka.produce(TOPIC, messages)
    batches: list[list[dict[str, Any]]] = []
    with _bridge(kafka, batches.append, "g1", max_batch=6) as bridge:
        _wait(lambda: bridge.events_delivered == 40)
        _wait(lambda: sum(b.count for b in bridge.delivered) == 41)
    assert bridge.error is None
    seen: dict[int, list[int]] = {}
    for batch in batches:
        assert len(batch) in range(1, 7)
        assert len({e["partition_id"] for e in batch}) == 1, "one partition per batch"
        offsets = [e["sequence_number"] for e in batch]
        assert offsets == sorted(offsets)
        seen.setdefault(batch[0]["partition_id"], []).extend(offsets)
        assert {e["partition_key"] for e in batch} <= {f"k{i}" for i in range(7)}
    for offsets in seen.values():
        assert offsets == sorted(set(offsets)), "each offset once, in order"
    assert sorted(int(e["body"][6:-1]) for b in batches for e in b) == list(range(40))
    assert _committed(kafka, "g1") == _ends(kafka)


def test_a_batch_that_cannot_be_delivered_stays_uncommitted_and_comes_again(kafka: MockCluster) -> None:
    kafka.produce(TOPIC, [("a", "1"), ("a", "2")], partition=0)
    attempts: list[int] = []

    def failing(events: list[dict[str, Any]]) -> None:
        attempts.append(len(events))
        raise DeliveryError("host down")

    with _bridge(kafka, failing, "g2", max_attempts=3, retry_delay=0.01) as bridge:
        _wait(lambda: not bridge.running)
    assert isinstance(bridge.error, DeliveryError) and "after 3 attempt(s)" in str(bridge.error)
    assert attempts == [2, 2, 2] and not bridge.delivered
    assert _committed(kafka, "g2") == {}

    flaky_calls: list[list[dict[str, Any]]] = []

    def flaky(events: list[dict[str, Any]]) -> None:
        flaky_calls.append(events)
        if len(flaky_calls) == 1:
            raise DeliveryError("busy")

    with _bridge(kafka, flaky, "g2", retry_delay=0.01) as again:
        _wait(lambda: len(again.delivered) == 1)
    assert flaky_calls[0] == flaky_calls[1], "the same batch is retried"
    assert [e["sequence_number"] for e in flaky_calls[1]] == [0, 1]
    assert [e["body"] for e in flaky_calls[1]] == ["1", "2"]
    assert _committed(kafka, "g2") == {0: 2}
