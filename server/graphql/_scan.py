"""Read a whole store listing page by page, up to the scan cap (for counts and paging)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import ontology
from server.graphql._errors import LimitError

Fetch = Callable[[str | None], ontology.Page[str]]


class Below(TypedDict):
    """The filters of a descendants read (keyword arguments of :func:`descendants`)."""

    max_depth: int | None
    model: str | None
    semantic_type: str | None


def scan(fetch: Fetch, cap: int, what: str) -> list[str]:
    """Every id ``fetch`` pages out (``fetch(after)``), refusing more than ``cap``."""
    ids: list[str] = []
    after: str | None = None
    while True:
        page = fetch(after)
        ids.extend(page.items)
        _check_cap(len(ids), cap, what)
        after = page.next_cursor
        if after is None:
            return ids


def _check_cap(count: int, cap: int, what: str) -> None:
    if count > cap:
        msg = f"{what} matches more than {cap} twins (the scan cap); narrow the filter"
        raise LimitError(msg)


def descendants(
    store: ontology.GraphStore,
    twin_id: str,
    *,
    cap: int,
    max_depth: int | None = None,
    model: str | None = None,
    semantic_type: str | None = None,
) -> list[str]:
    """Descendant ids of ``twin_id`` matching the filters; ``[]`` for an unknown twin or model."""

    def fetch(after: str | None) -> ontology.Page[str]:
        return store.descendants(
            twin_id,
            max_depth=max_depth,
            model=model,
            semantic_type=semantic_type,
            first=ontology.MAX_PAGE,
            after=after,
        )

    try:
        return scan(fetch, cap, f"descendants of {twin_id!r}")
    except ontology.NotFoundError:
        return []


def count_descendants(
    store: ontology.GraphStore,
    twin_id: str,
    *,
    cap: int,
    max_depth: int | None = None,
    model: str | None = None,
    semantic_type: str | None = None,
) -> int:
    """How many ids :func:`descendants` would give, counted by the store, with the same
    scan cap (a count above it is refused as the scan would be); 0 for an unknown twin or
    model."""
    try:
        count = store.count_descendants(
            twin_id, max_depth=max_depth, model=model, semantic_type=semantic_type
        )
    except ontology.NotFoundError:
        return 0
    _check_cap(count, cap, f"descendants of {twin_id!r}")
    return count


def twins(store: ontology.GraphStore, *, cap: int, model: str | None = None) -> list[str]:
    """Every twin id (of ``model`` or a model extending it); ``[]`` for an unknown model."""

    def fetch(after: str | None) -> ontology.Page[str]:
        page = store.list_twins(model=model, first=ontology.MAX_PAGE, after=after)
        return ontology.Page(tuple(t.id for t in page.items), page.next_cursor)

    try:
        return scan(fetch, cap, "twins" if model is None else f"twins of model {model!r}")
    except ontology.NotFoundError:
        return []
