"""The Frame: a batch of samples as numpy columns, the unit every ingest step works on.

Names are not repeated per sample: ``twin`` and ``signal`` hold codes into the
frame's ``twins`` and ``signals`` tables. A codec fills the tables with the
names a source used (a twin id or an alias value, a tag); the pipeline's
identity step replaces them with canonical twin ids and the model's signal
names. Times are integers: microseconds since the Unix epoch, UTC (a view as
``datetime64[us]`` costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

CODE_DTYPE = np.dtype(np.int32)
TIME_US_DTYPE = np.dtype(np.int64)


class Kind(IntEnum):
    """What a sample's value is: it picks the column that holds it."""

    NUMBER = 0
    """``value`` holds it."""
    BOOLEAN = 1
    """``value`` holds 0.0 or 1.0."""
    TEXT = 2
    """``text`` holds it; ``value`` is NaN."""
    NULL = 3
    """No value (a Sparkplug ``is_null`` metric); ``value`` is NaN."""


@dataclass(frozen=True, slots=True)
class Frame:
    """Samples as columns of equal length, plus the name tables the codes point into."""

    twin: npt.NDArray[np.int32]
    """Code into ``twins``."""
    signal: npt.NDArray[np.int32]
    """Code into ``signals``."""
    time: npt.NDArray[np.int64]
    """Event time, microseconds since the Unix epoch (UTC)."""
    value: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    """A ``Kind`` per sample."""
    text: npt.NDArray[np.object_]
    """The string of TEXT samples, ``None`` elsewhere."""
    quality: npt.NDArray[np.uint8]
    """An ``ontology.history.Quality`` per sample."""
    position: npt.NDArray[np.int64]
    """The source position (Kafka offset, file line, message number) of each sample's record."""
    twins: tuple[str, ...]
    signals: tuple[str, ...]
    historical: npt.NDArray[np.bool_] | None = None
    """True for samples sent as history (a Sparkplug ``is_historical`` metric): they go to
    history, never to live state. None: no such sample."""

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Frame:
        """The frame of the chosen rows (indices or a mask), sharing the name tables."""
        return Frame(
            twin=self.twin[rows],
            signal=self.signal[rows],
            time=self.time[rows],
            value=self.value[rows],
            kind=self.kind[rows],
            text=self.text[rows],
            quality=self.quality[rows],
            position=self.position[rows],
            twins=self.twins,
            signals=self.signals,
            historical=None if self.historical is None else self.historical[rows],
        )

    def twin_names(self) -> npt.NDArray[np.object_]:
        """The twin name of every row (an object array)."""
        return _names(self.twins)[self.twin]

    def signal_names(self) -> npt.NDArray[np.object_]:
        """The signal name of every row (an object array)."""
        return _names(self.signals)[self.signal]


def _names(table: tuple[str, ...]) -> npt.NDArray[np.object_]:
    names = np.empty(len(table), dtype=object)
    names[:] = table
    return names


def empty_frame() -> Frame:
    """A frame with no rows and empty tables."""
    return Frame(
        twin=np.empty(0, dtype=CODE_DTYPE),
        signal=np.empty(0, dtype=CODE_DTYPE),
        time=np.empty(0, dtype=TIME_US_DTYPE),
        value=np.empty(0, dtype=np.float64),
        kind=np.empty(0, dtype=np.uint8),
        text=np.empty(0, dtype=object),
        quality=np.empty(0, dtype=np.uint8),
        position=np.empty(0, dtype=np.int64),
        twins=(),
        signals=(),
    )


def concat_frames(frames: list[Frame]) -> Frame:
    """One frame of all rows, with merged name tables (codes re-mapped)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame()
    if len(frames) == 1:
        return frames[0]
    twins, twin_cols = _merge_tables([(f.twins, f.twin) for f in frames])
    signals, signal_cols = _merge_tables([(f.signals, f.signal) for f in frames])
    return Frame(
        twin=twin_cols,
        signal=signal_cols,
        time=np.concatenate([f.time for f in frames]),
        value=np.concatenate([f.value for f in frames]),
        kind=np.concatenate([f.kind for f in frames]),
        text=np.concatenate([f.text for f in frames]),
        quality=np.concatenate([f.quality for f in frames]),
        position=np.concatenate([f.position for f in frames]),
        twins=twins,
        signals=signals,
        historical=_historical(frames),
    )


def _historical(frames: list[Frame]) -> npt.NDArray[np.bool_] | None:
    if all(f.historical is None for f in frames):
        return None
    return np.concatenate(
        [f.historical if f.historical is not None else np.zeros(len(f), np.bool_) for f in frames]
    )


def _merge_tables(
    parts: list[tuple[tuple[str, ...], npt.NDArray[np.int32]]],
) -> tuple[tuple[str, ...], npt.NDArray[np.int32]]:
    index: dict[str, int] = {}
    columns = []
    for table, codes in parts:
        remap = np.fromiter(
            (index.setdefault(name, len(index)) for name in table), dtype=CODE_DTYPE, count=-1
        )
        columns.append(remap[codes] if len(table) else codes)
    return tuple(index), np.concatenate(columns).astype(CODE_DTYPE, copy=False)
