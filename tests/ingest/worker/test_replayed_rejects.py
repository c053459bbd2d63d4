"""Issue 9: nothing doubled while a Kafka partition changes hands or is replayed.

Against the real Kafka and both history stores (DuckDB in memory, the test QuestDB). While
a partition changes hands, the new owner may read history's offsets before the old owner's
batch in flight is written, and then fuse and write the same offsets again, cut into other
batches. Samples are kept once by (twin, signal, time) and events by (twin, kind, code,
time); a refused sample is kept once by its record's coordinates (``Reject.item``), not by
the batch that wrote it. A member that starts over offsets history holds (a lost offset
commit) writes no history at all (``state_only``): its rejects are not written again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import orjson
import pytest

from ingest.codecs import JsonCodec, RawRecord
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import KafkaSource, KafkaSourceSettings, SourceBatch
from ingest.worker import BatchCommitter, Worker, WorkerSettings
from ontology import GraphStore
from ontology.history import (
    DuckDBHistoryStore,
    HistoryStore,
    QuestDBHistoryStore,
    Reject,
    SeriesKey,
    SourceKind,
    SourcePosition,
)
from tests._services import QuestDBAddress, unique_name
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import WAIT_S, produce, run_until
from tests.ingest.worker.test_worker import END, NOW, START
from tests.ontology.history.conftest import questdb_history_settings

T0_MS = T0_US // 1000
RECORDS = 30
TWINS = ("machine/m1", "machine/m2", "sensor/t1")


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("questdb", id="questdb", marks=pytest.mark.questdb),
    ]
)
def store(request: pytest.FixtureRequest) -> Iterator[HistoryStore]:
    if request.param == "duckdb":
        duck = DuckDBHistoryStore()
        yield duck
        duck.close()
        return
    where: QuestDBAddress = request.getfixturevalue("questdb")
    quest = QuestDBHistoryStore(questdb_history_settings(where, prefix=unique_name("t")))
    yield quest
    quest.drop_tables()
    quest.close()


def records() -> list[tuple[str, bytes]]:
    """Three samples a record, the second out of ``speed``'s range (refused, item 1); every
    7th record is not JSON (refused whole, item -1) and every 10th names an unknown twin
    (all three refused, items 0-2)."""
    out = []
    for i in range(RECORDS):
        twin = "machine/nobody" if i % 10 == 9 else TWINS[i % 3]
        at = T0_MS + 10 * i
        doc = {
            "time": at,
            "samples": [
                {"signal": "speed", "value": float(i)},
                {"signal": "speed", "value": 99_999.0, "time": at + 1},
                {"signal": "faultCode", "value": i % 2, "time": at + 2},
            ],
        }
        out.append((twin, b"{not json" if i % 7 == 6 else orjson.dumps(doc)))
    return out


def committer(pipeline: Pipeline, graph: GraphStore, history: HistoryStore, feed: str, later: int
) -> BatchCommitter:  # fmt: skip
    return BatchCommitter(
        fusion=Fusion(pipeline, graph), graph=graph, history=history, feed=None,
        codec=JsonCodec(), feed_name=feed, principal="tester",
        clock=lambda: NOW + timedelta(seconds=later),
    )  # fmt: skip


def member(
    bootstrap: str,
    topic: str,
    group: str,
    stores: tuple[Pipeline, GraphStore, HistoryStore],
    max_records: int,
) -> Worker:
    """A worker of its own consumer group ``{topic}-{group}`` (from the topic's start)."""
    pipeline, graph, history = stores
    source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=f"{topic}-{group}"), history)
    later = {"old": 0, "restart": 2}[group]
    return Worker(
        source,
        committer(pipeline, graph, history, source.feed, later=later),
        WorkerSettings(max_records=max_records, fetch_timeout_s=0.1),
    )


def drained(worker: Worker) -> bool:
    return worker.stats.records >= RECORDS and worker.stats.acked_batches == worker.stats.batches


def all_rejects(history: HistoryStore) -> list[Reject]:
    page = history.rejects(START, END, first=7)
    seen = list(page.items)
    while page.next_cursor:
        page = history.rejects(START, END, first=7, after=page.next_cursor)
        seen.extend(page.items)
    return seen


@pytest.mark.kafka
async def test_offsets_fused_twice_in_other_batches_keep_each_reject_sample_and_event_once(
    kafka_bootstrap: str,
    kafka_topic: str,
    pipeline: Pipeline,
    plant_store: GraphStore,
    store: HistoryStore,
) -> None:
    await produce(kafka_bootstrap, kafka_topic, records())
    # the new owner: joined, read history's offsets (none yet) and fused every record in
    # batches of its own cut while the old owner's writes were still in flight
    settings = KafkaSourceSettings(kafka_bootstrap, kafka_topic, group=f"{kafka_topic}-new")
    new = KafkaSource(settings, store)
    await new.start()
    fetched: list[SourceBatch] = []
    try:
        async with asyncio.timeout(WAIT_S):
            while sum(len(b.records) for b in fetched) < RECORDS:
                batch = await new.fetch(RECORDS, 0.5)
                if batch is not None:
                    fetched.append(batch)
    finally:
        await new.stop()
    assert not any(b.state_only for b in fetched)
    late = committer(pipeline, plant_store, store, new.feed, later=1)
    late.prepare(fetched[0])

    # the old owner writes the same offsets in batches of 7 records (and acknowledges them)
    old = member(kafka_bootstrap, kafka_topic, "old", (pipeline, plant_store, store), 7)
    await run_until(old, lambda: drained(old))
    first_counts = dict(store.reject_counts(START, END))
    first_rejects = all_rejects(store)
    assert sum(first_counts.values()) == len(first_rejects) > RECORDS

    for batch in fetched:  # then the new owner's writes land
        late.commit(batch)
    assert dict(store.reject_counts(START, END)) == first_counts
    again = all_rejects(store)
    names = Counter((r.offset, r.item) for r in again)
    assert sorted(names) == sorted((r.offset, r.item) for r in first_rejects)
    assert set(names.values()) == {1}
    # as the later run wrote them; both runs' batch records stay (each is a run that happened)
    assert {r.batch for r in again}.isdisjoint(r.batch for r in first_rejects)
    assert len(store.batches(START, END, first=100).items) == old.stats.batches + len(fetched)
    for t, twin in enumerate(TWINS):
        times = store.raw(SeriesKey(twin, "speed"), START, END).time.tolist()
        assert len(times) == sum(1 for i in range(t, RECORDS, 3) if i % 10 != 9 and i % 7 != 6)
    events = store.events(None, START, END, first=1000).items
    assert len({(e.twin, e.kind, e.code, e.time) for e in events}) == len(events) > 0

    # a member starting over offsets history holds (the old owner's acknowledgement lost)
    # replays them into state only: no reject written again, no batch record
    batches_before = len(store.batches(START, END, first=100).items)
    restart = member(kafka_bootstrap, kafka_topic, "restart", (pipeline, plant_store, store), 11)
    await run_until(restart, lambda: drained(restart))
    assert restart.stats.batches > 0
    assert dict(store.reject_counts(START, END)) == first_counts
    assert len(store.batches(START, END, first=100).items) == batches_before


def test_positions_that_count_again_per_process_name_no_item_so_no_reject_is_lost(
    pipeline: Pipeline, plant_store: GraphStore
) -> None:
    """MQTT and simulator positions count from 0 in each process: two runs' records at the
    same positions are other records, and their rejects are all kept."""
    history = DuckDBHistoryStore()
    try:
        for run, kind in enumerate((SourceKind.MQTT, SourceKind.MQTT, SourceKind.SIMULATOR)):
            raws = tuple(
                RawRecord(i, orjson.dumps({"signal": "speed", "time": T0_MS + run, "value": 1}),
                          twin=f"machine/unknown{run}-{i}")
                for i in range(3)
            )  # fmt: skip
            at = NOW + timedelta(seconds=run)
            place = SourcePosition(kind, topic="m", first_offset=0, last_offset=2)
            one = committer(pipeline, plant_store, history, "mqtt", later=run)
            one.commit(SourceBatch(raws, place, at))
        found = all_rejects(history)
        assert len(found) == 9
        assert {r.item for r in found} == {None}
        assert dict(history.reject_counts(START, END)) == {"unknown_twin": 9}
    finally:
        history.close()
