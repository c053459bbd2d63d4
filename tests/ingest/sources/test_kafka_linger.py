"""``fetch_linger_ms``: a fetch asks the broker once more for what came while the client
held its last response, so those records join this batch rather than the next."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from ingest import IngestError
from ingest.sources import KafkaSource, KafkaSourceSettings
from ingest.sources._kafka import linger_wanted
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


ASKED_MS = 1_767_225_600_000


@pytest.mark.parametrize(
    ("ends", "wanted"),
    [
        ([(10, 10, ASKED_MS + 3)], False),  # answered after the ask, at the end: nothing more
        ([(10, 10, ASKED_MS)], False),
        ([(10, 10, ASKED_MS - 1)], True),  # held from before the ask: more may have come since
        ([(8, 10, ASKED_MS + 3)], True),  # the broker holds more: ask for it
        ([(10, None, None)], True),  # nothing known of the partition's end
        ([(10, 10, ASKED_MS + 3), (5, 5, ASKED_MS - 20)], True),  # one partition held
        ([(10, 10, ASKED_MS + 3), (5, 5, ASKED_MS + 1)], False),
    ],
)
def test_a_fetch_lingers_unless_fresh_answers_reached_the_end(
    ends: list[tuple[int, int | None, int | None]], wanted: bool
) -> None:
    assert linger_wanted(ends, ASKED_MS) is wanted


@pytest.mark.kafka
async def test_a_fresh_answer_at_the_end_does_not_wait_for_more(
    kafka_bootstrap: str, kafka_topic: str
) -> None:
    """The fetch waits for records; they come in a response it asked for, and reach the
    partition's end: it returns them without lingering, so five records sent 0.3 s later
    (well within its one-second linger) come in the next batch, not this one."""
    history = DuckDBHistoryStore()
    settings = KafkaSourceSettings(
        kafka_bootstrap, kafka_topic, group=f"{kafka_topic}-g", fetch_linger_ms=1000
    )
    source = KafkaSource(settings, history)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    await source.start()
    try:
        async with asyncio.timeout(WAIT_S):
            while await source.fetch(1000, 0.2) is not None:
                pass  # the group joined, the topic empty
            fetching = asyncio.ensure_future(source.fetch(1000, 10.0))
            await send_now(producer, kafka_topic, 0, 5)
            await asyncio.sleep(0.3)  # the five are fetched meanwhile; a linger would still wait
            await send_now(producer, kafka_topic, 5, 5)
            first = await fetching
            assert first is not None
            assert [r.position for r in first.records] == list(range(5))
            second = None
            while second is None:
                second = await source.fetch(1000, 0.2)
        assert [r.position for r in second.records] == list(range(5, 10))
    finally:
        await source.stop()
        await producer.stop()
        history.close()


async def send_now(producer: AIOKafkaProducer, topic: str, first: int, count: int) -> None:
    """``count`` records in one record batch, sent at once (no producer linger)."""
    batch = producer.create_batch()
    for i in range(first, first + count):
        value = b'{"signal": "speed", "time": %d, "value": 1}' % (1767225600000 + i)
        assert batch.append(key=b"machine/m1", value=value, timestamp=None) is not None
    batch.close()
    sent = await producer.send_batch(batch, topic, partition=0)
    assert (await sent).offset == first  # the batch's first offset: one partition, in order
