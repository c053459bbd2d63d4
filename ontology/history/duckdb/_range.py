"""Bucketed reads (``range``) from DuckDB: one statement, only the columns asked for.

The statement names each distinct series id once (a parameter: no registered
key table, no join), selects only the finished aggregates the call asked for
(DuckDB then reads only the tier columns they need) and leaves the order to
numpy: a tier table is in append order, so the rows of several series
interleave, and an ``ORDER BY`` of them costs more than the scan.

A small result comes back through ``fetchnumpy`` (the DB-API path binds the
statement once; a relation binds it, then runs it), a large one as Arrow
(``fetchnumpy`` makes one Python object per text cell, null or not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._arrays import NUMERIC_COLUMNS, TEXT_COLUMNS, floats, sliced
from ontology.history._partials import finish_columns, merge_sql, partial_sql
from ontology.history._tiers import GRAIN_US, RangeQuery, Tier
from ontology.history._values import TIME_DTYPE, Agg, Series, SeriesKey

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Objects = npt.NDArray[np.object_]
Bools = npt.NDArray[np.bool_]

NUMPY_ROWS = 20_000
"""Results of up to this many buckets (at most) come through ``fetchnumpy``, larger ones
as Arrow (measured: ``fetchnumpy`` is about 0.5 ms cheaper up to 10 series of 1,440
buckets, twice as dear at 100)."""


def range_sql(query: RangeQuery, sources: Mapping[Tier, str], *, several: bool, text: bool) -> str:
    """The statement of a bucketed read: ``series, bucket`` and the asked outputs, unordered
    (the text ones only with ``text``); ``sources``: each tier's rows (``OpenRows.sources``).

    Its parameters: ``$series`` (one id) or ``$ids`` (a list of ids, when
    ``several``), ``$start``, ``$end``, ``$g`` (the interval; absent from a read of a
    tier at its own grain without ``twa``).
    """
    which = "list_contains($ids, series)" if several else "series = $series"
    outputs = [NUMERIC_COLUMNS[a] for a in query.aggregates]
    if text:
        outputs += [TEXT_COLUMNS[a] for a in query.aggregates if a in TEXT_COLUMNS]
    select = f"SELECT series, bucket, {finish_columns(outputs)}"
    if query.tier is Tier.RAW:
        rows = (
            "(SELECT series, ts, value, text, quality, batch FROM samples "
            f"WHERE {which} AND ts >= $start AND ts < $end)"
        )
        return f"{select} FROM ({partial_sql(rows)})"
    table = sources[query.tier]
    where = f"WHERE {which} AND bucket >= $start AND bucket < $end"
    if query.interval == GRAIN_US[query.tier]:
        # At the tier's own grain its rows are the buckets: one flat statement (a nested
        # one costs about 0.5 ms more to plan).
        return f"{select} FROM {table} {where}"
    return f"{select} FROM ({merge_sql(f'(SELECT * FROM {table} {where})')})"


@dataclass(frozen=True, slots=True)
class Rows:
    """A read's rows as numpy columns, in the order DuckDB gave them.

    ``text[name]`` is ``None`` where no row has text (no objects made for it);
    ``has_text`` marks the rows with text in some text column.
    """

    series: Ints
    bucket: Ints
    numeric: Mapping[str, Floats]
    text: Mapping[str, Objects | None]
    has_text: Bools


def _width(query: RangeQuery) -> int:
    """How many buckets of ``query.interval`` ``[start, end)`` touches."""
    g = query.interval
    return max((query.end - 1) // g - query.start // g + 1, 0)


def read_range(
    con: duckdb.DuckDBPyConnection,
    keys: Sequence[SeriesKey],
    ids: Sequence[int | None],
    query: RangeQuery,
    sources: Mapping[Tier, str],
    *,
    text: bool,
) -> tuple[Series, ...]:
    """``text``: whether one of the series may have text (else no text column is read)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return tuple(_empty(key, query.aggregates) for key in keys)
    params: dict[str, Any] = {"start": query.start, "end": query.end, "g": query.interval}
    if len(wanted) == 1:
        params["series"] = wanted[0]
    else:
        params["ids"] = wanted
    sql = range_sql(query, sources, several=len(wanted) > 1, text=text)
    if "$g" not in sql:  # a flat tier read without ``twa``: DuckDB refuses an unused one
        del params["g"]
    numeric = [NUMERIC_COLUMNS[a] for a in query.aggregates]
    texts = [TEXT_COLUMNS[a] for a in query.aggregates if a in TEXT_COLUMNS] if text else []
    if len(wanted) * _width(query) <= NUMPY_ROWS:
        rows = _from_numpy(con.execute(sql, params).fetchnumpy(), numeric, texts)
    else:
        rows = _from_arrow(con.sql(sql, params=params).to_arrow_table(), numeric, texts)
    order = bucket_order(rows, wanted, query.start // query.interval, query.interval)
    return split_by_id(rows, order, keys, ids, query.aggregates)


def _floats(column: Any) -> Floats:
    """A ``fetchnumpy`` numeric column (an ndarray, or a MaskedArray where it has nulls)
    as float64, nulls as NaN."""
    values = np.array(np.ma.getdata(column), dtype=np.float64)
    if isinstance(column, np.ma.MaskedArray):
        values[np.ma.getmaskarray(column)] = np.nan
    return values


def _from_numpy(found: Mapping[str, Any], numeric: list[str], text: list[str]) -> Rows:
    """``Rows`` of a ``fetchnumpy`` result (a column with nulls is a MaskedArray)."""
    series = np.asarray(found["series"], dtype=np.int64)
    has_text = np.zeros(series.size, dtype=np.bool_)
    texts: dict[str, Objects | None] = {}
    for name in text:
        nulls = np.ma.getmaskarray(found[name])
        texts[name] = None
        if not nulls.all():
            values = np.array(np.ma.getdata(found[name]), dtype=object)
            values[nulls] = None  # ``filled(None)`` would fill with the dtype's default, "?"
            texts[name] = values
            has_text |= ~nulls
    return Rows(
        series=series,
        bucket=np.asarray(found["bucket"], dtype=np.int64),
        numeric={n: _floats(found[n]) for n in numeric},
        text=texts,
        has_text=has_text,
    )


def _from_arrow(table: pa.Table, numeric: list[str], text: list[str]) -> Rows:
    """``Rows`` of an Arrow result."""
    has_text = np.zeros(table.num_rows, dtype=np.bool_)
    texts: dict[str, Objects | None] = {}
    for name in text:
        column = table.column(name)
        texts[name] = None
        if column.null_count < len(column):
            texts[name] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
            has_text |= np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
    return Rows(
        series=np.asarray(table.column("series").to_numpy(), dtype=np.int64),
        bucket=np.asarray(table.column("bucket").to_numpy(), dtype=np.int64),
        numeric={n: floats(table.column(n)) for n in numeric},
        text=texts,
        has_text=has_text,
    )


def bucket_order(rows: Rows, wanted: Sequence[int], first: int, interval: int) -> Ints | None:
    """The order of ``rows`` by (series, bucket), ``None`` when they are in it already.

    ``wanted`` are the series ids asked (sorted), ``first * interval`` is the
    first bucket: each row has a slot ``rank(series) * width + bucket index``,
    unique, so where slots are dense enough the order is a scatter and a gather
    (no sort); else a stable sort of the slots.
    """
    series, bucket = rows.series, rows.bucket
    if series.size < 2:
        return None
    step = np.diff(series)
    if bool(np.all((step > 0) | ((step == 0) & (np.diff(bucket) > 0)))):
        return None
    index = bucket // interval - first
    width = int(index.max()) + 1
    slot = np.searchsorted(np.asarray(wanted, dtype=np.int64), series) * width + index
    size = len(wanted) * width
    if size > 4 * series.size:
        return np.argsort(slot, kind="stable")
    grid = np.full(size, -1, dtype=np.int64)
    grid[slot] = np.arange(series.size)
    return grid[grid >= 0]


def split_by_id(
    rows: Rows,
    order: Ints | None,
    keys: Sequence[SeriesKey],
    ids: Sequence[int | None],
    aggregates: Sequence[Agg],
) -> tuple[Series, ...]:
    """One ``Series`` per key from ``rows`` taken in ``order`` (``None``: as they are);
    ``ids[i]`` is the series id of ``keys[i]`` (``None``: unknown, no buckets)."""

    def sort(column: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return column if order is None else column[order]

    series = sort(rows.series)
    starts = sort(rows.bucket).view(TIME_DTYPE)
    numeric = {a: sort(rows.numeric[NUMERIC_COLUMNS[a]]) for a in aggregates}
    found = {a: rows.text.get(TEXT_COLUMNS[a]) for a in aggregates if a in TEXT_COLUMNS}
    # Text arrays only for series with text in some bucket (most series are numbers).
    texts: dict[Agg, Objects] = {}
    has_text = rows.has_text
    if has_text.any():
        none = np.full(series.size, None, dtype=object)
        texts = {a: none if c is None else sort(c) for a, c in found.items()}
        has_text = sort(has_text)
    known = [-1 if i is None else i for i in ids]
    lows = np.searchsorted(series, known, side="left").tolist()
    highs = np.searchsorted(series, known, side="right").tolist()
    return sliced(keys, lows, highs, starts, numeric, texts, has_text)


def _empty(key: SeriesKey, aggregates: Sequence[Agg]) -> Series:
    return Series(
        key=key,
        start=np.empty(0, dtype=TIME_DTYPE),
        values={a: np.empty(0, dtype=np.float64) for a in aggregates},
    )
