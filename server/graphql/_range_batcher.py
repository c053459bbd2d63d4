"""History ``range`` reads of concurrent requests for the same window, in one store call.

A request's DataLoader batches the ``history`` fields of one query; this batches
across requests. While a ``range`` call for a window (start, end, interval,
aggregates) is in flight, the reads other requests ask for the same window wait
for it and then go to the store together, each distinct series once: a dashboard
that many clients poll, or a wall of twins each asking for the same day, costs
one store call per round instead of one per request. A read that finds nothing
in flight goes at once (after the current event-loop step, so reads made in the
same step share it). Nothing is kept after a call returns: every answer is read
while its request waits.

When a shared call fails, each request's read is made again alone, so a request
gets the answer or the error it would have had by itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ontology.history import Agg, HistoryStore, Series, SeriesKey
from server.graphql._threads import in_thread

ROUND_BUCKETS = 200_000
"""A round takes reads until its series times their buckets would pass this (a read
larger alone goes in a round of its own)."""
ROUND_KEYS = 10_000
"""And at most this many distinct series (``MAX_RANGE_KEYS`` of the stores)."""

Window = tuple[datetime, datetime, timedelta, tuple[Agg, ...]]


def window_buckets(window: Window) -> int:
    """At most how many buckets one series has in ``window``."""
    start, end, interval, _ = window
    return max(-(-(end - start) // interval), 0) + 1


@dataclass(eq=False)
class _Round:
    """The reads that go to the store in one call: each distinct key's position."""

    done: asyncio.Future[tuple[Series, ...]]
    keys: dict[SeriesKey, int] = field(default_factory=dict)
    readers: int = 0

    def fits(self, keys: Sequence[SeriesKey], buckets: int) -> bool:
        new = len(self.keys) + len(keys)  # at most: some may be there already
        return not self.keys or (new <= ROUND_KEYS and new * buckets <= ROUND_BUCKETS)

    def add(self, keys: Sequence[SeriesKey]) -> list[int]:
        self.readers += 1
        return [self.keys.setdefault(key, len(self.keys)) for key in keys]


@dataclass(eq=False)
class _Queue:
    rounds: deque[_Round] = field(default_factory=deque)
    running: bool = False


class RangeBatcher:
    """``HistoryStore.range`` shared by the requests of one server (see the module's text)."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history
        # per event loop (tests run several), per window
        self._queues: dict[tuple[asyncio.AbstractEventLoop, Window], _Queue] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def range(self, keys: Sequence[SeriesKey], window: Window) -> tuple[Series, ...]:
        """``history.range(keys, *window)``, in a call shared with concurrent reads."""
        if not keys:
            return ()
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault((loop, window), _Queue())
        buckets = window_buckets(window)
        last = queue.rounds[-1] if queue.rounds else None
        if last is None or not last.fits(keys, buckets):
            last = _Round(loop.create_future())
            queue.rounds.append(last)
        positions = last.add(keys)
        if not queue.running:
            queue.running = True
            task = loop.create_task(self._drain(loop, window, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            got = await asyncio.shield(last.done)
        except Exception:
            if last.readers == 1:
                raise
            # alone: the answer or the error this request would have had by itself
            return await in_thread(self.history.range, keys, *window)
        return tuple(got[p] for p in positions)

    async def _drain(self, loop: asyncio.AbstractEventLoop, window: Window, queue: _Queue) -> None:
        """Run the window's rounds one after another until none is waiting."""
        try:
            while queue.rounds:
                round_ = queue.rounds.popleft()
                try:
                    got = await in_thread(self.history.range, list(round_.keys), *window)
                except Exception as error:
                    round_.done.set_exception(error)
                    round_.done.exception()  # seen, even if every reader has gone
                else:
                    round_.done.set_result(got)
        finally:
            queue.running = False
            for left in queue.rounds:  # only when cancelled (the loop is shutting down)
                left.done.cancel()
            queue.rounds.clear()
            if self._queues.get((loop, window)) is queue:
                del self._queues[(loop, window)]
