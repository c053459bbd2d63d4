"""The rows of one ``signals(at:)`` read as columns: a whole list's answers in one pass.

One history ``as_of`` call answers every ``(twin, signal)`` of a list of twins
at one time, as numpy columns. :class:`RowsAt` keeps the rows that found a
sample (the others answer nothing), converts each column to Python values
once, when a field first needs it (``tolist``, not a conversion per value),
and serves them both as ``Signal`` objects (the field resolvers) and as one
plain list per ``Signal`` field (the direct completion in ``_tree``, which
builds each twin's list of signals from those lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ontology.history import AsOf
from server.graphql._signal import Signal, quality_name
from server.graphql._typing import as_json

SIGNAL_FIELDS = frozenset({"name", "value", "unit", "time", "quality", "batch"})
"""The ``Signal`` fields a column answers."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _joined(chunks: Sequence[AsOf], column: str) -> np.ndarray[Any, Any]:
    arrays = [getattr(c, column) for c in chunks]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _picked(values: Sequence[Any], at: list[int]) -> list[Any]:
    """``values`` at the positions ``at``, in their order."""
    if len(at) == len(values):  # every row found
        return list(values)
    return [values[i] for i in at]


class RowsAt:
    """The found rows of one ``as_of`` read at ``at`` (row ``i`` of the read: ``names[i]``
    of a twin, with its model's unit ``units[i]``), as columns."""

    __slots__ = (
        "_batch",
        "_cache",
        "_codes",
        "_kept",
        "_micros",
        "_names",
        "_number",
        "_text",
        "_units",
        "at",
        "position",
    )

    def __init__(
        self,
        at: datetime,
        names: Sequence[str],
        units: Sequence[str | None],
        chunks: Sequence[AsOf],
    ) -> None:
        self.at = at
        found = _joined(chunks, "found") if chunks else np.zeros(0, dtype=bool)
        if len(found) != len(names):
            msg = f"the history store answered {len(found)} rows for {len(names)} keys"
            raise RuntimeError(msg)
        keep = np.flatnonzero(found)
        kept: list[int] = keep.tolist()
        position = np.full(len(found), -1, dtype=np.int64)
        position[keep] = np.arange(len(keep))
        self.position: list[int] = position.tolist()
        """Each row of the read: its row here, or -1 (no sample by ``at``)."""
        self._kept = kept
        self._names = names
        self._units = units
        self._cache: dict[str, list[Any]] = {}
        empty = not kept
        self._number = np.zeros(0) if empty else _joined(chunks, "value")[keep]
        self._text = np.zeros(0, dtype=object) if empty else _joined(chunks, "text")[keep]
        self._micros = np.zeros(0, dtype=np.int64) if empty else _joined(chunks, "time")[keep]
        self._codes = np.zeros(0, dtype=np.uint8) if empty else _joined(chunks, "quality")[keep]
        self._batch = np.zeros(0, dtype=object) if empty else _joined(chunks, "batch")[keep]

    def __len__(self) -> int:
        return len(self._kept)

    def rows(self, spans: Sequence[tuple[int, int]]) -> list[list[int]]:
        """For each span ``(start, end)`` of the read's rows (one twin's), its rows here, in
        order."""
        position = self.position
        if all(end - start == 1 for start, end in spans):  # one signal a twin: no inner loop
            return [[position[start]] if position[start] >= 0 else [] for start, _ in spans]
        return [
            [position[i] for i in range(start, end) if position[i] >= 0] for start, end in spans
        ]

    def regular(self, width: int, count: int) -> list[list[int]]:
        """:meth:`rows` of ``count`` spans of ``width`` rows each, one after another from row
        0 (a list whose twins all ask for the same signals)."""
        position = self.position
        if width == 0:
            return [[] for _ in range(count)]
        if width == 1:
            return [[p] if p >= 0 else [] for p in position]
        return [
            [p for p in position[start : start + width] if p >= 0]
            for start in range(0, len(position), width)
        ]

    def column(self, field: str) -> list[Any]:
        """The Python values of the ``Signal`` field ``field`` (one of ``SIGNAL_FIELDS``) of
        every row, converted once."""
        held = self._cache.get(field)
        if held is None:
            held = self._cache[field] = self._convert(field)
        return held

    def _convert(self, field: str) -> list[Any]:
        if field == "name":
            return _picked(self._names, self._kept)
        if field == "unit":
            return _picked(self._units, self._kept)
        if field == "value":
            numbers: list[Any] = self._number.astype(np.float64, copy=False).tolist()
            texts: list[Any] = self._text.tolist()
            if texts.count(None) == len(texts):
                return numbers
            return [n if t is None else str(t) for n, t in zip(numbers, texts, strict=True)]
        if field == "time":
            micros = self._micros.astype("datetime64[us]").astype(np.int64).tolist()
            return [_EPOCH + timedelta(microseconds=us) for us in micros]
        if field == "quality":
            return [quality_name(code) for code in self._codes.tolist()]
        if field == "batch":
            return [b if b is None or type(b) is str else str(b) for b in self._batch.tolist()]
        msg = f"field: {field!r} is not a column of signals at a time; expected {SIGNAL_FIELDS}"
        raise ValueError(msg)

    def signals(self, rows: Sequence[int]) -> list[Signal]:
        """The ``Signal`` objects of ``rows`` (for the field resolvers)."""
        name, value, unit, time, quality, batch = (
            self.column(f) for f in ("name", "value", "unit", "time", "quality", "batch")
        )
        return [
            Signal(
                name=name[i],
                value=as_json(value[i]),
                unit=unit[i],
                time=time[i],
                quality=quality[i],
                batch=batch[i],
            )
            for i in rows
        ]
