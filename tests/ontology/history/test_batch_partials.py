"""The numpy partials of an appended batch, and their merge into the held rows, equal the
SQL partials and the SQL merge of the same rows."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest

from ontology.history._append_merge import last_rows, latest_rows, merge_appended
from ontology.history._batch_partials import (
    SortedBatch,
    batch_partials,
    coarser_partials,
    key_twice,
    sort_batch,
)
from ontology.history._columns import SampleColumns
from ontology.history._partials import PARTIAL_COLUMNS, merge_sql, partial_sql
from ontology.history._tiers import HOUR_US, MINUTE_US

FLOATS = ("s", "mn", "mx", "vf", "vl", "area")


def _assert_same_partials(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    for mine, theirs in zip(got, expected, strict=True):
        for column, value in theirs.items():
            if column in FLOATS and value is not None:
                assert mine[column] == pytest.approx(value, rel=1e-12), (column, theirs)
            else:
                assert mine[column] == value, (column, theirs)


def _rows(seed: int, text_share: float = 0.2) -> SortedBatch:
    """Five series, unique times over three hours: numbers, some text, random gaps."""
    rng = np.random.default_rng(seed)
    series = np.repeat(np.arange(1, 6, dtype=np.int32), 400)
    ts = np.concatenate(
        [np.sort(rng.choice(3 * 3600, 400, replace=False)) * 1_000_000 for _ in range(5)]
    ).astype(np.int64)
    numeric = rng.random(series.size) > text_share
    value = np.where(numeric, rng.uniform(-50, 150, series.size).round(3), np.nan)
    text = pa.array([None if n else f"s{i % 3}" for i, n in enumerate(numeric)], pa.string())
    quality = rng.integers(0, 3, series.size).astype(np.uint8)
    return SortedBatch(series, ts, value, numeric, text, quality, "b1")


@pytest.mark.parametrize(
    ("seed", "text_share"),
    [(1, 0.2), (2, 0.2), (3, 0.0), (4, 1.0)],
    ids=["mixed", "mixed-2", "numbers-only", "text-only"],
)
@pytest.mark.parametrize("grain", [MINUTE_US, HOUR_US])
def test_numpy_partials_equal_the_sql_partials(seed: int, text_share: float, grain: int) -> None:
    """Mixed batches, numbers only (``batch_partials``' two shortcuts: every row numeric,
    no text) and text only (neither)."""
    rows = _rows(seed, text_share)
    assert not key_twice(rows)
    got = batch_partials(rows, grain).to_pylist()
    raw = pa.table(
        {
            "series": rows.series,
            "ts": rows.ts,
            "value": pa.array(rows.value, mask=~rows.numeric),
            "text": rows.text,
            "quality": rows.quality,
            "batch": pa.array([rows.batch] * rows.ts.size),
        }
    )
    con = duckdb.connect()
    con.register("raw", raw)
    sql = f"SELECT {PARTIAL_COLUMNS} FROM ({partial_sql('raw')}) ORDER BY series, bucket"
    expected = con.sql(sql, params={"g": grain}).to_arrow_table().to_pylist()
    assert len(got) == len(expected) > 5
    _assert_same_partials(got, expected)


@pytest.mark.parametrize(("seed", "text_share"), [(1, 0.2), (2, 0.2), (3, 0.995), (4, 0.0)])
def test_hour_partials_merged_from_the_minute_partials_equal_those_of_the_samples(
    seed: int, text_share: float
) -> None:
    rows = _rows(seed, text_share)
    minute = batch_partials(rows, MINUTE_US)
    got = coarser_partials(minute, HOUR_US).to_pylist()
    expected = batch_partials(rows, HOUR_US).to_pylist()
    assert len(got) == len(expected) > 5
    _assert_same_partials(got, expected)


def test_a_key_twice_is_found() -> None:
    rows = _rows(3)
    twice = SortedBatch(
        np.r_[rows.series[:1], rows.series],
        np.r_[rows.ts[:1], rows.ts],
        np.r_[rows.value[:1], rows.value],
        np.r_[rows.numeric[:1], rows.numeric],
        pa.concat_arrays([rows.text[:1], rows.text]),
        np.r_[rows.quality[:1], rows.quality],
        rows.batch,
    )
    assert key_twice(twice)


def _split(rows: SortedBatch, cut: int) -> tuple[SortedBatch, SortedBatch]:
    """Each series' samples before ``cut`` µs, and those from it on."""
    early = rows.ts < cut
    late = ~early

    def part(mask: npt.NDArray[np.bool_]) -> SortedBatch:
        return SortedBatch(
            rows.series[mask],
            rows.ts[mask],
            rows.value[mask],
            rows.numeric[mask],
            rows.text.filter(pa.array(mask)),
            rows.quality[mask],
            rows.batch,
        )

    return part(early), part(late)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("grain", [MINUTE_US, HOUR_US])
def test_an_appended_batch_merges_into_the_held_rows_like_the_sql_merge(
    seed: int, grain: int
) -> None:
    rows = _rows(seed)
    # Cut inside a minute and inside an hour, so most series continue a held bucket.
    first, then = _split(rows, 90 * 60 * 1_000_000 + 17 * 1_000_000)
    held, part = batch_partials(first, grain), batch_partials(then, grain)
    got = merge_appended(held, part).sort_by([("series", "ascending"), ("bucket", "ascending")])
    con = duckdb.connect()
    con.register("held", held)
    con.register("part", part)
    both = "(SELECT * FROM held SEMI JOIN part USING (series, bucket) UNION ALL SELECT * FROM part)"
    sql = f"SELECT {PARTIAL_COLUMNS}, overlap FROM ({merge_sql(both)}) ORDER BY series, bucket"
    expected = con.sql(sql, params={"g": grain}).to_arrow_table().to_pylist()
    assert not any(row.pop("overlap") for row in expected)
    merged = got.to_pylist()
    assert len(merged) == len(expected) == part.num_rows
    continued = {(r["series"], r["bucket"]) for r in held.to_pylist()}
    assert any((r["series"], r["bucket"]) in continued for r in merged)
    _assert_same_partials(merged, expected)


def test_last_rows_keep_each_series_latest_bucket_a_later_row_winning_a_tie() -> None:
    """Rows in two chunks, series out of order, a series' latest bucket twice: one row a
    series, in series order, the latest bucket's later row."""
    first = pa.table(
        {
            "series": pa.array(["b", "a", "b", "c"]),
            "bucket": pa.array([60, 0, 120, 0], pa.int64()),
            "row": pa.array([0, 1, 2, 3], pa.int64()),
        }
    )
    second = pa.table(
        {
            "series": pa.array(["a", "b", "a"]),
            "bucket": pa.array([60, 120, 30], pa.int64()),
            "row": pa.array([4, 5, 6], pa.int64()),
        }
    )
    last = last_rows(pa.concat_tables([first, second]))
    assert last.to_pydict() == {"series": ["a", "b", "c"], "bucket": [60, 120, 0], "row": [4, 5, 3]}
    assert last_rows(first.slice(0, 0)).num_rows == 0


def test_latest_rows_are_the_last_rows_in_any_order() -> None:
    """A table with one row a series is its own latest rows (as they stand); one with a
    series twice is grouped like ``last_rows``."""
    once = pa.table(
        {
            "series": pa.array(["b", "a", "c"]),
            "bucket": pa.array([60, 0, 120], pa.int64()),
            "row": pa.array([0, 1, 2], pa.int64()),
        }
    )
    assert latest_rows(once).to_pydict() == once.to_pydict()
    twice = pa.concat_tables([once, once.slice(0, 1).set_column(1, "bucket", pa.array([30]))])
    assert latest_rows(twice).to_pydict() == last_rows(twice).to_pydict()
    assert latest_rows(twice).to_pydict() == {
        "series": ["a", "b", "c"],
        "bucket": [0, 60, 120],
        "row": [1, 0, 2],
    }
    assert latest_rows(once.slice(0, 0)).num_rows == 0


@pytest.mark.parametrize(
    ("in_time_order", "codes"),
    [(True, 40), (False, 40), (True, 70_000)],
    ids=["time-ordered", "unordered", "wide-codes"],
)
def test_sort_batch_orders_by_series_then_time_ties_in_row_order(
    in_time_order: bool, codes: int
) -> None:
    """A batch in time order (sorted by series code alone) and any other (two keys) give
    the same order: series, then time, a tie kept in row order."""
    rng = np.random.default_rng(7)
    n = 3_000
    ts = rng.integers(0, 500, n).astype(np.int64) * 1_000_000
    if in_time_order:
        ts = np.sort(ts)
    series = rng.integers(0, codes, n).astype(np.int32)
    value = np.arange(n, dtype=np.float64)  # each row's index: ties show their order
    table = pa.table(
        {
            "ts": pa.array(ts, pa.int64()),
            "value": pa.array(value),
            "text": pa.nulls(n, pa.string()),
            "quality": pa.array(np.zeros(n, np.uint8)),
        }
    )
    columns = SampleColumns(table, int(ts.min()), int(ts.max()), pa.nulls(n), pa.nulls(n))
    rows, _ = sort_batch(columns, series, "b1")
    expected = sorted(range(n), key=lambda i: (series[i], ts[i], i))
    assert rows.value.tolist() == [float(i) for i in expected]
    assert rows.series.tolist() == [series[i] for i in expected]
