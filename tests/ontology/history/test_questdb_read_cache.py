"""The QuestDB store's read cache (``_read_cache``): a read asked again while no write reached
its tables is answered from the cache, and a write by any store (another process's too) is
seen by the next read; threads missing the same read at the same stamp at once share one
read."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest

from ontology.history import (
    Agg,
    AsOf,
    HistoryInputError,
    HistoryUnavailableError,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    SeriesKey,
)
from ontology.history._arrays import as_of_arrays
from ontology.history.questdb._read_cache import MAX_ANSWER_CELLS, ReadCache
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import T0, batch

KEY = SeriesKey("plant/m1", "power")
WAIT_S = 30.0


def _rows(first_minute: int, minutes: int, value: float) -> list[Row]:
    start = us(T0) + first_minute * 60_000_000
    return [Row(KEY.twin, KEY.signal, start + i * 60_000_000, value + i) for i in range(minutes)]


def _means(store: QuestDBHistoryStore) -> list[float]:
    (series,) = store.range([KEY], T0, T0 + timedelta(hours=1), timedelta(minutes=1), [Agg.MEAN])
    return [float(v) for v in series.values[Agg.MEAN]]


@pytest.mark.questdb
def test_a_read_asked_again_comes_from_the_cache_until_another_store_writes(
    questdb: QuestDBAddress,
) -> None:
    # strict: another store's write is seen by the next read once applied (no stale bound)
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    settings = replace(settings, read_cache_stale_ms=0)
    reader, writer = QuestDBHistoryStore(settings), QuestDBHistoryStore(settings)
    try:
        writer.write_batch(batch("b1", 10), samples(_rows(0, 10, 1.0)))
        writer.as_of([KEY], T0)  # returns once the server applied the writer's tables
        first = _means(reader)
        assert first == [1.0 + i for i in range(10)]
        assert reader.read_cache_hits == 0
        assert _means(reader) == first
        assert reader.read_cache_hits == 1
        at = T0 + timedelta(minutes=30)
        before = reader.as_of([KEY], at)
        again = reader.as_of([KEY], at)
        assert reader.read_cache_hits == 2
        assert again.value.tolist() == before.value.tolist() == [10.0]
        assert not again.value.flags.writeable  # shared between callers: read-only

        # another store (another process) writes: the next reads see it, not the kept answers
        writer.write_batch(batch("b2", 10), samples(_rows(20, 10, 100.0)))
        writer.as_of([KEY], at)  # the writer's tables applied (read your writes)
        hits = reader.read_cache_hits
        assert _means(reader) == first + [100.0 + i for i in range(10)]
        assert reader.as_of([KEY], at).value.tolist() == [109.0]
        assert reader.read_cache_hits == hits
    finally:
        writer.drop_tables()
        writer.close()
        reader.close()


_WRITE_IN_ANOTHER_PROCESS = """
import json, sys
from ontology.history import QuestDBHistorySettings, QuestDBHistoryStore
from tests.ontology.history._reference import samples
from tests.ontology.history.test_contract_samples import batch
from tests.ontology.history.test_questdb_read_cache import KEY, T0, _rows
store = QuestDBHistoryStore(QuestDBHistorySettings(**json.loads(sys.argv[1])))
store.write_batch(batch("other", 10), samples(_rows(20, 10, 100.0)))
store.as_of([KEY], T0)  # returns once the server applied the write
store.close()
"""


def _write_in_another_process(settings: QuestDBHistorySettings) -> None:
    """Ten minutes (20-29, values 100 on) written by a process of its own, applied."""
    fields = {k: v for k, v in asdict(settings).items() if k != "retention"}
    subprocess.run(
        [sys.executable, "-c", _WRITE_IN_ANOTHER_PROCESS, json.dumps(fields)],
        check=True,
        timeout=WAIT_S * 4,
    )


@pytest.mark.questdb
def test_another_process_write_is_seen_within_the_stale_bound_and_own_writes_at_once(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    assert settings.read_cache_stale_ms > 0  # the default: the bound in force
    bound = settings.read_cache_stale_ms / 1000
    store = QuestDBHistoryStore(settings)
    try:
        store.write_batch(batch("b1", 10), samples(_rows(0, 10, 1.0)))
        first = _means(store)  # its own write: seen at once
        assert first == [1.0 + i for i in range(10)]
        assert _means(store) == first
        hits = store.read_cache_hits
        assert hits >= 1

        _write_in_another_process(settings)
        applied = time.monotonic()
        while time.monotonic() <= applied + bound:  # the documented bound passes
            time.sleep(bound / 4)
        other = [100.0 + i for i in range(10)]
        assert _means(store) == first + other  # seen, not the kept answer

        # its own write again: seen by the very next read, whatever the stamp's age
        store.write_batch(batch("b2", 5), samples(_rows(40, 5, 500.0)))
        assert _means(store) == first + other + [500.0 + i for i in range(5)]
    finally:
        store.drop_tables()
        store.close()


@pytest.mark.questdb
def test_kept_range_answers_without_a_query_only_what_range_would(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(replace(settings, read_cache_stale_ms=10_000))
    strict = QuestDBHistoryStore(replace(settings, read_cache_stale_ms=0))
    window = (T0, T0 + timedelta(hours=1), timedelta(minutes=1), (Agg.MEAN,))
    try:
        store.write_batch(batch("b1", 10), samples(_rows(0, 10, 1.0)))
        assert store.kept_range([KEY], window) is None  # a write left to apply: not told
        (read,) = store.range([KEY], *window)
        (kept,) = store.kept_range([KEY], window) or ((),)
        assert kept is read  # the kept answer itself, no query made for it
        assert store.kept_range([SeriesKey("plant/m2", "power")], window) is None
        store.write_batch(batch("b2", 5), samples(_rows(40, 5, 500.0)))
        assert store.kept_range([KEY], window) is None  # its own write: never the old one
        (again,) = store.range([KEY], *window)
        assert len(again.start) == 15
        strict.range([KEY], *window)
        assert strict.kept_range([KEY], window) is None  # strict: a stamp a read, always
    finally:
        store.drop_tables()
        store.close()
        strict.close()


@pytest.mark.questdb
def test_reads_within_the_stale_bound_share_one_stamp_query(questdb: QuestDBAddress) -> None:
    base = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(base)  # creates the tables
    cache = ReadCache(replace(base, read_cache_stale_ms=10_000), [f"{base.prefix}_samples"])
    strict = ReadCache(replace(base, read_cache_stale_ms=0), [f"{base.prefix}_samples"])
    try:
        stamps = {cache.stamp() for _ in range(20)}
        assert len(stamps) == 1 and cache.stamps_asked == 1  # one query for 20 reads
        assert {strict.stamp() for _ in range(5)} == stamps
        assert strict.stamps_asked == 5  # strict: one a read
    finally:
        cache.close()
        strict.close()
        store.drop_tables()
        store.close()


@pytest.mark.questdb
def test_the_cache_can_be_turned_off(questdb: QuestDBAddress) -> None:
    base = questdb_history_settings(questdb, prefix=unique_name("t"))
    fields = {n: getattr(base, n) for n in ("host", "http_port", "pg_port", "user", "password")}
    store = QuestDBHistoryStore(QuestDBHistorySettings(**fields, prefix=base.prefix, read_cache=0))
    try:
        store.write_batch(batch("b1", 5), samples(_rows(0, 5, 1.0)))
        assert _means(store) == _means(store) == [1.0 + i for i in range(5)]
        answer = store.as_of([KEY], T0 + timedelta(minutes=10))
        assert store.read_cache_hits == 0
        assert np.array_equal(answer.value, [5.0])
    finally:
        store.drop_tables()
        store.close()


def test_read_cache_size_and_stale_bound_are_checked() -> None:
    with pytest.raises(HistoryInputError, match="read_cache"):
        QuestDBHistorySettings(read_cache=-1)
    with pytest.raises(HistoryInputError, match="read_cache_stale_ms"):
        QuestDBHistorySettings(read_cache_stale_ms=-1)
    with pytest.raises(HistoryInputError, match="read_cache_stale_ms"):
        QuestDBHistorySettings(read_cache_stale_ms=10_001)


def _nothing_found(count: int) -> AsOf:
    """An ``as_of`` answer of ``count`` series with no sample."""
    keys = [SeriesKey(f"t{i}", "power") for i in range(count)]
    return as_of_arrays(keys, pa.table({"position": pa.array([], type=pa.int64())}))


STAMP = ((1, "t_samples", 5),)


@pytest.mark.parametrize("count", [3, MAX_ANSWER_CELLS + 1], ids=["kept", "too-large"])
def test_threads_missing_one_read_at_one_stamp_at_once_share_one_read(count: int) -> None:
    cache = ReadCache(QuestDBHistorySettings(), ["t_samples"])
    reads: list[int] = []
    release = threading.Event()

    def read() -> AsOf:
        reads.append(1)
        release.wait(WAIT_S)  # until the other threads joined
        return _nothing_found(count)

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(cache.answer, "k", STAMP, read)
        while not reads:
            time.sleep(0.001)
        others = [pool.submit(cache.answer, "k", STAMP, read) for _ in range(3)]
        while cache.joined < 3:
            time.sleep(0.001)
        release.set()
        answers = [f.result(WAIT_S) for f in [first, *others]]
    assert len(reads) == 1
    assert all(a is answers[0] for a in answers)
    assert not answers[0].found.flags.writeable  # handed to four threads: read-only
    # a later read at the same stamp is kept (or read again, if too large to keep); at
    # another stamp (a write reached the tables) it is read again
    again = cache.answer("k", STAMP, read)
    assert (again is answers[0]) == (count == 3)
    cache.answer("k", ((1, "t_samples", 6),), read)
    assert len(reads) == (2 if count == 3 else 3)


def test_a_failed_shared_read_fails_every_thread_that_joined_it_and_is_not_kept() -> None:
    cache = ReadCache(QuestDBHistorySettings(), ["t_samples"])
    started, release = threading.Event(), threading.Event()

    def fail() -> AsOf:
        started.set()
        release.wait(WAIT_S)
        raise HistoryUnavailableError("QuestDB went away")

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.answer, "k", STAMP, fail)
        started.wait(WAIT_S)
        joined = pool.submit(cache.answer, "k", STAMP, fail)
        while cache.joined < 1:
            time.sleep(0.001)
        release.set()
        for future in (first, joined):
            with pytest.raises(HistoryUnavailableError, match="went away"):
                future.result(WAIT_S)
    answer = cache.answer("k", STAMP, lambda: _nothing_found(2))
    assert answer.found.tolist() == [False, False]
