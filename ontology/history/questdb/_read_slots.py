"""Reads at once: a bounded set of readers, each with connections of its own.

A store's ``range``, ``as_of`` and ``raw`` reads run outside its lock, each on a
*slot*: a ``SampleReader`` with a ``Wire`` of its own (its PostgreSQL-wire
connections, opened when first used) and a cursor of the store's DuckDB engine
(where a read's rows are finished; a cursor is a connection of its own to the same
in-memory database). Up to ``QuestDBHistorySettings.readers`` reads run at once,
so QuestDB works on several on its worker threads while this process decodes
others' answers (the compiled loops release the GIL); a read beyond that waits for
a slot. Writes keep the store's own connections and engine, under its lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import duckdb

from ontology.history.questdb._samples import SampleReader
from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._wire import Wire

__all__ = ["ReadSlots"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Slot:
    wire: Wire
    cursor: duckdb.DuckDBPyConnection
    samples: SampleReader


class ReadSlots:
    """``settings.readers`` slots; ``run`` lends one to a read."""

    def __init__(
        self, settings: QuestDBHistorySettings, engine: duckdb.DuckDBPyConnection, prefix: str
    ) -> None:
        self._all: list[_Slot] = []
        for _ in range(settings.readers):  # made here: no network until first used
            wire, cursor = Wire(settings), engine.cursor()
            self._all.append(_Slot(wire, cursor, SampleReader(cursor, wire, prefix)))
        self._free = list(self._all)
        self._turn = threading.Condition()
        self.waits = 0
        """Reads that found every slot taken and waited (since the store opened)."""

    def run(self, read: Callable[[SampleReader], T]) -> T:
        """``read(samples)`` on a free slot, once one is free."""
        with self._turn:
            if not self._free:
                self.waits += 1
                while not self._free:
                    self._turn.wait()
            slot = self._free.pop()
        try:
            with slot.wire.guarded():
                return read(slot.samples)
        finally:
            with self._turn:
                self._free.append(slot)
                self._turn.notify()

    def close(self) -> None:
        for slot in self._all:
            slot.wire.close()
            slot.cursor.close()
