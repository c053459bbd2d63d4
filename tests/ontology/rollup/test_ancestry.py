"""The ancestor index against a plain set-based closure of small random DAGs."""

from __future__ import annotations

import itertools
import re
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontology import CycleError, InvalidError, OntologyError
from ontology.rollup import AncestorIndex

Edges = list[tuple[int, int]]


@st.composite
def dags(draw: st.DrawFn, max_nodes: int = 12) -> tuple[int, Edges]:
    """A random DAG: edges go up a random order of the nodes; repeats allowed."""
    n = draw(st.integers(1, max_nodes))
    order = draw(st.permutations(range(n)))
    if n < 2:
        return n, []
    pairs = st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)).filter(lambda p: p[0] < p[1])
    ranks = draw(st.lists(pairs, max_size=3 * n))
    return n, [(order[a], order[b]) for a, b in ranks]


def arrays(edges: Edges) -> tuple[np.ndarray, np.ndarray]:
    par = np.array([p for p, _ in edges], dtype=np.int64)
    chi = np.array([c for _, c in edges], dtype=np.int64)
    return par, chi


def naive_children(n: int, edges: Edges) -> dict[int, set[int]]:
    kids: dict[int, set[int]] = {i: set() for i in range(n)}
    for p, c in edges:
        kids[p].add(c)
    return kids


def naive_depths(n: int, edges: Edges) -> dict[tuple[int, int], int]:
    """Shortest path length of every (ancestor, descendant) pair, by BFS from each node."""
    kids = naive_children(n, edges)
    out: dict[tuple[int, int], int] = {}
    for a in range(n):
        queue = deque((c, 1) for c in kids[a])
        while queue:
            node, d = queue.popleft()
            if (a, node) in out:
                continue
            out[a, node] = d
            queue.extend((c, d + 1) for c in kids[node])
    return out


def naive_descendants(n: int, edges: Edges) -> dict[int, set[int]]:
    desc: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, d in naive_depths(n, edges):
        desc[a].add(d)
    return desc


def naive_levels(n: int, edges: Edges) -> list[int]:
    parents: dict[int, set[int]] = {i: set() for i in range(n)}
    for p, c in edges:
        parents[c].add(p)
    memo: dict[int, int] = {}

    def level(node: int) -> int:
        if node not in memo:
            memo[node] = 1 + max((level(p) for p in parents[node]), default=-1)
        return memo[node]

    return [level(i) for i in range(n)]


def pairs_of(index: AncestorIndex) -> dict[tuple[int, int], int]:
    got = zip(index.ancestor.tolist(), index.descendant.tolist(), index.depth.tolist(), strict=True)
    return {(a, d): k for a, d, k in got}


@settings(max_examples=150, deadline=None)
@given(dags())
def test_closure_is_the_distinct_pairs_with_shortest_depth(dag: tuple[int, Edges]) -> None:
    n, edges = dag
    index = AncestorIndex.build(n, *arrays(edges))
    want = naive_depths(n, edges)
    assert index.n_pairs == len(want)  # no pair twice, however many paths
    assert pairs_of(index) == want
    assert np.all(np.diff(index.ancestor) >= 0)
    for a in range(n):
        lo, hi = index.offsets[a], index.offsets[a + 1]
        assert set(index.descendant[lo:hi].tolist()) == {d for x, d in want if x == a}


@settings(max_examples=100, deadline=None)
@given(dags())
def test_children_index_is_the_distinct_edges(dag: tuple[int, Edges]) -> None:
    n, edges = dag
    index = AncestorIndex.children(n, *arrays(edges))
    assert index.scope == "children"
    assert pairs_of(index) == dict.fromkeys(set(edges), 1)
    assert index.n_pairs == len(set(edges))


@settings(max_examples=100, deadline=None)
@given(dags())
def test_levels_are_the_longest_path_from_a_root(dag: tuple[int, Edges]) -> None:
    n, edges = dag
    index = AncestorIndex.children(n, *arrays(edges))
    assert index.level.tolist() == naive_levels(n, edges)


@settings(max_examples=100, deadline=None)
@given(dags(), st.data())
def test_reads_agree_with_the_naive_closure(dag: tuple[int, Edges], data: st.DataObject) -> None:
    n, edges = dag
    index = AncestorIndex.build(n, *arrays(edges))
    desc = naive_descendants(n, edges)
    depths = naive_depths(n, edges)
    nodes = data.draw(st.lists(st.integers(0, n - 1), max_size=5))
    want_anc = sorted({a for a in range(n) for x in nodes if x in desc[a]})
    assert index.ancestors_of(np.array(nodes, dtype=np.int64)).tolist() == want_anc
    node = data.draw(st.integers(0, n - 1))
    assert index.descendants_of(node).tolist() == sorted(desc[node])
    assert index.descendants_of(node, max_depth=1).tolist() == sorted(
        d for d in desc[node] if depths[node, d] == 1
    )
    other = data.draw(st.integers(0, n - 1))
    assert index.is_ancestor(node, other) == (other in desc[node])


def test_a_diamond_yields_each_pair_once() -> None:
    #   0 -> 1 -> 3 -> 4 and 0 -> 2 -> 3: node 3 and 4 reach 0 on two paths
    index = AncestorIndex.build(5, [0, 0, 1, 2, 3], [1, 2, 3, 3, 4])
    assert index.descendants_of(0).tolist() == [1, 2, 3, 4]
    assert pairs_of(index)[0, 4] == 3
    assert index.ancestors_of([4]).tolist() == [0, 1, 2, 3]
    row, anc = index.ancestor_pairs([3, 4])
    assert sorted(zip(row.tolist(), anc.tolist(), strict=True)) == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3)
    ]  # fmt: skip


def test_the_closure_of_a_lattice_of_diamonds_stays_small() -> None:
    # 40 stacked diamonds have 2**40 paths from top to bottom; pairs stay quadratic
    par, chi = [], []
    for k in range(40):
        top, left, right, bottom = 3 * k, 3 * k + 1, 3 * k + 2, 3 * k + 3
        par += [top, top, left, right]
        chi += [left, right, bottom, bottom]
    index = AncestorIndex.build(121, par, chi)
    assert index.descendants_of(0).tolist() == list(range(1, 121))
    assert pairs_of(index)[0, 120] == 80


def test_an_empty_hierarchy_has_no_pairs() -> None:
    index = AncestorIndex.build(3, [], [])
    assert index.n_pairs == 0
    assert index.descendants_of(2).tolist() == []
    assert index.ancestors_of([0, 1]).tolist() == []
    assert index.level.tolist() == [0, 0, 0]
    assert AncestorIndex.build(0, [], []).n_pairs == 0


@pytest.mark.parametrize(
    ("n", "edges", "labels"),
    [
        (3, [(0, 1), (1, 1)], ["a", "b", "c"]),
        (2, [(0, 1), (1, 0)], ["a", "b"]),
        (6, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 2), (0, 5)], list("abcdef")),
        (4, [(3, 0), (0, 1), (1, 2), (2, 0)], None),
    ],
)
def test_a_cycle_is_refused_with_its_path(n: int, edges: Edges, labels: list[str] | None) -> None:
    with pytest.raises(CycleError) as caught:
        AncestorIndex.build(n, *arrays(edges), labels=labels)
    path = caught.value.path
    assert path[0] == path[-1] and len(path) >= 2
    names = labels or [f"#{i}" for i in range(n)]
    named = {(names[p], names[c]) for p, c in edges}
    assert all(step in named for step in itertools.pairwise(path))
    assert isinstance(caught.value, OntologyError)
    assert " -> ".join(path) in str(caught.value)


def test_a_long_cycle_is_refused_without_looping() -> None:
    n = 5000
    par = np.arange(n)
    chi = (par + 1) % n
    with pytest.raises(CycleError) as caught:
        AncestorIndex.build(n, par, chi)
    assert len(caught.value.path) == n + 1


@pytest.mark.parametrize(
    ("n", "parent", "child", "fragment"),
    [
        (3, [0, 1], [1], "parent has 2 entries and child 1"),
        (3, [0, 5], [1, 2], "parent[1] is 5; expected a node index in [0, 3)"),
        (3, [0, 1], [1, -1], "child[1] is -1"),
        (3, [[0, 1]], [[1, 2]], "parent has shape (1, 2)"),
        (3, [0.0, 1.0], [1, 2], "parent has dtype float64"),
        (-1, [], [], "n_nodes is -1"),
    ],
)
def test_bad_input_is_refused_clearly(
    n: int, parent: list[object], child: list[object], fragment: str
) -> None:
    with pytest.raises(InvalidError, match=re.escape(fragment)):
        AncestorIndex.build(n, parent, child)  # type: ignore[arg-type]


def test_labels_must_name_every_node() -> None:
    with pytest.raises(InvalidError, match="labels has 1 names; expected one per node"):
        AncestorIndex.build(2, [0], [1], labels=["a"])


def test_too_many_pairs_are_refused() -> None:
    n = 200
    chain = np.arange(n - 1)
    with pytest.raises(InvalidError, match="more than max_pairs=1000"):
        AncestorIndex.build(n, chain, chain + 1, max_pairs=1000)


def test_reads_refuse_nodes_out_of_range() -> None:
    index = AncestorIndex.build(3, [0], [1])
    with pytest.raises(InvalidError, match="node is 3"):
        index.descendants_of(3)
    with pytest.raises(InvalidError, match=r"nodes\[0\] is 7"):
        index.ancestors_of([7])


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_upward_pairs_are_each_distinct_ancestor_once(
    dag: tuple[int, Edges], data: st.DataObject
) -> None:
    n, edges = dag
    index = AncestorIndex.children(n, *arrays(edges))
    desc = naive_descendants(n, edges)
    nodes = data.draw(st.lists(st.integers(0, n - 1), max_size=6))  # repeats allowed
    row, anc = index.upward_pairs(np.array(nodes, dtype=np.int64))
    got = sorted(zip(row.tolist(), anc.tolist(), strict=True))
    want = sorted((r, a) for r, x in enumerate(nodes) for a in range(n) if x in desc[a])
    assert got == want  # every ancestor at any depth, once per node, however many paths


def test_upward_pairs_meet_again_after_paths_of_different_lengths() -> None:
    # 0 -> 1 -> 2 -> 3 -> 5 and 0 -> 4 -> 5: 5 reaches 0 by paths of length 4 and 2
    index = AncestorIndex.children(6, [0, 1, 2, 3, 0, 4], [1, 2, 3, 5, 4, 5])
    row, anc = index.upward_pairs([5, 2])
    assert sorted(zip(row.tolist(), anc.tolist(), strict=True)) == [
        (0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (1, 0), (1, 1),
    ]  # fmt: skip


def test_upward_pairs_are_bounded() -> None:
    n = 200
    chain = np.arange(n - 1)
    index = AncestorIndex.children(n, chain, chain + 1)
    with pytest.raises(InvalidError, match="more than max_pairs=1000"):
        index.upward_pairs(np.arange(100, n), max_pairs=1000)
    with pytest.raises(InvalidError, match=r"nodes\[0\] is 200"):
        index.upward_pairs([n])
