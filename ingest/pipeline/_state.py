"""What the fusion kernel remembers between batches, per (twin, signal) and per twin.

Twins get a dense index as the worker first meets them; a key is
``twin * signal_capacity + signal``. Arrays grow by doubling. The kernel only
reads this; the worker applies a batch's result after the stores committed it.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

G = TypeVar("G", bound=np.generic)
NO_TIME = np.iinfo(np.int64).min
NO_MODE = -1


class TwinTable:
    """Twin ids <-> dense indexes, and which twins are retired."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._ids: list[str] = []
        self.retired = np.zeros(0, dtype=np.bool_)
        self._names_cache: npt.NDArray[np.object_] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, twin_id: str) -> int | None:
        return self._index.get(twin_id)

    def add(self, twin_id: str, *, retired: bool = False) -> int:
        index = self._index.get(twin_id)
        if index is None:
            index = len(self._ids)
            self._index[twin_id] = index
            self._ids.append(twin_id)
            self._names_cache = None
            if index >= self.retired.shape[0]:
                grown = np.zeros(max(16, 2 * index), dtype=np.bool_)
                grown[: self.retired.shape[0]] = self.retired
                self.retired = grown
        self.retired[index] = retired
        return index

    def names(self) -> npt.NDArray[np.object_]:
        """Every twin id by index (an object array, cached until a twin is added)."""
        if self._names_cache is None:
            names = np.empty(len(self._ids), dtype=object)
            names[:] = self._ids
            self._names_cache = names
        return self._names_cache


class FusionState:
    """Per key: the newest event time seen, the state value (what the graph store holds).

    The mode signal's text is a mode's name: a commit of the compiled kernel writes the
    new mode's index per twin (``mode_name``) and the names go into ``state_text`` when it
    is next read (an object written per changed twin cost more than the commit's loops).
    """

    def __init__(self, signals: int) -> None:
        self.signals = max(1, signals)
        self.twins = 0
        self.seen_time: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.state_time: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.state_value: npt.NDArray[np.float64] = np.empty(0, dtype=np.float64)
        self._text: npt.NDArray[np.object_] = np.empty(0, dtype=object)
        self.mode_name: npt.NDArray[np.int16] = np.empty(0, dtype=np.int16)
        """Per twin: the mode whose name the mode signal's text is to be, ``NO_MODE`` if none
        (``name_modes``; written by the compiled commit)."""
        self._names: npt.NDArray[np.object_] = np.empty(0, dtype=object)
        self._mode_signal = -1
        self.naming = False
        """Whether ``mode_name`` may hold a mode (the writer sets it)."""
        self.mode: npt.NDArray[np.int16] = np.empty(0, dtype=np.int16)
        self.mode_time: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.scratch: npt.NDArray[np.int32] = np.empty(0, dtype=np.int32)
        """The kernel's per-key scratch (row numbers of one batch: under 2**31 rows), kept -1."""
        self.watermark = NO_TIME

    @property
    def state_text(self) -> npt.NDArray[np.object_]:
        """Per key: the state's text (None where it has none)."""
        if self.naming:
            self._name()
        return self._text

    @state_text.setter
    def state_text(self, text: npt.NDArray[np.object_]) -> None:
        self._text = text

    def name_modes(self, names: npt.NDArray[np.object_], signal: int) -> npt.NDArray[np.int16]:
        """``mode_name``, whose modes are ``names[mode]``, the text of signal ``signal``
        (names waiting under other names or for another signal are written first)."""
        if self.naming and (names is not self._names or signal != self._mode_signal):
            self._name()
        self._names, self._mode_signal = names, signal
        return self.mode_name

    def _name(self) -> None:
        """The modes waiting in ``mode_name`` into ``state_text`` as names."""
        self.naming = False
        twins = np.flatnonzero(self.mode_name != NO_MODE)
        if twins.size:
            keys = twins.astype(np.int64) * self.signals + self._mode_signal
            self._text[keys] = self._names[self.mode_name[twins]]
            self.mode_name[twins] = NO_MODE

    def ensure_twins(self, count: int) -> None:
        """Room for twin indexes below ``count``."""
        if count <= self.twins:
            return
        capacity = max(count, 2 * self.twins, 16)
        keys, old = capacity * self.signals, self.twins * self.signals
        self.seen_time = _grown(self.seen_time, keys, old, NO_TIME)
        self.state_time = _grown(self.state_time, keys, old, NO_TIME)
        self.state_value = _grown(self.state_value, keys, old, np.nan)
        self.state_text = _grown(self.state_text, keys, old, None)
        self.scratch = _grown(self.scratch, keys, old, -1)
        self.mode = _grown(self.mode, capacity, self.twins, NO_MODE)
        self.mode_name = _grown(self.mode_name, capacity, self.twins, NO_MODE)
        self.mode_time = _grown(self.mode_time, capacity, self.twins, NO_TIME)
        self.twins = capacity

    def ensure_signals(self, count: int) -> None:
        """Room for signal indexes below ``count`` (re-lays every key array)."""
        if count <= self.signals:
            return
        signals = max(count, 2 * self.signals)
        for name in ("seen_time", "state_time", "state_value", "state_text", "scratch"):
            old = getattr(self, name).reshape(self.twins, self.signals)
            fill = {"state_value": np.nan, "state_text": None, "scratch": -1}.get(name, NO_TIME)
            new = np.full((self.twins, signals), fill, dtype=old.dtype)
            new[:, : self.signals] = old
            setattr(self, name, new.reshape(-1))
        self.signals = signals


def _grown(array: npt.NDArray[G], size: int, used: int, fill: object) -> npt.NDArray[G]:
    grown: npt.NDArray[G] = np.full(size, fill, dtype=array.dtype)
    grown[:used] = array[:used]
    return grown
