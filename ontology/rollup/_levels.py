"""Aggregates over every node's distinct descendants, level by level, without the closure.

A full rollup over the (ancestor, descendant) pairs of the transitive closure
needs the closure first, which for a 100k-twin plant is several times the cost
of the rollup itself. :class:`LevelPlan` needs only the ``contains`` edges:

- min and max are idempotent: a node's extreme is the extreme of its children's
  values and extremes, so one pass over the edges, deepest child level first,
  gives every node's (however many paths reach a descendant).
- sums (count, sum, mean, weighted mean) must see each distinct descendant
  once. Walking up from a node through nodes with one parent each ends at a
  root or at the first node with two or more parents, its *merge* node ``m(d)``
  (itself, if it has two). A node's *local* sum ``L(x)``, summed over the
  edges into single-parent children only, holds exactly the descendants whose
  walk up meets ``x`` first, each once. Every other descendant ``d`` of ``x``
  has ``m(d)`` among ``x``'s descendants, so
  ``total(x) = L(x) + sum over distinct merge descendants m of (v(m) + L(m))``,
  with the distinct (ancestor, merge node) pairs found by walking up from the
  merge nodes (:meth:`AncestorIndex.upward_pairs`); a plant has few.

Built once per topology by :class:`~ontology.rollup._engine.RollupEngine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ontology._errors import InvalidError
from ontology.rollup._ancestry import MAX_PAIRS, AncestorIndex
from ontology.rollup._arrays import IntArray

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


def _step(parent: IntArray, child: IntArray) -> _Step:
    """One level's edges, ``parent`` ascending (non-empty)."""
    new_run = np.empty(len(parent), dtype=np.bool_)
    new_run[0] = True
    np.not_equal(parent[1:], parent[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run).astype(np.int64)
    return _Step(parent, child, starts, parent[starts])


def _steps(par: IntArray, chi: IntArray, level: NDArray[np.int32]) -> list[_Step]:
    """The edges (grouped by parent, ascending) cut by child level, deepest first."""
    if not len(par):
        return []
    child_level = level[chi]
    order = np.argsort(-child_level, kind="stable")  # keeps the parents ascending per level
    par, chi, child_level = par[order], chi[order], child_level[order]
    cuts = np.flatnonzero(child_level[1:] != child_level[:-1]) + 1
    return [_step(p, c) for p, c in zip(np.split(par, cuts), np.split(chi, cuts), strict=True)]


def _kept(steps: list[_Step], keep: NDArray[np.bool_]) -> list[_Step]:
    """The steps with only the edges into children ``keep`` allows."""
    out: list[_Step] = []
    for step in steps:
        sel = keep[step.child]
        if sel.any():
            out.append(_step(step.parent[sel], step.child[sel]))
    return out


class LevelPlan:
    """How to aggregate over distinct descendants given the ``contains`` edges only."""

    __slots__ = ("_all", "_merge", "_merge_anc", "_n", "_tree")

    def __init__(self, children: AncestorIndex, *, max_pairs: int = MAX_PAIRS) -> None:
        if children.scope != "children":
            msg = f"the index given has scope {children.scope!r}; expected a children index"
            raise InvalidError(msg)
        n = children.n_nodes
        par, chi, level = children.ancestor, children.descendant, children.level
        merge = np.bincount(chi, minlength=n) >= 2
        self._n = n
        self._all = _steps(par, chi, level)
        self._tree = _kept(self._all, ~merge) if merge.any() else self._all
        nodes = np.flatnonzero(merge).astype(np.int64)
        row, anc = children.upward_pairs(nodes, max_pairs=max_pairs)
        self._merge_anc: IntArray = anc
        self._merge: IntArray = nodes[row]

    def sums(self, items: FloatArray) -> FloatArray:
        """Per node, the sum of ``items`` over its distinct descendants."""
        local = np.zeros(self._n)
        with np.errstate(over="ignore", invalid="ignore"):  # an inf or overflow is a value
            for step in self._tree:
                part = items[step.child] + local[step.child]
                local[step.targets] += np.add.reduceat(part, step.starts)
            if not len(self._merge_anc):
                return local
            merged = items[self._merge] + local[self._merge]
            return local + np.bincount(self._merge_anc, weights=merged, minlength=self._n)

    def extremes(self, op: np.ufunc, identity: float, items: FloatArray) -> FloatArray:
        """Per node, ``op`` (minimum or maximum) of ``items`` over its descendants."""
        out = np.full(self._n, identity)
        for step in self._all:
            part = op(items[step.child], out[step.child])
            out[step.targets] = op(out[step.targets], op.reduceat(part, step.starts))
        return out
