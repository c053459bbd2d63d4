"""``twinweave ingest`` from the real Kafka into Neo4j (state) and QuestDB (history).

The environment chooses the stores (``TWINWEAVE_GRAPH_STORE=neo4j``,
``TWINWEAVE_HISTORY_STORE=questdb``); the test's Neo4j namespace comes from
``TWINWEAVE_NEO4J_NAMESPACE``, its QuestDB tables' prefix from
``TWINWEAVE_QUESTDB_PREFIX``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import yaml

from ontology import Neo4jStore, Neo4jStoreSettings
from ontology.history import QuestDBHistoryStore, SeriesKey
from tests._services import QuestDBAddress
from tests.ingest.conftest import PIPELINE_DOC, T0_US, build_plant
from tests.ingest.worker._kafka import produce
from tests.ingest.worker.test_worker import END, START
from tests.ontology.history.conftest import questdb_history_settings
from twinweave.cli import main

pytestmark = [pytest.mark.kafka, pytest.mark.neo4j, pytest.mark.questdb]
T0_MS = T0_US // 1000


@pytest.fixture
def production(
    neo4j_uri: str,
    neo4j_namespace: str,
    questdb: QuestDBAddress,
    questdb_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Neo4jStore]:
    """The environment of a production worker; the test plant in its Neo4j namespace."""
    for name in os.environ:
        if name.startswith("TWINWEAVE_") and not name.startswith("TWINWEAVE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TWINWEAVE_GRAPH_STORE", "neo4j")
    monkeypatch.setenv("TWINWEAVE_NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("TWINWEAVE_NEO4J_NAMESPACE", neo4j_namespace)
    monkeypatch.setenv("TWINWEAVE_HISTORY_STORE", "questdb")
    monkeypatch.setenv("TWINWEAVE_QUESTDB_HTTP", questdb.http)
    monkeypatch.setenv("TWINWEAVE_QUESTDB_PG", questdb.pg)
    monkeypatch.setenv("TWINWEAVE_QUESTDB_PREFIX", questdb_prefix)
    store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    build_plant(store)
    yield store
    store.close()


async def test_ingest_runs_on_neo4j_and_questdb(
    production: Neo4jStore,
    questdb: QuestDBAddress,
    questdb_prefix: str,
    kafka_bootstrap: str,
    kafka_topic: str,
    tmp_path: Path,
) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(yaml.safe_dump(PIPELINE_DOC, sort_keys=False), encoding="utf-8")
    speeds = [float(1000 + i) for i in range(40)]
    records = [
        ("machine/m1", orjson.dumps({"signal": "speed", "time": T0_MS + i, "value": v}))
        for i, v in enumerate(speeds)
    ]
    records.append(("machine/m2", orjson.dumps({"signal": "faultCode", "time": T0_MS, "value": 3})))
    await produce(kafka_bootstrap, kafka_topic, records)
    address = f"kafka://{kafka_bootstrap}/{kafka_topic}"
    args = ["ingest", "--source", address, "--group", f"{kafka_topic}-g", "--pipeline"]
    code = await asyncio.to_thread(main, [*args, str(pipeline), "--exit-when-idle", "1", "-q"])
    assert code == 0
    m1 = production.get_signals("machine/m1")
    assert (m1["speed"].value, m1["mode"].value) == (speeds[-1], "RUNNING")
    assert production.get_signals("machine/m2")["mode"].value == "FAULT"
    history = QuestDBHistoryStore(questdb_history_settings(questdb, questdb_prefix))
    try:
        assert history.raw(SeriesKey("machine/m1", "speed"), START, END).value.tolist() == speeds
        codes = {(e.twin, e.code) for e in history.events(None, START, END).items}
        assert {("machine/m1", "STOP->RUNNING"), ("machine/m2", "STOP->FAULT")} <= codes
        assert history.committed_offsets(kafka_topic) == {0: len(records) - 1}
    finally:
        history.close()
