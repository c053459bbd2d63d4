"""The in-process store's edges: adjacency both ways, ``contains`` kept apart for traversal."""

from __future__ import annotations

from collections.abc import Iterator

from ontology._values import CONTAINS, Edge

EdgeKey = tuple[str, str]
"""``(name, other end)``."""


class EdgeTable:
    def __init__(self) -> None:
        self.out: dict[str, dict[EdgeKey, Edge]] = {}
        self.inc: dict[str, dict[EdgeKey, Edge]] = {}
        self.children: dict[str, dict[str, None]] = {}
        self.parents: dict[str, dict[str, None]] = {}

    def __len__(self) -> int:
        return sum(len(edges) for edges in self.out.values())

    def __iter__(self) -> Iterator[Edge]:
        for edges in self.out.values():
            yield from edges.values()

    def get(self, source: str, name: str, target: str) -> Edge | None:
        edges = self.out.get(source)
        return edges.get((name, target)) if edges is not None else None

    def put(self, edge: Edge) -> None:
        source, name, target = edge.source, edge.name, edge.target
        out = self.out.get(source)
        if out is None:
            out = self.out[source] = {}
        out[name, target] = edge
        inc = self.inc.get(target)
        if inc is None:
            inc = self.inc[target] = {}
        inc[name, source] = edge
        if name == CONTAINS:
            self.children.setdefault(source, {})[target] = None
            self.parents.setdefault(target, {})[source] = None

    def remove(self, source: str, name: str, target: str) -> Edge:
        """Raises ``KeyError`` when there is no such edge."""
        edge = self.out[source].pop((name, target))
        del self.inc[target][name, source]
        if name == CONTAINS:
            del self.children[source][target]
            del self.parents[target][source]
        return edge

    def count(self, source: str, name: str) -> int:
        edges = self.out.get(source)
        if not edges:
            return 0
        if name == CONTAINS:
            return len(self.children.get(source, ()))
        return sum(1 for n, _ in edges if n == name)

    def drop_twin(self, twin_id: str) -> list[Edge]:
        """Remove every edge from or to ``twin_id``; returns them."""
        gone = [*self.out.get(twin_id, {}).values(), *self.inc.get(twin_id, {}).values()]
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
