"""The rollup engine both graph stores share; store-agnostic.

Rollups (sum, min, max, mean, weighted mean, count of a signal over each
twin's distinct descendants or its children, optionally only twins of a model)
are computed in numpy over the ``contains`` edges numbered by twin: a full run
goes level by level up the DAG, a later run updates only the ancestors of the
values that changed, and a twin reached by two paths counts once; no
transitive closure is built. Results are written back by the store as derived
signals (batch ``"rollup"``). This module only sees node indexes ``0 .. n-1``
and per-node float64 columns, ``NaN`` meaning "no value".

Calling convention (what ``define_rollup`` / ``recompute_rollups`` do)::

    engine = RollupEngine()                      # one per store, guarded by the store's lock
    engine.set_topology(n, parent, child, labels=twin_ids)
        # n twins; parent[i] -contains-> child[i] as int arrays of node indexes;
        # labels: the twin id of each index (names a cycle, carries results across
        # renumbering). Raises CycleError / InvalidError and keeps the old topology.
        # Cheap to call again with the same arrays (nothing is rebuilt).
    result = engine.recompute(
        spec,
        values,                 # float64[n]: the spec.signal of every twin, NaN = none
        weights=w,              # float64[n]: spec.weight, required for weighted_mean
        of_mask=of,             # bool[n]: twin's model is/extends spec.of_model (None: all)
        on_mask=on,             # bool[n]: twin's model is/extends spec.on_model (None: any
                                #          twin with at least one contributing node)
        changed=None,           # optional int[k]: nodes the caller knows changed; only
                                # range-checked: the engine compares every node's raw
                                # inputs with a copy it holds (one O(n) pass per column,
                                # ~0.05 ms at 100k nodes), so a list that misses a change
                                # can never leave a stale rollup
    )
    for node, value in zip(result.nodes, result.values):  # write these derived values
        ...  # value NaN: the aggregate has no value (min/max/mean over nothing): write null
    for node in result.cleared:  # these held the rollup and are no longer targets
        ...  # remove the derived signal

``engine.index("descendants")`` (or ``"children"``) is the
:class:`~ontology.rollup._ancestry.AncestorIndex` of the held topology, for hierarchy
reads: ``descendants_of(node, max_depth=...)``, ``ancestors_of(nodes)``,
``is_ancestor(a, d)`` (e.g. to refuse a ``contains`` edge that would close a
cycle before writing it).

The first ``recompute`` of a spec (and any after ``set_topology`` changed the
graph, ``forget``, or ``full=True``) is a full computation; later ones are
incremental: the engine compares the inputs with the ones it saw, and only
the ancestors of changed nodes are updated (sum, count and mean by adding the
differences along the distinct ancestor pairs, found by walking up the edges;
min and max by folding values that became more extreme into their ancestors
and re-deriving, from their children level by level, only the ancestors of
values that receded). A full computation needs no closure either: a
descendants rollup runs level by level over the edges
(:mod:`ontology.rollup._levels`), a children rollup over the edges' pairs; the
descendants index is built only when ``index("descendants")`` is asked for. ``result.nodes``
holds only targets whose value differs from the one last returned, so a store
writes nothing when nothing changed. Incremental sums can differ from a full
sum by float rounding; every ``refresh_every`` incremental runs of a spec are
replaced by a full one.

Aggregates: ``sum`` (0 over no contributor), ``count`` (of contributing nodes
with a value), ``min``, ``max``, ``mean`` (sum / count), ``weighted_mean``
(sum(w*v) / sum(w) over nodes where neither is NaN; no value when sum(w) is 0).
A node contributes when its value is not NaN and ``of_mask`` allows it; a node
never contributes to itself.

:func:`compute_rollup` is the stateless form of one full (or targeted)
computation over a given index's pairs, used by tests and benchmarks as the
reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ontology._errors import InvalidError
from ontology.graph._values import Aggregate, RollupSpec
from ontology.rollup._ancestry import (
    MAX_PAIRS,
    AncestorIndex,
    Scope,
)
from ontology.rollup._arrays import IntArray, check_range, distinct, group_offsets, int_array
from ontology.rollup._levels import LevelPlan
from ontology.rollup._topology import Topology

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_SUMS = frozenset({Aggregate.SUM, Aggregate.COUNT, Aggregate.MEAN, Aggregate.WEIGHTED_MEAN})
_EXTREMES = {Aggregate.MIN: (np.minimum, np.inf), Aggregate.MAX: (np.maximum, -np.inf)}


@dataclass(frozen=True, slots=True, eq=False)
class RollupResult:
    """What a recompute asks the store to write."""

    nodes: IntArray
    """Target nodes whose value is new or changed, ascending."""
    values: FloatArray
    """Their values; NaN means the aggregate has no value (e.g. a min over nothing)."""
    cleared: IntArray
    """Nodes that held the rollup and are no longer targets, ascending."""
    full: bool
    """Whether this run was a full computation (else incremental)."""


# ---------------------------------------------------------------- kernels
@dataclass(slots=True, eq=False)
class _Inputs:
    """Per node, what it contributes to its ancestors' aggregates."""

    has: FloatArray
    """1.0 where the node contributes, else 0.0."""
    s1: FloatArray | None
    """Sum family: the value (weight * value for a weighted mean), else 0."""
    s0: FloatArray | None
    """Weighted mean: the weight, else 0."""
    ext: FloatArray | None
    """Min / max: the value, else the identity (+inf for min, -inf for max)."""

    def arrays(self) -> list[FloatArray]:
        return [a for a in (self.has, self.s1, self.s0, self.ext) if a is not None]


@dataclass(slots=True, eq=False)
class _Totals:
    """Per target, the aggregated inputs."""

    n: FloatArray
    s1: FloatArray | None
    s0: FloatArray | None
    ext: FloatArray | None


def _inputs(
    agg: Aggregate,
    values: FloatArray,
    weights: FloatArray | None,
    of_mask: BoolArray | None,
) -> _Inputs:
    ok = ~np.isnan(values)
    if of_mask is not None:
        ok &= of_mask
    if agg is Aggregate.WEIGHTED_MEAN:
        assert weights is not None
        ok &= ~np.isnan(weights)
        s0 = np.where(ok, weights, 0.0)
        return _Inputs(ok.astype(np.float64), np.where(ok, weights * values, 0.0), s0, None)
    has = ok.astype(np.float64)
    if agg in _EXTREMES:
        return _Inputs(has, None, None, np.where(ok, values, _EXTREMES[agg][1]))
    s1 = np.where(ok, values, 0.0) if agg is not Aggregate.COUNT else None
    return _Inputs(has, s1, None, None)


def _reduce(
    agg: Aggregate,
    inp: _Inputs,
    group: IntArray,
    desc: IntArray,
    size: int,
    offsets: IntArray | None = None,
) -> _Totals:
    """Aggregate the inputs of ``desc`` into ``group`` (both over the same pairs).

    ``group`` is ascending (pairs come grouped by target); ``offsets`` are its
    ``size + 1`` group bounds when the caller holds them already.
    """

    def total(a: FloatArray | None) -> FloatArray | None:
        if a is None:
            return None
        return np.bincount(group, weights=a[desc], minlength=size).astype(np.float64, copy=False)

    n = total(inp.has)
    assert n is not None
    ext = None
    if inp.ext is not None:
        op, identity = _EXTREMES[agg]
        bounds = offsets if offsets is not None else group_offsets(group, size)
        ext = _group_extreme(op, identity, inp.ext[desc], bounds)
    return _Totals(n, total(inp.s1), total(inp.s0), ext)


def _group_extreme(
    op: np.ufunc, identity: float, items: FloatArray, bounds: IntArray
) -> FloatArray:
    """``op`` over each group ``items[bounds[i]:bounds[i+1]]`` (identity when empty).

    A ``reduceat`` over the contiguous groups: several times faster than
    ``op.at`` scattering every pair.
    """
    out = np.full(len(bounds) - 1, identity)
    starts = bounds[:-1]
    filled = bounds[1:] > starts
    if len(items):
        out[filled] = op.reduceat(items, starts[filled])
    return out


def _finish(agg: Aggregate, tot: _Totals, at: IntArray | slice) -> FloatArray:
    n = tot.n[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        if agg is Aggregate.COUNT:
            return n.copy()
        if agg is Aggregate.SUM:
            assert tot.s1 is not None
            return np.where(n > 0, tot.s1[at], 0.0)
        if agg is Aggregate.MEAN:
            assert tot.s1 is not None
            return np.where(n > 0, tot.s1[at] / np.maximum(n, 1.0), np.nan)
        if agg is Aggregate.WEIGHTED_MEAN:
            assert tot.s1 is not None and tot.s0 is not None
            s0 = tot.s0[at]
            ok = (n > 0) & (s0 != 0)
            return np.where(ok, tot.s1[at] / np.where(ok, s0, 1.0), np.nan)
        assert tot.ext is not None
        return np.where(n > 0, tot.ext[at], np.nan)


def compute_rollup(
    spec: RollupSpec,
    index: AncestorIndex,
    values: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    of_mask: ArrayLike | None = None,
    on_mask: ArrayLike | None = None,
    targets: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """``(nodes, values)`` of ``spec`` over ``index`` (stateless, exact).

    ``targets`` limits the work to those nodes (e.g. the ancestors of changed
    nodes); the result holds the targets among them (all of ``on_mask``, else
    those with a contributing node), ascending.
    """
    spec = _normalized(spec)
    n = index.n_nodes
    _check_scope(spec, index.scope)
    vals, w, of, on = _checked(spec, n, values, weights, of_mask, on_mask)
    inp = _inputs(spec.aggregate, vals, w, of)
    if targets is None:
        tot = _reduce(spec.aggregate, inp, index.ancestor, index.descendant, n, index.offsets)
        nodes = np.flatnonzero(on if on is not None else tot.n > 0).astype(np.int64)
        return nodes, _finish(spec.aggregate, tot, nodes)
    tgt = distinct(_checked_nodes(targets, n, "targets"))
    row, pos = index.pair_slices(tgt)
    tot = _reduce(spec.aggregate, inp, row, index.descendant[pos], len(tgt))
    keep = on[tgt] if on is not None else tot.n > 0
    return tgt[keep], _finish(spec.aggregate, tot, slice(None))[keep]


# ----------------------------------------------------------------- engine
@dataclass(slots=True, eq=False)
class _Raw:
    """The caller's columns a state's inputs were derived from, to spot changed nodes."""

    values: FloatArray
    weights: FloatArray | None
    of_mask: BoolArray | None

    def differing(
        self, values: FloatArray, weights: FloatArray | None, of_mask: BoolArray | None
    ) -> IntArray:
        """The nodes whose value, weight or of_mask differs from the held one, ascending.

        Compared bit for bit (so NaN equals NaN); a node that only changed bits
        without changing its inputs (``-0.0`` for ``0.0``) costs a no-op update.
        """
        diff = _bits(values) != _bits(self.values)
        if weights is not None and self.weights is not None:
            diff |= _bits(weights) != _bits(self.weights)
        if of_mask is not None and self.of_mask is not None:
            diff |= of_mask != self.of_mask
        return np.flatnonzero(diff).astype(np.int64, copy=False)

    def take(
        self,
        nodes: IntArray,
        values: FloatArray,
        weights: FloatArray | None,
        of_mask: BoolArray | None,
    ) -> None:
        """Hold the new columns' entries at ``nodes``."""
        self.values[nodes] = values[nodes]
        if weights is not None and self.weights is not None:
            self.weights[nodes] = weights[nodes]
        if of_mask is not None and self.of_mask is not None:
            self.of_mask[nodes] = of_mask[nodes]


def _bits(a: FloatArray) -> NDArray[np.int64]:
    return a.view(np.int64)


@dataclass(slots=True, eq=False)
class _State:
    inputs: _Inputs | None
    """The inputs last seen, per node (None: a full run is due)."""
    totals: _Totals | None
    """Their aggregates, per node."""
    raw: _Raw | None
    """The values, weights and of_mask they were derived from (owned copies)."""
    on_mask: BoolArray | None
    out: FloatArray
    """Per node, the value last returned (NaN where none)."""
    present: BoolArray
    """Per node, whether it was a target in the last result."""
    runs: int = 0
    """Incremental runs since the last full one."""


class RollupEngine:
    """The topology and the last results of every rollup of one store (not thread-safe)."""

    def __init__(self, *, max_pairs: int = MAX_PAIRS, refresh_every: int = 256) -> None:
        self._max_pairs = max_pairs
        self._refresh_every = refresh_every
        self._children: AncestorIndex | None = None
        self._descendants: AncestorIndex | None = None
        self._plan: LevelPlan | None = None
        self._last_up: tuple[IntArray, IntArray, IntArray, IntArray] | None = None
        self._given: tuple[int, IntArray, IntArray, Sequence[str] | None] | None = None
        self._states: dict[RollupSpec, _State] = {}
        self._topology: Topology | None = None
        """The ``Topology`` last given to ``use`` (None after ``set_topology`` of arrays)."""

    # ------------------------------------------------------------ topology
    def set_topology(
        self,
        n_nodes: int,
        parent: ArrayLike,
        child: ArrayLike,
        *,
        labels: Sequence[str] | None = None,
    ) -> None:
        """Take the hierarchy; a no-op when it is the one held already."""
        par = int_array(parent, "parent")
        chi = int_array(child, "child")
        if self._given is not None and _same_topology(self._given, n_nodes, par, chi, labels):
            return
        children = AncestorIndex.children(n_nodes, par, chi, labels=labels)
        self._topology = None
        old = self._given
        self._children, self._descendants, self._plan = children, None, None
        self._last_up = None
        self._given = (n_nodes, par.copy(), chi.copy(), None if labels is None else list(labels))
        if old is None or old[3] is None or labels is None:
            self._states.clear()
            return
        lookup = {label: i for i, label in enumerate(labels)}
        for spec, st in list(self._states.items()):
            self._states[spec] = _remap(st, old[3], lookup, n_nodes)

    def use(self, topology: Topology) -> bool:
        """Take a store's ``Topology`` (``set_topology`` of its arrays, labelled by twin id).

        Skipped when it is the one taken last; returns whether the topology changed.
        """
        if self._topology is topology:
            return False
        self.set_topology(topology.size, topology.parent, topology.child, labels=topology.ids)
        self._topology = topology
        return True

    @property
    def n_nodes(self) -> int:
        return 0 if self._given is None else self._given[0]

    def index(self, scope: Scope) -> AncestorIndex:
        """The children index, or the descendants index (built on first use)."""
        if self._children is None:
            msg = "the rollup engine has no topology; expected set_topology() first"
            raise InvalidError(msg)
        if scope == "children":
            return self._children
        if self._descendants is None:
            self._descendants = self._children.closure(max_pairs=self._max_pairs)
        return self._descendants

    def forget(self, spec: RollupSpec | None = None) -> None:
        """Drop what the engine remembers of ``spec`` (or of every spec)."""
        if spec is None:
            self._states.clear()
        else:
            self._states.pop(spec, None)

    # ----------------------------------------------------------- recompute
    def recompute(
        self,
        spec: RollupSpec,
        values: ArrayLike,
        *,
        weights: ArrayLike | None = None,
        of_mask: ArrayLike | None = None,
        on_mask: ArrayLike | None = None,
        changed: ArrayLike | None = None,
        full: bool = False,
    ) -> RollupResult:
        """Recompute ``spec`` and return the values to write (see the module docstring)."""
        spec = _normalized(spec)
        index = self.index("children")  # a descendants rollup needs no closure: see _full
        n = index.n_nodes
        vals, w, of, on = _checked(spec, n, values, weights, of_mask, on_mask)
        agg = spec.aggregate
        st = self._states.get(spec)
        if (
            full
            or st is None
            or st.inputs is None
            or st.totals is None
            or st.raw is None
            or st.runs >= self._refresh_every
            or (st.on_mask is None) != (on is None)
            or (st.raw.of_mask is None) != (of is None)
        ):
            return self._full(spec, index, vals, w, of, on, st)
        if changed is not None:
            _checked_nodes(changed, n, "changed")
        # Compare the raw inputs (one pass over each column); derive inputs for the changed only.
        nodes = st.raw.differing(vals, w, of)
        if len(nodes) > max(n // 8, 64):
            return self._full(spec, index, vals, w, of, on, st)
        affected = nodes
        if len(nodes):
            sub = _inputs(
                agg,
                vals[nodes],
                None if w is None else w[nodes],
                None if of is None else of[nodes],
            )
            if not _finite_change(spec, st.inputs, sub, nodes):
                return self._full(spec, index, vals, w, of, on, st)
            affected = self._apply(spec, index, st.inputs, st.totals, sub, nodes)
            st.raw.take(nodes, vals, w, of)
            if not _finite_totals(spec, st.totals, affected):  # an overflowed sum: start over
                return self._full(spec, index, vals, w, of, on, st)
            st.runs += 1
        check = affected
        if on is not None:
            assert st.on_mask is not None
            moved = np.flatnonzero(on != st.on_mask)
            if len(moved):
                check = distinct(np.concatenate((affected, moved)))
            st.on_mask = on
        return _emit(agg, st, check, on, full=False)

    def _full(
        self,
        spec: RollupSpec,
        index: AncestorIndex,
        vals: FloatArray,
        w: FloatArray | None,
        of: BoolArray | None,
        on: BoolArray | None,
        old: _State | None,
    ) -> RollupResult:
        n = index.n_nodes
        inp = _inputs(spec.aggregate, vals, w, of)
        if spec.scope == "children":
            totals = _reduce(
                spec.aggregate, inp, index.ancestor, index.descendant, n, index.offsets
            )
        else:
            totals = self._level_totals(spec.aggregate, inp)
        if old is None:
            old = _State(None, None, None, None, np.full(n, np.nan), np.zeros(n, dtype=np.bool_))
            self._states[spec] = old
        raw = _Raw(vals.copy(), None if w is None else w.copy(), of)
        old.inputs, old.totals, old.raw, old.on_mask, old.runs = inp, totals, raw, on, 0
        return _emit(spec.aggregate, old, np.arange(n, dtype=np.int64), on, full=True)

    def _level_totals(self, agg: Aggregate, inp: _Inputs) -> _Totals:
        """Every node's totals over its distinct descendants, from the edges alone."""
        if self._plan is None:
            self._plan = LevelPlan(self.index("children"), max_pairs=self._max_pairs)
        plan = self._plan
        ext = None
        if inp.ext is not None:
            op, identity = _EXTREMES[agg]
            ext = plan.extremes(op, identity, inp.ext)
        s1 = None if inp.s1 is None else plan.sums(inp.s1)
        s0 = None if inp.s0 is None else plan.sums(inp.s0)
        return _Totals(plan.sums(inp.has), s1, s0, ext)

    def _ancestors(
        self, index: AncestorIndex, nodes: IntArray
    ) -> tuple[IntArray, IntArray, IntArray]:
        """``(row, ancestor)`` pairs of ``nodes`` and their distinct ancestors.

        Kept for the next call: the specs of one store run read the same changed nodes.
        """
        held = self._last_up
        if held is not None and np.array_equal(held[0], nodes):
            return held[1], held[2], held[3]
        row, anc = index.upward_pairs(nodes, max_pairs=self._max_pairs)
        affected = distinct(anc)
        self._last_up = (nodes.copy(), row, anc, affected)
        return row, anc, affected

    def _apply(
        self,
        spec: RollupSpec,
        index: AncestorIndex,
        held: _Inputs,
        tot: _Totals,
        new: _Inputs,
        nodes: IntArray,
    ) -> IntArray:
        """Fold ``new`` (the inputs of ``nodes``, in that order) into ``held`` and ``tot``;
        return the affected targets."""
        agg = spec.aggregate
        if spec.scope == "children":
            _copy_at(held, new, nodes)
            affected = index.ancestors_of(nodes)
            row, pos = index.pair_slices(affected)
            fresh = _reduce(agg, held, row, index.descendant[pos], len(affected))
            for mine, theirs in zip(_totals(tot), _totals(fresh), strict=True):
                mine[affected] = theirs
            return affected
        row, anc, affected = self._ancestors(index, nodes)
        for mine, was, now in zip(_sums(tot), _sums(held), _sums(new), strict=True):
            delta = now - was[nodes]
            np.add.at(mine, anc, delta[row])
        worse: BoolArray | None = None
        if agg in _EXTREMES:
            assert new.ext is not None and held.ext is not None
            op = _EXTREMES[agg][0]
            # a value that became more extreme (or stayed) folds into its ancestors as is
            worse = op(new.ext, held.ext[nodes]) != new.ext
        _copy_at(held, new, nodes)
        if worse is not None:
            assert tot.ext is not None and new.ext is not None and held.ext is not None
            op.at(tot.ext, anc, new.ext[row])
            if worse.any():  # only the ancestors of values that receded are re-derived
                redo = distinct(anc[worse[row]])
                _rederive_extremes(agg, index, held.ext, tot.ext, redo)
        return affected


# ---------------------------------------------------------------- helpers
def _emit(
    agg: Aggregate, st: _State, check: IntArray, on: BoolArray | None, *, full: bool
) -> RollupResult:
    """Compare the targets' values at ``check`` with the last result; remember the new ones."""
    assert st.totals is not None
    at: IntArray | slice = slice(None) if full else check  # a full run checks every node
    value = _finish(agg, st.totals, at)
    present = on[at] if on is not None else st.totals.n[at] > 0
    before = st.out[at]
    same = (value == before) | (np.isnan(value) & np.isnan(before))
    was = st.present[at]
    write = present & (~was | ~same)
    cleared = check[was & ~present]
    st.out[at] = np.where(present, value, np.nan)
    st.present[at] = present
    return RollupResult(check[write], value[write], cleared, full)


def _rederive_extremes(
    agg: Aggregate,
    children: AncestorIndex,
    own: FloatArray,
    ext: FloatArray,
    affected: IntArray,
) -> None:
    """Re-derive min/max of ``affected`` from their children, deepest level first."""
    op, identity = _EXTREMES[agg]
    level = children.level[affected]
    order = np.argsort(-level, kind="stable")
    ordered = affected[order]
    cuts = np.flatnonzero(np.diff(level[order])) + 1
    for group in np.split(ordered, cuts):
        row, pos = children.pair_slices(group)
        kids = children.descendant[pos]
        ext[group] = _group_extreme(
            op, identity, op(own[kids], ext[kids]), group_offsets(row, len(group))
        )


def _finite_change(spec: RollupSpec, held: _Inputs, new: _Inputs, nodes: IntArray) -> bool:
    """Differences of sums are exact enough only between finite numbers (``new``: at ``nodes``)."""
    if spec.aggregate not in _SUMS:
        return True
    if not all(bool(np.isfinite(a[nodes]).all()) for a in _sums_of(held)):
        return False
    return all(bool(np.isfinite(a).all()) for a in _sums_of(new))


def _finite_totals(spec: RollupSpec, tot: _Totals, at: IntArray) -> bool:
    if spec.aggregate not in _SUMS:
        return True
    return all(bool(np.isfinite(a[at]).all()) for a in _sums(tot))


def _sums_of(inp: _Inputs) -> list[FloatArray]:
    return [a for a in (inp.s1, inp.s0) if a is not None]


def _sums(x: _Inputs | _Totals) -> list[FloatArray]:
    """The additive arrays (count, sums) in a fixed order."""
    first = x.has if isinstance(x, _Inputs) else x.n
    return [a for a in (first, x.s1, x.s0) if a is not None]


def _totals(tot: _Totals) -> list[FloatArray]:
    return [a for a in (tot.n, tot.s1, tot.s0, tot.ext) if a is not None]


def _copy_at(held: _Inputs, new: _Inputs, nodes: IntArray) -> None:
    """Hold ``new`` (the inputs of ``nodes``, in that order)."""
    for was, now in zip(held.arrays(), new.arrays(), strict=True):
        was[nodes] = now


def _remap(st: _State, old_labels: Sequence[str], lookup: dict[str, int], n: int) -> _State:
    """Carry the last results across a renumbering; the next run is a full one."""
    out = np.full(n, np.nan)
    present = np.zeros(n, dtype=np.bool_)
    was = np.flatnonzero(st.present)
    new = np.fromiter((lookup.get(old_labels[int(i)], -1) for i in was), np.int64, len(was))
    kept = new >= 0
    out[new[kept]] = st.out[was[kept]]
    present[new[kept]] = True
    return _State(None, None, None, None, out, present)


def _same_topology(
    given: tuple[int, IntArray, IntArray, Sequence[str] | None],
    n: int,
    par: IntArray,
    chi: IntArray,
    labels: Sequence[str] | None,
) -> bool:
    g_n, g_par, g_chi, g_labels = given
    if g_n != n or not np.array_equal(g_par, par) or not np.array_equal(g_chi, chi):
        return False
    return labels is None or g_labels is None or list(labels) == list(g_labels)


def _normalized(spec: RollupSpec) -> RollupSpec:
    """The spec with its aggregate and scope as the enum / literal (a store may hold strings)."""
    try:
        agg = Aggregate(spec.aggregate)
    except ValueError:
        msg = (
            f"rollup {spec.name!r} has aggregate {spec.aggregate!r}; expected one of"
            f" {', '.join(a.value for a in Aggregate)}"
        )
        raise InvalidError(msg) from None
    if spec.scope not in ("descendants", "children"):
        msg = f"rollup {spec.name!r} has scope {spec.scope!r}; expected descendants or children"
        raise InvalidError(msg)
    return spec if agg is spec.aggregate else replace(spec, aggregate=agg)


def _check_scope(spec: RollupSpec, scope: Scope) -> None:
    if spec.scope != scope:
        msg = (
            f"rollup {spec.name!r} has scope {spec.scope!r}; the index given has scope"
            f" {scope!r}; expected an index of the same scope"
        )
        raise InvalidError(msg)


def _checked_nodes(nodes: ArrayLike, n: int, name: str) -> IntArray:
    arr = int_array(nodes, name)
    check_range(arr, n, name)
    return arr


def _column(a: ArrayLike, n: int, name: str, spec: RollupSpec) -> FloatArray:
    arr = np.asarray(a)
    if arr.shape != (n,) or arr.dtype.kind not in "fiub":
        msg = (
            f"{name} of rollup {spec.name!r} has shape {arr.shape} and dtype {arr.dtype};"
            f" expected {n} numbers, one per node (NaN for no value)"
        )
        raise InvalidError(msg)
    return arr.astype(np.float64, copy=False)


def _mask(a: ArrayLike | None, n: int, name: str, spec: RollupSpec) -> BoolArray | None:
    if a is None:
        return None
    arr = np.asarray(a)
    if arr.shape != (n,) or arr.dtype != np.bool_:
        msg = (
            f"{name} of rollup {spec.name!r} has shape {arr.shape} and dtype {arr.dtype};"
            f" expected {n} booleans, one per node"
        )
        raise InvalidError(msg)
    return arr.copy()


def _checked(
    spec: RollupSpec,
    n: int,
    values: ArrayLike,
    weights: ArrayLike | None,
    of_mask: ArrayLike | None,
    on_mask: ArrayLike | None,
) -> tuple[FloatArray, FloatArray | None, BoolArray | None, BoolArray | None]:
    vals = _column(values, n, "values", spec)
    w = None
    if spec.aggregate is Aggregate.WEIGHTED_MEAN:
        if weights is None:
            msg = (
                f"rollup {spec.name!r} is a weighted mean and no weights were given;"
                f" expected the {spec.weight!r} signal of every node"
            )
            raise InvalidError(msg)
        w = _column(weights, n, "weights", spec)
    return vals, w, _mask(of_mask, n, "of_mask", spec), _mask(on_mask, n, "on_mask", spec)
