"""Whether twins exist, asked by concurrent requests in one worker-thread hop per round.

``twin(id) { history }`` needs only whether its twin exists (``GraphStore.twins_exist``).
Asked per request, each request made a worker-thread hop of its own (a thread wake-up
each way, and on Neo4j a wait in the store's shared statement), profiled at about a
fifth of such a request's CPU. Here the requests of one event loop share a round: a
call that finds no round in flight starts one after the current event-loop step (so
the calls made in that step join it); calls made while a round is in flight join the
next, which starts when that one's answer is back on the loop. Each round is one
worker-thread hop and one store call over its distinct ids.

A round's store call starts after every call in it was made, so each call sees every
write committed before it began, as a call of its own would: nothing is kept after a
round ends. When a shared call fails, each of its callers asks again alone, so a call
gets the answer or the error it would have had by itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import ontology
from server.graphql._threads import in_thread, thread_future

__all__ = ["ROUND_IDS", "SharedExists"]

ROUND_IDS = 1_000
"""A round takes calls until its distinct ids would pass this (a larger call goes alone)."""


@dataclass(eq=False)
class _Round:
    done: asyncio.Future[frozenset[str]]
    ids: dict[str, None] = field(default_factory=dict)
    callers: int = 0


@dataclass(eq=False)
class _Loop:
    """The rounds of one event loop (tests run several loops)."""

    waiting: deque[_Round] = field(default_factory=deque)
    running: bool = False


class SharedExists:
    """``store.twins_exist`` shared by the concurrent requests of one server."""

    def __init__(self, store: ontology.GraphStore) -> None:
        self._store = store
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}

    async def exist(self, twin_ids: Sequence[str]) -> list[bool]:
        """Whether each of ``twin_ids`` exists (at most :data:`ROUND_IDS`; no authorization:
        the caller asks the authorizer first)."""
        if len(twin_ids) > ROUND_IDS:
            msg = f"at most {ROUND_IDS} ids a call, not {len(twin_ids)}"
            raise ValueError(msg)
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop()
        round_ = state.waiting[-1] if state.waiting else None
        if round_ is None or len(round_.ids) + len(twin_ids) > ROUND_IDS:
            round_ = _Round(loop.create_future())
            state.waiting.append(round_)
        round_.ids.update(dict.fromkeys(twin_ids))
        round_.callers += 1
        if not state.running:
            state.running = True
            loop.call_soon(self._next, loop, state)  # after this step: its calls join
        try:
            found = await asyncio.shield(round_.done)
        except Exception:
            if round_.callers == 1:
                raise
            found = frozenset(await in_thread(self._found, list(dict.fromkeys(twin_ids))))
        return [t in found for t in twin_ids]

    def _found(self, ids: list[str]) -> list[str]:
        """On a worker thread: the ids of ``ids`` that exist."""
        there = self._store.twins_exist(ids)
        return [t for t, ok in zip(ids, there, strict=True) if ok]

    def _next(self, loop: asyncio.AbstractEventLoop, state: _Loop) -> None:
        """On the loop: start the oldest waiting round, or note that none runs."""
        if not state.waiting:
            state.running = False
            if self._loops.get(loop) is state:
                del self._loops[loop]  # idle: made again by the next call
            return
        round_ = state.waiting.popleft()
        read = thread_future(self._found, list(round_.ids))

        def ended(read: asyncio.Future[list[str]]) -> None:
            done = round_.done
            if read.cancelled():  # the loop is closing
                done.cancel()
            elif not done.done():
                error = read.exception()
                if error is not None:
                    done.set_exception(error)
                    done.exception()  # seen, even if every caller has gone
                else:
                    done.set_result(frozenset(read.result()))
            self._next(loop, state)

        read.add_done_callback(ended)
