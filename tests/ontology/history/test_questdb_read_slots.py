"""The QuestDB store's reads at once (``_read_slots``): up to ``readers`` reads run together,
each on connections of its own, a further one waits for a slot; and reads made while
another thread (or another store) writes never miss a write that finished before they
began (another store's: before they began less ``read_cache_stale_ms``, with the cache on),
with the read cache on or off."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import duckdb
import pytest

from ontology.history import Agg, QuestDBHistorySettings, QuestDBHistoryStore, SeriesKey
from ontology.history.questdb._read_slots import ReadSlots
from ontology.history.questdb._samples import SampleReader
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import T0, batch

WAIT_S = 30.0
KEY = SeriesKey("plant/m1", "power")
WRITES = 12
"""Batches the writer writes while the readers read (one minute of one sample each)."""


def test_up_to_readers_reads_run_at_once_and_a_further_one_waits() -> None:
    engine = duckdb.connect(":memory:")
    slots = ReadSlots(QuestDBHistorySettings(readers=3), engine, "t")
    inside = threading.Barrier(3, timeout=WAIT_S)  # passes only with 3 reads in at once
    release = threading.Event()
    seen: list[SampleReader] = []

    def read(samples: SampleReader) -> SampleReader:
        seen.append(samples)
        if len(seen) <= 3:
            inside.wait()
            release.wait(WAIT_S)
        return samples

    try:
        with ThreadPoolExecutor(4) as pool:
            first = [pool.submit(slots.run, read) for _ in range(3)]
            while len(seen) < 3 or inside.n_waiting:  # the three are in, past the barrier
                threading.Event().wait(0.001)
            fourth = pool.submit(slots.run, read)
            while slots.waits == 0:  # it found no free slot
                threading.Event().wait(0.001)
            assert len(seen) == 3 and not fourth.done()
            release.set()
            readers = [f.result(WAIT_S) for f in first]
            assert len({id(r) for r in readers}) == 3  # each on a slot of its own
            assert fourth.result(WAIT_S) in readers  # then on one of theirs
        assert slots.waits == 1
    finally:
        slots.close()
        engine.close()


def test_a_failed_read_gives_its_slot_back() -> None:
    engine = duckdb.connect(":memory:")
    slots = ReadSlots(QuestDBHistorySettings(readers=1), engine, "t")

    def fail(_: SampleReader) -> None:
        raise ValueError("bad read")

    try:
        with pytest.raises(ValueError, match="bad read"):
            slots.run(fail)
        assert slots.run(lambda samples: samples) is not None  # the one slot is free again
    finally:
        slots.close()
        engine.close()


def _rows(minute: int) -> list[Row]:
    return [Row(KEY.twin, KEY.signal, us(T0) + minute * 60_000_000, float(minute))]


def _minutes(store: QuestDBHistoryStore) -> int:
    (series,) = store.range([KEY], T0, T0 + timedelta(hours=1), timedelta(minutes=1), [Agg.COUNT])
    return len(series.start)


@pytest.fixture(
    params=[(64, 0), (64, QuestDBHistorySettings().read_cache_stale_ms), (0, 0)],
    ids=["cached-strict", "cached-stale-bound", "uncached"],
)
def stores(
    request: pytest.FixtureRequest, questdb: QuestDBAddress
) -> Iterator[QuestDBHistorySettings]:
    base = questdb_history_settings(questdb, prefix=unique_name("t"))
    cache, stale_ms = request.param
    yield replace(base, readers=3, read_cache=cache, read_cache_stale_ms=stale_ms)
    cleaner = QuestDBHistoryStore(base)
    cleaner.drop_tables()
    cleaner.close()


@pytest.mark.questdb
@pytest.mark.parametrize("same_store", [True, False], ids=["own-writes", "another-store"])
def test_reads_at_once_see_every_write_finished_before_they_began(
    stores: QuestDBHistorySettings, same_store: bool
) -> None:
    writer = QuestDBHistoryStore(stores)
    reader = writer if same_store else QuestDBHistoryStore(stores)
    # when each write finished (and, for another store, was applied by the server)
    finished: list[float] = []
    # another store's writes may be missed for this long after (``read_cache_stale_ms``)
    bound = 0.0 if same_store or not stores.read_cache else stores.read_cache_stale_ms / 1000
    stop = threading.Event()
    checked: list[tuple[int, int]] = []

    def write() -> None:
        try:
            for minute in range(WRITES):
                writer.write_batch(batch(f"b{minute}", 1), samples(_rows(minute)))
                if not same_store:
                    writer.as_of([KEY], T0)  # returns once the server applied them
                finished.append(time.monotonic())
        finally:
            stop.set()

    def read() -> None:
        while not stop.is_set():
            began = time.monotonic()
            # at least this many were written (applied) more than ``bound`` before it began
            before = sum(1 for at in list(finished) if at <= began - bound)
            checked.append((before, _minutes(reader)))

    try:
        with ThreadPoolExecutor(5) as pool:
            readers: list[Future[None]] = [pool.submit(read) for _ in range(4)]
            pool.submit(write).result(WAIT_S * 4)
            for future in readers:
                future.result(WAIT_S)
        assert checked and all(seen >= before for before, seen in checked), [
            c for c in checked if c[1] < c[0]
        ]
        assert any(before > 0 for before, _ in checked)  # the reads overlapped the writes
        # the last write is another store's to see once more than ``bound`` has passed
        time.sleep(max(0.0, finished[-1] + bound - time.monotonic()) + 0.001 if bound else 0.0)
        assert _minutes(reader) == WRITES
    finally:
        if reader is not writer:
            reader.close()
        writer.close()
