"""The worker on the real Kafka, into the embedded stores (MemoryStore + DuckDB history)."""

from __future__ import annotations

import orjson
import pytest

from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import KafkaSource, KafkaSourceSettings
from ingest.worker import BatchCommitter, Worker, WorkerSettings
from ontology import GraphStore
from ontology.history import HistoryStore, SeriesKey
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import produce, run_until
from tests.ingest.worker.test_worker import END, NOW, START, FlakyGraph

pytestmark = pytest.mark.kafka
T0_MS = T0_US // 1000


def records(first: int, count: int) -> list[tuple[str, bytes]]:
    twins = ["machine/m1", "machine/m2", "sensor/t1"]
    out = []
    for i in range(first, first + count):
        twin = twins[i % 3]
        doc = {"signal": "faultCode", "time": T0_MS + i, "value": i}  # keyed by twin
        out.append((twin, orjson.dumps(doc)))
    return out


def worker(
    bootstrap: str, topic: str, pipeline: Pipeline, graph: GraphStore, history: HistoryStore
) -> Worker:
    source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=f"{topic}-g"), history)
    committer = BatchCommitter(
        fusion=Fusion(pipeline, graph),
        graph=graph,
        history=history,
        feed=None,
        codec=JsonCodec(),
        feed_name=source.feed,
        principal="tester",
        clock=lambda: NOW,
    )
    return Worker(source, committer, WorkerSettings(max_records=50, fetch_timeout_s=0.1))


def series(history: HistoryStore, twin: str) -> list[float]:
    values: list[float] = history.raw(SeriesKey(twin, "faultCode"), START, END).value.tolist()
    return values


def drained(w: Worker, samples: int) -> bool:
    """``samples`` came in, and every batch committed is acknowledged."""
    return w.stats.samples_in >= samples and w.stats.acked_batches == w.stats.batches


async def test_records_keyed_by_twin_become_history_and_state_and_offsets_commit(
    kafka_bootstrap: str,
    kafka_topic: str,
    pipeline: Pipeline,
    plant_store: GraphStore,
    history: HistoryStore,
) -> None:
    await produce(kafka_bootstrap, kafka_topic, records(0, 120))
    w = worker(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    await run_until(w, lambda: drained(w, 120))
    assert series(history, "machine/m1") == [float(i) for i in range(0, 120, 3)]
    assert plant_store.get_signals("sensor/t1")["faultCode"].value == 119.0
    assert history.committed_offsets(kafka_topic) == {0: 119}
    # a second worker of the group continues after the committed offset: nothing twice
    await produce(kafka_bootstrap, kafka_topic, records(120, 30))
    w2 = worker(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    await run_until(w2, lambda: drained(w2, 30))
    assert w2.stats.samples_in == 30
    assert series(history, "machine/m1") == [float(i) for i in range(0, 150, 3)]
    assert history.committed_offsets(kafka_topic) == {0: 149}


async def test_records_history_holds_but_state_missed_are_replayed_into_state_only(
    kafka_bootstrap: str,
    kafka_topic: str,
    pipeline: Pipeline,
    plant_store: GraphStore,
    history: HistoryStore,
) -> None:
    await produce(kafka_bootstrap, kafka_topic, records(0, 30))
    down: GraphStore = FlakyGraph(plant_store, failures=10**6)  # type: ignore[assignment]
    first = worker(kafka_bootstrap, kafka_topic, pipeline, down, history)
    first.settings = WorkerSettings(max_records=50, fetch_timeout_s=0.1, backoff_initial_s=0.01)
    await run_until(first, lambda: first.stats.retries >= 2)
    # history committed the batch (it is written first); state never did; nothing was acked
    assert len(series(history, "machine/m1")) == 10
    assert "faultCode" not in plant_store.get_signals("machine/m1")
    second = worker(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    await run_until(second, lambda: drained(second, 30))
    assert plant_store.get_signals("sensor/t1")["faultCode"].value == 29.0
    assert series(history, "machine/m1") == [float(i) for i in range(0, 30, 3)]
    # the replay wrote no batch twice: the batches' offset ranges cover 0..29 once
    offsets = sorted(
        offset
        for batch in history.batches(START, END).items
        for p in batch.sources
        for offset in range(p.first_offset or 0, (p.last_offset or 0) + 1)
    )
    assert offsets == list(range(30))
