"""The history store or the graph store down mid-stream (a QuestDB or a Neo4j of the test's
own, killed with -9, then started again): the worker stops acknowledging, backs off, resumes
when the store returns; history has each sample once and the state equals a full replay."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from devtools.services._private import PrivateService
from ingest.pipeline import Pipeline
from ingest.sources import MemorySource
from ingest.worker import Worker, WorkerSettings
from ontology import GraphStore, MemoryStore, Neo4jStore, Neo4jStoreSettings
from ontology.history import (
    DuckDBHistoryStore,
    HistoryStore,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    SeriesKey,
)
from tests.ingest.conftest import T0_US, build_plant
from tests.ingest.worker._kafka import WAIT_S
from tests.ingest.worker.test_worker import END, START, committer

pytestmark = pytest.mark.slow
TWINS = ("machine/m1", "machine/m2", "sensor/t1", "line/l1")
SIGNALS = ("faultCode", "speed")
PER_PUT = 150
SETTINGS = WorkerSettings(max_records=20, fetch_timeout_s=0.05, backoff_max_s=0.5)


def payloads(start: int, stop: int) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "twin": TWINS[i % len(TWINS)],
                "signal": SIGNALS[(i // len(TWINS)) % 2],
                "time": T0_US // 1000 + i,
                "value": (i // 11) % 3 if SIGNALS[(i // len(TWINS)) % 2] == "faultCode" else i % 40,
            }
        )
        for i in range(start, stop)
    ]


def series(history: HistoryStore) -> dict[tuple[str, str], list[tuple[int, float]]]:
    out = {}
    for twin in TWINS:
        for name in SIGNALS:
            raw = history.raw(SeriesKey(twin, name), START, END)
            out[(twin, name)] = list(
                zip(raw.time.astype("int64").tolist(), raw.value.tolist(), strict=True)
            )
    return out


def state(graph: GraphStore) -> dict[str, dict[str, object]]:
    return {
        t: {k: v.value for k, v in graph.get_signals(t).items() if not _nan(v.value)} for t in TWINS
    }


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


async def until(check: Callable[[], bool], running: asyncio.Future[object]) -> None:
    async with asyncio.timeout(2 * WAIT_S):
        while not check():
            if running.done():
                running.result()
            await asyncio.sleep(0.05)


async def store_down_and_back(
    server: PrivateService, pipeline: Pipeline, graph: GraphStore, history: HistoryStore
) -> Worker:
    """Feed 2 x PER_PUT records; the server is killed after the first part is acknowledged and
    started again once the worker has backed off a few times with nothing acknowledged."""
    source = MemorySource("plant")
    worker = Worker(source, committer(pipeline, graph, history, None), SETTINGS)
    running: asyncio.Future[object] = asyncio.ensure_future(worker.run())
    try:
        source.put(payloads(0, PER_PUT))
        await until(lambda: source.acked >= PER_PUT // 2, running)
        await asyncio.to_thread(server.kill)
        source.put(payloads(PER_PUT, 2 * PER_PUT))
        await until(lambda: worker.stats.retries >= 1, running)  # after the store's own retries
        acked = source.acked
        await asyncio.sleep(1.0)  # the worker backs off meanwhile
        assert source.acked == acked < 2 * PER_PUT - 1  # nothing acknowledged while it is down
        await asyncio.to_thread(server.start)
        await until(lambda: source.acked == 2 * PER_PUT - 1, running)
    finally:
        worker.stop()
        await asyncio.wait_for(running, WAIT_S)
    return worker


def replay(pipeline: Pipeline) -> tuple[dict[str, dict[str, object]], dict[object, object]]:
    """State and history of a full replay of the same records into fresh embedded stores."""
    graph, history = build_plant(MemoryStore()), DuckDBHistoryStore()
    source = MemorySource("plant")
    source.put(payloads(0, 2 * PER_PUT))
    source.close()
    asyncio.run(Worker(source, committer(pipeline, graph, history, None)).run())
    try:
        return state(graph), dict(series(history))
    finally:
        history.close()


@pytest.mark.questdb
def test_questdb_killed_and_restarted_the_worker_backs_off_and_loses_nothing(
    own_questdb: PrivateService, pipeline: Pipeline, plant_store: GraphStore
) -> None:
    settings = QuestDBHistorySettings(
        http_port=own_questdb.ports["questdb"],
        pg_port=own_questdb.ports["questdb_pg"],
        prefix="fault",
        retry_ms=300,
        apply_timeout_s=20,
    )
    history = QuestDBHistoryStore(settings)
    try:
        worker = asyncio.run(store_down_and_back(own_questdb, pipeline, plant_store, history))
        assert "HistoryUnavailableError" in (worker.stats.last_error or "")
        expected_state, expected_series = replay(pipeline)
        assert dict(series(history)) == expected_series  # each sample once, none missing
        assert state(plant_store) == expected_state
    finally:
        history.close()


@pytest.mark.neo4j
def test_neo4j_killed_and_restarted_the_worker_backs_off_and_loses_nothing(
    own_neo4j: PrivateService, pipeline: Pipeline, history: HistoryStore, tmp_path: Path
) -> None:
    # The store gives up on a transaction after 3 s of transient failures (15 s by default),
    # so the worker sees Neo4j gone and backs off sooner; what is checked is the same.
    uri = f"bolt://127.0.0.1:{own_neo4j.port}"
    graph = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace="f", retry_ms=3000))
    try:
        build_plant(graph)
        worker = asyncio.run(store_down_and_back(own_neo4j, pipeline, graph, history))
        assert "StoreUnavailableError" in (worker.stats.last_error or "")
        expected_state, expected_series = replay(pipeline)
        assert dict(series(history)) == expected_series
        assert state(graph) == expected_state
    finally:
        graph.close()
