"""``fetch_linger_ms``: a fetch asks the broker once more for what came while the client
held its last response, so those records join this batch rather than the next."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from ingest import IngestError
from ingest.sources import KafkaSource, KafkaSourceSettings
from ontology.history import DuckDBHistoryStore

WAIT_S = 60.0  # a guard against hanging, not a timing assertion


async def send(bootstrap: str, topic: str, first: int, count: int) -> None:
    """``count`` records in one record batch: a fetch gets all of them or none."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=1000)
    await producer.start()
    try:
        sent = [
            await producer.send(
                topic,
                b'{"signal": "speed", "time": %d, "value": 1}' % (1767225600000 + i),
                key=b"machine/m1",
                partition=0,
            )
            for i in range(first, first + count)
        ]
        await producer.flush()
        offsets = [(await s).offset for s in sent]
        assert offsets == list(range(first, first + count))  # one partition, in order
    finally:
        await producer.stop()


@pytest.mark.parametrize("linger", [-1, 1001, True])
def test_a_linger_out_of_bounds_is_refused(linger: int) -> None:
    with pytest.raises(IngestError, match="fetch_linger_ms"):
        KafkaSourceSettings("127.0.0.1:9092", "t", fetch_linger_ms=linger)


@pytest.mark.kafka
@pytest.mark.parametrize(("linger", "expected"), [(0, range(1, 5)), (1000, range(1, 10))])
async def test_records_that_came_meanwhile_join_the_batch(
    kafka_bootstrap: str, kafka_topic: str, linger: int, expected: range
) -> None:
    """Five records, one fetched: the client holds the other four. Five more sent: without a
    linger the next batch is the four held; with one, the five new ones join it."""
    history = DuckDBHistoryStore()
    settings = KafkaSourceSettings(
        kafka_bootstrap, kafka_topic, group=f"{kafka_topic}-g", fetch_linger_ms=linger
    )
    source = KafkaSource(settings, history)
    await source.start()
    try:
        async with asyncio.timeout(WAIT_S):
            await send(kafka_bootstrap, kafka_topic, 0, 5)
            first = None
            while first is None:
                first = await source.fetch(1, 0.2)
            assert [r.position for r in first.records] == [0]
            await send(kafka_bootstrap, kafka_topic, 5, 5)
            batch = None
            while batch is None:
                batch = await source.fetch(1000, 0.2)
        assert [r.position for r in batch.records] == list(expected)
    finally:
        await source.stop()
        history.close()
