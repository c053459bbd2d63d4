"""Building a Frame from records (codecs): row by row, or whole columns at a time."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ingest.frame._frame import CODE_DTYPE, TIME_US_DTYPE, Frame, Kind, concat_frames

_NAN = math.nan


class FrameBuilder:
    """Appends samples into growing lists (or whole column chunks) and builds columns once.

    Twin and signal names get codes shared by every row; ``build`` returns one
    Frame whose tables hold the names in first-seen order.
    """

    __slots__ = (
        "_chunks",
        "_historical",
        "_kind",
        "_lists",
        "_position",
        "_quality",
        "_signal",
        "_signals",
        "_text_rows",
        "_texts",
        "_time",
        "_twin",
        "_twins",
        "_value",
    )

    def __init__(self) -> None:
        self._twins: dict[str, int] = {}
        self._signals: dict[str, int] = {}
        self._chunks: list[Frame] = []
        self._lists: _NumberLists | None = None
        self._reset_rows()

    def _reset_rows(self) -> None:
        self._twin: list[int] = []
        self._signal: list[int] = []
        self._time: list[int] = []
        self._value: list[float] = []
        self._kind: list[int] = []
        self._text_rows: list[int] = []
        self._texts: list[str] = []
        self._quality: list[int] = []
        self._position: list[int] = []
        self._historical: list[int] = []

    def __len__(self) -> int:
        listed = 0 if self._lists is None else len(self._lists.time_ms)
        return len(self._time) + listed + sum(len(c) for c in self._chunks)

    def twin_code(self, name: str) -> int:
        return self._twins.setdefault(name, len(self._twins))

    def signal_code(self, name: str) -> int:
        return self._signals.setdefault(name, len(self._signals))

    # -------------------------------------------------------------- row by row
    def add_number(
        self, twin: int, signal: int, time_us: int, value: float, quality: int, position: int
    ) -> None:
        self._append(twin, signal, time_us, value, Kind.NUMBER, quality, position)

    def add_boolean(
        self, twin: int, signal: int, time_us: int, value: bool, quality: int, position: int
    ) -> None:
        self._append(twin, signal, time_us, 1.0 if value else 0.0, Kind.BOOLEAN, quality, position)

    def add_text(
        self, twin: int, signal: int, time_us: int, value: str, quality: int, position: int
    ) -> None:
        self._text_rows.append(len(self._time))
        self._texts.append(value)
        self._append(twin, signal, time_us, _NAN, Kind.TEXT, quality, position)

    def add_null(self, twin: int, signal: int, time_us: int, quality: int, position: int) -> None:
        self._append(twin, signal, time_us, _NAN, Kind.NULL, quality, position)

    def mark_historical(self) -> None:
        """The sample added last is history only (``Frame.historical``)."""
        self._historical.append(len(self._time) - 1)

    def _append(
        self,
        twin: int,
        signal: int,
        time_us: int,
        value: float,
        kind: int,
        quality: int,
        position: int,
    ) -> None:
        if self._lists is not None:
            self._flush_lists()
        self._twin.append(twin)
        self._signal.append(signal)
        self._time.append(time_us)
        self._value.append(value)
        self._kind.append(kind)
        self._quality.append(quality)
        self._position.append(position)

    # ---------------------------------------------------------- whole columns
    def add_number_lists(
        self,
        twin: int | list[int],
        signal: int | list[int],
        time_ms: list[int],
        value: list[float],
        quality: int,
        position: int,
    ) -> None:
        """Numeric samples of one record as Python lists (a JSON record's columns), kept as
        lists and converted to numpy once for all such records; ``twin``/``signal``: one code
        for every row, or a code per row. Times are milliseconds since the epoch."""
        self._flush_row_samples()
        lists = self._lists
        if lists is None:
            lists = self._lists = _NumberLists()
        n = len(time_ms)
        lists.twin.append(twin)
        lists.signal.append(signal)
        lists.time_ms.extend(time_ms)
        lists.value.extend(value)
        lists.runs.append((n, quality, position))

    def add_numbers(
        self,
        twin: npt.NDArray[np.int32],
        signal: npt.NDArray[np.int32],
        time_us: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        quality: int,
        position: int,
    ) -> None:
        """Many numeric samples of one record at once (codes from ``twin_code``/``signal_code``)."""
        n = int(time_us.shape[0])
        self.add_columns(
            twin,
            signal,
            time_us,
            value,
            np.full(n, Kind.NUMBER, dtype=np.uint8),
            None,
            np.full(n, quality, dtype=np.uint8),
            np.full(n, position, dtype=np.int64),
        )

    def add_columns(
        self,
        twin: npt.NDArray[np.int32],
        signal: npt.NDArray[np.int32],
        time_us: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        kind: npt.NDArray[np.uint8],
        text: npt.NDArray[np.object_] | None,
        quality: npt.NDArray[np.uint8],
        position: npt.NDArray[np.int64],
    ) -> None:
        """Samples of any kind as whole columns (``text`` None: no text rows)."""
        n = int(time_us.shape[0])
        self._flush_rows()
        self._chunks.append(
            Frame(
                twin=twin.astype(CODE_DTYPE, copy=False),
                signal=signal.astype(CODE_DTYPE, copy=False),
                time=time_us.astype(TIME_US_DTYPE, copy=False),
                value=value.astype(np.float64, copy=False),
                kind=kind.astype(np.uint8, copy=False),
                text=np.empty(n, dtype=object) if text is None else text,
                quality=quality.astype(np.uint8, copy=False),
                position=position.astype(np.int64, copy=False),
                twins=(),
                signals=(),
            )
        )

    def add_number_rows(
        self,
        twin: list[str],
        signal: list[str],
        time_ms: list[int],
        value: list[float],
        quality: list[int],
        position: list[int],
    ) -> None:
        """Numeric samples as lists with a row each (one-sample records): names are coded
        per distinct name, the lists converted to numpy at once. Times in milliseconds."""
        self._flush_rows()
        n = len(time_ms)
        self._chunks.append(
            Frame(
                twin=_coded(twin, self._twins),
                signal=_coded(signal, self._signals),
                time=np.asarray(time_ms, dtype=TIME_US_DTYPE) * 1000,
                value=np.asarray(value, dtype=np.float64),
                kind=np.full(n, Kind.NUMBER, dtype=np.uint8),
                text=np.empty(n, dtype=object),
                quality=np.asarray(quality, dtype=np.uint8),
                position=np.asarray(position, dtype=np.int64),
                twins=(),
                signals=(),
            )
        )

    # ------------------------------------------------------------------ build
    def _flush_lists(self) -> None:
        lists, self._lists = self._lists, None
        if lists is None:
            return
        runs = np.asarray(lists.runs, dtype=np.int64).reshape(-1, 3)
        n = len(lists.time_ms)
        self._chunks.append(
            Frame(
                twin=_codes(lists.twin, runs[:, 0]),
                signal=_codes(lists.signal, runs[:, 0]),
                time=np.asarray(lists.time_ms, dtype=TIME_US_DTYPE) * 1000,
                value=np.asarray(lists.value, dtype=np.float64),
                kind=np.full(n, Kind.NUMBER, dtype=np.uint8),
                text=np.empty(n, dtype=object),
                quality=np.repeat(runs[:, 1], runs[:, 0]).astype(np.uint8),
                position=np.repeat(runs[:, 2], runs[:, 0]),
                twins=(),
                signals=(),
            )
        )

    def _flush_rows(self) -> None:
        """Everything pending (number lists or rows) into a chunk, in the order added."""
        self._flush_lists()
        self._flush_row_samples()

    def _flush_row_samples(self) -> None:
        if not self._time:
            return
        n = len(self._time)
        text = np.empty(n, dtype=object)
        if self._text_rows:
            values = np.empty(len(self._texts), dtype=object)
            values[:] = self._texts
            text[np.asarray(self._text_rows, dtype=np.intp)] = values
        historical = None
        if self._historical:
            historical = np.zeros(n, dtype=np.bool_)
            historical[np.asarray(self._historical, dtype=np.intp)] = True
        self._chunks.append(
            Frame(
                twin=np.asarray(self._twin, dtype=CODE_DTYPE),
                signal=np.asarray(self._signal, dtype=CODE_DTYPE),
                time=np.asarray(self._time, dtype=TIME_US_DTYPE),
                value=np.asarray(self._value, dtype=np.float64),
                kind=np.asarray(self._kind, dtype=np.uint8),
                text=text,
                quality=np.asarray(self._quality, dtype=np.uint8),
                position=np.asarray(self._position, dtype=np.int64),
                twins=(),
                signals=(),
                historical=historical,
            )
        )
        self._reset_rows()

    def build(self) -> Frame:
        """The frame of everything added; the builder starts empty again (tables too)."""
        self._flush_rows()
        chunks, self._chunks = self._chunks, []
        twins, signals = tuple(self._twins), tuple(self._signals)
        self._twins, self._signals = {}, {}
        joined = concat_frames(chunks)
        return Frame(
            twin=joined.twin,
            signal=joined.signal,
            time=joined.time,
            value=joined.value,
            kind=joined.kind,
            text=joined.text,
            quality=joined.quality,
            position=joined.position,
            twins=twins,
            signals=signals,
            historical=joined.historical,
        )


def _coded(names: list[str], table: dict[str, int]) -> npt.NDArray[np.int32]:
    """A code per name, new names added to ``table`` in first-seen order."""
    for name in dict.fromkeys(names):
        table.setdefault(name, len(table))
    return np.fromiter(map(table.__getitem__, names), CODE_DTYPE, len(names))


def _codes(per_record: list[int | list[int]], rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """A code column from each record's one code (repeated) or list of codes."""
    if all(type(c) is int for c in per_record):
        return np.repeat(np.asarray(per_record, dtype=CODE_DTYPE), rows)
    flat: list[int] = []
    for codes, n in zip(per_record, rows.tolist(), strict=True):
        flat.extend([codes] * n if isinstance(codes, int) else codes)
    return np.asarray(flat, dtype=CODE_DTYPE)


class _NumberLists:
    """Numeric samples held as Python lists until the builder converts them at once."""

    __slots__ = ("runs", "signal", "time_ms", "twin", "value")

    def __init__(self) -> None:
        self.twin: list[int | list[int]] = []
        """Per record: one code for all its rows, or a code per row."""
        self.signal: list[int | list[int]] = []
        self.time_ms: list[int] = []
        self.value: list[float] = []
        self.runs: list[tuple[int, int, int]] = []
        """(rows, quality, position) of each record."""
