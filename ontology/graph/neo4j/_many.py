"""Many-twin reads of the Neo4j store: one statement per call, in its own read transaction.

``children_below`` answers from the kept hierarchy (``_hierarchy``) when it is
current: its statement is then the ``topology`` counter's check with the twins'
existence (shared by concurrent calls), not a walk of the levels in Neo4j.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ontology.graph import _limits as checks
from ontology.graph._values import ChildPage, Edge, SignalValue, Twin
from ontology.graph.neo4j import _many_tx as mtx
from ontology.graph.neo4j._db import Runs
from ontology.graph.neo4j._state import Neo4jState

_NOTHING: Mapping[str, tuple[str, ...]] = MappingProxyType({})
"""``children_below`` of ids none of which is a twin."""


class Neo4jManyReads(Neo4jState):
    """Reads of many twins at once: one statement per call, in its own read transaction."""

    def children_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        ids = checks.require_read_ids(twin_ids)
        found = self._db.read_one(lambda tx: mtx.children_of(tx, self._cy, _distinct(ids)))
        return tuple(tuple(found.get(t, ())) for t in ids)

    def parents_of(self, twin_ids: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        ids = checks.require_read_ids(twin_ids)
        found = self._db.read_one(lambda tx: mtx.parents_of(tx, self._cy, _distinct(ids)))
        return tuple(tuple(found.get(t, ())) for t in ids)

    def children_below(
        self, twin_ids: Sequence[str], depth: int, *, limit: int = checks.MAX_READ_IDS
    ) -> Mapping[str, tuple[str, ...]]:
        ids = checks.require_read_ids(twin_ids)
        levels, most = checks.require_tree(depth, limit)
        distinct = _distinct(ids)
        if self._hierarchy.enabled:
            kept = self._kept_tree(distinct, levels, most)
            if kept is not None:
                return kept
        return self._db.read_one(
            lambda tx: mtx.children_below(tx, self._cy, distinct, levels, most)
        )

    def twins_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...]:
        ids = checks.require_read_ids(twin_ids)
        kept = self._kept_existence.kept(ids)
        if kept is not None:
            return kept
        found = self._existing(_distinct(ids))  # shared with concurrent calls
        return tuple(found.get(t, False) for t in ids)

    def kept_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...] | None:
        """What ``twins_exist(twin_ids)`` would return now, when it can be told without a
        query or a wait (the answers kept while the ``topology`` counter holds, within
        ``exists_stale_ms``: ``_kept_existence``); else None. An event loop may call it."""
        if len(twin_ids) > checks.MAX_READ_IDS:
            return None
        return self._kept_existence.kept(twin_ids)

    def _kept_tree(
        self, ids: list[str], depth: int, limit: int
    ) -> Mapping[str, tuple[str, ...]] | None:
        """``children_below`` from the kept hierarchy when the ``topology`` counter, read
        with the twins' existence, is its own; ``None`` otherwise (Neo4j walks it)."""
        hierarchy = self._hierarchy
        hierarchy.first()  # the first read of a process is waited for (see _hierarchy)
        found = self._hierarchy_checks([(t, False) for t in ids])
        known = [t for t in ids if (t, False) in found]
        if not known:
            return _NOTHING
        versions = {found[(t, False)][0] for t in known}
        if len(versions) != 1:  # never: one statement reads them
            return None
        return hierarchy.tree(known, depth, limit, versions.pop())

    def signals_of(self, twin_ids: Sequence[str]) -> tuple[Mapping[str, SignalValue], ...]:
        ids = checks.require_read_ids(twin_ids)
        found = self._db.read_one(lambda tx: mtx.signals_of(tx, self._cy, _distinct(ids)))
        return tuple(found.get(t, {}) for t in ids)

    def twins_with_signals(
        self, twin_ids: Sequence[str]
    ) -> tuple[tuple[Twin, Mapping[str, SignalValue]] | None, ...]:
        ids = checks.require_read_ids(twin_ids)
        found = self._twins_with_signals(_distinct(ids))  # shared with concurrent calls
        return tuple(found.get(t) for t in ids)

    def children_with_signals(
        self, twin_id: str, *, first: int, after: str | None = None
    ) -> ChildPage | None:
        limit = checks.require_page(first)
        cursor = checks.require_after(after)
        return self._db.read_one(
            lambda tx: mtx.children_with_signals(tx, self._cy, twin_id, limit, cursor)
        )

    def edges_from_many(
        self, sources: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        return self._edges_many(sources, name, outgoing=True)

    def edges_to_many(
        self, targets: Sequence[str], name: str | None = None
    ) -> tuple[tuple[Edge, ...], ...]:
        return self._edges_many(targets, name, outgoing=False)

    def _edges_many(
        self, twin_ids: Sequence[str], name: str | None, *, outgoing: bool
    ) -> tuple[tuple[Edge, ...], ...]:
        ids = checks.require_read_ids(twin_ids, name)

        def work(tx: Runs) -> dict[str, list[Edge]]:
            return mtx.edges_of(tx, self._cy, _distinct(ids), name, outgoing=outgoing)

        found = self._db.read_one(work)
        return tuple(tuple(found.get(t, ())) for t in ids)


def _distinct(ids: Sequence[str]) -> list[str]:
    """Each id once (a repeated id would otherwise repeat its rows in the group)."""
    return list(dict.fromkeys(ids))
