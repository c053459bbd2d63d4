"""Rollup results held as numpy columns until a caller reads them, not as rows per twin.

A full recompute over a plant hands back tens of thousands of derived values;
writing each as a ``(value, time, batch)`` row into the per-twin signal dicts
costs more than computing them. :class:`DerivedColumns` keeps, per rollup
name and per node of the store's current hierarchy index, what the last
recomputes said: nothing (``KEEP``: the signal dict has the truth), a value
(``SET``) or "no longer a target" (``CLEARED``). Reads overlay it on the
signal dicts (:meth:`overlay`); :meth:`settle` (one twin's signal before a
``set_signals`` touches it) and :meth:`settle_all` (before the hierarchy index
is dropped, or a snapshot is written) turn it into rows, exactly as if each
value had been written when computed.

Not thread-safe: the store calls it under its lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from ontology.graph.memory._rows import SignalRow
from ontology.rollup._topology import Topology

ROLLUP_BATCH = "rollup"
"""The ``batch`` of every derived value a rollup writes."""

KEEP, SET, CLEARED = 0, 1, 2


@dataclass(slots=True, eq=False)
class _Column:
    state: npt.NDArray[np.int8]
    """Per node: KEEP, SET or CLEARED."""
    value: npt.NDArray[np.float64]
    """Per node, the value when SET (NaN: the aggregate has no value, read as null)."""
    stamp: npt.NDArray[np.int32]
    """Per node, the index in ``DerivedColumns.times`` of the run that SET it."""


class DerivedColumns:
    def __init__(self) -> None:
        self._index: Topology | None = None
        self._columns: dict[str, _Column] = {}
        self._times: list[datetime] = []

    @property
    def names(self) -> Mapping[str, object]:
        """The rollup names holding unsettled values (empty: nothing to overlay)."""
        return self._columns

    def write(
        self,
        index: Topology,
        name: str,
        nodes: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
        cleared: npt.NDArray[np.int64],
        now: datetime,
        signals: Mapping[str, Mapping[str, SignalRow]],
    ) -> int:
        """Hold a recompute's results; returns how many signals it set or removed."""
        assert self._index is None or self._index is index, "settle_all() before a new index"
        self._index = index
        col = self._columns.get(name)
        if col is None:
            n = index.size
            col = self._columns[name] = _Column(
                np.zeros(n, dtype=np.int8), np.full(n, np.nan), np.zeros(n, dtype=np.int32)
            )
        if not self._times or self._times[-1] != now:
            self._times.append(now)
        col.state[nodes] = SET
        col.value[nodes] = values
        col.stamp[nodes] = len(self._times) - 1
        removed = 0
        if len(cleared):
            was = col.state[cleared]
            removed = int(np.count_nonzero(was == SET))
            ids = index.ids
            for node in cleared[was == KEEP].tolist():
                held = signals.get(ids[node])
                if held is not None and name in held:
                    removed += 1
            col.state[cleared] = CLEARED
        return len(nodes) + removed

    def overlay(self, twin_id: str, held: Mapping[str, SignalRow]) -> dict[str, SignalRow]:
        """``held`` (a twin's signal rows) with the unsettled derived values applied."""
        out = dict(held)
        index = self._index
        if index is None:
            return out
        node = index.pos.get(twin_id)
        if node is None:
            return out
        for name, col in self._columns.items():
            state = col.state[node]
            if state == SET:
                out[name] = self._row(col, node)
            elif state == CLEARED:
                out.pop(name, None)
        return out

    def settle(self, signals: dict[str, dict[str, SignalRow]], name: str, twin_id: str) -> None:
        """Write one twin's unsettled value of ``name`` into ``signals``."""
        col = self._columns.get(name)
        index = self._index
        if col is None or index is None:
            return
        node = index.pos.get(twin_id)
        if node is None or col.state[node] == KEEP:
            return
        self._apply(signals, twin_id, name, col, node)
        col.state[node] = KEEP

    def settle_all(
        self, signals: dict[str, dict[str, SignalRow]], twins: Mapping[str, object]
    ) -> None:
        """Write every unsettled value into ``signals`` (twins deleted since are skipped)."""
        index = self._index
        if index is not None:
            ids, times = index.ids, self._times
            for name, col in self._columns.items():
                done = np.flatnonzero(col.state == SET)
                rows = zip(
                    done.tolist(), col.value[done].tolist(), col.stamp[done].tolist(), strict=True
                )
                for node, value, stamp in rows:
                    twin_id = ids[node]
                    if twin_id not in twins:
                        continue
                    held = signals.get(twin_id)
                    if held is None:
                        held = signals[twin_id] = {}
                    held[name] = (None if value != value else value, times[stamp], ROLLUP_BATCH)
                for node in np.flatnonzero(col.state == CLEARED).tolist():
                    held = signals.get(ids[node])
                    if held is not None:
                        held.pop(name, None)
        self._index = None
        self._columns = {}
        self._times = []

    def _apply(
        self,
        signals: dict[str, dict[str, SignalRow]],
        twin_id: str,
        name: str,
        col: _Column,
        node: int,
    ) -> None:
        if col.state[node] == SET:
            held = signals.get(twin_id)
            if held is None:
                held = signals[twin_id] = {}
            held[name] = self._row(col, node)
        else:
            held = signals.get(twin_id)
            if held is not None:
                held.pop(name, None)

    def _row(self, col: _Column, node: int) -> SignalRow:
        value = float(col.value[node])
        return (None if value != value else value, self._times[int(col.stamp[node])], ROLLUP_BATCH)
