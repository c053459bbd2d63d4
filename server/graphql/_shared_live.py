"""Twins' records and live signals, read for concurrent requests in one worker-thread hop
per round.

``twin(id) { signals }`` on Neo4j read its twin's record and live signals beside the
parsed models in a worker-thread hop of its own (``GraphStore.twins_with_signals`` and
``model_set``): a thread wake-up each way, a future and a loop wake-up per request,
profiled at about a tenth of such a request's CPU. Here the requests of one event loop
share rounds (:class:`SharedRounds`: one hop and one store call over a round's
distinct ids; each call sees every write committed before it began; a failed shared
call leaves each caller its own answer or error).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dtdl
import ontology
from server.graphql._shared_rounds import SharedRounds

__all__ = ["LIVE_ROUND_IDS", "SharedLive"]

LIVE_ROUND_IDS = 256
"""A round takes calls until its distinct ids would pass this (a larger call goes alone)."""

LIVE_IN_FLIGHT = 2
"""Rounds in flight at once: a call made while one runs starts the next after its loop step
instead of waiting for that one's answer."""

TwinLive = tuple[ontology.Twin, Mapping[str, ontology.SignalValue]]
"""A twin's record and its live signals."""


class SharedLive:
    """``store.twins_with_signals`` with ``store.model_set()``, shared by the concurrent
    requests of one server."""

    def __init__(self, store: ontology.GraphStore) -> None:
        self._store = store
        self._rounds = SharedRounds(self._read, most=LIVE_ROUND_IDS, in_flight=LIVE_IN_FLIGHT)

    async def read(self, twin_ids: Sequence[str]) -> tuple[list[TwinLive | None], dtdl.ModelSet]:
        """The record and live signals of each of ``twin_ids`` (``None``: not stored), and the
        parsed models read with them (at most :data:`LIVE_ROUND_IDS` distinct ids, at least
        one; no authorization: for the policy that hides nothing)."""
        got = await self._rounds.get(twin_ids)
        first = got[twin_ids[0]]
        return [got[t][0] for t in twin_ids], first[1]

    def _read(self, ids: list[str]) -> Mapping[str, tuple[TwinLive | None, dtdl.ModelSet]]:
        """On a worker thread: each of ``ids`` (distinct) with the models, read after it."""
        found = self._store.twins_with_signals(ids)
        models = self._store.model_set()
        return {t: (pair, models) for t, pair in zip(ids, found, strict=True)}
