"""The in-process store's numpy hierarchy index against a plain breadth-first search."""

from __future__ import annotations

import random
from collections import defaultdict
from itertools import pairwise

import pytest

from ontology import CONTAINS, MAX_PAGE, CycleError, Edge, MemoryStore, TwinSpec
from ontology.graph.memory import _graph as memory_graph
from tests.ontology.graph.conftest import AREA, MACHINE, PRESS, WHO, FixedClock, all_model_texts

N = 300


def _levels(start: str, graph: dict[str, set[str]], max_depth: int) -> dict[str, int]:
    """Every node reachable from ``start`` with its shortest distance (up to ``max_depth``)."""
    depth = {start: 0}
    frontier = [start]
    for level in range(1, max_depth + 1):
        frontier = sorted({n for f in frontier for n in graph.get(f, ()) if n not in depth})
        for node in frontier:
            depth[node] = level
    del depth[start]
    return depth


@pytest.fixture(scope="module")
def dag() -> tuple[MemoryStore, dict[str, set[str]], dict[str, set[str]]]:
    rng = random.Random(7)
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    names = [f"n/{i:03d}" for i in range(N)]
    rng.shuffle(names)  # ids in an order unrelated to the topology
    store.upsert_twins([TwinSpec(name, AREA) for name in names], principal=WHO)
    children: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    edges = []
    for child in range(1, N):
        for parent in rng.sample(range(child), k=min(child, rng.choice((1, 1, 2, 3)))):
            edges.append(Edge(names[parent], CONTAINS, names[child]))
            children[names[parent]].add(names[child])
            parents[names[child]].add(names[parent])
    result = store.add_edges(edges, principal=WHO)
    assert result.created == len(edges)
    return store, children, parents


_fresh = iter(range(10**6))


@pytest.fixture(params=["indexed", "walked"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the numpy index, or on the direct walk used while the index is stale."""
    monkeypatch.setattr(memory_graph, "WALK_LIMIT", 0 if request.param == "indexed" else N * 2)
    return str(request.param)


def _indexed(store: MemoryStore) -> bool:
    return store._index is not None


def _touch(store: MemoryStore) -> None:
    """Make the hierarchy index stale (a new, unconnected twin)."""
    store.create_twin(TwinSpec(f"z/{next(_fresh)}", AREA), principal=WHO)


@pytest.mark.parametrize("max_depth", [1, 2, 5, None])
def test_descendants_match_a_plain_search(
    dag: tuple[MemoryStore, dict[str, set[str]], dict[str, set[str]]],
    max_depth: int | None,
    path: str,
) -> None:
    store, children, _ = dag
    for twin in sorted(children)[:40]:
        _touch(store)
        expected = sorted(_levels(twin, children, max_depth or N))
        got = store.descendants(twin, max_depth=max_depth, first=MAX_PAGE).items
        assert list(got) == expected, twin


@pytest.mark.parametrize("max_depth", [1, 3, None])
def test_ancestors_match_a_plain_search(
    dag: tuple[MemoryStore, dict[str, set[str]], dict[str, set[str]]], max_depth: int | None
) -> None:
    store, _, parents = dag
    for twin in sorted(parents)[-40:]:
        depth = _levels(twin, parents, max_depth or N)
        expected = sorted(depth, key=lambda node: (depth[node], node))
        assert list(store.ancestors(twin, max_depth=max_depth)) == expected, twin


def test_descendant_pages_cover_everything_once(
    dag: tuple[MemoryStore, dict[str, set[str]], dict[str, set[str]]], path: str
) -> None:
    store, children, _ = dag
    root = min(children, key=lambda t: -len(_levels(t, children, N)))
    seen: list[str] = []
    cursor = None
    while True:
        _touch(store)
        page = store.descendants(root, first=17, after=cursor)
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(_levels(root, children, N))


def test_cycles_are_found_exactly_when_the_child_reaches_the_parent() -> None:
    rng = random.Random(11)
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    names = [f"c/{i:02d}" for i in range(40)]
    store.upsert_twins([TwinSpec(name, AREA) for name in names], principal=WHO)
    children: dict[str, set[str]] = defaultdict(set)
    for _ in range(150):
        parent, child = rng.sample(names, 2)
        closes = parent in _levels(child, children, len(names))
        try:
            store.add_edges([Edge(parent, CONTAINS, child)], principal=WHO)
        except CycleError as err:
            assert closes
            path = err.path
            assert path[0] == path[-1] == parent
            assert path[1] == child
            assert all(b in children.get(a, ()) for a, b in pairwise(path[1:]))
        else:
            assert not closes
            children[parent].add(child)


def test_filters_agree_on_both_paths(
    dag: tuple[MemoryStore, dict[str, set[str]], dict[str, set[str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, children, _ = dag
    root = min(children, key=lambda t: -len(_levels(t, children, N)))
    results = []
    for limit in (0, N * 2):
        monkeypatch.setattr(memory_graph, "WALK_LIMIT", limit)
        _touch(store)
        results.append(
            (
                store.descendants(root, model=AREA, first=MAX_PAGE, max_depth=3),
                store.descendants(root, semantic_type="Temperature", first=MAX_PAGE),
                store.descendants(root, first=7, after="n/100"),
            )
        )
    assert results[0] == results[1]
    assert results[0][0].items
    assert results[0][1].items == ()


def test_list_twins_scans_after_a_change_and_indexes_after_that() -> None:
    store = MemoryStore(clock=FixedClock())
    store.add_models(all_model_texts(), principal=WHO)
    specs = [TwinSpec(f"a/{i:03d}", AREA) for i in range(50)]
    specs += [TwinSpec(f"m/{i:03d}", MACHINE) for i in range(30)]
    specs += [TwinSpec(f"p/{i:03d}", PRESS) for i in range(20)]
    store.upsert_twins(specs, principal=WHO)

    def pages(model: str | None) -> list[list[str]]:
        out: list[list[str]] = []
        cursor = None
        while True:
            page = store.list_twins(model=model, first=7, after=cursor)
            out.append([t.id for t in page.items])
            if page.next_cursor is None:
                return out
            cursor = page.next_cursor

    _touch(store)
    scanned = store.list_twins(model=MACHINE, first=100)  # the first read after a change
    assert not _indexed(store)  # the scan left the index unbuilt
    indexed = store.list_twins(model=MACHINE, first=100)  # the second builds it
    assert _indexed(store)
    assert scanned == indexed
    assert [t.id for t in indexed.items] == [f"m/{i:03d}" for i in range(30)] + [
        f"p/{i:03d}" for i in range(20)
    ]
    by_index = pages(None)
    _touch(store)
    first_page_scanned = store.list_twins(first=7)
    assert [t.id for t in first_page_scanned.items] == by_index[0]
    assert sum(len(p) for p in by_index) == 101
