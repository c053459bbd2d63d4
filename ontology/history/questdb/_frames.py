"""The ILP frames a batch sends: its samples, and its tier rows (minute and hour in one).

The official client serialises a pandas frame column by column; these build
the frames from the checked Arrow and numpy columns with as little conversion
as it takes: names as categoricals (ILP symbols, each distinct name once),
numbers as plain numpy arrays, a column that is null in every row left out
(ILP sends no field for a null, so the rows are the same), and so is a quality
that is GOOD (0) in every row (QuestDB stores a BYTE field not sent as 0), in the
samples and in the tier rows (their last quality; and their first and last text
times, null in every row of a batch of numbers)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history.questdb._tiers import SEP

_QUALITY = "lq"
"""The tier rows' last quality (a BYTE column)."""
TABLE_COLUMN = "_table"
"""The column of ``tier_frame`` naming each row's table (the client's ``table_name_col``)."""
_ARROW = pd.ArrowDtype


def _dictionary(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column if pa.types.is_dictionary(column.type) else column.dictionary_encode()


def _text(column: pa.ChunkedArray | pa.Array, rows: int) -> object | None:
    """A string column for the frame, or ``None`` when every row is null."""
    if column.null_count == rows:
        return None
    out: object = column.to_pandas(types_mapper=_ARROW)
    return out


def samples_frame(
    table: pa.Table,
    batch: str | None,
    *,
    twins: pa.Array | None = None,
    signals: pa.Array | None = None,
) -> pd.DataFrame:
    """The ILP frame of samples (``twin, signal, ts, value, text, quality``) of ``batch``
    (``None``: no ``batch_id`` field, the batch's spans say it, see ``_spans``).

    ``twins`` and ``signals``: the ``twin`` and ``signal`` columns already
    dictionary-encoded (``SampleColumns`` has them), else they are encoded here.
    The rows go over in the order given (time order, which the server applies fastest).
    """
    n = table.num_rows
    columns: dict[str, object] = {
        "twin": _dictionary(table.column("twin") if twins is None else twins).to_pandas(),
        "signal": _dictionary(table.column("signal") if signals is None else signals).to_pandas(),
        "value": table.column("value").to_numpy(),
    }
    text = _text(table.column("text"), n)
    if text is not None:
        columns["text"] = text
    quality = table.column("quality").to_numpy()
    if quality.any():  # else left out: a BYTE field not sent is 0, GOOD (11 bytes a row less)
        columns["quality"] = quality.astype(np.int64)
    if batch is not None:
        columns["batch_id"] = pd.Series(pd.arrays.ArrowExtensionArray(pa.repeat(batch, n)))
    columns["ts"] = pd.to_datetime(table.column("ts").to_numpy(), unit="us", utc=True)
    return pd.DataFrame(columns)


def _part(key: pa.ListArray, i: int, rows: pa.Array) -> object:
    """Part ``i`` of each distinct series key (``key``: the split names), per row (``rows``:
    each row's series code), as a categorical: each name split once, not once a row (a
    batch of many sparse series has as many tier rows as samples)."""
    names = pc.list_element(key, i).dictionary_encode()
    return pa.DictionaryArray.from_arrays(names.indices.take(rows), names.dictionary).to_pandas()


def tier_frame(tiers: Mapping[str, pa.Table]) -> pd.DataFrame:
    """Tier rows of several tables (``series`` key, the partial columns) as one frame:
    ``TABLE_COLUMN`` names the table, then twin, signal, ts and the partials."""
    parts = [rows for rows in tiers.values() if rows.num_rows]
    if not parts:
        return pd.DataFrame()
    rows = pa.concat_tables([p.cast(parts[0].schema) for p in parts]).combine_chunks()
    series = rows.column("series").combine_chunks().dictionary_encode()
    key = pc.split_pattern(series.dictionary, SEP, max_splits=1)  # each series once
    tables = [name for name, t in tiers.items() if t.num_rows]
    counts = [t.num_rows for t in tiers.values() if t.num_rows]
    columns: dict[str, object] = {
        TABLE_COLUMN: pa.DictionaryArray.from_arrays(
            pa.array(np.repeat(np.arange(len(tables), dtype=np.int32), counts)), pa.array(tables)
        ).to_pandas(),
        "twin": _part(key, 0, series.indices),
        "signal": _part(key, 1, series.indices),
        "ts": pd.to_datetime(rows.column("bucket").to_numpy(), unit="us", utc=True),
    }
    for name in rows.column_names:
        if name in ("series", "bucket"):
            continue
        column = rows.column(name)
        if pa.types.is_string(column.type):
            text = _text(column, rows.num_rows)
            if text is not None:
                columns[name] = text
        elif pa.types.is_floating(column.type):
            columns[name] = column.to_numpy()
        elif column.null_count == rows.num_rows:
            continue  # the first and last text times of numbers only: no field either way
        elif column.null_count:  # integers with nulls (the first and last times)
            columns[name] = column.cast(pa.int64()).to_pandas(types_mapper=_ARROW)
        elif name == _QUALITY and not pc.any(pc.not_equal(column, 0)).as_py():
            continue  # GOOD (0) in every row: a BYTE field not sent is 0
        else:
            columns[name] = column.to_numpy().astype(np.int64)
    return pd.DataFrame(columns)
