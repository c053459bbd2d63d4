"""A sample's text and batch id, in a table beside the numbers (``{prefix}_extras``).

Every sample has a row in ``{prefix}_samples`` (time, twin, signal, value, quality: a
text sample's value null); only a sample that has text, or that a batch wrote with its
id (a batch that did not only append, see ``_spans``), has a row in ``{prefix}_extras``
too (time, twin, signal, text, batch id), with the same key. The usual sample (a number
of a batch that only appends) is a row of five fixed-width columns: the ``text`` and
``batch_id`` columns' nulls cost the server about a sixth of an append's CPU (docs:
"Appends, issue 8, tenth pass").

A sample written again (a late batch, a replay, a number turned text or back) is written
by a batch that does not only append, so it sends its id and writes both rows again: the
extras row (text or null, the id) replaces the one held, and no stale text outlives it.
A batch that only appends writes keys later than any held, so it finds no extras row to
replace. Reads take the samples rows and join the extras rows of the same window by key
(``attach``): a samples row without one has no text, and its batch is its span's.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EXTRAS_SCHEMA",
    "NUMBERS_SCHEMA",
    "attach",
    "extras_select",
    "numbers_select",
]

_I, _F, _S = pa.int64(), pa.float64(), pa.string()
NUMBERS_SCHEMA = pa.schema(
    [("twin", _S), ("signal", _S), ("ts", _I), ("value", _F), ("quality", _I)]
)
"""What ``numbers_select`` returns."""
EXTRAS_SCHEMA = pa.schema([("twin", _S), ("signal", _S), ("ts", _I), ("text", _S), ("batch", _S)])
"""What ``extras_select`` returns."""


def numbers_select(table: str) -> str:
    return f"SELECT twin, signal, cast(ts AS long), value, quality FROM {table}"


def extras_select(table: str) -> str:
    return f"SELECT twin, signal, cast(ts AS long), text, batch_id FROM {table}"


def attach(numbers: pa.Table, extras: pa.Table) -> pa.Table:
    """The raw rows (``_tiers.RAW_SCHEMA``'s columns, then ``series``): ``numbers``
    (samples rows with their ``series``) in their order, each with the text and batch of
    the ``extras`` row (with its ``series``) of the same series and time, null where
    there is none."""
    rows = numbers.num_rows
    text: pa.Array = pa.nulls(rows, _S)
    batch: pa.Array = pa.nulls(rows, _S)
    if extras.num_rows and rows:
        names = pc.unique(
            pa.concat_arrays([*numbers.column("series").chunks, *extras.column("series").chunks])
        )
        code = pc.index_in(numbers.column("series"), value_set=names).to_numpy()
        xcode = pc.index_in(extras.column("series"), value_set=names).to_numpy()
        ts = numbers.column("ts").to_numpy()
        xts = extras.column("ts").to_numpy()
        base = min(int(ts.min()), int(xts.min()))
        width = max(int(ts.max()), int(xts.max())) - base + 1
        if len(names) * width < 1 << 62:  # series and time as one int64 key
            key = code.astype(np.int64) * width + (ts - base)
            xkey = xcode.astype(np.int64) * width + (xts - base)
        else:  # too far apart: the keys as text
            key = np.char.add(code.astype(str), np.char.add(":", ts.astype(str)))
            xkey = np.char.add(xcode.astype(str), np.char.add(":", xts.astype(str)))
        order = np.argsort(xkey, kind="stable")
        at = np.minimum(np.searchsorted(xkey[order], key), len(order) - 1)
        found = xkey[order][at] == key
        pick = np.where(found, order[at], -1)
        taken = pa.array(pick, mask=pick < 0)
        text = extras.column("text").take(taken).combine_chunks()
        batch = extras.column("batch").take(taken).combine_chunks()
    columns = {name: numbers.column(name) for name in ("twin", "signal", "ts", "value")}
    columns |= {"text": text, "quality": numbers.column("quality"), "batch": batch}
    columns["series"] = numbers.column("series")
    return pa.table(columns)
