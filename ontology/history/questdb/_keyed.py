"""``KeyedRows``: a bucketed tier read's rows read from the answer's bytes in key order.

A tier read at its grain (``_grain``) comes back in time order, the series
interleaved: the general reader (``_fetch``) made each cell a column value, coded the
names as a dictionary, then ``_grain`` found each row's key and gathered every column
into key order (one gather a column, a cache miss a cell: about a third of the
client's CPU for 144,000 rows). Here two compiled passes over the answer
(``_fetch_jit.key_rows``, ``place_rows``) find each row's key from its name cells,
looked up among the names asked for, and copy its bucket and numbers straight to their
place in the key's run: one block, no column between. The table it gives is what
``split_series`` reads: ``position`` (the key's index), ``bucket``, the numbers.

Any answer it does not read (a number of another type than an 8-byte double or
integer, a key whose buckets do not rise, such as an open row meeting its closed one,
a row that does not add up) is read the general way from the same bytes, so the
answer and the errors are the general reader's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontology.history._values import SeriesKey
from ontology.history.questdb import _fetch_jit as jit
from ontology.history.questdb._fetch import empty

__all__ = ["KeyedRows"]

Ints = npt.NDArray[np.int64]


def _names(names: Sequence[str]) -> tuple[npt.NDArray[np.uint8], Ints, Ints]:
    """The names' UTF-8 bytes one after the other, where each starts (and the end), and
    their lookup table (``_fetch_jit.name_table``)."""
    data = [n.encode() for n in names]
    at = np.zeros(len(data) + 1, dtype=np.int64)
    at[1:] = np.cumsum([len(d) for d in data])
    joined = np.frombuffer(b"".join(data) or b"\0", dtype=np.uint8)
    return joined, at, jit.name_table(joined, at)


class KeyedRows:
    """The rows of ``keys`` (distinct; their twins among ``twins``, their signals among
    ``signals``) of a query whose columns are ``schema``'s: the twin, the signal when
    ``named`` is 2, the bucket, then numbers (a ``RowDecoder``, see ``_fetch``)."""

    def __init__(
        self,
        schema: pa.Schema,
        keys: Sequence[SeriesKey],
        twins: Sequence[str],
        signals: Sequence[str],
        named: int,
    ) -> None:
        self._schema = schema
        self._keys = len(keys)
        self._named = named
        self._twins = _names(twins)
        self._signals = _names(signals)
        twin_of = {t: i for i, t in enumerate(twins)}
        signal_of = {s: i for i, s in enumerate(signals)}
        self._of_code = np.full(len(twins) * len(signals), -1, dtype=np.int64)
        for i, k in enumerate(keys):
            self._of_code[twin_of[k.twin] * len(signals) + signal_of[k.signal]] = i
        numbers = schema.names[named + 1 :]
        self._out = pa.schema(
            [("position", pa.int64()), ("bucket", pa.int64())]
            + [(n, pa.float64()) for n in numbers]
        )

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def decode(
        self,
        buf: npt.NDArray[np.uint8],
        rows: Ints,
        cells: Sequence[tuple[bool, int] | None],
    ) -> pa.Table | None:
        """The rows in key, then bucket order, or ``None`` (see the module)."""
        read = cells[self._named :]
        if any(c is None for c in read) or not read or read[0] is None or not read[0][0]:
            return None
        integral = np.array([c[0] for c in read[1:] if c is not None], dtype=np.bool_)
        position = np.empty(len(rows), dtype=np.int64)
        bounds = np.empty(self._keys + 1, dtype=np.int64)
        placed = jit.key_rows(
            buf, rows, *self._twins, *self._signals, self._named, self._of_code, position, bounds
        )
        if placed < 0:
            return None
        block = empty((len(integral) + 1, placed), np.float64)
        values = block[1:]
        stamps = block[0].view(np.int64)
        shift = read[0][1]
        if not jit.place_rows(
            buf, rows, self._named, position, bounds, integral, shift, stamps, values,
            values.view(np.int64),
        ):  # fmt: skip
            return None
        keyed = np.repeat(np.arange(self._keys, dtype=np.int64), np.diff(bounds))
        columns = [keyed, stamps, *values]
        return pa.Table.from_arrays([pa.array(c) for c in columns], schema=self._out)
