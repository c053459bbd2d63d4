"""The in-process store's edges: ``contains`` as plain adjacency, the others as Edge values.

A plant has about one ``contains`` edge per twin and few others, so hierarchy
edges without properties are kept only as ``children`` / ``parents`` entries
(an ``Edge`` is built when one is read); other edges, and ``contains`` edges
with properties, are kept as values in ``out`` / ``inc`` as well.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from ontology.graph._values import CONTAINS, Edge, JsonValue

EdgeKey = tuple[str, str]
"""``(name, other end)``."""

NO_PROPERTIES: Mapping[str, JsonValue] = MappingProxyType({})


class EdgeTable:
    def __init__(self) -> None:
        self.out: dict[str, dict[EdgeKey, Edge]] = {}
        self.inc: dict[str, dict[EdgeKey, Edge]] = {}
        self.children: dict[str, dict[str, None]] = {}
        self.parents: dict[str, dict[str, None]] = {}

    def __iter__(self) -> Iterator[Edge]:
        for source, kids in self.children.items():
            for target in kids:
                yield self._contains(source, target)
        for edges in self.out.values():
            for (name, _), edge in edges.items():
                if name != CONTAINS:
                    yield edge

    def rows(self) -> Iterator[tuple[str, str, str, Mapping[str, JsonValue]]]:
        """Every edge as ``(source, name, target, properties)``, building no Edge values."""
        for source, kids in self.children.items():
            held = self.out.get(source)
            for target in kids:
                edge = held.get((CONTAINS, target)) if held else None
                yield source, CONTAINS, target, edge.properties if edge else NO_PROPERTIES
        for edges in self.out.values():
            for (name, _), edge in edges.items():
                if name != CONTAINS:
                    yield edge.source, name, edge.target, edge.properties

    def _contains(self, source: str, target: str) -> Edge:
        held = self.out.get(source)
        edge = held.get((CONTAINS, target)) if held else None
        return edge if edge is not None else Edge(source, CONTAINS, target, NO_PROPERTIES)

    def get(self, source: str, name: str, target: str) -> Edge | None:
        if name == CONTAINS:
            kids = self.children.get(source)
            return self._contains(source, target) if kids and target in kids else None
        edges = self.out.get(source)
        return edges.get((name, target)) if edges is not None else None

    def put(self, edge: Edge) -> None:
        source, name, target = edge.source, edge.name, edge.target
        if name == CONTAINS:
            self.put_contains(source, target)
            if not edge.properties:
                self._drop_value(source, name, target)
                return
        out = self.out.get(source)
        if out is None:
            out = self.out[source] = {}
        out[name, target] = edge
        inc = self.inc.get(target)
        if inc is None:
            inc = self.inc[target] = {}
        inc[name, source] = edge

    def put_contains(self, source: str, target: str) -> None:
        """A ``contains`` edge without properties."""
        kids = self.children.get(source)
        if kids is None:
            kids = self.children[source] = {}
        kids[target] = None
        ups = self.parents.get(target)
        if ups is None:
            ups = self.parents[target] = {}
        ups[source] = None

    def _drop_value(self, source: str, name: str, target: str) -> None:
        out = self.out.get(source)
        if out is not None and out.pop((name, target), None) is not None:
            del self.inc[target][name, source]

    def remove(self, source: str, name: str, target: str) -> Edge:
        """Raises ``KeyError`` when there is no such edge."""
        edge = self.get(source, name, target)
        if edge is None:
            raise KeyError((source, name, target))
        self._drop_value(source, name, target)
        if name == CONTAINS:
            del self.children[source][target]
            del self.parents[target][source]
        return edge

    def count(self, source: str, name: str) -> int:
        if name == CONTAINS:
            return len(self.children.get(source, ()))
        edges = self.out.get(source)
        return sum(1 for n, _ in edges if n == name) if edges else 0

    def from_source(self, source: str) -> list[Edge]:
        found = [e for e in self.out.get(source, {}).values() if e.name != CONTAINS]
        found.extend(self._contains(source, t) for t in self.children.get(source, ()))
        return found

    def to_target(self, target: str) -> list[Edge]:
        found = [e for e in self.inc.get(target, {}).values() if e.name != CONTAINS]
        found.extend(self._contains(s, target) for s in self.parents.get(target, ()))
        return found

    def drop_twin(self, twin_id: str) -> list[Edge]:
        """Remove every edge from or to ``twin_id``; returns them."""
        gone = [*self.from_source(twin_id), *self.to_target(twin_id)]
        for edge in gone:
            if self.get(edge.source, edge.name, edge.target) is not None:
                self.remove(edge.source, edge.name, edge.target)
        for table in (self.out, self.inc, self.children, self.parents):
            table.pop(twin_id, None)
        return gone

    def cycle_path(self, parent: str, child: str) -> list[str] | None:
        """The cycle a ``parent contains child`` edge would close, or ``None``.

        The path starts and ends at ``parent``: ``parent -> child -> ... -> parent``
        (the shortest one, ties broken by id).
        """
        if parent == child:
            return [parent, parent]
        if not self.children.get(child):
            return None
        previous: dict[str, str] = {child: ""}
        frontier = [child]
        while frontier:
            following: list[str] = []
            for node in frontier:
                for kid in sorted(self.children.get(node, ())):
                    if kid in previous:
                        continue
                    previous[kid] = node
                    if kid == parent:
                        path = [kid]
                        while path[-1] != child:
                            path.append(previous[path[-1]])
                        return [parent, *reversed(path)]
                    following.append(kid)
            frontier = following
        return None
