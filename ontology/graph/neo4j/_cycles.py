"""Cycle checks for bulk ``contains`` edges against the graph Neo4j holds.

A new edge ``source -> target`` closes a cycle when ``source`` is reachable
from ``target``. In a bulk call the edges accepted earlier in the same call
count too, so the check walks an *overlay*: the stored ``contains`` edges
(fetched level by level, only for the nodes a walk reaches, or all at once
for large calls) plus the edges accepted so far. Reported paths run
``source -> target -> ... -> source``: the shortest, ties broken by id (as the
in-process store reports them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence

FetchChildren = Callable[[Sequence[str]], dict[str, list[str]]]


class ContainsOverlay:
    def __init__(
        self, fetch: FetchChildren, prefetched: dict[str, list[str]] | None = None
    ) -> None:
        self._fetch = fetch
        self._complete = prefetched is not None
        self._kids: dict[str, list[str]] = prefetched if prefetched is not None else {}

    def add(self, parent: str, child: str) -> None:
        self._load([parent])
        self._kids.setdefault(parent, []).append(child)

    def cycle(self, source: str, target: str) -> tuple[str, ...] | None:
        """The cycle ``source -> target -> ... -> source`` the edge would close, if any."""
        if source == target:
            return (source, source)
        previous: dict[str, str] = {target: target}
        level = [target]
        while level:
            self._load(level)
            following: list[str] = []
            for node in level:
                for child in sorted(self._kids.get(node, ())):
                    if child in previous:
                        continue
                    previous[child] = node
                    if child == source:
                        return (source, *_path(previous, target, source))
                    following.append(child)
            level = following
        return None

    def acyclic_with(self, edges: Iterable[tuple[str, str]]) -> bool:
        """Whether the (complete) stored graph plus ``edges`` has no cycle (Kahn's algorithm)."""
        children: dict[str, list[str]] = {p: list(c) for p, c in self._kids.items()}
        for parent, child in edges:
            children.setdefault(parent, []).append(child)
        indegree: dict[str, int] = dict.fromkeys(children, 0)
        for kids in children.values():
            for child in kids:
                indegree[child] = indegree.get(child, 0) + 1
        ready = deque(node for node, degree in indegree.items() if degree == 0)
        seen = 0
        while ready:
            node = ready.popleft()
            seen += 1
            for child in children.get(node, ()):
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return seen == len(indegree)

    def _load(self, nodes: Sequence[str]) -> None:
        if self._complete:
            return
        missing = [n for n in nodes if n not in self._kids]
        if missing:
            self._kids.update(self._fetch(missing))


def _path(previous: dict[str, str], start: str, end: str) -> list[str]:
    path = [end]
    while path[-1] != start:
        path.append(previous[path[-1]])
    path.reverse()
    return path
