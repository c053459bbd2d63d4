"""History reads of concurrent requests for the same window, or the same time, in one store call.

A request's DataLoader batches the ``history`` and ``signals(at:)`` fields of
one query; this batches across requests. While a ``range`` call for a window
(start, end, interval, aggregates), or an ``as_of`` call for a time, is in
flight, the reads other requests ask for the same window (or time) wait for it
and then go to the store together, each distinct series once: a dashboard that
many clients poll, a wall of twins each asking for the same day, or a plant's
listing of 1,000 twins as they were at one time, costs one store call per round
instead of one per request. A read that finds nothing in flight goes at once
(after the current event-loop step, so reads made in the same step share it). The
rounds of a window run one after another on one worker thread, each starting as soon
as the one before ended: between them no turn of the event loop and no hand-off to
another thread, each of which, on a loaded machine, waits for a core (measured: see
docs/graphql.md).
Nothing is kept after a call returns: every answer is read while its request
waits.

When a shared call fails, each request's read is made again alone, so a request
gets the answer or the error it would have had by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from ontology.history import Agg, AsOf, HistoryStore, Series, SeriesKey
from server.graphql._threads import in_thread, start_in_thread

ROUND_BUCKETS = 200_000
"""A ``range`` round takes reads until its series times their buckets would pass this (a
read larger alone goes in a round of its own)."""
ROUND_KEYS = 10_000
"""And at most this many distinct series (``MAX_RANGE_KEYS`` of the stores)."""
AS_OF_ROUND_KEYS = 50_000
"""An ``as_of`` round takes at most this many series, counting each reader's keys (half
of the stores' ``MAX_AS_OF_KEYS``)."""

Window = tuple[datetime, datetime, timedelta, tuple[Agg, ...]]
Pair = tuple[str, str]
"""A series as ``(twin, signal)``: a tuple hashes and compares in C (a ``SeriesKey`` calls
Python for both, and for its construction)."""
_What = tuple[str, Window | datetime]
"""A queue's reads: ``("range", window)`` or ``("as_of", at)``."""


def window_buckets(window: Window) -> int:
    """At most how many buckets one series has in ``window``."""
    start, end, interval, _ = window
    return max(-(-(end - start) // interval), 0) + 1


@dataclass(eq=False)
class _Round:
    """The reads that go to the store in one call: each distinct key once, in ``keys``."""

    done: asyncio.Future[Any]
    keys: list[SeriesKey] = field(default_factory=list)
    positions: dict[Pair, int] = field(default_factory=dict)
    """Each key's position in ``keys``, by ``(twin, signal)``."""
    readers: int = 0
    last: tuple[Sequence[str], Sequence[str], list[int]] | None = None
    """The twins and signals the last reader asked for, and their positions: many readers
    ask for the same series (two list comparisons in C then, not a lookup per series)."""

    def add(self, twins: Sequence[str], signals: Sequence[str]) -> list[int]:
        self.readers += 1
        last = self.last
        if last is not None and last[0] == twins and last[1] == signals:
            return last[2]
        positions, held = self.positions, self.keys
        out: list[int] = []
        for pair in zip(twins, signals, strict=True):
            at = positions.get(pair)
            if at is None:
                at = positions[pair] = len(held)
                held.append(SeriesKey(*pair))
            out.append(at)
        self.last = (twins, signals, out)
        return out


@dataclass(eq=False)
class _Queue:
    read: Callable[[list[SeriesKey]], Any]
    fits: Callable[[_Round, int], bool]
    """Whether a read of this many keys may join the round."""
    rounds: deque[_Round] = field(default_factory=deque)
    running: bool = False
    """A worker thread runs the rounds (``RangeBatcher._drain``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held to change ``rounds`` and ``running``, and to add a reader to a round."""


def _as_of_rows(got: AsOf, positions: list[int]) -> AsOf:
    """The rows of ``got`` at ``positions``, in their order."""
    if positions == list(range(len(got.found))):
        return got
    at = np.asarray(positions, dtype=np.intp)
    return AsOf(**{f.name: getattr(got, f.name)[at] for f in dataclasses.fields(AsOf)})


def columns_of(keys: Sequence[SeriesKey]) -> tuple[list[str], list[str]]:
    """The twins and the signals of ``keys``."""
    return [key.twin for key in keys], [key.signal for key in keys]


class RangeBatcher:
    """``HistoryStore.range`` and ``as_of`` shared by the requests of one server (see the
    module's text)."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history
        # per event loop (tests run several), per window or time
        self._queues: dict[tuple[asyncio.AbstractEventLoop, _What], _Queue] = {}

    async def range(self, keys: Sequence[SeriesKey], window: Window) -> tuple[Series, ...]:
        """``history.range(keys, *window)``, in a call shared with concurrent reads."""
        if not keys:
            return ()
        buckets = window_buckets(window)

        def fits(round_: _Round, count: int) -> bool:
            new = len(round_.keys) + count  # at most: some may be there already
            return not round_.keys or (new <= ROUND_KEYS and new * buckets <= ROUND_BUCKETS)

        def read(shared: list[SeriesKey]) -> tuple[Series, ...]:
            return self.history.range(shared, *window)

        twins, signals = columns_of(keys)
        got, positions = await self._shared(("range", window), twins, signals, read, fits)
        return tuple(got[p] for p in positions)

    async def as_of(self, keys: Sequence[SeriesKey], at: datetime) -> AsOf:
        """``history.as_of(keys, at)``, in a call shared with concurrent reads of ``at``."""
        return await self.as_of_series(*columns_of(keys), at)

    async def as_of_series(
        self, twins: Sequence[str], signals: Sequence[str], at: datetime
    ) -> AsOf:
        """:meth:`as_of` of the series ``(twins[i], signals[i])``: no ``SeriesKey`` made for
        a series the round already holds."""

        def fits(round_: _Round, count: int) -> bool:
            return not round_.keys or len(round_.keys) + count <= AS_OF_ROUND_KEYS

        def read(shared: list[SeriesKey]) -> AsOf:
            return self.history.as_of(shared, at)

        got, positions = await self._shared(("as_of", at), twins, signals, read, fits)
        return _as_of_rows(got, positions)

    async def _shared(
        self,
        what: _What,
        twins: Sequence[str],
        signals: Sequence[str],
        read: Callable[[list[SeriesKey]], Any],
        fits: Callable[[_Round, int], bool],
    ) -> tuple[Any, list[int]]:
        """The answer of the round the series ``(twins[i], signals[i])`` joined, and their
        positions in it."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault((loop, what), _Queue(read, fits))
        with queue.lock:  # the worker thread takes rounds off the queue under it
            last = queue.rounds[-1] if queue.rounds else None
            if last is None or not queue.fits(last, len(twins)):
                last = _Round(loop.create_future())
                queue.rounds.append(last)
            positions = last.add(twins, signals)
            start = not queue.running
            queue.running = True
        if start:  # after this step, so that the reads made in it join the round
            loop.call_soon(start_in_thread, functools.partial(self._drain, loop, what, queue))
        try:
            got = await asyncio.shield(last.done)
        except Exception:
            if last.readers == 1:
                raise
            # alone: the answer or the error this request would have had by itself
            keys = [SeriesKey(*pair) for pair in zip(twins, signals, strict=True)]
            return await in_thread(read, keys), list(range(len(keys)))
        return got, positions

    def _drain(self, loop: asyncio.AbstractEventLoop, what: _What, queue: _Queue) -> None:
        """On a worker thread: run the queue's rounds one after another until none is
        waiting. The next round starts on this thread as soon as one ends (no turn of the
        event loop, nor a thread hand-off, between them); each round's readers are handed
        its answer on the loop."""
        ended = False
        try:
            while True:
                with queue.lock:
                    if not queue.rounds:
                        queue.running, ended = False, True
                        break
                    round_ = queue.rounds.popleft()
                try:
                    got = queue.read(round_.keys)
                except Exception as error:
                    _settle(loop, round_.done, None, error)
                else:
                    _settle(loop, round_.done, got, None)
        finally:
            if not ended:  # an unexpected error: nothing would run the rounds left
                with queue.lock:
                    left, queue.running = list(queue.rounds), False
                    queue.rounds.clear()
                for round_ in left:
                    _settle(loop, round_.done, None, RuntimeError("history reads stopped"))
            with contextlib.suppress(RuntimeError):  # the loop closed: nothing to forget
                loop.call_soon_threadsafe(self._forget, loop, what, queue)

    def _forget(self, loop: asyncio.AbstractEventLoop, what: _What, queue: _Queue) -> None:
        """Drop ``queue`` once idle (on the loop, where reads find it)."""
        with queue.lock:
            idle = not queue.running and not queue.rounds
        if idle and self._queues.get((loop, what)) is queue:
            del self._queues[(loop, what)]


def _settle(
    loop: asyncio.AbstractEventLoop,
    done: asyncio.Future[Any],
    value: Any,
    error: BaseException | None,
) -> None:
    """Hand a round's answer (or error) to its readers, on the loop (``done`` is the loop's)."""

    def settle() -> None:
        if done.done():  # cancelled
            return
        if error is not None:
            done.set_exception(error)
            done.exception()  # seen, even if every reader has gone
        else:
            done.set_result(value)

    with contextlib.suppress(RuntimeError):  # the loop closed: no one waits
        loop.call_soon_threadsafe(settle)
