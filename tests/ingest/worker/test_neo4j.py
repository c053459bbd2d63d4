"""The worker into the real Neo4j graph store (and the embedded DuckDB history)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import orjson
import pytest

from ingest.pipeline import Pipeline
from ingest.sources import MemorySource
from ingest.worker import Worker, WorkerSettings
from ontology import GraphStore, Neo4jStore, Neo4jStoreSettings
from ontology.history import HistoryStore, SeriesKey
from tests.ingest.conftest import T0_US, build_plant
from tests.ingest.worker.test_worker import END, START, committer

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo4j_plant(neo4j_uri: str, neo4j_namespace: str) -> Iterator[GraphStore]:
    store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    yield build_plant(store)
    store.close()


async def test_state_and_mode_reach_neo4j_history_reaches_duckdb(
    pipeline: Pipeline, neo4j_plant: GraphStore, history: HistoryStore
) -> None:
    source = MemorySource("plant")
    payloads = [
        orjson.dumps({"twin": twin, "signal": signal, "time": T0_US // 1000 + i, "value": value})
        for i, (twin, signal, value) in enumerate(
            [
                ("machine/m1", "speed", 1200.0),
                ("EQ-1", "faultCode", 0),
                ("machine/m2", "faultCode", 4),
                ("machine/m1", "speed", 1300.0),
                ("machine/p1", "speed", 1.0),  # retired
            ]
        )
    ]
    source.put(payloads)
    source.close()
    worker = Worker(source, committer(pipeline, neo4j_plant, history, None), WorkerSettings())
    stats = await asyncio.wait_for(worker.run(), 60)
    assert dict(stats.rejected) == {"retired_twin": 1}
    m1 = neo4j_plant.get_signals("machine/m1")
    assert (m1["speed"].value, m1["mode"].value) == (1300.0, "RUNNING")
    assert neo4j_plant.get_signals("machine/m2")["mode"].value == "FAULT"
    raw = history.raw(SeriesKey("machine/m1", "speed"), START, END)
    assert raw.value.tolist() == [1200.0, 1300.0]
    (retired,) = history.events(["machine/p1"], START, END).items
    assert retired.code == "retired_data"
