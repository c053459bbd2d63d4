"""The QuestDB store's read cache (``_read_cache``): a read asked again while no write reached
its tables is answered from the cache, and a write by any store (another process's too) is
seen by the next read."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from ontology.history import (
    Agg,
    HistoryInputError,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    SeriesKey,
)
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import T0, batch

KEY = SeriesKey("plant/m1", "power")


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
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
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


def test_read_cache_size_is_checked() -> None:
    with pytest.raises(HistoryInputError, match="read_cache"):
        QuestDBHistorySettings(read_cache=-1)
