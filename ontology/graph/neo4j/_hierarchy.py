"""The ``contains`` DAG kept in the store process, for descendant counts and listings.

Counting the 10,000 descendants of a twin costs Neo4j a breadth-first expansion
of about 30,000 relationships per call (its best Cypher form: a pruning
variable-length expand, each twin once). The hierarchy changes seldom; every
change of twins or ``contains`` edges moves the ``topology`` counter in the
same transaction. So the store keeps the hierarchy (a ``Topology``: twin ids
in id order and the edges as node-number arrays) tagged with the counter it
was read at, and answers ``descendants`` and ``count_descendants`` without a
model filter from it: each call still reads the counter, in one statement
with the twin's existence (:func:`graph_tx.hierarchy_checks`, shared by
concurrent calls: ``_shared``), and uses the kept hierarchy only when the
counter has not moved, so a call never answers from an older hierarchy than
Neo4j holds. Otherwise Neo4j answers (in the
same statement, for a count) and the hierarchy is read again.

The read again runs on a thread of its own (the call that found it stale does
not wait), one at a time, and, when the counter keeps moving, no more often
than one read per ``REFRESH_SPACING`` times the last read's duration: while
twins are being loaded the store spends at most about a tenth of one thread
re-reading, and answers from Neo4j meanwhile. The read takes the counter
first, then the twins and edges (a later write may show in them: the
hierarchy is then tagged older than it is, and read again at the next call).
Only the first read is waited for: while no hierarchy is kept yet, a call
waits for it (at most ``FIRST_READ_WAIT_S``) rather than have Neo4j expand
its subtree: a busy server's first calls all came at once, and each had Neo4j
count (tens of ms of Neo4j's CPU each) while the read they started waited for
the same cores.

Results (the sorted descendant nodes of a twin and depth) are kept for the
hierarchy they were computed on, at most ``MAX_KEPT_RESULTS`` of them. So are
``children_below`` answers (levels of children at once: a nested ``children``
selection), checked the same way: at most ``MAX_KEPT_RESULTS`` of them and
``MAX_KEPT_TREE_TWINS`` twins in all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from ontology.graph.neo4j import _graph_tx as gtx
from ontology.graph.neo4j import _twin_tx as ttx
from ontology.graph.neo4j._db import Neo4jDatabase
from ontology.graph.neo4j._kept_tree import tree_below
from ontology.graph.neo4j._twin_tx import Tx
from ontology.rollup._topology import Nodes, Topology, TwinModel

TOPOLOGY = "topology"
"""The counter that moves with every change of twins or ``contains`` edges."""
REFRESH_SPACING = 10.0
"""After a read of the hierarchy, the next waits at least this many times its duration."""
MAX_KEPT_RESULTS = 256
"""Descendant lists kept per hierarchy (a twin and a depth each); as many trees."""
MAX_KEPT_TREE_TWINS = 100_000
"""The most twins the kept ``children_below`` answers of a hierarchy hold in all."""
FIRST_READ_WAIT_S = 5.0
"""How long a call waits for the first read of the hierarchy before Neo4j answers it."""


def read_topology(tx: Tx, db: Neo4jDatabase, version: int) -> Topology:
    """Every twin (id, model) and every ``contains`` edge, as a ``Topology`` tagged
    ``version`` (read the counter before calling: the tag is then never newer)."""
    cy = db.cypher
    twins, models = ttx.columns(tx, cy("MATCH (t:Twin) RETURN collect(t.id), collect(t.model)"))
    parents, children = gtx.all_contains(tx, cy)
    kids: dict[str, list[str]] = {}
    for parent, child in zip(parents, children, strict=True):
        kids.setdefault(parent, []).append(child)
    nodes = {twin: TwinModel(model) for twin, model in zip(twins, models, strict=True)}
    return Topology(nodes, kids, version=version)


class Below:
    """The descendants of one twin within a depth, on the kept hierarchy."""

    __slots__ = ("_nodes", "_topology")

    def __init__(self, topology: Topology, nodes: Nodes) -> None:
        self._topology = topology
        self._nodes = nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def page(self, after: str | None, limit: int) -> list[str]:
        """The ids (in id order) past ``after``, at most ``limit`` of them."""
        nodes = self._nodes
        start = int(np.searchsorted(nodes, self._topology.after(after))) if after else 0
        ids: list[str] = self._topology.ids_arr[nodes[start : start + limit]].tolist()
        return ids


class _Kept:
    """A hierarchy and the descendant lists computed on it (replaced together)."""

    __slots__ = ("results", "topology", "tree_twins", "trees")

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.results: dict[tuple[int, int], Nodes] = {}
        """``(node, depth)`` -> sorted descendant nodes."""
        self.trees: dict[tuple[tuple[str, ...], int, int], Mapping[str, tuple[str, ...]]] = {}
        """``(twin ids, depth, limit)`` -> ``children_below``'s answer."""
        self.tree_twins = 0
        """How many twins ``trees`` holds in all."""


class Hierarchy:
    """The kept ``contains`` DAG of one store, and the descendant lists computed on it."""

    def __init__(self, db: Neo4jDatabase, *, enabled: bool) -> None:
        self._db = db
        self._enabled = enabled
        self._kept: _Kept | None = None
        self._refreshing = threading.Lock()
        self._thread: threading.Thread | None = None
        self._not_before = 0.0
        """``time.monotonic()`` before which no read of the hierarchy starts."""
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def version(self) -> int | None:
        """The ``topology`` counter the kept hierarchy was read at (``None``: none kept)."""
        kept = self._kept
        return kept.topology.version if kept is not None else None

    def below(self, twin_id: str, depth: int, version: int) -> Below | None:
        """The descendants of ``twin_id`` within ``depth`` levels, when the kept hierarchy
        is the one of counter ``version``; ``None`` otherwise (ask Neo4j)."""
        kept = self._kept
        if kept is None or kept.topology.version != version:
            self.stale()
            return None
        topology = kept.topology
        node = topology.pos.get(twin_id)
        if node is None:  # never: creating a twin moves the counter
            return None
        key = (node, depth)
        found = kept.results.get(key)
        if found is None:
            found = topology.descendants(node, depth)
            found.setflags(write=False)
            if len(kept.results) >= MAX_KEPT_RESULTS:
                kept.results.clear()
            kept.results[key] = found
        return Below(topology, found)

    def tree(
        self, twin_ids: Sequence[str], depth: int, limit: int, version: int
    ) -> Mapping[str, tuple[str, ...]] | None:
        """``children_below(twin_ids, depth, limit=limit)`` of the existing, distinct
        ``twin_ids`` when the kept hierarchy is the one of counter ``version``; ``None``
        otherwise (ask Neo4j)."""
        kept = self._kept
        if kept is None or kept.topology.version != version:
            self.stale()
            return None
        key = (tuple(twin_ids), depth, limit)
        found = kept.trees.get(key)
        if found is None:
            tree = tree_below(kept.topology, twin_ids, depth, limit)
            if tree is None:  # never: creating a twin moves the counter
                return None
            found = MappingProxyType(tree)
            if len(kept.trees) >= MAX_KEPT_RESULTS or kept.tree_twins >= MAX_KEPT_TREE_TWINS:
                kept.trees.clear()
                kept.tree_twins = 0
            kept.trees[key] = found
            kept.tree_twins += len(found) + len(key[0])
        return found

    def first(self) -> None:
        """When no hierarchy is kept yet: read it (or join the read running) and wait for
        it, at most ``FIRST_READ_WAIT_S``."""
        if self._kept is None and self._enabled:
            self.stale()
            # held from the start of a read to its end (by the thread reading)
            if self._refreshing.acquire(timeout=FIRST_READ_WAIT_S):
                self._refreshing.release()

    def stale(self) -> None:
        """Neo4j's counter is not the kept hierarchy's: read it again on a thread of its
        own, unless a read is running or the last one was too recent."""
        if not self._enabled or self._closed or time.monotonic() < self._not_before:
            return
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is reading it
        try:
            thread = threading.Thread(target=self._refresh, name="neo4j-hierarchy", daemon=True)
            thread.start()
            self._thread = thread  # once started: wait() may join it
        except BaseException:
            self._refreshing.release()
            raise

    def _refresh(self) -> None:
        started = time.monotonic()
        fresh: Topology | None = None
        try:
            fresh = self._db.read(self._read)
        except Exception:  # unreachable, or closing: a later stale call tries again
            fresh = None
        finally:
            ended = time.monotonic()
            self._not_before = ended + REFRESH_SPACING * (ended - started)
            if fresh is not None and not self._closed:
                self._kept = _Kept(fresh)
            self._refreshing.release()

    def _read(self, tx: Tx) -> Topology:
        return read_topology(tx, self._db, ttx.version(tx, self._db.cypher, TOPOLOGY))

    def wait(self, timeout: float | None = None) -> None:
        """Until the read of the hierarchy running now (if any) is done."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """Stop reading (before the driver closes): waits a moment for a running read."""
        self._closed = True
        self.wait(5.0)
