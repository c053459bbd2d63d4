"""Whether twins exist, kept in the store process while the ``topology`` counter holds.

A busy GraphQL server asks whether one twin exists for every ``twin(id) { history }``
request (and whether each of a list does for ``signalsAt``): a Neo4j statement each
time, shared by concurrent callers but still a round trip, whose slow tail (a worker
thread, the Bolt driver and Neo4j all waiting for a core) made the requests' p99
(``docs/graphql.md``, the seventh round). Twins are created and deleted seldom, and
every transaction that creates or deletes one moves the ``topology`` counter
(``(:Meta {key: "topology"})``) in the same transaction. So the answers are kept,
tagged with the counter they were read at, and given again while the counter has not
moved: :meth:`KeptExistence.kept` answers without a query and without a wait (an event
loop may call it).

When an answer may be given (``exists_stale_ms`` of ``Neo4jStoreSettings``, above 0):

- **This process's writes at once.** :meth:`KeptExistence.wrote` is called after every
  write transaction of the store that may create or delete twins has ended (committed
  or not); it drops every kept answer, and an answer read by a call that began before
  it is not kept. So a call that begins after this store's write returned reads again.
- **Another process's writes within the bound.** The counter is read by each read of
  existence (first, in the same statement, before the twins: an answer is as new as its
  counter or newer) and, while answers are being asked for, by a thread of the cache
  once the last reading is past half the bound. A kept answer is given only when the
  last reading of the counter *started* at most ``exists_stale_ms`` before the call and
  equals the counter the answer was read at. A write of another process (a second
  server process, a loader) committed before that reading started moved the counter,
  so the call reads again: such a write is seen by every call that begins
  ``exists_stale_ms`` after it committed, and may be missed by one that begins sooner.

With ``exists_stale_ms`` 0 nothing is kept: every call reads, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

__all__ = ["MOST_KEPT", "KeptExistence"]

MOST_KEPT = 200_000
"""Kept answers at most (ids found and not found); past it they are dropped and read again."""


class KeptExistence:
    """Twins' existence by id, kept with the ``topology`` counter it was read at."""

    def __init__(self, read_counter: Callable[[], int], *, stale_ms: int) -> None:
        self._read_counter = read_counter
        self._within = stale_ms / 1000
        self._guard = threading.Lock()
        self._writes = 0
        """This store's writes that may create or delete twins, so far."""
        self._counter: tuple[int, float, int] | None = None
        """The last reading of the counter: its value, when its read started, and this
        store's writes then."""
        self._answers: dict[str, bool] = {}
        self._tag: tuple[int, int] | None = None
        """``(counter, writes)`` the kept answers were read at."""
        self._wake = threading.Event()
        self._closed = False
        self._refresher: threading.Thread | None = None
        self.hits = 0
        """Calls answered from the kept answers."""
        self.readings = 0
        """Readings of the counter by the cache's thread."""

    @property
    def enabled(self) -> bool:
        return self._within > 0

    @property
    def writes(self) -> int:
        """This store's writes so far: taken by a read of existence as it begins."""
        return self._writes

    def wrote(self) -> None:
        """Note a write of this store that may have created or deleted twins, once its
        transaction ended: the calls that begin after it read again."""
        with self._guard:
            self._writes += 1
            self._answers = {}
            self._tag = None

    def counter(self) -> int | None:
        """The ``topology`` counter, when a reading of it may be used now (it started at
        most ``exists_stale_ms`` ago, and no write of this store ended since); else None.
        No query and no wait (the kept hierarchy's check: ``_graph``)."""
        if self._within <= 0:
            return None
        asked = time.monotonic()
        with self._guard:
            counter = self._counter
            usable = (
                counter is not None
                and counter[1] >= asked - self._within
                and counter[2] == self._writes
            )
        if counter is not None and self._within / 2 < asked - counter[1] <= self._within:
            self._refresh_soon()  # aging: read again before it is too old (else the caller reads)
        return counter[0] if usable and counter is not None else None

    def kept(self, ids: Sequence[str]) -> tuple[bool, ...] | None:
        """Whether each of ``ids`` exists, when every answer is kept and may be given now
        (see the module docstring); else None. No query and no wait."""
        if self._within <= 0:
            return None
        asked = time.monotonic()
        with self._guard:
            counter = self._counter
            if (
                counter is None
                or counter[1] < asked - self._within
                or self._tag != (counter[0], self._writes)
            ):
                found = None
            else:
                answers = self._answers
                got = [answers.get(t) for t in ids]
                found = None if None in got else tuple(bool(a) for a in got)
                if found is not None:
                    self.hits += 1
        if counter is not None and self._within / 2 < asked - counter[1] <= self._within:
            self._refresh_soon()  # aging: read again before it is too old (else the caller reads)
        return found

    def keep(self, counter: int, started: float, writes: int, found: Mapping[str, bool]) -> None:
        """Keep what a read found (``found``: every id it asked, True or False), read after
        the counter ``counter`` in the same statement, which started at ``started``
        (``time.monotonic``) when this store had made ``writes`` writes."""
        if self._within <= 0:
            return
        with self._guard:
            self._noted(counter, started, writes)
            if writes != self._writes:
                return  # a write of this store ended meanwhile: this may be older than it
            tag = (counter, writes)
            if self._tag != tag:  # the kept ones were read at another counter: dropped
                self._answers = {}
                self._tag = tag
            if len(self._answers) + len(found) > MOST_KEPT:
                self._answers = {}
            self._answers.update(found)

    def noted(self, counter: int, started: float, writes: int) -> None:
        """A reading of the counter made by another statement (the hierarchy's check), which
        started at ``started`` when this store had made ``writes`` writes."""
        if self._within > 0:
            with self._guard:
                self._noted(counter, started, writes)

    def _noted(self, counter: int, started: float, writes: int) -> None:
        """Take a reading of the counter (``writes``: this store's as it started) if it
        started after the last one. Under ``_guard``."""
        last = self._counter
        if last is None or last[1] < started:
            self._counter = (counter, started, writes)

    def _refresh_soon(self) -> None:
        """Wake the cache's thread to read the counter (started on first need)."""
        if self._wake.is_set():
            return
        with self._guard:
            if self._closed:
                return
            if self._refresher is None:
                self._refresher = threading.Thread(
                    target=self._refresh, name="neo4j-topology-reading", daemon=True
                )
                self._refresher.start()
        self._wake.set()

    def _refresh(self) -> None:
        """The cache's thread: a reading of the counter each time a call found the last one
        past half the bound (an error leaves the calls to read existence themselves)."""
        while True:
            self._wake.wait()
            if self._closed:
                return
            started, writes = time.monotonic(), self._writes
            last = self._counter
            if last is not None and started - last[1] <= self._within / 2:
                self._wake.clear()  # a read of existence took one meanwhile
                continue
            try:
                counter = self._read_counter()
            except Exception:  # the calls read existence themselves
                self._wake.clear()
                continue
            with self._guard:
                self._noted(counter, started, writes)
                self.readings += 1
            self._wake.clear()

    def close(self) -> None:
        """Stop the cache's thread (before the driver closes)."""
        with self._guard:
            self._closed = True
            thread = self._refresher
        self._wake.set()
        if thread is not None:
            thread.join(5.0)
