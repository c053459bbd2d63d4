"""Two workers in one consumer group share a topic's partitions; one stops mid-stream and the
other takes its partitions over: nothing lost or doubled, rollups equal a recomputation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import orjson
import pytest

from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import KafkaSource, KafkaSourceSettings, MemorySource
from ingest.worker import BatchCommitter, Worker, WorkerSettings, WorkerStats
from ontology import Aggregate, GraphStore, MemoryStore, RollupSpec
from ontology.history import DuckDBHistoryStore, HistoryStore, SeriesKey
from tests.ingest.conftest import T0_US, build_plant
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


HANDED = ("site/s1", "area/a1", "area/a2", "line/l1", "line/l2", "machine/m1", "machine/m2")


def _faults(value: int, start: int, count: int) -> list[tuple[str, bytes]]:
    """``count`` records a twin of ``HANDED``, faultCode ``value``, from ``start`` ms on."""
    return [
        (twin, orjson.dumps({"signal": "faultCode", "time": T0_US // 1000 + ms, "value": value}))
        for ms in range(start, start + count)
        for twin in HANDED
    ]


async def test_a_partition_handed_back_is_fused_from_the_stores_not_from_memory(
    kafka_bootstrap: str, kafka_topic: str, pipeline: Pipeline, plant_store: GraphStore,
    history: HistoryStore,
) -> None:  # fmt: skip
    """The first worker holds both partitions, the second takes one and moves its twins on
    (faultCode 2 -> 0: FAULT -> IDLE), then leaves and hands it back: the first fuses the
    records that follow against the state the stores hold now, not the state it remembered
    from before it gave the partition up (faultCode 0 -> 2 is a change, IDLE -> FAULT an
    event), so state and events equal one worker's run over all the records."""
    told: dict[str, list[tuple[str, frozenset[int]]]] = {"first": [], "second": []}

    def worker(name: str) -> Worker:
        def rebalanced(what: str, partitions: frozenset[int]) -> None:
            told[name].append((what, partitions))

        settings = KafkaSourceSettings(kafka_bootstrap, kafka_topic, group=f"{kafka_topic}-g")
        source = KafkaSource(settings, history, on_rebalance=rebalanced)
        committer = BatchCommitter(
            fusion=Fusion(pipeline, plant_store), graph=plant_store, history=history,
            feed=None, codec=JsonCodec(), feed_name=source.feed, principal="tester",
            clock=lambda: NOW,
        )  # fmt: skip
        return Worker(source, committer, WorkerSettings(max_records=20, fetch_timeout_s=0.05))

    def held(name: str) -> frozenset[int]:
        assigned = [p for what, p in told[name] if what == "assigned"]
        return assigned[-1] if assigned else frozenset()

    async def until(done: Callable[[], bool], *running: asyncio.Future[WorkerStats]) -> None:
        async with asyncio.timeout(WAIT_S):
            while not done():
                for task in running:
                    if task.done():
                        task.result()
                        raise AssertionError("a worker stopped early")
                await asyncio.sleep(0.02)

    def written() -> int:
        return sum(len(_series(history, t)) for t in HANDED)

    phases = [_faults(2, 0, 10), _faults(0, 10, 10), _faults(2, 20, 10)]
    first, second = worker("first"), worker("second")
    a = asyncio.ensure_future(first.run())
    await produce(kafka_bootstrap, kafka_topic, phases[0])
    await until(lambda: held("first") == {0, 1} and written() == len(phases[0]), a)
    b = asyncio.ensure_future(second.run())  # joins: the group rebalances
    await until(lambda: len(held("second")) == 1 and len(held("first")) == 1, a, b)
    await produce(kafka_bootstrap, kafka_topic, phases[1])
    await until(lambda: written() == len(phases[0]) + len(phases[1]), a, b)
    assert second.stats.samples_in > 0, "the second worker was given no twin to move on"
    second.stop()  # leaves: its partition goes back to the first
    await asyncio.wait_for(b, WAIT_S)
    await until(lambda: held("first") == {0, 1}, a)
    await produce(kafka_bootstrap, kafka_topic, phases[2])
    await until(lambda: written() == sum(map(len, phases)), a)
    first.stop()
    await asyncio.wait_for(a, WAIT_S)

    expected_graph, expected_history = build_plant(MemoryStore()), DuckDBHistoryStore()
    try:
        source = MemorySource("replay")
        for twin, payload in [r for phase in phases for r in phase]:
            source.put([payload], twin=twin)
        source.close()
        replay = BatchCommitter(
            fusion=Fusion(pipeline, expected_graph), graph=expected_graph,
            history=expected_history, feed=None, codec=JsonCodec(), feed_name="replay",
            principal="tester", clock=lambda: NOW,
        )  # fmt: skip
        await Worker(source, replay).run()
        for twin in HANDED:
            got, want = plant_store.get_signals(twin), expected_graph.get_signals(twin)
            assert (got["faultCode"].value, got["mode"].value) == (2.0, "FAULT"), twin
            assert (want["faultCode"].value, want["mode"].value) == (2.0, "FAULT"), twin
            assert _codes(history, twin) == _codes(expected_history, twin), twin
        assert _codes(history, "machine/m1") == ["STOP->FAULT", "FAULT->IDLE", "IDLE->FAULT"]
    finally:
        expected_history.close()


def _codes(history: HistoryStore, twin: str) -> list[str]:
    return [e.code for e in history.events([twin], START, END, kinds=["mode"]).items]
