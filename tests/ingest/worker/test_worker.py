"""The worker over the embedded stores: history, state, rollups, change feed, then the ack."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import MemorySource
from ingest.worker import BatchCommitter, Worker, WorkerSettings
from ontology import (
    Aggregate,
    GraphStore,
    RollupSpec,
    SignalUpdate,
    StoreUnavailableError,
)
from ontology.changefeed import ChangeSet
from ontology.changefeed.memory import MemoryChangeFeed
from ontology.history import HistoryStore, SeriesKey
from tests.ingest.conftest import T0_US

T0_MS = T0_US // 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)
NOW = datetime.fromtimestamp(T0_MS / 1000 + 600, UTC)


def committer(
    pipeline: Pipeline, graph: GraphStore, history: HistoryStore, feed: MemoryChangeFeed | None
) -> BatchCommitter:
    return BatchCommitter(
        fusion=Fusion(pipeline, graph),
        graph=graph,
        history=history,
        feed=feed,
        codec=JsonCodec(),
        feed_name="test",
        principal="tester",
        clock=lambda: NOW,
    )


def sample(twin: str, signal: str, ms: int, value: object) -> bytes:
    return orjson.dumps({"twin": twin, "signal": signal, "time": T0_MS + ms, "value": value})


async def run_all(worker: Worker, source: MemorySource, payloads: Sequence[bytes]) -> None:
    source.put(payloads)
    source.close()
    await asyncio.wait_for(worker.run(), 30)


async def test_a_batch_reaches_history_state_rollups_and_the_feed_before_the_ack(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    plant_store.define_rollup(
        RollupSpec(name="faultsTotal", signal="faultCode", aggregate=Aggregate.SUM),
        principal="tester",
    )
    feed = MemoryChangeFeed()
    stream = feed.subscribe()
    reading = asyncio.ensure_future(asyncio.wait_for(anext(stream), 30))
    await asyncio.sleep(0)
    source = MemorySource("plant")
    worker = Worker(
        source, committer(pipeline, plant_store, history, feed), WorkerSettings(max_records=100)
    )
    await run_all(
        worker,
        source,
        [
            sample("machine/m1", "faultCode", 0, 0),
            sample("EQ-1", "speed", 1, 1500),
            sample("machine/m2", "faultCode", 2, 3),
            b"not json",
            sample("nobody", "speed", 3, 1),
        ],
    )
    # history
    raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
    assert raw.value.tolist() == [0.0]
    (batch,) = history.batches(START, END).items
    assert batch.pipeline_version == "test-1"
    assert batch.principal == "tester"
    assert (batch.count_in, batch.accepted) == (5, 3)
    assert batch.rejected == {"malformed": 1, "unknown_twin": 1}
    assert batch.model_versions == ("dtmi:test:Machine;1",)
    assert (batch.sources[0].first_offset, batch.sources[0].last_offset) == (0, 4)
    assert history.reject_counts(START, END) == {"malformed": 1, "unknown_twin": 1}
    events = history.events(["machine/m1"], START, END).items
    assert [e.code for e in events] == ["STOP->RUNNING"]
    # state and rollups
    m1 = plant_store.get_signals("machine/m1")
    assert m1["faultCode"].value == 0.0
    assert m1["speed"].value == 1500.0
    assert m1["mode"].value == "RUNNING"
    assert m1["faultCode"].batch == batch.id
    assert plant_store.get_signals("line/l2")["faultsTotal"].value == 3.0
    # the feed, and the ack
    change: ChangeSet = await reading
    assert change.batch == batch.id
    assert {(c.twin, c.signal, c.value) for c in change.signals} >= {
        ("machine/m1", "faultCode", 0.0),
        ("machine/m1", "mode", "RUNNING"),
    }
    assert sorted((e.twin, e.code) for e in change.events) == [
        ("machine/m1", "STOP->RUNNING"),
        ("machine/m2", "STOP->FAULT"),
    ]
    assert source.acked == 4
    assert worker.stats.accepted == 3


async def test_a_replayed_batch_never_doubles_a_sample(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    payloads = [sample("machine/m1", "faultCode", i, i) for i in range(10)]
    for _ in range(2):
        source = MemorySource("plant")
        await run_all(
            Worker(source, committer(pipeline, plant_store, history, None)), source, payloads
        )
    raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
    assert raw.value.tolist() == [float(i) for i in range(10)]
    assert plant_store.get_signals("machine/m1")["faultCode"].value == 9.0


class FlakyGraph:
    """Delegates to a real store but refuses ``set_signals`` the first ``failures`` times."""

    def __init__(self, store: GraphStore, failures: int) -> None:
        self._store = store
        self.failures = failures

    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        if self.failures:
            self.failures -= 1
            msg = "graph store down (test)"
            raise StoreUnavailableError(msg)
        self._store.set_signals(updates, before_commit=before_commit)

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


async def test_a_store_that_is_down_is_retried_and_nothing_is_acked_until_it_returns(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    flaky = FlakyGraph(plant_store, failures=3)
    graph: GraphStore = flaky  # type: ignore[assignment]
    source = MemorySource("plant")
    settings = WorkerSettings(backoff_initial_s=0.01, backoff_max_s=0.02)
    acked_while_down = []

    def watch(outcome: object, stats: object) -> None:
        acked_while_down.append(source.acked)

    worker = Worker(source, committer(pipeline, graph, history, None), settings, on_batch=watch)
    await run_all(worker, source, [sample("machine/m1", "faultCode", i, i) for i in range(5)])
    assert worker.stats.retries == 3
    assert acked_while_down == [-1]  # the batch committed only after the store returned
    assert source.acked == 4
    assert plant_store.get_signals("machine/m1")["faultCode"].value == 4.0
    raw = history.raw(SeriesKey("machine/m1", "faultCode"), START, END)
    assert raw.value.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


async def test_stopping_while_a_store_is_down_acknowledges_nothing(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    graph: GraphStore = FlakyGraph(plant_store, failures=10**6)  # type: ignore[assignment]
    source = MemorySource("plant")
    worker = Worker(
        source, committer(pipeline, graph, history, None), WorkerSettings(backoff_initial_s=0.01)
    )
    source.put([sample("machine/m1", "faultCode", 0, 1)])
    running = asyncio.ensure_future(worker.run())
    while worker.stats.retries < 2:
        await asyncio.sleep(0.01)
    worker.stop()
    await asyncio.wait_for(running, 30)
    assert source.acked == -1


async def test_acks_wait_for_the_flush_of_a_store_made_durable_by_flushing(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    flushed: list[int] = []
    source = MemorySource("plant")
    worker = Worker(
        source,
        committer(pipeline, plant_store, history, None),
        WorkerSettings(max_records=2, grow_limit=1, flush_interval_s=3600),  # three batches
        flush=lambda: flushed.append(source.acked),
    )
    await run_all(worker, source, [sample("machine/m1", "faultCode", i, i) for i in range(6)])
    assert flushed == [-1]  # one flush at the end, before any ack
    assert source.acked == 5
    assert worker.stats.acked_batches == 3


def test_settings_refuse_nonsense() -> None:
    from ingest import IngestError

    with pytest.raises(IngestError, match="max_records"):
        WorkerSettings(max_records=0)
    with pytest.raises(IngestError, match="backoff_max_s"):
        WorkerSettings(backoff_max_s=-timedelta(seconds=1).total_seconds())
