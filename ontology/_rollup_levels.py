"""Aggregates over every node's distinct descendants, level by level, without the closure.

A full rollup over the (ancestor, descendant) pairs of the transitive closure
needs the closure first, which for a 100k-twin plant is several times the cost
of the rollup itself. :class:`LevelPlan` needs only the ``contains`` edges:

- min and max are idempotent: a node's extreme is the extreme of its children's
  values and extremes, so one pass over the edges, deepest child level first,
  gives every node's (however many paths reach a descendant).
- sums (count, sum, mean, weighted mean) must see each distinct descendant
  once. A node is *tainted* when it, or a node above it, has two parents; an
  untainted node is reached from each of its ancestors by exactly one path, so
  summing children's values and sums over the edges into untainted children
  counts each once. Tainted descendants are added from their distinct
  (ancestor, tainted node) pairs, found by walking up from them
  (:meth:`AncestorIndex.upward_pairs`); a plant has few.

Built once per topology by :class:`~ontology._rollup.RollupEngine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ontology._ancestry import MAX_PAIRS, AncestorIndex, IntArray, _tainted
from ontology._errors import InvalidError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class _Step:
    """The edges whose child is at one level: grouped by parent."""

    parent: IntArray
    child: IntArray
    starts: IntArray
    """Where each run of one parent starts in ``parent`` / ``child``."""
    targets: IntArray
    """The parent of each run (distinct)."""


def _steps(par: IntArray, chi: IntArray, level: NDArray[np.int32]) -> list[_Step]:
    """The edges (grouped by parent, ascending) cut by child level, deepest first."""
    if not len(par):
        return []
    child_level = level[chi]
    order = np.argsort(-child_level, kind="stable")  # keeps the parents ascending per level
    par, chi, child_level = par[order], chi[order], child_level[order]
    cuts = np.flatnonzero(child_level[1:] != child_level[:-1]) + 1
    steps: list[_Step] = []
    for p, c in zip(np.split(par, cuts), np.split(chi, cuts), strict=True):
        new_run = np.empty(len(p), dtype=np.bool_)
        new_run[0] = True
        np.not_equal(p[1:], p[:-1], out=new_run[1:])
        starts = np.flatnonzero(new_run).astype(np.int64)
        steps.append(_Step(p, c, starts, p[starts]))
    return steps


class LevelPlan:
    """How to aggregate over distinct descendants given the ``contains`` edges only."""

    __slots__ = ("_all", "_n", "_tainted_anc", "_tainted_desc", "_tree")

    def __init__(self, children: AncestorIndex, *, max_pairs: int = MAX_PAIRS) -> None:
        if children.scope != "children":
            msg = f"the index given has scope {children.scope!r}; expected a children index"
            raise InvalidError(msg)
        n = children.n_nodes
        par, chi, level = children.ancestor, children.descendant, children.level
        indeg = np.bincount(chi, minlength=n)
        tainted = _tainted(level, par, chi, indeg >= 2)
        self._n = n
        self._all = _steps(par, chi, level)
        clean = ~tainted[chi]
        self._tree = self._all if clean.all() else _steps(par[clean], chi[clean], level)
        nodes = np.flatnonzero(tainted).astype(np.int64)
        row, anc = children.upward_pairs(nodes, max_pairs=max_pairs)
        self._tainted_anc: IntArray = anc
        self._tainted_desc: IntArray = nodes[row]

    def sums(self, items: FloatArray) -> FloatArray:
        """Per node, the sum of ``items`` over its distinct descendants."""
        total = np.zeros(self._n)
        with np.errstate(over="ignore", invalid="ignore"):  # an inf or overflow is a value
            for step in self._tree:
                part = items[step.child] + total[step.child]
                total[step.targets] += np.add.reduceat(part, step.starts)
        if len(self._tainted_anc):
            weights = items[self._tainted_desc]
            total += np.bincount(self._tainted_anc, weights=weights, minlength=self._n)
        return total

    def extremes(self, op: np.ufunc, identity: float, items: FloatArray) -> FloatArray:
        """Per node, ``op`` (minimum or maximum) of ``items`` over its descendants."""
        out = np.full(self._n, identity)
        for step in self._all:
            part = op(items[step.child], out[step.child])
            out[step.targets] = op(out[step.targets], op.reduceat(part, step.starts))
        return out
