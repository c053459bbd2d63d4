"""Aggregates level by level over the edges equal the ones over the closure's pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontology import InvalidError
from ontology.rollup import AncestorIndex, LevelPlan
from tests.ontology.rollup.test_ancestry import Edges, arrays, dags, naive_descendants


@settings(max_examples=150, deadline=None)
@given(dags(max_nodes=16), st.data())
def test_sums_and_extremes_count_each_distinct_descendant_once(
    dag: tuple[int, Edges], data: st.DataObject
) -> None:
    n, edges = dag
    items = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n)), float)
    plan = LevelPlan(AncestorIndex.children(n, *arrays(edges)))
    desc = naive_descendants(n, edges)
    assert plan.sums(items).tolist() == [sum(items[d] for d in desc[a]) for a in range(n)]
    got_max = plan.extremes(np.maximum, -math.inf, items).tolist()
    assert got_max == [max((items[d] for d in desc[a]), default=-math.inf) for a in range(n)]
    got_min = plan.extremes(np.minimum, math.inf, items).tolist()
    assert got_min == [min((items[d] for d in desc[a]), default=math.inf) for a in range(n)]


def test_a_larger_dag_agrees_with_the_closure() -> None:
    rng = np.random.default_rng(11)
    n = 5000
    child = np.arange(1, n)
    parent = rng.integers(0, child)
    extra = rng.choice(child, 400, replace=False)  # second parents at every depth
    parent = np.concatenate((parent, rng.integers(0, extra)))
    child = np.concatenate((child, extra))
    children = AncestorIndex.children(n, parent, child)
    closure = children.closure()
    items = rng.integers(-1000, 1000, n).astype(float)
    plan = LevelPlan(children)
    want = np.bincount(closure.ancestor, weights=items[closure.descendant], minlength=n)
    assert np.array_equal(plan.sums(items), want)  # integers: exact in any order
    want_max = np.full(n, -np.inf)
    np.maximum.at(want_max, closure.ancestor, items[closure.descendant])
    assert np.array_equal(plan.extremes(np.maximum, -np.inf, items), want_max)


def test_a_plan_needs_a_children_index() -> None:
    closure = AncestorIndex.build(2, [0], [1])
    with pytest.raises(InvalidError, match="expected a children index"):
        LevelPlan(closure)
