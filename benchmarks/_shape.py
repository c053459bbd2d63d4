"""The plain-Python baselines of the graph benchmark, over a generated plant's rows.

Each builds what it needs from the plant's ``contains`` edges (the children
lists, the ancestor sets), so a cold baseline can include that build, the way
a cold store read includes building its index.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

from loaders import SyntheticPlant
from ontology import CONTAINS, Edge

Children = dict[str, list[str]]
Ancestors = dict[str, frozenset[str]]


def children_of(edges: Sequence[Edge]) -> Children:
    """Children lists by parent, from the ``contains`` edges."""
    children: Children = {}
    for edge in edges:
        if edge.name == CONTAINS:
            children.setdefault(edge.source, []).append(edge.target)
    return children


def ancestors_of(order: Sequence[str], pairs: Iterable[tuple[str, str]]) -> Ancestors:
    """Every twin's ancestor set from ``(parent, child)`` pairs; ``order`` lists parents first."""
    parents: dict[str, list[str]] = {}
    for parent, child in pairs:
        parents.setdefault(child, []).append(parent)
    ancestors: Ancestors = {}
    for twin in order:
        above: set[str] = set()
        for parent in parents.get(twin, ()):
            above.add(parent)
            above |= ancestors[parent]
        ancestors[twin] = frozenset(above)
    return ancestors


def walk(children: Mapping[str, Sequence[str]], root: str) -> list[str]:
    """Distinct descendants of ``root`` by a breadth-first walk, in id order."""
    seen = {root}
    queue = deque([root])
    while queue:
        for child in children.get(queue.popleft(), ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    seen.discard(root)
    return sorted(seen)


def rollup_sum(ancestors: Ancestors, values: Mapping[str, float]) -> dict[str, float]:
    """Per twin with descendants, the sum of its distinct descendants' values."""
    totals: dict[str, float] = {}
    for twin, value in values.items():
        for ancestor in ancestors[twin]:
            totals[ancestor] = totals.get(ancestor, 0.0) + value
    return totals


def apply_deltas(
    ancestors: Ancestors, totals: dict[str, float], deltas: Mapping[str, float]
) -> None:
    """Update the sums of ``rollup_sum`` in place after the twins in ``deltas`` changed."""
    for twin, delta in deltas.items():
        for ancestor in ancestors[twin]:
            totals[ancestor] += delta


class Shape:
    """The plant as the baselines see it, with the subtree root and the leaves to change."""

    def __init__(self, plant: SyntheticPlant, subtree: int, changed: int) -> None:
        self.order = [spec.id for spec in plant.twins]  # parents before children
        self.edges = plant.contains_edges
        self.pairs = [(e.source, e.target) for e in self.edges]
        self.children = children_of(self.edges)
        self.ancestors = ancestors_of(self.order, self.pairs)
        sizes: dict[str, int] = {}
        for above in self.ancestors.values():
            for ancestor in above:
                sizes[ancestor] = sizes.get(ancestor, 0) + 1
        self.root = min(sizes, key=lambda t: (abs(sizes[t] - subtree), t))
        self.root_size = sizes[self.root]
        step = max(len(plant.leaves) // max(changed, 1), 1)
        self.changed = list(plant.leaves[::step][:changed])
        self.values = {twin: float(i % 97) for i, twin in enumerate(self.order)}
        """The signal value of each twin (every twin has one)."""

    def walk_cold(self) -> list[str]:
        """The subtree walk including building the children lists (the cold baseline)."""
        return walk(children_of(self.edges), self.root)

    def affected(self, twins: Sequence[str]) -> set[str]:
        """The ancestors of ``twins``: the rollup targets a change of theirs moves."""
        out: set[str] = set()
        for twin in twins:
            out |= self.ancestors[twin]
        return out
