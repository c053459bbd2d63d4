"""The ancestor index of the ``contains`` DAG, in numpy.

Nodes are the integers ``0 .. n_nodes-1`` (the store maps twin ids to them);
the hierarchy is given as two int arrays, ``parent[i] -contains-> child[i]``.

:meth:`AncestorIndex.children` keeps the distinct edges (the ``children``
scope of a rollup); :meth:`AncestorIndex.build` (or ``.closure()`` of a
children index) keeps the transitive closure: every DISTINCT
``(ancestor, descendant)`` pair, however many paths join them, with the length
of the shortest path as ``depth``. A node under two parents is thus counted
once by every ancestor, the rule that keeps DAG rollups right.

Pairs are held as int64 arrays grouped by ancestor (CSR: the pairs of node
``a`` are ``offsets[a]:offsets[a+1]``); the grouping by descendant (for
``ancestors_of``) is built on first use. A children index also answers
:meth:`AncestorIndex.upward_pairs`: the distinct ancestors at any depth of
some nodes, by walking up the edges (O(pairs found), no closure): what the
rollup engine uses. Both builds refuse a cycle with
:class:`~ontology.CycleError` naming its path, and refuse inputs past
:data:`MAX_NODES`, :data:`MAX_EDGES` and ``max_pairs`` with ``InvalidError``.

The closure is built by frontier expansion by path length: the pairs at
length ``k+1`` are the pairs at length ``k`` extended by one edge. Only pairs
whose descendant lies at or under a multi-parent node can repeat; those alone
are de-duplicated (sorting packed ``ancestor * n + descendant`` int64 keys,
keeping the shortest depth), so a tree costs no sort beyond the final grouping,
and a lattice of diamonds (exponentially many paths) stays as small as its pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ontology._errors import CycleError, InvalidError
from ontology.rollup._arrays import (
    IntArray,
    check_range,
    distinct,
    first_distinct,
    group_offsets,
    int_array,
    positions,
    slices,
)

Scope = Literal["descendants", "children"]

MAX_NODES = 20_000_000
"""The most nodes an index takes."""
MAX_EDGES = 50_000_000
"""The most ``contains`` edges an index takes."""
MAX_PAIRS = 50_000_000
"""The default limit on distinct (ancestor, descendant) pairs (about 1.2 GB)."""


class AncestorIndex:
    """Distinct (ancestor, descendant) pairs of a DAG, grouped by ancestor."""

    __slots__ = (
        "_by_desc",
        "_in",
        "ancestor",
        "depth",
        "descendant",
        "labels",
        "level",
        "n_nodes",
        "offsets",
        "scope",
    )

    n_nodes: int
    scope: Scope
    ancestor: IntArray
    """The ancestor of each pair; ascending (pairs are grouped by it)."""
    descendant: IntArray
    """The descendant of each pair (for ``scope="children"``: the child)."""
    depth: NDArray[np.int32]
    """The length of the shortest path of each pair (1 for a child)."""
    offsets: IntArray
    """``n_nodes + 1`` offsets: node ``a``'s pairs are ``offsets[a]:offsets[a+1]``."""
    level: NDArray[np.int32]
    """Per node, the longest path from a root (roots are 0): a parent is below its children."""
    labels: Sequence[str] | None
    """Node names used in error messages, when the caller gave them."""

    def __init__(
        self,
        *,
        n_nodes: int,
        scope: Scope,
        ancestor: IntArray,
        descendant: IntArray,
        depth: NDArray[np.int32],
        level: NDArray[np.int32],
        labels: Sequence[str] | None = None,
    ) -> None:
        """Wrap pair arrays already grouped by ancestor; use the builders instead."""
        self.n_nodes = n_nodes
        self.scope = scope
        self.ancestor = ancestor
        self.descendant = descendant
        self.depth = depth
        self.level = level
        self.labels = labels
        self.offsets = group_offsets(ancestor, n_nodes)
        self._by_desc: tuple[IntArray, IntArray] | None = None
        self._in: IntArray | None = None

    # ------------------------------------------------------------ builders
    @classmethod
    def children(
        cls,
        n_nodes: int,
        parent: ArrayLike,
        child: ArrayLike,
        *,
        labels: Sequence[str] | None = None,
    ) -> AncestorIndex:
        """The distinct edges (scope ``"children"``); refuses a cycle."""
        par, chi = _checked_edges(n_nodes, parent, child, labels)
        key = distinct(par * max(n_nodes, 1) + chi)
        par, chi = np.divmod(key, max(n_nodes, 1))
        level = _levels(n_nodes, par, chi, labels)
        return cls(
            n_nodes=n_nodes,
            scope="children",
            ancestor=par,
            descendant=chi,
            depth=np.ones(len(par), dtype=np.int32),
            level=level,
            labels=labels,
        )

    @classmethod
    def build(
        cls,
        n_nodes: int,
        parent: ArrayLike,
        child: ArrayLike,
        *,
        labels: Sequence[str] | None = None,
        max_pairs: int = MAX_PAIRS,
    ) -> AncestorIndex:
        """The transitive closure (scope ``"descendants"``); refuses a cycle."""
        return cls.children(n_nodes, parent, child, labels=labels).closure(max_pairs=max_pairs)

    def closure(self, *, max_pairs: int = MAX_PAIRS) -> AncestorIndex:
        """The descendants index of this children index (itself if it is one)."""
        if self.scope == "descendants":
            return self
        n = self.n_nodes
        par, chi, off = self.ancestor, self.descendant, self.offsets
        outdeg = np.diff(off)
        indeg = np.bincount(chi, minlength=n)
        tainted = _tainted(self.level, par, chi, indeg >= 2)

        parts_a: list[IntArray] = []
        parts_d: list[IntArray] = []
        parts_k: list[NDArray[np.int32]] = []
        dirty_a: list[IntArray] = []
        dirty_d: list[IntArray] = []
        dirty_k: list[NDArray[np.int32]] = []
        total = 0
        fa, fd = par, chi
        k = 1
        while len(fa):
            dirty = tainted[fd]
            if dirty.any():
                # Pairs under a merge point may repeat within this length: keep one.
                key = distinct(fa[dirty] * n + fd[dirty])
                clean = ~dirty
                da, dd = np.divmod(key, n)
                dirty_a.append(da)
                dirty_d.append(dd)
                dirty_k.append(np.full(len(da), k, dtype=np.int32))
                ca, cd = fa[clean], fd[clean]
                fa, fd = np.concatenate((ca, da)), np.concatenate((cd, dd))
            else:
                ca, cd = fa, fd
            parts_a.append(ca)
            parts_d.append(cd)
            parts_k.append(np.full(len(ca), k, dtype=np.int32))
            total += len(fa)
            if total > max_pairs:
                msg = (
                    f"the hierarchy has more than max_pairs={max_pairs} (ancestor, descendant)"
                    f" pairs (over {total} at path length {k}); expected a shallower hierarchy"
                    " or a larger max_pairs"
                )
                raise InvalidError(msg)
            # Extend every pair by one edge: (a, d) -> (a, c) for each child c of d.
            lens = outdeg[fd]
            fa, fd = np.repeat(fa, lens), chi[positions(off, fd, lens)]
            k += 1

        if dirty_a:
            # The same pair may come at several lengths: keep the shortest (first).
            key = np.concatenate([a * n + d for a, d in zip(dirty_a, dirty_d, strict=True)])
            key, first = first_distinct(key)
            da, dd = np.divmod(key, n)
            parts_a.append(da)
            parts_d.append(dd)
            parts_k.append(np.concatenate(dirty_k)[first])
        anc = np.concatenate(parts_a) if parts_a else np.zeros(0, dtype=np.int64)
        desc = np.concatenate(parts_d) if parts_d else np.zeros(0, dtype=np.int64)
        depth = np.concatenate(parts_k) if parts_k else np.zeros(0, dtype=np.int32)
        # The parts are a few runs sorted by ancestor: a stable sort merges them quickly.
        order = np.argsort(anc, kind="stable")
        return AncestorIndex(
            n_nodes=n,
            scope="descendants",
            ancestor=anc[order],
            descendant=desc[order],
            depth=depth[order],
            level=self.level,
            labels=self.labels,
        )

    # --------------------------------------------------------------- reads
    @property
    def n_pairs(self) -> int:
        return len(self.ancestor)

    def descendants_of(self, node: int, *, max_depth: int | None = None) -> IntArray:
        """The distinct descendants (or children) of ``node``, ascending."""
        self._check_node(node)
        lo, hi = int(self.offsets[node]), int(self.offsets[node + 1])
        out = self.descendant[lo:hi]
        if max_depth is not None:
            out = out[self.depth[lo:hi] <= max_depth]
        return np.sort(out)

    def ancestors_of(self, nodes: ArrayLike) -> IntArray:
        """The distinct ancestors (or parents) of any of ``nodes``, ascending."""
        _, anc = self.ancestor_pairs(nodes)
        return distinct(anc)

    def ancestor_pairs(self, nodes: ArrayLike) -> tuple[IntArray, IntArray]:
        """``(row, ancestor)``: each distinct ancestor of ``nodes[row]``, once per node."""
        arr = self._check_nodes(nodes, "nodes")
        desc_off, anc_by_desc = self._descendant_grouping()
        pos, row = slices(desc_off, arr, np.diff(desc_off))
        return row, anc_by_desc[pos]

    def upward_pairs(
        self, nodes: ArrayLike, *, max_pairs: int = MAX_PAIRS
    ) -> tuple[IntArray, IntArray]:
        """``(row, ancestor)``: each distinct ancestor, at any depth, of ``nodes[row]``.

        Found by walking up the edges one level at a time (for a children
        index; the pairs of a descendants index are its edges), so no closure
        is needed: O(pairs found). Raises ``InvalidError`` past ``max_pairs``.
        """
        if self.scope != "children":
            return self.ancestor_pairs(nodes)
        arr = self._check_nodes(nodes, "nodes")
        up_off, up = self._descendant_grouping()
        indeg = self._indegree()
        n = max(self.n_nodes, 1)
        keys: list[IntArray] = []
        row, cur = np.arange(len(arr), dtype=np.int64), arr
        total = 0
        merges = False
        while len(cur):
            lens = indeg[cur]
            pos, at = slices(up_off, cur, indeg)
            key = row[at] * n + up[pos]
            if len(lens) and int(lens.max()) > 1:  # paths split: they may meet again
                merges = True
            if merges:
                key = distinct(key, runs=True)
            keys.append(key)
            total += len(key)
            if total > max_pairs:
                msg = (
                    f"the ancestors of {len(arr)} nodes make more than max_pairs={max_pairs}"
                    " (node, ancestor) pairs; expected a shallower hierarchy or fewer nodes"
                )
                raise InvalidError(msg)
            row, cur = np.divmod(key, n)
        found = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        if merges:  # the same ancestor may be reached by paths of different lengths
            found = distinct(found, runs=True)
        row, anc = np.divmod(found, n)
        return row, anc

    def pair_slices(self, nodes: ArrayLike) -> tuple[IntArray, IntArray]:
        """``(row, position)``: the pairs of each of ``nodes`` as positions in the pair arrays."""
        arr = self._check_nodes(nodes, "nodes")
        pos, row = slices(self.offsets, arr, np.diff(self.offsets))
        return row, pos

    def is_ancestor(self, ancestor: int, descendant: int) -> bool:
        """Whether ``descendant`` lies under ``ancestor`` (a child, for scope children)."""
        self._check_node(ancestor)
        self._check_node(descendant)
        lo, hi = int(self.offsets[ancestor]), int(self.offsets[ancestor + 1])
        return bool(np.any(self.descendant[lo:hi] == descendant))

    def label(self, node: int) -> str:
        return self.labels[node] if self.labels is not None else f"#{node}"

    # ------------------------------------------------------------- helpers
    def _indegree(self) -> IntArray:
        """Per node, its pairs as a descendant (its parents, for a children index)."""
        if self._in is None:
            self._in = np.diff(self._descendant_grouping()[0])
        return self._in

    def _descendant_grouping(self) -> tuple[IntArray, IntArray]:
        if self._by_desc is None:
            order = np.argsort(self.descendant, kind="stable")
            self._by_desc = (
                group_offsets(self.descendant[order], self.n_nodes),
                self.ancestor[order],
            )
        return self._by_desc

    def _check_node(self, node: int) -> None:
        if not 0 <= node < self.n_nodes:
            msg = f"node is {node}; expected a node index in [0, {self.n_nodes})"
            raise InvalidError(msg)

    def _check_nodes(self, nodes: ArrayLike, name: str) -> IntArray:
        arr = int_array(nodes, name)
        check_range(arr, self.n_nodes, name)
        return arr


# ---------------------------------------------------------------- kernels
def _levels(
    n: int, par: IntArray, chi: IntArray, labels: Sequence[str] | None
) -> NDArray[np.int32]:
    """Longest path from a root per node (Kahn's peeling, one numpy step per level)."""
    off = group_offsets(par, n)
    outdeg = np.diff(off)
    indeg = np.bincount(chi, minlength=n)
    level = np.full(n, -1, dtype=np.int32)
    roots = indeg == 0
    frontier = np.flatnonzero(roots)
    mark: NDArray[np.bool_] | None = roots if len(frontier) > n // 32 else None
    k = 0
    while len(frontier):
        level[frontier] = k
        if mark is not None:  # a wide level: its edges by one mask over all edges
            reached = chi[mark[par]]
        else:
            reached = chi[positions(off, frontier, outdeg[frontier])]
        if len(reached) > n // 32:  # a wide level: one count beats a scatter
            indeg -= np.bincount(reached, minlength=n)
        else:
            np.subtract.at(indeg, reached, 1)
        ready = reached[indeg[reached] == 0]
        if len(ready) > n // 32:  # a wide level: a mark array beats sorting
            mark = np.zeros(n, dtype=np.bool_)
            mark[ready] = True
            frontier = np.flatnonzero(mark)
        else:
            mark = None
            frontier = distinct(ready)
        k += 1
    if (level < 0).any():
        raise CycleError(_cycle_path(n, par, chi, level, labels))
    return level


def _cycle_path(
    n: int, par: IntArray, chi: IntArray, level: NDArray[np.int32], labels: Sequence[str] | None
) -> list[str]:
    """One cycle among the nodes Kahn's peeling left: walk up unpeeled parents until a repeat."""
    order = np.argsort(chi, kind="stable")
    in_off = group_offsets(chi[order], n)
    parents_of = par[order]
    node = int(np.flatnonzero(level < 0)[0])
    seen: dict[int, int] = {}
    walk: list[int] = []
    while node not in seen:
        seen[node] = len(walk)
        walk.append(node)
        ps = parents_of[in_off[node] : in_off[node + 1]]
        node = int(ps[level[ps] < 0][0])  # an unpeeled node always has an unpeeled parent
    cycle = walk[seen[node] :][::-1]  # walked child -> parent; report parent -> child
    first = cycle.index(min(cycle))  # start at the lowest node: the same cycle, the same text
    cycle = [*cycle[first:], *cycle[:first], cycle[first]]
    return [labels[i] if labels is not None else f"#{i}" for i in cycle]


def _tainted(
    level: NDArray[np.int32], par: IntArray, chi: IntArray, multi: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Nodes with a multi-parent node at or above them (only their pairs can repeat)."""
    tainted = multi.copy()
    if not multi.any():
        return tainted
    edge_level = level[chi]
    order = np.argsort(edge_level, kind="stable")
    bounds = np.searchsorted(edge_level[order], np.arange(1, int(level.max()) + 2))
    for lo, hi in itertools.pairwise(bounds):
        sel = order[lo:hi]
        hit = chi[sel][tainted[par[sel]]]
        tainted[hit] = True
    return tainted


def _checked_edges(
    n_nodes: int, parent: ArrayLike, child: ArrayLike, labels: Sequence[str] | None
) -> tuple[IntArray, IntArray]:
    if not 0 <= n_nodes <= MAX_NODES:
        msg = f"n_nodes is {n_nodes}; expected 0 to {MAX_NODES}"
        raise InvalidError(msg)
    if labels is not None and len(labels) != n_nodes:
        msg = f"labels has {len(labels)} names; expected one per node ({n_nodes})"
        raise InvalidError(msg)
    par = int_array(parent, "parent")
    chi = int_array(child, "child")
    if len(par) != len(chi):
        msg = f"parent has {len(par)} entries and child {len(chi)}; expected one per edge each"
        raise InvalidError(msg)
    if len(par) > MAX_EDGES:
        msg = f"{len(par)} edges given; expected at most {MAX_EDGES}"
        raise InvalidError(msg)
    check_range(par, n_nodes, "parent")
    check_range(chi, n_nodes, "child")
    loops = np.flatnonzero(par == chi)
    if len(loops):
        node = int(par[loops[0]])
        name = labels[node] if labels is not None else f"#{node}"
        raise CycleError([name, name])
    return par, chi
