"""The QuestDB store's samples in two tables (``questdb/_extras``): every sample's number in
``_samples``, a sample's text and batch id in ``_extras`` when it has either. A sample
rewritten (number to text and back, a replayed batch) reads once, as written last; and a
samples table of the layout before is refused, not misread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from ontology.history import HistoryLayoutError, QuestDBHistoryStore
from ontology.history._values import Agg
from ontology.history.questdb._extras import attach
from ontology.history.questdb._schema import table_names
from ontology.history.questdb._wire import Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import SERIES, T0, batch

S = 1_000_000


def _numbers(series: list[str], ts: list[int]) -> pa.Table:
    n = len(series)
    return pa.table(
        {
            "twin": pa.array(series, pa.string()),
            "signal": pa.array(["x"] * n, pa.string()),
            "ts": pa.array(ts, pa.int64()),
            "value": pa.array([float(i) for i in range(n)], pa.float64()),
            "quality": pa.array([0] * n, pa.int64()),
            "series": pa.array(series, pa.string()),
        }
    )


def _extras(series: list[str], ts: list[int], text: list[str | None]) -> pa.Table:
    return pa.table(
        {
            "series": pa.array(series, pa.string()),
            "ts": pa.array(ts, pa.int64()),
            "text": pa.array(text, pa.string()),
            "batch": pa.array([f"b{i}" for i in range(len(ts))], pa.string()),
        }
    )


@pytest.mark.parametrize("scale", [1, 10**6, 2**60])
def test_attach_takes_text_and_batch_by_series_and_time_keeping_the_rows_order(
    scale: int,
) -> None:
    # At 2**60 µs a step the series and times do not fit one int64 key: the text keys.
    numbers = _numbers(["a", "b", "a", "c", "a"], [3 * scale, 0, 0, scale, scale])
    extras = _extras(["a", "c", "b", "z"], [0, scale, scale, 0], ["ON", None, "X", "Y"])
    out = attach(numbers, extras)
    assert out.column_names == [
        *("twin", "signal", "ts", "value", "text", "quality", "batch", "series")
    ]
    assert out["ts"].to_pylist() == numbers["ts"].to_pylist()
    assert out["value"].to_pylist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    # b@scale and z@0 match no sample row; a@0 and c@scale do.
    assert out["text"].to_pylist() == [None, None, "ON", None, None]
    assert out["batch"].to_pylist() == [None, None, "b0", "b1", None]
    none = attach(numbers, extras.slice(0, 0))
    assert none["text"].null_count == none["batch"].null_count == 5


def _rows(key: int, seconds: range, value: float | None, text: str | None = None) -> list[Row]:
    k = SERIES[key]
    return [Row(k.twin, k.signal, us(T0) + s * S, value, text) for s in seconds]


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture
def opened(questdb: QuestDBAddress) -> Iterator[tuple[QuestDBHistoryStore, Wire, str]]:
    """A store on tables of its own, a wire to look into them, and their prefix."""
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(settings)
    wire = Wire(settings)
    yield store, wire, settings.prefix
    wire.close()
    store.drop_tables()
    store.close()


@pytest.mark.questdb
def test_a_sample_rewritten_number_to_text_and_back_reads_once_as_written_last(
    opened: tuple[QuestDBHistoryStore, Wire, str],
) -> None:
    store, wire, prefix = opened
    key = SERIES[0]
    store.write_batch(batch("bA", 11), samples(_rows(0, range(0, 101, 10), 1.0)))
    store.write_batch(batch("bB", 1), samples(_rows(0, range(50, 51), None, "RUNNING")))
    raw = store.raw(key, T0, T0 + timedelta(minutes=5))
    assert len(raw.time) == 11  # once, not once per table
    assert raw.text is not None
    assert raw.text[5] == "RUNNING"
    assert np.isnan(raw.value[5])
    got = store.as_of([key], _at(55))
    assert (got.text[0], got.batch[0]) == ("RUNNING", "bB")
    assert np.isnan(got.value[0])
    # The minute from 0 s was recomputed from raw: its last text is the rewritten one.
    aggs = [Agg.COUNT, Agg.MEAN, Agg.LAST]
    minute = store.range([key], T0, _at(60), timedelta(minutes=1), aggs)
    assert minute[0].values[Agg.COUNT].tolist() == [6]
    assert minute[0].values[Agg.MEAN].tolist() == [1.0]  # the text sample has no number
    assert minute[0].text[Agg.LAST].tolist() == ["RUNNING"]
    # A raw range (seconds, not whole minutes) counts it once too.
    raw_range = store.range([key], T0, _at(105), timedelta(seconds=20), aggs)
    assert raw_range[0].values[Agg.COUNT].tolist() == [2, 2, 2, 2, 2, 1]
    assert raw_range[0].text[Agg.LAST].tolist()[2] == "RUNNING"

    store.write_batch(batch("bC", 1), samples(_rows(0, range(50, 51), 9.0)))
    raw = store.raw(key, T0, T0 + timedelta(minutes=5))
    assert len(raw.time) == 11
    assert raw.text is None  # the stale text is not read
    assert raw.value[5] == 9.0
    got = store.as_of([key], _at(55))
    assert (got.value[0], got.text[0], got.batch[0]) == (9.0, None, "bC")
    minute = store.range([key], T0, _at(60), timedelta(minutes=1), aggs)
    assert minute[0].values[Agg.MEAN].tolist() == [(5 * 1.0 + 9.0) / 6]
    assert minute[0].text.get(Agg.LAST, np.array([None])).tolist() == [None]
    wire.wait_applied([f"{prefix}_samples", f"{prefix}_extras"])
    assert wire.execute(f"SELECT count() FROM {prefix}_samples") == [(11,)]
    assert wire.execute(f"SELECT batch_id, text FROM {prefix}_extras") == [("bC", None)]


@pytest.mark.questdb
def test_a_replayed_batch_and_as_of_across_both_tables(
    opened: tuple[QuestDBHistoryStore, Wire, str],
) -> None:
    store, wire, prefix = opened
    keys = [SERIES[0], SERIES[3]]
    # bA appends numbers to series 0 and text to series 3 (no ids: spans), then is
    # replayed whole (not an append: its id on every row, in the extras table).
    first = _rows(0, range(0, 31, 10), 1.0) + _rows(3, range(0, 31, 10), None, "IDLE")
    store.write_batch(batch("bA", len(first)), samples(first))
    wire.wait_applied([f"{prefix}_extras"])
    assert wire.execute(f"SELECT count(), count(batch_id) FROM {prefix}_extras") == [(4, 0)]
    got = store.as_of(keys, _at(30))
    assert got.text.tolist() == [None, "IDLE"]
    assert got.batch.tolist() == ["bA", "bA"]  # from the spans
    store.write_batch(batch("bA", len(first)), samples(first))
    wire.wait_applied([f"{prefix}_samples", f"{prefix}_extras"])
    assert wire.execute(f"SELECT count() FROM {prefix}_samples") == [(8,)]
    assert wire.execute(f"SELECT count(), count(batch_id) FROM {prefix}_extras") == [(8, 8)]
    counts = store.range(keys, T0, _at(60), timedelta(minutes=1), [Agg.COUNT])
    assert [c.values[Agg.COUNT].tolist() for c in counts] == [[4], [4]]

    # bB appends a number to each series after the replay: its samples have no
    # extras row, the older text does; as_of takes each series' latest, from either.
    later = _rows(0, range(40, 41), 7.0) + _rows(3, range(40, 41), 3.0)
    store.write_batch(batch("bB", len(later)), samples(later))
    got = store.as_of(keys, _at(45))
    assert got.value.tolist() == [7.0, 3.0]
    assert got.text.tolist() == [None, None]
    assert got.batch.tolist() == ["bB", "bB"]
    got = store.as_of(keys, _at(35))
    assert got.text.tolist() == [None, "IDLE"]
    assert got.value[0] == 1.0
    assert got.batch.tolist() == ["bA", "bA"]
    raw = store.raw(SERIES[3], T0, _at(60))
    assert raw.text is not None
    assert raw.text.tolist() == ["IDLE"] * 4 + [None]


@pytest.mark.questdb
def test_a_samples_table_of_the_layout_before_is_refused_naming_it(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    wire = Wire(settings)
    table = f"{settings.prefix}_samples"
    try:
        wire.execute(
            f"CREATE TABLE {table} (ts TIMESTAMP, twin SYMBOL INDEX, signal SYMBOL, value "
            "DOUBLE, text VARCHAR, quality BYTE, batch_id VARCHAR) TIMESTAMP(ts) PARTITION BY "
            "DAY WAL DEDUP UPSERT KEYS(ts, twin, signal)"
        )
        with pytest.raises(HistoryLayoutError) as raised:
            QuestDBHistoryStore(settings)
        message = str(raised.value)
        assert table in message
        assert "text, batch_id" in message
        assert f"{settings.prefix}_extras" in message
    finally:
        for name in table_names(settings.prefix):
            wire.execute(f"DROP TABLE IF EXISTS {name}")
        wire.close()
    # The tables a store made of this layout open again.
    fresh = QuestDBHistoryStore(settings)
    try:
        fresh.write_batch(batch("b1", 1), samples(_rows(0, range(1), 1.0)))
        QuestDBHistoryStore(settings).close()
    finally:
        fresh.drop_tables()
        fresh.close()
