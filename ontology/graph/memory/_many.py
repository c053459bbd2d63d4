"""Many-twin reads of the in-process store: one lock hold for the whole batch."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ontology.graph._limits import (
    MAX_READ_IDS,
    require_after,
    require_page,
    require_read_ids,
    require_tree,
)
from ontology.graph._values import ChildPage, Edge, SignalValue, Twin
from ontology.graph.memory._rows import to_signal, to_twin
from ontology.graph.memory._state import MemoryState

_NO_SIGNALS: Mapping[str, SignalValue] = MappingProxyType({})


class MemoryManyReads(MemoryState):
    """Reads of many twins at once: one lock hold for the whole batch."""

    def children_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        ids = require_read_ids(twin_ids)
        with self._lock:
            kids = self._edges.children
            return tuple(tuple(sorted(kids.get(t, ()))) for t in ids)

    def parents_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        ids = require_read_ids(twin_ids)
        with self._lock:
            parents = self._edges.parents
            return tuple(tuple(sorted(parents.get(t, ()))) for t in ids)

    def children_below(
        self, twin_ids: Sequence[str], depth: int, *, limit: int = MAX_READ_IDS
    ) -> Mapping[str, tuple[str, ...]]:
        ids = require_read_ids(twin_ids)
        levels, most = require_tree(depth, limit)
        out: dict[str, tuple[str, ...]] = {}
        with self._lock:
            kids = self._edges.children
            level = [t for t in dict.fromkeys(ids) if t in self._twins]
            read = len(level)
            for done in range(1, levels + 1):
                for twin in level:
                    if twin not in out:
                        out[twin] = tuple(sorted(kids.get(twin, ())))
                if done == levels:
                    break
                level = list(dict.fromkeys(c for t in level for c in out[t]))
                read += len(level)
                if not level or read > most:
                    break
        return MappingProxyType(out)

    def twins_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...]:
        ids = require_read_ids(twin_ids)
        with self._lock:
            held = self._twins
            return tuple(t in held for t in ids)

    def signals_of(self, twin_ids: Sequence[str]) -> tuple[Mapping[str, SignalValue], ...]:
        ids = require_read_ids(twin_ids)
        with self._lock:
            return tuple(self._signals_held(t) for t in ids)

    def twins_with_signals(
        self, twin_ids: Sequence[str]
    ) -> tuple[tuple[Twin, Mapping[str, SignalValue]] | None, ...]:
        ids = require_read_ids(twin_ids)
        out: list[tuple[Twin, Mapping[str, SignalValue]] | None] = []
        with self._lock:  # the record and its signals as of one moment
            for twin_id in ids:
                row = self._twins.get(twin_id)
                out.append(None if row is None else (to_twin(row), self._signals_held(twin_id)))
        return tuple(out)

    def children_with_signals(
        self, twin_id: str, *, first: int, after: str | None = None
    ) -> ChildPage | None:
        limit = require_page(first)
        cursor = require_after(after)
        with self._lock:  # the records and signals as of one moment
            row = self._twins.get(twin_id)
            if row is None:
                return None
            kids = tuple(sorted(self._edges.children.get(twin_id, ())))
            start = bisect_right(kids, cursor) if cursor is not None else 0
            page = tuple(
                (to_twin(self._twins[c]), self._signals_held(c))
                for c in kids[start : start + limit]
            )
            return ChildPage(to_twin(row), kids, page)

    def _signals_held(self, twin_id: str) -> Mapping[str, SignalValue]:
        """The live signals of ``twin_id``, rollups included (the lock held by the caller)."""
        if twin_id not in self._twins:
            return _NO_SIGNALS
        held = self._signals.get(twin_id, {})
        if self._derived.names:
            held = self._derived.overlay(twin_id, held)
        return MappingProxyType({n: to_signal(row) for n, row in held.items()})

    def edges_from_many(
        self, sources: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        ids = require_read_ids(sources, name)
        with self._lock:
            held = [self._edges.from_source(s) for s in ids]
        return tuple(_named(edges, name, outgoing=True) for edges in held)

    def edges_to_many(
        self, targets: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        ids = require_read_ids(targets, name)
        with self._lock:
            held = [self._edges.to_target(t) for t in ids]
        return tuple(_named(edges, name, outgoing=False) for edges in held)


def _named(edges: Sequence[Edge], name: str | None, *, outgoing: bool) -> tuple[Edge, ...]:
    """The edges called ``name`` (all when ``None``), by name then the other end."""
    found = [e for e in edges if name is None or e.name == name]
    if outgoing:
        return tuple(sorted(found, key=lambda e: (e.name, e.target)))
    return tuple(sorted(found, key=lambda e: (e.name, e.source)))
