"""Whether twins exist, asked by concurrent requests in one worker-thread hop per round.

``twin(id) { history }`` needs only whether its twin exists (``GraphStore.twins_exist``),
and ``signalsAt`` whether each twin of its list does. Asked per request, each request
made a worker-thread hop of its own, profiled at about a fifth of such a request's CPU.
Here the requests of one event loop share rounds (:class:`SharedRounds`: one hop and
one store call over a round's distinct ids; each call sees every write committed
before it began; a failed shared call leaves each caller its own answer or error).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Protocol, cast, runtime_checkable

import ontology
from server.graphql._shared_rounds import SharedRounds

__all__ = ["ROUND_IDS", "KeepsExistence", "SharedExists"]

ROUND_IDS = 1_000
"""A round takes calls until its distinct ids would pass this (a larger call goes alone)."""


@runtime_checkable
class KeepsExistence(Protocol):
    """A graph store that can tell, without a query or a wait, what ``twins_exist`` would
    return now (the Neo4j store's kept answers: ``Neo4jStoreSettings.exists_stale_ms``)."""

    def kept_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...] | None: ...


@functools.cache
def _keeps_existence(kind: type) -> bool:
    """Whether a store of class ``kind`` is ``KeepsExistence`` (asked once per class)."""
    return issubclass(kind, KeepsExistence)


class SharedExists:
    """``store.twins_exist`` shared by the concurrent requests of one server; answered on
    the event loop, with no round, when the store keeps the answer (``KeepsExistence``)."""

    def __init__(self, store: ontology.GraphStore) -> None:
        self._store = store
        self._rounds = SharedRounds(self._found, most=ROUND_IDS)
        self._kept = cast("KeepsExistence", store) if _keeps_existence(type(store)) else None

    async def exist(self, twin_ids: Sequence[str]) -> list[bool]:
        """Whether each of ``twin_ids`` exists (at most :data:`ROUND_IDS` distinct ids; no
        authorization: the caller asks the authorizer first)."""
        found = await self.found(twin_ids)
        return [t in found for t in twin_ids]

    async def found(self, twin_ids: Sequence[str]) -> Mapping[str, bool]:
        """The ids of ``twin_ids`` that exist (and maybe others'), as keys (as :meth:`exist`)."""
        kept = self._kept.kept_exist(twin_ids) if self._kept is not None else None
        if kept is not None:
            return {t: True for t, there in zip(twin_ids, kept, strict=True) if there}
        return await self._rounds.get(twin_ids)

    def _found(self, ids: list[str]) -> Mapping[str, bool]:
        """On a worker thread: the ids of ``ids`` (distinct) that exist."""
        there = self._store.twins_exist(ids)
        return {t: True for t, ok in zip(ids, there, strict=True) if ok}
