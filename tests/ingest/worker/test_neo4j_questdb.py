"""The worker from the real Kafka into the production stores: Neo4j state, QuestDB history.

This is the composition ``twinweave ingest`` builds with
``TWINWEAVE_GRAPH_STORE=neo4j`` and ``TWINWEAVE_HISTORY_STORE=questdb``: a
Kafka consumer-group source, the fusion kernel, ``Neo4jStore.set_signals`` for
the changed keys, ``QuestDBHistoryStore.write_batch`` for samples, events and
the batch record with its offsets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import orjson
import pytest

from ingest.pipeline import Pipeline
from ontology import Neo4jStore, Neo4jStoreSettings, SignalUpdate
from ontology.history import QuestDBHistoryStore, SeriesKey
from tests._services import QuestDBAddress
from tests.ingest.conftest import T0_US, build_plant
from tests.ingest.worker._kafka import produce, run_until
from tests.ingest.worker.test_kafka import worker as kafka_worker
from tests.ontology.history.conftest import questdb_history_settings

pytestmark = [pytest.mark.kafka, pytest.mark.neo4j, pytest.mark.questdb]
T0_MS = T0_US // 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)
TWINS = ("machine/m1", "machine/m2", "sensor/t1")
RECORDS = 90
PER_RECORD = 20


class CountingNeo4jStore(Neo4jStore):
    """The real Neo4j store; remembers the keys of each ``set_signals`` call."""

    def __init__(self, settings: Neo4jStoreSettings) -> None:
        super().__init__(settings)
        self.calls: list[list[tuple[str, str]]] = []

    def set_signals(
        self,
        updates: Sequence[SignalUpdate],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        self.calls.append([(u.twin, u.signal) for u in updates])
        super().set_signals(updates, before_commit=before_commit)


@pytest.fixture
def graph(neo4j_uri: str, neo4j_namespace: str) -> Iterator[CountingNeo4jStore]:
    store = CountingNeo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    build_plant(store)
    yield store
    store.close()


@pytest.fixture
def quest(questdb: QuestDBAddress, questdb_prefix: str) -> Iterator[QuestDBHistoryStore]:
    store = QuestDBHistoryStore(questdb_history_settings(questdb, questdb_prefix))
    yield store
    store.close()


def records() -> tuple[list[tuple[str, bytes]], dict[tuple[str, str], list[float]]]:
    """Records of 20 samples (speed and temperature alternating) keyed by twin; the series."""
    out: list[tuple[str, bytes]] = []
    series: dict[tuple[str, str], list[float]] = {}
    for r in range(RECORDS):
        twin = TWINS[r % len(TWINS)]
        names, times, values = [], [], []
        for j in range(PER_RECORD):
            n = r * PER_RECORD + j
            signal = ("speed", "temperature")[j % 2]
            value = float(100 + n) if signal == "speed" else float(20 + n % 300)
            names.append(signal)
            times.append(T0_MS + n)
            values.append(value)
            series.setdefault((twin, signal), []).append(value)
        doc = {"columns": {"twin": twin, "signal": names, "time": times, "value": values}}
        out.append((twin, orjson.dumps(doc)))
    return out, series


async def test_kafka_into_neo4j_and_questdb_writes_changed_keys_only(
    kafka_bootstrap: str,
    kafka_topic: str,
    pipeline: Pipeline,
    graph: CountingNeo4jStore,
    quest: QuestDBHistoryStore,
) -> None:
    payloads, series = records()
    await produce(kafka_bootstrap, kafka_topic, payloads)
    worker = kafka_worker(kafka_bootstrap, kafka_topic, pipeline, graph, quest)
    total = RECORDS * PER_RECORD
    await run_until(
        worker,
        lambda: (
            worker.stats.samples_in >= total and worker.stats.acked_batches == worker.stats.batches
        ),
    )
    assert worker.stats.accepted == total
    # state: the last value of every series, and the mode the speeds imply
    for (twin, signal), values in series.items():
        assert graph.get_signals(twin)[signal].value == values[-1], (twin, signal)
    assert {graph.get_signals(t)["mode"].value for t in TWINS} == {"RUNNING"}
    # history: every sample once, in time order; one STOP->RUNNING event per twin
    for (twin, signal), values in series.items():
        assert quest.raw(SeriesKey(twin, signal), START, END).value.tolist() == values
    events = quest.events(list(TWINS), START, END).items
    assert sorted((e.twin, e.code) for e in events) == [(t, "STOP->RUNNING") for t in TWINS]
    assert quest.committed_offsets(kafka_topic) == {0: RECORDS - 1}
    # Neo4j writes per batch: each changed key once, never one per sample
    assert len(graph.calls) == worker.stats.batches
    for keys in graph.calls:
        assert len(keys) == len(set(keys))
        assert set(keys) <= {(t, s) for t in TWINS for s in ("speed", "temperature", "mode")}
    assert sum(len(keys) for keys in graph.calls) < total // 10
