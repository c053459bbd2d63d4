"""Two workers in one consumer group share a topic's partitions; one stops mid-stream and the
other takes its partitions over: nothing lost or doubled, rollups equal a recomputation."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import KafkaSource, KafkaSourceSettings
from ingest.worker import BatchCommitter, Worker, WorkerSettings
from ontology import Aggregate, GraphStore, RollupSpec
from ontology.history import HistoryStore, SeriesKey
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import WAIT_S, produce
from tests.ingest.worker.test_worker import END, NOW, START

pytestmark = pytest.mark.kafka(partitions=2)
TWINS = ("machine/m1", "machine/m2", "sensor/t1", "line/l1")
PER_TWIN = 150


def member(
    bootstrap: str, topic: str, pipeline: Pipeline, graph: GraphStore, history: HistoryStore
) -> Worker:
    source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=f"{topic}-g"), history)
    committer = BatchCommitter(
        fusion=Fusion(pipeline, graph), graph=graph, history=history, feed=None,
        codec=JsonCodec(), feed_name=source.feed, principal="tester", clock=lambda: NOW,
    )  # fmt: skip
    return Worker(source, committer, WorkerSettings(max_records=20, fetch_timeout_s=0.05))


async def test_a_second_worker_joins_the_first_leaves_nothing_lost_or_doubled(
    kafka_bootstrap: str, kafka_topic: str, pipeline: Pipeline, plant_store: GraphStore,
    history: HistoryStore,
) -> None:  # fmt: skip
    plant_store.define_rollup(
        RollupSpec(name="faultsTotal", signal="faultCode", aggregate=Aggregate.SUM), principal="t"
    )
    records = [
        (twin, orjson.dumps({"signal": "faultCode", "time": T0_US // 1000 + i, "value": i % 5}))
        for i in range(PER_TWIN)
        for twin in TWINS
    ]
    await produce(kafka_bootstrap, kafka_topic, records)
    first = member(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    second = member(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    a = asyncio.ensure_future(first.run())
    async with asyncio.timeout(WAIT_S):
        while first.stats.batches < 3:
            await asyncio.sleep(0.02)
    b = asyncio.ensure_future(second.run())  # joins: the group rebalances
    async with asyncio.timeout(WAIT_S):
        while second.stats.batches < 1 and first.stats.samples_in < len(records):
            await asyncio.sleep(0.02)
    first.stop()  # leaves mid-stream: the second takes its partitions over
    await asyncio.wait_for(a, WAIT_S)
    async with asyncio.timeout(WAIT_S):
        while sum(len(_series(history, t)) for t in TWINS) < len(records):
            await asyncio.sleep(0.05)
    second.stop()
    await asyncio.wait_for(b, WAIT_S)
    for twin in TWINS:
        assert _series(history, twin) == [float(i % 5) for i in range(PER_TWIN)]
        assert plant_store.get_signals(twin)["faultCode"].value == float((PER_TWIN - 1) % 5)
    rolled = {t: plant_store.get_signals(t).get("faultsTotal") for t in ("line/l1", "line/l2")}
    plant_store.recompute_rollups()
    again = {t: plant_store.get_signals(t).get("faultsTotal") for t in ("line/l1", "line/l2")}
    assert {t: v.value if v else None for t, v in rolled.items()} == {
        t: v.value if v else None for t, v in again.items()
    }


def _series(history: HistoryStore, twin: str) -> list[float]:
    values: list[float] = history.raw(SeriesKey(twin, "faultCode"), START, END).value.tolist()
    return values
