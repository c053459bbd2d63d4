"""What only the DuckDB store does: one file that keeps everything across a reopen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from ontology.history import (
    Agg,
    DuckDBHistorySettings,
    DuckDBHistoryStore,
    HistoryInputError,
    Retention,
)
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.test_contract_samples import SERIES, T0, batch


def test_a_reopened_file_keeps_samples_series_tiers_and_watermarks(tmp_path: Path) -> None:
    settings = DuckDBHistorySettings(
        path=tmp_path / "history.duckdb",
        retention=Retention(raw=timedelta(hours=1), minute=timedelta(hours=2), hour=None),
    )
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0) + s * 10**6, float(s)) for s in range(0, 7200, 30)]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", len(rows)), samples(rows))
    store.expire(T0 + timedelta(hours=2, minutes=10))
    store.close()

    again = DuckDBHistoryStore(settings)
    again.write_batch(batch("b1", len(rows)), samples(rows[-10:]))  # replay after restart
    (series,) = again.range([key], T0, T0 + timedelta(hours=2), timedelta(hours=1), [Agg.COUNT])
    assert series.values[Agg.COUNT].tolist() == [120.0, 120.0]
    with pytest.raises(HistoryInputError, match="before the raw samples kept"):
        again.write_batch(batch("b2", 1), samples(rows[:1]))
    again.close()


def test_settings_refuse_tiers_that_expire_before_the_finer_ones() -> None:
    with pytest.raises(HistoryInputError, match=r"Retention.minute is 1:00:00 and Retention.raw"):
        DuckDBHistorySettings(retention=Retention(raw=timedelta(days=2), minute=timedelta(hours=1)))
    with pytest.raises(HistoryInputError, match="threads is 0"):
        DuckDBHistorySettings(threads=0)


def test_an_appending_batch_inserts_a_continued_bucket_the_tier_no_longer_holds(
    tmp_path: Path,
) -> None:
    """The store updates the tier row of the bucket a series' latest sample is in; when that
    row is gone (here deleted by another connection while the file was closed), the batch's
    partial row goes in instead of being lost."""
    settings = DuckDBHistorySettings(path=tmp_path / "history.duckdb")
    key = SERIES[0]
    first = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.0) for s in range(0, 30, 10)]
    later = [Row(key.twin, key.signal, us(T0) + s * 10**6, 2.0) for s in range(30, 60, 10)]
    store = DuckDBHistoryStore(settings)
    store.write_batch(batch("b1", len(first)), samples(first))
    store.close()
    with duckdb.connect(str(settings.path)) as con:
        con.execute("DELETE FROM tier_minute")

    again = DuckDBHistoryStore(settings)
    again.write_batch(batch("b2", len(later)), samples(later))
    minute = timedelta(minutes=1)
    (series,) = again.range([key], T0, T0 + minute, minute, [Agg.COUNT, Agg.FIRST])
    assert series.values[Agg.COUNT].tolist() == [3.0]  # the later batch's samples only
    assert series.values[Agg.FIRST].tolist() == [2.0]
    (hour,) = again.range([key], T0, T0 + timedelta(hours=1), timedelta(hours=1), [Agg.COUNT])
    assert hour.values[Agg.COUNT].tolist() == [6.0]  # the hour row was held: updated
    again.close()


def test_a_batch_written_again_in_one_session_replaces_its_record_and_keeps_the_offsets() -> None:
    store = DuckDBHistoryStore()
    key = SERIES[0]
    rows = [Row(key.twin, key.signal, us(T0) + s * 10**6, 1.0) for s in range(3)]
    store.write_batch(batch("b1", 3, offsets=(0, 7)), samples(rows))
    store.write_batch(batch("b1", 5, offsets=(3, 4)), samples(rows))
    assert store.get_batch("b1") == batch("b1", 5, offsets=(3, 4))
    assert store.committed_offsets("telemetry") == {0: 7}  # never back
    store.close()
