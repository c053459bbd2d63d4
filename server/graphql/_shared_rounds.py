"""Reads by twin id that concurrent requests share, one worker-thread hop per round.

Asked per request, each read made a worker-thread hop of its own (a thread
wake-up each way, and on Neo4j a wait in the store's shared statement). Here
the requests of one event loop share a round: a call that finds no round in
flight starts one after the current event-loop step (so the calls made in that
step join it); calls made while a round is in flight join the next, which
starts when that one's answer is back on the loop (with ``in_flight`` above 1, up to
that many rounds run at once: a call made while fewer run starts its round after its
own loop step instead). Each round is one
worker-thread hop and one read of its distinct ids: a round takes calls until
its distinct ids would pass its limit, so calls asking for the same ids (clients
polling one list) share a round however long the list.

A round's read starts after every call in it was made, so each call sees every
write committed before it began, as a call of its own would: nothing is kept
after a round ends. When a shared read fails, each of its callers reads again
alone, so a call gets the answer or the error it would have had by itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from server.graphql._threads import in_thread, thread_future

__all__ = ["SharedRounds"]

V = TypeVar("V")
"""What a read found for one id."""


@dataclass(eq=False)
class _Round(Generic[V]):
    done: asyncio.Future[Mapping[str, V]]
    ids: dict[str, None] = field(default_factory=dict)
    callers: int = 0


@dataclass(eq=False)
class _Loop(Generic[V]):
    """The rounds of one event loop (tests run several loops)."""

    waiting: deque[_Round[V]] = field(default_factory=deque)
    running: int = 0
    """Rounds whose read is in flight."""
    starting: bool = False
    """A start of the next waiting round is scheduled on the loop."""


class SharedRounds(Generic[V]):
    """``read`` (distinct ids -> what was found, by id; run on a worker thread) shared by
    the concurrent calls of one event loop, at most ``most`` distinct ids a round and
    ``in_flight`` rounds running at once."""

    def __init__(
        self, read: Callable[[list[str]], Mapping[str, V]], *, most: int, in_flight: int = 1
    ) -> None:
        self._read = read
        self._most = most
        self._in_flight = in_flight
        self._loops: dict[asyncio.AbstractEventLoop, _Loop[V]] = {}

    async def get(self, ids: Sequence[str]) -> Mapping[str, V]:
        """What the read finds for ``ids`` (at most ``most`` distinct ones; an id found
        nothing for is absent), read with the ids of the calls made meanwhile."""
        if len(ids) > self._most and len(set(ids)) > self._most:
            msg = f"at most {self._most} ids a call, not {len(set(ids))}"
            raise ValueError(msg)
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _Loop()
        round_ = state.waiting[-1] if state.waiting else None
        held = round_.ids if round_ is not None else {}
        fresh = [t for t in ids if t not in held]  # none when it asks what another did
        if round_ is None or len(held) + len(fresh) > self._most:  # at most: fresh may repeat
            round_ = _Round(loop.create_future())
            state.waiting.append(round_)
            fresh = list(ids)
        round_.ids.update(dict.fromkeys(fresh))
        round_.callers += 1
        if state.running < self._in_flight and not state.starting:
            state.starting = True
            loop.call_soon(self._next, loop, state)  # after this step: its calls join
        try:
            return await asyncio.shield(round_.done)
        except Exception:
            if round_.callers == 1:
                raise
            return await in_thread(self._read, list(dict.fromkeys(ids)))

    def _next(self, loop: asyncio.AbstractEventLoop, state: _Loop[V]) -> None:
        """On the loop: start the oldest waiting round (when fewer than ``in_flight`` run),
        or note that none runs."""
        state.starting = False
        if not state.waiting:
            if not state.running and self._loops.get(loop) is state:
                del self._loops[loop]  # idle: made again by the next call
            return
        if state.running >= self._in_flight:
            return  # the next to end starts it
        round_ = state.waiting.popleft()
        state.running += 1
        read = thread_future(self._read, list(round_.ids))

        def ended(read: asyncio.Future[Mapping[str, V]]) -> None:
            done = round_.done
            if read.cancelled():  # the loop is closing
                done.cancel()
            elif not done.done():
                error = read.exception()
                if error is not None:
                    done.set_exception(error)
                    done.exception()  # seen, even if every caller has gone
                else:
                    done.set_result(read.result())
            state.running -= 1
            self._next(loop, state)

        read.add_done_callback(ended)
