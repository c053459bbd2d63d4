"""Turning query results (Arrow tables, columns in key order) into the contract's values.

Shared by the stores: each fetches columns its own way and hands them here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._values import TIME_DTYPE, Agg, AsOf, Samples, Series, SeriesKey

NUMERIC_COLUMNS: Mapping[Agg, str] = {
    Agg.MIN: "mn",
    Agg.MAX: "mx",
    Agg.MEAN: "mean",
    Agg.FIRST: "vf",
    Agg.LAST: "vl",
    Agg.COUNT: "n",
    Agg.TWA: "twa",
}
TEXT_COLUMNS: Mapping[Agg, str] = {Agg.FIRST: "tf", Agg.LAST: "tl"}


def floats(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.float64]:
    """A numeric Arrow column as float64, nulls as NaN."""
    array = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(array, dtype=np.float64)


def objects(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.object_]:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


def times(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.datetime64]:
    """An int64 microsecond (or timestamp) column as ``TIME_DTYPE``; nulls as NaT."""
    ints = column.cast(pa.int64()).fill_null(np.iinfo(np.int64).min)
    return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64).view(TIME_DTYPE)


def split_series(
    table: pa.Table,
    keys: Sequence[SeriesKey],
    aggregates: Sequence[Agg],
) -> tuple[Series, ...]:
    """One ``Series`` per key from ``table`` sorted by ``position`` (the key's index), ``bucket``.

    ``table`` has the columns ``position, bucket`` and those of ``NUMERIC_COLUMNS``
    and ``TEXT_COLUMNS`` it was asked for.
    """
    position = np.asarray(table.column("position").to_numpy(), dtype=np.int64)
    bounds = np.searchsorted(position, np.arange(len(keys) + 1))
    starts = times(table.column("bucket"))
    numeric = {a: floats(table.column(NUMERIC_COLUMNS[a])) for a in aggregates}
    text_columns = [table.column(TEXT_COLUMNS[a]) for a in aggregates if a in TEXT_COLUMNS]
    # Text objects only where some bucket has text (most series are numbers).
    has_text = np.zeros(table.num_rows, dtype=np.bool_)
    for column in text_columns:
        has_text |= np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
    texts = {a: objects(table.column(TEXT_COLUMNS[a])) for a in aggregates if a in TEXT_COLUMNS}
    texts = texts if has_text.any() else {}
    lows = bounds[:-1].tolist()
    highs = bounds[1:].tolist()
    return sliced(keys, lows, highs, starts, numeric, texts, has_text)


def sliced(
    keys: Sequence[SeriesKey],
    lows: Sequence[int],
    highs: Sequence[int],
    starts: npt.NDArray[np.datetime64],
    numeric: Mapping[Agg, npt.NDArray[np.float64]],
    texts: Mapping[Agg, npt.NDArray[np.object_]],
    has_text: npt.NDArray[np.bool_],
) -> tuple[Series, ...]:
    """One ``Series`` per key: the rows ``lows[i]:highs[i]`` of the columns (in key, then
    bucket order), its text only where one of its buckets has text."""
    result = []
    for key, lo, hi in zip(keys, lows, highs, strict=True):
        text = {a: column[lo:hi] for a, column in texts.items()} if has_text[lo:hi].any() else {}
        values = {a: column[lo:hi] for a, column in numeric.items()}
        result.append(Series(key=key, start=starts[lo:hi], values=values, text=text))
    return tuple(result)


def as_of_arrays(keys: Sequence[SeriesKey], table: pa.Table) -> AsOf:
    """``AsOf`` in key order from ``table`` (``position, ts, value, text, quality, batch``)."""
    n = len(keys)
    found = np.zeros(n, dtype=np.bool_)
    time = np.full(n, np.datetime64("NaT"), dtype=TIME_DTYPE)
    value = np.full(n, np.nan)
    text = np.full(n, None, dtype=object)
    quality = np.zeros(n, dtype=np.uint8)
    batch = np.full(n, None, dtype=object)
    if table.num_rows:
        at = np.asarray(table.column("position").to_numpy(), dtype=np.int64)
        found[at] = True
        time[at] = times(table.column("ts"))
        value[at] = floats(table.column("value"))
        text[at] = objects(table.column("text"))
        quality[at] = floats(table.column("quality")).astype(np.uint8)
        batch[at] = objects(table.column("batch"))
    return AsOf(
        twin=np.array([k.twin for k in keys], dtype=object),
        signal=np.array([k.signal for k in keys], dtype=object),
        found=found,
        time=time,
        value=value,
        text=text,
        quality=quality,
        batch=batch,
    )


def samples_of(key: SeriesKey, table: pa.Table) -> Samples:
    """``Samples`` of one series from ``table`` (``ts, value, text, quality``)."""
    n = table.num_rows
    text = objects(table.column("text"))
    return Samples(
        twin=np.full(n, key.twin, dtype=object),
        signal=np.full(n, key.signal, dtype=object),
        time=times(table.column("ts")),
        value=floats(table.column("value")),
        text=text if any(t is not None for t in text) else None,
        quality=floats(table.column("quality")).astype(np.uint8),
    )
