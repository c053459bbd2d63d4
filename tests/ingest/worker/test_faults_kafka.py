"""Kafka restarted mid-stream (a broker of the test's own, killed with -9 and started again):
the worker resumes; every sample is in history once, the state is the last value per key,
and the group's offset reaches the end."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from devtools.services._private import PrivateService
from ingest.pipeline import Pipeline
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import WAIT_S, produce
from tests.ingest.worker.test_scale_out import _series, member

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
TWINS = ("machine/m1", "machine/m2", "sensor/t1")
TOPIC = "faults"


def records(start: int, stop: int) -> list[tuple[str, bytes]]:
    return [
        (twin, orjson.dumps({"signal": "faultCode", "time": T0_US // 1000 + i, "value": i % 7}))
        for i in range(start, stop)
        for twin in TWINS
    ]


async def committed(bootstrap: str, group: str) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        offset = await consumer.committed(TopicPartition(TOPIC, 0))
        return None if offset is None else int(offset)
    finally:
        await consumer.stop()


async def test_kafka_killed_and_restarted_mid_stream_the_worker_resumes(
    own_kafka: PrivateService, pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    bootstrap = f"127.0.0.1:{own_kafka.port}"
    await produce(bootstrap, TOPIC, records(0, 200))  # the topic is created: 1 partition
    worker = member(bootstrap, TOPIC, pipeline, plant_store, history)
    running = asyncio.ensure_future(worker.run())
    try:
        async with asyncio.timeout(WAIT_S):
            while worker.stats.batches < 5:
                await asyncio.sleep(0.02)
        await asyncio.to_thread(own_kafka.kill)  # mid-stream: 600 records, 20 per batch
        before = worker.stats.acked_batches
        await asyncio.sleep(1.0)  # the broker stays away a moment
        assert not running.done()  # the worker waits for it
        await asyncio.to_thread(own_kafka.start)
        await produce(bootstrap, TOPIC, records(200, 300))  # and more after the restart
        async with asyncio.timeout(WAIT_S):
            while (
                sum(len(_series(history, t)) for t in TWINS) < 900
                or not worker.stats.acked_batches > before
            ):
                if running.done():
                    running.result()
                await asyncio.sleep(0.05)
    finally:
        worker.stop()
        await asyncio.wait_for(running, WAIT_S)
    for twin in TWINS:
        assert _series(history, twin) == [float(i % 7) for i in range(300)]
        assert plant_store.get_signals(twin)["faultCode"].value == float(299 % 7)
    assert worker.stats.samples_in >= 900
    assert await committed(bootstrap, f"{TOPIC}-g") == 900
