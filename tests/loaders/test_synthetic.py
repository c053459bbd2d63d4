"""The synthetic plant generator: size, determinism, a DAG, the multi-parent share."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from loaders import LoaderError, SyntheticPlant, generate_plant
from ontology import CONTAINS


def _has_cycle(plant: SyntheticPlant) -> bool:
    children: dict[str, list[str]] = defaultdict(list)
    for edge in plant.contains_edges:
        children[edge.source].append(edge.target)
    state: dict[str, int] = {}
    for start in (t.id for t in plant.twins):
        if start in state:
            continue
        stack = [(start, iter(children[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return True
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(children[nxt])))
    return False


def test_size_and_unique_ids() -> None:
    plant = generate_plant(5_000, fan_out=8, multi_parent_share=0.05, seed=1)
    ids = [t.id for t in plant.twins]
    assert len(ids) == 5_000
    assert len(set(ids)) == 5_000


def test_same_seed_same_plant_other_seed_other_plant() -> None:
    a = generate_plant(3_000, seed=7)
    b = generate_plant(3_000, seed=7)
    c = generate_plant(3_000, seed=8)
    assert a == b
    assert a.edges != c.edges


def test_hierarchy_is_a_dag_with_parents_first() -> None:
    plant = generate_plant(4_000, fan_out=5, multi_parent_share=0.1, seed=2)
    assert not _has_cycle(plant)
    position = {t.id: n for n, t in enumerate(plant.twins)}
    for edge in plant.contains_edges:
        assert position[edge.source] < position[edge.target]


def test_multi_parent_share_is_honoured() -> None:
    plant = generate_plant(10_000, fan_out=10, multi_parent_share=0.02, seed=0)
    parents = Counter(e.target for e in plant.contains_edges)
    two = {t for t, n in parents.items() if n == 2}
    assert len(two) == 200
    assert two == set(plant.multi_parent)
    assert max(parents.values()) == 2
    # no duplicate edge: a second parent is never the first one again
    keys = {(e.source, e.target) for e in plant.contains_edges}
    assert len(keys) == len(plant.contains_edges)


def test_roots_and_leaves() -> None:
    plant = generate_plant(1_111, fan_out=10, multi_parent_share=0.0)
    targets = {e.target for e in plant.contains_edges}
    sources = {e.source for e in plant.contains_edges}
    assert plant.roots == ("syn/site/0",)
    assert set(plant.roots) == {t.id for t in plant.twins} - targets
    assert set(plant.leaves) == {t.id for t in plant.twins} - sources
    assert plant.depth == 3
    assert len(plant.leaves) == 1_000


def test_models_are_those_the_twins_use() -> None:
    plant = generate_plant(2_000)
    used = {t.model for t in plant.twins}
    defined = {text.split('"@id": "', 1)[1].split('"', 1)[0] for text in plant.models}
    assert used <= defined


def test_feeds_edges_link_machines_of_one_line() -> None:
    plant = generate_plant(2_000, fan_out=10)
    feeds = [e for e in plant.edges if e.name != CONTAINS]
    assert feeds
    line_of: dict[str, str] = {}
    for e in plant.contains_edges:  # the first parent: second parents come later
        line_of.setdefault(e.target, e.source)
    for edge in feeds:
        assert edge.name == "feeds"
        assert line_of[edge.source] == line_of[edge.target]


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"twins": 0}, "twins"),
        ({"twins": 10, "fan_out": 1}, "fan_out"),
        ({"twins": 10, "multi_parent_share": 0.9}, "multi_parent_share"),
    ],
)
def test_arguments_out_of_range_are_refused(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(LoaderError, match=word):
        generate_plant(**kwargs)  # type: ignore[arg-type]
