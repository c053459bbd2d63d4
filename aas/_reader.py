"""Reading twins, their live values and visible neighbours from the graph store in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from aas._ids import IdScheme
from aas._view import TwinView
from ontology import MAX_PAGE, GraphStore

Visible = Callable[[Sequence[str]], Sequence[bool]]
"""Which of these twin ids the reader may see (one answer per id, in order)."""


def _all(ids: Sequence[str]) -> Sequence[bool]:
    return (True,) * len(ids)


class TwinReader:
    """Builds :class:`TwinView` values; hidden neighbours are left out, never named."""

    __slots__ = ("_ids", "_store")

    def __init__(self, store: GraphStore, ids: IdScheme) -> None:
        self._store = store
        self._ids = ids

    def views(
        self, twin_ids: Sequence[str], visible: Visible | None = None
    ) -> list[TwinView | None]:
        """One view per id (``None`` for an unknown id); the caller has checked the ids."""
        store = self._store
        allowed = visible or _all
        twins = store.get_twins(twin_ids)
        edges = {t.id: store.edges_from(t.id) for t in twins if t is not None}
        targets = sorted({e.target for es in edges.values() for e in es})
        shown = [x for x, ok in zip(targets, allowed(targets), strict=True) if ok]
        found = {t.id: t for t in store.get_twins(shown) if t is not None}
        assets = {i: self._ids.asset(t) for i, t in found.items()}
        shells = {i: self._ids.shell(i) for i in found}
        out: list[TwinView | None] = []
        for twin in twins:
            if twin is None:
                out.append(None)
                continue
            out.append(
                TwinView(
                    twin=twin,
                    signals=store.get_signals(twin.id),
                    edges=tuple(e for e in edges[twin.id] if e.target in found),
                    assets=assets,
                    shells=shells,
                )
            )
        return out

    def twin_ids(self, root: str | None = None) -> Iterator[str]:
        """Every twin id in id order, or ``root`` and its descendants (root first)."""
        store = self._store
        after: str | None = None
        if root is None:
            while True:
                page = store.list_twins(first=MAX_PAGE, after=after)
                yield from (t.id for t in page.items)
                if page.next_cursor is None:
                    return
                after = page.next_cursor
        store.get_twin(root)
        yield root
        while True:
            ids = store.descendants(root, first=MAX_PAGE, after=after)
            yield from ids.items
            if ids.next_cursor is None:
                return
            after = ids.next_cursor
