"""The test Kafka broker takes records and hands them back (aiokafka)."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

pytestmark = pytest.mark.kafka

TIMEOUT_MS = 20_000


async def test_produce_consume_round_trip(kafka_bootstrap: str, kafka_topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(kafka_topic, f"value-{i}".encode(), key=b"pump-1")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        kafka_topic,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        received: list[tuple[bytes | None, bytes | None]] = []
        while len(received) < 3:
            batches = await consumer.getmany(timeout_ms=TIMEOUT_MS)
            assert batches, f"no records within {TIMEOUT_MS} ms; got {received}"
            received += [(r.key, r.value) for records in batches.values() for r in records]
    finally:
        await consumer.stop()
    assert received == [(b"pump-1", f"value-{i}".encode()) for i in range(3)]


@pytest.mark.kafka(partitions=3)
async def test_topic_has_the_partitions_the_marker_asks_for(
    kafka_bootstrap: str, kafka_topic: str
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        partitions = await producer.partitions_for(kafka_topic)
    finally:
        await producer.stop()
    assert partitions == {0, 1, 2}
