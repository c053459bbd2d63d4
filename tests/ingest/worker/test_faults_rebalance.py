"""Two worker processes of one consumer group; the first is killed with SIGKILL while the
group rebalances for the second: the survivor takes its partitions over, every sample is in
history (the real QuestDB) once, the state (the real Neo4j) is the last value per key, and
the rollups equal a recomputation from all leaves."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import IO

import orjson
import pytest

from ontology import Aggregate, GraphStore, Neo4jStore, Neo4jStoreSettings, RollupSpec
from ontology.history import QuestDBHistorySettings, QuestDBHistoryStore, SeriesKey
from tests._services import QuestDBAddress
from tests._shared import REPO
from tests.ingest.conftest import T0_US, build_plant
from tests.ingest.worker._kafka import produce
from tests.ingest.worker.test_worker import END, START

pytestmark = [
    pytest.mark.kafka(partitions=2),
    pytest.mark.neo4j,
    pytest.mark.questdb,
    pytest.mark.slow,
]
TWINS = ("machine/m1", "machine/m2", "sensor/t1", "line/l1")
PER_TWIN = 120
WAIT_S = 300.0  # a guard against hanging, not a timing assertion: at load 7-16 on two cores
# a member with a cold numba cache printed no batch within 120 s


@pytest.fixture
def neo4j_plant(neo4j_uri: str, neo4j_namespace: str) -> Iterator[GraphStore]:
    store = Neo4jStore(Neo4jStoreSettings(uri=neo4j_uri, namespace=neo4j_namespace))
    build_plant(store)
    store.define_rollup(
        RollupSpec(name="faultsTotal", signal="faultCode", aggregate=Aggregate.SUM), principal="t"
    )
    yield store
    store.close()


def start_member(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWINWEAVE_")}
    command = [sys.executable, "-m", "tests.ingest.worker._member", *args]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def read_lines(stream: IO[str] | None, count: int, prefix: str) -> None:
    """Read ``stream`` until ``count`` lines starting with ``prefix`` came."""
    assert stream is not None
    deadline = time.monotonic() + WAIT_S
    seen = 0
    while seen < count and time.monotonic() < deadline:
        line = stream.readline()
        assert line, "the member ended early"
        seen += line.startswith(prefix)
    assert seen == count


def test_a_member_killed_during_a_rebalance_the_survivor_takes_over(
    kafka_bootstrap: str, kafka_topic: str, neo4j_uri: str, neo4j_namespace: str,
    neo4j_plant: GraphStore, questdb: QuestDBAddress, questdb_prefix: str,
) -> None:  # fmt: skip
    records = [
        (twin, orjson.dumps({"signal": "faultCode", "time": T0_US // 1000 + i, "value": i % 5}))
        for i in range(PER_TWIN)
        for twin in TWINS
    ]
    half = len(records) // 2
    asyncio.run(produce(kafka_bootstrap, kafka_topic, records[:half]))
    args = (
        kafka_bootstrap, kafka_topic, neo4j_uri, neo4j_namespace,
        str(questdb.http_port), str(questdb.pg_port), questdb_prefix,
    )  # fmt: skip
    first = start_member(*args)
    second: subprocess.Popen[str] | None = None
    try:
        read_lines(first.stdout, 3, "batch ")
        second = start_member(*args)  # it joins: the group rebalances
        read_lines(first.stdout, 1, "revoked ")  # the first gave its partitions up for it
        first.send_signal(signal.SIGKILL)  # in the middle of the rebalance
        first.wait(WAIT_S)
        asyncio.run(produce(kafka_bootstrap, kafka_topic, records[half:]))  # more for the survivor
        history = QuestDBHistoryStore(
            QuestDBHistorySettings(
                http_port=questdb.http_port, pg_port=questdb.pg_port, prefix=questdb_prefix
            )
        )
        try:
            deadline = time.monotonic() + WAIT_S
            while sum(len(_series(history, t)) for t in TWINS) < len(records):
                assert second.poll() is None, "the survivor ended"
                assert time.monotonic() < deadline, "the survivor did not take over"
                time.sleep(0.2)
            second.send_signal(signal.SIGTERM)
            told, _ = second.communicate(timeout=WAIT_S)
            assert second.returncode == 0
            assert "assigned [0, 1]" in told  # the survivor holds both partitions
            for twin in TWINS:
                assert _series(history, twin) == [float(i % 5) for i in range(PER_TWIN)]
        finally:
            history.close()
    finally:
        for member in (first, second):
            if member is not None:
                if member.poll() is None:
                    member.kill()
                    member.wait()
                if member.stdout is not None:
                    member.stdout.close()
    for twin in TWINS:
        assert neo4j_plant.get_signals(twin)["faultCode"].value == float((PER_TWIN - 1) % 5)
    parents = ("line/l1", "line/l2", "site/s1")
    rolled = {t: neo4j_plant.get_signals(t).get("faultsTotal") for t in parents}
    assert any(v is not None for v in rolled.values())
    neo4j_plant.recompute_rollups()
    again = {t: neo4j_plant.get_signals(t).get("faultsTotal") for t in parents}
    assert {t: v.value if v else None for t, v in rolled.items()} == {
        t: v.value if v else None for t, v in again.items()
    }


def _series(history: QuestDBHistoryStore, twin: str) -> list[float]:
    values: list[float] = history.raw(SeriesKey(twin, "faultCode"), START, END).value.tolist()
    return values
