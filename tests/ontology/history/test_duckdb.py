"""What only the DuckDB store does: one file that keeps everything across a reopen."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
