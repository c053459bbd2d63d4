"""Reads of concurrent callers in one statement: while one runs, the next ones wait and
then go together.

A busy server's worker threads each ask the store for one twin's live state.
Each such read costs the driver a statement (a session, RUN and PULL, three
messages back: about 0.3 to 0.5 ms of the caller's CPU) and Neo4j about as
much again, whatever it reads. :class:`SharedRead` makes the reads of
concurrent callers one ``UNWIND $ids`` statement: a call that finds no read of
its kind running goes at once; calls that come while one runs join the next
batch, which starts when the running one ends, each distinct key once (at most
``most`` keys a batch; a call that does not fit starts the batch after).

A batch's statement starts after every call in it was made, so each call sees
every write committed before it began, as a read of its own would: nothing is
kept after a batch ends. When a shared read fails, each of its callers reads
alone, so a call gets the answer or the error it would have had by itself.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
"""A key of the read (a twin id)."""
V = TypeVar("V")
"""What the read found for one key."""


class _Batch(Generic[K, V]):
    """The calls that go to the store in one read: their distinct keys, in order."""

    __slots__ = ("callers", "done", "error", "found", "keys", "turn")

    def __init__(self) -> None:
        self.keys: dict[K, None] = {}
        self.callers = 0
        self.turn = threading.Event()
        """Set when this batch may run (its first caller, the leader, waits on it)."""
        self.done = threading.Event()
        """Set when its read ended (the other callers wait on it)."""
        self.found: Mapping[K, V] = {}
        self.error: BaseException | None = None

    def fits(self, keys: Sequence[K], most: int) -> bool:
        return len(self.keys) + len(keys) <= most  # at most: some may be there already


class SharedRead(Generic[K, V]):
    """``read`` (distinct keys -> what was found, by key) shared by concurrent callers."""

    def __init__(self, read: Callable[[list[K]], Mapping[K, V]], *, most: int) -> None:
        self._read = read
        self._most = most
        self._lock = threading.Lock()
        self._waiting: deque[_Batch[K, V]] = deque()
        """Batches not started yet, oldest first; calls join the last."""
        self._running = False

    def __call__(self, keys: Sequence[K]) -> Mapping[K, V]:
        """What the read finds for ``keys`` (absent keys: nothing found), read with the keys
        of the calls made meanwhile."""
        with self._lock:
            batch = self._waiting[-1] if self._waiting else None
            leader = batch is None or not batch.fits(keys, self._most)
            if leader:
                batch = _Batch()
                self._waiting.append(batch)
            assert batch is not None
            batch.keys.update(dict.fromkeys(keys))
            batch.callers += 1
            if leader and not self._running:
                self._running = True
                self._waiting.remove(batch)
                batch.turn.set()
        if leader:
            batch.turn.wait()
            self._run(batch)
        else:
            batch.done.wait()
        if batch.error is None:
            return batch.found
        if batch.callers == 1:
            raise batch.error
        return self._read(list(dict.fromkeys(keys)))  # alone: its own answer or error

    def _run(self, batch: _Batch[K, V]) -> None:
        try:
            batch.found = self._read(list(batch.keys))
        except BaseException as error:  # each caller reads again alone, or re-raises
            batch.error = error
        finally:
            batch.done.set()
            with self._lock:
                if self._waiting:
                    self._waiting.popleft().turn.set()  # its leader runs it
                else:
                    self._running = False
