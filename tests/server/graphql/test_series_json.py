"""A history series' JSON lists: NaN as null, text as text, kept for the same series object."""

from __future__ import annotations

import numpy as np

from ontology.history import Agg, Series, SeriesKey
from server.graphql._series_json import KEPT_SERIES, KEPT_VALUES, series_lists

START = np.datetime64("2026-06-01T00:00:00", "us")


def _series(values: list[float], signal: str = "power") -> Series:
    start = START + np.arange(len(values)).astype("timedelta64[m]")
    return Series(
        SeriesKey("m1", signal),
        start,
        {Agg.MEAN: np.array(values), Agg.MAX: np.array(values) * 2},
    )


def test_lists_of_a_series_with_gaps_and_a_missing_aggregate() -> None:
    series = _series([1.5, float("nan"), 3.0])
    starts, columns = series_lists(series, [Agg.MEAN, Agg.COUNT])
    first = int(START.astype("datetime64[ms]").astype(np.int64))
    assert starts == [first, first + 60_000, first + 120_000]
    assert columns == {"mean": [1.5, None, 3.0], "count": [None, None, None]}


def test_text_aggregates_come_as_text() -> None:
    start = START + np.arange(2).astype("timedelta64[m]")
    series = Series(SeriesKey("m1", "mode"), start, {}, {Agg.LAST: np.array(["RUN", None])})
    assert series_lists(series, [Agg.LAST])[1] == {"last": ["RUN", None]}


def test_the_same_series_gets_the_same_lists_an_equal_one_its_own() -> None:
    series = _series([1.0, 2.0])
    kept = series_lists(series, [Agg.MEAN])
    assert series_lists(series, [Agg.MEAN]) is kept
    assert series_lists(series, [Agg.MAX]) == (kept[0], {"max": [2.0, 4.0]})
    other = _series([1.0, 2.0])
    assert series_lists(other, [Agg.MEAN]) is not kept
    assert series_lists(other, [Agg.MEAN]) == kept


def test_the_least_recently_used_series_is_dropped_past_the_bounds() -> None:
    held = [_series([float(i)] * 10) for i in range(KEPT_SERIES + 1)]
    first = series_lists(held[0], [Agg.MEAN])
    for series in held[1:KEPT_SERIES]:
        series_lists(series, [Agg.MEAN])
    assert series_lists(held[0], [Agg.MEAN]) is first  # used again: now the most recent
    series_lists(held[KEPT_SERIES], [Agg.MEAN])  # one too many: held[1] goes
    assert series_lists(held[0], [Agg.MEAN]) is first
    second = series_lists(held[1], [Agg.MEAN])
    assert series_lists(held[1], [Agg.MEAN]) is second  # read again, and kept again


def test_the_numbers_kept_stay_within_kept_values() -> None:
    half = KEPT_VALUES // 4  # a series of it and its starts: half of KEPT_VALUES
    a, b, c = (_series([float(i)] * half) for i in range(3))
    kept_a, kept_b = series_lists(a, [Agg.MEAN]), series_lists(b, [Agg.MEAN])
    assert series_lists(a, [Agg.MEAN]) is kept_a and series_lists(b, [Agg.MEAN]) is kept_b
    series_lists(c, [Agg.MEAN])  # a, the least recently used, goes
    assert series_lists(b, [Agg.MEAN]) is kept_b
    assert series_lists(a, [Agg.MEAN]) is not kept_a
    big = _series([0.0] * (KEPT_VALUES // 2 + 1))
    assert series_lists(big, [Agg.MEAN]) is not series_lists(big, [Agg.MEAN])  # never kept
