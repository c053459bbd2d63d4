"""Rollups in numpy against a plain set-based computation on small random DAGs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontology import Aggregate, CycleError, InvalidError, RollupSpec
from ontology.rollup import AncestorIndex, RollupEngine, RollupResult, compute_rollup
from tests.ontology.rollup.test_ancestry import (
    Edges,
    arrays,
    dags,
    naive_children,
    naive_descendants,
)

NAN = math.nan
SCOPES = ("descendants", "children")
Column = list[float]


def spec_of(agg: Aggregate, scope: str = "descendants") -> RollupSpec:
    weight = "w" if agg is Aggregate.WEIGHTED_MEAN else None
    return RollupSpec(name="r", signal="v", aggregate=agg, scope=scope, weight=weight)  # type: ignore[arg-type]


def naive(
    spec: RollupSpec,
    n: int,
    edges: Edges,
    values: Column,
    weights: Column | None = None,
    of_mask: list[bool] | None = None,
    on_mask: list[bool] | None = None,
) -> dict[int, float]:
    """The rollup by the definition: sets of members, plain Python arithmetic."""
    members = (
        naive_descendants(n, edges) if spec.scope == "descendants" else naive_children(n, edges)
    )
    agg = spec.aggregate
    out: dict[int, float] = {}
    for a in range(n):
        chosen = [
            d
            for d in sorted(members[a])
            if not math.isnan(values[d])
            and (of_mask is None or of_mask[d])
            and (agg is not Aggregate.WEIGHTED_MEAN or not math.isnan(weights[d]))  # type: ignore[index]
        ]
        if (on_mask is not None and not on_mask[a]) or (on_mask is None and not chosen):
            continue
        vs = [values[d] for d in chosen]
        if agg is Aggregate.SUM:
            out[a] = sum(vs, 0.0)
        elif agg is Aggregate.COUNT:
            out[a] = float(len(vs))
        elif agg is Aggregate.MIN:
            out[a] = min(vs, default=NAN)
        elif agg is Aggregate.MAX:
            out[a] = max(vs, default=NAN)
        elif agg is Aggregate.MEAN:
            out[a] = sum(vs) / len(vs) if vs else NAN
        else:
            assert weights is not None
            sw = sum(weights[d] for d in chosen)
            out[a] = sum(weights[d] * values[d] for d in chosen) / sw if vs and sw else NAN
    return out


def as_dict(nodes: np.ndarray, values: np.ndarray) -> dict[int, float]:
    return dict(zip(nodes.tolist(), values.tolist(), strict=True))


def same(got: dict[int, float], want: dict[int, float]) -> bool:
    """Equal keys and values, NaN equal to NaN; values are exact (quarter integers)."""
    if got.keys() != want.keys():
        return False
    return all(
        (math.isnan(g) and math.isnan(want[k])) or math.isclose(g, want[k], rel_tol=1e-12)
        for k, g in got.items()
    )


# Quarter integers: every sum is exact, so numpy and Python agree bit for bit.
value = st.one_of(st.just(NAN), st.integers(-40, 40).map(lambda i: i / 4))
weight = st.one_of(st.just(NAN), st.integers(0, 6).map(float))


@st.composite
def columns(draw: st.DrawFn, n: int) -> tuple[Column, Column, list[bool] | None, list[bool] | None]:
    vals = draw(st.lists(value, min_size=n, max_size=n))
    ws = draw(st.lists(weight, min_size=n, max_size=n))
    masks = st.one_of(st.none(), st.lists(st.booleans(), min_size=n, max_size=n))
    return vals, ws, draw(masks), draw(masks)


def np_masks(
    of: list[bool] | None, on: list[bool] | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    return (None if of is None else np.array(of), None if on is None else np.array(on))


@settings(max_examples=300, deadline=None)
@given(dags(), st.sampled_from(list(Aggregate)), st.sampled_from(SCOPES), st.data())
def test_compute_rollup_matches_the_definition(
    dag: tuple[int, Edges], agg: Aggregate, scope: str, data: st.DataObject
) -> None:
    n, edges = dag
    spec = spec_of(agg, scope)
    vals, ws, of, on = data.draw(columns(n))
    build = AncestorIndex.build if scope == "descendants" else AncestorIndex.children
    index = build(n, *arrays(edges))
    of_mask, on_mask = np_masks(of, on)
    nodes, got = compute_rollup(
        spec, index, np.array(vals), weights=np.array(ws), of_mask=of_mask, on_mask=on_mask
    )
    assert np.all(np.diff(nodes) > 0)
    assert same(as_dict(nodes, got), naive(spec, n, edges, vals, ws, of, on))

    targets = data.draw(st.lists(st.integers(0, n - 1), max_size=n))
    t_nodes, t_got = compute_rollup(
        spec,
        index,
        np.array(vals),
        weights=np.array(ws),
        of_mask=of_mask,
        on_mask=on_mask,
        targets=np.array(targets, dtype=np.int64),
    )
    full = as_dict(nodes, got)
    assert same(as_dict(t_nodes, t_got), {k: v for k, v in full.items() if k in set(targets)})


class FakeStore:
    """Applies results the way a store does: write ``nodes``, drop ``cleared``."""

    def __init__(self) -> None:
        self.held: dict[int, float] = {}

    def apply(self, result: RollupResult) -> None:
        for node, v in zip(result.nodes.tolist(), result.values.tolist(), strict=True):
            self.held[node] = v
        for node in result.cleared.tolist():
            del self.held[node]


@settings(max_examples=200, deadline=None)
@given(dags(), st.sampled_from(list(Aggregate)), st.sampled_from(SCOPES), st.data())
def test_incremental_results_keep_a_store_equal_to_a_full_recompute(
    dag: tuple[int, Edges], agg: Aggregate, scope: str, data: st.DataObject
) -> None:
    n, edges = dag
    spec = spec_of(agg, scope)
    vals, ws, of, on = data.draw(columns(n))
    engine = RollupEngine()
    engine.set_topology(n, *arrays(edges))
    store = FakeStore()
    store.apply(engine.recompute(spec, vals, weights=ws, of_mask=of and np.array(of)))
    for _ in range(data.draw(st.integers(1, 4))):
        for node in data.draw(st.lists(st.integers(0, n - 1), max_size=3)):
            vals[node] = data.draw(value)
            ws[node] = data.draw(weight)
        if of is not None and data.draw(st.booleans()):
            of[data.draw(st.integers(0, n - 1))] ^= True
        of_mask, on_mask = np_masks(of, on)
        result = engine.recompute(
            spec, np.array(vals), weights=ws, of_mask=of_mask, on_mask=on_mask
        )
        store.apply(result)
        assert same(store.held, naive(spec, n, edges, vals, ws, of, on))
        if on is not None and data.draw(st.booleans()):
            on[data.draw(st.integers(0, n - 1))] ^= True


@pytest.mark.parametrize("agg", list(Aggregate))
@pytest.mark.parametrize("scope", SCOPES)
def test_incremental_equals_full_on_a_larger_random_dag(agg: Aggregate, scope: str) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    child = np.arange(1, n)
    parent = rng.integers(0, child)  # a random tree ...
    extra = rng.choice(child, 150, replace=False)  # ... with 5 % second parents
    parent = np.concatenate((parent, rng.integers(0, extra)))
    child = np.concatenate((child, extra))
    vals = rng.integers(-400, 400, n) / 4
    vals[rng.random(n) < 0.1] = np.nan
    ws = rng.integers(0, 5, n).astype(float)
    of = rng.random(n) < 0.8
    spec = spec_of(agg, scope)
    engine = RollupEngine()
    engine.set_topology(n, parent, child)
    index = engine.index(scope)  # type: ignore[arg-type]
    store = FakeStore()
    store.apply(engine.recompute(spec, vals, weights=ws, of_mask=of))
    for _ in range(10):
        leaves = rng.choice(n, 40, replace=False)
        vals[leaves] = rng.integers(-400, 400, 40) / 4
        vals[leaves[:5]] = np.nan
        result = engine.recompute(spec, vals, weights=ws, of_mask=of)
        assert not result.full
        store.apply(result)
        full = as_dict(*compute_rollup(spec, index, vals, weights=ws, of_mask=of))
        assert same(store.held, full)


def test_a_node_under_two_parents_counts_once_at_their_common_ancestor() -> None:
    #   0 -> 1 -> 3 <- 2 <- 0, and 3 -> 4: 3 and 4 reach 0 on two paths each
    par, chi = [0, 0, 1, 2, 3], [1, 2, 3, 3, 4]
    index = AncestorIndex.build(5, par, chi)
    vals = np.array([NAN, 1.0, 2.0, 10.0, 100.0])
    ws = np.array([1.0, 1.0, 1.0, 3.0, 1.0])

    def at_root(agg: Aggregate) -> float:
        nodes, got = compute_rollup(spec_of(agg), index, vals, weights=ws)
        return as_dict(nodes, got)[0]

    assert at_root(Aggregate.SUM) == 113.0
    assert at_root(Aggregate.COUNT) == 4.0
    assert at_root(Aggregate.MEAN) == 113.0 / 4
    assert at_root(Aggregate.WEIGHTED_MEAN) == (1 + 2 + 30 + 100) / 6
    assert at_root(Aggregate.MIN) == 1.0
    assert at_root(Aggregate.MAX) == 100.0


def test_nan_is_no_value_and_is_ignored() -> None:
    index = AncestorIndex.build(4, [0, 0, 0], [1, 2, 3])
    vals = np.array([5.0, NAN, 2.0, 4.0])
    ws = np.array([1.0, 9.0, NAN, 1.0])

    def root(agg: Aggregate, values: np.ndarray = vals) -> dict[int, float]:
        return as_dict(*compute_rollup(spec_of(agg), index, values, weights=ws))

    assert root(Aggregate.COUNT) == {0: 2.0}
    assert root(Aggregate.SUM) == {0: 6.0}
    assert root(Aggregate.MIN) == {0: 2.0}
    assert root(Aggregate.MEAN) == {0: 3.0}
    assert root(Aggregate.WEIGHTED_MEAN) == {0: 4.0}  # node 2 has no weight: left out
    assert root(Aggregate.SUM, np.full(4, NAN)) == {}  # no contributor, no target


def test_children_scope_stops_at_the_children() -> None:
    par, chi = [0, 1, 1], [1, 2, 3]
    vals = np.array([NAN, 1.0, 2.0, 3.0])
    kids = compute_rollup(
        spec_of(Aggregate.SUM, "children"), AncestorIndex.children(4, par, chi), vals
    )
    desc = compute_rollup(spec_of(Aggregate.SUM), AncestorIndex.build(4, par, chi), vals)
    assert as_dict(*kids) == {0: 1.0, 1: 5.0}
    assert as_dict(*desc) == {0: 6.0, 1: 5.0}


def test_masks_pick_contributors_and_targets() -> None:
    #   0 -> 1 -> 3, 0 -> 2 -> 4; 2 is not of the model counted, 3 and 4 are
    index = AncestorIndex.build(5, [0, 0, 1, 2], [1, 2, 3, 4])
    vals = np.array([1.0, 2.0, 40.0, 8.0, 16.0])
    of = np.array([True, True, False, True, True])
    on = np.array([True, False, True, True, False])
    got = as_dict(*compute_rollup(spec_of(Aggregate.SUM), index, vals, of_mask=of, on_mask=on))
    assert got == {0: 26.0, 2: 16.0, 3: 0.0}  # 3 has no contributor: sum 0
    got = as_dict(*compute_rollup(spec_of(Aggregate.MAX), index, vals, on_mask=on))
    assert got[0] == 40.0 and got[2] == 16.0 and math.isnan(got[3])
    got = as_dict(*compute_rollup(spec_of(Aggregate.COUNT), index, vals, on_mask=on))
    assert got == {0: 4.0, 2: 1.0, 3: 0.0}


def test_a_weighted_mean_over_zero_weight_has_no_value() -> None:
    index = AncestorIndex.build(3, [0, 0], [1, 2])
    got = as_dict(
        *compute_rollup(
            spec_of(Aggregate.WEIGHTED_MEAN), index, np.array([NAN, 1.0, 2.0]), weights=[0, 0, 0]
        )
    )
    assert list(got) == [0] and math.isnan(got[0])


def test_the_engine_writes_only_what_changed_and_clears_what_left() -> None:
    engine = RollupEngine()
    engine.set_topology(4, [0, 1, 2], [1, 2, 3])  # a chain
    spec = spec_of(Aggregate.MAX)
    vals = np.array([NAN, NAN, 1.0, 5.0])
    first = engine.recompute(spec, vals)
    assert first.full and as_dict(first.nodes, first.values) == {0: 5.0, 1: 5.0, 2: 5.0}
    again = engine.recompute(spec, vals)
    assert not again.full and again.nodes.size == 0 and again.cleared.size == 0
    vals[3] = 0.5
    lower = engine.recompute(spec, vals)
    assert as_dict(lower.nodes, lower.values) == {0: 1.0, 1: 1.0, 2: 0.5}
    vals[3] = NAN
    gone = engine.recompute(spec, vals, changed=[3])
    assert gone.nodes.size == 0  # 0 and 1 keep 1.0 (from node 2): nothing to write
    assert gone.cleared.tolist() == [2]


def test_a_changed_list_that_misses_a_change_leaves_nothing_stale() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 0], [1, 2])
    spec = spec_of(Aggregate.SUM)
    engine.recompute(spec, [NAN, 1.0, 2.0])
    result = engine.recompute(spec, [NAN, 1.0, 5.0], changed=[1])
    assert as_dict(*_pair(result)) == {0: 6.0}
    with pytest.raises(InvalidError, match=r"changed\[0\] is 9"):
        engine.recompute(spec, [NAN, 1.0, 5.0], changed=[9])


def test_every_so_many_incremental_runs_a_full_one_resyncs() -> None:
    engine = RollupEngine(refresh_every=2)
    engine.set_topology(3, [0, 0], [1, 2])
    spec = spec_of(Aggregate.SUM)
    runs = [engine.recompute(spec, [NAN, 1.0, float(k)]).full for k in range(5)]
    assert runs == [True, False, False, True, False]
    forced = engine.recompute(spec, [NAN, 1.0, 9.0], full=True)
    assert forced.full and as_dict(*_pair(forced)) == {0: 10.0}
    engine.forget(spec)
    again = engine.recompute(spec, [NAN, 1.0, 9.0])
    assert again.full and as_dict(*_pair(again)) == {0: 10.0}  # forgotten: all written again


def test_the_engine_carries_results_across_a_renumbering_by_label() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 1], [1, 2], labels=["a", "b", "c"])
    spec = spec_of(Aggregate.SUM)
    store = FakeStore()
    store.apply(engine.recompute(spec, [NAN, 2.0, 3.0]))
    assert store.held == {0: 5.0, 1: 3.0}
    # "a" is deleted, "d" added; "b" is now 0 and "c" is 1, and "b" contains "d" too
    engine.set_topology(3, [0, 0], [1, 2], labels=["b", "c", "d"])
    store.held = {0: 3.0}  # the store renumbered "b" and dropped "a" with its twin
    result = engine.recompute(spec, [2.0, 3.0, 4.0])
    assert result.full and result.cleared.size == 0
    store.apply(result)
    assert store.held == {0: 7.0}
    # a topology without labels forgets what was returned: everything is written again
    engine.set_topology(3, [0], [1])
    assert as_dict(*_pair(engine.recompute(spec, [2.0, 3.0, 4.0]))) == {0: 3.0}


def _pair(result: RollupResult) -> tuple[np.ndarray, np.ndarray]:
    return result.nodes, result.values


def test_the_same_topology_again_keeps_the_state() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 0], [1, 2])
    spec = spec_of(Aggregate.COUNT)
    engine.recompute(spec, [NAN, 1.0, 1.0])
    engine.set_topology(3, np.array([0, 0]), np.array([1, 2]))
    result = engine.recompute(spec, [NAN, 1.0, NAN])
    assert not result.full and as_dict(*_pair(result)) == {0: 1.0}


def test_a_cycle_keeps_the_old_topology() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 1], [1, 2], labels=["a", "b", "c"])
    with pytest.raises(CycleError, match="a -> b -> c -> a"):
        engine.set_topology(3, [0, 1, 2], [1, 2, 0], labels=["a", "b", "c"])
    assert engine.index("descendants").descendants_of(0).tolist() == [1, 2]


def test_infinite_values_are_summed_correctly_incrementally() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 0], [1, 2])
    spec = spec_of(Aggregate.SUM)
    store = FakeStore()
    store.apply(engine.recompute(spec, [NAN, math.inf, 1.0]))
    assert store.held == {0: math.inf}
    store.apply(engine.recompute(spec, [NAN, 2.0, 1.0]))
    assert store.held == {0: 3.0}


def test_a_sum_that_overflowed_recovers_when_the_big_value_goes() -> None:
    engine = RollupEngine()
    engine.set_topology(3, [0, 0], [1, 2])
    spec = spec_of(Aggregate.SUM)
    store = FakeStore()
    store.apply(engine.recompute(spec, [NAN, 1e308, 1e308]))
    assert store.held == {0: math.inf}
    store.apply(engine.recompute(spec, [NAN, 1e308, 1.0]))
    assert store.held == {0: 1e308}


def test_an_aggregate_given_as_text_is_accepted() -> None:
    index = AncestorIndex.build(2, [0], [1])
    spec = RollupSpec(name="r", signal="v", aggregate="max")  # type: ignore[arg-type]
    assert as_dict(*compute_rollup(spec, index, [NAN, 3.0])) == {0: 3.0}
    bad = RollupSpec(name="r", signal="v", aggregate="median")  # type: ignore[arg-type]
    with pytest.raises(InvalidError, match="aggregate 'median'; expected one of sum"):
        compute_rollup(bad, index, [NAN, 3.0])


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"values": [1.0]}, "values of rollup 'r' has shape (1,)"),
        ({"values": ["x", "y"]}, "expected 2 numbers, one per node"),
        ({"of_mask": [1, 0]}, "of_mask of rollup 'r' has shape (2,) and dtype int64"),
        ({"on_mask": [True]}, "on_mask of rollup 'r' has shape (1,)"),
        ({"targets": [2]}, "targets[0] is 2; expected a node index in [0, 2)"),
    ],
)
def test_bad_columns_are_refused_clearly(kwargs: dict[str, object], fragment: str) -> None:
    index = AncestorIndex.build(2, [0], [1])
    args: dict[str, object] = {"values": [NAN, 1.0], **kwargs}
    with pytest.raises(InvalidError) as caught:
        compute_rollup(spec_of(Aggregate.SUM), index, **args)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_a_weighted_mean_needs_weights() -> None:
    engine = RollupEngine()
    engine.set_topology(2, [0], [1])
    with pytest.raises(InvalidError, match="weighted mean and no weights were given"):
        engine.recompute(spec_of(Aggregate.WEIGHTED_MEAN), [NAN, 1.0])


def test_the_scope_of_spec_and_index_must_agree() -> None:
    index = AncestorIndex.children(2, [0], [1])
    with pytest.raises(InvalidError, match="scope 'descendants'; the index given has scope"):
        compute_rollup(spec_of(Aggregate.SUM), index, [NAN, 1.0])


def test_the_engine_needs_a_topology_first() -> None:
    with pytest.raises(InvalidError, match="expected set_topology"):
        RollupEngine().recompute(spec_of(Aggregate.SUM), [1.0])
